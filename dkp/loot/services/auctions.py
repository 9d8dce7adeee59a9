"""Opening, extending and cancelling auctions, and recording their Discord post."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from dkp.core.errors import Conflict, InvalidInput, NotFound
from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, require
from dkp.loot.models import Auction, AuctionStatus, BidStatus, Item
from dkp.loot.services.awards import item_named
from dkp.loot.services.parsing import MINUTES, QUANTITY
from dkp.points.models import DkpPool

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.raids.models import Raid

NOTE_MAX = 200  # Auction.note


def _schedule_close(auction: Auction) -> None:
    """After commit, ask the worker to close the auction at its time (beat also sweeps every minute)."""
    from dkp.loot.tasks import close_auction_task

    auction_id, eta = auction.pk, auction.closes_at
    transaction.on_commit(lambda: close_auction_task.apply_async(args=[auction_id], eta=eta))


@transaction.atomic
def open_auction(
    *,
    item: Item | str,
    pool: DkpPool,
    actor: User,
    quantity: int = 1,
    minutes: int | None = None,
    raid: Raid | None = None,
    note: str = "",
) -> Auction:
    """Officers only. Copies the pool's rules, draws the tie-break seed, schedules the close after commit.

    ``note`` is the loot master's word on the item ("Rangers first"), shown with the auction.
    """
    require(actor, Capability.MANAGE_GUILD)
    if not pool.is_active:
        raise Conflict(f"The pool {pool.name} is not active; auctions open in active pools.", code="pool_inactive")
    quantity = QUANTITY.parse(quantity)
    if minutes is None:
        minutes = GuildSettings.load().auction_minutes
    minutes = MINUTES.parse(minutes)
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"An auction's note is at most {NOTE_MAX} characters.", code="note_too_long")
    if isinstance(item, str):
        item = item_named(item)
    now = timezone.now()
    auction = Auction.objects.create(
        item=item,
        pool=pool,
        raid=raid,
        quantity=quantity,
        note=note,
        opened_by=actor,
        opened_at=now,
        closes_at=now + dt.timedelta(minutes=minutes),
        rules=pool.auction_rules(),
        tie_break_seed=secrets.randbits(62),
    )
    _schedule_close(auction)
    return auction


@transaction.atomic
def open_auctions(
    *,
    lines: Sequence[tuple[str, int]],
    pool: DkpPool,
    actor: User,
    minutes: int | None = None,
    raid: Raid | None = None,
) -> list[Auction]:
    """Several auctions at once (the officer console), all or none."""
    require(actor, Capability.MANAGE_GUILD)
    if not lines:
        raise InvalidInput("List at least one item to auction.", code="item_name_required")
    return [
        open_auction(item=name, pool=pool, actor=actor, quantity=quantity, minutes=minutes, raid=raid)
        for name, quantity in lines
    ]


def locked_auction(auction_id: int) -> Auction:
    auction = Auction.objects.select_for_update(of=("self",)).select_related("pool").filter(pk=auction_id).first()
    if auction is None:
        raise NotFound(f"There is no auction {auction_id}.", code="auction_not_found")
    return auction


def not_open(auction: Auction) -> Conflict:
    if auction.status == AuctionStatus.CANCELLED:
        return Conflict("This auction was cancelled.", code="auction_cancelled")
    closed = timezone.localtime(auction.closed_at or auction.closes_at).strftime("%H:%M:%S")
    return Conflict(f"This auction closed at {closed}; it takes no more bids.", code="auction_closed")


@transaction.atomic
def extend_auction(*, auction_id: int, actor: User, minutes: int) -> Auction:
    """Officers only, while open: push the closing time ``minutes`` later (from now if already due)."""
    require(actor, Capability.MANAGE_GUILD)
    minutes = MINUTES.parse(minutes)
    auction = locked_auction(auction_id)
    if auction.status != AuctionStatus.OPEN:
        raise not_open(auction)
    auction.closes_at = max(auction.closes_at, timezone.now()) + dt.timedelta(minutes=minutes)
    auction.save(update_fields=["closes_at", "updated_at"])
    _schedule_close(auction)
    return auction


@transaction.atomic
def cancel_auction(*, auction_id: int, actor: User, reason: str) -> Auction:
    """Officers only, while open: nobody wins, nobody is charged, live bids end as lost."""
    require(actor, Capability.MANAGE_GUILD)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the auction is cancelled.", code="reason_required")
    auction = locked_auction(auction_id)
    if auction.status != AuctionStatus.OPEN:
        raise not_open(auction)
    now = timezone.now()
    auction.bids.filter(status=BidStatus.LIVE).update(status=BidStatus.LOST, updated_at=now)
    auction.status = AuctionStatus.CANCELLED
    auction.closed_at = now
    auction.outcome = {"cancelled": {"by": actor.name, "reason": reason[:300]}}
    auction.save(update_fields=["status", "closed_at", "outcome", "updated_at"])
    return auction


def record_auction_post(*, auction_id: int, channel_id: str, message_id: str, digest: str) -> None:
    """Remember where the bot posted an auction and a digest of what the post says.

    Bookkeeping of the bot, the only writer of these columns: no lock, and ``updated_at`` is left
    alone because nothing about the auction itself changed. An empty ``message_id`` means the post
    is gone and is not to be edited again.
    """
    Auction.objects.filter(pk=auction_id).update(
        discord_channel_id=str(channel_id)[:20], discord_message_id=str(message_id)[:20], discord_post_digest=digest
    )
