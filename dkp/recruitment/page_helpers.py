"""Small reads the recruitment pages need beyond ``selectors``: counts for the stage tabs, the
person's latest application, and what the "Move to" form may offer.

The rules themselves (who may move, vote or decide) stay in the services; these only decide what a
page shows, and a refused action still comes back from the service with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from dkp.accounts.models import User
from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, can
from dkp.recruitment.models import OPEN_APPLICATION_STATUSES, ApplicationStatus, GuildApplication
from dkp.recruitment.services import DECISIONS, MOVES


@dataclass(frozen=True)
class StageTab:
    status: str  # "" for every stage
    label: str
    count: int


def stage_tabs() -> list[StageTab]:
    """An "All" tab, then one per stage with how many applications are in it; one query.

    For members, who read every application.
    """
    rows = GuildApplication.objects.order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    tabs = [StageTab("", "All", sum(counts.values()))]
    tabs += [StageTab(value, label, counts.get(value, 0)) for value, label in ApplicationStatus.choices]
    return tabs


def latest_application_of(*, applicant: User) -> GuildApplication | None:
    return GuildApplication.objects.filter(applicant=applicant).order_by("-created_at", "-pk").first()


def open_application_of(*, applicant: User) -> GuildApplication | None:
    return GuildApplication.objects.filter(applicant=applicant, status__in=OPEN_APPLICATION_STATUSES).first()


def is_open(application: GuildApplication) -> bool:
    return application.status in OPEN_APPLICATION_STATUSES


def voting_is_open(application: GuildApplication) -> bool:
    """In the voting stage and before its closing time, as ``cast_vote`` checks."""
    closes_at = application.voting_closes_at
    return application.status == ApplicationStatus.VOTING and closes_at is not None and closes_at > timezone.now()


def move_targets(*, viewer: User, application: GuildApplication) -> list[tuple[str, str]]:
    """The stages the "Move to" form offers this viewer; the service still has the last word."""
    if not can(viewer, Capability.MOVE_APPLICATIONS):
        return []
    allowed = MOVES.get(application.status, frozenset())
    may_decide = can(viewer, Capability.DECIDE_APPLICATIONS)
    uses_trials = GuildSettings.load().uses_trials
    return [
        (status.value, status.label)
        for status in ApplicationStatus
        if status in allowed
        and (may_decide or status not in DECISIONS)
        and (uses_trials or status != ApplicationStatus.TRIAL)
    ]
