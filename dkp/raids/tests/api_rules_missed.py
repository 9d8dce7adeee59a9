"""Permission-matrix rules for the missed-tick request endpoints (collected by dkp/core/tests/test_api_matrix.py)."""

from __future__ import annotations

from typing import Any

from dkp.raids.models import MissedTickRequest
from dkp.testing.personas import Guild

MEMBERS = frozenset({"member", "recruiter", "developer", "officer"})
OFFICERS = frozenset({"officer"})

RULES = {
    ("missed-tick-request-list", "GET"): MEMBERS,
    ("missed-tick-request-list", "POST"): MEMBERS,
    ("missed-tick-request-detail", "GET"): MEMBERS,
    ("missed-tick-request-approve", "POST"): OFFICERS,
    ("missed-tick-request-deny", "POST"): OFFICERS,
}


def _pending_request(guild: Guild, fixtures: dict[str, Any]) -> int:
    """Gwen missed the first tick: a pending request of hers (rolled back with each persona's request)."""
    assert guild.good_member.main_character is not None
    return MissedTickRequest.objects.create(
        tick=guild.ticks[0], user=guild.good_member, character=guild.good_member.main_character, evidence="matrix"
    ).pk


PKS = {"missed-tick-request": _pending_request}
