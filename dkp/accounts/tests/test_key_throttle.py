"""Wrong API keys are counted per client address: after ``API_KEY_FAILURES`` of them the address hears 429."""

from __future__ import annotations

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from dkp.accounts.keys import create_api_key
from dkp.testing.personas import Guild

pytestmark = pytest.mark.django_db

WRONG = "dkp_wrongpre_0000000000000000000000000000000000000000"


def bearer(secret: str, address: str) -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@override_settings(API_KEY_FAILURES=5, API_KEY_FAILURE_WINDOW=600)
def test_wrong_keys_from_one_address_turn_into_429_with_retry_after(guild: Guild) -> None:
    _, secret = create_api_key(
        owner=guild.good_member, name="t", scopes=["read"], expires_at=None, actor=guild.good_member
    )
    url = reverse("api:me")
    attacker = bearer(WRONG, "203.0.113.7")
    answers = [attacker.get(url).status_code for _ in range(5)]
    assert answers == [401] * 5
    locked = attacker.get(url)
    assert locked.status_code == 429
    assert 1 <= int(locked["Retry-After"]) <= 600
    body = locked.json()
    assert body["error"] == "throttled"
    assert "Too many wrong API keys from this address" in body["detail"]
    # The right key from another address still works, and is not counted against anyone.
    member = bearer(secret, "198.51.100.20")
    assert member.get(url).status_code == 200
    assert member.get(url).json()["name"] == guild.good_member.name
    # From the locked address even the right key waits: the address is what is being guessed from.
    assert bearer(secret, "203.0.113.7").get(url).status_code == 429


@override_settings(API_KEY_FAILURES=3, API_KEY_FAILURE_WINDOW=60)
def test_the_lock_ends_with_the_window_and_right_keys_are_never_counted(guild: Guild) -> None:
    _, secret = create_api_key(
        owner=guild.good_member, name="t", scopes=["read"], expires_at=None, actor=guild.good_member
    )
    url = reverse("api:me")
    member = bearer(secret, "198.51.100.30")
    assert all(member.get(url).status_code == 200 for _ in range(10))
    with time_machine.travel("2026-12-01 12:00:00 +0000", tick=False) as clock:
        attacker = bearer(WRONG, "203.0.113.9")
        assert [attacker.get(url).status_code for _ in range(4)] == [401, 401, 401, 429]
        clock.shift(61)
        assert attacker.get(url).status_code == 401  # a new window: counted afresh


@override_settings(API_KEY_FAILURES=3, API_KEY_FAILURE_WINDOW=600)
def test_a_new_forwarded_address_per_guess_does_not_escape_the_count(guild: Guild) -> None:
    # Without a proxy the app counts the socket's address; a made-up X-Forwarded-For changes nothing.
    url = reverse("api:me")
    answers = []
    for guess in range(5):
        attacker = bearer(WRONG, "203.0.113.11")
        answers.append(attacker.get(url, HTTP_X_FORWARDED_FOR=f"10.0.0.{guess}").status_code)
    assert answers == [401, 401, 401, 429, 429]
