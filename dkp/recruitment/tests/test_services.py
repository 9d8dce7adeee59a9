"""Recruitment's rules: the pipeline from guest to member, attendance-gated votes, comments, what reaches Discord."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from dkp.accounts.models import User
from dkp.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from dkp.core.models import GuildSettings
from dkp.core.roles import RoleGroup
from dkp.discord.models import DiscordOutbox
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.raids.models import RaidAttendance, RaidTick
from dkp.recruitment import selectors, services
from dkp.recruitment.models import (
    ApplicationComment,
    ApplicationQuestion,
    ApplicationStageChange,
    ApplicationStatus,
    ApplicationVote,
    CommentVisibility,
    GuildApplication,
)
from dkp.testing.personas import Guild, build_guild, make_character, make_user

NOW = dt.datetime(2025, 3, 14, 20, 0, tzinfo=dt.UTC)
TOMORROW = dt.timedelta(days=1)


@pytest.fixture
def members(guild: Guild) -> Guild:
    """The personas with 30-day attendance computed: Gwen 90%, Pip 10%."""
    refresh_attendance_summaries()
    return guild


@pytest.fixture
def questions(db: None) -> list[ApplicationQuestion]:
    return [
        ApplicationQuestion.objects.create(text="Why do you want to raid with us?", required=True, position=1),
        ApplicationQuestion.objects.create(text="Anything else we should know?", required=False, position=2),
    ]


@dataclass
class Queued:
    """What the after-commit hooks handed to Celery: users whose role was pushed, outbox rows to post."""

    role_pushes: list[int] = field(default_factory=list)
    deliveries: list[int] = field(default_factory=list)


@pytest.fixture
def discord_queue(monkeypatch: pytest.MonkeyPatch) -> Queued:
    from dkp.accounts import tasks as account_tasks
    from dkp.discord import tasks

    queued = Queued()
    monkeypatch.setattr(account_tasks.push_role_group, "delay", queued.role_pushes.append)
    monkeypatch.setattr(tasks.deliver_outbox_message, "delay", queued.deliveries.append)
    return queued


def apply(user: User, questions: list[ApplicationQuestion], **overrides: Any) -> GuildApplication:
    fields: dict[str, Any] = {
        "character_name": "Abeline",
        "character_class": "Ranger",
        "character_level": 65,
        "answers": {questions[0].pk: "Friends of mine raid here."},
    }
    fields.update(overrides)
    return services.submit_application(applicant=user, **fields)


def to_voting(application: GuildApplication, guild: Guild) -> GuildApplication:
    return services.move_application(application=application, to_status="voting", actor=guild.recruiter)


def trial_end() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=14)


def stages(application: GuildApplication) -> list[tuple[str, str]]:
    return list(
        ApplicationStageChange.objects.filter(application=application)
        .order_by("created_at", "pk")
        .values_list("from_status", "to_status")
    )


def reloaded(user: User) -> User:
    return User.objects.get(pk=user.pk)


# --- Applying ------------------------------------------------------------------------------------


def test_applying_makes_a_guest_an_applicant_and_keeps_the_questions_as_asked(
    members: Guild, questions: list[ApplicationQuestion], discord_queue: Queued, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        application = apply(members.guest, questions, character_class="shadow knight", character_name="gusmando")
    questions[0].text = "Why us?"
    questions[0].save()

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.character_name == "Gusmando"
    assert application.character_class == "Shadow Knight"
    assert application.answers == [
        {"question": "Why do you want to raid with us?", "answer": "Friends of mine raid here."},
        {"question": "Anything else we should know?", "answer": ""},
    ]
    assert reloaded(members.guest).role_group == RoleGroup.APPLICANT
    assert discord_queue.role_pushes == [members.guest.pk]
    assert stages(application) == [("", "submitted")]
    assert ApplicationStageChange.objects.get(application=application).changed_by == members.guest


def test_an_applicant_who_applies_keeps_their_role_and_nothing_is_pushed(
    members: Guild, questions: list[ApplicationQuestion], discord_queue: Queued, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        apply(members.applicant, questions)
    assert reloaded(members.applicant).role_group == RoleGroup.APPLICANT
    assert discord_queue.role_pushes == []


def test_applying_twice_is_refused_and_changes_nothing(members: Guild, questions: list[ApplicationQuestion]) -> None:
    first = apply(members.applicant, questions)
    with pytest.raises(Conflict, match="already have an open application") as refused:
        apply(members.applicant, questions, character_name="Otherone")
    assert refused.value.code == "application_already_open"
    assert list(GuildApplication.objects.values_list("pk", flat=True)) == [first.pk]
    assert DiscordOutbox.objects.filter(kind=DiscordOutbox.Kind.APPLICATION_SUBMITTED).count() == 1


def test_a_second_application_that_slips_past_the_check_loses_to_the_database(
    members: Guild, questions: list[ApplicationQuestion], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two submits racing: both pass the check; the partial unique constraint stops the second."""
    apply(members.applicant, questions)
    monkeypatch.setattr(services, "OPEN_APPLICATION_STATUSES", ())
    with pytest.raises(Conflict, match="already have an open application"):
        apply(members.applicant, questions)
    assert GuildApplication.objects.count() == 1
    assert ApplicationStageChange.objects.count() == 1


def test_applying_again_after_a_withdrawal_is_allowed(members: Guild, questions: list[ApplicationQuestion]) -> None:
    first = apply(members.applicant, questions)
    services.withdraw_application(application=first, actor=members.applicant)
    second = apply(members.guest, questions)
    again = apply(reloaded(members.applicant), questions)
    assert {second.status, again.status} == {ApplicationStatus.SUBMITTED}


def test_an_empty_answer_to_a_required_question_is_refused_naming_it(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    with pytest.raises(InvalidInput, match="Why do you want to raid with us") as refused:
        apply(members.guest, questions, answers={questions[0].pk: "   ", questions[1].pk: "hi"})
    assert refused.value.code == "answer_required"
    assert GuildApplication.objects.count() == 0
    assert reloaded(members.guest).role_group == RoleGroup.GUEST
    assert DiscordOutbox.objects.count() == 0


def test_an_answer_to_a_retired_question_is_refused(members: Guild, questions: list[ApplicationQuestion]) -> None:
    questions[1].is_active = False
    questions[1].save()
    with pytest.raises(InvalidInput, match="no longer asked"):
        apply(members.guest, questions, answers={questions[0].pk: "yes", questions[1].pk: "late"})
    assert GuildApplication.objects.count() == 0


@pytest.mark.parametrize(
    ("field_name", "value", "code"),
    [
        ("character_class", "Necro", "invalid_class"),
        ("character_level", 0, "invalid_level"),
        ("character_level", 131, "invalid_level"),
        ("character_name", "", "character_name_required"),
        ("character_name", "Abe the Bold", "invalid_character_name"),
        ("character_name", "Abcdefghijklmnop", "invalid_character_name"),
    ],
)
def test_bad_character_details_are_refused(
    members: Guild, questions: list[ApplicationQuestion], field_name: str, value: Any, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        apply(members.guest, questions, **{field_name: value})
    assert refused.value.code == code
    assert GuildApplication.objects.count() == 0


def test_levels_one_and_130_are_accepted(members: Guild, questions: list[ApplicationQuestion]) -> None:
    assert apply(members.guest, questions, character_level=1).character_level == 1
    assert apply(members.applicant, questions, character_level=130).character_level == 130


@pytest.mark.parametrize("persona", ["good_member", "recruiter", "officer"])
def test_members_may_not_apply(members: Guild, questions: list[ApplicationQuestion], persona: str) -> None:
    with pytest.raises(Forbidden, match="may not apply"):
        apply(members.everyone()[persona], questions)
    assert GuildApplication.objects.count() == 0


# --- The pipeline --------------------------------------------------------------------------------


def test_the_full_path_from_guest_to_member_through_voting_and_trial(
    members: Guild, questions: list[ApplicationQuestion], discord_queue: Queued, django_capture_on_commit_callbacks
) -> None:
    guest = members.guest
    with django_capture_on_commit_callbacks(execute=True):
        application = apply(guest, questions)
    with django_capture_on_commit_callbacks(execute=True):
        application = services.move_application(
            application=application, to_status="voting", actor=members.recruiter, reason="looks good"
        )
    assert application.voting_closes_at == pytest.approx(timezone.now() + dt.timedelta(days=7), abs=dt.timedelta(1))
    services.cast_vote(application=application, voter=members.good_member, choice="yes")
    with django_capture_on_commit_callbacks(execute=True):
        application = services.move_application(
            application=application,
            to_status="trial",
            actor=members.recruiter,
            trial_ends_at=trial_end(),
            confirm_open_vote=True,
        )
    trial_member = reloaded(guest)
    assert trial_member.role_group == RoleGroup.MEMBER
    assert trial_member.member_since == timezone.localdate()
    assert application.status == ApplicationStatus.TRIAL
    assert application.trial_ends_at == trial_end()
    with django_capture_on_commit_callbacks(execute=True):
        application = services.move_application(
            application=application, to_status="accepted", actor=members.officer, reason="great trial"
        )

    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert application.decided_by == members.officer
    assert application.decided_at is not None
    member = reloaded(guest)
    assert member.role_group == RoleGroup.MEMBER
    assert member.member_since == timezone.localdate()
    # guest → applicant at submit, applicant → member at trial; accepting a trial member changes no role.
    assert discord_queue.role_pushes == [guest.pk, guest.pk]
    assert stages(application) == [
        ("", "submitted"),
        ("submitted", "voting"),
        ("voting", "trial"),
        ("trial", "accepted"),
    ]
    history = list(selectors.stage_history(application=application))
    assert [change.changed_by for change in history] == [guest, members.recruiter, members.recruiter, members.officer]
    assert [change.reason for change in history] == ["", "looks good", "", "great trial"]
    kinds = list(DiscordOutbox.objects.order_by("created_at", "pk").values_list("kind", "payload"))
    assert kinds == [
        (DiscordOutbox.Kind.APPLICATION_SUBMITTED, {"application_id": application.pk}),
        (DiscordOutbox.Kind.VOTING_OPENED, {"application_id": application.pk}),
        (DiscordOutbox.Kind.APPLICATION_DECIDED, {"application_id": application.pk, "status": "accepted"}),
    ]
    assert len(discord_queue.deliveries) == 3


def test_accepting_straight_from_submitted_makes_a_member_since_today(
    members: Guild, questions: list[ApplicationQuestion], discord_queue: Queued, django_capture_on_commit_callbacks
) -> None:
    application = apply(members.applicant, questions)
    with django_capture_on_commit_callbacks(execute=True):
        services.move_application(application=application, to_status="accepted", actor=members.officer)
    accepted = reloaded(members.applicant)
    assert accepted.role_group == RoleGroup.MEMBER
    assert accepted.member_since == timezone.localdate()
    assert discord_queue.role_pushes == [members.applicant.pk]


def test_accepting_keeps_an_earlier_member_since(members: Guild, questions: list[ApplicationQuestion]) -> None:
    """A returning member who applied again keeps the date they first joined."""
    joined = dt.date(2019, 5, 1)
    User.objects.filter(pk=members.applicant.pk).update(member_since=joined)
    application = apply(reloaded(members.applicant), questions)
    services.move_application(application=application, to_status="accepted", actor=members.officer)
    assert reloaded(members.applicant).member_since == joined


def test_rejecting_an_applicant_makes_them_a_guest_again(
    members: Guild, questions: list[ApplicationQuestion], discord_queue: Queued, django_capture_on_commit_callbacks
) -> None:
    application = to_voting(apply(members.applicant, questions), members)
    with django_capture_on_commit_callbacks(execute=True):
        services.move_application(application=application, to_status="rejected", actor=members.officer, reason="no")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.decided_by == members.officer
    assert reloaded(members.applicant).role_group == RoleGroup.GUEST
    assert discord_queue.role_pushes == [members.applicant.pk]
    decided = DiscordOutbox.objects.get(kind=DiscordOutbox.Kind.APPLICATION_DECIDED)
    assert decided.payload == {"application_id": application.pk, "status": "rejected"}
    assert "rejected" in decided.content


def test_rejecting_a_trial_member_makes_them_a_guest_without_a_member_since(
    members: Guild, questions: list[ApplicationQuestion], discord_queue: Queued, django_capture_on_commit_callbacks
) -> None:
    application = apply(members.applicant, questions)
    services.move_application(
        application=application, to_status="trial", actor=members.recruiter, trial_ends_at=trial_end()
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.move_application(application=application, to_status="rejected", actor=members.officer)
    former = reloaded(members.applicant)
    assert former.role_group == RoleGroup.GUEST
    assert former.member_since is None
    assert discord_queue.role_pushes == [members.applicant.pk]


@pytest.mark.parametrize("stage", ["submitted", "voting", "trial"])
def test_the_applicant_withdraws_at_any_open_stage_and_is_a_guest_again(
    members: Guild,
    questions: list[ApplicationQuestion],
    discord_queue: Queued,
    django_capture_on_commit_callbacks,
    stage: str,
) -> None:
    application = apply(members.applicant, questions)
    if stage == "voting":
        to_voting(application, members)
    elif stage == "trial":
        services.move_application(
            application=application, to_status="trial", actor=members.recruiter, trial_ends_at=trial_end()
        )
    announcements = DiscordOutbox.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_application(application=application, actor=reloaded(members.applicant), reason="found one")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.decided_by is None
    assert stages(application)[-1] == (stage, "withdrawn")
    assert ApplicationStageChange.objects.filter(to_status="withdrawn", reason="found one").count() == 1
    assert reloaded(members.applicant).role_group == RoleGroup.GUEST
    assert discord_queue.role_pushes == [members.applicant.pk]
    assert DiscordOutbox.objects.count() == announcements  # a withdrawal is not announced


def test_only_the_applicant_may_withdraw(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = apply(members.applicant, questions)
    with pytest.raises(Forbidden, match="Only the applicant"):
        services.withdraw_application(application=application, actor=members.officer)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_a_decided_application_cannot_be_withdrawn(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = apply(members.applicant, questions)
    services.move_application(application=application, to_status="accepted", actor=members.officer)
    with pytest.raises(Conflict, match="already accepted"):
        services.withdraw_application(application=application, actor=members.applicant)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert reloaded(members.applicant).role_group == RoleGroup.MEMBER


@pytest.mark.parametrize("decision", ["accepted", "rejected"])
def test_accepting_or_rejecting_a_withdrawn_application_is_a_conflict_and_changes_nothing(
    members: Guild, questions: list[ApplicationQuestion], decision: str
) -> None:
    application = apply(members.applicant, questions)
    services.withdraw_application(application=application, actor=members.applicant)
    changes, outbox = ApplicationStageChange.objects.count(), DiscordOutbox.objects.count()
    with pytest.raises(Conflict, match="already withdrawn") as refused:
        services.move_application(application=application, to_status=decision, actor=members.officer)
    assert refused.value.code == "application_closed"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.decided_by is None
    assert reloaded(members.applicant).role_group == RoleGroup.GUEST
    assert (ApplicationStageChange.objects.count(), DiscordOutbox.objects.count()) == (changes, outbox)


@pytest.mark.parametrize("decision", ["accepted", "rejected"])
def test_recruiters_move_but_only_officers_decide(
    members: Guild, questions: list[ApplicationQuestion], decision: str
) -> None:
    application = to_voting(apply(members.applicant, questions), members)
    with pytest.raises(Forbidden, match="may not accept or reject"):
        services.move_application(application=application, to_status=decision, actor=members.recruiter)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.VOTING


@pytest.mark.parametrize("persona", ["good_member", "developer", "applicant"])
def test_members_and_applicants_may_not_move_applications(
    members: Guild, questions: list[ApplicationQuestion], persona: str
) -> None:
    application = apply(members.guest, questions)
    with pytest.raises(Forbidden, match="may not move applications"):
        services.move_application(application=application, to_status="voting", actor=members.everyone()[persona])
    assert GuildApplication.objects.get().status == ApplicationStatus.SUBMITTED


def test_an_officer_opens_voting_until_a_chosen_time(members: Guild, questions: list[ApplicationQuestion]) -> None:
    closes = timezone.now() + dt.timedelta(days=3)
    application = apply(members.applicant, questions)
    services.move_application(
        application=application, to_status="voting", actor=members.officer, voting_closes_at=closes
    )
    application.refresh_from_db()
    assert application.voting_closes_at == closes
    voting = DiscordOutbox.objects.get(kind=DiscordOutbox.Kind.VOTING_OPENED)
    assert "Abeline" in voting.content


@pytest.mark.parametrize(
    ("target", "extra", "code"),
    [
        ("voting", {"voting_closes_at": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)}, "voting_closes_in_past"),
        ("trial", {}, "trial_end_required"),
        ("trial", {"trial_ends_at": dt.date(2000, 1, 1)}, "trial_ends_in_past"),
        ("submitted", {}, "same_stage"),
        ("withdrawn", {}, "invalid_move"),
        ("bogus", {}, "invalid_status"),
    ],
)
def test_bad_moves_are_refused_and_change_nothing(
    members: Guild, questions: list[ApplicationQuestion], target: str, extra: dict[str, Any], code: str
) -> None:
    application = apply(members.applicant, questions)
    with pytest.raises((InvalidInput, Conflict)) as refused:
        services.move_application(application=application, to_status=target, actor=members.officer, **extra)
    assert refused.value.code == code
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.voting_closes_at is None
    assert ApplicationStageChange.objects.count() == 1


def test_an_application_does_not_go_back_a_stage(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = apply(members.applicant, questions)
    services.move_application(
        application=application, to_status="trial", actor=members.officer, trial_ends_at=trial_end()
    )
    with pytest.raises(InvalidInput, match="cannot go back to voting"):
        services.move_application(application=application, to_status="voting", actor=members.officer)
    assert GuildApplication.objects.get().status == ApplicationStatus.TRIAL


def test_a_guild_without_trials_cannot_move_to_trial(members: Guild, questions: list[ApplicationQuestion]) -> None:
    GuildSettings.objects.update_or_create(pk=1, defaults={"uses_trials": False})
    application = apply(members.applicant, questions)
    with pytest.raises(InvalidInput, match="does not use trials"):
        services.move_application(
            application=application, to_status="trial", actor=members.officer, trial_ends_at=trial_end()
        )
    assert GuildApplication.objects.get().status == ApplicationStatus.SUBMITTED
    assert reloaded(members.applicant).role_group == RoleGroup.APPLICANT


# --- What reaches Discord ------------------------------------------------------------------------


def test_nothing_is_announced_or_pushed_when_the_transaction_rolls_back(
    members: Guild, questions: list[ApplicationQuestion], discord_queue: Queued, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        application = apply(members.guest, questions)
        to_voting(application, members)
        services.move_application(
            application=application, to_status="accepted", actor=members.officer, confirm_open_vote=True
        )
        transaction.set_rollback(True)
    assert callbacks == []
    assert DiscordOutbox.objects.count() == 0
    assert GuildApplication.objects.count() == 0
    assert discord_queue == Queued()
    assert reloaded(members.guest).role_group == RoleGroup.GUEST


def test_a_refused_move_announces_nothing(
    members: Guild, questions: list[ApplicationQuestion], django_capture_on_commit_callbacks
) -> None:
    application = apply(members.applicant, questions)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(InvalidInput):
        services.move_application(application=application, to_status="trial", actor=members.officer)
    assert callbacks == []
    assert DiscordOutbox.objects.count() == 1  # the submission only


# --- Voting --------------------------------------------------------------------------------------


def test_an_eligible_member_votes_with_their_attendance_recorded(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    application = to_voting(apply(members.applicant, questions), members)
    vote = services.cast_vote(application=application, voter=members.good_member, choice="yes")
    assert vote.choice == "yes"
    assert vote.attendance_30 == Decimal("90.00")
    assert selectors.tally(application=application) == selectors.Tally(yes=1, no=0, abstain=0, total=1)


def test_a_member_changes_their_vote_while_voting_is_open(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = to_voting(apply(members.applicant, questions), members)
    first = services.cast_vote(application=application, voter=members.good_member, choice="yes")
    changed = services.cast_vote(application=application, voter=members.good_member, choice="no")
    assert changed.pk == first.pk
    assert ApplicationVote.objects.get().choice == "no"
    assert selectors.tally(application=application) == selectors.Tally(yes=0, no=1, abstain=0, total=1)


def test_a_member_below_the_threshold_is_told_their_attendance_and_the_threshold(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    application = to_voting(apply(members.applicant, questions), members)
    with pytest.raises(Forbidden) as refused:
        services.cast_vote(application=application, voter=members.poor_member, choice="yes")
    assert refused.value.message == "You need 15% attendance over the last 30 days to vote; yours is 10.00%."
    assert refused.value.code == "not_eligible_to_vote"
    assert ApplicationVote.objects.count() == 0


def test_the_threshold_is_the_guilds_setting(members: Guild, questions: list[ApplicationQuestion]) -> None:
    GuildSettings.objects.update_or_create(pk=1, defaults={"vote_threshold_percent": 95})
    application = to_voting(apply(members.applicant, questions), members)
    with pytest.raises(
        Forbidden, match=re.escape("You need 95% attendance over the last 30 days to vote; yours is 90.00%.")
    ):
        services.cast_vote(application=application, voter=members.good_member, choice="yes")
    assert ApplicationVote.objects.count() == 0


@pytest.mark.parametrize("persona", ["applicant", "guest"])
def test_outsiders_may_not_vote(members: Guild, questions: list[ApplicationQuestion], persona: str) -> None:
    application = to_voting(apply(make_user("ollie", RoleGroup.GUEST), questions), members)
    with pytest.raises(Forbidden, match="may not vote on applications"):
        services.cast_vote(application=application, voter=members.everyone()[persona], choice="yes")
    assert ApplicationVote.objects.count() == 0


def test_voting_before_voting_opens_is_refused(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = apply(members.applicant, questions)
    with pytest.raises(Conflict, match="not in voting") as refused:
        services.cast_vote(application=application, voter=members.good_member, choice="yes")
    assert refused.value.code == "voting_not_open"
    assert ApplicationVote.objects.count() == 0


def test_voting_after_it_closes_is_refused_and_the_vote_stays(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    application = to_voting(apply(members.applicant, questions), members)
    services.cast_vote(application=application, voter=members.good_member, choice="yes")
    assert application.voting_closes_at is not None
    with time_machine.travel(application.voting_closes_at, tick=False):
        with pytest.raises(Conflict, match="has closed"):
            services.cast_vote(application=application, voter=members.good_member, choice="no")
        with pytest.raises(Conflict, match="has closed"):
            services.cast_vote(application=application, voter=members.officer, choice="no")
    assert list(ApplicationVote.objects.values_list("voter", "choice")) == [(members.good_member.pk, "yes")]


def test_moving_on_from_voting_closes_it(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = to_voting(apply(members.applicant, questions), members)
    services.move_application(
        application=application,
        to_status="trial",
        actor=members.officer,
        trial_ends_at=trial_end(),
        confirm_open_vote=True,
    )
    with pytest.raises(Conflict, match="not in voting"):
        services.cast_vote(application=application, voter=members.good_member, choice="yes")


@pytest.mark.parametrize("target", ["accepted", "trial"])
def test_admitting_while_voting_is_open_needs_confirmation_and_says_the_tally(
    members: Guild, questions: list[ApplicationQuestion], target: str
) -> None:
    application = to_voting(apply(members.applicant, questions), members)
    services.cast_vote(application=application, voter=members.good_member, choice="yes")
    services.cast_vote(application=application, voter=members.officer, choice="no")
    ends = trial_end() if target == "trial" else None
    with pytest.raises(Conflict, match=r"Voting is still open .*1 yes, 1 no, 0 abstain") as refused:
        services.move_application(application=application, to_status=target, actor=members.officer, trial_ends_at=ends)
    assert refused.value.code == "voting_still_open"
    assert GuildApplication.objects.get(pk=application.pk).status == ApplicationStatus.VOTING
    assert reloaded(members.applicant).role_group == RoleGroup.APPLICANT

    services.move_application(
        application=application, to_status=target, actor=members.officer, confirm_open_vote=True, trial_ends_at=ends
    )
    assert GuildApplication.objects.get(pk=application.pk).status == target
    assert reloaded(members.applicant).role_group == RoleGroup.MEMBER


def test_rejecting_while_voting_is_open_and_accepting_after_it_closed_need_no_confirmation(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    rejected = to_voting(apply(members.applicant, questions), members)
    services.move_application(application=rejected, to_status="rejected", actor=members.officer)
    assert GuildApplication.objects.get(pk=rejected.pk).status == ApplicationStatus.REJECTED

    later = to_voting(apply(members.guest, questions), members)
    GuildApplication.objects.filter(pk=later.pk).update(voting_closes_at=timezone.now() - dt.timedelta(minutes=1))
    services.move_application(application=later, to_status="accepted", actor=members.officer)
    assert GuildApplication.objects.get(pk=later.pk).status == ApplicationStatus.ACCEPTED


def test_an_invalid_choice_is_refused(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = to_voting(apply(members.applicant, questions), members)
    with pytest.raises(InvalidInput, match="yes, no or abstain"):
        services.cast_vote(application=application, voter=members.good_member, choice="maybe")


def _held_tick(guild: Guild, at: dt.datetime, *present: User) -> RaidTick:
    """A tick the officer is at (a tick nobody attended is not held), with these members too."""
    tick = RaidTick.objects.create(raid=guild.raid, occurred_at=at, value=1)
    for user in (guild.officer, *present):
        main = user.main_character
        assert main is not None
        RaidAttendance.objects.create(
            tick=tick, character=main, user=user, character_name=main.name, character_class=main.eq_class
        )
    return tick


def _attendance_guild(*, held: int, attended: int) -> tuple[Guild, User]:
    """The persona guild (10 ticks in the window) plus ticks up to ``held``; Tess attends ``attended`` of them."""
    guild = build_guild(now=NOW)
    tess = make_user("tess", RoleGroup.MEMBER)
    make_character("Tessaly", tess)
    tess.refresh_from_db()
    extra = held - len(guild.ticks)
    assert 0 <= attended <= extra
    for index in range(extra):
        _held_tick(guild, NOW - dt.timedelta(days=2, minutes=index), *([tess] if index < attended else []))
    refresh_attendance_summaries(now=NOW)
    return guild, tess


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("held", "percent", "allowed"),
    [
        (20, Decimal("15.00"), True),  # 3 of 20: exactly the threshold
        (21, Decimal("14.29"), False),  # 3 of 21: just below
        (19, Decimal("15.79"), True),  # 3 of 19: just above
    ],
)
def test_eligibility_at_just_below_and_just_above_the_threshold(
    questions: list[ApplicationQuestion], held: int, percent: Decimal, allowed: bool
) -> None:
    with time_machine.travel(NOW, tick=False):
        guild, tess = _attendance_guild(held=held, attended=3)
        eligibility = selectors.vote_eligibility(user=tess)
        assert eligibility == selectors.Eligibility(
            allowed=allowed,
            attendance_30=percent,
            threshold=15,
            reason="" if allowed else f"You need 15% attendance over the last 30 days to vote; yours is {percent}%.",
        )
        application = to_voting(apply(guild.applicant, questions), guild)
        if allowed:
            assert services.cast_vote(application=application, voter=tess, choice="abstain").attendance_30 == percent
        else:
            with pytest.raises(Forbidden, match=re.escape(f"yours is {percent}%")):
                services.cast_vote(application=application, voter=tess, choice="abstain")
        assert ApplicationVote.objects.filter(voter=tess).exists() is allowed


@pytest.mark.django_db
def test_a_votes_attendance_stays_as_cast_after_attendance_changes(questions: list[ApplicationQuestion]) -> None:
    with time_machine.travel(NOW, tick=False):
        guild, tess = _attendance_guild(held=20, attended=3)
        application = to_voting(apply(guild.applicant, questions), guild)
        services.cast_vote(application=application, voter=tess, choice="yes")
        # Ten more ticks without Tess: 3 of 30 is 10%, below the threshold now.
        for index in range(10):
            _held_tick(guild, NOW - dt.timedelta(hours=index + 1))
        refresh_attendance_summaries(now=NOW)
        assert selectors.vote_eligibility(user=tess).attendance_30 == Decimal("10.00")
        vote = ApplicationVote.objects.get(voter=tess)
        assert vote.attendance_30 == Decimal("15.00")
        assert vote.choice == "yes"
        with pytest.raises(Forbidden, match=re.escape("yours is 10.00%")):
            services.cast_vote(application=application, voter=tess, choice="no")
        vote.refresh_from_db()
        assert (vote.choice, vote.attendance_30) == ("yes", Decimal("15.00"))


def test_a_changed_vote_records_the_attendance_it_was_cast_with(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    application = to_voting(apply(members.applicant, questions), members)
    services.cast_vote(application=application, voter=members.good_member, choice="yes")
    for index in range(2):  # two more ticks with Gwen: 11 of 12
        _held_tick(members, timezone.now() - dt.timedelta(hours=index + 1), members.good_member)
    refresh_attendance_summaries()
    recast = services.cast_vote(application=application, voter=members.good_member, choice="abstain")
    assert (recast.choice, recast.attendance_30) == ("abstain", Decimal("91.67"))


# --- Comments ------------------------------------------------------------------------------------


def test_members_comment_and_recruiters_write_officer_only_comments(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    application = apply(members.applicant, questions)
    public = services.add_comment(application=application, author=members.poor_member, body=" Grouped with him. ")
    private = services.add_comment(
        application=application, author=members.recruiter, body="Checked his old guild.", visibility="officers"
    )
    assert public.body == "Grouped with him."
    assert public.visibility == CommentVisibility.MEMBERS
    assert private.visibility == CommentVisibility.OFFICERS


def test_an_officer_only_comment_by_a_member_is_refused(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = apply(members.applicant, questions)
    with pytest.raises(Forbidden, match="Only recruiters and officers may write officer-only comments"):
        services.add_comment(application=application, author=members.good_member, body="secret", visibility="officers")
    assert ApplicationComment.objects.count() == 0


def test_the_applicant_replies_on_their_own_application_but_not_privately(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    application = apply(members.applicant, questions)
    reply = services.add_comment(application=application, author=members.applicant, body="Thanks!")
    assert reply.visibility == CommentVisibility.MEMBERS
    with pytest.raises(Forbidden):
        services.add_comment(application=application, author=members.applicant, body="psst", visibility="officers")
    assert ApplicationComment.objects.count() == 1


def test_outsiders_may_not_comment_on_someone_elses_application(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    application = apply(members.applicant, questions)
    with pytest.raises(Forbidden, match="Only members and the applicant"):
        services.add_comment(application=application, author=members.guest, body="hi")
    assert ApplicationComment.objects.count() == 0


@pytest.mark.parametrize(("body", "code"), [("   ", "comment_required"), ("x" * 4001, "comment_too_long")])
def test_an_empty_or_overlong_comment_is_refused(
    members: Guild, questions: list[ApplicationQuestion], body: str, code: str
) -> None:
    application = apply(members.applicant, questions)
    with pytest.raises(InvalidInput) as refused:
        services.add_comment(application=application, author=members.good_member, body=body)
    assert refused.value.code == code
    assert ApplicationComment.objects.count() == 0


def test_the_author_edits_a_comment_which_keeps_its_time_and_is_marked_edited(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    application = apply(members.applicant, questions)
    comment = services.add_comment(application=application, author=members.good_member, body="Grouped with him.")
    written = comment.created_at
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2), tick=False):
        edited = services.edit_comment(comment=comment, actor=members.good_member, body="Grouped with him twice.")
        assert edited.edited_at == timezone.now()
    edited.refresh_from_db()
    assert edited.body == "Grouped with him twice."
    assert edited.created_at == written
    assert edited.edited_at is not None
    assert edited.edited_at > written


def test_only_the_author_edits_a_comment(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = apply(members.applicant, questions)
    comment = services.add_comment(application=application, author=members.good_member, body="Grouped with him.")
    with pytest.raises(Forbidden, match="Only the author"):
        services.edit_comment(comment=comment, actor=members.officer, body="Rewritten")
    with pytest.raises(InvalidInput):
        services.edit_comment(comment=comment, actor=members.good_member, body=" ")
    comment.refresh_from_db()
    assert comment.body == "Grouped with him."
    assert comment.edited_at is None


# --- Reads ---------------------------------------------------------------------------------------


def _discussed(guild: Guild, questions: list[ApplicationQuestion]) -> GuildApplication:
    application = to_voting(apply(guild.applicant, questions), guild)
    services.add_comment(application=application, author=guild.good_member, body="for members")
    services.add_comment(application=application, author=guild.officer, body="for officers", visibility="officers")
    services.cast_vote(application=application, voter=guild.good_member, choice="yes")
    services.cast_vote(application=application, voter=guild.officer, choice="no")
    return application


@pytest.mark.parametrize(
    ("persona", "comments", "sees_votes"),
    [
        ("officer", ["for members", "for officers"], True),
        ("recruiter", ["for members", "for officers"], True),
        ("developer", ["for members"], False),
        ("good_member", ["for members"], False),
        ("applicant", ["for members"], False),
        ("guest", [], False),
    ],
)
def test_who_sees_which_comments_and_who_voted_what(
    members: Guild, questions: list[ApplicationQuestion], persona: str, comments: list[str], sees_votes: bool
) -> None:
    application = _discussed(members, questions)
    viewer = members.everyone()[persona]
    assert [c.body for c in selectors.visible_comments(viewer=viewer, application=application)] == comments
    votes = list(selectors.visible_votes(viewer=viewer, application=application))
    assert [(v.voter, v.choice) for v in votes] == (
        [(members.good_member, "yes"), (members.officer, "no")] if sees_votes else []
    )


def test_members_see_every_application_and_outsiders_only_their_own(
    members: Guild, questions: list[ApplicationQuestion]
) -> None:
    mine = to_voting(apply(members.applicant, questions), members)
    theirs = apply(members.guest, questions, character_name="Gusmando")
    assert list(selectors.applications_for(viewer=members.good_member)) == [theirs, mine]
    assert list(selectors.applications_for(viewer=members.good_member, status="voting")) == [mine]
    assert list(selectors.applications_for(viewer=members.applicant)) == [mine]
    assert list(selectors.applications_for(viewer=members.guest, status="voting")) == []
    with pytest.raises(InvalidInput):
        selectors.applications_for(viewer=members.good_member, status="pending")


def test_an_outsider_is_refused_someone_elses_application(members: Guild, questions: list[ApplicationQuestion]) -> None:
    application = apply(members.applicant, questions)
    assert selectors.application_for(viewer=members.applicant, application_id=application.pk) == application
    assert selectors.application_for(viewer=members.poor_member, application_id=application.pk) == application
    with pytest.raises(Forbidden):
        selectors.application_for(viewer=members.guest, application_id=application.pk)
    with pytest.raises(NotFound):
        selectors.application_for(viewer=members.officer, application_id=application.pk + 1000)


def test_the_list_counts_votes_in_one_query(
    members: Guild, questions: list[ApplicationQuestion], django_assert_num_queries
) -> None:
    _discussed(members, questions)
    apply(members.guest, questions, character_name="Gusmando")
    with django_assert_num_queries(1):
        rows = [
            (a.character_name, a.applicant.name, a.yes_votes, a.no_votes, a.abstain_votes)  # type: ignore[attr-defined]  # counts annotated by the selector
            for a in selectors.applications_for(viewer=members.officer)
        ]
    assert rows == [("Gusmando", "Gus", 0, 0, 0), ("Abeline", "Abe", 1, 1, 0)]


def test_the_questions_asked_are_the_active_ones_in_order(members: Guild, questions: list[ApplicationQuestion]) -> None:
    late = ApplicationQuestion.objects.create(text="First?", position=0)
    questions[0].is_active = False
    questions[0].save()
    assert list(selectors.open_questions()) == [late, questions[1]]
    assert list(selectors.questions_for(viewer=members.officer)) == [late, questions[0], questions[1]]
    assert list(selectors.questions_for(viewer=members.guest)) == [late, questions[1]]


def test_officers_add_and_reword_questions(members: Guild) -> None:
    question = services.create_question(actor=members.officer, text=" Your main's AA count? ", required=False)
    assert (question.text, question.required) == ("Your main's AA count?", False)
    services.update_question(question=question, actor=members.officer, text="AAs?", is_active=False)
    question.refresh_from_db()
    assert (question.text, question.is_active) == ("AAs?", False)
    with pytest.raises(Forbidden):
        services.create_question(actor=members.recruiter, text="Nope")
    with pytest.raises(InvalidInput):
        services.update_question(question=question, actor=members.officer, text=" ")
