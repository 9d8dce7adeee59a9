"""Auctions through the services: what members and officers notice — balances, winners, prices, refusals.

Balances from the personas: Olwen (officer), Rhea (recruiter) and Dev (developer) hold 100 points,
Gwen 90, Pip 10; Abe the applicant and Gus the guest hold none and may not bid.
"""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from dkp.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from dkp.loot.models import Auction, AuctionStatus, BidAction, BidHistory, BidStatus, ItemBid, LootDistribution
from dkp.loot.selectors import auction_view, available_balance
from dkp.loot.services import (
    AwardRowsRefused,
    award_loot_batch,
    awards_from_log,
    cancel_auction,
    close_auction,
    close_due_auctions,
    close_if_due,
    extend_auction,
    open_auction,
    open_auctions,
    parse_amount,
    parse_item_lines,
    place_bid,
    reaward_next,
    reverse_distribution,
    withdraw_bid,
)
from dkp.points.models import DkpPool, EntryKind, PointEntry, UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.testing.personas import Guild, make_character

pytestmark = pytest.mark.django_db


def balance(user, pool) -> int:
    return UserPointsSummary.objects.get(user=user, pool=pool).balance


def bid(auction: Auction, user, amount, **kwargs) -> ItemBid:
    return place_bid(auction_id=auction.pk, user=user, amount=amount, channel=kwargs.pop("channel", "web"), **kwargs)


def opened(guild: Guild, item: str = "Cloak of Flames", **kwargs) -> Auction:
    return open_auction(item=item, pool=guild.pool, actor=guild.officer, **kwargs)


# --- parsing what people type ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(50, 50), ("50", 50), ("7", 7), ("1200", 1200), (1_000_000, 1_000_000)],
)
def test_amounts_people_type_are_read_as_whole_points(raw, expected) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (0, "from 1 to 1,000,000"),
        (-5, "from 1 to 1,000,000"),
        ("-5", "from 1 to 1,000,000"),
        ("2.5", "whole number"),
        (2.5, "whole number"),
        (3.0, "whole number"),
        ("+5", "whole number"),
        (" 7 ", "whole number"),
        ("1,200", "whole number"),
        ("abc", "whole number"),
        ("", "whole number"),
        (None, "whole number"),
        (True, "whole number"),
        (10**12, "from 1 to 1,000,000"),
        ("99999999999999999999", "from 1 to 1,000,000"),
        (float("nan"), "whole number"),
        ([50], "whole number"),
    ],
)
def test_bad_amounts_are_refused_with_the_reason(raw, says) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_amount(raw)
    assert says in refused.value.message


def test_item_lines_with_quantities() -> None:
    text = "Cloak of Flames\n2x Veil of Lost Hopes\n\nShiny Brass Idol x3\nRing of the Ancients (2)\n"
    assert parse_item_lines(text) == [
        ("Cloak of Flames", 1),
        ("Veil of Lost Hopes", 2),
        ("Shiny Brass Idol", 3),
        ("Ring of the Ancients", 2),
    ]
    with pytest.raises(InvalidInput, match="at least one item"):
        parse_item_lines("\n  \n")
    with pytest.raises(InvalidInput, match="between 1 and 100"):
        parse_item_lines("Cloak x500")


# --- opening ------------------------------------------------------------------------------------


def test_an_auction_copies_the_pools_rules_when_it_opens(guild: Guild) -> None:
    guild.pool.minimum_bid = 5
    guild.pool.save()
    auction = opened(guild, quantity=2, minutes=3)
    guild.pool.minimum_bid = 50
    guild.pool.save()
    assert auction.rules["minimum_bid"] == 5
    assert auction.status == AuctionStatus.OPEN
    assert (auction.closes_at - auction.opened_at) == dt.timedelta(minutes=3)
    with pytest.raises(InvalidInput, match="minimum bid on this auction is 5"):
        bid(auction, guild.good_member, 4)
    assert bid(auction, guild.good_member, 6).amount == 6


def test_only_officers_open_auctions_and_bad_settings_are_refused(guild: Guild) -> None:
    with pytest.raises(Forbidden):
        open_auction(item="Cloak", pool=guild.pool, actor=guild.good_member)
    with pytest.raises(InvalidInput, match="quantity"):
        opened(guild, quantity=0)
    with pytest.raises(InvalidInput, match="minutes"):
        opened(guild, minutes=99999)
    guild.pool.is_active = False
    guild.pool.save()
    with pytest.raises(Conflict, match="not active"):
        opened(guild)
    assert Auction.objects.count() == 0


def test_several_auctions_open_all_or_none(guild: Guild) -> None:
    auctions = open_auctions(lines=[("Cloak", 1), ("Veil", 2)], pool=guild.pool, actor=guild.officer, minutes=4)
    assert [(a.item.name, a.quantity) for a in auctions] == [("Cloak", 1), ("Veil", 2)]
    with pytest.raises(InvalidInput):
        open_auctions(lines=[("Idol", 1), ("Ring", 0)], pool=guild.pool, actor=guild.officer)
    assert Auction.objects.count() == 2


# --- bidding --------------------------------------------------------------------------------------


def test_place_raise_lower_withdraw_each_leave_history(guild: Guild) -> None:
    auction = opened(guild)
    gwen = guild.good_member
    bid(auction, gwen, 20)
    bid(auction, gwen, 30, channel="api")
    bid(auction, gwen, 25, channel="discord")
    withdrawn = withdraw_bid(auction_id=auction.pk, user=gwen, channel="web")
    assert withdrawn.status == BidStatus.WITHDRAWN
    rows = list(BidHistory.objects.filter(auction=auction).order_by("pk").values_list("action", "amount", "channel"))
    assert rows == [
        (BidAction.PLACED, 20, "web"),
        (BidAction.RAISED, 30, "api"),
        (BidAction.LOWERED, 25, "discord"),
        (BidAction.WITHDRAWN, 25, "web"),
    ]
    assert ItemBid.objects.filter(auction=auction).count() == 1
    assert balance(gwen, guild.pool) == 90  # bidding alone charges nothing


def test_a_bid_over_the_available_balance_says_what_is_available(guild: Guild) -> None:
    first, second = opened(guild, "Cloak"), opened(guild, "Veil")
    bid(first, guild.good_member, 60)
    with pytest.raises(Conflict) as refused:
        bid(second, guild.good_member, 31)
    assert refused.value.code == "insufficient_balance"
    assert "You have 30 points available in Main (60 held by your bids on other open auctions)" in refused.value.message
    rejected = BidHistory.objects.get(auction=second, action=BidAction.REJECTED)
    assert (rejected.amount, rejected.user, rejected.channel) == (31, guild.good_member, "web")
    assert "30 points available" in rejected.reason
    assert not ItemBid.objects.filter(auction=second).exists()
    assert bid(second, guild.good_member, 30).amount == 30
    # Raising the first bid counts only the other auctions' holds, not its own old amount.
    with pytest.raises(Conflict, match="You have 60 points available"):
        bid(first, guild.good_member, 61)
    assert available_balance(user_id=guild.good_member.pk, pool_id=guild.pool.pk) == 0


@pytest.mark.parametrize(
    ("who", "error"),
    [("applicant", Forbidden), ("guest", Forbidden)],
)
def test_applicants_and_guests_may_not_bid(guild: Guild, who: str, error: type) -> None:
    auction = opened(guild)
    person = guild.everyone()[who]
    with pytest.raises(error):
        bid(auction, person, 1)
    assert BidHistory.objects.get(auction=auction, user=person).action == BidAction.REJECTED
    assert not ItemBid.objects.exists()


def test_rules_on_increment_caps_and_characters(guild: Guild) -> None:
    guild.pool.bid_increment = 5
    guild.pool.tag_caps = {"alt": 10, "box": 5}
    guild.pool.save()
    make_character("Gwenalt", guild.good_member).__class__.objects.filter(name="Gwenalt").update(tag="alt")
    auction = opened(guild)
    with pytest.raises(InvalidInput, match="steps of 5: try 20 or 25"):
        bid(auction, guild.good_member, 22)
    with pytest.raises(InvalidInput, match="An alt bid can be at most 10"):
        bid(auction, guild.good_member, 15, character_name="Gwenalt")
    with pytest.raises(InvalidInput, match="not one of your characters"):
        bid(auction, guild.good_member, 10, character_name="Pipperel")
    placed = bid(auction, guild.good_member, 10, character_name="gwenalt")
    assert (placed.character_name, placed.tag) == ("Gwenalt", "alt")
    with pytest.raises(InvalidInput, match="main, alt or box"):
        bid(auction, guild.good_member, 10, tag="raid")
    assert BidHistory.objects.filter(auction=auction, action=BidAction.REJECTED).count() == 4


def test_the_same_bid_twice_is_refused_and_changes_nothing(guild: Guild) -> None:
    auction = opened(guild)
    first = bid(auction, guild.good_member, 20)
    with pytest.raises(Conflict, match="You already bid 20 on this auction"):
        bid(auction, guild.good_member, "20")
    first_time = first.amount_set_at
    first.refresh_from_db()
    assert (first.amount, first.amount_set_at) == (20, first_time)


def test_bids_on_unknown_cancelled_and_closed_auctions(guild: Guild) -> None:
    with pytest.raises(NotFound, match="no auction 999"):
        bid(Auction(pk=999), guild.good_member, 5)
    cancelled = opened(guild)
    cancel_auction(auction_id=cancelled.pk, actor=guild.officer, reason="wrong item")
    with pytest.raises(Conflict, match="cancelled"):
        bid(cancelled, guild.good_member, 5)
    closed = opened(guild)
    close_auction(auction_id=closed.pk, actor=guild.officer, early=True)
    with pytest.raises(Conflict, match=r"closed at .*takes no more bids"):
        bid(closed, guild.good_member, 5)
    assert BidHistory.objects.filter(action=BidAction.REJECTED).count() == 2


# --- closing --------------------------------------------------------------------------------------


def test_second_price_winner_pays_the_runner_up_plus_one(guild: Guild) -> None:
    auction = opened(guild)
    bid(auction, guild.good_member, 50)
    bid(auction, guild.developer, 30)
    bid(auction, guild.poor_member, 5)
    closed = close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    assert closed.status == AuctionStatus.AWARDED
    award = LootDistribution.objects.get(auction=auction)
    assert (award.user, award.price, award.character_name) == (guild.good_member, 31, "Gwendolyn")
    assert balance(guild.good_member, guild.pool) == 90 - 31
    assert balance(guild.developer, guild.pool) == 100
    statuses = dict(ItemBid.objects.filter(auction=auction).values_list("user__username", "status"))
    assert statuses == {"gwen": "won", "dev": "lost", "pip": "lost"}
    assert summary_differences() == []


def test_no_bids_means_the_item_rots_and_nobody_pays(guild: Guild) -> None:
    auction = opened(guild)
    closed = close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    assert closed.status == AuctionStatus.ROTTED
    assert not LootDistribution.objects.exists()
    assert not PointEntry.objects.filter(kind=EntryKind.LOOT).exists()


def test_frozen_time_closing_the_task_the_sweep_and_the_lazy_read(guild: Guild) -> None:
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        auction = opened(guild, minutes=5)
        bid(auction, guild.good_member, 40)
        clock.shift(dt.timedelta(minutes=4, seconds=59))
        assert close_auction(auction_id=auction.pk, actor=None).status == AuctionStatus.OPEN
        assert close_due_auctions() == 0
        assert auction_view(auction=auction, viewer=guild.good_member).seconds_left == 1
        bid(auction, guild.good_member, 45)  # still open one second before the end
        clock.shift(dt.timedelta(seconds=1))
        read = close_if_due(Auction.objects.get(pk=auction.pk))
        assert read.status == AuctionStatus.AWARDED
        assert read.closed_at == start + dt.timedelta(minutes=5)
        # The scheduled task and the sweep arriving afterwards change nothing.
        assert close_auction(auction_id=auction.pk, actor=None).status == AuctionStatus.AWARDED
        assert close_due_auctions() == 0
    assert LootDistribution.objects.filter(auction=auction).count() == 1
    assert PointEntry.objects.filter(kind=EntryKind.LOOT).count() == 1
    assert balance(guild.good_member, guild.pool) == 90 - 1  # unopposed: pays the minimum bid


def test_a_bid_arriving_after_the_time_closes_the_auction_and_is_refused(guild: Guild) -> None:
    auction = opened(guild, minutes=1)
    bid(auction, guild.developer, 10)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)), pytest.raises(Conflict, match="no more bids"):
        bid(auction, guild.good_member, 80)
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.AWARDED
    assert LootDistribution.objects.get(auction=auction).user == guild.developer


def test_ties_are_broken_by_attendance_and_the_reason_is_kept(guild: Guild) -> None:
    refresh_attendance_summaries()
    auction = opened(guild)
    bid(auction, guild.poor_member, 10)  # first, but 10% attendance
    bid(auction, guild.good_member, 10)  # later, 90% attendance
    close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    view = auction_view(auction=Auction.objects.get(pk=auction.pk), viewer=guild.poor_member)
    assert [line.distribution.user for line in view.winners] == [guild.good_member]
    assert view.winners[0].distribution.price == 10  # second price capped at the winner's own bid
    assert len(view.tie_breaks) == 1
    assert "attendance" in view.tie_breaks[0]


def test_quantity_two_both_winners_pay_the_same_price(guild: Guild) -> None:
    auction = opened(guild, quantity=2)
    bid(auction, guild.officer, 70)
    bid(auction, guild.developer, 40)
    bid(auction, guild.good_member, 25)
    close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    awards = dict(LootDistribution.objects.filter(auction=auction).values_list("user__username", "price"))
    assert awards == {"olwen": 26, "dev": 26}


def test_a_winner_whose_balance_fell_pays_only_what_is_left(guild: Guild) -> None:
    from dkp.points.services import adjust_points

    auction = opened(guild)
    bid(auction, guild.good_member, 80)
    bid(auction, guild.developer, 70)
    adjust_points(user=guild.good_member, pool=guild.pool, amount=-50, reason="penalty", actor=guild.officer)
    close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    award = LootDistribution.objects.get(auction=auction)
    assert award.user == guild.developer  # Gwen's 80 counted as the 40 she had left
    assert award.price == 41
    assert balance(guild.good_member, guild.pool) == 40
    outcome = Auction.objects.get(pk=auction.pk).outcome
    assert outcome["passed_over"] == ["Gwendolyn's bid of 80 counted as 40, all they had left."]


def test_extend_and_cancel(guild: Guild) -> None:
    auction = opened(guild, minutes=2)
    before = auction.closes_at
    extended = extend_auction(auction_id=auction.pk, actor=guild.officer, minutes=5)
    assert extended.closes_at == before + dt.timedelta(minutes=5)
    with pytest.raises(Forbidden):
        extend_auction(auction_id=auction.pk, actor=guild.good_member, minutes=5)
    bid(auction, guild.good_member, 30)
    cancel_auction(auction_id=auction.pk, actor=guild.officer, reason="dropped twice")
    assert ItemBid.objects.get(auction=auction).status == BidStatus.LOST
    assert balance(guild.good_member, guild.pool) == 90
    assert available_balance(user_id=guild.good_member.pk, pool_id=guild.pool.pk) == 90
    with pytest.raises(Conflict, match="cancelled"):
        extend_auction(auction_id=auction.pk, actor=guild.officer, minutes=1)
    with pytest.raises(Conflict, match="cancelled"):
        close_auction(auction_id=auction.pk, actor=guild.officer, early=True)


# --- corrections --------------------------------------------------------------------------------


def test_reverse_refunds_and_reaward_goes_to_the_next_bidder(guild: Guild) -> None:
    auction = opened(guild)
    bid(auction, guild.good_member, 50)
    bid(auction, guild.developer, 30)
    bid(auction, guild.poor_member, 8)
    close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    first = LootDistribution.objects.get(auction=auction)
    assert first.price == 31

    second = reaward_next(distribution_id=first.pk, actor=guild.officer, reason="Gwen already has one")
    assert second is not None
    assert (second.user, second.price) == (guild.developer, 9)  # among Dev and Pip: Pip's 8 + 1
    assert balance(guild.good_member, guild.pool) == 90  # refunded
    assert balance(guild.developer, guild.pool) == 100 - 9
    first.refresh_from_db()
    assert first.is_reversed
    assert PointEntry.objects.filter(kind=EntryKind.REVERSAL, loot=first).get().amount == 31

    third = reaward_next(distribution_id=second.pk, actor=guild.officer, reason="Dev passes")
    assert third is not None
    assert (third.user, third.price) == (guild.poor_member, 1)
    assert reaward_next(distribution_id=third.pk, actor=guild.officer, reason="Pip passes") is None
    assert Auction.objects.get(pk=auction.pk).status == AuctionStatus.CLOSED
    charges = PointEntry.objects.filter(kind=EntryKind.LOOT).order_by("pk").values_list("amount", flat=True)
    assert list(charges) == [-31, -9, -1]
    assert summary_differences() == []
    with pytest.raises(Conflict, match="already reversed"):
        reverse_distribution(distribution=third, actor=guild.officer, reason="again")


def test_reaward_needs_a_reason_and_an_officer(guild: Guild) -> None:
    auction = opened(guild)
    bid(auction, guild.good_member, 50)
    close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    award = LootDistribution.objects.get()
    with pytest.raises(InvalidInput, match="Say why"):
        reaward_next(distribution_id=award.pk, actor=guild.officer, reason=" ")
    with pytest.raises(Forbidden):
        reaward_next(distribution_id=award.pk, actor=guild.good_member, reason="mine")
    with pytest.raises(NotFound):
        reaward_next(distribution_id=award.pk + 100, actor=guild.officer, reason="x")
    assert not LootDistribution.objects.get().is_reversed


# --- direct awards --------------------------------------------------------------------------------


LOG = """[Thu Nov 20 21:14:07 2025] --Gwendolyn has looted a Cloak of Flames.--
[Thu Nov 20 21:14:09 2025] --Stranger has looted a Veil of Lost Hopes.--
[Thu Nov 20 21:15:00 2025] You say, 'grats'
"""


def test_loot_log_prefills_awards_with_owners(guild: Guild) -> None:
    rows, problems = awards_from_log(LOG)
    assert [(row.character_name, row.item_name, row.user) for row in rows] == [
        ("Gwendolyn", "Cloak of Flames", guild.good_member),
        ("Stranger", "Veil of Lost Hopes", None),
    ]
    assert rows[0].looted_at is not None
    assert rows[0].looted_at.tzinfo is not None
    assert problems == []
    with pytest.raises(InvalidInput, match="not an EverQuest log"):
        awards_from_log("nothing here")


def test_batch_awards_are_all_or_none(guild: Guild) -> None:
    pool: DkpPool = guild.pool
    done = award_loot_batch(
        lines=[("Gwendolyn", "Cloak of Flames", 40), ("devraxx", "Veil", 25)], pool=pool, actor=guild.officer
    )
    assert [(d.character_name, d.price) for d in done] == [("Gwendolyn", 40), ("Devraxx", 25)]
    assert balance(guild.good_member, pool) == 50
    with pytest.raises(AwardRowsRefused, match=r"Row 2 \(Pipperel\): .*balance below zero") as refused:
        award_loot_batch(lines=[("Gwendolyn", "Idol", 5), ("Pipperel", "Ring", 11)], pool=pool, actor=guild.officer)
    assert (refused.value.status, refused.value.code) == (409, "insufficient_balance")
    with pytest.raises(AwardRowsRefused, match="Row 1: Stranger is not a character anyone owns") as refused:
        award_loot_batch(lines=[("Stranger", "Idol", 5)], pool=pool, actor=guild.officer)
    assert refused.value.status == 422
    assert balance(guild.good_member, pool) == 50
    assert LootDistribution.objects.count() == 2


@pytest.mark.parametrize("raw", ["\uff15\uff10", "\u0665\u0660", "-" + "9" * 30, -(10**30)])
def test_only_plain_digits_count_and_huge_negatives_are_not_echoed(raw) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_amount(raw)
    assert "999999999" not in refused.value.message
    assert "000000000" not in refused.value.message
