"""From guest to member, end to end: the services, Celery (eager) and the stand-in Discord over real HTTP.

Every service call runs in its own committed transaction (``django_capture_on_commit_callbacks``
runs the after-commit hooks), so the role pushes and announcements go out exactly as in production.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone

from dkp.core.errors import Forbidden
from dkp.core.models import GuildSettings
from dkp.core.roles import RoleGroup
from dkp.discord.models import DiscordOutbox, DiscordSyncLog
from dkp.discord.standin import DiscordStandin
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.recruitment.models import ApplicationQuestion, ApplicationStageChange, ApplicationStatus
from dkp.recruitment.selectors import tally
from dkp.recruitment.services import cast_vote, move_application, submit_application
from dkp.testing.personas import Guild
from dkp.testing.standin_setup import (
    ANNOUNCE_CHANNEL,
    APPLICANT,
    MEMBER,
    UNMANAGED,
    discord_settings,
    roles_in_discord,
    start_standin,
)


@pytest.fixture(scope="module")
def running_standin() -> Iterator[DiscordStandin]:
    with start_standin() as standin:
        yield standin


@pytest.fixture
def discord(running_standin: DiscordStandin, guild: Guild) -> Iterator[DiscordStandin]:
    """The guild's Discord server: every persona in it, holding the role of their group, plus Gus the guest."""
    running_standin.reset()
    refresh_attendance_summaries()  # Gwen 90%, Pip 10%: only Gwen may vote among the plain members
    GuildSettings.objects.update_or_create(pk=1, defaults={"discord_announce_channel_id": ANNOUNCE_CHANNEL})
    ApplicationQuestion.objects.create(text="Why do you want to raid with us?", required=True, position=1)
    # Gus is in the server with no guild role yet, only a hand-managed one the app must never touch.
    assert guild.guest.discord_id
    running_standin.add_user(id=guild.guest.discord_id, username="gus", roles=[UNMANAGED])
    with discord_settings(running_standin):
        yield running_standin
    running_standin.reset()


def apply_as_gus(guild: Guild):
    question = ApplicationQuestion.objects.get()
    return submit_application(
        applicant=guild.guest,
        character_name="Gusthorn",
        character_class="bard",
        character_level=60,
        answers={question.pk: "Steady raiding and good company."},
    )


def test_guest_becomes_member_with_roles_pushed_and_announcements_posted(
    guild: Guild, discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    gus = guild.guest

    # Gus applies: he becomes an applicant, in the app and in Discord.
    with django_capture_on_commit_callbacks(execute=True):
        application = apply_as_gus(guild)
    gus.refresh_from_db()
    assert gus.role_group == RoleGroup.APPLICANT
    assert sorted(roles_in_discord(discord, gus)) == sorted([APPLICANT, UNMANAGED])

    # The recruiter opens voting.
    with django_capture_on_commit_callbacks(execute=True):
        move_application(application=application, to_status=ApplicationStatus.VOTING, actor=guild.recruiter)

    # Members with the attendance vote; Pip (10% against 15%) is told why he may not.
    for voter in (guild.good_member, guild.officer, guild.recruiter):
        with django_capture_on_commit_callbacks(execute=True):
            cast_vote(application=application, voter=voter, choice="yes")
    with pytest.raises(Forbidden, match="15%"):
        cast_vote(application=application, voter=guild.poor_member, choice="no")
    assert (tally(application=application).yes, tally(application=application).total) == (3, 3)

    # The officer moves Gus to trial: a (trial) member now, and Discord says so.
    with django_capture_on_commit_callbacks(execute=True):
        move_application(
            application=application,
            to_status=ApplicationStatus.TRIAL,
            actor=guild.officer,
            trial_ends_at=timezone.localdate() + dt.timedelta(days=14),
            confirm_open_vote=True,  # the vote is still open; the officer has seen the tally
        )
    gus.refresh_from_db()
    assert gus.role_group == RoleGroup.MEMBER
    assert gus.member_since == timezone.localdate()
    assert sorted(roles_in_discord(discord, gus)) == sorted([MEMBER, UNMANAGED])

    # The officer accepts: still a member, member since the trial began.
    with django_capture_on_commit_callbacks(execute=True):
        move_application(application=application, to_status=ApplicationStatus.ACCEPTED, actor=guild.officer)
    gus.refresh_from_db()
    assert gus.role_group == RoleGroup.MEMBER

    roles = roles_in_discord(discord, gus)
    assert MEMBER in roles
    assert APPLICANT not in roles
    assert UNMANAGED in roles  # never touched
    posted = discord.messages_in(ANNOUNCE_CHANNEL)
    assert len(posted) == 3
    assert posted[0].startswith("New application: Gusthorn")
    assert posted[1].startswith("Voting is open on Gusthorn")
    assert "Gusthorn" in posted[2]
    assert "accepted" in posted[2]
    assert not DiscordOutbox.objects.filter(sent_at__isnull=True).exists()
    pushes = DiscordSyncLog.objects.filter(user=gus, direction=DiscordSyncLog.Direction.TO_DISCORD).order_by("pk")
    assert [(row.action, row.role, row.result) for row in pushes] == [
        ("add_role", "applicant", "ok"),
        ("add_role", "member", "ok"),
        ("remove_role", "applicant", "ok"),
    ]
    assert list(ApplicationStageChange.objects.filter(application=application).values_list("to_status", flat=True)) == [
        "submitted",
        "voting",
        "trial",
        "accepted",
    ]


def test_without_trials_accepting_makes_the_applicant_a_member_in_discord(
    guild: Guild, discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    GuildSettings.objects.filter(pk=1).update(uses_trials=False)
    with django_capture_on_commit_callbacks(execute=True):
        application = apply_as_gus(guild)
    with django_capture_on_commit_callbacks(execute=True):
        move_application(application=application, to_status=ApplicationStatus.VOTING, actor=guild.recruiter)
    with django_capture_on_commit_callbacks(execute=True):
        move_application(
            application=application, to_status=ApplicationStatus.ACCEPTED, actor=guild.officer, confirm_open_vote=True
        )

    assert sorted(roles_in_discord(discord, guild.guest)) == sorted([MEMBER, UNMANAGED])
    assert len(discord.messages_in(ANNOUNCE_CHANNEL)) == 3


def test_a_rejected_applicant_loses_the_applicant_role_in_discord(
    guild: Guild, discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        application = apply_as_gus(guild)
    assert APPLICANT in roles_in_discord(discord, guild.guest)

    with django_capture_on_commit_callbacks(execute=True):
        move_application(application=application, to_status=ApplicationStatus.REJECTED, actor=guild.officer)

    guild.guest.refresh_from_db()
    assert guild.guest.role_group == RoleGroup.GUEST
    assert roles_in_discord(discord, guild.guest) == [UNMANAGED]
    assert "rejected" in discord.messages_in(ANNOUNCE_CHANNEL)[-1]
