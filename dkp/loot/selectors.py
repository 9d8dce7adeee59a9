"""Reads for the auction pages, the API and the bot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from dkp.core.errors import InvalidInput, NotFound
from dkp.core.roles import Capability, can
from dkp.loot.models import Auction, AuctionStatus, BidHistory, BidStatus, ItemBid, LootDistribution
from dkp.points.models import UserPointsSummary

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from dkp.accounts.models import User
    from dkp.points.models import DkpPool


def may_see_bids_of(*, viewer: User | AnonymousUser | None, person: User) -> bool:
    """Whether ``viewer`` may see ``person``'s bids and what they hold: themselves and officers only.

    One rule for the member page, the API's bid history and the bot's ``/dkp``: anything more would
    give away sealed bids before their auction closes.
    """
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.pk == person.pk or can(viewer, Capability.MANAGE_GUILD)


def bid_history(*, auction: Auction, viewer: User) -> QuerySet[BidHistory]:
    """The auction's bid history as ``viewer`` may see it (``may_see_bids_of``), newest first."""
    rows = BidHistory.objects.filter(auction=auction).select_related("user").order_by("-created_at", "-pk")
    return rows if can(viewer, Capability.MANAGE_GUILD) else rows.filter(user=viewer)


def held_by_other_bids(*, user_id: int, pool_id: int, excluding_auction_id: int | None) -> int:
    """Points the user's live bids hold on open auctions in the pool, other than the one named."""
    held = held_by_users(user_ids=[user_id], pool_id=pool_id, excluding_auction_id=excluding_auction_id)
    return int(held.get(user_id) or 0)


def held_by_users(*, user_ids: list[int], pool_id: int, excluding_auction_id: int | None) -> dict[int, int]:
    """``held_by_other_bids`` of several users in one statement, by user id (0 when nothing is held)."""
    bids = ItemBid.objects.filter(
        user_id__in=user_ids, status=BidStatus.LIVE, auction__pool_id=pool_id, auction__status=AuctionStatus.OPEN
    )
    if excluding_auction_id is not None:
        bids = bids.exclude(auction_id=excluding_auction_id)
    return dict(bids.order_by().values("user_id").annotate(total=Sum("amount")).values_list("user_id", "total"))


def available_balance(*, user_id: int, pool_id: int, excluding_auction_id: int | None = None) -> int:
    """Balance in the pool minus the user's live bids on other open auctions in that pool."""
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


# --- for the Discord bot ---------------------------------------------------------------------------


def bidder_count(*, auction: Auction) -> int:
    """How many people have a standing bid (withdrawn bids do not count); no amounts, so safe when sealed."""
    return auction.bids.exclude(status=BidStatus.WITHDRAWN).count()


def open_auction_choices(*, viewer: User | None, typed: str = "", limit: int = 25) -> list[Auction]:
    """Open auctions whose item name contains ``typed`` (or whose number starts with it), closing soonest first.

    Nothing for someone who may not see the guild's loot (as on the web: guests while standings are private).
    """
    if not can(viewer, Capability.VIEW_GUILD):
        return []
    typed = " ".join((typed or "").split()).lstrip("#")
    found = auctions(status=AuctionStatus.OPEN)
    if typed.isascii() and typed.isdigit():
        found = found.filter(Q(item__name__icontains=typed) | Q(pk__startswith=typed))
    elif typed:
        found = found.filter(item__name__icontains=typed)
    return list(found[:limit])


def auction_picked(typed: str) -> Auction:
    """The auction a person picked in Discord: its number ("12", "#12"), or an item name of one open auction.

    A number finds the auction whatever its status, so the bid or close is refused with the service's
    reason ("This auction closed at ..."). A name must match exactly one open auction, exactly or else
    as part of the name; several are named by number so the person can pick one.
    """
    text = " ".join((typed or "").split())
    number = text.lstrip("#")
    if number.isascii() and number.isdigit():
        key = number if len(number) <= 18 else "0"  # past any id: no such auction, not an overflow
        auction = auctions().filter(pk=int(key)).first()
        if auction is None:
            raise NotFound(f"There is no auction #{number[:12]}.", code="auction_not_found")
        return auction
    if not text:
        raise InvalidInput("Pick an auction from the list, or give its number.", code="auction_required")
    open_ones = auctions(status=AuctionStatus.OPEN)
    matches = list(open_ones.filter(item__name__iexact=text)[:10]) or list(
        open_ones.filter(item__name__icontains=text)[:10]
    )
    if not matches:
        raise NotFound(f"No open auction is for {text[:60]!r}.", code="auction_not_found")
    if len(matches) > 1:
        numbers = ", ".join(f"#{auction.pk} ({auction.item.name})" for auction in matches)
        raise InvalidInput(
            f"Several open auctions match {text[:60]!r}: {numbers}. Pick one from the list or give its number.",
            code="auction_ambiguous",
        )
    return matches[0]


def auction_pool(name: str | None = None) -> DkpPool:
    """The pool an auction opens in: the one named (any case, or its id), else the default pool.

    The default is the web's and ``/standings``'s: the first active pool by id (``active_pools()[0]``).
    """
    from dkp.points.selectors import active_pools
    from dkp.points.services import get_pool

    if name and name.strip():
        return get_pool(name.strip())
    pools = active_pools()
    if not pools:
        raise NotFound("There is no active DKP pool to open an auction in.", code="no_pool")
    return pools[0]


def pool_choices(*, viewer: User | None, typed: str = "", limit: int = 25) -> list[DkpPool]:
    """Active pools whose name contains ``typed``, by name; nothing for someone who may not see the guild's pools."""
    from dkp.points.models import DkpPool

    if not can(viewer, Capability.VIEW_GUILD):
        return []
    return list(DkpPool.objects.filter(is_active=True, name__icontains=(typed or "").strip()).order_by("name")[:limit])


def auctions_for_discord(*, now: dt.datetime | None = None, auction_id: int | None = None) -> list[Auction]:
    """Auctions whose Discord post the bot keeps current: every open one, and those over in the last day that
    still have a post. Oldest first, so posts appear in the order the auctions opened."""
    now = now or timezone.now()
    found = Auction.objects.select_related("item", "pool").filter(
        Q(status=AuctionStatus.OPEN) | (Q(closed_at__gte=now - dt.timedelta(hours=24)) & ~Q(discord_message_id=""))
    )
    if auction_id is not None:
        found = found.filter(pk=auction_id)
    return list(found.order_by("opened_at", "pk"))
