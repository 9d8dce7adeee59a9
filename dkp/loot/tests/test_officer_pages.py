"""The officers' loot console: opening auctions, watching bids, closing, correcting, direct awards."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dkp.accounts.models import User
from dkp.core.errors import GuildError
from dkp.core.models import GuildSettings
from dkp.loot import services
from dkp.loot.models import Auction, AuctionStatus, BidStatus, Channel, LootDistribution
from dkp.points.models import EntryKind, PointEntry, UserPointsSummary
from dkp.testing.browser import PHONE_WIDTH, nav_link, skip_without_chromium
from dkp.testing.personas import Guild

CONSOLE = reverse("loot_officer:console")
AWARD = reverse("loot_officer:award")
LOG = """\
[Thu Nov 20 21:14:07 2025] --Gwendolyn has looted a Cloak of Flames.--
[Thu Nov 20 21:14:09 2025] Devraxx tells the raid, 'grats'
[Thu Nov 20 21:15:30 2025] --Zzyzxar has looted a Shiny Brass Idol.--
"""


def balance(user: User, guild: Guild) -> int:
    return UserPointsSummary.objects.get(user=user, pool=guild.pool).balance


def open_one(guild: Guild, name: str = "Cloak of Flames", quantity: int = 1, minutes: int = 5) -> Auction:
    return services.open_auction(item=name, pool=guild.pool, actor=guild.officer, quantity=quantity, minutes=minutes)


def bid(auction: Auction, user: User, amount: int) -> None:
    services.place_bid(auction_id=auction.pk, user=user, amount=amount, channel=Channel.WEB)


def closed_with_winner(guild: Guild) -> tuple[Auction, LootDistribution]:
    """Gwen 30, Dev 20 and Pip 8 bid; closed now, Gwen wins paying Dev's 20 + 1."""
    auction = open_one(guild)
    bid(auction, guild.good_member, 30)
    bid(auction, guild.developer, 20)
    bid(auction, guild.poor_member, 8)
    services.close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    return auction, LootDistribution.objects.get(auction=auction)


def as_officer(client: Client, guild: Guild) -> Client:
    client.force_login(guild.officer)
    return client


# --- who may come in ---------------------------------------------------------------------------


def officer_urls(auction: Auction, distribution: LootDistribution) -> list[str]:
    return [
        CONSOLE,
        AWARD,
        reverse("loot_officer:open"),
        reverse("loot_officer:close", args=[auction.pk]),
        reverse("loot_officer:extend", args=[auction.pk]),
        reverse("loot_officer:cancel", args=[auction.pk]),
        reverse("loot_officer:reverse", args=[distribution.pk]),
        reverse("loot_officer:reaward", args=[distribution.pk]),
    ]


@pytest.mark.parametrize("who", ["good_member", "guest", "applicant", "recruiter", "anonymous"])
def test_everyone_but_officers_gets_403_on_every_officer_url_and_nothing_changes(
    client: Client, guild: Guild, who: str
) -> None:
    _, distribution = closed_with_winner(guild)
    auction = open_one(guild, "Glowing Stone Fragment")
    bid(auction, guild.good_member, 10)
    if who != "anonymous":
        client.force_login(getattr(guild, who))
    form = {"items": "Ring x2", "pool": guild.pool.pk, "minutes": "1", "reason": "no", "character": "Gwendolyn"}
    refused = 302 if who == "anonymous" else 403  # a visitor is sent to sign in (docs/access.md)
    for url in officer_urls(auction, distribution):
        assert client.get(url).status_code == refused, url
        assert client.post(url, {**form, "item": "Ring", "price": "1"}).status_code == refused, url
    auction.refresh_from_db()
    distribution.refresh_from_db()
    assert auction.status == AuctionStatus.OPEN
    assert not distribution.is_reversed
    assert Auction.objects.count() == 2
    assert LootDistribution.objects.count() == 1


def test_the_loot_console_link_shows_for_officers_only(client: Client, guild: Guild) -> None:
    client.force_login(guild.good_member)
    assert CONSOLE not in client.get(reverse("web:home")).text
    as_officer(client, guild)
    assert CONSOLE in client.get(reverse("web:home")).text


# --- opening ---------------------------------------------------------------------------------------


def test_an_officer_opens_three_auctions_from_the_textarea(client: Client, guild: Guild) -> None:
    as_officer(client, guild)
    before = timezone.now()
    response = client.post(
        reverse("loot_officer:open"),
        {
            "items": "Cloak of Flames\nShadowed Scepter Frame x2\n\n  Glowing Stone Fragment  \n",
            "pool": guild.pool.pk,
            "minutes": "3",
            "raid": guild.raid.pk,
        },
    )
    assert response.status_code == 302
    opened = {a.item.name: a for a in Auction.objects.select_related("item")}
    assert set(opened) == {"Cloak of Flames", "Shadowed Scepter Frame", "Glowing Stone Fragment"}
    assert [opened[name].quantity for name in sorted(opened)] == [1, 1, 2]
    for auction in opened.values():
        assert auction.status == AuctionStatus.OPEN
        assert auction.pool == guild.pool
        assert auction.raid == guild.raid
        assert dt.timedelta(minutes=3) <= auction.closes_at - before < dt.timedelta(minutes=3, seconds=30)
    page = client.get(response["Location"])
    assert "Opened 3 auctions" in page.text
    assert "Open now (3)" in page.text
    assert "\u00d72" in page.text  # the quantity badge


def test_minutes_default_to_the_guild_setting(client: Client, guild: Guild) -> None:
    settings = GuildSettings.load()
    settings.auction_minutes = 7
    settings.save()
    as_officer(client, guild)
    page = client.get(CONSOLE)
    assert page.context["form"]["minutes"] == "7"
    before = timezone.now()
    client.post(reverse("loot_officer:open"), {"items": "Cloak of Flames", "pool": guild.pool.pk, "minutes": ""})
    auction = Auction.objects.get()
    assert dt.timedelta(minutes=7) <= auction.closes_at - before < dt.timedelta(minutes=7, seconds=30)


@pytest.mark.parametrize(
    ("form", "status", "message"),
    [
        ({"items": "  \n "}, 422, "List at least one item"),
        (
            {"items": "Cloak of Flames", "minutes": "soon"},
            422,
            "The minutes must be a whole number written with the digits 0-9",
        ),
        ({"items": "Cloak of Flames", "minutes": "100000"}, 422, "from 1 to 1,440"),
        ({"items": "Cloak of Flames", "pool": ""}, 422, "Choose the pool"),
        ({"items": "Cloak of Flames", "raid": "99999"}, 422, "That raid is not there"),
        ({"items": "Cloak x0"}, 422, "a quantity is between 1 and 100"),
    ],
)
def test_bad_opening_forms_say_why_and_open_nothing(
    client: Client, guild: Guild, form: dict[str, str], status: int, message: str
) -> None:
    from dkp.points.models import DkpPool

    DkpPool.objects.create(name="Legacy")  # two pools, so a blank pool is not guessed
    as_officer(client, guild)
    page = client.post(reverse("loot_officer:open"), {"pool": guild.pool.pk, "minutes": "5", **form})
    assert page.status_code == status
    assert message in page.text
    assert Auction.objects.count() == 0


# --- watching ------------------------------------------------------------------------------------


def test_officers_see_sealed_bids_with_amounts_and_tags_and_the_list_polls(client: Client, guild: Guild) -> None:
    auction = open_one(guild)
    assert auction.rules["visibility"] == "sealed"
    bid(auction, guild.good_member, 30)
    bid(auction, guild.poor_member, 7)
    as_officer(client, guild)
    page = client.get(CONSOLE)
    assert page.status_code == 200
    row = page.context["open_rows"][0]
    assert [(b.character_name, b.amount, b.tag) for b in row.bids] == [
        ("Gwendolyn", 30, "main"),
        ("Pipperel", 7, "main"),
    ]
    assert "2</strong> bids" in page.text
    assert 290 <= row.seconds_left <= 300
    live = client.get(CONSOLE, headers={"HX-Request": "true"})
    assert live.status_code == 200
    assert "<html" not in live.text
    assert 'hx-trigger="every 2s' in live.text
    assert "Gwendolyn" in live.text
    assert ">30<" in live.text


def test_time_left_reads_as_minutes_or_hours(client: Client, guild: Guild) -> None:
    open_one(guild, "Short", minutes=5)
    open_one(guild, "Long", minutes=125)
    as_officer(client, guild)
    shown = {row.auction.item.name: row.time_left for row in client.get(CONSOLE).context["open_rows"]}
    assert shown["Short"] in {"5:00", "4:59", "4:58"}
    assert shown["Long"] in {"2h 05m", "2h 04m"}


def test_an_auction_whose_time_passed_is_closed_when_the_console_reads_it(client: Client, guild: Guild) -> None:
    auction = open_one(guild)
    bid(auction, guild.good_member, 12)
    past = timezone.now() - dt.timedelta(minutes=1)
    Auction.objects.filter(pk=auction.pk).update(opened_at=past - dt.timedelta(minutes=5), closes_at=past)
    as_officer(client, guild)
    page = client.get(CONSOLE, headers={"HX-Request": "true"})
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.AWARDED
    assert page.context["open_rows"] == []
    assert balance(guild.good_member, guild) == 90 - 1  # unopposed: the minimum bid
    assert "Gwendolyn" in page.text


def test_the_console_reads_in_a_fixed_number_of_queries(
    client: Client, guild: Guild, django_assert_num_queries
) -> None:
    for index in range(4):
        auction = open_one(guild, f"Item {index}")
        bid(auction, guild.good_member, 2)
        bid(auction, guild.developer, 3)
    closed_with_winner(guild)
    as_officer(client, guild)
    client.get(CONSOLE, headers={"HX-Request": "true"})
    # Session, user, settings once per request, the due sweep, open auctions + bids, closed auctions + awards.
    with django_assert_num_queries(8):
        client.get(CONSOLE, headers={"HX-Request": "true"})


# --- running an auction ----------------------------------------------------------------------------


def test_close_now_charges_the_winner_the_second_price(client: Client, guild: Guild) -> None:
    auction = open_one(guild)
    bid(auction, guild.good_member, 30)
    bid(auction, guild.poor_member, 5)
    as_officer(client, guild)
    response = client.post(reverse("loot_officer:close", args=[auction.pk]))
    assert response.status_code == 302
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.AWARDED
    won = LootDistribution.objects.get(auction=auction)
    assert (won.user, won.character_name, won.price) == (guild.good_member, "Gwendolyn", 6)
    assert balance(guild.good_member, guild) == 90 - 6
    assert balance(guild.poor_member, guild) == 10
    page = client.get(response["Location"])
    assert "Closed Cloak of Flames: Gwendolyn for 6." in page.text
    assert page.context["closed"][0] == auction


def test_closing_twice_is_refused_and_charges_once(client: Client, guild: Guild) -> None:
    auction = open_one(guild)
    bid(auction, guild.good_member, 30)
    as_officer(client, guild)
    client.post(reverse("loot_officer:close", args=[auction.pk]))
    again = client.post(reverse("loot_officer:close", args=[auction.pk]))
    assert again.status_code == 409
    assert "This auction closed at" in again.text
    assert LootDistribution.objects.filter(auction=auction).count() == 1
    assert balance(guild.good_member, guild) == 90 - 1


def test_closing_an_unknown_auction_is_a_404_on_the_console(client: Client, guild: Guild) -> None:
    as_officer(client, guild)
    page = client.post(reverse("loot_officer:close", args=[987654]))
    assert page.status_code == 404
    assert "There is no auction 987654." in page.text


def test_extend_moves_the_closing_time(client: Client, guild: Guild) -> None:
    auction = open_one(guild, minutes=2)
    closes = auction.closes_at
    as_officer(client, guild)
    assert client.post(reverse("loot_officer:extend", args=[auction.pk]), {"minutes": "1"}).status_code == 302
    assert client.post(reverse("loot_officer:extend", args=[auction.pk]), {"minutes": "5"}).status_code == 302
    auction.refresh_from_db()
    assert auction.closes_at == closes + dt.timedelta(minutes=6)
    assert auction.status == AuctionStatus.OPEN
    refused = client.post(reverse("loot_officer:extend", args=[auction.pk]), {"minutes": "-3"})
    assert refused.status_code == 422
    auction.refresh_from_db()
    assert auction.closes_at == closes + dt.timedelta(minutes=6)


def test_cancel_needs_a_reason_and_charges_nobody(client: Client, guild: Guild) -> None:
    auction = open_one(guild)
    bid(auction, guild.good_member, 30)
    as_officer(client, guild)
    url = reverse("loot_officer:cancel", args=[auction.pk])
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 422
    assert "Say why you cancel it" in refused.text
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.OPEN
    assert client.post(url, {"reason": "wrong item linked"}).status_code == 302
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.CANCELLED
    assert auction.bids.get().status == BidStatus.LOST
    assert not LootDistribution.objects.exists()
    assert balance(guild.good_member, guild) == 90
    page = client.get(CONSOLE)
    assert "wrong item linked" in page.text
    again = client.post(url, {"reason": "twice"})
    assert again.status_code == 409
    assert "This auction was cancelled." in again.text


# --- corrections ---------------------------------------------------------------------------------


def test_reverse_refunds_the_price_through_a_reversal_entry(client: Client, guild: Guild) -> None:
    _, distribution = closed_with_winner(guild)
    assert balance(guild.good_member, guild) == 90 - 21
    as_officer(client, guild)
    url = reverse("loot_officer:reverse", args=[distribution.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 422
    assert "Say why you reverse this award" in refused.text
    assert balance(guild.good_member, guild) == 90 - 21
    response = client.post(url, {"reason": "misclick"})
    assert response.status_code == 302
    distribution.refresh_from_db()
    assert distribution.is_reversed
    assert balance(guild.good_member, guild) == 90
    reversal = PointEntry.objects.get(user=guild.good_member, kind=EntryKind.REVERSAL)
    assert reversal.amount == 21
    assert "misclick" in reversal.memo
    assert "Reversed Cloak of Flames from Gwendolyn; 21 refunded." in client.get(response["Location"]).text
    twice = client.post(url, {"reason": "again"})
    assert twice.status_code == 409
    assert balance(guild.good_member, guild) == 90


def test_reaward_gives_it_to_the_next_bidder_at_the_price_the_rules_give(client: Client, guild: Guild) -> None:
    auction, distribution = closed_with_winner(guild)
    as_officer(client, guild)
    response = client.post(reverse("loot_officer:reaward", args=[distribution.pk]), {"reason": "Gwen has one"})
    assert response.status_code == 302
    distribution.refresh_from_db()
    assert distribution.is_reversed
    given = LootDistribution.objects.get(auction=auction, is_reversed=False)
    assert (given.user, given.character_name, given.price) == (guild.developer, "Devraxx", 9)  # Pip's 8 + 1
    assert balance(guild.good_member, guild) == 90
    assert balance(guild.developer, guild) == 100 - 9
    assert balance(guild.poor_member, guild) == 10
    page = client.get(response["Location"])
    assert "gave it to Devraxx for 9" in page.text


def test_reaward_without_a_reason_changes_nothing(client: Client, guild: Guild) -> None:
    _, distribution = closed_with_winner(guild)
    as_officer(client, guild)
    refused = client.post(reverse("loot_officer:reaward", args=[distribution.pk]), {"reason": ""})
    assert refused.status_code == 422
    distribution.refresh_from_db()
    assert not distribution.is_reversed
    assert balance(guild.good_member, guild) == 90 - 21


# --- direct awards ---------------------------------------------------------------------------------


def test_a_pasted_loot_log_prefills_rows_with_owners_and_flags_unknown_characters(client: Client, guild: Guild) -> None:
    as_officer(client, guild)
    page = client.post(AWARD, {"action": "prefill", "log": LOG})
    assert page.status_code == 200
    rows = [row for row in page.context["rows"] if row.from_log]
    assert [(row.character, row.item, row.owner) for row in rows] == [
        ("Gwendolyn", "Cloak of Flames", guild.good_member),
        ("Zzyzxar", "Shiny Brass Idol", None),
    ]
    assert page.text.count("nobody owns this character") == 1
    assert 'value="Gwendolyn"' in page.text
    assert 'value="Shiny Brass Idol"' in page.text
    assert not LootDistribution.objects.exists()


def test_a_paste_without_loot_lines_says_so(client: Client, guild: Guild) -> None:
    as_officer(client, guild)
    page = client.post(AWARD, {"action": "prefill", "log": "[Thu Nov 20 21:14:09 2025] Devraxx says, 'hi'"})
    assert page.status_code == 422
    assert "Nothing to award in what you pasted." in page.text


def test_a_batch_award_charges_each_winner(client: Client, guild: Guild) -> None:
    as_officer(client, guild)
    response = client.post(
        AWARD,
        {
            "action": "award",
            "pool": guild.pool.pk,
            "raid": guild.raid.pk,
            "character": ["Gwendolyn", "devraxx", ""],
            "item": ["Cloak of Flames", "Ring of the Ancients", ""],
            "price": ["25", "0", ""],
        },
    )
    assert response.status_code == 302
    given = {d.character_name: d for d in LootDistribution.objects.select_related("item")}
    assert {name: (d.item.name, d.price, d.auction_id, d.raid_id) for name, d in given.items()} == {
        "Gwendolyn": ("Cloak of Flames", 25, None, guild.raid.pk),
        "Devraxx": ("Ring of the Ancients", 0, None, guild.raid.pk),
    }
    assert balance(guild.good_member, guild) == 90 - 25
    assert balance(guild.developer, guild) == 100
    page = client.get(response["Location"])
    assert "Awarded 2 items" in page.text
    assert "Ring of the Ancients" in page.text  # in the recent direct awards


def test_a_typed_single_award_works(client: Client, guild: Guild) -> None:
    as_officer(client, guild)
    response = client.post(
        AWARD,
        {"action": "award", "pool": guild.pool.pk, "character": "Pipperel", "item": "Rusty Dagger", "price": "10"},
    )
    assert response.status_code == 302
    assert LootDistribution.objects.get().character_name == "Pipperel"
    assert balance(guild.poor_member, guild) == 0


def test_a_price_over_a_balance_awards_nothing_and_says_why(client: Client, guild: Guild) -> None:
    as_officer(client, guild)
    page = client.post(
        AWARD,
        {
            "action": "award",
            "pool": guild.pool.pk,
            "character": ["Gwendolyn", "Pipperel"],
            "item": ["Cloak of Flames", "Shiny Brass Idol"],
            "price": ["5", "50"],
        },
    )
    assert page.status_code == 409
    assert "Pip has 10 points in Main; a price of 50 would take the balance below zero." in page.text
    assert not LootDistribution.objects.exists()
    assert balance(guild.good_member, guild) == 90
    assert balance(guild.poor_member, guild) == 10
    assert 'value="50"' in page.text  # the rows come back to be fixed


@pytest.mark.parametrize(
    ("rows", "status", "message"),
    [
        ({"character": "Zzyzxar", "item": "Idol", "price": "1"}, 422, "Zzyzxar is not a character anyone owns"),
        (
            {"character": "Gwendolyn", "item": "Idol", "price": "lots"},
            422,
            "Row 1 (Gwendolyn&#x27;s Idol): A price must be a whole number",
        ),
        ({"character": "Gwendolyn", "item": "Idol", "price": ""}, 422, "give a price for Gwendolyn&#x27;s Idol"),
        ({"character": "Gwendolyn", "item": "", "price": "3"}, 422, "Row 1: name the item"),
        ({"character": "", "item": "", "price": ""}, 422, "There is nothing to award"),
    ],
)
def test_bad_award_rows_say_why_and_award_nothing(
    client: Client, guild: Guild, rows: dict[str, str], status: int, message: str
) -> None:
    as_officer(client, guild)
    page = client.post(AWARD, {"action": "award", "pool": guild.pool.pk, **rows})
    assert page.status_code == status
    assert message in page.text
    assert not LootDistribution.objects.exists()


def test_a_direct_award_is_reversed_from_the_award_page(client: Client, guild: Guild) -> None:
    as_officer(client, guild)
    client.post(
        AWARD, {"action": "award", "pool": guild.pool.pk, "character": "Gwendolyn", "item": "Idol", "price": "9"}
    )
    given = LootDistribution.objects.get()
    response = client.post(
        reverse("loot_officer:reverse", args=[given.pk]), {"reason": "wrong person", "back": "award"}
    )
    assert response.status_code == 302
    assert response["Location"] == AWARD
    assert balance(guild.good_member, guild) == 90
    refused = client.post(reverse("loot_officer:reaward", args=[given.pk]), {"reason": "x"})
    assert refused.status_code == 409
    assert "direct award" in refused.text


# --- the admin: the same services behind its actions ----------------------------------------------


def run_admin_action(client: Client, action: str, auctions: list[Auction], **extra: str):
    data = {"action": action, "_selected_action": [a.pk for a in auctions], **extra}
    return client.post(reverse("admin:loot_auction_changelist"), data, follow=True)


def test_the_admin_closes_an_auction_now_and_charges_the_winner(client: Client, guild: Guild) -> None:
    auction = open_one(guild)
    bid(auction, guild.good_member, 30)
    bid(auction, guild.poor_member, 5)
    as_officer(client, guild)
    page = run_admin_action(client, "close_now", [auction])
    assert "Closed 1 auction." in page.text
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.AWARDED
    assert balance(guild.good_member, guild) == 90 - 6
    again = run_admin_action(client, "close_now", [auction])
    assert "This auction closed at" in again.text
    assert balance(guild.good_member, guild) == 90 - 6


def test_the_admin_cancels_with_the_reason_and_shows_the_bid_history(client: Client, guild: Guild) -> None:
    auction = open_one(guild)
    bid(auction, guild.good_member, 30)
    with pytest.raises(GuildError):
        bid(auction, guild.poor_member, 50)  # over Pip's 10: a rejected history row
    as_officer(client, guild)
    page = run_admin_action(client, "cancel_auctions", [auction], reason="duplicate")
    assert "Cancelled 1 auction." in page.text
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.CANCELLED
    assert auction.outcome["cancelled"]["reason"] == "duplicate"
    assert balance(guild.good_member, guild) == 90
    change = client.get(reverse("admin:loot_auction_change", args=[auction.pk]))
    assert change.status_code == 200
    assert "Rejected" in change.text
    assert "Placed" in change.text


# --- on a phone ------------------------------------------------------------------------------------


@pytest.mark.browser
@skip_without_chromium
def test_an_officer_runs_an_auction_from_a_phone_and_sees_bids_arrive(page, live_server, demo_guild) -> None:
    officer = User.objects.get(username="zelroso")
    bidder_summary = (
        UserPointsSummary.objects.filter(user__role_group="member", balance__gte=20, user__characters__isnull=False)
        .select_related("user", "pool")
        .order_by("-balance")
        .first()
    )
    assert bidder_summary is not None
    page.goto(live_server.url + "/sign-in/")
    page.locator(f'button.persona[data-username="{officer.username}"]').click()
    page.wait_for_selector("header .who .badge")
    nav_link(page, "Loot console").click()
    page.wait_for_selector("h1:has-text('Loot console')")
    if not page.locator("details.open-form").evaluate("d => d.open"):
        page.locator("details.open-form summary").click()
    page.fill("textarea[name=items]", "Idol of the Phone Test x2")
    page.select_option("select[name=pool]", str(bidder_summary.pool_id))
    page.get_by_role("button", name="Open auctions").click()
    card = page.locator("article.auction-card", has_text="Idol of the Phone Test")
    card.wait_for()
    assert "0</strong> bids" in card.inner_html()

    auction = Auction.objects.get(item__name="Idol of the Phone Test")
    assert auction.quantity == 2
    services.place_bid(auction_id=auction.pk, user=bidder_summary.user, amount=7, channel=Channel.WEB)
    # No reload: the live list polls and the bid shows up with its amount.
    # Its own card: the demo's other open auctions hold bids such as 70 and 75.
    page.locator(f"#auction-{auction.pk} table.bids td.num", has_text=re.compile(r"^7$")).wait_for(timeout=8000)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH  # nothing runs off the screen

    page.locator(f"#auction-{auction.pk}").get_by_role("button", name="Close now").click()
    page.locator(f"#closed-{auction.pk}").wait_for()
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.AWARDED
    won = LootDistribution.objects.get(auction=auction)
    assert (won.user, won.price) == (bidder_summary.user, bidder_summary.pool.auction_rules()["minimum_bid"])
    assert won.character_name in page.locator(f"#closed-{auction.pk}").inner_text()
