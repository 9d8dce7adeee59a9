"""Who wins an auction and what they pay: a pure function of the rules, the bids and a seed.

No Django imports. The services feed it the auction's copied rules, its live bids with each
bidder's 30-day attendance, and the seed stored on the auction, so a replay gives the same answer.
Rules are DESIGN.md §6 "Auctions":

- A bid counts at its *effective* amount: the amount, clamped to its tag's cap when the tag has one.
  Bids below the minimum (and below 1) are ignored entirely.
- Ranking: with ``mains_outrank`` a main's bid beats any alt or box bid outright; then the higher
  effective amount; then the higher 30-day attendance; then the earlier bid; then a seeded draw.
- The top ``quantity`` bids win. Under ``second_price`` every winner pays one price: the minimum bid
  when there are no more bids than copies, otherwise the highest losing bid plus the increment,
  never more than the lowest winning bid. Under ``first_price`` each winner pays their own bid.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Rules:
    """An auction's rules as copied from its pool (``DkpPool.auction_rules()``)."""

    price_rule: str = "second_price"  # or "first_price"
    minimum_bid: int = 1
    bid_increment: int = 0  # 0: any whole number; otherwise bids are whole multiples
    tag_caps: Mapping[str, int] = field(default_factory=dict)  # e.g. {"alt": 10, "box": 5}
    mains_outrank: bool = False
    main_bids_from_alts: bool = False  # False: a bid's tag is its character's; True: an alt or box may bid as main
    visibility: str = "sealed"  # or "open"

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Rules:
        """Rules from an auction's ``rules`` JSON; missing keys take the defaults above."""
        defaults = cls()
        raw_caps = data.get("tag_caps")
        caps = raw_caps if isinstance(raw_caps, Mapping) else {}
        return cls(
            price_rule=str(data.get("price_rule") or defaults.price_rule),
            minimum_bid=_whole(data.get("minimum_bid"), defaults.minimum_bid),
            bid_increment=_whole(data.get("bid_increment"), defaults.bid_increment),
            tag_caps={str(tag): _whole(cap, 0) for tag, cap in caps.items() if cap is not None},
            mains_outrank=bool(data.get("mains_outrank", defaults.mains_outrank)),
            main_bids_from_alts=bool(data.get("main_bids_from_alts", defaults.main_bids_from_alts)),
            visibility=str(data.get("visibility") or defaults.visibility),
        )


@dataclass(frozen=True)
class Bid:
    bid_id: int
    user_id: int
    name: str  # who, as people read it (character name or user name), for the explanations
    amount: int
    tag: str  # "main", "alt" or "box"
    placed_at: dt.datetime  # when the current amount was set (ItemBid.amount_set_at)
    attendance_30: Decimal  # the bidder's 30-day attendance percentage, e.g. Decimal("42.50")


@dataclass(frozen=True)
class Award:
    bid_id: int
    user_id: int
    price: int


@dataclass(frozen=True)
class TieBreak:
    """Why one bid was ranked above another that it tied with on amount (and rank of tag)."""

    winner_bid_id: int
    loser_bid_id: int
    decided_by: str  # "attendance", "earlier_bid" or "draw"
    detail: str  # one sentence for people, e.g. "Aelrin's 30-day attendance 42.50% beat Borin's 30.00%."


@dataclass(frozen=True)
class Resolution:
    awards: tuple[Award, ...]  # the winners, best first; empty when there were no bids
    ranking: tuple[int, ...]  # every bid id, best first (the order re-awards walk down)
    price: int | None  # the one price under second_price; None under first_price or with no winners
    tie_breaks: tuple[TieBreak, ...]  # every adjacent pair in the ranking that tied, in ranking order
    draws: Mapping[int, float]  # bid id -> the seeded random number, for every bid that needed a draw

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict for ``Auction.outcome`` (bid ids, prices, tie-break sentences, draws)."""
        return {
            "awards": [
                {"bid_id": award.bid_id, "user_id": award.user_id, "price": award.price} for award in self.awards
            ],
            "ranking": list(self.ranking),
            "price": self.price,
            "tie_breaks": [
                {
                    "winner_bid_id": tie.winner_bid_id,
                    "loser_bid_id": tie.loser_bid_id,
                    "decided_by": tie.decided_by,
                    "detail": tie.detail,
                }
                for tie in self.tie_breaks
            ],
            # JSON object keys are strings; bid ids go in as text.
            "draws": {str(bid_id): number for bid_id, number in self.draws.items()},
        }


PRICE_RULES = ("second_price", "first_price")


def resolve(*, rules: Rules, quantity: int, bids: Sequence[Bid], seed: int) -> Resolution:
    """Rank the bids and price the top ``quantity`` of them. See the module docstring for the rules."""
    if quantity < 1:
        raise ValueError(f"An auction needs at least one copy to award, not {quantity}.")
    if rules.price_rule not in PRICE_RULES:
        raise ValueError(f"Unknown price rule {rules.price_rule!r}; expected one of {', '.join(PRICE_RULES)}.")
    if len({bid.bid_id for bid in bids}) != len(bids):
        raise ValueError("Each bid must appear once; bid ids repeat.")

    # A bid of nothing never wins anything, even when the pool's minimum is 0.
    floor = max(rules.minimum_bid, 1)
    entries = [_Entry.of(bid, rules) for bid in bids]
    entries = sorted((entry for entry in entries if entry.amount >= floor), key=lambda entry: entry.bid.bid_id)

    # One number per bid in bid-id order, so the draw does not depend on the order bids arrive in.
    draw = random.Random(seed)
    numbers = {entry.bid.bid_id: draw.random() for entry in entries}
    ranked = sorted(entries, key=lambda entry: entry.rank_key(numbers[entry.bid.bid_id]))

    tied_before_draw: dict[tuple[object, ...], list[int]] = {}
    for entry in ranked:
        tied_before_draw.setdefault(entry.pre_draw_key, []).append(entry.bid.bid_id)
    draws = {
        bid_id: numbers[bid_id] for group in tied_before_draw.values() if len(group) > 1 for bid_id in sorted(group)
    }

    tie_breaks = tuple(
        _tie_break(better, worse, seed)
        for better, worse in itertools.pairwise(ranked)
        if better.standing == worse.standing
    )

    winners, losers = ranked[:quantity], ranked[quantity:]
    price: int | None = None
    if winners and rules.price_rule == "second_price":
        if not losers:
            price = floor
        else:
            increment = rules.bid_increment or 1
            highest_loser = max(entry.amount for entry in losers)
            lowest_winner = min(entry.amount for entry in winners)
            price = max(min(highest_loser + increment, lowest_winner), floor)
    awards = tuple(
        Award(bid_id=entry.bid.bid_id, user_id=entry.bid.user_id, price=entry.amount if price is None else price)
        for entry in winners
    )
    return Resolution(
        awards=awards,
        ranking=tuple(entry.bid.bid_id for entry in ranked),
        price=price,
        tie_breaks=tie_breaks,
        draws=draws,
    )


@dataclass(frozen=True)
class _Entry:
    """A bid as the resolver weighs it: its effective amount, tag rank and time in UTC."""

    bid: Bid
    amount: int
    tag_rank: int  # 1 for a main when mains outrank alts and boxes, else 0
    placed_at: dt.datetime

    @classmethod
    def of(cls, bid: Bid, rules: Rules) -> _Entry:
        cap = rules.tag_caps.get(bid.tag)
        # Bids are checked against the cap when placed; clamping again keeps a stale bid from
        # outbidding the cap after the rules were copied.
        amount = bid.amount if cap is None else min(bid.amount, cap)
        tag_rank = 1 if rules.mains_outrank and bid.tag == "main" else 0
        return cls(bid=bid, amount=amount, tag_rank=tag_rank, placed_at=_utc(bid.placed_at))

    @property
    def standing(self) -> tuple[int, int]:
        """What a tie-break is needed to separate: tag rank and effective amount."""
        return (self.tag_rank, self.amount)

    @property
    def pre_draw_key(self) -> tuple[object, ...]:
        return (self.tag_rank, self.amount, self.bid.attendance_30, self.placed_at)

    def rank_key(self, number: float) -> tuple[int, int, Decimal, dt.datetime, float, int]:
        # Best first: negate what ranks higher when larger. The bid id only settles a draw of
        # two identical numbers, which a 53-bit float makes vanishingly rare.
        return (-self.tag_rank, -self.amount, -self.bid.attendance_30, self.placed_at, -number, self.bid.bid_id)


def _tie_break(better: _Entry, worse: _Entry, seed: int) -> TieBreak:
    first, second = better.bid, worse.bid
    if first.attendance_30 != second.attendance_30:
        decided_by = "attendance"
        detail = (
            f"{first.name}'s 30-day attendance {first.attendance_30:.2f}% "
            f"beat {second.name}'s {second.attendance_30:.2f}%."
        )
    elif better.placed_at != worse.placed_at:
        decided_by = "earlier_bid"
        first_at, second_at = _clock(better.placed_at, worse.placed_at)
        detail = (
            f"{first.name} and {second.name} tied on amount and attendance; "
            f"{first.name} bid first, at {first_at} UTC, before {second.name} at {second_at} UTC."
        )
    else:
        decided_by = "draw"
        detail = (
            f"{first.name} and {second.name} tied on amount, attendance and time; "
            f"a random draw (seed {seed}) chose {first.name}."
        )
    return TieBreak(winner_bid_id=first.bid_id, loser_bid_id=second.bid_id, decided_by=decided_by, detail=detail)


def _clock(first: dt.datetime, second: dt.datetime) -> tuple[str, str]:
    """Both times as HH:MM:SS, with fractions of a second when whole seconds can't tell them apart."""
    for pattern in ("%H:%M:%S", "%H:%M:%S.%f"):
        shown = (first.strftime(pattern), second.strftime(pattern))
        if shown[0] != shown[1]:
            return shown
    # Same time of day on different dates: say which dates.
    return (first.strftime("%Y-%m-%d %H:%M:%S"), second.strftime("%Y-%m-%d %H:%M:%S"))


def _utc(moment: dt.datetime) -> dt.datetime:
    """An aware UTC time; a naive time is taken to be UTC already (Django stores UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _whole(value: object, default: int) -> int:
    """A whole number from JSON, which may have stored it as an int, a float or a numeric string."""
    if value is None or isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float | str | Decimal):
        return int(value)
    return default
