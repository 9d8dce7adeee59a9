"""Small helpers the API tests of every domain share."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient


def session_client(user: Any) -> APIClient:
    """An API client signed in as the user through a session, as the pages' own scripts are."""
    client = APIClient()
    client.force_login(user)
    return client


def error_body(response: Any) -> dict[str, Any]:
    """The response's body, after checking it has the one error shape: a code and a text for people."""
    body = response.json()
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body
