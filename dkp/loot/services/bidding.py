"""Bids: placing and withdrawing them against the bidder's available balance, and the refusals' history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from dkp.characters.models import Character, CharacterTag
from dkp.core.db import retry_if_deadlocked
from dkp.core.errors import Conflict, GuildError, InvalidInput, NotFound
from dkp.core.numbers import record_id
from dkp.core.roles import Capability, require
from dkp.loot import resolver
from dkp.loot.models import Auction, AuctionStatus, BidAction, BidHistory, BidStatus, Channel, ItemBid
from dkp.loot.selectors import held_by_other_bids
from dkp.loot.services.auctions import locked_auction, not_open
from dkp.loot.services.closing import close_if_due
from dkp.loot.services.parsing import parse_amount
from dkp.points.services import locked_summary

if TYPE_CHECKING:
    from dkp.accounts.models import User


def _bidding_character(user: User, character_name: str | None) -> tuple[str, str | None]:
    """(name, its tag) of the character the bid is for: one of the user's own, default their main."""
    name = " ".join((character_name or "").split())
    if name:
        character = Character.objects.filter(owner=user, name__iexact=name).first()
        if character is None:
            raise InvalidInput(f"{name[:15]} is not one of your characters.", code="not_your_character")
        return character.name, character.tag
    main = user.main_character
    if main is not None and main.owner_id == user.pk:
        return main.name, main.tag
    first = Character.objects.filter(owner=user, is_active=True).order_by("name").first()
    if first is not None:
        return first.name, first.tag
    return user.name[:15], None


def _bid_tag(*, asked: str | None, character: str, character_tag: str | None, rules: resolver.Rules) -> str:
    """The tag a bid carries: its character's, or main from an alt or box where the pool allows it."""
    own = character_tag or CharacterTag.MAIN  # a bidder with no character bids as themselves, a main
    tag = (asked or "").strip().lower() or own
    if tag not in CharacterTag.values:
        raise InvalidInput(f"A bid's tag is main, alt or box, not {tag[:10]!r}.", code="invalid_tag")
    if tag == own or (tag == CharacterTag.MAIN and rules.main_bids_from_alts):
        return tag
    if tag == CharacterTag.MAIN:
        raise InvalidInput(
            f"{character} is your {own} character, so this is a {own} bid: this pool does not let "
            f"alts and boxes bid as main.",
            code="tag_not_character",
        )
    raise InvalidInput(
        f"{character} is your {own} character, so this is a {own} bid, not {tag}.", code="tag_not_character"
    )


def _place(
    *, auction_id: int, user: User, amount: object, channel: str, tag: str | None, character_name: str | None
) -> ItemBid:
    require(user, Capability.BID)
    auction = locked_auction(auction_id)
    if auction.status != AuctionStatus.OPEN:
        raise not_open(auction)
    value = parse_amount(amount)
    rules = resolver.Rules.from_json(auction.rules)
    if value < rules.minimum_bid:
        raise InvalidInput(f"The minimum bid on this auction is {rules.minimum_bid}.", code="under_minimum")
    step = rules.bid_increment
    if step and value % step:
        lower, higher = value - value % step, value - value % step + step
        options = f"{lower} or {higher}" if lower >= max(step, rules.minimum_bid) else str(higher)
        raise InvalidInput(f"Bids go in steps of {step}: try {options}.", code="not_a_multiple")
    name, character_tag = _bidding_character(user, character_name)
    tag = _bid_tag(asked=tag, character=name, character_tag=character_tag, rules=rules)
    cap = rules.tag_caps.get(tag)
    if cap is not None and value > cap:
        article = "An" if tag == CharacterTag.ALT else "A"
        raise InvalidInput(f"{article} {tag} bid can be at most {cap} on this auction.", code="over_tag_cap")
    summary = locked_summary(user=user, pool=auction.pool)
    held = held_by_other_bids(user_id=user.pk, pool_id=auction.pool_id, excluding_auction_id=auction.pk)
    available = summary.balance - held
    if value > available:
        on_others = f" ({held} held by your bids on other open auctions)" if held else ""
        raise Conflict(
            f"You have {max(available, 0)} points available in {auction.pool.name}{on_others}; "
            f"a bid of {value} is more than that.",
            code="insufficient_balance",
        )
    now = timezone.now()
    bid = ItemBid.objects.filter(auction=auction, user=user).first()
    if bid is not None:
        bid.user = user  # the caller's answer shows the bidder; no second read of the same row
    if bid is None:
        bid = ItemBid.objects.create(
            auction=auction, user=user, character_name=name, amount=value, tag=tag, amount_set_at=now
        )
        action = BidAction.PLACED
    else:
        if bid.status == BidStatus.LIVE and (bid.amount, bid.tag, bid.character_name) == (value, tag, name):
            raise Conflict(f"You already bid {value} on this auction.", code="unchanged_bid")
        if bid.status != BidStatus.LIVE:
            action = BidAction.PLACED
        elif value > bid.amount:
            action = BidAction.RAISED
        elif value < bid.amount:
            action = BidAction.LOWERED
        else:
            action = BidAction.PLACED  # same amount, another character or tag
        if bid.status != BidStatus.LIVE or value != bid.amount:
            bid.amount_set_at = now
        bid.amount, bid.tag, bid.character_name, bid.status = value, tag, name, BidStatus.LIVE
        bid.save(update_fields=["amount", "tag", "character_name", "status", "amount_set_at", "updated_at"])
    BidHistory.objects.create(auction=auction, bid=bid, user=user, action=action, amount=value, channel=channel)
    return bid


def _record_refusal(*, auction: Auction, user: User, amount: object, channel: str, error: GuildError) -> None:
    """The rejected row of Bid History, in its own transaction after the refused one rolled back."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return
    number: int | None = None
    try:
        number = parse_amount(amount)
    except GuildError:
        number = None
    shown = "" if number is not None or amount in (None, "") else f" (entered {str(amount)[:40]!r})"
    BidHistory.objects.create(
        auction=auction,
        bid=ItemBid.objects.filter(auction=auction, user=user).first(),
        user=user,
        action=BidAction.REJECTED,
        amount=number,
        reason=(error.message + shown)[:300],
        channel=channel,
    )


def _auction_or_404(auction_id: object) -> Auction:
    try:
        key = record_id("The auction").parse(auction_id)
    except InvalidInput:
        raise NotFound(f"There is no auction {str(auction_id)[:20]!r}.", code="auction_not_found") from None
    auction = Auction.objects.select_related("pool", "item").filter(pk=key).first()
    if auction is None:
        raise NotFound(f"There is no auction {key}.", code="auction_not_found")
    return auction


def place_bid(
    *,
    auction_id: int,
    user: User,
    amount: object,
    channel: str,
    tag: str | None = None,
    character_name: str | None = None,
) -> ItemBid:
    """Place, raise or lower the user's one live bid. ``amount`` is raw input (parsed here).

    ``character_name`` must be one of the user's characters (default: their main character, else
    their user name); the bid's tag is that character's tag. ``tag`` may be left out; given, it must
    be the character's own, or ``main`` for an alt or box when the auction's rules (copied from the
    pool) allow main bids from alts. Refused (with a rejected history row): not allowed to bid,
    auction not open, bad amount, under the minimum, not a multiple of the increment, a tag that
    contradicts the character (code "tag_not_character"), over the tag's cap, over the available
    balance (the message says what is available), the same amount again ("You already bid 50 ...",
    code "unchanged_bid").
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    auction = close_if_due(_auction_or_404(auction_id))
    try:
        return retry_if_deadlocked(
            lambda: transaction.atomic(_place)(
                auction_id=auction.pk,
                user=user,
                amount=amount,
                channel=channel,
                tag=tag,
                character_name=character_name,
            )
        )
    except GuildError as error:
        with transaction.atomic():
            _record_refusal(auction=auction, user=user, amount=amount, channel=channel, error=error)
        raise


def withdraw_bid(*, auction_id: int, user: User, channel: str) -> ItemBid:
    """Withdraw the user's live bid while the auction is open."""
    auction = close_if_due(_auction_or_404(auction_id))
    try:
        with transaction.atomic():
            require(user, Capability.BID)
            auction = locked_auction(auction.pk)
            if auction.status != AuctionStatus.OPEN:
                raise not_open(auction)
            locked_summary(user=user, pool=auction.pool)
            bid = ItemBid.objects.filter(auction=auction, user=user, status=BidStatus.LIVE).first()
            if bid is None:
                raise Conflict("You have no bid on this auction to withdraw.", code="no_bid")
            bid.status = BidStatus.WITHDRAWN
            bid.save(update_fields=["status", "updated_at"])
            BidHistory.objects.create(
                auction=auction, bid=bid, user=user, action=BidAction.WITHDRAWN, amount=bid.amount, channel=channel
            )
            return bid
    except GuildError as error:
        with transaction.atomic():
            _record_refusal(auction=auction, user=user, amount=None, channel=channel, error=error)
        raise
