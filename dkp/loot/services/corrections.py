"""After a reversal: the copy an auction's winner gave back goes to someone the officer names, or up for bids again.

Both take the award (reversing it first when it is not reversed yet, so one step does both), need
the copy to be free, and record on the auction what was done, by whom and why. Re-award to the next
bidder is ``closing.reaward_next``; all three leave the ledger saying exactly what moved: a reversal
entry for the refund, a loot entry for the new winner's price.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from dkp.characters.models import Character
from dkp.core.errors import Conflict, InvalidInput
from dkp.core.roles import Capability, require
from dkp.loot.models import Auction, AuctionStatus, BidStatus, ItemBid, LootDistribution
from dkp.loot.services.auctions import locked_auction, open_auction
from dkp.loot.services.awards import (
    award_loot_in_transaction,
    copies_free,
    reverse_distribution_in_transaction,
)
from dkp.loot.services.closing import auction_of_award
from dkp.loot.services.parsing import PRICE

if TYPE_CHECKING:
    from dkp.accounts.models import User

REASON_MAX = 300


def _taken_back(*, distribution_id: int, actor: User, reason: str) -> tuple[Auction, LootDistribution, str]:
    """Lock the award's auction and the award, reverse it if it is not yet, and check a copy is free."""
    require(actor, Capability.MANAGE_GUILD)
    reason = " ".join((reason or "").split())[:REASON_MAX]
    if not reason:
        raise InvalidInput("Say why the loot goes elsewhere; it is recorded with the change.", code="reason_required")
    auction_id = auction_of_award(
        distribution_id,
        direct="This was a direct award, not an auction's: reverse it and award the item again under Direct awards.",
    )
    locked_auction(auction_id)  # lock order: the auction row first
    auction = Auction.objects.select_related("item", "pool", "raid").get(pk=auction_id)
    distribution = LootDistribution.objects.select_for_update().get(pk=distribution_id)
    if not distribution.is_reversed:
        reverse_distribution_in_transaction(distribution=distribution, actor=actor, reason=reason)
        auction.refresh_from_db(fields=["status"])  # "closed" when nobody holds a copy any more
    if copies_free(auction) <= 0:
        raise Conflict(
            f"Every copy of {auction.item.name} from this auction is already awarded or up for bids again.",
            code="fully_awarded",
        )
    return auction, distribution, reason


def _record(auction: Auction, key: str, line: dict[str, object]) -> None:
    outcome = dict(auction.outcome or {})
    outcome[key] = [*outcome.get(key, []), {**line, "at": timezone.now().isoformat()}]
    auction.outcome = outcome
    auction.save(update_fields=["outcome", "status", "updated_at"])


@transaction.atomic
def award_to_someone_else(
    *, distribution_id: int, character_name: str, price: object, actor: User, reason: str
) -> LootDistribution:
    """Officers only: the copy goes to the owner of ``character_name`` for ``price`` (typed; 0 gives it away).

    The refunded winner keeps their refund; the new winner is charged like any award, and refused when the
    price is more than their balance. The auction is ``awarded`` again and its outcome says who chose whom.
    """
    require(actor, Capability.MANAGE_GUILD)
    name = " ".join((character_name or "").split())
    if not name:
        raise InvalidInput("Name the character who gets it.", code="character_required")
    value = PRICE.parse(price)
    auction, distribution, reason = _taken_back(distribution_id=distribution_id, actor=actor, reason=reason)
    character = Character.objects.select_related("owner").filter(name__iexact=name).first()
    if character is None or character.owner is None:
        what = "is not a character anyone owns" if character is None else "has no owner yet; approve a claim first"
        raise InvalidInput(f"{name[:15]} {what}.", code="unknown_character")
    given = award_loot_in_transaction(
        item=auction.item,
        pool=auction.pool,
        winner=character.owner,
        character_name=character.name,
        price=value,
        actor=actor,
        raid=auction.raid,
        auction=auction,
    )
    ItemBid.objects.filter(auction=auction, user=character.owner).exclude(status=BidStatus.WON).update(
        status=BidStatus.WON, updated_at=timezone.now()
    )
    auction.status = AuctionStatus.AWARDED
    _record(
        auction,
        "reawards",
        {"from": distribution.character_name, "to": character.name, "price": value, "reason": reason, "by": actor.name},
    )
    return given


@transaction.atomic
def reopen_for_bids(*, distribution_id: int, actor: User, reason: str, minutes: int | None = None) -> Auction:
    """Officers only: a new auction for the copy, in the same pool and raid, with the pool's rules as they are now.

    The old auction keeps its history and says which auction took the copy; that copy is no longer its to give.
    """
    auction, distribution, reason = _taken_back(distribution_id=distribution_id, actor=actor, reason=reason)
    reopened = open_auction(item=auction.item, pool=auction.pool, actor=actor, minutes=minutes, raid=auction.raid)
    _record(
        auction,
        "reopened",
        {"from": distribution.character_name, "auction_id": reopened.pk, "reason": reason, "by": actor.name},
    )
    return reopened
