"""Schemathesis drives the whole API from its own OpenAPI schema, as an officer with a write key.

Whatever it sends, the answer is never a 5xx and always matches the schema (statuses, shapes,
headers). Examples are few per operation so the suite stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dkp.accounts.keys import create_api_key
from dkp.core.api import KeyOrUserRateThrottle
from dkp.testing.personas import Guild


def _load_schema() -> Any:
    """The schema /api/schema/ serves, built in-process (serving it would read the database at import)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)))
    loaded.app = get_wsgi_application()  # requests go through the WSGI app, as from_wsgi() does
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def keep_the_test_connection_open() -> Iterator[None]:
    """Requests go through the bare WSGI handler, whose request signals would close the database
    connection holding the test's transaction (PostgreSQL with CONN_MAX_AGE); Django's own test
    client detaches the same handlers while it serves a request."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def officer_headers(guild: Guild, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    _, secret = create_api_key(owner=guild.officer, name="fuzz", scopes=["write"], expires_at=None, actor=guild.officer)
    monkeypatch.setattr(KeyOrUserRateThrottle, "THROTTLE_RATES", {"user": "100000/min", "anon": "100000/min"})
    cache.clear()
    yield {"Authorization": f"Bearer {secret}"}
    cache.clear()


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_never_answers_5xx_and_matches_its_schema(case: Any, officer_headers: dict[str, str]) -> None:
    case.call_and_validate(
        headers=officer_headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ],
    )


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_schema_and_docs_are_served_with_local_assets(db: None, path: str) -> None:
    from django.test import Client

    response = Client().get(path)
    assert response.status_code == 200
    if path != "/api/schema/":
        page = response.content.decode()
        assert "drf_spectacular_sidecar" in page
        assert "cdn." not in page
        assert "unpkg" not in page


def test_unknown_api_path_answers_the_error_shape(db: None) -> None:
    from django.test import Client

    response = Client().post("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "No such API endpoint."}
    # An id holding a newline matches no endpoint's converter, nor a pattern whose "." stops at it.
    odd = Client().get("/api/v1/applications/%3BR%0A%0F./")
    assert odd.status_code == 404
    assert odd["Content-Type"] == "application/json"


def test_schema_generates_without_warnings_and_validates(db: None, tmp_path: Any) -> None:
    from django.core.management import call_command

    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/me/" in target.read_text()
