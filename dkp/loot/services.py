"""Giving out loot and taking it back, always through the points ledger.

Auctions: an officer opens one (the pool's rules are copied onto it), members bid against their
available balance, and at the closing time the resolver (``dkp.loot.resolver``) picks the winners
and their price; the awards are Loot Distribution rows with ledger debits in the same transaction.
Every service raises a ``GuildError`` with a message for people; a refused bid also leaves a
rejected Bid History row, written after the refused transaction rolled back.

Locks, always in this order so two services never wait on each other in a cycle: the auction
row, then points summaries in ascending user id. A user's summary row is what serialises their
bids across auctions, so two bids of one user can never both spend the same points.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from dkp.characters.models import Character, CharacterTag
from dkp.core.db import retry_if_deadlocked
from dkp.core.errors import Conflict, GuildError, InvalidInput, NotFound
from dkp.core.models import GuildSettings
from dkp.core.numbers import WholeNumber, record_id
from dkp.core.roles import Capability, require
from dkp.loot import resolver
from dkp.loot.models import (
    Auction,
    AuctionStatus,
    BidAction,
    BidHistory,
    BidStatus,
    Channel,
    Item,
    ItemBid,
    LootDistribution,
)
from dkp.points.models import DkpPool, EntryKind, PointEntry, UserPointsSummary
from dkp.points.services import debit_loot, locked_summary, require_whole_points, reverse_entry_in_transaction

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.raids.models import Raid

MAX_BID = 1_000_000  # anything above is refused as absurd, whatever the balance
MAX_MINUTES = 24 * 60
MAX_QUANTITY = 100
# The rules every door reads (page forms, the API, the bot's commands and modal, the admin).
BID = WholeNumber("A bid", 1, MAX_BID, code="invalid_amount")
PRICE = WholeNumber("A price", 0, MAX_BID, code="invalid_amount")  # 0: an officer may give an item away
QUANTITY = WholeNumber("The quantity", 1, MAX_QUANTITY, code="invalid_quantity")
MINUTES = WholeNumber("The minutes", 1, MAX_MINUTES, code="invalid_minutes")


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
    if isinstance(price, bool) or not isinstance(price, int) or price < 0:
        raise InvalidInput(f"A price is a whole number of points, zero or more, not {price!r}.", code="invalid_amount")
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
        debit_loot(distribution=distribution, actor=actor)
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
    """An officer's direct award, without an auction. A price above the balance is refused."""
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


def _reverse_distribution_in_transaction(*, distribution: LootDistribution, actor: User | None, reason: str) -> None:
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
        ).update(status=BidStatus.LOST, updated_at=timezone.now())
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
    _reverse_distribution_in_transaction(distribution=distribution, actor=actor, reason=reason)
    return distribution


# --- parsing what people type ------------------------------------------------------------------


def parse_amount(raw: object, *, what: str = "bid") -> int:
    """A whole, positive number of points (50 or "50"), read by ``BID``; refuses the rest with why."""
    return (BID if what == "bid" else BID.named(f"A {what}")).parse(raw)


_QUANTITY = re.compile(
    r"^(?:(?P<pre>\d+)\s*[x\u00d7]\s+)?(?P<name>.+?)(?:\s+[x\u00d7]\s*(?P<post>\d+)|\s*\((?P<paren>\d+)\))?$",
    re.I | re.ASCII,  # a quantity is ASCII digits, as every number here
)


def parse_item_lines(text: str) -> list[tuple[str, int]]:
    """Items to auction, one per line, an optional quantity as "x2"/"2x"/"(2)": [(name, quantity)]."""
    lines: list[tuple[str, int]] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = " ".join(line.split())
        if not line:
            continue
        match = _QUANTITY.match(line)
        assert match is not None  # the name group takes any non-empty line
        quantity = int(match["pre"] or match["post"] or match["paren"] or 1)
        name = match["name"].strip(" -")
        if not name:
            raise InvalidInput(f"Line {number} has a quantity but no item name.", code="item_name_required")
        if not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"Line {number}: a quantity is between 1 and {MAX_QUANTITY}, not {quantity}.", code="invalid_quantity"
            )
        lines.append((name, quantity))
    if not lines:
        raise InvalidInput("List at least one item to auction, one per line.", code="item_name_required")
    return lines


# --- opening, extending, cancelling --------------------------------------------------------------


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
) -> Auction:
    """Officers only. Copies the pool's rules, draws the tie-break seed, schedules the close after commit."""
    require(actor, Capability.MANAGE_GUILD)
    if not pool.is_active:
        raise Conflict(f"The pool {pool.name} is not active; auctions open in active pools.", code="pool_inactive")
    quantity = QUANTITY.parse(quantity)
    if minutes is None:
        minutes = GuildSettings.load().auction_minutes
    minutes = MINUTES.parse(minutes)
    if isinstance(item, str):
        item = item_named(item)
    now = timezone.now()
    auction = Auction.objects.create(
        item=item,
        pool=pool,
        raid=raid,
        quantity=quantity,
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


def _locked_auction(auction_id: int) -> Auction:
    auction = Auction.objects.select_for_update(of=("self",)).select_related("pool").filter(pk=auction_id).first()
    if auction is None:
        raise NotFound(f"There is no auction {auction_id}.", code="auction_not_found")
    return auction


def _not_open(auction: Auction) -> Conflict:
    if auction.status == AuctionStatus.CANCELLED:
        return Conflict("This auction was cancelled.", code="auction_cancelled")
    closed = timezone.localtime(auction.closed_at or auction.closes_at).strftime("%H:%M:%S")
    return Conflict(f"This auction closed at {closed}; it takes no more bids.", code="auction_closed")


@transaction.atomic
def extend_auction(*, auction_id: int, actor: User, minutes: int) -> Auction:
    """Officers only, while open: push the closing time ``minutes`` later (from now if already due)."""
    require(actor, Capability.MANAGE_GUILD)
    minutes = MINUTES.parse(minutes)
    auction = _locked_auction(auction_id)
    if auction.status != AuctionStatus.OPEN:
        raise _not_open(auction)
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
    auction = _locked_auction(auction_id)
    if auction.status != AuctionStatus.OPEN:
        raise _not_open(auction)
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


# --- bidding -------------------------------------------------------------------------------------


def held_by_other_bids(*, user_id: int, pool_id: int, excluding_auction_id: int | None) -> int:
    """Points the user's live bids hold on open auctions in the pool, other than the one named."""
    bids = ItemBid.objects.filter(
        user_id=user_id, status=BidStatus.LIVE, auction__pool_id=pool_id, auction__status=AuctionStatus.OPEN
    )
    if excluding_auction_id is not None:
        bids = bids.exclude(auction_id=excluding_auction_id)
    return int(bids.aggregate(total=Sum("amount"))["total"] or 0)


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


def _place(
    *, auction_id: int, user: User, amount: object, channel: str, tag: str | None, character_name: str | None
) -> ItemBid:
    require(user, Capability.BID)
    auction = _locked_auction(auction_id)
    if auction.status != AuctionStatus.OPEN:
        raise _not_open(auction)
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
    tag = (tag or character_tag or CharacterTag.MAIN).strip().lower()
    if tag not in CharacterTag.values:
        raise InvalidInput(f"A bid's tag is main, alt or box, not {tag[:10]!r}.", code="invalid_tag")
    cap = rules.tag_caps.get(tag)
    if cap is not None and value > cap:
        raise InvalidInput(f"An {tag} bid can be at most {cap} on this auction.", code="over_tag_cap")
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
    their user name); ``tag`` defaults to that character's tag. Refused (with a rejected history
    row): not allowed to bid, auction not open, bad amount, under the minimum, not a multiple of the
    increment, over the tag's cap, over the available balance (the message says what is available),
    the same amount again ("You already bid 50 ...", code "unchanged_bid").
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
            auction = _locked_auction(auction.pk)
            if auction.status != AuctionStatus.OPEN:
                raise _not_open(auction)
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


# --- closing and awarding --------------------------------------------------------------------------


def _attendance_30(user_ids: set[int], pool_id: int) -> dict[int, Decimal]:
    """30-day attendance per user: in the auction's pool, or over all pools when the pool has none."""
    from dkp.raids.models import MemberAttendanceSummary

    found: dict[int, Decimal] = {}
    rows = MemberAttendanceSummary.objects.filter(user_id__in=user_ids).filter(pool_id__in=[pool_id]) | (
        MemberAttendanceSummary.objects.filter(user_id__in=user_ids, pool__isnull=True)
    )
    for user_id, row_pool, percent in rows.values_list("user_id", "pool_id", "percent_30"):
        if row_pool == pool_id or user_id not in found:
            found[user_id] = Decimal(percent)
    return {user_id: found.get(user_id, Decimal(0)) for user_id in user_ids}


@dataclass(frozen=True)
class _Contest:
    resolution: resolver.Resolution
    bids: dict[int, ItemBid]
    summaries: dict[int, UserPointsSummary]
    notes: list[str]


def _contest(auction: Auction, candidates: list[ItemBid], *, quantity: int) -> _Contest:
    """Lock the bidders' summaries, count each bid as at most what they can still pay, resolve."""
    summaries = {
        user_id: locked_summary(user=bid.user, pool=auction.pool)
        for user_id, bid in sorted({bid.user_id: bid for bid in candidates}.items())
    }
    attendance = _attendance_30({bid.user_id for bid in candidates}, auction.pool_id)
    rules = resolver.Rules.from_json(auction.rules)
    inputs, notes = [], []
    for bid in candidates:
        held = held_by_other_bids(user_id=bid.user_id, pool_id=auction.pool_id, excluding_auction_id=auction.pk)
        can_pay = summaries[bid.user_id].balance - held
        amount = bid.amount
        if can_pay < amount:
            if can_pay < max(rules.minimum_bid, 1):
                notes.append(
                    f"{bid.character_name}'s bid of {bid.amount} was passed over: "
                    f"{max(can_pay, 0)} points left, under the minimum bid."
                )
                continue
            notes.append(f"{bid.character_name}'s bid of {bid.amount} counted as {can_pay}, all they had left.")
            amount = can_pay
        inputs.append(
            resolver.Bid(
                bid_id=bid.pk,
                user_id=bid.user_id,
                name=bid.character_name,
                amount=amount,
                tag=bid.tag,
                placed_at=bid.amount_set_at,
                attendance_30=attendance[bid.user_id],
            )
        )
    resolution = resolver.resolve(rules=rules, quantity=quantity, bids=inputs, seed=auction.tie_break_seed)
    return _Contest(resolution, {bid.pk: bid for bid in candidates}, summaries, notes)


def _award(auction: Auction, contest: _Contest, awards: Sequence[resolver.Award], actor: User | None) -> list[dict]:
    now = timezone.now()
    lines = []
    for award in awards:
        bid = contest.bids[award.bid_id]
        distribution = award_loot_in_transaction(
            item=auction.item,
            pool=auction.pool,
            winner=bid.user,
            character_name=bid.character_name,
            price=award.price,
            actor=actor,
            raid=auction.raid,
            auction=auction,
            awarded_at=now,
        )
        bid.status = BidStatus.WON
        bid.save(update_fields=["status", "updated_at"])
        lines.append(
            {"distribution_id": distribution.pk, "bid_id": bid.pk, "name": bid.character_name, "price": award.price}
        )
    return lines


def close_auction(*, auction_id: int, actor: User | None, early: bool = False) -> Auction:
    """Resolve and award an auction whose time is up (or now, when an officer closes it ``early``).

    Idempotent: an auction already closed is returned unchanged, so the scheduled task, the lazy
    close on read and an officer may all race and the winners are charged once; an officer's
    ``early`` close of an auction that is no longer open is told so (Conflict). Not yet due and
    not ``early``: returned unchanged. Winners get LootDistribution rows and ledger debits; no bids
    rots the item. A winner whose balance no longer covers their bid is passed over (recorded in
    the outcome). Status becomes awarded or rotted.
    """
    if early and actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    return retry_if_deadlocked(lambda: _close(auction_id=auction_id, actor=actor, early=early))


@transaction.atomic
def _close(*, auction_id: int, actor: User | None, early: bool) -> Auction:
    """One closing attempt, in one transaction: the auction row first, then the bidders' summaries."""
    auction = _locked_auction(auction_id)
    now = timezone.now()
    if auction.status != AuctionStatus.OPEN:
        if early:
            raise _not_open(auction)
        return auction
    if not early and auction.closes_at > now:
        return auction
    auction = Auction.objects.select_related("item", "pool", "raid").get(pk=auction.pk)
    live = list(auction.bids.filter(status=BidStatus.LIVE).select_related("user").order_by("pk"))
    contest = _contest(auction, live, quantity=auction.quantity)
    winners = _award(auction, contest, contest.resolution.awards, actor)
    won = {line["bid_id"] for line in winners}
    auction.bids.filter(status=BidStatus.LIVE).exclude(pk__in=won).update(status=BidStatus.LOST, updated_at=now)
    auction.status = AuctionStatus.AWARDED if winners else AuctionStatus.ROTTED
    auction.closed_at = now if early else min(now, max(auction.closes_at, auction.opened_at))
    if early:
        auction.closes_at = now
    auction.outcome = {
        **contest.resolution.as_json(),
        "winners": winners,
        "names": {str(bid.pk): bid.character_name for bid in live},
        "passed_over": contest.notes,
        "closed_by": actor.name if actor is not None else "",
    }
    auction.save(update_fields=["status", "closed_at", "closes_at", "outcome", "updated_at"])
    return auction


def close_if_due(auction: Auction) -> Auction:
    """The lazy close on read: closes it when its time has passed, otherwise returns it as it is."""
    if auction.status == AuctionStatus.OPEN and auction.closes_at <= timezone.now():
        return close_auction(auction_id=auction.pk, actor=None)
    return auction


def close_due_auctions(*, now: dt.datetime | None = None) -> int:
    """Close every open auction whose time has passed; returns how many closed."""
    now = now or timezone.now()
    due = Auction.objects.filter(status=AuctionStatus.OPEN, closes_at__lte=now).order_by("closes_at", "pk")
    closed = 0
    for auction_id in due.values_list("pk", flat=True):
        if close_auction(auction_id=auction_id, actor=None).status != AuctionStatus.OPEN:
            closed += 1
    return closed


@transaction.atomic
def reaward_next(*, distribution_id: int, actor: User, reason: str) -> LootDistribution | None:
    """Officers only: reverse this award (refund) and give the copy to the next bidder in the ranking.

    The next bidder pays what the rules give among the bids that remain. None when nobody is left
    (the auction goes back to "closed").
    """
    require(actor, Capability.MANAGE_GUILD)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the loot goes to someone else.", code="reason_required")
    found = LootDistribution.objects.filter(pk=distribution_id).values_list("auction_id", flat=True).first()
    if found is None and not LootDistribution.objects.filter(pk=distribution_id).exists():
        raise NotFound(f"There is no loot award {distribution_id}.", code="loot_not_found")
    if found is None:
        raise Conflict(
            "This was a direct award with no other bidders; reverse it and award the item by hand.",
            code="direct_award",
        )
    auction = _locked_auction(found)
    auction = Auction.objects.select_related("item", "pool", "raid").get(pk=auction.pk)
    distribution = LootDistribution.objects.select_for_update().get(pk=distribution_id)
    if not distribution.is_reversed:
        _reverse_distribution_in_transaction(distribution=distribution, actor=actor, reason=reason)
    given = LootDistribution.objects.filter(auction=auction)
    passed = set(given.filter(is_reversed=True).values_list("user_id", flat=True))
    holding = set(given.filter(is_reversed=False).values_list("user_id", flat=True))
    free = auction.quantity - len(holding)
    if free <= 0:
        raise Conflict("Every copy of this item is already awarded.", code="fully_awarded")
    remaining = list(
        auction.bids.exclude(status=BidStatus.WITHDRAWN)
        .exclude(user_id__in=passed)
        .select_related("user")
        .order_by("pk")
    )
    contest = _contest(auction, remaining, quantity=auction.quantity)
    awards = [award for award in contest.resolution.awards if award.user_id not in holding][:free]
    lines = _award(auction, contest, awards, actor)
    outcome = dict(auction.outcome or {})
    outcome["reawards"] = [
        *outcome.get("reawards", []),
        {
            "from": distribution.character_name,
            "to": lines[0]["name"] if lines else "",
            "price": lines[0]["price"] if lines else None,
            "reason": reason[:300],
            "by": actor.name,
            "at": timezone.now().isoformat(),
        },
    ]
    outcome["winners"] = [*outcome.get("winners", []), *lines]
    auction.outcome = outcome
    auction.status = AuctionStatus.AWARDED if lines or holding else AuctionStatus.CLOSED
    auction.save(update_fields=["outcome", "status", "updated_at"])
    if not lines:
        return None
    return LootDistribution.objects.get(pk=lines[0]["distribution_id"])


# --- direct awards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AwardLine:
    """One row of the direct-award form, prefilled from a pasted loot log."""

    character_name: str
    item_name: str
    user: User | None  # the character's owner, None when nobody owns that name
    looted_at: dt.datetime | None


def awards_from_log(text: str) -> tuple[list[AwardLine], list[str]]:
    """Prefill direct awards from pasted ``--Name has looted a Item.--`` lines: (rows, problems)."""
    from dkp.eqlog.errors import LogError
    from dkp.eqlog.log_lines import parse_log

    try:
        excerpt = parse_log(text or "")
    except LogError as error:
        raise InvalidInput(str(error), code="not_a_log") from None
    zone = zoneinfo.ZoneInfo(GuildSettings.load().time_zone)
    problems = [f"Line {problem.line_number}: {problem.message}" for problem in excerpt.problems]
    looters = {line.looter for line in excerpt.loot if line.looter != "You"}
    wanted = Q()
    for name in looters:
        wanted |= Q(name__iexact=name)
    owners = (
        {character.name.lower(): character for character in Character.objects.filter(wanted).select_related("owner")}
        if looters
        else {}
    )
    rows = []
    for line in excerpt.loot:
        if line.looter == "You":
            problems.append(f'Line {line.line_number}: "You" looted {line.item}; say which character that was.')
        character = owners.get(line.looter.lower())
        for _ in range(line.quantity):
            rows.append(
                AwardLine(
                    character_name=character.name if character else line.looter,
                    item_name=line.item,
                    user=character.owner if character else None,
                    looted_at=line.at.replace(tzinfo=zone) if line.at else None,
                )
            )
    if not rows and not problems:
        problems.append("No loot lines found; paste lines like: --Aelrin has looted a Cloak of Flames.--")
    return rows, problems


@transaction.atomic
def award_loot_batch(
    *,
    lines: Sequence[tuple[str, str, int]],
    pool: DkpPool,
    actor: User,
    raid: Raid | None = None,
) -> list[LootDistribution]:
    """Officers only: direct awards (character name, item name, price), all or none."""
    require(actor, Capability.MANAGE_GUILD)
    if not lines:
        raise InvalidInput("There is nothing to award.", code="nothing_to_award")
    awards = []
    for number, (character_name, item_name, price) in enumerate(lines, start=1):
        name = " ".join((character_name or "").split())
        character = Character.objects.select_related("owner").filter(name__iexact=name).first() if name else None
        if character is None or character.owner is None:
            what = "is not a character anyone owns" if character is None else "has no owner yet; approve a claim first"
            raise InvalidInput(f"Row {number}: {name or 'a blank name'} {what}.", code="unknown_character")
        try:
            value = PRICE.parse(price)
            awards.append(
                award_loot_in_transaction(
                    item=item_named(item_name),
                    pool=pool,
                    winner=character.owner,
                    character_name=character.name,
                    price=value,
                    actor=actor,
                    raid=raid,
                )
            )
        except GuildError as error:
            raise type(error)(f"Row {number} ({character.name}): {error.message}", code=error.code) from None
    return awards
