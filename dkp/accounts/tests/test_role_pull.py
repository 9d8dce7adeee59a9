"""Pulling a role change made in Discord into the app, as the bot does on a member update.

The managed roles decide the role group (highest first, none held: guest); other roles are ignored;
an app change not yet in Discord is never overwritten; a pull never pushes back.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from dkp.accounts.keys import set_role_group
from dkp.accounts.models import User
from dkp.accounts.role_sync import pull_member_roles, push_role_group
from dkp.core.roles import RoleGroup
from dkp.discord.models import DiscordSyncLog
from dkp.discord.standin import DiscordStandin
from dkp.testing.personas import make_user
from dkp.testing.standin_setup import (
    APPLICANT,
    DEVELOPER,
    GUILD_ID,
    MEMBER,
    OFFICER,
    RECRUITER,
    ROLE_IDS,
    UNMANAGED,
    roles_in_discord,
)

EVERYONE = GUILD_ID  # Discord's @everyone role has the server's id; every member holds it

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _role_ids():
    with override_settings(DISCORD_ROLE_IDS=ROLE_IDS):
        yield


def pull(user: User, roles: list[str]) -> RoleGroup | None:
    assert user.discord_id
    return pull_member_roles(discord_id=user.discord_id, role_ids=roles, reason="Discord member update")


def pull_log(user: User) -> list[tuple[str, str, str]]:
    rows = DiscordSyncLog.objects.filter(user=user).order_by("pk")
    return [(row.direction, row.result, row.message) for row in rows]


def test_member_given_the_officer_role_in_discord_becomes_an_officer() -> None:
    gwen = make_user("gwen", RoleGroup.MEMBER)

    assert pull(gwen, [EVERYONE, MEMBER, OFFICER]) == RoleGroup.OFFICER

    gwen.refresh_from_db()
    assert gwen.role_group == RoleGroup.OFFICER
    assert gwen.discord_synced_at is not None
    assert pull_log(gwen) == [("from_discord", "ok", "member → officer (Discord member update)")]
    log = DiscordSyncLog.objects.get(user=gwen)
    assert (log.action, log.role, log.discord_id) == ("set_role_group", "officer", gwen.discord_id)


def test_officer_whose_officer_role_is_taken_in_discord_drops_to_the_next_role_held() -> None:
    olga = make_user("olga", RoleGroup.OFFICER)

    assert pull(olga, [EVERYONE, RECRUITER, MEMBER]) == RoleGroup.RECRUITER

    olga.refresh_from_db()
    assert olga.role_group == RoleGroup.RECRUITER
    assert pull_log(olga) == [("from_discord", "ok", "officer → recruiter (Discord member update)")]


def test_member_left_with_no_managed_role_becomes_a_guest() -> None:
    mo = make_user("mo", RoleGroup.MEMBER)

    assert pull(mo, [EVERYONE, UNMANAGED]) == RoleGroup.GUEST

    mo.refresh_from_db()
    assert mo.role_group == RoleGroup.GUEST


@pytest.mark.parametrize(
    ("roles", "group"),
    [
        pytest.param([APPLICANT, DEVELOPER], RoleGroup.DEVELOPER, id="developer-over-applicant"),
        pytest.param([MEMBER, DEVELOPER, RECRUITER], RoleGroup.RECRUITER, id="recruiter-over-developer"),
        pytest.param([APPLICANT], RoleGroup.APPLICANT, id="applicant"),
    ],
)
def test_the_highest_managed_role_held_decides(roles: list[str], group: RoleGroup) -> None:
    user = make_user("pip", RoleGroup.GUEST)

    assert pull(user, roles) == group


def test_unmanaged_roles_change_nothing_and_log_nothing() -> None:
    gwen = make_user("gwen", RoleGroup.MEMBER)

    assert pull(gwen, [EVERYONE, MEMBER, UNMANAGED, "123456789"]) == RoleGroup.MEMBER

    gwen.refresh_from_db()
    assert gwen.role_group == RoleGroup.MEMBER
    assert gwen.discord_synced_at is not None  # the two sides were seen to agree
    assert not DiscordSyncLog.objects.exists()


def test_a_discord_account_nobody_linked_is_ignored() -> None:
    make_user("gwen", RoleGroup.MEMBER)

    assert pull_member_roles(discord_id="99999999", role_ids=[OFFICER], reason="Discord member update") is None

    assert not DiscordSyncLog.objects.exists()
    assert not User.objects.filter(role_group=RoleGroup.OFFICER).exists()


def test_without_a_role_mapping_nobody_is_demoted() -> None:
    gwen = make_user("gwen", RoleGroup.OFFICER)

    with override_settings(DISCORD_ROLE_IDS=""):
        assert pull(gwen, [EVERYONE]) is None

    gwen.refresh_from_db()
    assert gwen.role_group == RoleGroup.OFFICER


def test_an_officer_promotion_not_yet_in_discord_is_not_pulled_back(django_capture_on_commit_callbacks) -> None:
    olga = make_user("olga", RoleGroup.OFFICER)
    pip = make_user("pip", RoleGroup.MEMBER)
    with django_capture_on_commit_callbacks(execute=False):  # the push has not run (Discord down, queue busy)
        set_role_group(user=pip, role_group=RoleGroup.OFFICER, actor=olga)

    # Discord still says member: the event is stale, not a demotion.
    assert pull(pip, [EVERYONE, MEMBER]) is None

    pip.refresh_from_db()
    assert pip.role_group == RoleGroup.OFFICER
    assert pull_log(pip) == [
        (
            "from_discord",
            "skipped",
            "officer → member not pulled (Discord member update): the app's change to officer is not in Discord yet.",
        )
    ]


def test_the_member_update_caused_by_our_own_push_does_not_undo_it(
    discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    """A demotion officer → member: our push adds member, then removes officer; Discord reports both steps."""
    olga = make_user("olga", RoleGroup.OFFICER)
    otto = make_user("otto", RoleGroup.OFFICER)
    assert otto.discord_id
    discord.add_user(id=otto.discord_id, username="otto", roles=[OFFICER, UNMANAGED])
    with django_capture_on_commit_callbacks(execute=True):  # committed, and pushed by the (eager) task
        set_role_group(user=otto, role_group=RoleGroup.MEMBER, actor=olga)
    assert sorted(roles_in_discord(discord, otto)) == sorted([MEMBER, UNMANAGED])

    # The event between the two steps (officer and member both held) arrives after the push.
    assert pull(otto, [EVERYONE, OFFICER, MEMBER, UNMANAGED]) is None

    otto.refresh_from_db()
    assert otto.role_group == RoleGroup.MEMBER


def test_once_discord_has_the_change_and_a_minute_passed_discord_changes_are_pulled_again(
    discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    olga = make_user("olga", RoleGroup.OFFICER)
    pip = make_user("pip", RoleGroup.MEMBER)
    assert pip.discord_id
    discord.add_user(id=pip.discord_id, username="pip", roles=[MEMBER])
    with django_capture_on_commit_callbacks(execute=True):
        set_role_group(user=pip, role_group=RoleGroup.RECRUITER, actor=olga)
    assert roles_in_discord(discord, pip) == [RECRUITER]

    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        assert pull(pip, [EVERYONE, OFFICER]) == RoleGroup.OFFICER

    pip.refresh_from_db()
    assert pip.role_group == RoleGroup.OFFICER


def test_a_failed_push_keeps_the_app_change_pending_however_long_ago(
    discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    olga = make_user("olga", RoleGroup.OFFICER)
    pip = make_user("pip", RoleGroup.MEMBER)
    assert pip.discord_id
    discord.add_user(id=pip.discord_id, username="pip", roles=[MEMBER])
    discord.roles_above_bot = {OFFICER}
    with django_capture_on_commit_callbacks(execute=True):
        set_role_group(user=pip, role_group=RoleGroup.OFFICER, actor=olga)
    assert roles_in_discord(discord, pip) == [MEMBER]  # officer refused with 50013, so member kept

    with time_machine.travel(timezone.now() + dt.timedelta(hours=5), tick=False):
        assert pull(pip, [EVERYONE, MEMBER]) is None

    pip.refresh_from_db()
    assert pip.role_group == RoleGroup.OFFICER


def test_a_pull_queues_no_push(discord: DiscordStandin, django_capture_on_commit_callbacks) -> None:
    gwen = make_user("gwen", RoleGroup.MEMBER)
    assert gwen.discord_id
    discord.add_user(id=gwen.discord_id, username="gwen", roles=[OFFICER])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert pull(gwen, [OFFICER]) == RoleGroup.OFFICER

    assert callbacks == []
    assert discord.requests == []
    assert not DiscordSyncLog.objects.filter(direction=DiscordSyncLog.Direction.TO_DISCORD).exists()


def test_a_successful_push_marks_the_user_in_step_with_discord(discord: DiscordStandin) -> None:
    pip = make_user("pip", RoleGroup.MEMBER, role_group_changed_at=timezone.now())
    assert pip.discord_id
    discord.add_user(id=pip.discord_id, username="pip", roles=[APPLICANT])

    push_role_group(user_id=pip.pk)

    pip.refresh_from_db()
    assert pip.discord_synced_at is not None
    assert pip.role_group_changed_at is not None
    assert pip.discord_synced_at >= pip.role_group_changed_at


def test_a_role_given_by_recruitment_is_not_pulled_back_before_discord_has_it(
    django_capture_on_commit_callbacks,
) -> None:
    from dkp.recruitment.services import _set_role

    abe = make_user("abe", RoleGroup.APPLICANT)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _set_role(abe, RoleGroup.MEMBER, member_since=None)  # what accepting the application does

    assert len(callbacks) == 1  # the push, after commit
    assert pull(abe, [EVERYONE, APPLICANT]) is None
    abe.refresh_from_db()
    assert abe.role_group == RoleGroup.MEMBER
    assert abe.role_group_changed_at is not None


# -- a role group Discord cannot show ------------------------------------------------------------

ONLY_OFFICER_AND_MEMBER = f"officer:{OFFICER},member:{MEMBER}"


@pytest.mark.parametrize(
    ("roles", "group"),
    [
        pytest.param([EVERYONE, MEMBER], RoleGroup.DEVELOPER, id="member-role-is-not-a-demotion"),
        pytest.param([EVERYONE, UNMANAGED], RoleGroup.DEVELOPER, id="no-guild-role-is-not-a-demotion"),
        pytest.param([EVERYONE, OFFICER, MEMBER], RoleGroup.OFFICER, id="officer-given-in-discord-is-a-promotion"),
    ],
)
def test_a_group_without_a_mapped_role_is_only_left_upwards(roles: list[str], group: RoleGroup) -> None:
    dev = make_user("dev", RoleGroup.DEVELOPER)

    with override_settings(DISCORD_ROLE_IDS=ONLY_OFFICER_AND_MEMBER):
        assert pull(dev, roles) == group

    dev.refresh_from_db()
    assert dev.role_group == group
    assert dev.discord_synced_at is not None


def test_made_developer_by_an_officer_without_a_developer_role_stays_a_developer_and_in_discord(
    discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    olga = make_user("olga", RoleGroup.OFFICER)
    gwen = make_user("gwen", RoleGroup.MEMBER)
    assert gwen.discord_id
    discord.add_user(id=gwen.discord_id, username="gwen", roles=[MEMBER])

    with override_settings(DISCORD_ROLE_IDS=ONLY_OFFICER_AND_MEMBER):
        with django_capture_on_commit_callbacks(execute=True):
            set_role_group(user=gwen, role_group=RoleGroup.DEVELOPER, actor=olga)
        assert roles_in_discord(discord, gwen) == [MEMBER]  # the push left her access alone

        with time_machine.travel(timezone.now() + dt.timedelta(minutes=5), tick=False):
            assert pull(gwen, [EVERYONE, MEMBER]) == RoleGroup.DEVELOPER

    gwen.refresh_from_db()
    assert gwen.role_group == RoleGroup.DEVELOPER
    assert not DiscordSyncLog.objects.filter(user=gwen, action=DiscordSyncLog.Action.SET_ROLE_GROUP).exists()


def test_guest_is_still_pulled_from_no_guild_role() -> None:
    gwen = make_user("gwen", RoleGroup.MEMBER)

    with override_settings(DISCORD_ROLE_IDS=ONLY_OFFICER_AND_MEMBER):
        assert pull(gwen, [EVERYONE]) == RoleGroup.GUEST
