"""Bad input at every door that takes a whole number: never a 500, always a 4xx in the one error
shape, and nothing written.

Generated from the URL conf and the OpenAPI schema, like the permission matrix: every API route
with an id in its address, every integer field of every request body, every integer query
parameter, and every page route with an id. A new route or field is covered without editing
this file. The page forms that take a whole number are listed by hand (a page's form is not in the URL
conf). The one row a refusal may write is a refused bid's "rejected" line in Bid History.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from dkp.accounts.keys import create_api_key
from dkp.accounts.models import ApiKey
from dkp.characters.models import Character, CharacterClaimRequest
from dkp.core.guild_settings import AUCTION_MINUTES, VOTE_THRESHOLD
from dkp.core.numbers import WholeNumber, record_id
from dkp.core.tests.test_api_matrix import _methods, _walk
from dkp.loot.models import Auction, BidHistory, Item, ItemBid, LootDistribution
from dkp.loot.services import BID, MINUTES, PRICE, award_loot, open_auction
from dkp.points.models import DkpPool, PointAdjustment, PointEntry
from dkp.points.pools import MINIMUM_BID, TAG_CAP
from dkp.points.services import ADJUSTMENT
from dkp.raids.missed import request_missed_tick
from dkp.raids.models import Event, MissedTickRequest, Raid, RaidAttendance, RaidTick
from dkp.raids.services import TICK_VALUE
from dkp.recruitment.models import ApplicationComment, ApplicationQuestion, ApplicationVote, GuildApplication
from dkp.recruitment.services import LEVEL, add_comment, create_question, submit_application
from dkp.testing.personas import Guild, build_guild, make_character

# What people and programs send instead of a plain whole number.
BAD_TEXT = {
    "superscript": "\u00b2",
    "arabic_indic": "\u0661\u0662",
    "fullwidth": "\uff15\uff10",
    "plus": "+5",
    "spaces": " 50 ",
    "fraction": "2.5",
    "whole_fraction": "1.0",
    "exponent": "1e3",
    "huge": "9" * 25,
    "empty": "",
}
# In a JSON body also the JSON types that are not a whole number.
BAD_JSON: dict[str, Any] = {**BAD_TEXT, "json_fraction": 2.5, "json_whole_float": 1.0, "json_true": True}
BAD_JSON["json_huge"] = 10**25
NESTED_BODY = "[" * 5000 + "]" * 5000

COUNTED = (
    PointEntry,
    PointAdjustment,
    DkpPool,
    Event,
    Raid,
    RaidTick,
    RaidAttendance,
    MissedTickRequest,
    Auction,
    ItemBid,
    LootDistribution,
    Item,
    Character,
    CharacterClaimRequest,
    GuildApplication,
    ApplicationVote,
    ApplicationComment,
    ApplicationQuestion,
    ApiKey,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


# --- one guild for the whole module -------------------------------------------------------------


class World:
    """The persona guild plus one of everything a detail route can name."""

    def __init__(self, guild: Guild) -> None:
        self.guild = guild
        officer = guild.officer
        self.auction = open_auction(item="Matrix Idol", pool=guild.pool, actor=officer, minutes=60)
        main = guild.good_member.main_character
        assert main is not None
        self.loot = award_loot(
            item=self.auction.item,
            pool=guild.pool,
            winner=guild.good_member,
            character_name=main.name,
            price=1,
            actor=officer,
        )
        self.character = make_character("Matrixless")
        self.claim = CharacterClaimRequest.objects.create(character=self.character, requester=guild.poor_member)
        self.question = create_question(actor=officer, text="Matrix?", required=False)
        self.application = submit_application(
            applicant=guild.guest,
            character_name="Matrixapp",
            character_class="Warrior",
            character_level=60,
            answers={},
        )
        self.comment = add_comment(application=self.application, author=guild.good_member, body="Hello")
        poor_main = guild.poor_member.main_character
        assert poor_main is not None
        tick = next(t for t in guild.ticks if not t.attendance.filter(user=guild.poor_member).exists())
        self.missed = request_missed_tick(tick=tick, character=poor_main, evidence="log", requester=guild.poor_member)
        self.key, _ = create_api_key(owner=officer, name="matrix", scopes=["read"], expires_at=None, actor=officer)

    def pk_for(self, basename: str) -> int:
        guild = self.guild
        return {
            "user": guild.good_member.pk,
            "character": self.character.pk,
            "claim": self.claim.pk,
            "pool": guild.pool.pk,
            "api-key": self.key.pk,
            "raid": guild.raid.pk,
            "tick": guild.ticks[-1].pk,
            "missed-tick-request": self.missed.pk,
            "application": self.application.pk,
            "application-comment": self.comment.pk,
            "application-question": self.question.pk,
            "item": self.auction.item_id,
            "auction": self.auction.pk,
            "loot": self.loot.pk,
        }[basename]


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once, inside a transaction every test nests in and that is rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = World(build_guild(now=timezone.now() - dt.timedelta(hours=1)))
        yield built
        transaction.set_rollback(True)


# Who sends the request: an officer may do anything but apply to the guild.
ACTOR_FOR = {"/api/v1/applications/": "applicant"}


@pytest.fixture
def officer_api(world: World, db: None) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=world.guild.officer)
    return client


def _client_for(world: World, path: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=getattr(world.guild, ACTOR_FOR.get(path, "officer")))
    return client


def _assert_refused(response: Any, where: str) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, f"{where}: {response.status_code}"
    body = response.json()
    assert isinstance(body.get("error"), str), f"{where}: {body}"
    assert body["error"], f"{where}: {body}"
    assert isinstance(body.get("detail"), str), f"{where}: {body}"
    assert body["detail"], f"{where}: {body}"
    return body


def _assert_nothing_written(before: dict[str, int], where: str) -> None:
    after = _counts()
    changed = [(name, before[name], after[name]) for name in before if before[name] != after[name]]
    assert not changed, f"{where}: rows changed {changed}"


# --- ids in API addresses -----------------------------------------------------------------------

_DETAIL = re.compile(r"\(\?P<pk>[^)]*\)")


def _api_detail_routes() -> list[tuple[str, str, str]]:
    routes: list[tuple[str, str, str]] = []
    for route, full_name, pattern in _walk(get_resolver().url_patterns):
        if route.startswith("api/v1/") and _DETAIL.search(route) and isinstance(pattern, URLPattern):
            name = full_name.split(":")[-1]
            routes.extend((name, route, method) for method in _methods(pattern))
    return sorted(routes)


API_DETAIL_ROUTES = _api_detail_routes()


def _api_path(route: str, pk_text: str) -> str:
    path = "/" + _DETAIL.sub(quote(pk_text, safe=""), route)
    return path.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")


def test_the_matrix_sees_the_detail_routes() -> None:
    names = {name for name, _, _ in API_DETAIL_ROUTES}
    assert {"application-detail", "application-vote", "missed-tick-request-approve", "user-ledger"} <= names


# One test per route, every bad value in turn: the per-test cost of a database savepoint, the
# counts and a client is paid once per route rather than once per value.


@pytest.mark.parametrize(("name", "route", "method"), API_DETAIL_ROUTES)
def test_a_bad_id_in_an_api_address_is_a_4xx(
    world: World, officer_api: APIClient, name: str, route: str, method: str
) -> None:
    before = _counts()
    for value in BAD_TEXT.values():
        path = _api_path(route, value)
        response = getattr(officer_api, method.lower())(path, {}, format="json")
        body = _assert_refused(response, f"{method} {path}")
        if response.status_code == 400:
            assert "id in the address" in body["detail"], body
    _assert_nothing_written(before, f"{method} {route}")


# --- integer fields in request bodies, from the OpenAPI schema -----------------------------------


@functools.cache
def _schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _integer_fields() -> list[tuple[str, str, str]]:
    schema = _schema()
    components = schema["components"]["schemas"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        return components[node["$ref"].split("/")[-1]] if "$ref" in node else node

    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json")
            if body is None:
                continue
            for field, spec in resolve(body["schema"]).get("properties", {}).items():
                spec = resolve(spec)
                if spec.get("type") == "integer" or any(o.get("type") == "integer" for o in spec.get("oneOf", [])):
                    found.append((path, method.upper(), field))
    return sorted(found)


INTEGER_FIELDS = _integer_fields()
# A bid's amount is read by the bid service, which names it in its sentence rather than the field.
NAMED_IN_DETAIL = {
    ("/api/v1/auctions/{id}/bid/", "amount"): "A bid",
    ("/api/v1/auctions/{id}/game-bid/", "amount"): "A bid",
}
# Fields a body needs beside the one under test, so the refusal is the tested field's.
ALONGSIDE = {"/api/v1/auctions/{id}/game-bid/": {"character_name": "Gwendolyn"}}


def test_the_matrix_sees_the_integer_fields() -> None:
    fields = {(path, field) for path, _, field in INTEGER_FIELDS}
    assert {
        ("/api/v1/adjustments/", "user"),
        ("/api/v1/ticks/", "value"),
        ("/api/v1/auctions/{id}/bid/", "amount"),
    } <= fields


def _detail_path(world: World, path: str) -> str:
    if "{id}" not in path:
        return path
    basename = path.split("/")[3].rstrip("s")  # /api/v1/auctions/{id}/bid/ -> auction
    return path.replace("{id}", str(world.pk_for(basename)))


@pytest.mark.parametrize(("path", "method", "field"), INTEGER_FIELDS)
def test_a_bad_whole_number_in_a_json_body_is_a_4xx_naming_the_field(
    world: World, db: None, path: str, method: str, field: str
) -> None:
    before = _counts()
    bids = BidHistory.objects.count()
    url = _detail_path(world, path)
    client = _client_for(world, path)
    named = NAMED_IN_DETAIL.get((path, field))
    for value in BAD_JSON.values():
        payload = {**ALONGSIDE.get(path, {}), field: value}
        response = getattr(client, method.lower())(url, payload, format="json")
        body = _assert_refused(response, f"{method} {url} {field}={value!r}")
        if named is not None:
            assert body["detail"].startswith(named), body
        else:
            assert field in body.get("fields", {}), body
    # The documented exception: a refused bid writes its "rejected" line in Bid History.
    assert BidHistory.objects.count() == bids + (len(BAD_JSON) if named else 0)
    _assert_nothing_written(before, f"{method} {url}")


def _write_routes() -> list[tuple[str, str]]:
    schema = _schema()
    return sorted(
        (path, method.upper())
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("post", "patch", "put", "delete")
    )


@pytest.mark.parametrize(("path", "method"), _write_routes())
def test_a_deeply_nested_json_body_is_a_400_on_every_write(
    world: World, officer_api: APIClient, path: str, method: str
) -> None:
    before = _counts()
    bids = BidHistory.objects.count()
    url = _detail_path(world, path)
    client = _client_for(world, path)
    response = getattr(client, method.lower())(url, NESTED_BODY, content_type="application/json")
    body = _assert_refused(response, f"{method} {url}")
    assert response.status_code == 400, body
    assert body["error"] == "body_too_deep", body
    _assert_nothing_written(before, f"{method} {url}")
    assert BidHistory.objects.count() == bids


def test_an_oversized_json_body_is_a_400(world: World, officer_api: APIClient) -> None:
    body = json.dumps({"reason": "x" * 1_100_000, "user": 1, "pool": 1, "amount": 1})
    response = officer_api.post("/api/v1/adjustments/", body, content_type="application/json")
    assert _assert_refused(response, "big body")["error"] == "body_too_large"


# --- integer query parameters (filters, page, page_size) ------------------------------------------


def _integer_query_parameters() -> list[tuple[str, str]]:
    schema = _schema()
    return sorted(
        (path, parameter["name"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method == "get"
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query" and parameter.get("schema", {}).get("type") == "integer"
    )


# An empty query parameter is the same as none (as a blank filter in a form): not refused.
BAD_QUERY = {key: value for key, value in BAD_TEXT.items() if key != "empty"}


@pytest.mark.parametrize(("path", "parameter"), _integer_query_parameters())
def test_a_bad_whole_number_in_a_query_is_a_400_naming_the_parameter(
    world: World, officer_api: APIClient, path: str, parameter: str
) -> None:
    url = _detail_path(world, path)
    for value in BAD_QUERY.values():
        response = officer_api.get(url, {parameter: value})
        body = _assert_refused(response, f"GET {url}?{parameter}={value!r}")
        assert response.status_code == 400, body
        assert parameter in body.get("fields", {}) or body["detail"].startswith(parameter), body


# --- ids in page addresses ----------------------------------------------------------------------


def _page_id_routes() -> list[tuple[str, str]]:
    return sorted(
        (full_name, route)
        for route, full_name, pattern in _walk(get_resolver().url_patterns)
        if "<id:" in route and not route.startswith("api/")
    )


PAGE_ID_ROUTES = _page_id_routes()


def test_every_page_id_uses_the_strict_converter() -> None:
    loose = [
        route
        for route, _, _ in _walk(get_resolver().url_patterns)
        if "<int:" in route and not route.startswith("admin/")
    ]
    assert not loose, f"page routes with <int:...> (use <id:...>): {loose}"


PAGE_BAD = {**BAD_TEXT, "past_any_id": str(2**63)}


@pytest.mark.parametrize(("name", "route"), PAGE_ID_ROUTES)
def test_a_bad_id_in_a_page_address_is_a_404(world: World, db: None, name: str, route: str) -> None:
    client = Client()
    client.force_login(world.guild.officer)
    before = _counts()
    for value in PAGE_BAD.values():
        path = "/" + re.sub(r"<id:\w+>", quote(value, safe=""), route)
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"
    _assert_nothing_written(before, route)


# --- whole numbers typed into page forms ---------------------------------------------------------


class PageForm:
    """One integer field of one page's form: where it posts, who posts, and the rest of the form."""

    def __init__(
        self,
        name: str,
        field: str,
        sentences: tuple[str, ...],
        url: Callable[[World], str],
        form: Callable[[World], dict[str, Any]],
        *,
        who: str = "officer",
        blank_is_default: bool = False,
    ) -> None:
        self.name, self.field, self.sentences, self.url, self.form = name, field, sentences, url, form
        self.who, self.blank_is_default = who, blank_is_default


def _sentences(rule: WholeNumber) -> tuple[str, ...]:
    return (rule.not_a_number, rule.out_of_range)


def _local_now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


# The officer pages' forms filled in with good values, for the one field under test to spoil.
_OFFICER_POOL_FORM = {
    "name": "Main",
    "is_active": "on",
    "price_rule": "second_price",
    "minimum_bid": "1",
    "bid_increment": "0",
    "visibility": "sealed",
    "decay_percent": "0",
    "decay_period_days": "30",
    "decay_floor": "0",
}
_OFFICER_SETTINGS_FORM = {
    "guild_name": "Ashen Vanguard",
    "server_name": "xegony",
    "time_zone": "America/New_York",
    "vote_threshold_percent": "15",
    "item_link_template": "https://everquest.allakhazam.com/db/item.html?item={id}",
    "auction_minutes": "5",
}

PAGE_FORMS = [
    PageForm(
        "raid_new.event",
        "event",
        (*_sentences(record_id("The event")), "Choose the raid&#x27;s event."),
        lambda w: reverse("raids:raid_new"),
        lambda w: {"starts_at": _local_now(), "note": ""},
    ),
    PageForm(
        "tick_edit.value",
        "value",
        _sentences(TICK_VALUE),
        lambda w: reverse("raids:tick_edit", args=[w.guild.ticks[-1].pk]),
        lambda w: {"occurred_at": ""},
        blank_is_default=True,
    ),
    PageForm(
        "adjust.amount",
        "amount",
        (*_sentences(ADJUSTMENT), "Give the number of points"),
        lambda w: reverse("points:adjust"),
        lambda w: {"user": w.guild.poor_member.pk, "pool": w.guild.pool.pk, "reason": "matrix"},
    ),
    PageForm(
        "adjust.user",
        "user",
        (*_sentences(record_id("The member")), "Choose the member whose points change."),
        lambda w: reverse("points:adjust"),
        lambda w: {"pool": w.guild.pool.pk, "amount": "5", "reason": "matrix"},
    ),
    PageForm(
        "adjust.pool",
        "pool",
        (*_sentences(record_id("The pool")), "Choose the pool the points are in."),
        lambda w: reverse("points:adjust"),
        lambda w: {"user": w.guild.poor_member.pk, "amount": "5", "reason": "matrix"},
        blank_is_default=True,  # the only pool is chosen for you
    ),
    PageForm(
        "loot_open.minutes",
        "minutes",
        _sentences(MINUTES),
        lambda w: reverse("loot_officer:open"),
        lambda w: {"items": "Matrix Cloak", "pool": w.guild.pool.pk},
        blank_is_default=True,
    ),
    PageForm(
        "loot_open.raid",
        "raid",
        _sentences(record_id("The raid")),
        lambda w: reverse("loot_officer:open"),
        lambda w: {"items": "Matrix Cloak", "pool": w.guild.pool.pk},
        blank_is_default=True,
    ),
    PageForm(
        "loot_extend.minutes",
        "minutes",
        _sentences(MINUTES),
        lambda w: reverse("loot_officer:extend", args=[w.auction.pk]),
        lambda w: {},
    ),
    PageForm(
        "loot_award.price",
        "price",
        (*_sentences(PRICE), "give a price for"),
        lambda w: reverse("loot_officer:award"),
        lambda w: {"action": "award", "pool": w.guild.pool.pk, "character": "Gwendolyn", "item": "Matrix Idol"},
    ),
    PageForm(
        "bid.amount",
        "amount",
        _sentences(BID),
        lambda w: reverse("loot:bid", args=[w.auction.pk]),
        lambda w: {"tag": "main"},
        who="good_member",
    ),
    PageForm(
        "apply.character_level",
        "character_level",
        (*_sentences(LEVEL), "This field is required."),
        lambda w: reverse("recruitment:apply"),
        lambda w: {"character_name": "Newcomer", "character_class": "Warrior"},
        who="applicant",
    ),
    PageForm(
        "officer_event.default_tick_value",
        "default_tick_value",
        _sentences(TICK_VALUE),
        lambda w: reverse("officer:event_new"),
        lambda w: {"name": "Matrix Event", "pool": w.guild.pool.pk},
    ),
    PageForm(
        "officer_pool.minimum_bid",
        "minimum_bid",
        _sentences(MINIMUM_BID),
        lambda w: reverse("officer:pool_edit", args=[w.guild.pool.pk]),
        lambda w: _OFFICER_POOL_FORM,
    ),
    PageForm(
        "officer_pool.tag_cap_alt",
        "tag_cap_alt",
        _sentences(TAG_CAP),
        lambda w: reverse("officer:pool_edit", args=[w.guild.pool.pk]),
        lambda w: _OFFICER_POOL_FORM,
        blank_is_default=True,  # a blank cap is no cap
    ),
    PageForm(
        "officer_settings.vote_threshold_percent",
        "vote_threshold_percent",
        _sentences(VOTE_THRESHOLD),
        lambda w: reverse("officer:settings"),
        lambda w: _OFFICER_SETTINGS_FORM,
    ),
    PageForm(
        "officer_settings.auction_minutes",
        "auction_minutes",
        _sentences(AUCTION_MINUTES),
        lambda w: reverse("officer:settings"),
        lambda w: _OFFICER_SETTINGS_FORM,
    ),
    PageForm(
        "missed_tick.character",
        "character",
        ("Pick one of your own characters.", "This field is required."),
        lambda w: reverse("missed:new", args=[w.guild.ticks[0].pk]),
        lambda w: {"evidence": "log"},
        who="poor_member",
    ),
]


@pytest.mark.parametrize("page_form", PAGE_FORMS, ids=[form.name for form in PAGE_FORMS])
def test_a_bad_whole_number_typed_into_a_page_is_a_4xx_with_the_sentence(
    world: World, db: None, page_form: PageForm
) -> None:
    client = Client()
    client.force_login(getattr(world.guild, page_form.who))
    before = _counts()
    bids = BidHistory.objects.count()
    tried = 0
    for key, value in BAD_TEXT.items():
        if key == "empty" and page_form.blank_is_default:
            continue  # blank is "the default" there (the event's tick value, the guild's auction length)
        tried += 1
        page = client.post(page_form.url(world), {**page_form.form(world), page_form.field: value})
        where = f"{page_form.name}={value!r}: {page.status_code}"
        assert 400 <= page.status_code < 500, where
        text = page.content.decode()
        assert any(sentence in text for sentence in page_form.sentences), f"{where}: {text[-2000:]}"
    # A refused bid writes its "rejected" line; nothing else is written.
    assert BidHistory.objects.count() == bids + (tried if page_form.name == "bid.amount" else 0)
    _assert_nothing_written(before, page_form.name)
