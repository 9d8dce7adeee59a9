"""Permission-matrix rules for the recruitment endpoints (collected by dkp/core/tests/test_api_matrix.py).

The matrix's detail routes act on an application of Abe the applicant, a member comment on it by
Gwen (the matrix's "member"), and an asked question.
"""

from __future__ import annotations

from typing import Any

from dkp.recruitment.models import ApplicationComment, ApplicationQuestion, GuildApplication
from dkp.testing.personas import Guild

EVERYONE_SIGNED_IN = frozenset({"guest", "applicant", "member", "recruiter", "developer", "officer"})
MEMBERS = frozenset({"member", "recruiter", "developer", "officer"})
OUTSIDERS = frozenset({"guest", "applicant"})
MOVERS = frozenset({"recruiter", "officer"})
OFFICERS = frozenset({"officer"})

RULES = {
    ("application-list", "GET"): EVERYONE_SIGNED_IN,  # outsiders get their own only
    ("application-list", "POST"): OUTSIDERS,
    ("application-detail", "GET"): MEMBERS | {"applicant"},
    ("application-withdraw", "POST"): frozenset({"applicant"}),
    ("application-move", "POST"): MOVERS,  # accept/reject: officers only, refused by the service
    ("application-vote", "POST"): MEMBERS,
    ("application-comments", "POST"): MEMBERS | {"applicant"},
    ("application-comment-detail", "PATCH"): frozenset({"member"}),  # the author only
    ("application-question-list", "GET"): EVERYONE_SIGNED_IN,
    ("application-question-list", "POST"): OFFICERS,
    ("application-question-detail", "GET"): EVERYONE_SIGNED_IN,
    ("application-question-detail", "PATCH"): OFFICERS,
}


def _abes_application(guild: Guild) -> GuildApplication:
    return GuildApplication.objects.create(
        applicant=guild.applicant, character_name="Abeline", character_class="Ranger", character_level=65
    )


def _gwens_comment(guild: Guild, fixtures: dict[str, Any]) -> int:
    return ApplicationComment.objects.create(
        application=_abes_application(guild), author=guild.good_member, body="matrix"
    ).pk


PKS = {
    "application": lambda guild, fixtures: _abes_application(guild).pk,
    "application-comment": _gwens_comment,
    "application-question": lambda guild, fixtures: ApplicationQuestion.objects.create(text="Why us?").pk,
}
