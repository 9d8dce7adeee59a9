"""Recruitment's writes: applying, moving an application through its stages, votes and comments.

Stages: submitted → voting → trial (only when the guild uses trials) → accepted or rejected; the
applicant may withdraw at any time before a decision. Recruiters and officers move applications,
only officers decide. Every stage change is recorded with who and why in the same transaction;
role changes and Discord announcements go out only after that transaction commits.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from dkp.accounts.tasks import push_role_group_after_commit
from dkp.characters.models import EqClass
from dkp.core.errors import Conflict, Forbidden, InvalidInput
from dkp.core.models import GuildSettings
from dkp.core.numbers import WholeNumber
from dkp.core.roles import OUTSIDERS, Capability, RoleGroup, can, require
from dkp.discord.models import DiscordOutbox
from dkp.discord.notify import announce_after_commit
from dkp.recruitment.models import (
    OPEN_APPLICATION_STATUSES,
    ApplicationComment,
    ApplicationQuestion,
    ApplicationStageChange,
    ApplicationStatus,
    ApplicationVote,
    CommentVisibility,
    GuildApplication,
    VoteChoice,
)
from dkp.recruitment.selectors import open_questions, tally, vote_eligibility

if TYPE_CHECKING:
    from dkp.accounts.models import User

MIN_LEVEL = 1
MAX_LEVEL = 130
LEVEL = WholeNumber("The level", MIN_LEVEL, MAX_LEVEL, code="invalid_level")
QUESTION_POSITION = WholeNumber("The position", 0, 32767, code="invalid_position")  # the column's range
CHARACTER_NAME_MAX = 15
ANSWER_MAX = 4000
COMMENT_MAX = 4000
REASON_MAX = 300
QUESTION_MAX = 300
DEFAULT_VOTING_DAYS = 7

DECISIONS = frozenset({ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED})
# Moves that let an applicant in (as a member, or as a trial member first): made while members are
# still voting, they need the officer's explicit confirmation, since the vote has not had its say.
ADMITTING = frozenset({ApplicationStatus.ACCEPTED, ApplicationStatus.TRIAL})

# Where a recruiter or officer may move an application from each open stage. Withdrawal is the
# applicant's own act (``withdraw_application``); a decided application never moves again.
MOVES: dict[str, frozenset[str]] = {
    ApplicationStatus.SUBMITTED: frozenset(
        {ApplicationStatus.VOTING, ApplicationStatus.TRIAL, ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED}
    ),
    ApplicationStatus.VOTING: frozenset(
        {ApplicationStatus.TRIAL, ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED}
    ),
    ApplicationStatus.TRIAL: frozenset({ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED}),
}


# --- Applying ------------------------------------------------------------------------------------


def _already_open() -> Conflict:
    return Conflict(
        "You already have an open application; follow it on your application page, or withdraw it first.",
        code="application_already_open",
    )


def _clean_class(character_class: str) -> str:
    wanted = (character_class or "").strip().casefold()
    for value in EqClass.values:
        if value.casefold() == wanted:
            return value
    raise InvalidInput(
        f"{character_class!r} is not an EverQuest class; choose one of: {', '.join(EqClass.values)}.",
        code="invalid_class",
    )


def _clean_character_name(character_name: str) -> str:
    name = (character_name or "").strip()
    if not name:
        raise InvalidInput("Give your main character's name.", code="character_name_required")
    if len(name) > CHARACTER_NAME_MAX or not name.isalpha():
        raise InvalidInput(
            f"{name!r} is not an EverQuest character name: letters only, at most {CHARACTER_NAME_MAX}.",
            code="invalid_character_name",
        )
    return name.capitalize()


def _clean_level(character_level: int) -> int:
    return LEVEL.parse(character_level)


def _answers_as_asked(answers: dict[int, str]) -> list[dict[str, str]]:
    """Each active question with its answer, keeping the question's text as it is asked today."""
    questions = list(open_questions())
    asked = {question.pk for question in questions}
    unknown = [key for key in answers if key not in asked]  # keys are question ids, as ints
    if unknown:
        raise InvalidInput(
            "Some answers are to questions no longer asked; reload the form and answer again.",
            code="unknown_question",
        )
    cleaned: list[dict[str, str]] = []
    for question in questions:
        answer = str(answers.get(question.pk, "") or "").strip()
        if question.required and not answer:
            raise InvalidInput(f"Please answer “{question.text}”.", code="answer_required")
        if len(answer) > ANSWER_MAX:
            raise InvalidInput(
                f"Keep the answer to “{question.text}” under {ANSWER_MAX} characters.", code="answer_too_long"
            )
        cleaned.append({"question": question.text, "answer": answer})
    return cleaned


def _record_stage(
    application: GuildApplication, *, from_status: str, to_status: str, actor: User | None, reason: str
) -> None:
    ApplicationStageChange.objects.create(
        application=application,
        from_status=from_status,
        to_status=to_status,
        changed_by=actor,
        reason=(reason or "").strip()[:REASON_MAX],
    )


def _lock_user(user: User) -> User:
    from dkp.accounts.models import User

    return User.objects.select_for_update().get(pk=user.pk)


def _set_role(user: User, role_group: str, *, member_since: dt.date | None) -> None:
    """Give a user a role group and ``member_since``; a changed role is pushed to Discord after commit."""
    fields = [
        name
        for name, value in (("role_group", role_group), ("member_since", member_since))
        if getattr(user, name) != value
    ]
    user.role_group = role_group
    user.member_since = member_since
    if "role_group" in fields:
        # The app's change: Discord's older roles are not pulled back over it (dkp.accounts.role_sync).
        user.role_group_changed_at = timezone.now()
        fields.append("role_group_changed_at")
    if fields:
        user.save(update_fields=fields)
    if "role_group" in fields:
        push_role_group_after_commit(user=user)


def _site_name(application: GuildApplication) -> str:
    return f"{application.character_name} (level {application.character_level} {application.character_class})"


@transaction.atomic
def submit_application(
    *, applicant: User, character_name: str, character_class: str, character_level: int, answers: dict[int, str]
) -> GuildApplication:
    """Apply to the guild. A guest becomes an applicant; one open application per person."""
    require(applicant, Capability.APPLY)
    name = _clean_character_name(character_name)
    eq_class = _clean_class(character_class)
    level = _clean_level(character_level)
    answered = _answers_as_asked(answers or {})
    applicant = _lock_user(applicant)  # serializes two submits of one person
    if GuildApplication.objects.filter(applicant=applicant, status__in=OPEN_APPLICATION_STATUSES).exists():
        raise _already_open()
    try:
        with transaction.atomic():  # a savepoint: a concurrent submit loses to the partial unique constraint
            application = GuildApplication.objects.create(
                applicant=applicant,
                character_name=name,
                character_class=eq_class,
                character_level=level,
                answers=answered,
            )
    except IntegrityError:
        raise _already_open() from None
    _record_stage(application, from_status="", to_status=ApplicationStatus.SUBMITTED, actor=applicant, reason="")
    if applicant.role_group == RoleGroup.GUEST:
        _set_role(applicant, RoleGroup.APPLICANT, member_since=applicant.member_since)
    announce_after_commit(
        kind=DiscordOutbox.Kind.APPLICATION_SUBMITTED,
        content=f"New application: {_site_name(application)}, from {applicant.name}.",
        payload={"application_id": application.pk},
    )
    return application


# --- Stages --------------------------------------------------------------------------------------


def _lock_application(application: GuildApplication) -> GuildApplication:
    return GuildApplication.objects.select_for_update(of=("self",)).select_related("applicant").get(pk=application.pk)


def _closed(application: GuildApplication) -> Conflict:
    return Conflict(
        f"This application was already {application.get_status_display().lower()}; it cannot change any more.",
        code="application_closed",
    )


def _back_to_guest(applicant: User, *, from_status: str) -> None:
    """Rejected or withdrawn: an applicant, or a trial member, is a guest again."""
    if applicant.role_group == RoleGroup.APPLICANT:
        _set_role(applicant, RoleGroup.GUEST, member_since=applicant.member_since)
    elif from_status == ApplicationStatus.TRIAL and applicant.role_group == RoleGroup.MEMBER:
        _set_role(applicant, RoleGroup.GUEST, member_since=None)


def open_vote_warning(application: GuildApplication) -> str:
    """The sentence an officer sees before accepting while members are still voting: the tally so far."""
    votes = tally(application=application)
    assert application.voting_closes_at is not None
    closes = timezone.localtime(application.voting_closes_at).strftime("%a %b %-d, %H:%M")
    return (
        f"Voting is still open (it closes {closes}); so far {votes.yes} yes, {votes.no} no, "
        f"{votes.abstain} abstain. Confirm to decide before the vote closes."
    )


@transaction.atomic
def withdraw_application(*, application: GuildApplication, actor: User, reason: str = "") -> GuildApplication:
    """The applicant takes their application back, at any stage before a decision."""
    application = _lock_application(application)
    if application.applicant_id != actor.pk:
        raise Forbidden("Only the applicant may withdraw an application.", code="not_your_application")
    if application.status not in OPEN_APPLICATION_STATUSES:
        raise _closed(application)
    from_status = application.status
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    _record_stage(application, from_status=from_status, to_status=application.status, actor=actor, reason=reason)
    _back_to_guest(_lock_user(application.applicant), from_status=from_status)
    return application


@transaction.atomic
def move_application(
    *,
    application: GuildApplication,
    to_status: str,
    actor: User,
    reason: str = "",
    voting_closes_at: dt.datetime | None = None,
    trial_ends_at: dt.date | None = None,
    confirm_open_vote: bool = False,
) -> GuildApplication:
    """Move an application to its next stage; accepting and rejecting are the officers' decision.

    Accepting (or starting a trial) while voting is still open is refused, with the tally so far,
    unless ``confirm_open_vote`` says the officer saw it and means to decide before the vote closes.
    """
    if to_status not in ApplicationStatus.values:
        raise InvalidInput(f"{to_status!r} is not a stage.", code="invalid_status")
    require(actor, Capability.DECIDE_APPLICATIONS if to_status in DECISIONS else Capability.MOVE_APPLICATIONS)
    if to_status == ApplicationStatus.WITHDRAWN:
        raise InvalidInput("Only the applicant may withdraw an application.", code="invalid_move")
    application = _lock_application(application)
    from_status = application.status
    if from_status not in OPEN_APPLICATION_STATUSES:
        raise _closed(application)
    if to_status == from_status:
        raise Conflict(f"This application is already in {application.get_status_display().lower()}.", code="same_stage")
    if to_status not in MOVES[from_status]:
        raise InvalidInput(
            f"An application in {ApplicationStatus(from_status).label.lower()} cannot go back to "
            f"{ApplicationStatus(to_status).label.lower()}.",
            code="invalid_move",
        )
    now = timezone.now()
    fields = ["status", "updated_at"]
    if to_status == ApplicationStatus.VOTING:
        closes_at = voting_closes_at or now + dt.timedelta(days=DEFAULT_VOTING_DAYS)
        if closes_at <= now:
            raise InvalidInput("Voting must close in the future.", code="voting_closes_in_past")
        application.voting_closes_at = closes_at
        fields.append("voting_closes_at")
    if to_status == ApplicationStatus.TRIAL:
        if not GuildSettings.load().uses_trials:
            raise InvalidInput(
                "This guild does not use trials; accept or reject the application instead.", code="trials_not_used"
            )
        if trial_ends_at is None:
            raise InvalidInput("Give the date the trial ends.", code="trial_end_required")
        if trial_ends_at <= timezone.localdate(now):
            raise InvalidInput("The trial must end after today.", code="trial_ends_in_past")
        application.trial_ends_at = trial_ends_at
        fields.append("trial_ends_at")
    # Last of the checks, so the officer confirms a move that is otherwise ready.
    if (
        from_status == ApplicationStatus.VOTING
        and to_status in ADMITTING
        and application.voting_closes_at is not None
        and application.voting_closes_at > now
        and not confirm_open_vote
    ):
        raise Conflict(open_vote_warning(application), code="voting_still_open")
    if to_status in DECISIONS:
        application.decided_by = actor
        application.decided_at = now
        fields += ["decided_by", "decided_at"]
    application.status = to_status
    application.save(update_fields=fields)
    _record_stage(application, from_status=from_status, to_status=to_status, actor=actor, reason=reason)

    applicant = _lock_user(application.applicant)
    if to_status == ApplicationStatus.TRIAL:
        if applicant.role_group in OUTSIDERS:
            _set_role(applicant, RoleGroup.MEMBER, member_since=timezone.localdate(now))
    elif to_status == ApplicationStatus.ACCEPTED:
        # A trial member already is one; someone an officer promoted meanwhile keeps their role.
        role = RoleGroup.MEMBER if applicant.role_group in OUTSIDERS else applicant.role_group
        _set_role(applicant, role, member_since=applicant.member_since or timezone.localdate(now))
    elif to_status == ApplicationStatus.REJECTED:
        _back_to_guest(applicant, from_status=from_status)

    if to_status == ApplicationStatus.VOTING:
        assert application.voting_closes_at is not None
        closes = timezone.localtime(application.voting_closes_at).strftime("%Y-%m-%d %H:%M %Z")
        announce_after_commit(
            kind=DiscordOutbox.Kind.VOTING_OPENED,
            content=f"Voting is open on {_site_name(application)} until {closes}.",
            payload={"application_id": application.pk},
        )
    elif to_status in DECISIONS:
        verdict = "accepted" if to_status == ApplicationStatus.ACCEPTED else "rejected"
        announce_after_commit(
            kind=DiscordOutbox.Kind.APPLICATION_DECIDED,
            content=f"{_site_name(application)} was {verdict}.",
            payload={"application_id": application.pk, "status": to_status},
        )
    return application


# --- Votes ---------------------------------------------------------------------------------------


@transaction.atomic
def cast_vote(*, application: GuildApplication, voter: User, choice: str) -> ApplicationVote:
    """Vote yes, no or abstain while voting is open; a second vote replaces the first, with today's attendance."""
    require(voter, Capability.VOTE)
    if choice not in VoteChoice.values:
        raise InvalidInput(f"{choice!r} is not a vote; choose yes, no or abstain.", code="invalid_choice")
    application = _lock_application(application)
    if application.applicant_id == voter.pk:
        # Its own rule, not left to the attendance threshold that happens to stop most applicants.
        raise Forbidden(
            "You cannot vote on your own application; the guild's members decide it.", code="own_application"
        )
    now = timezone.now()
    if application.status != ApplicationStatus.VOTING:
        raise Conflict(
            f"This application is not in voting (it is {application.get_status_display().lower()}).",
            code="voting_not_open",
        )
    if application.voting_closes_at is None or application.voting_closes_at <= now:
        raise Conflict("Voting on this application has closed.", code="voting_closed")
    eligibility = vote_eligibility(user=voter)
    if not eligibility.allowed:
        raise Forbidden(eligibility.reason, code="not_eligible_to_vote")
    vote, created = ApplicationVote.objects.select_for_update().get_or_create(
        application=application,
        voter=voter,
        defaults={"choice": choice, "attendance_30": eligibility.attendance_30},
    )
    if not created:
        vote.choice = choice
        vote.attendance_30 = eligibility.attendance_30
        vote.save(update_fields=["choice", "attendance_30", "updated_at"])
    return vote


# --- Comments ------------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput("Write something first.", code="comment_required")
    if len(body) > COMMENT_MAX:
        raise InvalidInput(f"Keep comments under {COMMENT_MAX} characters.", code="comment_too_long")
    return body


@transaction.atomic
def add_comment(
    *, application: GuildApplication, author: User, body: str, visibility: str = CommentVisibility.MEMBERS
) -> ApplicationComment:
    """Members comment; recruiters and officers may comment for each other only; the applicant replies."""
    if visibility not in CommentVisibility.values:
        raise InvalidInput(f"{visibility!r} is not a comment visibility.", code="invalid_visibility")
    is_applicant = application.applicant_id == author.pk
    if visibility == CommentVisibility.OFFICERS:
        if not can(author, Capability.MOVE_APPLICATIONS):
            raise Forbidden(
                "Only recruiters and officers may write officer-only comments.", code="officer_comment_forbidden"
            )
    elif not (is_applicant or can(author, Capability.READ_APPLICATIONS)):
        raise Forbidden("Only members and the applicant may comment on an application.", code="comment_forbidden")
    return ApplicationComment.objects.create(
        application=application, author=author, body=_clean_body(body), visibility=visibility
    )


@transaction.atomic
def edit_comment(*, comment: ApplicationComment, actor: User, body: str) -> ApplicationComment:
    """The author rewrites their comment; it keeps its time and is marked edited."""
    comment = ApplicationComment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != actor.pk:
        raise Forbidden("Only the author may edit a comment.", code="not_your_comment")
    comment.body = _clean_body(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at", "updated_at"])
    return comment


# --- Questions -----------------------------------------------------------------------------------


def _clean_question_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("Write the question.", code="question_required")
    if len(text) > QUESTION_MAX:
        raise InvalidInput(f"Keep questions under {QUESTION_MAX} characters.", code="question_too_long")
    return text


@transaction.atomic
def create_question(
    *, actor: User, text: str, required: bool = True, position: int = 0, is_active: bool = True
) -> ApplicationQuestion:
    """Officers add a question every new applicant answers."""
    require(actor, Capability.MANAGE_GUILD)
    return ApplicationQuestion.objects.create(
        text=_clean_question_text(text),
        required=required,
        position=QUESTION_POSITION.parse(position),
        is_active=is_active,
    )


@transaction.atomic
def update_question(
    *,
    question: ApplicationQuestion,
    actor: User,
    text: str | None = None,
    required: bool | None = None,
    position: int | None = None,
    is_active: bool | None = None,
) -> ApplicationQuestion:
    """Officers reword, reorder or retire a question; answers already given keep the text they answered."""
    require(actor, Capability.MANAGE_GUILD)
    question = ApplicationQuestion.objects.select_for_update().get(pk=question.pk)
    if text is not None:
        question.text = _clean_question_text(text)
    if required is not None:
        question.required = required
    if position is not None:
        question.position = QUESTION_POSITION.parse(position)
    if is_active is not None:
        question.is_active = is_active
    question.save()
    return question
