"""The loot API as its users meet it: bidding with a ``bid`` key, officers running auctions, awards and corrections.

Balances in the test guild: Gwen (member) 90, Pip (member) 10, Olwen, Rhea and Dev 100 each.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dkp.accounts.keys import create_api_key
from dkp.accounts.models import User
from dkp.loot import services
from dkp.loot.models import Auction, BidHistory, ItemBid, LootDistribution
from dkp.points.models import UserPointsSummary
from dkp.testing.api_client import error_body, session_client
from dkp.testing.personas import Guild


def _key_client(user: User, *scopes: str) -> APIClient:
    _, secret = create_api_key(owner=user, name="script", scopes=list(scopes), expires_at=None, actor=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _balance(guild: Guild, user: User) -> int:
    return UserPointsSummary.objects.get(user=user, pool=guild.pool).balance


def _open(guild: Guild, item: str = "Cloak of Flames", *, quantity: int = 1, minutes: int = 30) -> Auction:
    return services.open_auction(item=item, pool=guild.pool, actor=guild.officer, quantity=quantity, minutes=minutes)


def _bid_url(auction: Auction) -> str:
    return reverse("api:auction-bid", kwargs={"pk": auction.pk})


def _detail_url(auction: Auction) -> str:
    return reverse("api:auction-detail", kwargs={"pk": auction.pk})


def _rejections(auction: Auction, user: User) -> list[BidHistory]:
    return list(BidHistory.objects.filter(auction=auction, user=user, action="rejected").order_by("pk"))


# --- bidding --------------------------------------------------------------------------------------


def test_member_with_a_bid_key_bids_raises_and_withdraws(guild: Guild) -> None:
    auction = _open(guild)
    gwen = _key_client(guild.good_member, "bid")

    placed = gwen.post(_bid_url(auction), {"amount": 50}, format="json")
    assert placed.status_code == 201, placed.json()
    assert placed.json()["amount"] == 50
    assert placed.json()["status"] == "live"
    assert placed.json()["character_name"] == "Gwendolyn"

    raised = gwen.post(_bid_url(auction), {"amount": "60"}, format="json")
    assert raised.status_code == 201, raised.json()
    assert raised.json()["amount"] == 60

    seen = gwen.get(_detail_url(auction)).json()
    assert seen["my_bid"]["amount"] == 60
    assert seen["my_available"] == 90  # a live bid on this auction holds nothing against itself
    assert seen["can_bid"] is True
    assert seen["status"] == "open"
    assert 0 < seen["seconds_left"] <= 30 * 60

    withdrawn = gwen.post(reverse("api:auction-withdraw", kwargs={"pk": auction.pk}), format="json")
    assert withdrawn.status_code == 200, withdrawn.json()
    assert withdrawn.json()["status"] == "withdrawn"

    history = gwen.get(reverse("api:auction-history", kwargs={"pk": auction.pk})).json()["results"]
    assert [(row["action"], row["amount"], row["channel"]) for row in history] == [
        ("withdrawn", 60, "api"),
        ("raised", 60, "api"),
        ("placed", 50, "api"),
    ]
    assert _balance(guild, guild.good_member) == 90


def test_a_live_bid_holds_points_against_other_auctions_in_the_pool(guild: Guild) -> None:
    first, second = _open(guild, "Cloak of Flames"), _open(guild, "Shiny Brass Idol")
    gwen = _key_client(guild.good_member, "bid")
    assert gwen.post(_bid_url(first), {"amount": 50}, format="json").status_code == 201

    assert gwen.get(_detail_url(second)).json()["my_available"] == 40
    refused = gwen.post(_bid_url(second), {"amount": 41}, format="json")
    assert refused.status_code == 409
    body = error_body(refused)
    assert body["error"] == "insufficient_balance"
    assert "40 points available" in body["detail"]
    assert gwen.post(_bid_url(second), {"amount": 40}, format="json").status_code == 201


def test_read_only_key_cannot_bid(guild: Guild) -> None:
    auction = _open(guild)
    reader = _key_client(guild.good_member, "read")
    assert reader.get(_detail_url(auction)).status_code == 200

    response = reader.post(_bid_url(auction), {"amount": 10}, format="json")
    assert response.status_code == 403
    error_body(response)
    assert not ItemBid.objects.filter(auction=auction).exists()
    withdraw = reader.post(reverse("api:auction-withdraw", kwargs={"pk": auction.pk}), format="json")
    assert withdraw.status_code == 403


def test_bid_over_the_balance_is_refused_saying_what_is_available(guild: Guild) -> None:
    auction = _open(guild)
    pip = _key_client(guild.poor_member, "bid")

    response = pip.post(_bid_url(auction), {"amount": 11}, format="json")

    assert response.status_code == 409
    body = error_body(response)
    assert body["error"] == "insufficient_balance"
    assert "You have 10 points available" in body["detail"]
    assert not ItemBid.objects.filter(auction=auction).exists()
    [rejected] = _rejections(auction, guild.poor_member)
    assert rejected.amount == 11
    assert rejected.channel == "api"
    assert "10 points available" in rejected.reason
    assert _balance(guild, guild.poor_member) == 10


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        ("abc", "whole number"),
        (0, "from 1 to 1,000,000"),
        (-5, "from 1 to 1,000,000"),
        (2.5, "whole number"),
        ("2.5", "whole number"),
        (1000.0, "whole number"),
        ("+5", "whole number"),
        (" 50 ", "whole number"),
        (10**12, "from 1 to 1,000,000"),
        ("", "whole number"),
        (None, "whole number"),
        (True, "whole number"),
        ([50], "whole number"),
        ({"points": 50}, "whole number"),
    ],
)
def test_malformed_amounts_are_refused_and_change_nothing(guild: Guild, amount: Any, says: str) -> None:
    auction = _open(guild)
    gwen = _key_client(guild.good_member, "bid")
    assert gwen.post(_bid_url(auction), {"amount": 30}, format="json").status_code == 201

    response = gwen.post(_bid_url(auction), {"amount": amount}, format="json")

    assert response.status_code == 422, response.json()
    body = error_body(response)
    assert body["error"] == "invalid_amount"
    assert says in body["detail"]
    bid = ItemBid.objects.get(auction=auction, user=guild.good_member)
    assert (bid.amount, bid.status) == (30, "live")
    [rejected] = _rejections(auction, guild.good_member)
    assert rejected.amount is None
    assert rejected.channel == "api"
    assert _balance(guild, guild.good_member) == 90


def test_a_bid_without_an_amount_is_refused(guild: Guild) -> None:
    auction = _open(guild)
    response = _key_client(guild.good_member, "bid").post(_bid_url(auction), {}, format="json")
    assert response.status_code == 422
    assert error_body(response)["error"] == "invalid_amount"
    assert not ItemBid.objects.filter(auction=auction).exists()


@pytest.mark.parametrize("persona", ["guest", "applicant"])
def test_guests_and_applicants_cannot_bid(guild: Guild, persona: str) -> None:
    auction = _open(guild)
    outsider = getattr(guild, persona)
    client = session_client(outsider)

    response = client.post(_bid_url(auction), {"amount": 1}, format="json")

    assert response.status_code == 403
    assert "may not bid" in error_body(response)["detail"]
    assert not ItemBid.objects.filter(auction=auction).exists()
    assert len(_rejections(auction, outsider)) == 1
    assert client.get(_detail_url(auction)).status_code == 403  # standings are not public here


def test_bid_on_another_users_character_is_refused(guild: Guild) -> None:
    auction = _open(guild)
    response = _key_client(guild.good_member, "bid").post(
        _bid_url(auction), {"amount": 5, "character_name": "Pipperel"}, format="json"
    )
    assert response.status_code == 422
    assert error_body(response)["error"] == "not_your_character"


def test_bid_with_a_tag_other_than_main_alt_or_box_is_refused_and_recorded(guild: Guild) -> None:
    auction = _open(guild)
    response = _key_client(guild.good_member, "bid").post(_bid_url(auction), {"amount": 5, "tag": "pet"}, format="json")
    assert response.status_code == 422
    assert error_body(response)["error"] == "invalid_tag"
    assert not ItemBid.objects.filter(auction=auction).exists()
    [rejected] = _rejections(auction, guild.good_member)
    assert rejected.amount == 5


def test_unknown_auction_is_404(guild: Guild) -> None:
    gwen = _key_client(guild.good_member, "bid")
    for url in (
        reverse("api:auction-detail", kwargs={"pk": 999999}),
        reverse("api:auction-history", kwargs={"pk": 999999}),
    ):
        response = gwen.get(url)
        assert response.status_code == 404, url
        assert error_body(response)["error"] == "auction_not_found"
    response = gwen.post(reverse("api:auction-bid", kwargs={"pk": 999999}), {"amount": 5}, format="json")
    assert response.status_code == 404
    assert error_body(response)["error"] == "auction_not_found"
    # Not a number at all: the id in the address is refused as such, before anything is looked up.
    for method, url in (("get", "/api/v1/auctions/abc/"), ("post", "/api/v1/auctions/abc/bid/")):
        response = getattr(gwen, method)(url, {"amount": 5}, format="json")
        assert response.status_code == 400, url
        assert error_body(response)["error"] == "invalid_id"
    assert gwen.post(reverse("api:auction-withdraw", kwargs={"pk": 999999}), format="json").status_code == 404
    assert not BidHistory.objects.exists()


def test_sealed_bids_stay_hidden_from_other_members_until_the_close(guild: Guild) -> None:
    auction = _open(guild)
    assert (
        _key_client(guild.good_member, "bid").post(_bid_url(auction), {"amount": 20}, format="json").status_code == 201
    )
    pip = _key_client(guild.poor_member, "read")
    assert pip.get(_detail_url(auction)).json()["bids"] == []
    assert pip.get(reverse("api:auction-history", kwargs={"pk": auction.pk})).json()["results"] == []

    officer = _key_client(guild.officer, "read")
    assert [
        row["user_name"]
        for row in officer.get(reverse("api:auction-history", kwargs={"pk": auction.pk})).json()["results"]
    ] == ["Gwen"]

    services.close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    after = pip.get(_detail_url(auction)).json()
    assert [(b["user_name"], b["amount"], b["status"]) for b in after["bids"]] == [("Gwen", 20, "won")]


# --- officers running auctions ----------------------------------------------------------------


def test_officer_opens_extends_and_closes_early_and_the_winner_pays_the_second_price(guild: Guild) -> None:
    officer = _key_client(guild.officer, "write")
    opened = officer.post(
        reverse("api:auction-list"),
        {"item": "Cloak of Flames", "pool": guild.pool.pk, "minutes": 15, "raid": guild.raid.pk},
        format="json",
    )
    assert opened.status_code == 201, opened.json()
    auction = Auction.objects.get(pk=opened.json()["id"])
    assert opened.json()["status"] == "open"
    assert opened.json()["item"]["name"] == "Cloak of Flames"
    assert opened.json()["rules"]["price_rule"] == "second_price"

    extended = officer.post(reverse("api:auction-extend", kwargs={"pk": auction.pk}), {"minutes": 10}, format="json")
    assert extended.status_code == 200, extended.json()
    closes_at = dt.datetime.fromisoformat(extended.json()["closes_at"])
    assert closes_at - auction.closes_at == dt.timedelta(minutes=10)

    assert (
        _key_client(guild.good_member, "bid").post(_bid_url(auction), {"amount": 40}, format="json").status_code == 201
    )
    assert _key_client(guild.recruiter, "bid").post(_bid_url(auction), {"amount": 30}, format="json").status_code == 201

    closed = officer.post(reverse("api:auction-close", kwargs={"pk": auction.pk}), format="json")
    assert closed.status_code == 200, closed.json()
    body = closed.json()
    assert body["status"] == "awarded"
    assert [(w["user_name"], w["character_name"], w["price"], w["bid_amount"]) for w in body["winners"]] == [
        ("Gwen", "Gwendolyn", 31, 40)
    ]
    assert _balance(guild, guild.good_member) == 90 - 31
    assert _balance(guild, guild.recruiter) == 100

    again = officer.post(reverse("api:auction-close", kwargs={"pk": auction.pk}), format="json")
    assert again.status_code == 409
    assert _balance(guild, guild.good_member) == 90 - 31  # charged once

    late = _key_client(guild.recruiter, "bid").post(_bid_url(auction), {"amount": 50}, format="json")
    assert late.status_code == 409
    assert error_body(late)["error"] == "auction_closed"

    history = officer.get(reverse("api:item-price-history", kwargs={"pk": auction.item_id})).json()["results"]
    assert [
        (h["user_name"], h["character_name"], h["price"], h["pool_name"], h["raid"], h["is_reversed"]) for h in history
    ] == [("Gwen", "Gwendolyn", 31, "Main", guild.raid.pk, False)]


def test_a_bid_key_cannot_run_auctions_even_for_an_officer(guild: Guild) -> None:
    auction = _open(guild)
    officer = _key_client(guild.officer, "bid")
    assert officer.post(reverse("api:auction-close", kwargs={"pk": auction.pk}), format="json").status_code == 403
    response = officer.post(reverse("api:auction-list"), {"item": "Jade", "pool": guild.pool.pk}, format="json")
    assert response.status_code == 403
    error_body(response)
    assert Auction.objects.count() == 1


def test_members_cannot_run_auctions(guild: Guild) -> None:
    auction = _open(guild)
    gwen = _key_client(guild.good_member, "write")
    for name, payload in (("auction-close", {}), ("auction-extend", {"minutes": 5}), ("auction-cancel", {})):
        response = gwen.post(reverse(f"api:{name}", kwargs={"pk": auction.pk}), payload, format="json")
        assert response.status_code == 403, name
        error_body(response)
    auction.refresh_from_db()
    assert auction.status == "open"


def test_cancelled_auction_charges_nobody_and_takes_no_bids(guild: Guild) -> None:
    auction = _open(guild)
    gwen = _key_client(guild.good_member, "bid")
    assert gwen.post(_bid_url(auction), {"amount": 40}, format="json").status_code == 201

    officer = _key_client(guild.officer, "write")
    cancelled = officer.post(
        reverse("api:auction-cancel", kwargs={"pk": auction.pk}), {"reason": "wrong item"}, format="json"
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["winners"] == []

    refused = gwen.post(_bid_url(auction), {"amount": 45}, format="json")
    assert refused.status_code == 409
    assert error_body(refused)["error"] == "auction_cancelled"
    assert len(_rejections(auction, guild.good_member)) == 1
    assert _balance(guild, guild.good_member) == 90


def test_extend_refuses_bad_minutes(guild: Guild) -> None:
    auction = _open(guild)
    officer = _key_client(guild.officer, "write")
    url = reverse("api:auction-extend", kwargs={"pk": auction.pk})
    for minutes in (0, -3, "ten", 2.5, 10**9, None):
        response = officer.post(url, {"minutes": minutes}, format="json")
        assert response.status_code == 400, minutes
        assert error_body(response)["error"] == "invalid_input"
    before = auction.closes_at
    auction.refresh_from_db()
    assert auction.closes_at == before


def test_opening_refuses_bad_input(guild: Guild) -> None:
    officer = _key_client(guild.officer, "write")
    url = reverse("api:auction-list")
    for payload in (
        {"pool": guild.pool.pk},
        {"item": "Jade", "pool": 999999},
        {"item": "Jade", "pool": guild.pool.pk, "quantity": 0},
        {"item": "Jade", "pool": guild.pool.pk, "minutes": "soon"},
        {"item": "   ", "pool": guild.pool.pk},
    ):
        response = officer.post(url, payload, format="json")
        assert 400 <= response.status_code < 500, payload
        error_body(response)
    assert not Auction.objects.exists()


def test_reading_an_auction_after_its_time_closes_it_and_charges_the_winner(guild: Guild) -> None:
    auction = _open(guild, minutes=5)
    assert (
        _key_client(guild.good_member, "bid").post(_bid_url(auction), {"amount": 25}, format="json").status_code == 201
    )
    reader = _key_client(guild.poor_member, "read")

    with time_machine.travel(auction.closes_at + dt.timedelta(seconds=5), tick=False):
        seen = reader.get(_detail_url(auction)).json()
        again = reader.get(_detail_url(auction)).json()

    assert seen["status"] == "awarded"
    assert seen["seconds_left"] == 0
    assert [(w["user_name"], w["price"]) for w in seen["winners"]] == [("Gwen", 1)]  # unopposed: the minimum bid
    assert again["winners"] == seen["winners"]
    assert _balance(guild, guild.good_member) == 89


def test_auction_list_is_open_first_and_closes_what_is_due(guild: Guild) -> None:
    due = _open(guild, "Shiny Brass Idol", minutes=1)
    later = _open(guild, "Cloak of Flames", minutes=60)
    sooner = _open(guild, "Jade Mace", minutes=10)
    reader = _key_client(guild.good_member, "read")

    with time_machine.travel(due.closes_at + dt.timedelta(seconds=1), tick=False):
        rows = reader.get(reverse("api:auction-list")).json()["results"]
        open_only = reader.get(reverse("api:auction-list"), {"status": "open"}).json()["results"]
        bad = reader.get(reverse("api:auction-list"), {"status": "sideways"})

    assert [(r["id"], r["status"]) for r in rows] == [(sooner.pk, "open"), (later.pk, "open"), (due.pk, "rotted")]
    assert [r["item_name"] for r in open_only] == ["Jade Mace", "Cloak of Flames"]
    assert bad.status_code == 400
    error_body(bad)


# --- loot: direct awards, reversals, re-awards ------------------------------------------------


def test_officer_awards_loot_directly_and_the_owner_is_charged(guild: Guild) -> None:
    officer = _key_client(guild.officer, "write")
    response = officer.post(
        reverse("api:loot-list"),
        {"character_name": "pipperel", "item": "Jade Mace", "pool": guild.pool.pk, "price": 7},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["user"], body["character_name"], body["item_name"], body["price"]) == (
        guild.poor_member.pk,
        "Pipperel",
        "Jade Mace",
        7,
    )
    assert body["auction"] is None
    assert _balance(guild, guild.poor_member) == 3

    listed = officer.get(reverse("api:loot-list"), {"user": guild.poor_member.pk}).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert officer.get(reverse("api:loot-list"), {"user": guild.good_member.pk}).json()["results"] == []


def test_direct_award_refuses_bad_input_and_changes_nothing(guild: Guild) -> None:
    officer = _key_client(guild.officer, "write")
    url = reverse("api:loot-list")
    base = {"character_name": "Pipperel", "item": "Jade Mace", "pool": guild.pool.pk, "price": 5}
    for change in (
        {"character_name": "Nobodyatall"},
        {"price": -1},
        {"price": "+5"},
        {"price": 5.0},
        {"price": 2.5},
        {"pool": 0},
    ):
        response = officer.post(url, {**base, **change}, format="json")
        assert 400 <= response.status_code < 500, change
        error_body(response)
    assert not LootDistribution.objects.exists()
    assert _balance(guild, guild.poor_member) == 10


def _awarded_to_gwen_over_rhea(guild: Guild) -> tuple[Auction, LootDistribution]:
    auction = _open(guild)
    services.place_bid(auction_id=auction.pk, user=guild.good_member, amount=40, channel="web")
    services.place_bid(auction_id=auction.pk, user=guild.recruiter, amount=30, channel="web")
    services.close_auction(auction_id=auction.pk, actor=guild.officer, early=True)
    return auction, LootDistribution.objects.get(auction=auction)


def test_reversing_an_award_refunds_the_winner(guild: Guild) -> None:
    _, award = _awarded_to_gwen_over_rhea(guild)
    assert _balance(guild, guild.good_member) == 59
    officer = _key_client(guild.officer, "write")
    url = reverse("api:loot-reverse", kwargs={"pk": award.pk})

    assert officer.post(url, {}, format="json").status_code == 400  # a reason is required
    response = officer.post(url, {"reason": "looted by mistake"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["is_reversed"] is True
    assert _balance(guild, guild.good_member) == 90
    again = officer.post(url, {"reason": "twice"}, format="json")
    assert again.status_code == 409
    assert _balance(guild, guild.good_member) == 90
    assert officer.get(reverse("api:loot-list"), {"reversed": "true"}).json()["count"] == 1


def test_reaward_gives_the_item_to_the_next_bidder(guild: Guild) -> None:
    auction, award = _awarded_to_gwen_over_rhea(guild)
    officer = _key_client(guild.officer, "write")

    response = officer.post(
        reverse("api:loot-reaward", kwargs={"pk": award.pk}), {"reason": "Gwen already has one"}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["reversed"]["id"] == award.pk
    assert body["reversed"]["is_reversed"] is True
    assert (body["next"]["user_name"], body["next"]["character_name"], body["next"]["price"]) == (
        "Rhea",
        "Rheanor",
        1,  # alone now: the minimum bid
    )
    assert _balance(guild, guild.good_member) == 90
    assert _balance(guild, guild.recruiter) == 99
    winners = officer.get(_detail_url(auction)).json()["winners"]
    assert [(w["user_name"], w["is_reversed"]) for w in winners] == [("Gwen", True), ("Rhea", False)]


def test_reaward_of_a_direct_award_is_refused(guild: Guild) -> None:
    officer = _key_client(guild.officer, "write")
    created = officer.post(
        reverse("api:loot-list"),
        {"character_name": "Pipperel", "item": "Jade Mace", "pool": guild.pool.pk, "price": 5},
        format="json",
    ).json()
    response = officer.post(
        reverse("api:loot-reaward", kwargs={"pk": created["id"]}), {"reason": "someone else"}, format="json"
    )
    assert response.status_code == 409
    assert error_body(response)["error"] == "direct_award"
    assert _balance(guild, guild.poor_member) == 5


def test_unknown_loot_award_is_404(guild: Guild) -> None:
    officer = _key_client(guild.officer, "write")
    for name in ("loot-reverse", "loot-reaward"):
        response = officer.post(reverse(f"api:{name}", kwargs={"pk": 999999}), {"reason": "x"}, format="json")
        assert response.status_code == 404, name
        assert error_body(response)["error"] == "loot_not_found"


# --- items ----------------------------------------------------------------------------------------


def test_items_are_searched_by_name_and_show_their_link(guild: Guild) -> None:
    services.item_named("Cloak of Flames", eq_item_id=1234)
    services.item_named("Flame Touched Orb")
    services.item_named("Jade Mace")
    reader = _key_client(guild.good_member, "read")

    found = reader.get(reverse("api:item-list"), {"name": "flame"}).json()["results"]

    assert [row["name"] for row in found] == ["Cloak of Flames", "Flame Touched Orb"]
    cloak = reader.get(reverse("api:item-detail", kwargs={"pk": found[0]["id"]})).json()
    assert cloak["eq_item_id"] == 1234
    assert "1234" in cloak["link"]
    assert reader.get(reverse("api:item-detail", kwargs={"pk": 999999})).status_code == 404
    assert reader.get(reverse("api:item-price-history", kwargs={"pk": found[0]["id"]})).json()["results"] == []


def test_bid_history_records_every_refusal_with_its_reason_for_officers(guild: Guild) -> None:
    auction = _open(guild)
    pip = _key_client(guild.poor_member, "bid")
    pip.post(_bid_url(auction), {"amount": "lots"}, format="json")
    pip.post(_bid_url(auction), {"amount": 9}, format="json")

    rows = _key_client(guild.officer, "read").get(reverse("api:auction-history", kwargs={"pk": auction.pk})).json()
    assert [(r["user_name"], r["action"], r["amount"]) for r in rows["results"]] == [
        ("Pip", "placed", 9),
        ("Pip", "rejected", None),
    ]
    assert "A bid must be a whole number" in rows["results"][1]["reason"]
    assert timezone.now() - dt.datetime.fromisoformat(rows["results"][0]["created_at"]) < dt.timedelta(minutes=1)


# --- queries --------------------------------------------------------------------------------------


def _queries(client: APIClient, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_lists_take_the_same_number_of_queries_for_one_row_or_many(guild: Guild) -> None:
    officer = _key_client(guild.officer, "write")
    urls = [reverse("api:auction-list"), reverse("api:loot-list"), reverse("api:item-list")]

    def award(name: str) -> None:
        services.award_loot_batch(lines=[("Gwendolyn", name, 1)], pool=guild.pool, actor=guild.officer)

    award("Jade Mace")
    _open(guild, "Jade Mace")
    cloak = services.item_named("Cloak of Flames")
    history = reverse("api:item-price-history", kwargs={"pk": cloak.pk})
    award("Cloak of Flames")
    officer.get(reverse("api:me"))  # the key's first use of the minute writes its "last used" time
    few = [_queries(officer, url) for url in [*urls, history]]

    for name in ("Shiny Brass Idol", "Flame Touched Orb", "Ring of the Shissar"):
        award(name)
        _open(guild, name)
        award("Cloak of Flames")
    many = [_queries(officer, url) for url in [*urls, history]]

    assert many == few
