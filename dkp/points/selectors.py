"""Reads of the points ledger: standings, a user's history, and the ledger's own totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import DecimalField, F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from dkp.points.models import DkpPool, EntryKind, PointEntry, UserPointsSummary

if TYPE_CHECKING:
    from dkp.raids.models import MemberAttendanceSummary

SUMMARY_COLUMNS = ("earned", "spent", "adjusted", "decayed", "balance", "lifetime_earned")


def standings(*, pool: DkpPool) -> QuerySet[UserPointsSummary]:
    """One row per user with points in the pool, highest balance first, in one query."""
    return (
        UserPointsSummary.objects.filter(pool=pool)
        .select_related("user", "user__main_character")
        .order_by("-balance", "user__username")
    )


def user_ledger(*, user_id: int, pool: DkpPool | None = None) -> QuerySet[PointEntry]:
    entries = PointEntry.objects.filter(user_id=user_id).select_related("pool", "created_by")
    if pool is not None:
        entries = entries.filter(pool=pool)
    return entries.order_by("-occurred_at", "-id")


def ledger_totals() -> dict[tuple[int, int], dict[str, int]]:
    """Every (user, pool) summary as the ledger alone says it should be, aggregated in SQL.

    A reversal counts in the column of the entry it reverses; an adjustment feeds lifetime
    earned when the original adjustment was a credit.
    """
    zero = Value(0, output_field=IntegerField())
    bucket = Coalesce(F("reverses__kind"), F("kind"))
    original = Coalesce(F("reverses__amount"), F("amount"))
    rows = (
        PointEntry.objects.annotate(bucket=bucket, original=original)
        .values("user_id", "pool_id")
        .annotate(
            earned=Coalesce(Sum("amount", filter=Q(bucket=EntryKind.ATTENDANCE)), zero),
            loot=Coalesce(Sum("amount", filter=Q(bucket=EntryKind.LOOT)), zero),
            adjusted=Coalesce(Sum("amount", filter=Q(bucket=EntryKind.ADJUSTMENT)), zero),
            positive_adjusted=Coalesce(Sum("amount", filter=Q(bucket=EntryKind.ADJUSTMENT, original__gt=0)), zero),
            decay=Coalesce(Sum("amount", filter=Q(bucket=EntryKind.DECAY)), zero),
            balance=Coalesce(Sum("amount"), zero),
        )
    )
    totals = {}
    for row in rows:
        totals[(row["user_id"], row["pool_id"])] = {
            "earned": row["earned"],
            "spent": -row["loot"],
            "adjusted": row["adjusted"],
            "decayed": -row["decay"],
            "balance": row["balance"],
            "lifetime_earned": row["earned"] + row["positive_adjusted"],
        }
    return totals


@dataclass(frozen=True)
class SummaryDifference:
    user_id: int
    username: str
    pool_id: int
    pool_name: str
    column: str
    summary_value: int
    ledger_value: int

    def __str__(self) -> str:
        return (
            f"{self.username} in {self.pool_name}: {self.column} is {self.summary_value} "
            f"in the summary but {self.ledger_value} in the ledger"
        )


def summary_differences() -> list[SummaryDifference]:
    """Where a stored summary disagrees with its ledger (a missing summary counts as all zeros)."""
    expected = ledger_totals()
    stored = {(s.user_id, s.pool_id): s for s in UserPointsSummary.objects.select_related("user", "pool")}
    names = {}
    missing_keys = set(expected) - set(stored)
    if missing_keys:
        from dkp.accounts.models import User

        user_names = dict(User.objects.filter(pk__in={u for u, _ in missing_keys}).values_list("pk", "username"))
        pool_names = dict(DkpPool.objects.filter(pk__in={p for _, p in missing_keys}).values_list("pk", "name"))
        names = {key: (user_names[key[0]], pool_names[key[1]]) for key in missing_keys}
    differences = []
    for key in sorted(set(expected) | set(stored)):
        want = expected.get(key, dict.fromkeys(SUMMARY_COLUMNS, 0))
        summary = stored.get(key)
        username, pool_name = (summary.user.username, summary.pool.name) if summary else names[key]
        for column in SUMMARY_COLUMNS:
            have = getattr(summary, column) if summary else 0
            if have != want[column]:
                differences.append(SummaryDifference(key[0], username, key[1], pool_name, column, have, want[column]))
    return differences


STANDINGS_ORDERINGS = {
    "name": ("user__display_name", "user__username"),
    "class": ("user__main_character__eq_class", "user__display_name"),
    "balance": ("-balance", "user__username"),
    "earned": ("-earned", "user__username"),
    "spent": ("-spent", "user__username"),
    "lifetime": ("-lifetime_earned", "user__username"),
    "att30": ("-attendance_30", "-balance"),
    "att60": ("-attendance_60", "-balance"),
    "att90": ("-attendance_90", "-balance"),
    "attlife": ("-attendance_lifetime", "-balance"),
}


def standings_cache_key(*, pool: DkpPool, variant: str) -> str:
    """A cache key for a rendering of the pool's standings that changes whenever they change.

    It carries the number of summary rows, the last summary write and the last attendance
    refresh of the pool, so any ledger write or refresh makes a new key; ``variant`` is what else
    the rendering depends on (filters, sort, page). Names and roles are not in it: a rename shows
    when the cached rendering expires (a minute at most, see ``STANDINGS_CACHE_SECONDS``).
    """
    import hashlib

    from django.db.models import Count, Max

    from dkp.raids.models import MemberAttendanceSummary

    points = UserPointsSummary.objects.filter(pool=pool).aggregate(rows=Count("id"), last=Max("updated_at"))
    attendance = MemberAttendanceSummary.objects.filter(pool=pool).aggregate(last=Max("computed_at"))
    version = f"{points['rows']}:{points['last']}:{attendance['last']}:{variant}"
    return f"standings:{pool.pk}:" + hashlib.sha256(version.encode()).hexdigest()[:32]


STANDINGS_CACHE_SECONDS = 60


def standings_table(
    *, pool: DkpPool, eq_class: str = "", role_group: str = "", order: str = "balance"
) -> QuerySet[UserPointsSummary]:
    """The standings page: members with their main, points and attendance in the pool, one query.

    Attendance comes from the member attendance summaries for the same pool, joined once (a LEFT
    JOIN, not a subquery per column per row); a member with no summary yet shows 0%.
    """
    from django.db.models import FilteredRelation

    def percent(column: str) -> Coalesce:
        return Coalesce(
            F(f"pool_attendance__{column}"),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=5, decimal_places=2),
        )

    rows = (
        standings(pool=pool)
        # Only what the page and the API show: hydrating every timestamp of three models per row
        # was most of the time spent on a 500-member pool.
        .only(
            *("user_id", "pool_id", "balance", "earned", "spent", "adjusted", "decayed", "lifetime_earned"),
            *("user__username", "user__display_name", "user__discord_username", "user__role_group"),
            *("user__main_character__name", "user__main_character__eq_class"),
        )
        .annotate(
            pool_attendance=FilteredRelation(
                "user__attendance_summaries", condition=Q(user__attendance_summaries__pool=pool)
            )
        )
        .annotate(
            attendance_30=percent("percent_30"),
            attendance_60=percent("percent_60"),
            attendance_90=percent("percent_90"),
            attendance_lifetime=percent("percent_lifetime"),
        )
    )
    if eq_class:
        rows = rows.filter(user__main_character__eq_class=eq_class)
    if role_group:
        rows = rows.filter(user__role_group=role_group)
    return rows.order_by(*STANDINGS_ORDERINGS.get(order, STANDINGS_ORDERINGS["balance"]))


def _daily_sums(*, user_id: int, pool_id: int | None = None) -> Iterable[Mapping[str, Any]]:
    """The user's net points per pool per day (in the active time zone), summed in SQL."""
    from django.db.models.functions import TruncDate

    entries = PointEntry.objects.filter(user_id=user_id)
    if pool_id is not None:
        entries = entries.filter(pool_id=pool_id)
    return (
        entries.annotate(day=TruncDate("occurred_at"))
        .values("pool_id", "day")
        .annotate(total=Sum("amount"))
        .order_by("pool_id", "day")
    )


def _accumulate(rows: Iterable[Mapping[str, Any]]) -> dict[int, list[tuple[dt.date, int]]]:
    """Running balances from per-day sums: one row per day, at most a few thousand per pool."""
    balances: dict[int, list[tuple[dt.date, int]]] = {}
    running: dict[int, int] = {}
    for row in rows:
        pool_id = row["pool_id"]
        running[pool_id] = running.get(pool_id, 0) + row["total"]
        balances.setdefault(pool_id, []).append((row["day"], running[pool_id]))
    return balances


def balance_over_time(*, user_id: int, pool: DkpPool) -> list[tuple[dt.date, int]]:
    """The user's balance in the pool at the end of each day anything changed it, oldest first."""
    return _accumulate(_daily_sums(user_id=user_id, pool_id=pool.pk)).get(pool.pk, [])


def balances_over_time(*, user_id: int) -> dict[int, list[tuple[dt.date, int]]]:
    """``balance_over_time`` for every pool the user has entries in, by pool id, in one query."""
    return _accumulate(_daily_sums(user_id=user_id))


def active_pools() -> list[DkpPool]:
    """The pools in use, oldest first: the first is the default the standings page shows."""
    return list(DkpPool.objects.filter(is_active=True).order_by("pk"))


def pool_named(name: str = "") -> DkpPool:
    """An active pool by name (any case) or id; blank means the default pool, as on the standings page."""
    from dkp.core.errors import InvalidInput, NotFound

    pools = active_pools()
    wanted = (name or "").strip()
    if not pools:
        raise NotFound("There is no DKP pool yet.", code="no_pool")
    if not wanted:
        return pools[0]
    for pool in pools:
        if pool.name.casefold() == wanted.casefold() or wanted == str(pool.pk):  # "3", never "+3" or "٣"
            return pool
    raise InvalidInput(
        f"There is no pool named {wanted!r}; the pools are: {', '.join(p.name for p in pools)}.", code="unknown_pool"
    )


@dataclass(frozen=True)
class PoolPoints:
    """One pool of a member's points: the summary, what they may still bid, and their attendance there."""

    pool: DkpPool
    summary: UserPointsSummary
    available: int
    attendance: MemberAttendanceSummary | None


def member_points(*, user_id: int) -> list[PoolPoints]:
    """Every pool the user has points in, by pool name, with the available balance and attendance.

    A few queries per pool (the available balance looks at live bids); members hold points in a few pools.
    """
    from dkp.loot.selectors import available_balance
    from dkp.raids.models import MemberAttendanceSummary

    summaries = list(UserPointsSummary.objects.filter(user_id=user_id).select_related("pool").order_by("pool__name"))
    attendance = {
        row.pool_id: row
        for row in MemberAttendanceSummary.objects.filter(user_id=user_id, pool_id__in=[s.pool_id for s in summaries])
    }
    return [
        PoolPoints(
            pool=summary.pool,
            summary=summary,
            available=available_balance(user_id=user_id, pool_id=summary.pool_id),
            attendance=attendance.get(summary.pool_id),
        )
        for summary in summaries
    ]
