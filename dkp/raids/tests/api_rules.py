"""Who may call the raid endpoints: collected by dkp/core/tests/test_api_matrix.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MEMBERS = frozenset({"member", "recruiter", "developer", "officer"})
OFFICERS = frozenset({"officer"})

RULES: dict[tuple[str, str], frozenset[str]] = {
    ("raid-list", "GET"): MEMBERS,
    ("raid-list", "POST"): OFFICERS,
    ("raid-detail", "GET"): MEMBERS,
    ("tick-list", "GET"): MEMBERS,
    ("tick-list", "POST"): OFFICERS,
    ("tick-detail", "GET"): MEMBERS,
    ("tick-detail", "PATCH"): OFFICERS,
    ("tick-detail", "DELETE"): OFFICERS,
    ("guild-dump-list", "POST"): OFFICERS,
}

PKS: dict[str, Callable[[Any, dict[str, Any]], int]] = {
    "raid": lambda guild, fixtures: guild.raid.pk,
    "tick": lambda guild, fixtures: guild.ticks[-1].pk,
}
