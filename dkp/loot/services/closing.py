"""Closing auctions (the resolver picks winners and prices, awards debit the ledger) and re-awarding."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from dkp.core.db import retry_if_deadlocked
from dkp.core.errors import Conflict, InvalidInput, NotFound
from dkp.core.roles import Capability, require
from dkp.loot import resolver
from dkp.loot.models import Auction, AuctionStatus, BidStatus, ItemBid, LootDistribution
from dkp.loot.selectors import held_by_users
from dkp.loot.services.auctions import locked_auction, not_open
from dkp.loot.services.awards import award_loot_in_transaction, copies_free, reverse_distribution_in_transaction
from dkp.points.models import UserPointsSummary
from dkp.points.services import locked_summary

if TYPE_CHECKING:
    from dkp.accounts.models import User


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


def _locked_summaries(
    auction: Auction, candidates: list[ItemBid]
) -> tuple[dict[int, UserPointsSummary], dict[int, int]]:
    """The bidders' summaries in the pool, locked in user order in one statement, and by user the
    points their live bids hold on the pool's other open auctions.

    The held points are read by a statement of their own after the lock: on PostgreSQL a subquery
    inside the locking SELECT would see the bids as they were before a transaction it waited for.
    """
    users = sorted({bid.user_id for bid in candidates})
    rows = UserPointsSummary.objects.select_for_update().filter(pool_id=auction.pool_id, user_id__in=users)
    summaries: dict[int, UserPointsSummary] = {summary.user_id: summary for summary in rows.order_by("user_id")}
    for bid in candidates:  # a bidder without a summary row yet has one made
        if bid.user_id not in summaries:
            summaries[bid.user_id] = locked_summary(user=bid.user, pool=auction.pool)
    return summaries, held_by_users(user_ids=users, pool_id=auction.pool_id, excluding_auction_id=auction.pk)


def _contest(auction: Auction, candidates: list[ItemBid], *, quantity: int) -> _Contest:
    """Lock the bidders' summaries, count each bid as at most what they can still pay, resolve."""
    summaries, held = _locked_summaries(auction, candidates)
    attendance = _attendance_30({bid.user_id for bid in candidates}, auction.pool_id)
    rules = resolver.Rules.from_json(auction.rules)
    inputs, notes = [], []
    for bid in candidates:
        can_pay = summaries[bid.user_id].balance - held.get(bid.user_id, 0)
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


def _award(
    auction: Auction, contest: _Contest, awards: Sequence[resolver.Award], actor: User | None, *, mark_won: bool = True
) -> list[dict]:
    """Award and charge each winner. ``mark_won=False``: the caller marks the winning bids itself (a
    close does, with the losing ones, in one statement)."""
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
        if mark_won:
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
    locked = Auction.objects.select_for_update(of=("self",)).select_related("item", "pool", "raid")
    auction = locked.filter(pk=auction_id).first() or locked_auction(auction_id)  # that one says there is none
    now = timezone.now()
    if auction.status != AuctionStatus.OPEN:
        if early:
            raise not_open(auction)
        return auction
    if not early and auction.closes_at > now:
        return auction
    live = list(auction.bids.filter(status=BidStatus.LIVE).select_related("user").order_by("pk"))
    contest = _contest(auction, live, quantity=auction.quantity)
    winners = _award(auction, contest, contest.resolution.awards, actor, mark_won=False)
    won = [line["bid_id"] for line in winners]
    # Winners won and every other live bid lost, in one statement.
    auction.bids.filter(status=BidStatus.LIVE).update(
        status=Case(When(pk__in=won, then=Value(BidStatus.WON)), default=Value(BidStatus.LOST)), updated_at=now
    )
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


def auction_of_award(distribution_id: int, *, direct: str) -> int:
    """The id of the auction an award came from; 404 for no such award, 409 (saying ``direct``) for a direct one."""
    found = LootDistribution.objects.filter(pk=distribution_id).values_list("auction_id", flat=True).first()
    if found is None and not LootDistribution.objects.filter(pk=distribution_id).exists():
        raise NotFound(f"There is no loot award {distribution_id}.", code="loot_not_found")
    if found is None:
        raise Conflict(direct, code="direct_award")
    return found


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
    found = auction_of_award(
        distribution_id, direct="This was a direct award with no other bidders; reverse it and award the item by hand."
    )
    auction = locked_auction(found)
    auction = Auction.objects.select_related("item", "pool", "raid").get(pk=auction.pk)
    distribution = LootDistribution.objects.select_for_update().get(pk=distribution_id)
    if not distribution.is_reversed:
        reverse_distribution_in_transaction(distribution=distribution, actor=actor, reason=reason)
    given = LootDistribution.objects.filter(auction=auction)
    passed = set(given.filter(is_reversed=True).values_list("user_id", flat=True))
    holding = set(given.filter(is_reversed=False).values_list("user_id", flat=True))
    free = copies_free(auction)
    if free <= 0:
        raise Conflict(
            f"Every copy of {auction.item.name} from this auction is already awarded or up for bids again.",
            code="fully_awarded",
        )
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
