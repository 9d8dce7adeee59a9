"""Giving out loot and taking it back, always through the points ledger."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from dkp.core.errors import Conflict, InvalidInput
from dkp.core.roles import Capability, require
from dkp.loot.models import Auction, Item, LootDistribution
from dkp.points.models import DkpPool, EntryKind, PointEntry
from dkp.points.services import debit_loot, require_whole_points, reverse_entry_in_transaction

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.raids.models import Raid


def item_named(name: str, *, eq_item_id: int | None = None) -> Item:
    """The item of that name (any case), created on first sight."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("An item needs a name.", code="item_name_required")
    item = Item.objects.filter(name__iexact=name).first()
    if item is None:
        item = Item.objects.create(name=name[:120], eq_item_id=eq_item_id)
    elif eq_item_id and not item.eq_item_id:
        item.eq_item_id = eq_item_id
        item.save(update_fields=["eq_item_id", "updated_at"])
    return item


def award_loot_in_transaction(
    *,
    item: Item,
    pool: DkpPool,
    winner: User,
    character_name: str,
    price: int,
    actor: User | None,
    raid: Raid | None = None,
    auction: Auction | None = None,
    awarded_at: dt.datetime | None = None,
) -> LootDistribution:
    if isinstance(price, bool) or not isinstance(price, int) or price < 0:
        raise InvalidInput(f"A price is a whole number of points, zero or more, not {price!r}.", code="invalid_amount")
    distribution = LootDistribution.objects.create(
        auction=auction,
        raid=raid,
        pool=pool,
        item=item,
        user=winner,
        character_name=character_name,
        price=price,
        awarded_by=actor,
        awarded_at=awarded_at or timezone.now(),
    )
    if price > 0:
        debit_loot(distribution=distribution, actor=actor)
    return distribution


@transaction.atomic
def award_loot(
    *,
    item: Item,
    pool: DkpPool,
    winner: User,
    character_name: str,
    price: int,
    actor: User | None,
    raid: Raid | None = None,
    awarded_at: dt.datetime | None = None,
) -> LootDistribution:
    """An officer's direct award, without an auction. A price above the balance is refused."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    if price != 0:
        require_whole_points(price, what="price", allow_negative=False)
    return award_loot_in_transaction(
        item=item,
        pool=pool,
        winner=winner,
        character_name=character_name,
        price=price,
        actor=actor,
        raid=raid,
        awarded_at=awarded_at,
    )


@transaction.atomic
def reverse_distribution(*, distribution: LootDistribution, actor: User | None, reason: str) -> LootDistribution:
    """Take an award back: the price is refunded by a reversal entry and the row marked reversed."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    distribution = LootDistribution.objects.select_for_update().get(pk=distribution.pk)
    if distribution.is_reversed:
        raise Conflict("This loot was already reversed.", code="already_reversed")
    debit = PointEntry.objects.filter(loot=distribution, kind=EntryKind.LOOT).first()
    if debit is not None:
        reverse_entry_in_transaction(entry=debit, actor=actor, reason=reason or "loot reversed")
    distribution.is_reversed = True
    distribution.save(update_fields=["is_reversed"])
    return distribution
