"""Reads of the raids domain: a member's attendance figures, from the summaries the refresh writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from dkp.points.models import EntryKind, PointEntry
from dkp.raids.models import MemberAttendanceSummary, Raid, RaidAttendance, RaidTick

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.points.models import DkpPool

NO_ATTENDANCE = Decimal("0.00")


def attendance_for(user: User) -> dict[int | None, MemberAttendanceSummary]:
    """A user's attendance summaries by pool id (``None``: all pools together), in one query.

    Overall first, then the pools by name. Empty for a user who never attended a tick (or before
    the first refresh after their first tick).
    """
    summaries = (
        MemberAttendanceSummary.objects.filter(user_id=user.pk).select_related("pool").order_by("pool__name", "pool_id")
    )
    ordered = sorted(summaries, key=lambda summary: summary.pool_id is not None)
    return {summary.pool_id: summary for summary in ordered}


def attendance_30(user: User, *, pool: DkpPool | None = None) -> Decimal:
    """The user's 30-day attendance percentage (overall unless a pool is given); 0 with none.

    Voting eligibility and the vote's recorded attendance read the overall figure.
    """
    percent = (
        MemberAttendanceSummary.objects.filter(user_id=user.pk, pool=pool).values_list("percent_30", flat=True).first()
    )
    return NO_ATTENDANCE if percent is None else percent


def raids_with_tick_counts() -> QuerySet[Raid]:
    """Raid nights, newest first, each with how many ticks were held (a deleted tick has no
    attendance left and does not count)."""
    held = RaidTick.objects.held().filter(raid=OuterRef("pk")).order_by().values("raid")
    return (
        Raid.objects.select_related("event__pool")
        .annotate(tick_count=Coalesce(Subquery(held.annotate(count=Count("pk")).values("count")), 0))
        .order_by("-starts_at")
    )


def attendance_history() -> QuerySet[RaidAttendance]:
    """Everyone present at every tick: newest raid first, its ticks in time order, names alphabetical.

    A deleted tick has lost its attendance, so it has no rows here, as on the raid pages."""
    return RaidAttendance.objects.select_related("tick__raid__event__pool").order_by(
        "-tick__raid__starts_at", "-tick__raid_id", "tick__occurred_at", "tick_id", "character_name", "pk"
    )


class _CountDistinct(Func):
    template = "COUNT(DISTINCT %(expressions)s)"
    output_field = IntegerField()


class _Sum(Func):
    function = "SUM"
    output_field = IntegerField()


def _per_raid(rows: QuerySet, aggregate: Func) -> Coalesce:
    """One number per raid row from a correlated subquery (one query for the whole list, no GROUP BY)."""
    return Coalesce(Subquery(rows.order_by().annotate(n=aggregate).values("n")[:1]), 0)


def raid_nights() -> QuerySet[Raid]:
    """Raid nights, newest first, with what the raid list shows of each, all in the one query:

    - ``tick_count``: ticks held (a deleted tick keeps its row but no attendance, and does not count);
    - ``member_count``: members credited (distinct owners present at any tick; one with two characters
      there counts once), ``character_count``: distinct characters present, claimed or not;
    - ``points_awarded``: the points the night's ticks put in the ledger, net of reversals (edits,
      deletions), so it is what members were actually credited; points waiting on an unclaimed
      character arrive when it is claimed and count from then.
    """
    attendance = RaidAttendance.objects.filter(tick__raid=OuterRef("pk"))
    credits = PointEntry.objects.filter(
        Q(kind=EntryKind.ATTENDANCE, tick__raid=OuterRef("pk"))
        | Q(kind=EntryKind.REVERSAL, reverses__kind=EntryKind.ATTENDANCE, reverses__tick__raid=OuterRef("pk"))
    )
    return raids_with_tick_counts().annotate(
        member_count=_per_raid(attendance, _CountDistinct(F("user_id"))),
        character_count=_per_raid(attendance, _CountDistinct(F("character_id"))),
        points_awarded=_per_raid(credits, _Sum(F("amount"))),
    )


RAID_CHOICES = 25  # Discord shows at most 25 autocomplete choices


def recent_raids(*, search: str = "", limit: int = RAID_CHOICES) -> list[Raid]:
    """Raid nights newest first, for a picker: ``search`` matches the event's or the pool's name, or the id."""
    raids = Raid.objects.select_related("event__pool").order_by("-starts_at", "-pk")
    search = (search or "").strip()
    if search.isascii() and search.isdigit():
        raids = raids.filter(pk=int(search) if len(search) <= 18 else 0)  # past any id: none, not an overflow
    elif search:
        raids = raids.filter(Q(event__name__icontains=search) | Q(event__pool__name__icontains=search))
    return list(raids[:limit])


def raid_for_tick(*, raid_id: str = "", now: dt.datetime | None = None) -> Raid:
    """The raid a tick goes to: the one named by id, or else tonight's: the latest that has started.

    With only raids planned for later, the soonest of them; with no raid at all, a ``NotFound``.
    """
    from django.utils import timezone

    from dkp.core.errors import InvalidInput, NotFound

    raids = Raid.objects.select_related("event__pool")
    wanted = (raid_id or "").strip()
    if wanted:
        is_id = wanted.isascii() and wanted.isdigit() and len(wanted) <= 18
        raid = raids.filter(pk=int(wanted)).first() if is_id else None
        if raid is None:
            raise InvalidInput(f"There is no raid night {wanted!r}; pick one from the list.", code="raid_not_found")
        return raid
    now = now or timezone.now()
    raid = raids.filter(starts_at__lte=now).order_by("-starts_at", "-pk").first()
    if raid is None:
        raid = raids.order_by("starts_at", "pk").first()
    if raid is None:
        raise NotFound("There is no raid night yet; make one on the web first.", code="no_raid")
    return raid
