"""The officers' loot console: open a raid's auctions, watch the bids, close, correct, award directly.

Officers only (``Capability.MANAGE_GUILD``): everyone else gets 403 on every URL, whatever the
method. Each view parses its form, calls one service in ``dkp.loot.services`` and renders; a
refusal (a ``GuildError``) is shown on the page it came from with its status, never as a 500.
The open auctions refresh by htmx polling; the buttons are plain forms that come back here.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Count, F, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from dkp.accounts.models import User
from dkp.characters.models import Character
from dkp.core.errors import GuildError, InvalidInput, NotFound
from dkp.core.fields import id_from_text
from dkp.core.http import HtmxHttpRequest, form_post
from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, require, require_officer
from dkp.loot import services
from dkp.loot.models import Auction, AuctionStatus, BidStatus, ItemBid, LootDistribution
from dkp.points.models import DkpPool
from dkp.raids.models import Raid

RECENT_CLOSED = 12
RECENT_RAIDS = 10
RECENT_DIRECT_AWARDS = 15
EXTRA_HAND_ROWS = 1  # blank rows under a pasted log, for awards typed by hand
REASON_MAX = 300
# A raid that started this recently is probably tonight's: the console picks it for new auctions.
TONIGHT = dt.timedelta(hours=12)

View = Callable[..., HttpResponse]


def officer_only(view: View) -> View:
    """Refuse everyone but officers before anything else, so a member learns nothing from a 405 or 404."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require(request.user, Capability.MANAGE_GUILD)
        return view(request, *args, **kwargs)

    return guarded


# --- reading the forms ---------------------------------------------------------------------------


def _pools() -> list[DkpPool]:
    return list(DkpPool.objects.filter(is_active=True).order_by("pk"))


def _recent_raids() -> list[Raid]:
    return list(Raid.objects.select_related("event").order_by("-starts_at")[:RECENT_RAIDS])


def _tonights_raid(raids: list[Raid]) -> Raid | None:
    if raids and raids[0].starts_at >= timezone.now() - TONIGHT:
        return raids[0]
    return None


def _chosen_pool(text: str, pools: list[DkpPool]) -> DkpPool:
    text = text or ""  # an option's value exactly: " 5 " or "+5" is no pool
    for pool in pools:
        if str(pool.pk) == text:
            return pool
    if not text and len(pools) == 1:
        return pools[0]
    raise InvalidInput("Choose the pool the points come from.", code="pool_required")


def _chosen_raid(text: str) -> Raid | None:
    raid_id = id_from_text(text or "", label="The raid")
    if raid_id is None:
        return None
    raid = Raid.objects.filter(pk=raid_id).first()
    if raid is None:
        raise InvalidInput("That raid is not there any more; choose another or none.", code="raid_not_found")
    return raid


def _minutes(text: str) -> int | None:
    """Blank means the guild's default length, chosen by the service; else the service's rule."""
    if not text:
        return None
    return services.MINUTES.parse(text)


def _reason(request: HttpRequest, *, what: str) -> str:
    reason = " ".join(request.POST.get("reason", "").split())
    if not reason:
        raise InvalidInput(f"Say why you {what}; it is recorded with the change.", code="reason_required")
    return reason[:REASON_MAX]


# --- the console ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenAuctionRow:
    auction: Auction
    seconds_left: int
    bids: list[ItemBid]  # live bids, best first: officers see them even when the auction is sealed

    @property
    def time_left(self) -> str:
        """ "4:05", or "2h 04m" for an auction left open for hours: the members' pages' format."""
        from dkp.loot.templatetags.loot_tags import time_left

        return time_left(self.seconds_left)


def _open_rows(now: dt.datetime) -> list[OpenAuctionRow]:
    live_bids = ItemBid.objects.filter(status=BidStatus.LIVE).select_related("user")
    auctions = (
        Auction.objects.filter(status=AuctionStatus.OPEN)
        .select_related("item", "pool", "raid__event")
        .prefetch_related(
            Prefetch("bids", queryset=live_bids.order_by("-amount", "amount_set_at", "pk"), to_attr="live_bids")
        )
        .order_by("closes_at", "pk")
    )
    return [
        OpenAuctionRow(
            auction=auction,
            seconds_left=max(0, int((auction.closes_at - now).total_seconds())),
            bids=auction.live_bids,  # set by Prefetch(to_attr=...)
        )
        for auction in auctions
    ]


def _recently_closed() -> list[Auction]:
    distributions = LootDistribution.objects.select_related("user").order_by("awarded_at", "pk")
    return list(
        Auction.objects.exclude(status=AuctionStatus.OPEN)
        .select_related("item", "pool", "raid__event")
        .annotate(bid_count=Count("bids", filter=~Q(bids__status=BidStatus.WITHDRAWN)))
        .prefetch_related(Prefetch("distributions", queryset=distributions))
        .order_by(F("closed_at").desc(nulls_last=True), "-pk")[:RECENT_CLOSED]
    )


def _live_context(**extra: Any) -> dict[str, Any]:
    now = timezone.now()
    # The lazy close on read: an auction whose time is up is closed (and charged) before it is shown.
    services.close_due_auctions(now=now)
    return {"open_rows": _open_rows(now), "closed": _recently_closed(), "reason_max": REASON_MAX, **extra}


def _console(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    raids = _recent_raids()
    tonight = _tonights_raid(raids)
    form = {
        "items": "",
        "pool": "",
        "minutes": str(GuildSettings.load().auction_minutes),
        "raid": str(tonight.pk) if tonight else "",
        **extra.pop("form", {}),
    }
    pools = _pools()
    if not form["pool"] and pools:
        form["pool"] = str(pools[0].pk)
    context = {"pools": pools, "raids": raids, "form": form, **_live_context(**extra)}
    return render(request, "loot/officer_console.html", context, status=status)


@officer_only
@require_http_methods(["GET"])
def console(request: HtmxHttpRequest) -> HttpResponse:
    """Open auctions with their bids and time left, the form to open more, and recent results."""
    # htmx polls this same address for the live part only.
    response = render(request, "loot/officer_live.html", _live_context()) if request.htmx else _console(request)
    patch_vary_headers(response, ("HX-Request",))
    return response


@officer_only
@form_post(back="loot_officer:console")
def open_auctions(request: HttpRequest) -> HttpResponse:
    """Open one auction per pasted line ("Cloak of Flames x2"), all or none."""
    actor = require_officer(request)
    form = {key: request.POST.get(key, "") for key in ("items", "pool", "minutes", "raid")}
    try:
        opened = services.open_auctions(
            lines=services.parse_item_lines(form["items"]),
            pool=_chosen_pool(form["pool"], _pools()),
            actor=actor,
            minutes=_minutes(form["minutes"]),
            raid=_chosen_raid(form["raid"]),
        )
    except GuildError as refused:
        return _console(request, status=refused.status, open_error=refused.message, form=form)
    names = ", ".join(f"{a.item.name} x{a.quantity}" if a.quantity > 1 else a.item.name for a in opened)
    messages.success(request, f"Opened {len(opened)} auction{'s' if len(opened) != 1 else ''}: {names}.")
    return redirect("loot_officer:console")


def _auction_action(
    request: HttpRequest, auction_id: int, act: Callable[[User], Auction], done: Callable[[Auction], str]
) -> HttpResponse:
    actor = require_officer(request)
    try:
        auction = act(actor)
    except GuildError as refused:
        return _console(request, status=refused.status, error=refused.message, failed_auction=auction_id)
    messages.success(request, done(auction))
    return redirect("loot_officer:console")


def _closed_message(auction: Auction) -> str:
    if auction.status == AuctionStatus.CANCELLED:
        return f"{auction.item.name} was cancelled; there is nothing to close."
    if auction.status == AuctionStatus.ROTTED:
        return f"Closed {auction.item.name}: nobody bid, it rots."
    winners = ", ".join(f"{d.character_name} for {d.price}" for d in auction.distributions.order_by("pk"))
    return f"Closed {auction.item.name}: {winners or 'no winner'}."


@officer_only
@form_post(back="loot:detail")
def close_now(request: HttpRequest, auction_id: int) -> HttpResponse:
    return _auction_action(
        request,
        auction_id,
        lambda actor: services.close_auction(auction_id=auction_id, actor=actor, early=True),
        _closed_message,
    )


@officer_only
@form_post(back="loot:detail")
def extend(request: HttpRequest, auction_id: int) -> HttpResponse:
    def act(actor: User) -> Auction:
        minutes = services.MINUTES.parse(request.POST.get("minutes", ""))
        return services.extend_auction(auction_id=auction_id, actor=actor, minutes=minutes)

    def done(auction: Auction) -> str:
        closes = timezone.localtime(auction.closes_at)
        return f"{auction.item.name} now closes at {closes:%H:%M:%S}."

    return _auction_action(request, auction_id, act, done)


@officer_only
@form_post(back="loot:detail")
def cancel(request: HttpRequest, auction_id: int) -> HttpResponse:
    def act(actor: User) -> Auction:
        reason = _reason(request, what="cancel it")
        return services.cancel_auction(auction_id=auction_id, actor=actor, reason=reason)

    return _auction_action(request, auction_id, act, lambda a: f"Cancelled {a.item.name}; nobody was charged.")


def _back_to(request: HttpRequest) -> str:
    return "award" if request.POST.get("back") == "award" else "console"


def _distribution_action(
    request: HttpRequest, distribution_id: int, act: Callable[[User, LootDistribution], str]
) -> HttpResponse:
    actor = require_officer(request)
    page = _back_to(request)
    try:
        distribution = LootDistribution.objects.select_related("item").filter(pk=distribution_id).first()
        if distribution is None:
            raise NotFound("That award is not there any more.", code="distribution_not_found")
        done = act(actor, distribution)
    except GuildError as refused:
        if page == "award":
            return _award_page(request, status=refused.status, error=refused.message)
        return _console(request, status=refused.status, error=refused.message, failed_distribution=distribution_id)
    messages.success(request, done)
    return redirect(f"loot_officer:{page}")


@officer_only
@form_post(back="loot_officer:console")
def reverse_award(request: HttpRequest, distribution_id: int) -> HttpResponse:
    """Take an award back: the price is refunded through a reversal entry."""

    def act(actor: User, distribution: LootDistribution) -> str:
        reason = _reason(request, what="reverse this award")
        services.reverse_distribution(distribution=distribution, actor=actor, reason=reason)
        return f"Reversed {distribution.item.name} from {distribution.character_name}; {distribution.price} refunded."

    return _distribution_action(request, distribution_id, act)


@officer_only
@form_post(back="loot_officer:console")
def reaward(request: HttpRequest, distribution_id: int) -> HttpResponse:
    """Reverse an auction award and give the copy to the next bidder at the price the rules give."""

    def act(actor: User, distribution: LootDistribution) -> str:
        reason = _reason(request, what="re-award it")
        given = services.reaward_next(distribution_id=distribution.pk, actor=actor, reason=reason)
        taken = f"Took {distribution.item.name} back from {distribution.character_name} ({distribution.price} refunded)"
        if given is None:
            return f"{taken}; nobody else bid, so nobody has it now."
        return f"{taken} and gave it to {given.character_name} for {given.price}."

    return _distribution_action(request, distribution_id, act)


# --- direct awards -------------------------------------------------------------------------------


@dataclass
class AwardRow:
    """One row of the direct-award form as the officer sees and edits it."""

    character: str = ""
    item: str = ""
    price: str = ""
    owner: User | None = None
    looted_at: dt.datetime | None = None
    from_log: bool = False

    @property
    def is_blank(self) -> bool:
        return not (self.character.strip() or self.item.strip() or self.price.strip())


def _posted_rows(request: HttpRequest) -> list[AwardRow]:
    characters = request.POST.getlist("character")
    items = request.POST.getlist("item")
    prices = request.POST.getlist("price")
    count = max(len(characters), len(items), len(prices))

    def at(values: list[str], index: int) -> str:
        return values[index] if index < len(values) else ""

    return [AwardRow(at(characters, i), at(items, i), at(prices, i)) for i in range(count)]


def _award_lines(rows: list[AwardRow]) -> list[tuple[str, str, int]]:
    lines = []
    for number, row in enumerate(rows, start=1):
        if row.is_blank:
            continue
        character, item = " ".join(row.character.split()), " ".join(row.item.split())
        if not character or not item:
            missing = "character" if not character else "item"
            raise InvalidInput(f"Row {number}: name the {missing}.", code="award_row_incomplete")
        if not row.price.strip():
            raise InvalidInput(
                f"Row {number}: give a price for {character}'s {item} (0 for free).", code="price_required"
            )
        try:
            price = services.PRICE.parse(row.price)
        except InvalidInput as refused:
            raise InvalidInput(f"Row {number} ({character}'s {item}): {refused.message}", code=refused.code) from None
        lines.append((character, item, price))
    if not lines:
        raise InvalidInput("There is nothing to award: fill in a character, an item and a price.", code="no_awards")
    return lines


def _award_page(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    raids = _recent_raids()
    tonight = _tonights_raid(raids)
    pools = _pools()
    form = {"log": "", "pool": str(pools[0].pk) if pools else "", "raid": str(tonight.pk) if tonight else ""}
    form.update(extra.pop("form", {}))
    rows = extra.pop("rows", None) or [AwardRow() for _ in range(3)]
    context = {
        "pools": pools,
        "raids": raids,
        "form": form,
        "rows": rows,
        "characters": Character.objects.filter(owner__isnull=False, is_active=True).values_list("name", flat=True),
        "recent": LootDistribution.objects.filter(auction__isnull=True)
        .select_related("item", "user", "pool", "raid__event")
        .order_by("-awarded_at", "-pk")[:RECENT_DIRECT_AWARDS],
        "reason_max": REASON_MAX,
        **extra,
    }
    return render(request, "loot/officer_award.html", context, status=status)


@officer_only
@require_http_methods(["GET", "POST"])
def award(request: HttpRequest) -> HttpResponse:
    """Direct awards: paste loot log lines to fill the rows, set prices, award them all or none."""
    actor = require_officer(request)
    if request.method == "GET":
        return _award_page(request)
    form = {key: request.POST.get(key, "") for key in ("log", "pool", "raid")}
    if request.POST.get("action") == "prefill":
        return _prefill(request, form)
    rows = _posted_rows(request)
    try:
        given = services.award_loot_batch(
            lines=_award_lines(rows),
            pool=_chosen_pool(form["pool"], _pools()),
            actor=actor,
            raid=_chosen_raid(form["raid"]),
        )
    except GuildError as refused:
        kept = [row for row in rows if not row.is_blank] + [AwardRow()]
        return _award_page(request, status=refused.status, error=refused.message, form=form, rows=kept)
    summary = ", ".join(f"{d.item.name} to {d.character_name} for {d.price}" for d in given)
    messages.success(request, f"Awarded {len(given)} item{'s' if len(given) != 1 else ''}: {summary}.")
    return redirect("loot_officer:award")


def _prefill(request: HttpRequest, form: dict[str, str]) -> HttpResponse:
    try:
        lines, problems = services.awards_from_log(form["log"])
    except GuildError as refused:
        return _award_page(request, status=refused.status, error=refused.message, form=form)
    rows = [
        AwardRow(
            character=line.character_name,
            item=line.item_name,
            owner=line.user,
            looted_at=line.looted_at,
            from_log=True,
        )
        for line in lines
    ]
    if not rows:
        error = "Nothing to award in what you pasted."
        return _award_page(request, status=422, error=error, problems=problems, form=form)
    rows += [AwardRow() for _ in range(EXTRA_HAND_ROWS)]
    return _award_page(request, form=form, rows=rows, problems=problems)
