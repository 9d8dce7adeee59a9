"""CSV downloads of what the standings page and a member's ledger show, for a spreadsheet, and of the
guild's raids and loot in the spreadsheet importer's own format, so a guild's history can go out and
come back (``dkp.sources.spreadsheet``, ``docs/switching-spreadsheet.md``).

Each page's download is the page's own rows under the page's own rules: the same visibility check, the
same pool and filters, the same order. The raids and loot downloads are the whole history, for
officers. Rows are streamed from one database cursor, so a long ledger or a large guild is never held
in memory whole.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from dkp.accounts.models import User
from dkp.core.fields import id_from_text
from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, require
from dkp.loot.models import LootDistribution
from dkp.loot.selectors_items import loot_history
from dkp.points.models import DkpPool, EntryKind, PointEntry, UserPointsSummary
from dkp.points.selectors import user_ledger
from dkp.raids.models import Raid, RaidAttendance, RaidTick
from dkp.raids.selectors import attendance_history
from dkp.standings.selectors import STANDINGS_ORDERINGS, standings_table

# Rows fetched per round trip while streaming.
CHUNK_ROWS = 500

STANDINGS_HEADER = [
    "Rank",
    "Member",
    "Role",
    "Main",
    "Class",
    "Balance",
    "Earned",
    "Spent",
    "Adjusted",
    "Decayed",
    "Lifetime earned",
    "Attendance 30d %",
    "Attendance 60d %",
    "Attendance 90d %",
    "Attendance lifetime %",
]

LEDGER_HEADER = ["When", "Pool", "Kind", "Memo", "Character", "Points", "Entered by"]

# The columns of the spreadsheet importer's ticks.csv and loot.csv (it ignores case and spaces).
RAIDS_HEADER = ["Raid", "Date", "Tick", "Value", "Character", "Pool", "Event"]
LOOT_HEADER = ["Date", "Character", "Item", "Price", "Pool", "Raid", "Item ID"]


@dataclass(frozen=True)
class StandingsView:
    """Which standings a reader asked for: the pool, the class and role filters, the sort."""

    pool: DkpPool | None
    order: str
    eq_class: str
    role_group: str

    def as_context(self) -> dict[str, Any]:
        return {"pool": self.pool, "order": self.order, "eq_class": self.eq_class, "role_group": self.role_group}


def _pool_from(request: HttpRequest) -> DkpPool | None:
    pools = DkpPool.objects.filter(is_active=True).order_by("pk")
    wanted = id_from_text(request.GET.get("pool", ""), label="The pool", status=400)
    if wanted is not None:
        return pools.filter(pk=wanted).first() or pools.first()
    return pools.first()


def standings_view_from(request: HttpRequest) -> StandingsView:
    """The pool, sort and filters of the standings page's query string; an unknown sort is the default."""
    order = request.GET.get("sort", "balance")
    return StandingsView(
        pool=_pool_from(request),
        order=order if order in STANDINGS_ORDERINGS else "balance",
        eq_class=request.GET.get("class", ""),
        role_group=request.GET.get("role", ""),
    )


class _Line:
    """A file-like sink for ``csv.writer`` that hands back each written line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _safe(text: str) -> str:
    """Text a spreadsheet will show as text: a leading ``= + - @`` would make it a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_response(*, rows: Iterable[list[object]], header: list[str], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Line())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _filename(*parts: str, day: dt.date) -> str:
    words = [slugify(part) for part in parts]
    return "-".join([word for word in words if word] + [day.isoformat()]) + ".csv"


def _percent(row: UserPointsSummary, column: str) -> str:
    """An attendance percentage ``standings_table`` annotated on the row, rounded as the page rounds it."""
    return f"{getattr(row, column):.0f}"


def _standings_rows(rows: Iterable[UserPointsSummary]) -> Iterator[list[object]]:
    for rank, row in enumerate(rows, start=1):
        main = row.user.main_character
        yield [
            rank,
            _safe(row.user.name),
            row.user.get_role_group_display(),
            _safe(main.name) if main else "",
            main.eq_class if main else "",
            row.balance,
            row.earned,
            row.spent,
            row.adjusted,
            row.decayed,
            row.lifetime_earned,
            _percent(row, "attendance_30"),
            _percent(row, "attendance_60"),
            _percent(row, "attendance_90"),
            _percent(row, "attendance_lifetime"),
        ]


def standings_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The standings the page shows for the same query string, one row per member, in the page's order."""
    require(request.user, Capability.VIEW_GUILD)
    table = standings_view_from(request)
    if table.pool is None:
        raise Http404("There is no DKP pool yet.")
    rows = standings_table(
        pool=table.pool, eq_class=table.eq_class, role_group=table.role_group, order=table.order
    ).iterator(chunk_size=CHUNK_ROWS)
    guild_name = GuildSettings.load().guild_name
    filters = [table.eq_class, table.role_group]
    return _csv_response(
        rows=_standings_rows(rows),
        header=STANDINGS_HEADER,
        filename=_filename(guild_name, table.pool.name, "standings", *filters, day=timezone.localdate()),
    )


def _ledger_rows(entries: Iterable[PointEntry], zone: dt.tzinfo) -> Iterator[list[object]]:
    # The zone is the request's (the guild's), taken before streaming: the rows are written after
    # the middleware that set it for the request has finished.
    for entry in entries:
        yield [
            timezone.localtime(entry.occurred_at, zone).strftime("%Y-%m-%d %H:%M"),
            _safe(entry.pool.name),
            entry.get_kind_display(),
            _safe(entry.memo),
            _safe(entry.character_name),
            entry.amount,
            _safe(entry.created_by.name) if entry.created_by else "",
        ]


def member_ledger_csv(request: HttpRequest, username: str) -> StreamingHttpResponse:
    """Every entry of a member's ledger (of one kind with ``?kind=``), newest first, as their page lists them."""
    require(request.user, Capability.VIEW_GUILD)
    person = get_object_or_404(User, username=username)
    kind = request.GET.get("kind", "")
    entries = user_ledger(user_id=person.pk)
    if kind in EntryKind.values:
        entries = entries.filter(kind=kind)
    else:
        kind = ""
    guild_name = GuildSettings.load().guild_name
    return _csv_response(
        rows=_ledger_rows(entries.iterator(chunk_size=CHUNK_ROWS), timezone.get_current_timezone()),
        header=LEDGER_HEADER,
        filename=_filename(guild_name, person.username, "ledger", kind, day=timezone.localdate()),
    )


def _moment(value: dt.datetime, zone: dt.tzinfo) -> str:
    """A time in the guild's zone with its offset, to the second, as the importer reads it back exactly."""
    return timezone.localtime(value, zone).isoformat(sep=" ", timespec="seconds")


def _raid_name(raid: Raid, zone: dt.tzinfo) -> str:
    # The raid's number keeps two raids of one event on one day apart when the file is read back.
    return f"{raid.event.name} {timezone.localtime(raid.starts_at, zone):%Y-%m-%d} #{raid.pk}"


def _tick_name(tick: RaidTick) -> str:
    return f"{tick.description} #{tick.pk}" if tick.description else f"#{tick.pk}"


def _raids_rows(attendance: Iterable[RaidAttendance], zone: dt.tzinfo) -> Iterator[list[object]]:
    for present in attendance:
        tick = present.tick
        yield [
            _safe(_raid_name(tick.raid, zone)),
            _moment(tick.occurred_at, zone),
            _safe(_tick_name(tick)),
            tick.value,
            _safe(present.character_name),
            _safe(tick.raid.event.pool.name),
            _safe(tick.raid.event.name),
        ]


def raids_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every tick of every raid, one row per character present, in the importer's ticks.csv format."""
    require(request.user, Capability.MANAGE_GUILD)
    guild_name = GuildSettings.load().guild_name
    return _csv_response(
        rows=_raids_rows(attendance_history().iterator(chunk_size=CHUNK_ROWS), timezone.get_current_timezone()),
        header=RAIDS_HEADER,
        filename=_filename(guild_name, "raids", day=timezone.localdate()),
    )


def _loot_rows(loot: Iterable[LootDistribution], zone: dt.tzinfo) -> Iterator[list[object]]:
    for award in loot:
        yield [
            _moment(award.awarded_at, zone),
            _safe(award.character_name),
            _safe(award.item.name),
            award.price,
            _safe(award.pool.name),
            _safe(_raid_name(award.raid, zone)) if award.raid else "",
            award.item.eq_item_id or "",
        ]


def loot_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every item awarded and not reversed, newest first, in the importer's loot.csv format."""
    require(request.user, Capability.MANAGE_GUILD)
    loot = loot_history().filter(is_reversed=False)
    guild_name = GuildSettings.load().guild_name
    return _csv_response(
        rows=_loot_rows(loot.iterator(chunk_size=CHUNK_ROWS), timezone.get_current_timezone()),
        header=LOOT_HEADER,
        filename=_filename(guild_name, "loot", day=timezone.localdate()),
    )
