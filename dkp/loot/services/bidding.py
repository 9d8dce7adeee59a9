"""Bids: placing and withdrawing them against the bidder's available balance, and the refusals' history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Door:
    """Where a bid came from: the channel, and for a bid from the game the tell's time and the relaying officer."""

    channel: str
    said_at: dt.datetime | None = None
    relayed_by: User | None = None

    def history(self) -> dict[str, object]:
        return {"channel": self.channel, "said_at": self.said_at, "relayed_by": self.relayed_by}


def _place(
    *, auction_id: int, user: User, amount: object, door: _Door, tag: str | None, character_name: str | None
) -> ItemBid:
    require(user, Capability.BID)
    auction = locked_auction(auction_id)
    if auction.status == AuctionStatus.OPEN and auction.closes_at <= timezone.now():
        raise _Due(auction)
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
    # A statement of its own, after the lock: on PostgreSQL a subquery inside the locking SELECT
    # would see the bids as they were when that statement began, before a bid it waited for.
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
            auction=auction,
            user=user,
            character_name=name,
            amount=value,
            tag=tag,
            amount_set_at=now,
            channel=door.channel,
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
        bid.channel = door.channel
        bid.save(update_fields=["amount", "tag", "character_name", "status", "amount_set_at", "channel", "updated_at"])
    BidHistory.objects.create(auction=auction, bid=bid, user=user, action=action, amount=value, **door.history())
    return bid


def _record_refusal(*, auction: Auction, user: User, amount: object, door: _Door, error: GuildError) -> None:
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
        **door.history(),
    )


class _Due(Exception):
    """The auction's time has passed: roll the bid's transaction back and close it first."""

    def __init__(self, auction: Auction) -> None:
        super().__init__(auction.pk)
        self.auction = auction


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
    return _judged(
        auction_id=auction_id,
        user=user,
        amount=amount,
        door=_Door(channel),
        tag=tag,
        character_name=character_name,
    )


def _judged(
    *, auction_id: object, user: User, amount: object, door: _Door, tag: str | None, character_name: str | None
) -> ItemBid:
    """The bid placed in its own transaction, or refused with a rejected Bid History row written after it.

    The auction is read once, locked, inside the bid's transaction; one past its time is closed
    first (in its own transaction) and the bid refused as too late.
    """
    try:
        key = record_id("The auction").parse(auction_id)
    except InvalidInput:
        raise NotFound(f"There is no auction {str(auction_id)[:20]!r}.", code="auction_not_found") from None
    auction: Auction | None = None
    try:
        try:
            return retry_if_deadlocked(
                lambda: transaction.atomic(_place)(
                    auction_id=key,
                    user=user,
                    amount=amount,
                    door=door,
                    tag=tag,
                    character_name=character_name,
                )
            )
        except _Due as due:
            auction = close_if_due(due.auction)
            raise not_open(auction) from None
    except NotFound:
        raise
    except GuildError as error:
        if auction is None:
            auction = _auction_or_404(key)
        with transaction.atomic():
            _record_refusal(auction=auction, user=user, amount=amount, door=door, error=error)
        raise


# A tell's time comes from the loot master's computer: a clock a few minutes fast is forgiven, a
# time from another evening is not a bid of tonight's auction.
TELL_CLOCK_SLACK = dt.timedelta(minutes=5)
TELL_MAX_AGE = dt.timedelta(hours=12)


def _tell_time(said_at: dt.datetime | None) -> dt.datetime | None:
    if said_at is None:
        return None
    if timezone.is_naive(said_at):
        raise InvalidInput("A tell's time needs its UTC offset, as 2026-12-02T21:04:05-05:00.", code="bad_tell_time")
    now = timezone.now()
    if said_at > now + TELL_CLOCK_SLACK:
        ahead = round((said_at - now).total_seconds() / 60)
        raise InvalidInput(
            f"The tell's time is {ahead} minutes ahead of EQ DKP's clock: set the clock of the computer that "
            f"reads the log.",
            code="bad_tell_time",
        )
    if said_at < now - TELL_MAX_AGE:
        raise InvalidInput(
            "The tell is more than 12 hours old: a bid is for an auction open now.", code="bad_tell_time"
        )
    return said_at


def place_game_bid(
    *,
    auction_id: object,
    actor: User,
    character_name: str,
    amount: object,
    tag: str | None = None,
    said_at: dt.datetime | None = None,
) -> ItemBid:
    """A bid a raider sent the loot master by tell in EverQuest, relayed by an officer's tool (dkp-companion).

    The bid is the owner's of the character that sent the tell, for that character, and it is judged
    by exactly what judges ``place_bid`` (the owner may bid, the auction is open, the amount, the
    minimum and the increment, the character's own tag, the tag's cap, the owner's available
    balance); a refusal leaves a rejected Bid History row for the owner. The row says channel
    ``game``, the tell's time (``said_at``) and the relaying officer. Refused before there is an
    owner to judge: the actor is not an officer, no character by that name ("unknown_character"),
    a character nobody owns ("unowned_character"), a tell's time from the future or another evening
    ("bad_tell_time").
    """
    require(actor, Capability.MANAGE_GUILD)
    name = " ".join((character_name or "").split())
    if not name:
        raise InvalidInput("Name the character that sent the tell.", code="character_required")
    character = Character.objects.select_related("owner").filter(name__iexact=name).first()
    if character is None:
        raise InvalidInput(
            f"EQ DKP has no character named {name[:15]}: its player adds and claims it on the web first.",
            code="unknown_character",
        )
    if character.owner is None:
        raise InvalidInput(
            f"Nobody has claimed {character.name} in EQ DKP yet, so it has no points to bid: its player claims "
            f"it on the web first.",
            code="unowned_character",
        )
    return _judged(
        auction_id=auction_id,
        user=character.owner,
        amount=amount,
        door=_Door(Channel.GAME, said_at=_tell_time(said_at), relayed_by=actor),
        tag=tag,
        character_name=character.name,
    )


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
            _record_refusal(auction=auction, user=user, amount=None, door=_Door(channel), error=error)
        raise
