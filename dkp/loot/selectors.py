"""Reads for the auction pages, the API and the bot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from dkp.core.roles import Capability, can
from dkp.loot.models import Auction, AuctionStatus, BidStatus, ItemBid, LootDistribution
from dkp.points.models import UserPointsSummary

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.points.models import DkpPool


def available_balance(*, user_id: int, pool_id: int, excluding_auction_id: int | None = None) -> int:
    """Balance in the pool minus the user's live bids on other open auctions in that pool."""
    from dkp.loot.services import held_by_other_bids

    balance = UserPointsSummary.objects.filter(user_id=user_id, pool_id=pool_id).values_list("balance", flat=True)
    held = held_by_other_bids(user_id=user_id, pool_id=pool_id, excluding_auction_id=excluding_auction_id)
    return int(balance.first() or 0) - held


def auctions(*, status: str | None = None, pool: DkpPool | None = None) -> QuerySet[Auction]:
    """Open auctions first (closing soonest first), then the rest newest first; item and pool joined."""
    found = Auction.objects.select_related("item", "pool")
    if status:
        found = found.filter(status=status)
    if pool is not None:
        found = found.filter(pool=pool)
    is_open = Case(When(status=AuctionStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    soonest = Case(When(status=AuctionStatus.OPEN, then="closes_at"), default=None)
    return found.annotate(open_first=is_open, soonest=soonest).order_by(
        "open_first", "soonest", "-closed_at", "-opened_at", "-pk"
    )


@dataclass(frozen=True)
class WinnerLine:
    distribution: LootDistribution
    bid: ItemBid | None


@dataclass(frozen=True)
class AuctionView:
    """What one person may see of one auction, for the page, the API and the bot post."""

    auction: Auction
    seconds_left: int  # 0 once closed
    my_bid: ItemBid | None  # the viewer's own bid, any status
    my_available: int | None  # the viewer's available balance for this auction; None for those who can't bid
    can_bid: bool
    cannot_bid_reason: str  # why not, for people, when can_bid is False
    bids: list[ItemBid]  # all bids, best first, when visibility is open or the auction is over; else []
    winners: list[WinnerLine]  # after closing: the awards (reversed ones included, flagged by the row)
    tie_breaks: list[str]  # the outcome's tie-break sentences
    passed_over: list[str]  # the outcome's sentences about winners passed over for balance


def auction_view(*, auction: Auction, viewer: User | None, now: dt.datetime | None = None) -> AuctionView:
    """The auction as the viewer may see it; sealed bids stay hidden until it closes."""
    now = now or timezone.now()
    is_open = auction.status == AuctionStatus.OPEN
    signed_in = viewer is not None and getattr(viewer, "is_authenticated", False)
    my_bid = ItemBid.objects.filter(auction=auction, user=viewer).first() if signed_in else None
    may_bid = signed_in and can(viewer, Capability.BID)
    my_available = (
        available_balance(user_id=viewer.pk, pool_id=auction.pool_id, excluding_auction_id=auction.pk)
        if may_bid and viewer is not None
        else None
    )
    if not signed_in:
        reason = "Sign in to bid."
    elif not may_bid:
        reason = "Only guild members can bid."
    elif auction.status == AuctionStatus.CANCELLED:
        reason = "This auction was cancelled."
    elif not is_open:
        reason = "This auction is over."
    elif auction.closes_at <= now:
        reason = "Time is up; the auction is closing."
    else:
        reason = ""
    sees_bids = not is_open or auction.rules.get("visibility") == "open" or can(viewer, Capability.MANAGE_GUILD)
    bids = (
        list(
            auction.bids.exclude(status=BidStatus.WITHDRAWN).select_related("user").order_by("-amount", "amount_set_at")
        )
        if sees_bids
        else []
    )
    outcome = auction.outcome or {}
    winners = []
    if not is_open:
        bids_by_user = {bid.user_id: bid for bid in ItemBid.objects.filter(auction=auction)}
        for distribution in auction.distributions.select_related("user").order_by("awarded_at", "pk"):
            winners.append(WinnerLine(distribution, bids_by_user.get(distribution.user_id)))
    return AuctionView(
        auction=auction,
        seconds_left=max(0, int((auction.closes_at - now).total_seconds())) if is_open else 0,
        my_bid=my_bid,
        my_available=my_available,
        can_bid=not reason,
        cannot_bid_reason=reason,
        bids=bids,
        winners=winners,
        tie_breaks=[str(line.get("detail", "")) for line in outcome.get("tie_breaks", [])],
        passed_over=[str(line) for line in outcome.get("passed_over", [])],
    )


def price_history(*, item_id: int) -> QuerySet[LootDistribution]:
    """Every time the item dropped: who won it, for how much, in which raid, newest first."""
    return (
        LootDistribution.objects.filter(item_id=item_id)
        .select_related("user", "pool", "raid__event", "auction")
        .order_by("-awarded_at", "-pk")
    )
