"""The REST API's behaviour: balances, standings, adjustments, API keys, errors and throttling."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from dkp.accounts.keys import create_api_key
from dkp.accounts.models import ApiKey
from dkp.characters.models import EqClass
from dkp.points.models import PointAdjustment, PointEntry, UserPointsSummary
from dkp.testing.api_client import error_body, session_client
from dkp.testing.personas import TICK_VALUE, Guild


def _balance(guild: Guild, user: Any) -> int:
    return UserPointsSummary.objects.get(user=user, pool=guild.pool).balance


def test_me_shows_characters_and_balances_per_pool(guild: Guild) -> None:
    body = session_client(guild.good_member).get(reverse("api:me")).json()
    assert body["username"] == "gwen"
    assert body["discord_id"] == guild.good_member.discord_id
    assert body["role_group"] == "member"
    assert [c["name"] for c in body["characters"]] == ["Gwendolyn"]
    assert body["balances"] == [
        {
            "pool": guild.pool.pk,
            "pool_name": "Main",
            "balance": 9 * TICK_VALUE,
            "earned": 9 * TICK_VALUE,
            "spent": 0,
            "adjusted": 0,
            "decayed": 0,
            "lifetime_earned": 9 * TICK_VALUE,
        }
    ]


def test_standings_are_ordered_by_balance_and_filter_by_class_and_role(guild: Guild) -> None:
    client = session_client(guild.good_member)
    url = reverse("api:pool-standings", kwargs={"pk": guild.pool.pk})
    rows = client.get(url).json()["results"]
    balances = [r["balance"] for r in rows]
    assert balances == sorted(balances, reverse=True)
    assert rows[-1]["username"] == "pip"
    assert [r["username"] for r in client.get(url, {"class": EqClass.ROGUE}).json()["results"]] == ["pip"]
    assert {r["username"] for r in client.get(url, {"role": "member"}).json()["results"]} == {"gwen", "pip"}
    by_name = [r["name"] for r in client.get(url, {"ordering": "name"}).json()["results"]]
    assert by_name == sorted(by_name)


def test_own_ledger_is_readable_but_not_someone_elses(guild: Guild) -> None:
    client = session_client(guild.good_member)
    own = client.get(reverse("api:user-ledger", kwargs={"pk": guild.good_member.pk}))
    assert own.status_code == 200
    assert own.json()["count"] == 9
    assert client.get(reverse("api:me-ledger")).json()["count"] == 9
    other = client.get(reverse("api:user-ledger", kwargs={"pk": guild.poor_member.pk}))
    assert other.status_code == 403
    error_body(other)


def test_officer_adjustment_through_the_api_moves_the_balance(guild: Guild) -> None:
    before = _balance(guild, guild.poor_member)
    response = session_client(guild.officer).post(
        reverse("api:adjustment-list"),
        {"user": guild.poor_member.pk, "pool": guild.pool.pk, "amount": -7, "reason": "late to pull"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount"] == -7
    assert _balance(guild, guild.poor_member) == before - 7


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"amount": 0}, 400),
        ({"amount": 2.5}, 400),
        ({"amount": 10.0}, 400),
        ({"amount": "+10"}, 400),
        ({"amount": " 10"}, 400),
        ({"user": 2.5}, 400),
        ({"user": "+5"}, 400),
        ({"pool": 1.0}, 400),
        ({"amount": "ten"}, 400),
        ({"amount": True}, 400),
        ({"reason": ""}, 400),
        ({"reason": "   "}, 400),
        ({"reason": None}, 400),
        ({"user": 999_999}, 400),
        ({"pool": 999_999}, 400),
    ],
)
def test_bad_adjustment_payload_is_refused_and_writes_nothing(guild: Guild, change: dict, status: int) -> None:
    payload = {"user": guild.poor_member.pk, "pool": guild.pool.pk, "amount": 5, "reason": "ok"} | change
    entries = PointEntry.objects.count()
    response = session_client(guild.officer).post(reverse("api:adjustment-list"), payload, format="json")
    assert response.status_code == status
    error_body(response)
    assert PointEntry.objects.count() == entries
    assert not PointAdjustment.objects.exists()


def test_missing_reason_names_the_field(guild: Guild) -> None:
    payload = {"user": guild.poor_member.pk, "pool": guild.pool.pk, "amount": 5}
    response = session_client(guild.officer).post(reverse("api:adjustment-list"), payload, format="json")
    body = error_body(response)
    assert body["error"] == "invalid_input"
    assert "reason" in body["detail"]
    assert "reason" in body["fields"]


def test_malformed_json_is_a_400_with_the_error_shape(guild: Guild) -> None:
    response = session_client(guild.officer).post(
        reverse("api:adjustment-list"), data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert error_body(response)["error"] == "parse_error"


def test_unknown_pool_is_a_404_with_the_error_shape(guild: Guild) -> None:
    response = session_client(guild.good_member).get(reverse("api:pool-detail", kwargs={"pk": 999_999}))
    assert response.status_code == 404
    assert error_body(response)["error"] == "not_found"


def test_api_key_secret_is_shown_once_and_revoking_stops_it(guild: Guild) -> None:
    client = session_client(guild.good_member)
    created = client.post(reverse("api:api-key-list"), {"name": "my script", "scopes": ["read"]}, format="json")
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert secret.startswith(f"dkp_{created.json()['prefix']}_")
    key = ApiKey.objects.get()
    assert secret not in (key.secret_hash, key.prefix)

    listed = client.get(reverse("api:api-key-list")).json()["results"]
    assert [k["name"] for k in listed] == ["my script"]
    assert "secret" not in listed[0]
    assert secret not in str(listed)

    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert bearer.get(reverse("api:me")).json()["username"] == "gwen"
    key.refresh_from_db()
    assert key.last_used_at is not None

    assert client.delete(reverse("api:api-key-detail", kwargs={"pk": key.pk})).status_code == 204
    assert bearer.get(reverse("api:me")).status_code == 401


def test_nobody_revokes_someone_elses_key_through_the_list(guild: Guild) -> None:
    key, _ = create_api_key(
        owner=guild.poor_member, name="pip", scopes=["read"], expires_at=None, actor=guild.poor_member
    )
    response = session_client(guild.good_member).delete(reverse("api:api-key-detail", kwargs={"pk": key.pk}))
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


@pytest.mark.parametrize(
    "payload", [{"name": "x", "scopes": []}, {"name": "x", "scopes": ["admin"]}, {"scopes": ["read"]}]
)
def test_bad_api_key_requests_are_refused(guild: Guild, payload: dict) -> None:
    response = session_client(guild.good_member).post(reverse("api:api-key-list"), payload, format="json")
    assert response.status_code == 400
    error_body(response)
    assert not ApiKey.objects.exists()


def test_officer_sets_a_role_group(guild: Guild) -> None:
    url = reverse("api:user-detail", kwargs={"pk": guild.applicant.pk})
    response = session_client(guild.officer).patch(url, {"role_group": "member"}, format="json")
    assert response.status_code == 200
    guild.applicant.refresh_from_db()
    assert guild.applicant.role_group == "member"
    bad = session_client(guild.officer).patch(url, {"role_group": "king"}, format="json")
    assert bad.status_code == 400
    error_body(bad)


def test_member_claims_a_character_and_an_officer_approves(guild: Guild) -> None:
    from dkp.testing.personas import make_character

    character = make_character("Lostsoul", eq_class=EqClass.MONK)
    claim = session_client(guild.poor_member).post(
        reverse("api:character-claim", kwargs={"pk": character.pk}), {}, format="json"
    )
    assert claim.status_code == 201
    again = session_client(guild.poor_member).post(
        reverse("api:character-claim", kwargs={"pk": character.pk}), {}, format="json"
    )
    assert again.status_code == 409
    error_body(again)
    assert session_client(guild.good_member).get(reverse("api:claim-list")).json()["count"] == 0
    approved = session_client(guild.officer).post(
        reverse("api:claim-approve", kwargs={"pk": claim.json()["id"]}), {}, format="json"
    )
    assert approved.status_code == 200
    character.refresh_from_db()
    assert character.owner == guild.poor_member


def test_lists_are_paginated_with_a_page_size(guild: Guild) -> None:
    body = session_client(guild.good_member).get(reverse("api:character-list"), {"page_size": 2}).json()
    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"]


def test_throttling_answers_429_with_retry_after(guild: Guild, monkeypatch: pytest.MonkeyPatch) -> None:
    from rest_framework.settings import api_settings

    from dkp.core.api import KeyOrUserRateThrottle

    cache.clear()
    monkeypatch.setattr(
        KeyOrUserRateThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, "user": "2/min"}
    )
    client = session_client(guild.good_member)
    assert client.get(reverse("api:me")).status_code == 200
    assert client.get(reverse("api:me")).status_code == 200
    response = client.get(reverse("api:me"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert error_body(response)["error"] == "throttled"
    # Each API key has its own bucket, apart from the owner's session.
    _, secret = create_api_key(
        owner=guild.good_member, name="t", scopes=["read"], expires_at=None, actor=guild.good_member
    )
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert bearer.get(reverse("api:me")).status_code == 200
    cache.clear()


def test_a_lost_race_is_a_409_not_a_500() -> None:
    from django.db import IntegrityError

    from dkp.core.api import exception_handler

    response = exception_handler(IntegrityError("UNIQUE constraint failed"), {})
    assert response is not None
    assert response.status_code == 409
    assert response.data["error"] == "conflict"


def test_an_unexpected_error_is_left_to_django() -> None:
    from dkp.core.api import exception_handler

    assert exception_handler(RuntimeError("bug"), {}) is None


@pytest.mark.parametrize("owner", ["-1.58e299", "2.5", "99999999999999999999999", "abc"])
def test_character_owner_filter_refuses_what_is_not_an_id(guild, owner):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(guild.good_member)
    response = client.get("/api/v1/characters/", {"owner": owner})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_input"
