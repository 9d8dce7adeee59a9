"""The busiest loot writes ask the database a fixed, small number of statements (issue 19's budget):
a bid at most 6, closing an auction the same count whatever its number of bids, and each still
writes what it should. (A tick's budget: dkp/raids/tests/test_tick_statements.py.)

Statements leave out transaction control (BEGIN, COMMIT, savepoints): SQLite's driver shows
those to Django and psycopg does not, so this is the same number on both databases.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dkp.loot.models import Auction, BidHistory, BidStatus, Channel, ItemBid, LootDistribution
from dkp.loot.services import close_due_auctions, open_auction, place_bid
from dkp.points.services import adjust_points
from dkp.testing.personas import Guild, make_user

pytestmark = pytest.mark.django_db

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def statements(captured: CaptureQueriesContext) -> list[str]:
    """The statements of a step, without transaction control."""
    return [q["sql"] for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith(_CONTROL)]


def _past_its_time(auction: Auction) -> None:
    now = timezone.now()
    Auction.objects.filter(pk=auction.pk).update(
        opened_at=now - dt.timedelta(minutes=10), closes_at=now - dt.timedelta(seconds=1)
    )


def test_a_raised_bid_takes_at_most_six_statements_and_is_recorded(guild: Guild) -> None:
    auction = open_auction(item="Cloak of Flames", pool=guild.pool, actor=guild.officer, minutes=10)
    place_bid(auction_id=auction.pk, user=guild.good_member, amount=10, channel=Channel.WEB)
    gwen = type(guild.good_member).objects.select_related("main_character").get(pk=guild.good_member.pk)

    with CaptureQueriesContext(connection) as captured:
        place_bid(auction_id=auction.pk, user=gwen, amount=20, channel=Channel.WEB)

    assert len(statements(captured)) <= 6, "\n".join(statements(captured))
    bid = ItemBid.objects.get(auction=auction, user=gwen)
    assert (bid.amount, bid.status) == (20, BidStatus.LIVE)
    assert list(BidHistory.objects.filter(auction=auction).order_by("pk").values_list("action", "amount")) == [
        ("placed", 10),
        ("raised", 20),
    ]


def test_a_bid_past_the_auctions_time_closes_it_and_is_refused_as_too_late(guild: Guild) -> None:
    auction = open_auction(item="Cloak of Flames", pool=guild.pool, actor=guild.officer, minutes=10)
    place_bid(auction_id=auction.pk, user=guild.good_member, amount=10, channel=Channel.WEB)
    _past_its_time(auction)

    with pytest.raises(Exception, match="closed at") as refused:
        place_bid(auction_id=auction.pk, user=guild.poor_member, amount=15, channel=Channel.WEB)

    assert getattr(refused.value, "code", "") == "auction_closed"
    assert Auction.objects.get(pk=auction.pk).status == "awarded"
    assert LootDistribution.objects.get(auction=auction).user == guild.good_member
    rejected = BidHistory.objects.get(auction=auction, user=guild.poor_member)
    assert (rejected.action, rejected.amount) == ("rejected", 15)


def test_closing_takes_the_same_statements_for_two_bids_as_for_six(guild: Guild) -> None:
    bidders = [make_user(f"bidder{i}") for i in range(6)]
    for person in bidders:
        adjust_points(user=person, pool=guild.pool, amount=100, reason="start", actor=guild.officer)

    def close_with(count: int) -> tuple[int, Auction]:
        auction = open_auction(item=f"Drop {count}", pool=guild.pool, actor=guild.officer, minutes=10)
        for step, person in enumerate(bidders[:count]):
            place_bid(auction_id=auction.pk, user=person, amount=10 + step, channel=Channel.API)
        _past_its_time(auction)
        with CaptureQueriesContext(connection) as captured:
            assert close_due_auctions() == 1
        return len(statements(captured)), Auction.objects.get(pk=auction.pk)

    two, first = close_with(2)
    six, second = close_with(6)
    assert two == six <= 12
    for auction, count in ((first, 2), (second, 6)):
        statuses = sorted(ItemBid.objects.filter(auction=auction).values_list("status", flat=True))
        assert statuses == sorted(["won"] + ["lost"] * (count - 1))
        assert LootDistribution.objects.get(auction=auction).user == bidders[count - 1]  # the highest bid
