"""Auction pages for members: the list, one auction live while it is open, and the bid form.

Reads go through ``dkp.loot.selectors``; each write calls one service in ``dkp.loot.services`` with
``Channel.WEB``. Reading an auction whose time is up closes it (the lazy close), so the page never
shows an auction as open after its closing time. A refusal (a ``GuildError``) is shown in the bid
form with the input kept. htmx polls the live part of an auction page every two seconds while it is
open and gets back just that part; plain forms work without htmx.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from dkp.accounts.models import User
from dkp.characters.models import Character, CharacterTag
from dkp.core.errors import GuildError
from dkp.core.http import HtmxHttpRequest, form_post
from dkp.core.roles import Capability, can, require
from dkp.loot import selectors, services
from dkp.loot.models import Auction, AuctionStatus, Channel, ItemBid, LootDistribution
from dkp.loot.resolver import Rules

RECENT_CLOSED = 20
POLL_SECONDS = 2


def _viewer(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) and request.user.is_authenticated else None


def _may_view(request: HttpRequest) -> HttpResponse | None:
    """Nothing when the visitor may see auctions; otherwise the sign-in page (or the refusal)."""
    if can(request.user, Capability.VIEW_GUILD):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    require(request.user, Capability.VIEW_GUILD)  # raises Forbidden, shown by the error page
    return None


def _seconds_left(auction: Auction, now: dt.datetime) -> int:
    if auction.status != AuctionStatus.OPEN:
        return 0
    return max(0, int((auction.closes_at - now).total_seconds()))


def auction_list(request: HttpRequest) -> HttpResponse:
    """Open auctions, closing soonest first, with your bid on each; then the ones that just closed."""
    if refused := _may_view(request):
        return refused
    services.close_due_auctions()
    viewer = _viewer(request)
    now = timezone.now()
    open_auctions = list(selectors.auctions(status=AuctionStatus.OPEN))
    awards = Prefetch(
        "distributions",
        queryset=LootDistribution.objects.filter(is_reversed=False).order_by("-price", "pk"),
        to_attr="awards",
    )
    closed = list(selectors.auctions().exclude(status=AuctionStatus.OPEN).prefetch_related(awards)[:RECENT_CLOSED])
    my_bids: dict[int, ItemBid] = {}
    if viewer is not None and open_auctions:
        bids = ItemBid.objects.filter(user=viewer, auction__in=[a.pk for a in open_auctions])
        my_bids = {bid.auction_id: bid for bid in bids}
    rows = [
        {"auction": a, "seconds_left": _seconds_left(a, now), "my_bid": my_bids.get(a.pk), "link": a.item.link()}
        for a in open_auctions
    ]
    context = {"open_rows": rows, "closed": closed, "may_bid": can(viewer, Capability.BID)}
    return render(request, "loot/auction_list.html", context)


# --- one auction --------------------------------------------------------------------------------


def _characters_of(viewer: User | None) -> list[Character]:
    if viewer is None or not can(viewer, Capability.BID):
        return []
    return list(viewer.characters.filter(is_active=True).order_by("tag", "name"))


def _default_form(view: selectors.AuctionView, viewer: User | None, characters: list[Character]) -> dict[str, str]:
    """What the bid form starts with: your current bid, else your main character and its tag."""
    bid = view.my_bid
    if bid is not None and bid.status == "live":
        return {"amount": str(bid.amount), "tag": bid.tag, "character_name": bid.character_name}
    main = None
    if viewer is not None and viewer.main_character_id:
        main = next((c for c in characters if c.pk == viewer.main_character_id), None)
    main = main or (characters[0] if characters else None)
    return {
        "amount": "",
        "tag": main.tag if main else CharacterTag.MAIN,
        "character_name": main.name if main else "",
    }


def _auction_context(
    request: HttpRequest, auction_id: int, *, form: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    """Everything the auction page and its parts show, after the lazy close."""
    auction = get_object_or_404(Auction.objects.select_related("item", "pool"), pk=auction_id)
    auction = services.close_if_due(auction)
    viewer = _viewer(request)
    view = selectors.auction_view(auction=auction, viewer=viewer)
    characters = _characters_of(viewer)
    my_awards = [
        line.distribution
        for line in view.winners
        if viewer is not None and line.distribution.user_id == viewer.pk and not line.distribution.is_reversed
    ]
    return {
        "auction": view.auction,
        "view": view,
        "is_open": view.auction.status == AuctionStatus.OPEN,
        "rules": Rules.from_json(view.auction.rules or {}),
        "my_awards": my_awards,
        "characters": characters,
        "tags": CharacterTag.choices,
        "form": form or _default_form(view, viewer, characters),
        "poll_seconds": POLL_SECONDS,
        "signed_in": viewer is not None,
        **extra,
    }


def auction_detail(request: HtmxHttpRequest, auction_id: int) -> HttpResponse:
    """The auction page; htmx polls get just the live part."""
    if refused := _may_view(request):
        return refused
    context = _auction_context(request, auction_id)
    if request.htmx:
        # The live part, with the bids beside it out of band; once closed the bid form goes too, and
        # the live part comes back without its poll trigger, so polling stops.
        return render(request, "loot/_auction_poll.html", context)
    return render(request, "loot/auction_detail.html", context)


def _answer(
    request: HtmxHttpRequest,
    auction_id: int,
    *,
    done: str = "",
    error: GuildError | None = None,
    form: dict[str, str] | None = None,
) -> HttpResponse:
    """After a bid or withdrawal: htmx gets the bid panel (and the live part), a plain form the page."""
    if error is not None and not can(request.user, Capability.VIEW_GUILD):
        raise error  # an outsider of a private guild sees the refusal alone, not the auction
    if request.htmx:
        # 200 even when refused, so htmx swaps the panel in and the reason shows by the form.
        context = _auction_context(
            request, auction_id, form=form if error else None, bid_error=error.message if error else "", bid_done=done
        )
        return render(request, "loot/_bid_answer.html", context)
    if error is not None:
        context = _auction_context(request, auction_id, form=form, bid_error=error.message)
        return render(request, "loot/auction_detail.html", context, status=error.status)
    messages.success(request, done)
    return redirect(reverse("loot:detail", args=[auction_id]) + "#bid-panel")


@login_required
@form_post(back="loot:detail")
def bid(request: HtmxHttpRequest, auction_id: int) -> HttpResponse:
    """Place, raise or lower your bid. The service checks everything, the balance included."""
    bidder = request.user
    assert isinstance(bidder, User)
    form = {key: request.POST.get(key, "").strip() for key in ("tag", "character_name")}
    form["amount"] = request.POST.get("amount", "")  # read by the bid rule as typed: " 50 " is refused
    try:
        placed = services.place_bid(
            auction_id=auction_id,
            user=bidder,
            amount=form["amount"],
            channel=Channel.WEB,
            tag=form["tag"] or None,
            character_name=form["character_name"] or None,
        )
    except GuildError as refused:
        return _answer(request, auction_id, error=refused, form=form)
    return _answer(request, auction_id, done=f"Your bid of {placed.amount} is in.")


@login_required
@form_post(back="loot:detail")
def withdraw(request: HtmxHttpRequest, auction_id: int) -> HttpResponse:
    """Take your bid back while the auction is open."""
    bidder = request.user
    assert isinstance(bidder, User)
    try:
        services.withdraw_bid(auction_id=auction_id, user=bidder, channel=Channel.WEB)
    except GuildError as refused:
        return _answer(request, auction_id, error=refused)
    return _answer(request, auction_id, done="Your bid is withdrawn.")
