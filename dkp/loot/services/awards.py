"""Giving one item to a member outright and taking an award back (also when the ledger reverses its charge)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from dkp.core.errors import Conflict, InvalidInput
from dkp.core.roles import Capability, require
from dkp.core.time import require_game_time
from dkp.loot.models import Auction, AuctionStatus, BidStatus, Item, ItemBid, LootDistribution
from dkp.points.models import DkpPool, EntryKind, PointEntry
from dkp.points.services import Cause, debit_loot, require_whole_points, reverse_entry_in_transaction

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
    """Write the award and its ledger debit in the caller's transaction (a close, a batch, a direct award).

    Nine parameters, all keywords, one a column of the award each: what, from which pool, to whom
    and as which character, for how much, by whom, and the raid, auction and time it belongs to.
    """
    if isinstance(price, bool) or not isinstance(price, int) or price < 0:
        raise InvalidInput(f"A price is a whole number of points, zero or more, not {price!r}.", code="invalid_amount")
    if awarded_at is not None:
        require_game_time(awarded_at, what="a loot award")
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
        debit_loot(
            user=winner,
            pool=pool,
            price=price,
            character_name=character_name,
            cause=Cause(memo=str(item.name), occurred_at=distribution.awarded_at, loot_id=distribution.pk),
            actor=actor,
        )
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
    """An officer's direct award, without an auction. A price above the balance is refused.

    Eight parameters: ``award_loot_in_transaction``'s, less the auction a direct award has none of.
    """
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


def copies_free(auction: Auction) -> int:
    """Copies of an auction's item nobody holds: not awarded, or reversed and not yet given again or re-opened."""
    # .all(): a page's prefetched awards cost no query; a service's freshly read auction reads them now
    holding = sum(1 for distribution in auction.distributions.all() if not distribution.is_reversed)
    reopened = len((auction.outcome or {}).get("reopened", []))
    return auction.quantity - holding - reopened


def reverse_distribution_in_transaction(*, distribution: LootDistribution, actor: User | None, reason: str) -> None:
    """Refund an award inside the caller's transaction; the auction's bid and status follow."""
    if distribution.is_reversed:
        raise Conflict("This loot was already reversed.", code="already_reversed")
    debit = PointEntry.objects.filter(loot=distribution, kind=EntryKind.LOOT).first()
    if debit is not None:
        reverse_entry_in_transaction(entry=debit, actor=actor, reason=reason or "loot reversed")
    distribution.is_reversed = True
    distribution.save(update_fields=["is_reversed"])
    if distribution.auction_id is not None:
        ItemBid.objects.filter(
            auction_id=distribution.auction_id, user_id=distribution.user_id, status=BidStatus.WON
        ).update(status=BidStatus.REFUNDED, updated_at=timezone.now())
        holders = LootDistribution.objects.filter(auction_id=distribution.auction_id, is_reversed=False)
        if not holders.exists():
            Auction.objects.filter(pk=distribution.auction_id, status=AuctionStatus.AWARDED).update(
                status=AuctionStatus.CLOSED, updated_at=timezone.now()
            )


@transaction.atomic
def reverse_distribution(*, distribution: LootDistribution, actor: User | None, reason: str) -> LootDistribution:
    """Take an award back: the price is refunded by a reversal entry and the row marked reversed."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the loot is taken back.", code="reason_required")
    if distribution.auction_id is not None:
        Auction.objects.select_for_update().filter(pk=distribution.auction_id).first()  # lock order: auction first
    distribution = LootDistribution.objects.select_for_update().get(pk=distribution.pk)
    reverse_distribution_in_transaction(distribution=distribution, actor=actor, reason=reason)
    return distribution


def reverse_loot_entry(entry: PointEntry, actor: User | None, reason: str) -> PointEntry:
    """The ledger's reversal of a loot charge: the award it belongs to is taken back with it."""
    assert entry.loot_id is not None  # the ledger's constraint: a loot entry points at its award
    reverse_distribution(distribution=LootDistribution.objects.get(pk=entry.loot_id), actor=actor, reason=reason)
    return PointEntry.objects.get(reverses=entry)
