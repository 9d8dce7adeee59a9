"""The figures of ``make bench``: server time, queries and memory of the guild's busiest paths.

Everything runs in this process, against whatever database Django is configured with (a guild
made by ``generate_guild``). Pages and API endpoints go through Django's test ``Client`` as a
signed-in member, so a sample is the time Django takes to handle the request (middleware, view,
queries, template) with no network in between; services are called directly. Each measurement:

- runs its step once with ``CaptureQueriesContext`` (the query count of one request/operation)
  and once under ``tracemalloc`` (the peak of Python's heap during that step); both runs also
  warm caches and are left out of the timings;
- then times ``repetitions`` more runs with ``perf_counter``; p50/p95/p99 are taken from those;
- records the process's peak resident memory (``ru_maxrss``) after the step.

Read steps come first, then the steps that write (ingest, bids, closing auctions), so reads see
the guild as generated. ``ledger_standings`` is the standings computed without any summary
table, straight from the ledger and the attendance rows: its time against the summary path's
says what the summaries buy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import json
import math
import resource
import sqlite3
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dkp.accounts.models import User
from dkp.characters.models import Character
from dkp.core.errors import GuildError
from dkp.core.models import GuildSettings
from dkp.core.roles import GUILD_MEMBERS, RoleGroup
from dkp.core.time import guild_zone
from dkp.eqlog.raid_dump import RAID_LEADER, RaidDumpRow, raid_dump_file_name, write_raid_dump
from dkp.loot.models import Auction, BidHistory, Channel, ItemBid, LootDistribution
from dkp.loot.selectors import held_by_other_bids
from dkp.loot.services import MAX_MINUTES, cancel_auction, close_due_auctions, open_auction, place_bid
from dkp.points.models import DkpPool, EntryKind, PointEntry, UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.raids.ingest import confirm_tick, preview_dumps
from dkp.raids.models import Event, Raid, RaidAttendance, RaidTick
from dkp.raids.services import create_raid
from dkp.standings.selectors import STANDING_COLUMNS, standings_table

DUMP_CHARACTERS = 72  # a full raid: 12 groups of 6
BIDDER_COUNTS = (1, 10, 50)
CLOSING_AUCTIONS = 20
BID_AUCTIONS = 5  # the items of one boss kill, open at once while the bidders bid
STANDINGS_PAGE_SIZE = 200  # the API's largest page


class BenchError(RuntimeError):
    """The benchmark could not take a measurement (a refused request, a guild too small)."""


@dataclass(frozen=True)
class Repetitions:
    """How many timed runs each measurement takes (after its query-count and heap runs)."""

    reads: int = 200
    uncached: int = 100
    profile: int = 100
    ledger: int = 10
    ingest: int = 30
    refresh: int = 5
    reconcile: int = 3
    closing_rounds: int = 5
    bids_each: dict[int, int] = field(default_factory=lambda: {1: 100, 10: 20, 50: 10})

    @classmethod
    def quick(cls) -> Repetitions:
        """A handful of each: for the test suite, where only the shape of the figures matters."""
        return cls(
            reads=3,
            uncached=2,
            profile=3,
            ledger=2,
            ingest=2,
            refresh=1,
            reconcile=1,
            closing_rounds=1,
            bids_each={1: 3, 10: 2, 50: 1},
        )


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile, interpolated between the two nearest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


MB = 1e6  # memory is reported in MB of 10^6 bytes, the unit of the target


def rss_peak_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


@dataclass
class Figure:
    """One measurement: its timed samples and what one run of it cost in queries and memory."""

    key: str
    label: str
    unit: str  # what one sample is: "request", "operation", "round"
    samples_ms: list[float]
    queries: int | None
    heap_peak_mb: float | None
    rss_peak_mb: float
    extra: dict[str, Any] = field(default_factory=dict)

    def stats(self) -> dict[str, float]:
        values = self.samples_ms
        return {
            "n": len(values),
            "p50": round(percentile(values, 50), 3),
            "p95": round(percentile(values, 95), 3),
            "p99": round(percentile(values, 99), 3),
            "mean": round(sum(values) / len(values), 3),
            "max": round(max(values), 3),
        }

    def as_json(self, *, with_samples: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "label": self.label,
            "unit": self.unit,
            **self.stats(),
            "queries": self.queries,
            "heap_peak_mb": self.heap_peak_mb,
            "rss_peak_mb": round(self.rss_peak_mb, 1),
            **self.extra,
        }
        if with_samples:
            data["samples_ms"] = [round(value, 3) for value in self.samples_ms]
        return data


def measure(
    key: str,
    label: str,
    *,
    prepare: Callable[[int], Callable[[], object]],
    repetitions: int,
    unit: str = "request",
    extra: dict[str, Any] | None = None,
) -> Figure:
    """Run ``prepare(i)()`` twice untimed (queries, heap), then ``repetitions`` times timed.

    ``prepare(i)`` does the untimed setup of run ``i`` and returns the action to time.
    """
    action = prepare(0)
    with CaptureQueriesContext(connection) as captured:
        action()
    queries = len(captured.captured_queries)
    statements = count_statements(captured.captured_queries)
    action = prepare(1)
    gc.collect()
    tracemalloc.start()
    try:
        action()
        heap_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    samples = []
    for index in range(repetitions):
        action = prepare(2 + index)
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return Figure(
        key=key,
        label=label,
        unit=unit,
        samples_ms=samples,
        queries=queries,
        heap_peak_mb=round(heap_peak / MB, 2),
        rss_peak_mb=rss_peak_mb(),
        extra={"statements": statements, **(extra or {})},
    )


_TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def count_statements(captured: list[dict[str, Any]]) -> int:
    """The SQL statements of a step, leaving out transaction control (BEGIN, COMMIT, savepoints).

    SQLite's driver shows its BEGIN and COMMIT to Django and psycopg does not, so the query counts of
    the two databases differ by them; the statements a step asks for are the same on both.
    """
    return sum(1 for query in captured if not str(query["sql"]).lstrip().upper().startswith(_TRANSACTION_CONTROL))


# --- The guild under test --------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchGuild:
    """The people and the pool the measurements use, found in whatever guild the database holds."""

    pool: DkpPool
    members: int  # standings rows in the pool
    viewer: User  # a member who reads the pages
    officer: User
    profile_user: User  # the member with the longest ledger in the pool
    now: dt.datetime


def find_guild(*, now: dt.datetime | None = None) -> BenchGuild:
    pool = DkpPool.objects.filter(is_active=True).annotate(rows=Count("summaries")).order_by("-rows", "pk").first()
    if pool is None:
        raise BenchError("The database has no active DKP pool; generate a guild first (generate_guild).")
    in_pool = User.objects.filter(is_active=True, point_summaries__pool=pool)
    viewer = in_pool.filter(role_group=RoleGroup.MEMBER).order_by("pk").first()
    officer = User.objects.filter(is_active=True, role_group=RoleGroup.OFFICER).order_by("pk").first()
    if viewer is None or officer is None:
        raise BenchError("The guild needs an active member and an active officer with points in a pool.")
    longest = (
        PointEntry.objects.filter(pool=pool)
        .values("user_id")
        .annotate(entries=Count("id"))
        .order_by("-entries", "user_id")
        .first()
    )
    profile_user = User.objects.get(pk=longest["user_id"]) if longest else viewer
    return BenchGuild(
        pool=pool,
        members=UserPointsSummary.objects.filter(pool=pool).count(),
        viewer=viewer,
        officer=officer,
        profile_user=profile_user,
        now=now or timezone.now(),
    )


def dataset() -> dict[str, int]:
    """How big the guild is: the row counts the issue sizes the data by."""
    from dkp.recruitment.models import GuildApplication

    models = {
        "users": User,
        "characters": Character,
        "raids": Raid,
        "ticks": RaidTick,
        "attendance_rows": RaidAttendance,
        "point_entries": PointEntry,
        "loot_distributions": LootDistribution,
        "auctions": Auction,
        "bids": ItemBid,
        "bid_history": BidHistory,
        "applications": GuildApplication,
    }
    return {name: model._default_manager.count() for name, model in models.items()}


def database_version() -> str:
    if connection.vendor == "sqlite":
        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])


# --- Requests --------------------------------------------------------------------------------------


def _host() -> str:
    """A host name the settings allow, for the test client's requests."""
    for host in settings.ALLOWED_HOSTS:
        if host != "*" and not host.startswith("."):
            return host
    return "localhost"


def signed_in(user: User) -> Client:
    client = Client(HTTP_HOST=_host())
    client.force_login(user)
    return client


def _expect(response: HttpResponseBase, status: int, what: str) -> HttpResponseBase:
    if response.status_code != status:
        body = getattr(response, "content", b"")[:300].decode(errors="replace")
        raise BenchError(f"{what}: expected HTTP {status}, got {response.status_code}: {body}")
    return response


def _get(client: Client, url: str) -> Callable[[int], Callable[[], object]]:
    def prepare(_: int) -> Callable[[], object]:
        return lambda: _expect(client.get(url), 200, f"GET {url}")

    return prepare


def standings_url(pool: DkpPool) -> str:
    return f"/?pool={pool.pk}"


def standings_api_url(pool: DkpPool) -> str:
    return f"/api/v1/pools/{pool.pk}/standings/?page_size={STANDINGS_PAGE_SIZE}"


def _warm(prepare: Callable[[int], Callable[[], object]]) -> Callable[[int], Callable[[], object]]:
    """The step after one untimed run, so that even its query-count run finds the app's cache warm."""
    prepare(-1)()
    return prepare


def measure_standings_page(guild: BenchGuild, repetitions: int) -> Figure:
    url = standings_url(guild.pool)
    return measure(
        "standings_page",
        f"Standings page, {guild.members} members (GET /)",
        prepare=_warm(_get(signed_in(guild.viewer), url)),
        repetitions=repetitions,
        extra={"rows": guild.members},
    )


def measure_standings_api(guild: BenchGuild, repetitions: int) -> Figure:
    cache.clear()  # the API's rate limit counts in the cache; a fresh bucket for this step
    rows = min(guild.members, STANDINGS_PAGE_SIZE)
    return measure(
        "standings_api",
        f"Standings API, first page of {rows} rows (GET /api/v1/pools/{{id}}/standings/)",
        prepare=_warm(_get(signed_in(guild.viewer), standings_api_url(guild.pool))),
        repetitions=repetitions,
        extra={"rows": rows},
    )


def _nothing_cached(prepare: Callable[[int], Callable[[], object]]) -> Callable[[int], Callable[[], object]]:
    """The same step with the cache emptied before each run (untimed): the first reader after a change."""

    def fresh(index: int) -> Callable[[], object]:
        cache.clear()
        return prepare(index)

    return fresh


def measure_standings_page_uncached(guild: BenchGuild, repetitions: int) -> Figure:
    return measure(
        "standings_page_uncached",
        f"Standings page, {guild.members} members, nothing cached (the first reader after a change)",
        prepare=_nothing_cached(_get(signed_in(guild.viewer), standings_url(guild.pool))),
        repetitions=repetitions,
        extra={"rows": guild.members},
    )


def measure_standings_api_uncached(guild: BenchGuild, repetitions: int) -> Figure:
    rows = min(guild.members, STANDINGS_PAGE_SIZE)
    return measure(
        "standings_api_uncached",
        f"Standings API, first page of {rows} rows, nothing cached (the first reader after a change)",
        prepare=_nothing_cached(_get(signed_in(guild.viewer), standings_api_url(guild.pool))),
        repetitions=repetitions,
        extra={"rows": rows},
    )


def floor(rows: QuerySet[Any]) -> Callable[[], bytes]:
    """The floor of a read: its rows fetched with the one SQL statement the ORM makes for them, run
    on the driver's cursor, and written as JSON by orjson. No request, no models, no template."""
    sql, params = rows.query.sql_with_params()
    alias = rows.db

    def read() -> bytes:
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        return orjson.dumps(found, default=float)

    return read


def _standings_statement(pool: DkpPool, limit: int | None = None) -> QuerySet[Any]:
    rows = standings_table(pool=pool).values_list(*STANDING_COLUMNS)
    return rows if limit is None else rows[:limit]


def measure_floor_page(guild: BenchGuild, repetitions: int) -> Figure:
    return measure(
        "standings_floor_page",
        f"Floor of the standings page: its {guild.members} rows by one raw SQL statement, orjson",
        prepare=lambda _: floor(_standings_statement(guild.pool)),
        repetitions=repetitions,
        unit="operation",
        extra={"rows": guild.members},
    )


def measure_floor_api(guild: BenchGuild, repetitions: int) -> Figure:
    rows = min(guild.members, STANDINGS_PAGE_SIZE)
    return measure(
        "standings_floor_api",
        f"Floor of the standings API: its {rows} rows by one raw SQL statement, orjson",
        prepare=lambda _: floor(_standings_statement(guild.pool, STANDINGS_PAGE_SIZE)),
        repetitions=repetitions,
        unit="operation",
        extra={"rows": rows},
    )


def measure_profile_uncached(guild: BenchGuild, repetitions: int) -> Figure:
    person = guild.profile_user
    return measure(
        "profile_page_uncached",
        "Member profile, nothing cached (its charts computed afresh: the first view after a change)",
        prepare=_nothing_cached(_get(signed_in(guild.viewer), f"/members/{person.username}/")),
        repetitions=repetitions,
    )


def measure_profile(guild: BenchGuild, repetitions: int) -> Figure:
    person = guild.profile_user
    entries = PointEntry.objects.filter(user=person).count()
    return measure(
        "profile_page",
        f"Member profile with its charts, {entries} ledger entries (GET /members/{{name}}/)",
        prepare=_get(signed_in(guild.viewer), f"/members/{person.username}/"),
        repetitions=repetitions,
        extra={"ledger_entries": entries},
    )


# --- Standings with and without the summaries -----------------------------------------------------


def summary_standings(*, pool: DkpPool) -> list[UserPointsSummary]:
    """The standings as the pages read them: the summary rows with attendance, every row fetched."""
    return list(standings_table(pool=pool))


@dataclass(frozen=True)
class LedgerStanding:
    user_id: int
    username: str
    main_character: str | None
    balance: int
    earned: int
    spent: int
    attendance_30: Decimal


def _percent(attended: int, held: int) -> Decimal:
    """Attended ÷ held as a percentage rounded half up to 2 decimals, as the attendance refresh rounds."""
    if not held:
        return Decimal(0)
    return (Decimal(100 * attended) / held).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ledger_standings(*, pool: DkpPool, now: dt.datetime | None = None) -> list[LedgerStanding]:
    """The pool's standings with no summary table: balances summed over every ledger entry, and
    30-day attendance counted from the attendance rows of the ticks held in the window.

    A reversal counts in the column of the entry it reverses, as in the summaries. Highest
    balance first. Four queries, each over the whole history of the pool.
    """
    now = now or timezone.now()
    zero = Value(0, output_field=IntegerField())
    bucket = Coalesce(F("reverses__kind"), F("kind"))
    sums = (
        PointEntry.objects.filter(pool=pool)
        .annotate(bucket=bucket)
        .values("user_id")
        .annotate(
            balance=Sum("amount"),
            earned=Coalesce(Sum("amount", filter=Q(bucket=EntryKind.ATTENDANCE)), zero),
            loot=Coalesce(Sum("amount", filter=Q(bucket=EntryKind.LOOT)), zero),
        )
        .order_by()
    )
    since = now - dt.timedelta(days=30)
    in_window = {
        "tick__raid__event__pool": pool,
        "tick__occurred_at__gt": since,
        "tick__occurred_at__lte": now,
    }
    # A tick is held when anyone attended it, so the window's held ticks are the distinct ticks
    # of its attendance rows.
    held = RaidAttendance.objects.filter(**in_window).aggregate(ticks=Count("tick_id", distinct=True))["ticks"]
    attended = dict(
        RaidAttendance.objects.filter(user__isnull=False, **in_window)
        .values("user_id")
        .annotate(ticks=Count("tick_id", distinct=True))
        .order_by()
        .values_list("user_id", "ticks")
    )
    people = {
        user.pk: user
        for user in User.objects.select_related("main_character").only(
            "username", "main_character", "main_character__name"
        )
    }
    rows = []
    for row in sums:
        person = people[row["user_id"]]
        main = person.main_character
        rows.append(
            LedgerStanding(
                user_id=person.pk,
                username=person.username,
                main_character=main.name if main is not None else None,
                balance=row["balance"],
                earned=row["earned"],
                spent=-row["loot"],
                attendance_30=_percent(attended.get(person.pk, 0), held),
            )
        )
    rows.sort(key=lambda row: (-row.balance, row.username))
    return rows


def measure_summary_path(guild: BenchGuild, repetitions: int) -> Figure:
    return measure(
        "standings_summary_path",
        "Standings from the summaries (the selector alone, every row)",
        prepare=lambda _: lambda: summary_standings(pool=guild.pool),
        repetitions=repetitions,
        unit="operation",
        extra={"rows": guild.members},
    )


def measure_ledger_path(guild: BenchGuild, repetitions: int) -> Figure:
    return measure(
        "standings_ledger_path",
        "Standings straight from the ledger and attendance rows (no summaries)",
        prepare=lambda _: lambda: ledger_standings(pool=guild.pool, now=guild.now),
        repetitions=repetitions,
        unit="operation",
    )


# --- Raid dump ingest -----------------------------------------------------------------------------


def raid_dump(characters: list[Character], *, written_at: dt.datetime, server: str) -> tuple[str, bytes]:
    """A raid dump of these characters in the client's format, named as the client names it.

    ``written_at`` is a naive local time (the guild's zone), as in the file's name.
    """
    rows = [
        RaidDumpRow(
            line_number=index + 1,
            group=index // 6 + 1,
            name=character.name,
            level=character.level,
            eq_class=character.eq_class,
            rank=RAID_LEADER if index == 0 else "",
        )
        for index, character in enumerate(characters)
    ]
    return raid_dump_file_name(written_at, server=server), write_raid_dump(rows).encode()


def _dump_characters(pool: DkpPool, count: int) -> list[Character]:
    """Characters of the pool's members, mains first, as a raid night would list them."""
    owned = list(
        Character.objects.filter(is_active=True, owner__is_active=True, owner__point_summaries__pool=pool)
        .order_by("tag", "name")
        .distinct()[:count]
    )
    if len(owned) < count:
        taken = {character.pk for character in owned}
        owned += list(Character.objects.exclude(pk__in=taken).order_by("name")[: count - len(owned)])
    return owned


def measure_ingest(guild: BenchGuild, repetitions: int) -> Figure:
    """Preview and confirm of one raid dump through the services, as the upload page does."""
    event = Event.objects.filter(pool=guild.pool, is_active=True).order_by("pk").first()
    if event is None:
        raise BenchError(f"The pool {guild.pool.name} has no active event to raid.")
    raid = create_raid(
        event=event, starts_at=guild.now - dt.timedelta(hours=4), note="benchmark: dump ingest", actor=guild.officer
    )
    # As the upload page has it: the raid read with its event and pool, and each of the two
    # requests (preview, confirm) reading the guild's settings once, as every request does.
    raid = Raid.objects.select_related("event__pool").get(pk=raid.pk)
    characters = _dump_characters(guild.pool, DUMP_CHARACTERS)
    settings_row = GuildSettings.load()
    local_start = timezone.localtime(guild.now - dt.timedelta(hours=3), guild_zone()).replace(
        tzinfo=None, microsecond=0
    )

    def prepare(index: int) -> Callable[[], object]:
        dump = raid_dump(
            characters, written_at=local_start + dt.timedelta(seconds=61 * index), server=settings_row.server_name
        )

        def ingest() -> RaidTick:
            with GuildSettings.for_request():
                preview = preview_dumps(raid=raid, files=[dump], actor=guild.officer)
            if not preview.can_confirm:
                raise BenchError(f"The benchmark's raid dump was refused: {preview.message()}")
            with GuildSettings.for_request():
                return confirm_tick(raid=raid, actor=guild.officer, preview_token=preview.token)

        return ingest

    return measure(
        "dump_ingest",
        f"Raid dump ingest, {len(characters)} characters (preview + confirm)",
        prepare=prepare,
        repetitions=repetitions,
        unit="operation",
        extra={"characters": len(characters)},
    )


# --- Attendance refresh and reconcile --------------------------------------------------------------


def measure_refresh(repetitions: int) -> Figure:
    rows = RaidAttendance.objects.count()
    return measure(
        "attendance_refresh",
        f"Attendance refresh for everybody ({rows:,} attendance rows)",
        prepare=lambda _: refresh_attendance_summaries,
        repetitions=repetitions,
        unit="operation",
        extra={"attendance_rows": rows},
    )


def measure_reconcile(repetitions: int) -> Figure:
    entries = PointEntry.objects.count()
    found: list[int] = []

    def prepare(_: int) -> Callable[[], object]:
        return lambda: found.append(len(summary_differences()))

    figure = measure(
        "reconcile",
        f"reconcile_points over the whole ledger ({entries:,} entries)",
        prepare=prepare,
        repetitions=repetitions,
        unit="operation",
        extra={"ledger_entries": entries},
    )
    figure.extra["differences"] = max(found)
    return figure


# --- Bidding and closing ----------------------------------------------------------------------------


def first_bid(rules: dict[str, Any]) -> tuple[int, int]:
    """The lowest bid an auction with these rules takes, and the step between bids."""
    step = int(rules.get("bid_increment") or 0)
    lowest = max(int(rules.get("minimum_bid") or 0), 1)
    if step:
        lowest = math.ceil(lowest / step) * step
    return lowest, step or 1


def bidders(pool: DkpPool, count: int, *, points: int) -> list[User]:
    """Up to ``count`` members who may bid and have at least ``points`` available, richest first."""
    chosen = []
    candidates = (
        UserPointsSummary.objects.filter(
            pool=pool, balance__gte=points, user__is_active=True, user__role_group__in=GUILD_MEMBERS
        )
        .select_related("user", "user__main_character")
        .order_by("-balance", "user_id")
    )
    for summary in candidates[: count * 3]:
        held = held_by_other_bids(user_id=summary.user_id, pool_id=pool.pk, excluding_auction_id=None)
        if summary.balance - held >= points:
            chosen.append(summary.user)
        if len(chosen) == count:
            break
    return chosen


def _open(guild: BenchGuild, name: str) -> Auction:
    return open_auction(item=name, pool=guild.pool, actor=guild.officer, minutes=MAX_MINUTES)


def measure_bid_service(guild: BenchGuild, repetitions: int) -> Figure:
    """One member raising their bid by calling ``place_bid`` directly: the service's own time and statements.

    The bidder is read afresh for each bid with their main character, as a request's signed-in
    user is.
    """
    auction = _open(guild, "Benchmark loot, the service alone")
    lowest, step = first_bid(auction.rules)
    people = bidders(guild.pool, 1, points=lowest + step * (repetitions + 3))
    if not people:
        raise BenchError("Nobody in the pool has the points to bid.")
    person = people[0]

    def prepare(index: int) -> Callable[[], object]:
        user = User.objects.select_related("main_character").get(pk=person.pk)
        amount = lowest + step * index
        return lambda: place_bid(auction_id=auction.pk, user=user, amount=amount, channel=Channel.API, tag="main")

    figure = measure(
        "bid_service",
        "One bid, the service alone (place_bid, a raise of the bidder's own bid)",
        prepare=prepare,
        repetitions=repetitions,
        unit="operation",
    )
    cancel_auction(auction_id=auction.pk, actor=guild.officer, reason="benchmark over")
    return figure


def measure_bidding(guild: BenchGuild, concurrent: int, bids_each: int) -> Figure:
    """``concurrent`` members bidding at once, each in its own thread with its own connection.

    Each bidder raises their bid ``bids_each`` times through the bid API
    (POST /api/v1/auctions/{id}/bid/), on one of ``BID_AUCTIONS`` auctions open together. The
    samples are every bid's server time; accepted bids per second is over the wall time from the
    start signal to the last bidder's last answer.
    """
    auctions = [_open(guild, f"Benchmark loot {concurrent}-{n}") for n in range(min(BID_AUCTIONS, concurrent))]
    lowest, step = first_bid(auctions[0].rules)
    warmups = 2
    people = bidders(guild.pool, concurrent, points=lowest + step * (bids_each + warmups))
    if not people:
        raise BenchError("Nobody in the pool has the points to bid.")
    clients = [signed_in(person) for person in people]
    urls = [f"/api/v1/auctions/{auctions[index % len(auctions)].pk}/bid/" for index in range(len(people))]
    next_amount = [lowest] * len(people)

    def bid(index: int) -> HttpResponseBase:
        amount, next_amount[index] = next_amount[index], next_amount[index] + step
        return clients[index].post(urls[index], {"amount": amount, "tag": "main"}, content_type="application/json")

    cache.clear()
    # Untimed: the query count and the heap peak of one bid, by the first bidder.
    with CaptureQueriesContext(connection) as captured:
        _expect(bid(0), 201, "bid")
    queries = len(captured.captured_queries)  # now: the list is read from a log the next request clears
    statements = count_statements(captured.captured_queries)
    gc.collect()
    tracemalloc.start()
    try:
        _expect(bid(0), 201, "bid")
        heap_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    samples: list[float] = []
    statuses: dict[int, int] = {}
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(people) + 1)

    def bidder(index: int) -> None:
        try:
            start.wait()
            for _ in range(bids_each):
                started = time.perf_counter()
                response = bid(index)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    samples.append(elapsed)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if response.status_code != 201 and len(failures) < 5:
                        failures.append(getattr(response, "content", b"")[:200].decode(errors="replace"))
        except Exception as error:  # reported with the figures, never swallowed
            with lock:
                failures.append(f"{type(error).__name__}: {error}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=bidder, args=(index,), daemon=True) for index in range(len(people))]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    for auction in auctions:  # release the points the bids hold, for the next step
        cancel_auction(auction_id=auction.pk, actor=guild.officer, reason="benchmark over")
    accepted = statuses.get(201, 0)
    if not samples or accepted == 0:
        raise BenchError(f"No bid was accepted with {concurrent} bidders: {failures[:3]}")
    return Figure(
        key=f"bids_{concurrent}",
        label=f"Bid placement, {len(people)} concurrent bidder{'s' if len(people) != 1 else ''} (POST bid API)",
        unit="request",
        samples_ms=samples,
        queries=queries,
        heap_peak_mb=round(heap_peak / MB, 2),
        rss_peak_mb=rss_peak_mb(),
        extra={
            "statements": statements,
            "bidders": len(people),
            "auctions": len(auctions),
            "accepted": accepted,
            "refused": sum(count for status, count in statuses.items() if status != 201),
            "bids_per_second": round(accepted / wall, 1),
            "wall_seconds": round(wall, 3),
            "failures": failures[:5],
        },
    )


def measure_closing(guild: BenchGuild, rounds: int) -> Figure:
    """Twenty auctions with bids, all past their time, closed by one ``close_due_auctions()``."""
    close_due_auctions()  # anything already due is closed first, so each round closes its own
    lowest, step = first_bid(guild.pool.auction_rules())
    per_auction = 5
    people = bidders(guild.pool, CLOSING_AUCTIONS * per_auction, points=(lowest + step * per_auction) * 4)
    if not people:
        raise BenchError("Nobody in the pool has the points to bid.")
    counts: list[int] = []

    def prepare(index: int) -> Callable[[], object]:
        auctions = [_open(guild, f"Benchmark drop {index}-{n}") for n in range(CLOSING_AUCTIONS)]
        seat = 0
        for auction in auctions:
            for place in range(per_auction):
                person = people[seat % len(people)]
                seat += 1
                # A bidder out of points is refused: the auction closes with the bids it has.
                with contextlib.suppress(GuildError):
                    place_bid(
                        auction_id=auction.pk,
                        user=person,
                        amount=lowest + step * place,
                        channel=Channel.API,
                        tag="main",
                    )
        now = timezone.now()
        Auction.objects.filter(pk__in=[auction.pk for auction in auctions]).update(
            opened_at=now - dt.timedelta(minutes=10), closes_at=now - dt.timedelta(seconds=1)
        )
        return lambda: counts.append(close_due_auctions())

    figure = measure(
        "close_20_auctions",
        f"Closing {CLOSING_AUCTIONS} auctions at once, {per_auction} bids each (close_due_auctions)",
        prepare=prepare,
        repetitions=rounds,
        unit="round",
        extra={"auctions": CLOSING_AUCTIONS, "bids_per_auction": per_auction},
    )
    if any(count != CLOSING_AUCTIONS for count in counts):
        raise BenchError(f"close_due_auctions closed {counts} auctions per round, not {CLOSING_AUCTIONS}.")
    figure.extra["per_auction_p50_ms"] = round(figure.stats()["p50"] / CLOSING_AUCTIONS, 3)
    figure.extra["queries_per_auction"] = round((figure.queries or 0) / CLOSING_AUCTIONS, 2)
    figure.extra["statements_per_auction"] = round(figure.extra["statements"] / CLOSING_AUCTIONS, 2)
    return figure


# --- The whole run ------------------------------------------------------------------------------------


def ledger_matches_summaries(guild: BenchGuild) -> bool:
    """Whether both standings paths give every member the same balance, earned and spent."""
    summary = {row.user_id: (row.balance, row.earned, row.spent) for row in summary_standings(pool=guild.pool)}
    ledger = {row.user_id: (row.balance, row.earned, row.spent) for row in ledger_standings(pool=guild.pool)}
    nothing = (0, 0, 0)
    return all(summary.get(user, nothing) == ledger.get(user, nothing) for user in summary.keys() | ledger.keys())


def run(
    *,
    label: str,
    reads_only: bool = False,
    repetitions: Repetitions | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Every measurement on the current database; the result is what ``report`` reads."""
    repetitions = repetitions or Repetitions()
    began = time.perf_counter()
    guild = find_guild()
    figures: list[Figure] = []

    def step(figure_of: Callable[[], Figure]) -> None:
        figure = figure_of()
        figures.append(figure)
        stats = figure.stats()
        progress(
            f"  {figure.label}: p50 {stats['p50']:.1f} ms, p95 {stats['p95']:.1f} ms, p99 {stats['p99']:.1f} ms, "
            f"{figure.queries} queries"
        )

    step(lambda: measure_floor_page(guild, repetitions.reads))
    step(lambda: measure_floor_api(guild, repetitions.reads))
    step(lambda: measure_standings_page(guild, repetitions.reads))
    step(lambda: measure_standings_api(guild, repetitions.reads))
    step(lambda: measure_standings_page_uncached(guild, repetitions.uncached))
    step(lambda: measure_standings_api_uncached(guild, repetitions.uncached))
    step(lambda: measure_summary_path(guild, repetitions.reads))
    step(lambda: measure_ledger_path(guild, repetitions.ledger))
    step(lambda: measure_profile(guild, repetitions.profile))
    step(lambda: measure_profile_uncached(guild, repetitions.uncached))
    checks: dict[str, Any] = {"ledger_matches_summaries": ledger_matches_summaries(guild)}
    if not reads_only:
        step(lambda: measure_refresh(repetitions.refresh))
        step(lambda: measure_reconcile(repetitions.reconcile))
        step(lambda: measure_ingest(guild, repetitions.ingest))
        step(lambda: measure_bid_service(guild, repetitions.bids_each[1]))
        for concurrent in BIDDER_COUNTS:
            bids_each = repetitions.bids_each[concurrent]
            step(functools.partial(measure_bidding, guild, concurrent, bids_each))
        step(lambda: measure_closing(guild, repetitions.closing_rounds))
        checks["reconcile_differences_after"] = len(summary_differences())
    by_key = {figure.key: figure for figure in figures}
    summary_p50 = by_key["standings_summary_path"].stats()["p50"]
    ledger_p50 = by_key["standings_ledger_path"].stats()["p50"]
    return {
        "label": label,
        "database": {"vendor": connection.vendor, "version": database_version()},
        "reads_only": reads_only,
        "finished_at": timezone.now().isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - began, 1),
        "pool": {"id": guild.pool.pk, "name": guild.pool.name, "members": guild.members},
        "dataset": dataset(),
        "figures": {figure.key: figure.as_json() for figure in figures},
        "ledger_to_summary_ratio": round(ledger_p50 / summary_p50, 1) if summary_p50 else None,
        "checks": checks,
        "rss_peak_mb": round(rss_peak_mb(), 1),
    }


def write_json(result: dict[str, Any], path: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=1)
        out.write("\n")
