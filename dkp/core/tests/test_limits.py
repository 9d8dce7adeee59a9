"""One table per limit, run through every door that takes it: the page, the API, the bot and the
admin accept the same values and refuse the same ones with the same sentence (the service's).

A door here is a function of the guild and the typed values that answers, per value, ``None``
(accepted) or the text the person was shown; the expected sentence must be in it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from dkp.bot.core import db
from dkp.bot.tests.test_bot_auctions import said
from dkp.core.tests.test_admin import url as admin_url
from dkp.loot.models import Auction
from dkp.loot.services import BID, MAX_BID, open_auction
from dkp.points.models import DkpPool, PointAdjustment
from dkp.points.pools import MAX_POOL_POINTS, MINIMUM_BID
from dkp.points.services import ADJUSTMENT, MAX_ADJUSTMENT
from dkp.raids.models import Event
from dkp.raids.services import MAX_TICK_VALUE, TICK_VALUE
from dkp.raids.tests.samples import FIRST, sample
from dkp.recruitment.models import GuildApplication
from dkp.recruitment.services import LEVEL, MAX_LEVEL
from dkp.testing.personas import Guild, make_character
from dkp.testing.simcord_world import World, in_discord

Outcome = str | None  # None: accepted; else what the person was shown
Door = Callable[[Guild, list[str]], list[Outcome]]


def _table(
    rule: Any, accepted: list[str], out_of_range: list[str], not_numbers: list[str]
) -> list[tuple[str, Outcome]]:
    return (
        [(typed, None) for typed in accepted]
        + [(typed, rule.out_of_range) for typed in out_of_range]
        + [(typed, rule.not_a_number) for typed in not_numbers]
    )


NOT_NUMBERS = ["+5", " 50", "50 ", "2.5", "1.0", "1e3", "\u0661\u0662", "\uff15\uff10", "\u00b2"]


def _check(door: Door, guild: Guild, table: list[tuple[str, Outcome]]) -> None:
    typed = [value for value, _ in table]
    outcomes = door(guild, typed)
    for (value, expected), got in zip(table, outcomes, strict=True):
        if expected is None:
            assert got is None, f"{value!r} should be accepted, was refused: {got}"
        else:
            assert got is not None, f"{value!r} should be refused with {expected!r}, was accepted"
            assert expected in got, f"{value!r}: expected {expected!r} in {got!r}"


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def _page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api_refusal(response: Any, field: str | None) -> Outcome:
    if response.status_code < 300:
        return None
    assert 400 <= response.status_code < 500, response.content
    body = response.json()
    if field is not None and field in body.get("fields", {}):
        return " ".join(body["fields"][field])
    return str(body["detail"])


def _admin_refusal(response: Any) -> Outcome:
    if response.status_code == 302 and not [m for m in get_messages(response.wsgi_request) if m.level_tag == "error"]:
        return None
    return response.content.decode() + " ".join(str(m) for m in get_messages(response.wsgi_request))


# --- tick value ----------------------------------------------------------------------------------

TICK_TABLE = _table(TICK_VALUE, ["1", "75", str(MAX_TICK_VALUE)], ["0", "-5", str(MAX_TICK_VALUE + 1)], NOT_NUMBERS)


def _tick_page(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _page_client(guild.officer)
    tick = guild.ticks[-1]
    outcomes: list[Outcome] = []
    for value in typed:
        page = client.post(reverse("raids:tick_edit", args=[tick.pk]), {"value": value, "occurred_at": ""})
        outcomes.append(None if page.status_code == 302 else page.content.decode())
    return outcomes


def _tick_api(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _api(guild.officer)
    tick = guild.ticks[-1]
    return [
        _api_refusal(client.patch(f"/api/v1/ticks/{tick.pk}/", {"value": value}, format="json"), "value")
        for value in typed
    ]


def _tick_bot(guild: Guild, typed: list[str]) -> list[Outcome]:
    make_character("Zelroso", owner=guild.good_member, eq_class="Ranger")

    async def scenario(world: World) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for value in typed:
            result = await world.officer.slash(world.channel, "raid tick", dump=sample(FIRST), value=value)
            shown = said(result)
            assert result.ephemeral, shown
            outcomes.append(None if shown.startswith("**Tick preview**") else shown)
        return outcomes

    return in_discord(guild, scenario)


def _event_api(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _api(guild.officer)
    return [
        _api_refusal(
            client.post(
                "/api/v1/events/", {"pool": guild.pool.pk, "name": f"Ev {i}", "default_tick_value": v}, format="json"
            ),
            "default_tick_value",
        )
        for i, v in enumerate(typed)
    ]


def _event_admin(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _page_client(guild.officer)
    outcomes = []
    for i, value in enumerate(typed):
        form = {"pool": guild.pool.pk, "name": f"Admin ev {i}", "default_tick_value": value, "is_active": "on"}
        outcomes.append(_admin_refusal(client.post(admin_url(Event, "add"), form)))
    return outcomes


@pytest.mark.parametrize(
    "door", [_tick_page, _tick_api, _tick_bot, _event_api, _event_admin], ids=lambda door: door.__name__
)
def test_every_door_takes_the_same_tick_values(guild: Guild, door: Door) -> None:
    _check(door, guild, TICK_TABLE)


# --- adjustment ----------------------------------------------------------------------------------

ADJUSTMENT_TABLE = _table(
    ADJUSTMENT,
    ["5", "-5", str(MAX_ADJUSTMENT), str(-MAX_ADJUSTMENT)],
    ["0", "-0", str(MAX_ADJUSTMENT + 1), str(-MAX_ADJUSTMENT - 1), "9" * 25],
    [*NOT_NUMBERS, "--5", "5-"],
)


def _adjustment_form(guild: Guild, amount: str) -> dict[str, Any]:
    return {"user": guild.poor_member.pk, "pool": guild.pool.pk, "amount": amount, "reason": "limits"}


def _adjust_page(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _page_client(guild.officer)
    outcomes: list[Outcome] = []
    for value in typed:
        page = client.post(reverse("points:adjust"), _adjustment_form(guild, value))
        outcomes.append(None if page.status_code == 302 else page.content.decode())
    return outcomes


def _adjust_api(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _api(guild.officer)
    return [
        _api_refusal(client.post("/api/v1/adjustments/", _adjustment_form(guild, v), format="json"), "amount")
        for v in typed
    ]


def _adjust_admin(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _page_client(guild.officer)
    return [_admin_refusal(client.post(admin_url(PointAdjustment, "add"), _adjustment_form(guild, v))) for v in typed]


@pytest.mark.parametrize("door", [_adjust_page, _adjust_api, _adjust_admin], ids=lambda door: door.__name__)
def test_every_door_takes_the_same_adjustments(guild: Guild, door: Door) -> None:
    before = PointAdjustment.objects.count()
    _check(door, guild, ADJUSTMENT_TABLE)
    assert PointAdjustment.objects.count() == before + 4  # exactly the accepted ones were written


# --- bid amount ----------------------------------------------------------------------------------

# Rising, so each accepted bid raises the last; all within the bidder's balance.
# (An empty amount is refused too, on the page and in the API; Discord sends no empty option.)
BID_TABLE = _table(BID, ["1", "2", "3"], ["0", "-5", str(MAX_BID + 1), "9" * 25], NOT_NUMBERS)


def _auction(guild: Guild) -> Auction:
    return open_auction(item="Limit Idol", pool=guild.pool, actor=guild.officer, minutes=60)


def _bid_page(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _page_client(guild.good_member)
    auction = _auction(guild)
    outcomes: list[Outcome] = []
    for value in typed:
        page = client.post(reverse("loot:bid", args=[auction.pk]), {"amount": value, "tag": "main"})
        outcomes.append(None if page.status_code == 302 else page.content.decode())
    return outcomes


def _bid_api(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _api(guild.good_member)
    auction = _auction(guild)
    return [
        _api_refusal(client.post(f"/api/v1/auctions/{auction.pk}/bid/", {"amount": v}, format="json"), None)
        for v in typed
    ]


def _bid_bot(guild: Guild, typed: list[str]) -> list[Outcome]:
    auction = _auction(guild)

    async def scenario(world: World) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for value in typed:
            result = await world.good_member.slash(world.channel, "bid", item=str(auction.pk), amount=value)
            shown = said(result)
            outcomes.append(None if shown.startswith("Your bid of") else shown)
        return outcomes

    return in_discord(guild, scenario)


@pytest.mark.parametrize("door", [_bid_page, _bid_api, _bid_bot], ids=lambda door: door.__name__)
def test_every_door_takes_the_same_bids(guild: Guild, door: Door) -> None:
    _check(door, guild, BID_TABLE)


# --- character level on an application -----------------------------------------------------------

LEVEL_TABLE = _table(LEVEL, ["1", "60", str(MAX_LEVEL)], ["0", str(MAX_LEVEL + 1), "9" * 25], NOT_NUMBERS)


def _apply_page(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _page_client(guild.guest)
    outcomes: list[Outcome] = []
    for value in typed:
        form = {"character_name": "Newcomer", "character_class": "Warrior", "character_level": value}
        page = client.post(reverse("recruitment:apply"), form)
        outcomes.append(None if page.status_code == 302 else page.content.decode())
        GuildApplication.objects.filter(applicant=guild.guest).delete()  # so the next one may apply
    return outcomes


def _apply_api(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _api(guild.guest)
    outcomes: list[Outcome] = []
    for value in typed:
        body = {"character_name": "Newcomer", "character_class": "Warrior", "character_level": value}
        outcomes.append(_api_refusal(client.post("/api/v1/applications/", body, format="json"), "character_level"))
        GuildApplication.objects.filter(applicant=guild.guest).delete()
    return outcomes


def _apply_bot(guild: Guild, typed: list[str]) -> list[Outcome]:
    async def scenario(world: World) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for value in typed:
            shown = await world.guest.slash(world.channel, "apply")
            result = await world.guest.submit_modal(shown, {"character": "Newcomer", "class_level": f"Warrior {value}"})
            told = said(result)
            outcomes.append(None if told.startswith("Application received") else told)
            await db(GuildApplication.objects.filter(applicant=guild.guest).delete)
        return outcomes

    return in_discord(guild, scenario)


@pytest.mark.parametrize("door", [_apply_page, _apply_api], ids=lambda door: door.__name__)
def test_every_door_takes_the_same_levels(guild: Guild, door: Door) -> None:
    _check(door, guild, LEVEL_TABLE)


def test_the_bot_takes_the_same_levels_within_its_class_and_level_box(guild: Guild) -> None:
    # The bot's one text box holds "class level"; a word that is not ASCII digits is no level, so
    # the bot asks for class and level again. Every number it does read meets the same rule.
    numbers = [(typed, outcome) for typed, outcome in LEVEL_TABLE if typed.isascii() and typed.isdigit()]
    _check(_apply_bot, guild, numbers)


# --- a pool's numbers (API and admin) ---------------------------------------------------------------

MINIMUM_BID_TABLE = _table(MINIMUM_BID, ["0", "5", str(MAX_POOL_POINTS)], [str(MAX_POOL_POINTS + 1), "-1"], NOT_NUMBERS)


def _pool_api(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _api(guild.officer)
    return [
        _api_refusal(client.patch(f"/api/v1/pools/{guild.pool.pk}/", {"minimum_bid": v}, format="json"), "minimum_bid")
        for v in typed
    ]


def _pool_admin(guild: Guild, typed: list[str]) -> list[Outcome]:
    client = _page_client(guild.officer)
    pool = guild.pool
    outcomes: list[Outcome] = []
    for value in typed:
        form = {
            "name": pool.name,
            "description": pool.description,
            "is_active": "on",
            "price_rule": pool.price_rule,
            "minimum_bid": value,
            "bid_increment": "0",
            "tag_caps": "{}",
            "visibility": pool.visibility,
            "decay_percent": "0",
            "decay_period_days": "30",
            "decay_floor": "0",
        }
        outcomes.append(_admin_refusal(client.post(admin_url(DkpPool, "change", pool.pk), form)))
    return outcomes


@pytest.mark.parametrize("door", [_pool_api, _pool_admin], ids=lambda door: door.__name__)
def test_every_door_takes_the_same_minimum_bids(guild: Guild, door: Door) -> None:
    _check(door, guild, MINIMUM_BID_TABLE)
