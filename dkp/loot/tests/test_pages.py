"""The auction pages as members, officers and outsiders see them: the list, one auction, the bid form.

Balances from the personas: Gwen (member) holds 90 points, Pip (member) 10, Olwen (officer) 100;
Abe the applicant and Gus the guest hold none and may not bid.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dkp.loot.models import Auction, AuctionStatus, BidAction, BidHistory, ItemBid, LootDistribution
from dkp.loot.services import close_auction, open_auction, place_bid
from dkp.points.models import BidVisibility, UserPointsSummary
from dkp.testing.personas import Guild

HX = {"HTTP_HX_REQUEST": "true"}
# Character names are links to the character's page
GWEN = '<a class="character" href="/characters/Gwendolyn/">Gwendolyn</a>'
PIP = '<a class="character" href="/characters/Pipperel/">Pipperel</a>'


def balance(user, pool) -> int:
    return UserPointsSummary.objects.get(user=user, pool=pool).balance


def opened(guild: Guild, item: str = "Cloak of Flames", **kwargs) -> Auction:
    return open_auction(item=item, pool=guild.pool, actor=guild.officer, **kwargs)


def detail_url(auction: Auction) -> str:
    return reverse("loot:detail", args=[auction.pk])


def bid_url(auction: Auction) -> str:
    return reverse("loot:bid", args=[auction.pk])


def withdraw_url(auction: Auction) -> str:
    return reverse("loot:withdraw", args=[auction.pk])


def history(auction: Auction, user) -> list[tuple[str, int | None, str]]:
    rows = BidHistory.objects.filter(auction=auction, user=user).order_by("pk")
    return [(row.action, row.amount, row.channel) for row in rows]


def live_amount(auction: Auction, user) -> int | None:
    """The user's live bid on the auction, None when they have none."""
    bid = ItemBid.objects.filter(auction=auction, user=user, status="live").first()
    return bid.amount if bid else None


@pytest.fixture
def auction(guild: Guild) -> Auction:
    auction = opened(guild, minutes=10)
    auction.item.eq_item_id = 12345
    auction.item.save()
    return auction


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_open_auctions_soonest_first_with_time_left_and_my_bid(client, guild: Guild) -> None:
    later = opened(guild, "Runed Bolster Belt", minutes=30)
    sooner = opened(guild, "Cloak of Flames", minutes=5, quantity=2)
    place_bid(auction_id=later.pk, user=guild.good_member, amount=25, channel="web")
    client.force_login(guild.good_member)

    page = client.get(reverse("loot:list"))

    assert page.status_code == 200
    text = page.text
    assert text.index("Cloak of Flames") < text.index("Runed Bolster Belt")  # closing soonest first
    assert "\u00d72" in text  # quantity two
    assert 'data-seconds-left="299"' in text or 'data-seconds-left="300"' in text
    assert "my bid <b>25</b>" in text
    assert detail_url(sooner) in text


def test_the_list_shows_recently_closed_auctions_with_winner_and_price(client, guild: Guild) -> None:
    auction = opened(guild, "Cloak of Flames")
    place_bid(auction_id=auction.pk, user=guild.good_member, amount=40, channel="web")
    place_bid(auction_id=auction.pk, user=guild.poor_member, amount=7, channel="web")
    close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    rotted = opened(guild, "Rusty Dagger")
    close_auction(auction_id=rotted.pk, actor=guild.officer, early=True)
    client.force_login(guild.poor_member)

    page = client.get(reverse("loot:list"))

    assert "No auctions are open right now." in page.text
    assert f"{GWEN} <b>8</b>" in page.text  # second price: Pip's 7 plus 1
    assert "Rusty Dagger" in page.text
    assert "nobody bid" in page.text


def test_the_list_takes_as_many_queries_with_many_closed_auctions_as_with_few(
    client, guild: Guild, django_assert_max_num_queries
) -> None:
    def close_some(count: int) -> None:
        for number in range(count):
            auction = opened(guild, f"Trinket {number}")
            place_bid(auction_id=auction.pk, user=guild.poor_member, amount=1, channel="web")
            place_bid(auction_id=auction.pk, user=guild.good_member, amount=2, channel="web")
            close_auction(auction_id=auction.pk, actor=guild.officer, early=True)

    place_bid(auction_id=opened(guild, "Cloak of Flames").pk, user=guild.good_member, amount=5, channel="web")
    close_some(2)
    client.force_login(guild.good_member)
    client.get(reverse("loot:list"))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("loot:list"))

    close_some(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("loot:list"))
    assert page.text.count(f"{GWEN} <b>2</b>") == 14


def test_every_page_links_to_the_auctions(client, guild: Guild) -> None:
    client.force_login(guild.good_member)

    page = client.get(reverse("web:home"))

    assert f'<a href="{reverse("loot:list")}">Auctions</a>' in page.text


# --- one auction ---------------------------------------------------------------------------------


def test_the_auction_page_shows_the_item_link_pool_time_left_and_my_available_balance(
    client, guild: Guild, auction: Auction
) -> None:
    client.force_login(guild.good_member)

    page = client.get(detail_url(auction))

    assert page.status_code == 200
    assert "Cloak of Flames" in page.text
    assert "item.html?item=12345" in page.text
    assert "Main pool" in page.text
    assert 'data-available="90"' in page.text
    assert 'hx-trigger="every 2s"' in page.text  # live while open
    assert 'name="amount"' in page.text
    assert "Gwendolyn" in page.text  # her character to bid with


def test_available_balance_leaves_out_bids_on_other_open_auctions(client, guild: Guild, auction: Auction) -> None:
    other = opened(guild, "Runed Bolster Belt")
    place_bid(auction_id=other.pk, user=guild.good_member, amount=30, channel="web")
    client.force_login(guild.good_member)

    page = client.get(detail_url(auction))

    assert 'data-available="60"' in page.text


def test_a_member_places_raises_lowers_and_withdraws_a_bid_through_the_form(
    client, guild: Guild, auction: Auction
) -> None:
    member = guild.good_member
    client.force_login(member)

    placed = client.post(bid_url(auction), {"amount": "20", "tag": "main", "character_name": "Gwendolyn"}, follow=True)
    assert "Your bid of 20 is in." in placed.text
    assert 'data-my-bid="20"' in placed.text
    assert live_amount(auction, member) == 20

    raised = client.post(bid_url(auction), {"amount": "35", "tag": "main", "character_name": "Gwendolyn"}, follow=True)
    assert "Your bid of 35 is in." in raised.text
    lowered = client.post(bid_url(auction), {"amount": "30", "tag": "main", "character_name": "Gwendolyn"})
    assert lowered.status_code == 302
    assert live_amount(auction, member) == 30

    withdrawn = client.post(withdraw_url(auction), follow=True)
    assert "Your bid is withdrawn." in withdrawn.text
    assert live_amount(auction, member) is None
    assert history(auction, member) == [
        (BidAction.PLACED, 20, "web"),
        (BidAction.RAISED, 35, "web"),
        (BidAction.LOWERED, 30, "web"),
        (BidAction.WITHDRAWN, 30, "web"),
    ]


def test_a_bid_through_htmx_answers_with_the_panel_and_the_updated_live_part(
    client, guild: Guild, auction: Auction
) -> None:
    client.force_login(guild.good_member)

    answer = client.post(bid_url(auction), {"amount": "15", "tag": "main", "character_name": "Gwendolyn"}, **HX)

    assert answer.status_code == 200
    assert "<html" not in answer.text
    assert 'id="bid-panel"' in answer.text
    assert "Your bid of 15 is in." in answer.text
    assert 'id="auction-live" class="auction-live"' in answer.text
    assert 'hx-swap-oob="true"' in answer.text
    assert 'data-my-bid="15"' in answer.text
    assert "Withdraw my bid" in answer.text


def test_a_bid_over_the_available_balance_says_what_is_available_and_changes_nothing(
    client, guild: Guild, auction: Auction
) -> None:
    member = guild.good_member
    client.force_login(member)
    before = balance(member, guild.pool)

    refused = client.post(bid_url(auction), {"amount": "95", "tag": "main", "character_name": "Gwendolyn"})

    assert refused.status_code == 409
    assert "You have 90 points available in Main" in refused.text
    assert 'value="95"' in refused.text  # the input is kept
    assert live_amount(auction, member) is None
    assert balance(member, guild.pool) == before
    assert history(auction, member) == [(BidAction.REJECTED, 95, "web")]


def test_over_the_balance_through_htmx_shows_the_message_in_the_form(client, guild: Guild, auction: Auction) -> None:
    client.force_login(guild.poor_member)

    answer = client.post(bid_url(auction), {"amount": "11", "tag": "main", "character_name": "Pipperel"}, **HX)

    assert answer.status_code == 200  # htmx swaps 2xx only; the reason shows where the form is
    assert "You have 10 points available in Main" in answer.text
    assert 'value="11"' in answer.text
    assert live_amount(auction, guild.poor_member) is None


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("2.5", "A bid must be a whole number written with the digits 0-9, such as 50."),
        ("lots", "A bid must be a whole number written with the digits 0-9, such as 50."),
        ("0", "A bid must be from 1 to 1,000,000."),
        ("-5", "A bid must be from 1 to 1,000,000."),
        ("", "A bid must be a whole number written with the digits 0-9, such as 50."),
        (" 50 ", "A bid must be a whole number written with the digits 0-9, such as 50."),
        ("99999999999", "A bid must be from 1 to 1,000,000."),
    ],
)
def test_amounts_that_are_not_whole_positive_points_are_refused_with_why(
    client, guild: Guild, auction: Auction, amount: str, message: str
) -> None:
    member = guild.good_member
    client.force_login(member)

    refused = client.post(bid_url(auction), {"amount": amount, "tag": "main", "character_name": "Gwendolyn"})

    assert refused.status_code == 422
    assert message in refused.text
    assert f'value="{amount}"' in refused.text
    assert not ItemBid.objects.filter(auction=auction).exists()
    assert [row[0] for row in history(auction, member)] == [BidAction.REJECTED]


def test_submitting_the_same_bid_twice_keeps_one_bid_and_says_so(client, guild: Guild, auction: Auction) -> None:
    member = guild.good_member
    client.force_login(member)
    form = {"amount": "20", "tag": "main", "character_name": "Gwendolyn"}

    client.post(bid_url(auction), form, **HX)
    again = client.post(bid_url(auction), form, **HX)

    assert "You already bid 20 on this auction." in again.text
    assert ItemBid.objects.filter(auction=auction).count() == 1
    assert [row[0] for row in history(auction, member)] == [BidAction.PLACED, BidAction.REJECTED]


def test_withdrawing_without_a_bid_says_there_is_none(client, guild: Guild, auction: Auction) -> None:
    client.force_login(guild.good_member)

    refused = client.post(withdraw_url(auction))

    assert refused.status_code == 409
    assert "You have no bid on this auction to withdraw." in refused.text


def test_a_bid_on_a_closed_auction_is_refused(client, guild: Guild, auction: Auction) -> None:
    close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    client.force_login(guild.good_member)

    refused = client.post(bid_url(auction), {"amount": "10", "tag": "main", "character_name": "Gwendolyn"})

    assert refused.status_code == 409
    assert "it takes no more bids" in refused.text
    assert "Bidding is closed." in refused.text


def test_an_unknown_auction_is_not_found(client, guild: Guild) -> None:
    client.force_login(guild.good_member)

    assert client.get(reverse("loot:detail", args=[999999])).status_code == 404
    assert client.post(reverse("loot:bid", args=[999999]), {"amount": "5"}).status_code == 404


@pytest.mark.parametrize("persona", ["guest", "applicant"])
def test_outsiders_see_why_they_cannot_bid_and_their_bids_are_refused(
    client, guild: Guild, auction: Auction, persona: str
) -> None:
    from dkp.core.models import GuildSettings

    outsider = getattr(guild, persona)
    client.force_login(outsider)
    settings = GuildSettings.load()
    settings.standings_public = True
    settings.save()

    page = client.get(detail_url(auction))
    assert "You can't bid on this." in page.text
    assert "Only guild members can bid." in page.text
    assert 'name="amount"' not in page.text

    refused = client.post(bid_url(auction), {"amount": "5"})
    assert refused.status_code == 403
    assert f"{'An' if persona == 'applicant' else 'A'} {persona} may not bid" in refused.text
    assert not ItemBid.objects.filter(auction=auction).exists()
    assert [row[0] for row in history(auction, outsider)] == [BidAction.REJECTED]


def test_outsiders_of_a_private_guild_get_the_refusal_and_no_auction(client, guild: Guild, auction: Auction) -> None:
    client.force_login(guild.guest)

    assert client.get(detail_url(auction)).status_code == 403
    refused = client.post(bid_url(auction), {"amount": "5"})
    assert refused.status_code == 403
    assert "A guest may not bid" in refused.text
    assert "Cloak of Flames" not in refused.text


def test_visitors_who_are_not_signed_in_are_sent_to_sign_in(client, guild: Guild, auction: Auction) -> None:
    for response in (client.get(reverse("loot:list")), client.post(bid_url(auction), {"amount": "5"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))
    assert not ItemBid.objects.exists()


def test_visitors_of_a_public_guild_see_the_auction_and_a_sign_in_link(client, guild: Guild, auction: Auction) -> None:
    from dkp.core.models import GuildSettings

    settings = GuildSettings.load()
    settings.standings_public = True
    settings.save()

    page = client.get(detail_url(auction))

    assert page.status_code == 200
    assert "Cloak of Flames" in page.text
    assert f"{reverse('web:login')}?next={detail_url(auction)}" in page.text.replace("%2F", "/")
    assert 'name="amount"' not in page.text


# --- sealed and open bids, and what closing shows ------------------------------------------------


def test_a_sealed_auction_hides_others_bids_until_it_closes(client, guild: Guild, auction: Auction) -> None:
    place_bid(auction_id=auction.pk, user=guild.poor_member, amount=9, channel="web")
    place_bid(auction_id=auction.pk, user=guild.good_member, amount=30, channel="web")
    client.force_login(guild.poor_member)

    while_open = client.get(detail_url(auction))
    assert "Sealed bids" in while_open.text
    assert "Gwendolyn" not in while_open.text
    assert 'data-my-bid="9"' in while_open.text

    client.force_login(guild.officer)
    officers_view = client.get(detail_url(auction))
    assert "Gwendolyn" in officers_view.text
    assert "officers see them now" in officers_view.text

    close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    client.force_login(guild.poor_member)
    after = client.get(detail_url(auction))
    assert "Gwendolyn" in after.text
    assert "All bids" in after.text
    assert "You didn't win this one." in after.text


def test_an_open_auction_shows_the_current_bids_while_open(client, guild: Guild) -> None:
    guild.pool.visibility = BidVisibility.OPEN
    guild.pool.save()
    auction = opened(guild)
    place_bid(auction_id=auction.pk, user=guild.good_member, amount=30, channel="web")
    client.force_login(guild.poor_member)

    page = client.get(detail_url(auction))

    assert "Current bids" in page.text
    assert "Gwendolyn" in page.text
    assert ">30</td>" in page.text


def test_after_closing_the_page_shows_the_winner_the_price_and_the_tie_break(client, guild: Guild) -> None:
    from dkp.raids.attendance import refresh_attendance_summaries

    refresh_attendance_summaries()
    auction = opened(guild)
    place_bid(auction_id=auction.pk, user=guild.poor_member, amount=10, channel="web")
    place_bid(auction_id=auction.pk, user=guild.good_member, amount=10, channel="web")
    close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    client.force_login(guild.good_member)

    page = client.get(detail_url(auction))

    assert page.status_code == 200
    assert "Awarded" in page.text
    assert 'class="price">10<' in page.text
    assert "You won Cloak of Flames for" in page.text
    assert 'data-price="10"' in page.text
    assert "How ties were broken" in page.text
    assert "attendance" in page.text
    assert 'hx-trigger="every' not in page.text  # nothing left to poll
    assert "Bidding is closed." in page.text


def test_the_htmx_poll_stops_and_swaps_out_the_form_once_closed(client, guild: Guild, auction: Auction) -> None:
    place_bid(auction_id=auction.pk, user=guild.good_member, amount=12, channel="web")
    client.force_login(guild.good_member)

    while_open = client.get(detail_url(auction), **HX)
    assert "<html" not in while_open.text
    assert 'hx-trigger="every 2s"' in while_open.text
    assert 'id="bid-panel"' not in while_open.text  # the form being typed in is left alone

    close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    closed = client.get(detail_url(auction), **HX)
    assert 'hx-trigger="every' not in closed.text
    assert 'id="bid-panel" class="bid-panel" hx-swap-oob="true"' in closed.text
    assert "Bidding is closed." in closed.text
    assert "You won Cloak of Flames for" in closed.text


def test_reading_an_auction_after_its_time_closes_it_and_charges_the_winner(
    client, guild: Guild, auction: Auction
) -> None:
    member = guild.good_member
    place_bid(auction_id=auction.pk, user=member, amount=40, channel="web")
    place_bid(auction_id=auction.pk, user=guild.poor_member, amount=5, channel="web")
    client.force_login(member)

    with time_machine.travel(auction.closes_at + dt.timedelta(seconds=5), tick=False):
        page = client.get(detail_url(auction))

    auction.refresh_from_db()
    assert auction.status == AuctionStatus.AWARDED
    assert balance(member, guild.pool) == 90 - 6  # second price: Pip's 5 plus 1
    assert LootDistribution.objects.get(auction=auction).user == member
    assert "You won Cloak of Flames for" in page.text
    assert 'data-price="6"' in page.text

    client.get(detail_url(auction))  # a second read charges nothing more
    assert balance(member, guild.pool) == 84


def test_the_list_closes_due_auctions_before_listing_them(client, guild: Guild, auction: Auction) -> None:
    place_bid(auction_id=auction.pk, user=guild.poor_member, amount=5, channel="web")
    client.force_login(guild.good_member)

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11), tick=False):
        page = client.get(reverse("loot:list"))

    assert "No auctions are open right now." in page.text
    assert f"{PIP} <b>1</b>" in page.text  # unopposed: the minimum bid
    assert balance(guild.poor_member, guild.pool) == 9


# --- bids on the member page, the item page ------------------------------------------------------


def test_a_members_bids_show_on_their_page_to_them_and_officers_only(client, guild: Guild, auction: Auction) -> None:
    place_bid(auction_id=auction.pk, user=guild.good_member, amount=33, channel="web")
    url = reverse("web:member", args=[guild.good_member.username])

    client.force_login(guild.good_member)
    own = client.get(url)
    assert 'id="bids"' in own.text
    assert f"33 · {GWEN} · Main" in own.text

    client.force_login(guild.officer)
    assert f"33 · {GWEN} · Main" in client.get(url).text

    client.force_login(guild.poor_member)
    other = client.get(url)
    assert 'id="bids"' not in other.text
    assert "33 · Gwendolyn" not in other.text


def test_the_item_page_links_to_its_open_auction(client, guild: Guild, auction: Auction) -> None:
    client.force_login(guild.good_member)

    page = client.get(reverse("web:item", args=[auction.item_id]))

    assert "Up for auction now" in page.text
    assert detail_url(auction) in page.text
