"""Who may call what: a permission matrix over every /api/v1/ route, generated from the URL conf.

A route or method the table does not name fails the test, so a new endpoint cannot ship without
a rule. Allowed personas must not get 401/403; refused ones get 401 (anonymous) or 403, with the
one error shape.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dkp.accounts.keys import create_api_key, revoke_api_key
from dkp.accounts.models import ApiKey
from dkp.characters.models import CharacterClaimRequest
from dkp.core.roles import RoleGroup
from dkp.testing.personas import Guild, make_character

ANON = "anonymous"
PERSONAS = ("guest", "applicant", "member", "recruiter", "developer", "officer")
EVERYONE_SIGNED_IN = frozenset(PERSONAS)
MEMBERS = frozenset({"member", "recruiter", "developer", "officer"})
OFFICERS = frozenset({"officer"})

# (route name, method) -> personas allowed. Anonymous is never allowed on /api/v1/.
RULES: dict[tuple[str, str], frozenset[str]] = {
    ("me", "GET"): EVERYONE_SIGNED_IN,
    ("me-ledger", "GET"): EVERYONE_SIGNED_IN,
    ("user-list", "GET"): MEMBERS,
    ("user-detail", "GET"): MEMBERS,
    ("user-detail", "PATCH"): OFFICERS,
    ("user-ledger", "GET"): OFFICERS,  # someone else's ledger; your own is tested in test_api
    ("character-list", "GET"): MEMBERS,
    ("character-detail", "GET"): MEMBERS,
    ("character-claim", "POST"): MEMBERS,
    ("character-transfer", "POST"): OFFICERS,
    ("claim-list", "GET"): MEMBERS,
    ("claim-approve", "POST"): OFFICERS,
    ("claim-deny", "POST"): OFFICERS,
    ("pool-list", "GET"): MEMBERS,
    ("pool-list", "POST"): OFFICERS,
    ("pool-detail", "GET"): MEMBERS,
    ("pool-detail", "PATCH"): OFFICERS,
    ("pool-standings", "GET"): MEMBERS,
    ("event-list", "GET"): MEMBERS,
    ("event-list", "POST"): OFFICERS,
    ("adjustment-list", "GET"): OFFICERS,
    ("adjustment-list", "POST"): OFFICERS,
    ("api-key-list", "GET"): MEMBERS,
    ("api-key-list", "POST"): MEMBERS,
    ("api-key-detail", "DELETE"): MEMBERS,
}

# Primary keys for detail routes, by router basename: a function of the test guild.
PKS: dict[str, Callable[[Guild, dict[str, Any]], int]] = {
    "user": lambda guild, fixtures: guild.poor_member.pk,
    "character": lambda guild, fixtures: fixtures["character"].pk,
    "claim": lambda guild, fixtures: fixtures["claim"].pk,
    "pool": lambda guild, fixtures: guild.pool.pk,
    "api-key": lambda guild, fixtures: fixtures.get("key_pk", 0),
}


def _collect_domain_rules() -> None:
    """Each domain may add its endpoints' rules in ``dkp/<domain>/tests/api_rules*.py``
    (``RULES`` and ``PKS`` in the shapes above), so domains extend the matrix without editing it."""
    from pathlib import Path

    import dkp

    for path in sorted(Path(dkp.__path__[0]).glob("*/tests/api_rules*.py")):
        module = importlib.import_module(f"dkp.{path.parent.parent.name}.tests.{path.stem}")
        RULES.update(module.RULES)
        PKS.update(getattr(module, "PKS", {}))


_collect_domain_rules()

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else pattern.namespace or namespace
            )
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns or "")
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            yield prefix + str(pattern.pattern), f"{namespace}:{name}" if namespace else name, pattern


def _methods(pattern: URLPattern) -> list[str]:
    callback: Any = pattern.callback
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    allowed = set(getattr(cls, "http_method_names", HTTP_METHODS))
    actions = getattr(callback, "actions", None)
    if actions is not None:
        names = [m for m in actions if m in allowed and m in HTTP_METHODS]
    else:
        names = [m for m in HTTP_METHODS if m in allowed and hasattr(cls, m)]
    return sorted(m.upper() for m in names)


def api_routes() -> list[tuple[str, str]]:
    routes: list[tuple[str, str]] = []
    for route, full_name, pattern in _walk(get_resolver().url_patterns):
        if route.startswith("api/v1/"):
            name = full_name.split(":")[-1]
            routes.extend((name, method) for method in _methods(pattern))
    return sorted(routes)


ROUTES = api_routes()


def test_every_api_route_has_a_rule() -> None:
    missing = [r for r in ROUTES if r not in RULES]
    assert not missing, f"new endpoint(s) without a rule in RULES: {missing}"
    stale = [r for r in RULES if r not in ROUTES]
    assert not stale, f"rules for routes that no longer exist: {stale}"


def _persona_user(guild: Guild, persona: str) -> Any:
    return {
        "guest": guild.guest,
        "applicant": guild.applicant,
        "member": guild.good_member,
        "recruiter": guild.recruiter,
        "developer": guild.developer,
        "officer": guild.officer,
    }[persona]


def _url(name: str, guild: Guild, persona: str, fixtures: dict[str, Any]) -> str:
    # The router's basename is the longest one the name starts with: "auction-game-bid" is the auction's.
    basename = max((b for b in PKS if name.startswith(f"{b}-")), key=len, default=name.rsplit("-", 1)[0])
    if name in ("me", "me-ledger") or name.endswith("-list"):
        return reverse(f"api:{name}")
    return reverse(f"api:{name}", kwargs={"pk": PKS[basename](guild, fixtures)})


def _assert_error_shape(response: Any) -> None:
    body = response.json()
    assert isinstance(body.get("error"), str), body
    assert body["error"], body
    assert isinstance(body.get("detail"), str), body
    assert body["detail"], body


@pytest.mark.parametrize(("name", "method"), ROUTES)
def test_permission_matrix(guild: Guild, name: str, method: str) -> None:
    rule = RULES.get((name, method))
    assert rule is not None, f"new endpoint without a rule: {name} {method}"
    nobody = make_character("Nobodyknows")
    fixtures: dict[str, Any] = {
        "character": nobody,
        "claim": CharacterClaimRequest.objects.create(character=nobody, requester=guild.poor_member),
    }
    for persona in (ANON, *PERSONAS):
        client = APIClient()
        with transaction.atomic():
            if persona != ANON:
                user = _persona_user(guild, persona)
                client.force_login(user)
                key = ApiKey.objects.create(owner=user, name="m", prefix=f"p{persona[:8]}", secret_hash=persona)
                fixtures["key_pk"] = key.pk
            url = _url(name, guild, persona, fixtures)
            response = getattr(client, method.lower())(url, {}, format="json")
            transaction.set_rollback(True)
        where = f"{method} {url} as {persona}: {response.status_code}"
        if persona != ANON and persona in rule:
            assert response.status_code not in (401, 403), where
            assert response.status_code < 500, where
        elif persona == ANON:
            assert response.status_code == 401, where
            assert response["WWW-Authenticate"].startswith("Bearer"), where
            _assert_error_shape(response)
        else:
            assert response.status_code == 403, where
            _assert_error_shape(response)


# --- API keys ------------------------------------------------------------------------------


def _bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def _adjustment(guild: Guild) -> dict[str, Any]:
    return {"user": guild.good_member.pk, "pool": guild.pool.pk, "amount": 5, "reason": "matrix"}


def test_read_only_key_cannot_write(guild: Guild) -> None:
    _, secret = create_api_key(owner=guild.officer, name="ro", scopes=["read"], expires_at=None, actor=guild.officer)
    client = _bearer(secret)
    assert client.get(reverse("api:adjustment-list")).status_code == 200
    response = client.post(reverse("api:adjustment-list"), _adjustment(guild), format="json")
    assert response.status_code == 403
    _assert_error_shape(response)


def test_bid_key_may_claim_but_not_manage(guild: Guild) -> None:
    _, secret = create_api_key(owner=guild.officer, name="bid", scopes=["bid"], expires_at=None, actor=guild.officer)
    client = _bearer(secret)
    character = make_character("Unclaimedone")
    assert (
        client.post(reverse("api:character-claim", kwargs={"pk": character.pk}), {}, format="json").status_code == 201
    )
    response = client.post(reverse("api:adjustment-list"), _adjustment(guild), format="json")
    assert response.status_code == 403
    _assert_error_shape(response)


@pytest.mark.parametrize("problem", ["revoked", "expired", "malformed", "unknown", "wrong_secret"])
def test_unusable_keys_get_401_with_the_error_shape(guild: Guild, problem: str) -> None:
    key, secret = create_api_key(
        owner=guild.good_member, name="k", scopes=["read"], expires_at=None, actor=guild.good_member
    )
    if problem == "revoked":
        revoke_api_key(key=key, actor=guild.good_member)
    elif problem == "expired":
        ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    elif problem == "malformed":
        secret = "not-a-key"
    elif problem == "unknown":
        secret = "dkp_00000000_" + "x" * 43
    else:
        secret = secret[:-4] + "abcd"
    response = _bearer(secret).get(reverse("api:me"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    _assert_error_shape(response)


def test_demoted_officers_key_loses_officer_powers_at_once(guild: Guild) -> None:
    _, secret = create_api_key(owner=guild.officer, name="w", scopes=["write"], expires_at=None, actor=guild.officer)
    client = _bearer(secret)
    assert client.post(reverse("api:adjustment-list"), _adjustment(guild), format="json").status_code == 201
    guild.officer.role_group = RoleGroup.MEMBER
    guild.officer.save(update_fields=["role_group"])
    response = client.post(reverse("api:adjustment-list"), _adjustment(guild), format="json")
    assert response.status_code == 403
    _assert_error_shape(response)
    assert client.get(reverse("api:me")).json()["role_group"] == "member"
