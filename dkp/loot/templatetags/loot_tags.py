"""Auction bits other pages show: a member's bids, an item's open auctions, where a bid came from,
and time left written the way the auction pages' countdown writes it."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from dkp.loot import services
from dkp.loot.models import Auction, AuctionStatus, Channel, Item, ItemBid
from dkp.loot.selectors import may_see_bids_of

register = template.Library()

MEMBER_BIDS_SHOWN = 25


@register.simple_tag(takes_context=True)
def member_bids(context: template.Context, person: Any) -> list[ItemBid] | None:
    """The person's latest bids, for the person themself and for officers; None for anyone else."""
    request = context.get("request")
    if not may_see_bids_of(viewer=getattr(request, "user", None), person=person):
        return None
    bids = ItemBid.objects.filter(user=person).select_related("auction__item", "auction__pool")
    return list(bids.order_by("-updated_at", "-pk")[:MEMBER_BIDS_SHOWN])


@register.simple_tag
def open_auctions_for(item: Item) -> list[Auction]:
    """The item's auctions still taking bids, closing soonest first."""
    auctions = Auction.objects.filter(item=item, status=AuctionStatus.OPEN, closes_at__gt=timezone.now())
    return list(auctions.select_related("pool").order_by("closes_at"))


_CHANNEL_WORDS: dict[str, str] = {
    Channel.WEB: "on the web",
    Channel.API: "by the API",
    Channel.DISCORD: "on Discord",
    Channel.GAME: "in game",
}


@register.filter
def bid_channel(channel: object) -> str:
    """Where a bid came from, as a member says it: "on Discord", "in game" (a tell to the loot master)."""
    return _CHANNEL_WORDS.get(str(channel), str(channel))


@register.filter
def time_left(seconds: object) -> str:
    """Seconds as "4:05", or "1h 02m" from an hour up; the page's countdown script writes the same format."""
    try:
        total = max(0, int(seconds))  # type: ignore[call-overload]  # templates pass ints, strings or None
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}:{secs:02d}"


@register.filter
def copies_free(auction: Auction) -> int:
    """Copies of a closed auction's item nobody holds (the service's count, over its prefetched awards)."""
    return services.copies_free(auction)
