"""The API-key section of a member's own page: create (secret shown once), list, revoke."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from dkp.accounts.models import ApiKey, User
from dkp.testing.personas import Guild


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_member_creates_a_key_sees_the_secret_once_and_revokes_it(guild: Guild) -> None:
    client = _signed_in(guild.good_member)
    page = client.get(reverse("web:member", args=["gwen"]))
    assert b"API keys" in page.content

    created = client.post(reverse("web:api_key_create"), {"name": "raid bot", "scopes": ["read", "bid"]})
    assert created.status_code == 201
    key = ApiKey.objects.get()
    secret = created.context["new_secret"]
    assert secret.startswith(f"dkp_{key.prefix}_")
    assert secret.encode() in created.content
    assert key.scopes == ["read", "bid"]

    again = client.get(reverse("web:member", args=["gwen"]))
    assert b"raid bot" in again.content
    assert secret.encode() not in again.content

    revoked = client.post(reverse("web:api_key_revoke", args=[key.pk]))
    assert revoked.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_bad_key_form_shows_the_reason_and_makes_nothing(guild: Guild) -> None:
    client = _signed_in(guild.good_member)
    response = client.post(reverse("web:api_key_create"), {"name": "x", "expires_on": "2000-01-01", "scopes": ["read"]})
    assert response.status_code == 422
    assert b"future" in response.content
    assert not ApiKey.objects.exists()


def test_applicant_cannot_make_keys_and_sees_no_key_section(guild: Guild) -> None:
    client = _signed_in(guild.applicant)
    response = client.post(reverse("web:api_key_create"), {"name": "x", "scopes": ["read"]})
    assert response.status_code == 403
    assert not ApiKey.objects.exists()


def test_nobody_revokes_someone_elses_key_from_the_page(guild: Guild) -> None:
    key = ApiKey.objects.create(owner=guild.poor_member, name="pip", prefix="abcd1234", secret_hash="x")
    response = _signed_in(guild.good_member).post(reverse("web:api_key_revoke", args=[key.pk]))
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_key_section_is_only_on_your_own_page(guild: Guild) -> None:
    response = _signed_in(guild.good_member).get(reverse("web:member", args=["pip"]))
    assert b"Create key" not in response.content
