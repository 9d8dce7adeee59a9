"""Recruitment's reads: who sees which applications, votes and comments, and who may vote.

Members read every application and its member comments and see the tally; recruiters and
officers also see who voted what and the officer-only comments; an applicant sees their own
application and its member comments, never the votes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from dkp.core.errors import Forbidden, InvalidInput, NotFound
from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, can, role_of
from dkp.raids.selectors import attendance_30
from dkp.recruitment.models import (
    ApplicationComment,
    ApplicationQuestion,
    ApplicationStageChange,
    ApplicationStatus,
    ApplicationVote,
    CommentVisibility,
    GuildApplication,
    VoteChoice,
)

if TYPE_CHECKING:
    from dkp.accounts.models import User


@dataclass(frozen=True)
class Tally:
    yes: int
    no: int
    abstain: int
    total: int


@dataclass(frozen=True)
class Eligibility:
    """Whether a user may vote now, with the figures the rule compared; ``reason`` says why not."""

    allowed: bool
    attendance_30: Decimal
    threshold: int
    reason: str


def _signed_in(viewer: User | Any | None) -> bool:
    return viewer is not None and bool(getattr(viewer, "is_authenticated", False))


def _vote_counts() -> dict[str, Count]:
    return {
        "yes_votes": Count("votes", filter=Q(votes__choice=VoteChoice.YES)),
        "no_votes": Count("votes", filter=Q(votes__choice=VoteChoice.NO)),
        "abstain_votes": Count("votes", filter=Q(votes__choice=VoteChoice.ABSTAIN)),
    }


def applications_for(*, viewer: User, status: str | None = None) -> QuerySet[GuildApplication]:
    """Members: every application (of one stage when given); others: their own; newest first.

    Each row carries ``yes_votes``, ``no_votes`` and ``abstain_votes``; show them to members only.
    """
    if status and status not in ApplicationStatus.values:
        raise InvalidInput(f"{status!r} is not a stage.", code="invalid_status")
    applications = GuildApplication.objects.select_related("applicant", "decided_by").annotate(**_vote_counts())
    if not _signed_in(viewer):
        return applications.none()
    if not can(viewer, Capability.READ_APPLICATIONS):
        applications = applications.filter(applicant_id=viewer.pk)
    if status:
        applications = applications.filter(status=status)
    return applications.order_by("-created_at", "-pk")


def application_for(*, viewer: User, application_id: int) -> GuildApplication:
    """One application a viewer may read: any for members, their own for an applicant."""
    application = GuildApplication.objects.select_related("applicant", "decided_by").filter(pk=application_id).first()
    if application is None:
        raise NotFound("No such application.")
    if not may_read(viewer=viewer, application=application):
        raise Forbidden(
            f"A {role_of(viewer).label.lower()} may read only their own application.", code="not_your_application"
        )
    return application


def may_read(*, viewer: User, application: GuildApplication) -> bool:
    return _signed_in(viewer) and (can(viewer, Capability.READ_APPLICATIONS) or application.applicant_id == viewer.pk)


def tally(*, application: GuildApplication) -> Tally:
    counts = ApplicationVote.objects.filter(application=application).aggregate(
        yes=Count("pk", filter=Q(choice=VoteChoice.YES)),
        no=Count("pk", filter=Q(choice=VoteChoice.NO)),
        abstain=Count("pk", filter=Q(choice=VoteChoice.ABSTAIN)),
    )
    return Tally(
        yes=counts["yes"],
        no=counts["no"],
        abstain=counts["abstain"],
        total=counts["yes"] + counts["no"] + counts["abstain"],
    )


def visible_votes(*, viewer: User, application: GuildApplication) -> QuerySet[ApplicationVote]:
    """Who voted what, for recruiters and officers only; empty for everyone else."""
    votes = ApplicationVote.objects.filter(application=application).select_related("voter")
    if not can(viewer, Capability.MOVE_APPLICATIONS):
        return votes.none()
    return votes.order_by("created_at", "pk")


def own_vote(*, voter: User, application: GuildApplication) -> ApplicationVote | None:
    """The viewer's own vote on the application, if they cast one."""
    if not _signed_in(voter):
        return None
    return ApplicationVote.objects.filter(application=application, voter_id=voter.pk).first()


def visible_comments(*, viewer: User, application: GuildApplication) -> QuerySet[ApplicationComment]:
    """Officer-only comments for recruiters and officers; member comments for members and the applicant."""
    comments = ApplicationComment.objects.filter(application=application).select_related("author")
    if can(viewer, Capability.MOVE_APPLICATIONS):
        pass
    elif may_read(viewer=viewer, application=application):
        comments = comments.filter(visibility=CommentVisibility.MEMBERS)
    else:
        return comments.none()
    return comments.order_by("created_at", "pk")


def stage_history(*, application: GuildApplication) -> QuerySet[ApplicationStageChange]:
    """Every stage the application went through, oldest first, with who moved it and why."""
    return (
        ApplicationStageChange.objects.filter(application=application)
        .select_related("changed_by")
        .order_by("created_at", "pk")
    )


def _percent(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}%"


def vote_eligibility(*, user: User) -> Eligibility:
    """May this user vote: a member or above with 30-day attendance at or above the guild's threshold."""
    threshold = GuildSettings.load().vote_threshold_percent
    attendance = attendance_30(user) if _signed_in(user) else Decimal("0.00")
    if not can(user, Capability.VOTE):
        reason = f"A {role_of(user).label.lower()} may not vote on applications; members and above vote."
        return Eligibility(allowed=False, attendance_30=attendance, threshold=threshold, reason=reason)
    if attendance < threshold:
        reason = f"You need {threshold}% attendance over the last 30 days to vote; yours is {_percent(attendance)}."
        return Eligibility(allowed=False, attendance_30=attendance, threshold=threshold, reason=reason)
    return Eligibility(allowed=True, attendance_30=attendance, threshold=threshold, reason="")


def open_questions() -> QuerySet[ApplicationQuestion]:
    """The questions a new applicant answers, in the order asked."""
    return ApplicationQuestion.objects.filter(is_active=True).order_by("position", "id")


def questions_for(*, viewer: User) -> QuerySet[ApplicationQuestion]:
    """Officers see retired questions too; everyone else the ones asked today."""
    if can(viewer, Capability.MANAGE_GUILD):
        return ApplicationQuestion.objects.order_by("position", "id")
    return open_questions()


def comment_for_edit(*, viewer: User, comment_id: int) -> ApplicationComment:
    """A comment its author may rewrite: NotFound when the viewer cannot see it, Forbidden when not theirs."""
    comment = ApplicationComment.objects.select_related("application", "author").filter(pk=comment_id).first()
    if comment is None:
        raise NotFound("No such comment.")
    if not may_read(viewer=viewer, application=comment.application):
        raise Forbidden("You may read only your own application's comments.", code="not_your_application")
    if comment.visibility == CommentVisibility.OFFICERS and not can(viewer, Capability.MOVE_APPLICATIONS):
        raise NotFound("No such comment.")
    if comment.author_id != viewer.pk:
        raise Forbidden("Only the author may edit a comment.", code="not_your_comment")
    return comment


def open_application_of(*, user: User) -> GuildApplication | None:
    """The user's application still in progress (submitted, voting or trial), if any."""
    from dkp.recruitment.models import OPEN_APPLICATION_STATUSES

    if not _signed_in(user):
        return None
    return GuildApplication.objects.filter(applicant_id=user.pk, status__in=OPEN_APPLICATION_STATUSES).first()
