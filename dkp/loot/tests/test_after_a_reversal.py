"""After a reversal the officer gives the copy to the next bidder, to someone they name, or up for bids again.

Balances from the personas: Gwen holds 90 points, Dev 100, Pip 10 in the pool "Main". In each test
Gwen (30), Dev (20) and Pip (8) bid and Gwen wins, paying Dev's 20 + 1 = 21.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dkp.accounts.models import User
from dkp.core.errors import Conflict, Forbidden, InvalidInput
from dkp.loot import services
from dkp.loot.models import Auction, AuctionStatus, BidStatus, Channel, ItemBid, LootDistribution
from dkp.points.models import EntryKind, PointEntry, UserPointsSummary
from dkp.testing.browser import skip_without_chromium
from dkp.testing.personas import Guild

CONSOLE = reverse("loot_officer:console")


def balance(user: User, guild: Guild) -> int:
    return UserPointsSummary.objects.get(user=user, pool=guild.pool).balance


def gwen_won(guild: Guild) -> tuple[Auction, LootDistribution]:
    auction = services.open_auction(item="Cloak of Flames", pool=guild.pool, actor=guild.officer, minutes=5)
    for user, amount in ((guild.good_member, 30), (guild.developer, 20), (guild.poor_member, 8)):
        services.place_bid(auction_id=auction.pk, user=user, amount=amount, channel=Channel.WEB)
    services.close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    distribution = LootDistribution.objects.get(auction=auction)
    assert (distribution.user, distribution.price) == (guild.good_member, 21)
    return auction, distribution


def reversed_award(guild: Guild) -> tuple[Auction, LootDistribution]:
    auction, distribution = gwen_won(guild)
    services.reverse_distribution(distribution=distribution, actor=guild.officer, reason="wrong class")
    return auction, distribution


def ledger(user: User) -> list[tuple[str, int]]:
    return list(
        PointEntry.objects.filter(user=user)
        .exclude(kind=EntryKind.ATTENDANCE)
        .values_list("kind", "amount")
        .order_by("pk")
    )


# --- the refunded winner ---------------------------------------------------------------------------


def test_the_reversed_winner_shows_as_refunded_not_lost(client: Client, guild: Guild) -> None:
    auction, _ = reversed_award(guild)
    assert ItemBid.objects.get(auction=auction, user=guild.good_member).status == BidStatus.REFUNDED
    assert ItemBid.objects.get(auction=auction, user=guild.developer).status == BidStatus.LOST
    client.force_login(guild.good_member)
    page = client.get(reverse("loot:detail", args=[auction.pk]))
    gwen = '<a class="character" href="/characters/Gwendolyn/">Gwendolyn</a>'
    row = f'<tr class="bid-refunded mine"><td>{gwen}</td><td>Main</td><td class="num">30</td>'
    assert row + '<td class="opt">Refunded</td></tr>' in page.text
    assert "an officer took the award back: the points you paid are refunded" in page.text
    assert "You didn&#x27;t win this one." not in page.text
    assert balance(guild.good_member, guild) == 90


# --- award to someone else ------------------------------------------------------------------------


def test_after_a_reversal_the_copy_goes_to_the_member_the_officer_names(guild: Guild) -> None:
    auction, distribution = reversed_award(guild)
    given = services.award_to_someone_else(
        distribution_id=distribution.pk,
        character_name="pipperel",
        price="7",
        actor=guild.officer,
        reason="Pip needs it",
    )
    assert (given.user, given.character_name, given.price, given.auction_id) == (
        guild.poor_member,
        "Pipperel",
        7,
        auction.pk,
    )
    assert (balance(guild.good_member, guild), balance(guild.poor_member, guild), balance(guild.developer, guild)) == (
        90,
        3,
        100,
    )
    assert ledger(guild.good_member) == [("loot", -21), ("reversal", 21)]
    assert ledger(guild.poor_member) == [("loot", -7)]
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.AWARDED
    assert auction.outcome["reawards"][-1] | {"at": ""} == {
        "from": "Gwendolyn",
        "to": "Pipperel",
        "price": 7,
        "reason": "Pip needs it",
        "by": "Olwen",
        "at": "",
    }
    assert ItemBid.objects.get(auction=auction, user=guild.poor_member).status == BidStatus.WON
    # the one copy is taken: nothing more can be given from this award
    with pytest.raises(Conflict, match="already awarded or up for bids again"):
        services.award_to_someone_else(
            distribution_id=distribution.pk, character_name="Devraxx", price="1", actor=guild.officer, reason="x"
        )


def test_award_to_someone_else_reverses_a_standing_award_in_the_same_step(guild: Guild) -> None:
    _, distribution = gwen_won(guild)
    services.award_to_someone_else(
        distribution_id=distribution.pk, character_name="Devraxx", price="0", actor=guild.officer, reason="gift"
    )
    assert balance(guild.good_member, guild) == 90
    assert balance(guild.developer, guild) == 100
    assert LootDistribution.objects.get(pk=distribution.pk).is_reversed


@pytest.mark.parametrize(
    ("character", "price", "error", "message"),
    [
        ("Zzyzxar", "5", InvalidInput, "Zzyzxar is not a character anyone owns"),
        ("Pipperel", "11", Conflict, "Pip has 10 points in Main; a price of 11 would take the balance below zero."),
        ("Pipperel", "lots", InvalidInput, "A price must be a whole number"),
        ("", "5", InvalidInput, "Name the character who gets it"),
    ],
)
def test_award_to_someone_else_refuses_and_changes_nothing(
    guild: Guild, character: str, price: str, error: type[Exception], message: str
) -> None:
    _, distribution = gwen_won(guild)
    with pytest.raises(error, match=message):
        services.award_to_someone_else(
            distribution_id=distribution.pk, character_name=character, price=price, actor=guild.officer, reason="x"
        )
    assert not LootDistribution.objects.get(pk=distribution.pk).is_reversed  # the refund rolled back too
    assert balance(guild.good_member, guild) == 90 - 21


def test_only_officers_give_loot_to_someone_else(guild: Guild) -> None:
    _, distribution = reversed_award(guild)
    with pytest.raises(Forbidden):
        services.award_to_someone_else(
            distribution_id=distribution.pk, character_name="Gwendolyn", price="0", actor=guild.good_member, reason="x"
        )


# --- re-open -------------------------------------------------------------------------------------


def test_after_a_reversal_the_copy_goes_up_for_bids_again_in_the_same_pool(guild: Guild) -> None:
    auction, distribution = reversed_award(guild)
    reopened = services.reopen_for_bids(distribution_id=distribution.pk, actor=guild.officer, reason="nobody wants it")
    assert (reopened.item_id, reopened.pool_id, reopened.quantity, reopened.status) == (
        auction.item_id,
        auction.pool_id,
        1,
        AuctionStatus.OPEN,
    )
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.CLOSED  # nobody holds the old auction's copy
    assert auction.outcome["reopened"][0]["auction_id"] == reopened.pk
    assert balance(guild.good_member, guild) == 90
    assert ledger(guild.good_member) == [("loot", -21), ("reversal", 21)]
    # the new auction runs like any: Dev wins it and pays
    services.place_bid(auction_id=reopened.pk, user=guild.developer, amount=12, channel=Channel.WEB)
    services.close_auction(auction_id=reopened.pk, actor=guild.officer, early=True)
    assert LootDistribution.objects.get(auction=reopened).user == guild.developer
    assert balance(guild.developer, guild) == 100 - 1  # alone: the minimum bid
    # the old copy is the new auction's now: nothing else can be done with it
    with pytest.raises(Conflict, match="already awarded or up for bids again"):
        services.reaward_next(distribution_id=distribution.pk, actor=guild.officer, reason="x")
    with pytest.raises(Conflict, match="already awarded or up for bids again"):
        services.reopen_for_bids(distribution_id=distribution.pk, actor=guild.officer, reason="again")
    assert Auction.objects.count() == 2


def test_reopening_a_direct_award_is_refused(guild: Guild) -> None:
    direct = services.award_loot(
        item=services.item_named("Idol"),
        pool=guild.pool,
        winner=guild.good_member,
        character_name="Gwendolyn",
        price=5,
        actor=guild.officer,
    )
    with pytest.raises(Conflict, match="direct award"):
        services.reopen_for_bids(distribution_id=direct.pk, actor=guild.officer, reason="x")
    assert not LootDistribution.objects.get(pk=direct.pk).is_reversed


# --- the console card ----------------------------------------------------------------------------


def test_the_card_of_a_reversed_award_offers_next_bidder_someone_else_and_re_open(client: Client, guild: Guild) -> None:
    _, distribution = reversed_award(guild)
    client.force_login(guild.officer)
    page = client.get(CONSOLE)
    assert reverse("loot_officer:reaward", args=[distribution.pk]) in page.text
    assert reverse("loot_officer:award_elsewhere", args=[distribution.pk]) in page.text
    assert reverse("loot_officer:reopen", args=[distribution.pk]) in page.text
    assert reverse("loot_officer:reverse", args=[distribution.pk]) not in page.text  # refunded already
    assert '<span class="badge">refunded</span>' in page.text


def test_the_console_gives_the_copy_to_someone_else(client: Client, guild: Guild) -> None:
    _, distribution = reversed_award(guild)
    client.force_login(guild.officer)
    response = client.post(
        reverse("loot_officer:award_elsewhere", args=[distribution.pk]),
        {"character": "Devraxx", "price": "15", "reason": "Dev's turn"},
    )
    assert response.status_code == 302
    assert "Gave Cloak of Flames to Devraxx for 15." in client.get(response["Location"]).text
    assert balance(guild.developer, guild) == 85
    assert ledger(guild.developer) == [("loot", -15)]
    # the copy is taken: the card offers nothing more for the refunded award
    page = client.get(CONSOLE)
    assert reverse("loot_officer:award_elsewhere", args=[distribution.pk]) not in page.text
    assert "Re-awarded from Gwendolyn to Devraxx for 15 by Olwen: Dev&#x27;s turn" in page.text


def test_the_console_refuses_someone_else_over_their_balance_and_says_why(client: Client, guild: Guild) -> None:
    _, distribution = reversed_award(guild)
    client.force_login(guild.officer)
    page = client.post(
        reverse("loot_officer:award_elsewhere", args=[distribution.pk]),
        {"character": "Pipperel", "price": "50", "reason": "x"},
    )
    assert page.status_code == 409
    assert "Pip has 10 points in Main; a price of 50 would take the balance below zero." in page.text
    assert balance(guild.poor_member, guild) == 10


def test_the_console_re_opens_the_copy(client: Client, guild: Guild) -> None:
    auction, distribution = reversed_award(guild)
    client.force_login(guild.officer)
    response = client.post(
        reverse("loot_officer:reopen", args=[distribution.pk]), {"minutes": "10", "reason": "bid again"}
    )
    assert response.status_code == 302
    reopened = Auction.objects.exclude(pk=auction.pk).get()
    assert f"Cloak of Flames is up for bids again in Main (auction #{reopened.pk})." in client.get(CONSOLE).text
    assert (reopened.closes_at - reopened.opened_at).total_seconds() == 600
    assert reopened.raid_id == auction.raid_id


def test_opening_a_correction_by_address_goes_back_to_the_console(client: Client, guild: Guild) -> None:
    _, distribution = reversed_award(guild)
    client.force_login(guild.officer)
    for name in ("award_elsewhere", "reopen"):
        response = client.get(reverse(f"loot_officer:{name}", args=[distribution.pk]))
        assert (response.status_code, response["Location"]) == (302, CONSOLE)
    client.force_login(guild.good_member)
    assert client.post(reverse("loot_officer:reopen", args=[distribution.pk]), {"reason": "x"}).status_code == 403
    assert Auction.objects.count() == 1


# --- in a browser --------------------------------------------------------------------------------


@pytest.mark.browser
@skip_without_chromium
def test_on_a_phone_an_officer_gives_a_refunded_copy_to_someone_else(page, live_server, transactional_db) -> None:
    from dkp.testing.personas import build_guild

    guild = build_guild()
    _, distribution = reversed_award(guild)
    session = Client()
    session.force_login(guild.officer)
    page.context.add_cookies(
        [{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(live_server.url + CONSOLE)
    award = page.locator(f"#award-{distribution.pk}")
    assert "refunded" in award.inner_text()
    award.locator("summary", has_text="Someone else").click()
    award.get_by_label("Character who gets Cloak of Flames instead").fill("Devraxx")
    award.get_by_label("Price for Cloak of Flames (0 gives it away)").fill("15")
    award.get_by_label("Reason for giving Cloak of Flames to someone else").fill("Dev's turn")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    award.get_by_role("button", name="Award").click()
    page.wait_for_selector("text=Gave Cloak of Flames to Devraxx for 15.")
    assert balance(guild.developer, guild) == 85
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
