"""Reads for an item's page and the loot list: what an item went for in each pool, its prices over
time, and the loot history filtered by item, member, pool and dates.

A reversed award was refunded, so it is no price anyone paid: the statistics and the chart leave it
out, while the history still lists it (marked reversed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Max, Min, OuterRef, Q, QuerySet, Subquery

from dkp.loot.models import LootDistribution


@dataclass(frozen=True)
class PoolPrices:
    """What one item went for in one pool, over its awards that stand."""

    pool_id: int
    pool_name: str
    count: int
    last: int
    average: float  # to one decimal place
    lowest: int
    highest: int


def item_price_stats(*, item_id: int) -> list[PoolPrices]:
    """Per pool, by pool name: how often the item was awarded, the last, average, lowest and highest price.

    One grouped query; the last price is that of the pool's latest standing award (by award time, then id).
    """
    standing = LootDistribution.objects.filter(item_id=item_id, is_reversed=False)
    latest = (
        LootDistribution.objects.filter(item_id=item_id, is_reversed=False, pool_id=OuterRef("pool_id"))
        .order_by("-awarded_at", "-pk")
        .values("price")[:1]
    )
    rows = (
        standing.values("pool_id", "pool__name")
        .annotate(
            count=Count("pk"),
            average=Avg("price"),
            lowest=Min("price"),
            highest=Max("price"),
            last=Subquery(latest),
        )
        .order_by("pool__name", "pool_id")
    )
    return [
        PoolPrices(
            pool_id=row["pool_id"],
            pool_name=row["pool__name"],
            count=row["count"],
            last=row["last"],
            average=round(float(row["average"]), 1),
            lowest=row["lowest"],
            highest=row["highest"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class PricePoint:
    awarded_at: dt.datetime
    pool_id: int
    pool_name: str
    price: int


def item_price_points(*, item_id: int) -> list[PricePoint]:
    """Every standing award of the item, oldest first: when, in which pool, for how much (for the chart)."""
    rows = (
        LootDistribution.objects.filter(item_id=item_id, is_reversed=False)
        .order_by("awarded_at", "pk")
        .values_list("awarded_at", "pool_id", "pool__name", "price")
    )
    return [PricePoint(awarded_at, pool_id, pool_name, price) for awarded_at, pool_id, pool_name, price in rows]


def item_winners(*, item_id: int) -> QuerySet[LootDistribution]:
    """Who won the item when, newest first, reversed awards included: winner, pool and raid joined."""
    return (
        LootDistribution.objects.filter(item_id=item_id)
        .select_related("user", "pool", "raid__event")
        .order_by("-awarded_at", "-pk")
    )


def loot_history(
    *,
    item_text: str = "",
    member_text: str = "",
    pool_id: int | None = None,
    since: dt.datetime | None = None,
    before: dt.datetime | None = None,
) -> QuerySet[LootDistribution]:
    """The guild's loot, newest first, narrowed by what the loot list's filters say.

    ``item_text`` is part of the item's name; ``member_text`` part of the winner's display name, username
    or Discord name, or of the character name the award was written to; both ignore case. ``since`` is
    inclusive and ``before`` exclusive, so a day's range is its midnight to the next.
    """
    loot = LootDistribution.objects.select_related("item", "user", "pool", "raid__event")
    if item_text:
        loot = loot.filter(item__name__icontains=item_text)
    if member_text:
        loot = loot.filter(
            Q(user__display_name__icontains=member_text)
            | Q(user__username__icontains=member_text)
            | Q(user__discord_username__icontains=member_text)
            | Q(character_name__icontains=member_text)
        )
    if pool_id is not None:
        loot = loot.filter(pool_id=pool_id)
    if since is not None:
        loot = loot.filter(awarded_at__gte=since)
    if before is not None:
        loot = loot.filter(awarded_at__lt=before)
    return loot.order_by("-awarded_at", "-pk")
