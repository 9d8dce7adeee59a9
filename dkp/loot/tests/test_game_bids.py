"""Bids from the game: a tell to the loot master, relayed by an officer's tool, is the character's owner's bid.

The officer's key posts ``/auctions/<id>/game-bid/`` with the character that sent the tell; the bid
is judged by the same service as every other bid and recorded with channel ``game``, the tell's time
and the officer who relayed it. Balances from the personas: Gwen 90, Pip 10, Olwen, Rhea, Dev 100.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dkp.accounts.keys import create_api_key
from dkp.accounts.models import User
from dkp.characters.models import Character, CharacterTag
from dkp.loot import services
from dkp.loot.models import Auction, BidHistory, ItemBid
from dkp.points import pools
from dkp.points.models import UserPointsSummary
from dkp.testing.api_client import error_body
from dkp.testing.personas import Guild, make_character


def key_client(user: User, *scopes: str) -> APIClient:
    _, secret = create_api_key(owner=user, name="companion", scopes=list(scopes), expires_at=None, actor=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def open_auction(guild: Guild, item: str = "Cloak of Flames") -> Auction:
    return services.open_auction(item=item, pool=guild.pool, actor=guild.officer, minutes=30)


def game_bid(client: APIClient, auction: Auction, **body: object):
    return client.post(reverse("api:auction-game-bid", kwargs={"pk": auction.pk}), body, format="json")


def history(auction: Auction) -> list[tuple[str, str, int | None, str]]:
    rows = BidHistory.objects.filter(auction=auction).select_related("user").order_by("pk")
    return [(row.user.username, row.action, row.amount, row.channel) for row in rows]


def test_a_tell_becomes_the_owners_bid_with_channel_game_and_the_tells_time(guild: Guild) -> None:
    auction = open_auction(guild)
    officer = key_client(guild.officer, "write")
    told = timezone.now().replace(microsecond=0) - dt.timedelta(seconds=20)

    answer = game_bid(officer, auction, character_name="gwendolyn", amount="45", told_at=told.isoformat())

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["user_name"], body["character_name"], body["amount"], body["tag"], body["channel"]) == (
        "Gwen",
        "Gwendolyn",
        45,
        "main",
        "game",
    )
    row = BidHistory.objects.get(auction=auction)
    assert (row.user, row.action, row.amount, row.channel) == (guild.good_member, "placed", 45, "game")
    assert row.said_at == told
    assert row.relayed_by == guild.officer
    # The owner sees the bid as theirs, through the API's own view of the auction.
    mine = key_client(guild.good_member, "read").get(reverse("api:auction-detail", kwargs={"pk": auction.pk})).json()
    assert (mine["my_bid"]["amount"], mine["my_bid"]["channel"], mine["my_available"]) == (45, "game", 90)


def test_a_game_bid_over_the_owners_balance_is_refused_saying_what_they_have(guild: Guild) -> None:
    auction = open_auction(guild)
    officer = key_client(guild.officer, "write")

    answer = game_bid(officer, auction, character_name="Pipperel", amount=25)

    assert answer.status_code == 409
    body = error_body(answer)
    assert body["error"] == "insufficient_balance"
    assert body["detail"] == "You have 10 points available in Main; a bid of 25 is more than that."
    assert not ItemBid.objects.filter(auction=auction).exists()
    rejected = BidHistory.objects.get(auction=auction)
    assert (rejected.user, rejected.action, rejected.channel, rejected.relayed_by) == (
        guild.poor_member,
        "rejected",
        "game",
        guild.officer,
    )
    assert rejected.reason == body["detail"]


def test_game_bids_hold_points_with_the_owners_web_bids(guild: Guild) -> None:
    """One member, two doors: 60 bid on the web holds 60 of Gwen's 90 when a tell bids on another item."""
    cloak, mask = open_auction(guild), open_auction(guild, "Mask of Tinkering")
    services.place_bid(auction_id=cloak.pk, user=guild.good_member, amount=60, channel="web")

    answer = game_bid(key_client(guild.officer, "write"), mask, character_name="Gwendolyn", amount=40)

    assert answer.status_code == 409
    assert error_body(answer)["detail"] == (
        "You have 30 points available in Main (60 held by your bids on other open auctions); "
        "a bid of 40 is more than that."
    )


@pytest.mark.parametrize(
    ("amount", "entered"), [("fifty", " (entered 'fifty')"), ("45.5", " (entered '45.5')"), (0, " (entered '0')")]
)
def test_malformed_amounts_from_the_game_are_refused_and_recorded(guild: Guild, amount: object, entered: str) -> None:
    auction = open_auction(guild)

    answer = game_bid(key_client(guild.officer, "write"), auction, character_name="Gwendolyn", amount=amount)

    assert answer.status_code == 422
    body = error_body(answer)
    assert body["error"] == "invalid_amount"
    assert not ItemBid.objects.filter(auction=auction).exists()
    rejected = BidHistory.objects.get(auction=auction)
    assert (rejected.user, rejected.action, rejected.amount, rejected.channel) == (
        guild.good_member,
        "rejected",
        None,
        "game",
    )
    assert rejected.reason == body["detail"] + entered


def test_an_alt_bids_as_an_alt_and_its_cap_holds(guild: Guild) -> None:
    pool = pools.update_pool(pool=guild.pool, actor=guild.officer, tag_caps={"alt": 10})
    alt = make_character("Gwenalt", guild.good_member)
    Character.objects.filter(pk=alt.pk).update(tag=CharacterTag.ALT)
    auction = services.open_auction(item="Cloak of Flames", pool=pool, actor=guild.officer, minutes=30)
    officer = key_client(guild.officer, "write")

    over = game_bid(officer, auction, character_name="Gwenalt", amount=15, tag="alt")
    as_main = game_bid(officer, auction, character_name="Gwenalt", amount=8, tag="main")
    within = game_bid(officer, auction, character_name="Gwenalt", amount=8)

    assert (over.status_code, error_body(over)["error"]) == (422, "over_tag_cap")
    assert error_body(over)["detail"] == "An alt bid can be at most 10 on this auction."
    assert (as_main.status_code, error_body(as_main)["error"]) == (422, "tag_not_character")
    assert within.status_code == 201
    assert (within.json()["tag"], within.json()["character_name"]) == ("alt", "Gwenalt")


def test_a_tell_from_a_character_nobody_owns_is_refused_and_changes_nothing(guild: Guild) -> None:
    auction = open_auction(guild)
    make_character("Wandering")  # in EQ DKP, claimed by nobody
    officer = key_client(guild.officer, "write")

    unowned = game_bid(officer, auction, character_name="Wandering", amount=5)
    unknown = game_bid(officer, auction, character_name="Nobodyhere", amount=5)

    assert (unowned.status_code, error_body(unowned)["error"]) == (422, "unowned_character")
    assert error_body(unowned)["detail"] == (
        "Nobody has claimed Wandering in EQ DKP yet, so it has no points to bid: its player claims it on the web first."
    )
    assert (unknown.status_code, error_body(unknown)["error"]) == (422, "unknown_character")
    assert "no character named Nobodyhere" in error_body(unknown)["detail"]
    assert not BidHistory.objects.filter(auction=auction).exists()


def test_only_an_officers_write_key_relays_bids_from_the_game(guild: Guild) -> None:
    auction = open_auction(guild)

    member = game_bid(key_client(guild.good_member, "write"), auction, character_name="Pipperel", amount=5)
    bid_scope = game_bid(key_client(guild.officer, "bid"), auction, character_name="Gwendolyn", amount=5)

    assert member.status_code == 403
    assert bid_scope.status_code == 403
    assert not BidHistory.objects.filter(auction=auction).exists()


def test_a_tells_time_from_a_fast_clock_or_another_evening_is_refused(guild: Guild) -> None:
    auction = open_auction(guild)
    officer = key_client(guild.officer, "write")
    now = timezone.now()

    ahead = game_bid(officer, auction, character_name="Gwendolyn", amount=5, told_at=(now + dt.timedelta(hours=1)))
    old = game_bid(officer, auction, character_name="Gwendolyn", amount=5, told_at=(now - dt.timedelta(days=1)))
    slightly_ahead = game_bid(
        officer, auction, character_name="Gwendolyn", amount=5, told_at=(now + dt.timedelta(minutes=2))
    )

    assert (ahead.status_code, error_body(ahead)["error"]) == (422, "bad_tell_time")
    assert "60 minutes ahead" in error_body(ahead)["detail"]
    assert (old.status_code, error_body(old)["error"]) == (422, "bad_tell_time")
    assert slightly_ahead.status_code == 201  # a clock two minutes fast is forgiven


def test_a_closed_auction_takes_no_bids_from_the_game(guild: Guild) -> None:
    auction = open_auction(guild)
    services.cancel_auction(auction_id=auction.pk, actor=guild.officer, reason="wrong item")

    answer = game_bid(key_client(guild.officer, "write"), auction, character_name="Gwendolyn", amount=5)

    assert answer.status_code == 409
    assert not ItemBid.objects.filter(auction=auction).exists()


def test_the_winner_by_tell_pays_like_any_winner_and_the_pages_show_the_channel(guild: Guild) -> None:
    auction = open_auction(guild)
    officer = key_client(guild.officer, "write")
    assert game_bid(officer, auction, character_name="Gwendolyn", amount=45).status_code == 201
    services.place_bid(auction_id=auction.pk, user=guild.developer, amount=30, channel="discord")

    closed = officer.post(reverse("api:auction-close", kwargs={"pk": auction.pk}), format="json")

    assert closed.status_code == 200
    assert [(w["character_name"], w["price"]) for w in closed.json()["winners"]] == [("Gwendolyn", 31)]
    assert UserPointsSummary.objects.get(user=guild.good_member, pool=guild.pool).balance == 90 - 31
    assert UserPointsSummary.objects.get(user=guild.developer, pool=guild.pool).balance == 100
    web = Client()
    web.force_login(guild.good_member)
    member_page = web.get(reverse("web:member", kwargs={"username": "gwen"})).content.decode()
    assert "in game" in member_page
    auction_page = web.get(reverse("loot:detail", kwargs={"auction_id": auction.pk})).content.decode()
    assert "Gwendolyn" in auction_page
    assert "in game" in auction_page


def test_an_auction_opened_with_a_note_shows_it(guild: Guild) -> None:
    officer = key_client(guild.officer, "write")

    opened = officer.post(
        reverse("api:auction-list"),
        {"item": "Cloak of Flames", "pool": guild.pool.pk, "note": "Rangers   first"},
        format="json",
    )
    too_long = officer.post(
        reverse("api:auction-list"),
        {"item": "Cloak of Flames", "pool": guild.pool.pk, "note": "x" * 201},
        format="json",
    )

    assert opened.status_code == 201
    assert opened.json()["note"] == "Rangers first"
    assert too_long.status_code == 400
    web = Client()
    web.force_login(guild.good_member)
    assert (
        "Rangers first" in web.get(reverse("loot:detail", kwargs={"auction_id": opened.json()["id"]})).content.decode()
    )
