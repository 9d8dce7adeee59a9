"""An API write repeated with the same ``Idempotency-Key`` is done once, and the repeat gets the first answer.

This is what lets dkp-companion restart in the middle of a raid night: it sends every action again with
the key it used, and nothing is opened, bid or ticked twice. Balances from the personas: Gwen 90, Pip 10.
"""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dkp.accounts.keys import create_api_key, set_role_group
from dkp.accounts.models import User
from dkp.core.models import IdempotentRequest
from dkp.loot import services
from dkp.loot.models import Auction, BidHistory, ItemBid
from dkp.testing.api_client import error_body
from dkp.testing.personas import Guild


def key_client(user: User, *scopes: str) -> APIClient:
    _, secret = create_api_key(owner=user, name="companion", scopes=list(scopes), expires_at=None, actor=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def game_bid(client: APIClient, auction: Auction, key: str, **body: object):
    url = reverse("api:auction-game-bid", kwargs={"pk": auction.pk})
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def open_with_key(client: APIClient, guild: Guild, key: str, item: str = "Cloak of Flames"):
    body = {"item": item, "pool": guild.pool.pk}
    return client.post(reverse("api:auction-list"), body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_an_auction_opened_twice_with_one_key_is_opened_once(guild: Guild) -> None:
    officer = key_client(guild.officer, "write")

    first = open_with_key(officer, guild, "eqlog_Olwenna_xegony:fp1:10422")
    again = open_with_key(officer, guild, "eqlog_Olwenna_xegony:fp1:10422")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert first.get("Idempotent-Replayed") is None
    assert Auction.objects.count() == 1


def test_a_bid_sent_again_is_placed_once_and_a_refusal_sent_again_is_recorded_once(guild: Guild) -> None:
    auction = services.open_auction(item="Cloak of Flames", pool=guild.pool, actor=guild.officer, minutes=30)
    officer = key_client(guild.officer, "write")

    placed = [game_bid(officer, auction, "line-1", character_name="Gwendolyn", amount=40) for _ in range(3)]
    refused = [game_bid(officer, auction, "line-2", character_name="Pipperel", amount=40) for _ in range(3)]

    assert [r.status_code for r in placed] == [201, 201, 201]
    assert [r.status_code for r in refused] == [409, 409, 409]
    assert error_body(refused[2])["detail"] == "You have 10 points available in Main; a bid of 40 is more than that."
    assert ItemBid.objects.get(auction=auction).amount == 40
    actions = list(BidHistory.objects.filter(auction=auction).order_by("pk").values_list("user__username", "action"))
    assert actions == [("gwen", "placed"), ("pip", "rejected")]


def test_a_key_is_one_request_only(guild: Guild) -> None:
    auction = services.open_auction(item="Cloak of Flames", pool=guild.pool, actor=guild.officer, minutes=30)
    officer = key_client(guild.officer, "write")
    assert game_bid(officer, auction, "k-1", character_name="Gwendolyn", amount=40).status_code == 201

    other_body = game_bid(officer, auction, "k-1", character_name="Gwendolyn", amount=45)
    other_path = open_with_key(officer, guild, "k-1")

    for answer in (other_body, other_path):
        assert answer.status_code == 422
        assert error_body(answer)["error"] == "idempotency_key_reused"
    assert ItemBid.objects.get(auction=auction).amount == 40
    assert Auction.objects.count() == 1


def test_two_callers_keys_do_not_meet(guild: Guild) -> None:
    first = open_with_key(key_client(guild.officer, "write"), guild, "same", item="Cloak of Flames")
    second = open_with_key(key_client(guild.officer, "write"), guild, "same", item="Mask of Tinkering")

    assert (first.status_code, second.status_code) == (201, 201)
    assert sorted(Auction.objects.values_list("item__name", flat=True)) == ["Cloak of Flames", "Mask of Tinkering"]


def test_a_bad_key_is_refused_before_anything_is_done(guild: Guild) -> None:
    officer = key_client(guild.officer, "write")

    spaced = open_with_key(officer, guild, "two words")
    long = open_with_key(officer, guild, "x" * 101)

    for answer in (spaced, long):
        assert answer.status_code == 400
        assert error_body(answer)["error"] == "invalid_idempotency_key"
    assert not Auction.objects.exists()


def test_a_refusal_that_may_pass_later_is_not_kept(guild: Guild) -> None:
    """A member's key may not open auctions (403); once they are an officer the same key's request is done."""
    member = key_client(guild.good_member, "write")
    refused = open_with_key(member, guild, "try-1")
    set_role_group(user=guild.good_member, role_group="officer", actor=guild.officer)
    done = open_with_key(member, guild, "try-1")

    assert (refused.status_code, done.status_code) == (403, 201)
    assert Auction.objects.count() == 1


def test_a_request_still_being_answered_is_not_done_twice_and_one_cut_off_is_done_afresh(guild: Guild) -> None:
    officer = key_client(guild.officer, "write")
    first = open_with_key(officer, guild, "probe")  # learns the caller digest the middleware keeps
    caller = IdempotentRequest.objects.get(key="probe").caller
    path = reverse("api:auction-list")
    IdempotentRequest.objects.create(caller=caller, key="busy", method="POST", path=path)

    busy = open_with_key(officer, guild, "busy")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        afresh = open_with_key(officer, guild, "busy")

    assert first.status_code == 201
    assert (busy.status_code, error_body(busy)["error"]) == (409, "idempotency_key_in_use")
    assert afresh.status_code == 201
    assert Auction.objects.count() == 2


def test_answers_are_kept_for_a_day(guild: Guild) -> None:
    officer = key_client(guild.officer, "write")
    assert open_with_key(officer, guild, "day-old").status_code == 201

    with time_machine.travel(timezone.now() + dt.timedelta(days=1, minutes=1)):
        open_with_key(officer, guild, "next-day", item="Mask of Tinkering")
        again = open_with_key(officer, guild, "day-old")

    assert again.status_code == 201
    assert again.get("Idempotent-Replayed") is None  # forgotten after a day: done again
    assert Auction.objects.count() == 3
