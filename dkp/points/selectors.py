"""Reads of the points ledger: standings, a user's history, and the ledger's own totals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from dkp.points.models import DkpPool, EntryKind, PointEntry, UserPointsSummary

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


def ledger_totals(*, using: str = DEFAULT_DB_ALIAS) -> dict[tuple[int, int], dict[str, int]]:
    """Every (user, pool) summary as the ledger alone says it should be, aggregated in SQL.

    A reversal counts in the column of the entry it reverses; an adjustment feeds lifetime
    earned when the original adjustment was a credit. ``using`` names another database (a restored
    backup or a copy being checked, dkp/ops/backups.py).
    """
    zero = Value(0, output_field=IntegerField())
    bucket = Coalesce(F("reverses__kind"), F("kind"))
    original = Coalesce(F("reverses__amount"), F("amount"))
    rows = (
        PointEntry.objects.using(using)
        .annotate(bucket=bucket, original=original)
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


def summary_differences(*, using: str = DEFAULT_DB_ALIAS) -> list[SummaryDifference]:
    """Where a stored summary disagrees with its ledger (a missing summary counts as all zeros)."""
    expected = ledger_totals(using=using)
    stored = {(s.user_id, s.pool_id): s for s in UserPointsSummary.objects.using(using).select_related("user", "pool")}
    names = {}
    missing_keys = set(expected) - set(stored)
    if missing_keys:
        from dkp.accounts.models import User

        user_names = dict(
            User.objects.using(using).filter(pk__in={u for u, _ in missing_keys}).values_list("pk", "username")
        )
        pool_names = dict(
            DkpPool.objects.using(using).filter(pk__in={p for _, p in missing_keys}).values_list("pk", "name")
        )
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
