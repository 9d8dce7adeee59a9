"""Many bidders at once on PostgreSQL: nobody's bids ever spend more than they have, and each winner pays once.

Real transactions on real connections: ten threads place about a thousand random bids (placing,
raising, lowering, withdrawing, and plenty refused) from fifty members across ten open auctions of
one pool, while a watcher thread keeps checking, in single statements, that no member's live bids
add up to more than their balance. Then several threads close every auction at once, through the
scheduled close, the lazy close on read and the sweep of due auctions, racing each other.

SQLite serialises every write, so these races cannot happen there; the test runs on PostgreSQL only
(``scripts/with-postgres.sh``). The seed of the random choices is in the failure message.
"""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from dkp.core.errors import GuildError
from dkp.core.roles import RoleGroup
from dkp.loot.models import Auction, AuctionStatus, BidAction, BidHistory, BidStatus, Channel, ItemBid, LootDistribution
from dkp.loot.services import close_auction, close_due_auctions, close_if_due, open_auction, place_bid, withdraw_bid
from dkp.points.models import DkpPool, EntryKind, PointEntry, UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.points.services import adjust_points
from dkp.testing.personas import make_user

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent transactions need PostgreSQL (SQLite serialises every write); "
        "run it with scripts/with-postgres.sh",
    ),
    pytest.mark.django_db(transaction=True),
]

MEMBERS = 50
PENNILESS = 5  # members with no points at all (and no summary row until a bid of theirs makes one)
AUCTIONS = 10
BIDDERS = 10
BIDS_PER_BIDDER = 100
# Half the actions come from these few, bidding most of what they have, so one member's bids on
# different auctions race each other for the same points.
HOT_MEMBERS = 4
CLOSERS = 6
JOIN_SECONDS = 300


@dataclass
class Tally:
    """What the threads saw, shared between them under a lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # anything but a GuildError, with its traceback

    def count(self, outcome: str) -> None:
        with self.lock:
            self.outcomes[outcome] += 1

    def escaped(self, where: str) -> None:
        with self.lock:
            self.errors.append(f"{where}: {traceback.format_exc()}")


def overcommitted(pool_id: int) -> list[tuple[int, int, int]]:
    """(user, live bids on open auctions, balance) for every member bidding beyond their balance.

    One statement, so one snapshot: a bid committed halfway through cannot fool it.
    """
    balance = UserPointsSummary.objects.filter(user_id=OuterRef("user_id"), pool_id=pool_id).values("balance")[:1]
    rows = (
        ItemBid.objects.filter(status=BidStatus.LIVE, auction__status=AuctionStatus.OPEN, auction__pool_id=pool_id)
        .values("user_id")
        .annotate(total=Sum("amount"), balance=Coalesce(Subquery(balance), Value(0), output_field=IntegerField()))
        .filter(total__gt=F("balance"))
        .values_list("user_id", "total", "balance")
    )
    return list(rows)


class Watcher(threading.Thread):
    """Samples the overcommit check until told to stop."""

    def __init__(self, pool_id: int, tally: Tally) -> None:
        super().__init__(name="overcommit-watcher", daemon=True)
        self.pool_id, self.tally = pool_id, tally
        self.stop = threading.Event()
        self.samples = 0
        self.violations: list[list[tuple[int, int, int]]] = []

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                found = overcommitted(self.pool_id)
                self.samples += 1
                if found:
                    self.violations.append(found)
                time.sleep(0.002)
        except Exception:
            self.tally.escaped("watcher")
        finally:
            connections.close_all()


def run_threads(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
        assert not thread.is_alive(), f"{thread.name} still running after {JOIN_SECONDS} s: a lock never released?"


def an_amount(rng: random.Random, balance: int, *, greedy: bool) -> object:
    """Mostly a sensible bid for this member, sometimes too much, now and then not a number at all.

    A greedy member bids between a third of everything and a little more than everything.
    """
    roll = rng.random()
    if greedy and roll < 0.9:
        return rng.randint(max(1, balance // 3), balance + 5)
    if roll < 0.55:
        return rng.randint(1, max(1, balance // 3))
    if roll < 0.9:
        return rng.randint(1, balance + 25)
    return rng.choice([0, -3, "1.5", "lots", "", 10**9])


def test_concurrent_bids_never_overcommit_and_racing_closes_charge_each_winner_once() -> None:
    seed = random.SystemRandom().randrange(2**32)
    context = f"(seed {seed})"
    setup = random.Random(seed)

    officer = make_user("olwen", RoleGroup.OFFICER)
    pool = DkpPool.objects.create(name="Main", description="Current raid content")
    members = [make_user(f"member{number:02d}") for number in range(MEMBERS)]
    starting = {}
    for member in members[PENNILESS:]:
        starting[member.pk] = setup.randint(1, 300)
        adjust_points(user=member, pool=pool, amount=starting[member.pk], reason="starting points", actor=officer)
    auctions = [
        open_auction(item=f"Relic {number}", pool=pool, actor=officer, quantity=setup.choice((1, 1, 2)), minutes=60)
        for number in range(AUCTIONS)
    ]
    auction_ids = [auction.pk for auction in auctions]
    assert all(auction.status == AuctionStatus.OPEN for auction in Auction.objects.all()), "opened and still open"
    hot = members[PENNILESS : PENNILESS + HOT_MEMBERS]

    # Phase 1: bidding from ten threads at once, watched. ---------------------------------------
    tally = Tally()
    watcher = Watcher(pool.pk, tally)
    start = threading.Barrier(BIDDERS, timeout=60)

    def bid_at_random(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        try:
            start.wait()
            for _ in range(BIDS_PER_BIDDER):
                greedy = rng.random() < 0.5
                member = rng.choice(hot) if greedy else rng.choice(members)
                auction_id = rng.choice(auction_ids)
                channel = rng.choice(Channel.values)
                try:
                    if rng.random() < (0.25 if greedy else 0.1):
                        withdraw_bid(auction_id=auction_id, user=member, channel=channel)
                        tally.count("withdrawn")
                    else:
                        amount = an_amount(rng, starting.get(member.pk, 0), greedy=greedy)
                        place_bid(auction_id=auction_id, user=member, amount=amount, channel=channel)
                        tally.count("accepted")
                except GuildError as error:
                    tally.count(f"refused: {error.code}")
                except Exception:
                    tally.escaped(f"bidder {index}")
        except Exception:
            tally.escaped(f"bidder {index}")
        finally:
            connections.close_all()

    watcher.start()
    try:
        run_threads([threading.Thread(target=bid_at_random, args=(n,), name=f"bidder-{n}") for n in range(BIDDERS)])
        samples_while_bidding = watcher.samples
        assert tally.errors == [], f"{context} errors escaped the bidders:\n" + "\n".join(tally.errors)
        attempts = BIDDERS * BIDS_PER_BIDDER
        assert sum(tally.outcomes.values()) == attempts, f"{context} {tally.outcomes}"
        assert tally.outcomes["accepted"] >= 150, f"{context} too few bids were accepted to mean much: {tally.outcomes}"
        assert tally.outcomes["refused: insufficient_balance"] > 0, f"{context} nobody ever bid beyond their means"
        assert tally.outcomes["withdrawn"] > 0, f"{context} {tally.outcomes}"

        # Every action, accepted or refused, left exactly one row of Bid History.
        history = Counter(BidHistory.objects.values_list("action", flat=True))
        assert sum(history.values()) == attempts, f"{context} {history}"
        assert history[BidAction.REJECTED] == attempts - tally.outcomes["accepted"] - tally.outcomes["withdrawn"]
        assert history[BidAction.WITHDRAWN] == tally.outcomes["withdrawn"]
        assert history[BidAction.RAISED] > 0, f"{context} {history}"
        assert history[BidAction.LOWERED] > 0, f"{context} {history}"

        assert overcommitted(pool.pk) == [], f"{context} overcommitted once the bidding stopped"
        assert ItemBid.objects.filter(status=BidStatus.LIVE).exists()
        assert not ItemBid.objects.filter(status__in=(BidStatus.WON, BidStatus.LOST)).exists(), "nothing closed yet"

        # Phase 2: every auction's time is up; the scheduled close, the lazy close on read, a late
        # bid (which closes it lazily first) and the sweep all race. ------------------------------
        live = {(bid.auction_id, bid.user_id): bid.amount for bid in ItemBid.objects.filter(status=BidStatus.LIVE)}
        balances = dict(UserPointsSummary.objects.filter(pool=pool).values_list("user_id", "balance"))
        Auction.objects.filter(status=AuctionStatus.OPEN).update(closes_at=F("opened_at"))
        start_closing = threading.Barrier(CLOSERS, timeout=60)
        late_bidder = members[-1]

        def close_at_random(index: int) -> None:
            rng = random.Random(seed * 1000 + BIDDERS + index)
            try:
                start_closing.wait()
                if index == 0:
                    close_due_auctions()
                for auction_id in rng.sample(auction_ids, len(auction_ids)):
                    way = rng.randrange(3)
                    if way == 0:
                        close_auction(auction_id=auction_id, actor=None)
                    elif way == 1:
                        close_if_due(Auction.objects.get(pk=auction_id))
                    else:
                        try:
                            place_bid(auction_id=auction_id, user=late_bidder, amount=1, channel=Channel.WEB)
                            tally.count("late bid accepted")
                        except GuildError as error:
                            tally.count(f"late bid refused: {error.code}")
            except Exception:
                tally.escaped(f"closer {index}")
            finally:
                connections.close_all()

        run_threads([threading.Thread(target=close_at_random, args=(n,), name=f"closer-{n}") for n in range(CLOSERS)])
    finally:
        watcher.stop.set()
        watcher.join(JOIN_SECONDS)
    assert tally.errors == [], f"{context} errors escaped the closers:\n" + "\n".join(tally.errors)
    assert watcher.violations == [], f"{context} the watcher saw live bids beyond a balance: {watcher.violations[:5]}"
    assert samples_while_bidding >= 5, f"{context} the watcher only looked {samples_while_bidding} times"
    assert tally.outcomes["late bid accepted"] == 0, f"{context} a bid got in after closing time"

    # Every auction is decided once, and each winner charged exactly once. ----------------------
    for auction in Auction.objects.filter(pk__in=auction_ids):
        bids = {user_id: amount for (key, user_id), amount in live.items() if key == auction.pk}
        loot = list(LootDistribution.objects.filter(auction=auction))
        winners = [row.user_id for row in loot]
        assert len(winners) == len(set(winners)), f"{context} a winner of {auction} got two awards: {winners}"
        assert len(loot) == min(auction.quantity, len(bids)), f"{context} {auction}: {len(loot)} awards, {bids}"
        assert auction.status == (AuctionStatus.AWARDED if loot else AuctionStatus.ROTTED), f"{context} {auction}"
        assert sorted(line["distribution_id"] for line in auction.outcome["winners"]) == sorted(r.pk for r in loot)
        statuses = dict(auction.bids.values_list("user_id", "status"))
        for user_id in bids:
            assert statuses[user_id] == (BidStatus.WON if user_id in winners else BidStatus.LOST), f"{context}"
        for row in loot:
            assert 1 <= row.price <= bids[row.user_id], f"{context} {row} paid more than the bid {bids[row.user_id]}"
    assert not ItemBid.objects.filter(status=BidStatus.LIVE).exists(), f"{context} a bid still live after closing"

    debits = Counter(PointEntry.objects.filter(kind=EntryKind.LOOT).values_list("loot_id", flat=True))
    prices = dict(LootDistribution.objects.values_list("pk", "price"))
    assert prices, f"{context} nobody won anything"
    assert debits == Counter(prices.keys()), f"{context} loot debits {debits} for awards {sorted(prices)}"
    for loot_id, amount in PointEntry.objects.filter(kind=EntryKind.LOOT).values_list("loot_id", "amount"):
        assert loot_id is not None
        assert amount == -prices[loot_id], f"{context} award {loot_id} charged {amount}"
    charged: Counter[int] = Counter()
    for user_id, price in LootDistribution.objects.values_list("user_id", "price"):
        charged[user_id] += price
    after = dict(UserPointsSummary.objects.filter(pool=pool).values_list("user_id", "balance"))
    for user_id, balance in after.items():
        assert balance == balances.get(user_id, 0) - charged[user_id], f"{context} user {user_id}"
        assert balance >= 0, f"{context} user {user_id} ended below zero"
    assert summary_differences() == [], context
    call_command("reconcile_points")  # exits with an error on any difference
