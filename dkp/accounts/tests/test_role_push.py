"""Pushing a role group to Discord roles, over real HTTP against the stand-in Discord.

Only the six managed roles move; every change, failure and skip is in the sync log.
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from dkp.accounts.models import User
from dkp.accounts.role_sync import push_role_group, role_changes
from dkp.accounts.tasks import push_role_group_after_commit
from dkp.core.roles import RoleGroup
from dkp.discord.client import DiscordClient, DiscordRateLimited
from dkp.discord.models import DiscordSyncLog
from dkp.discord.roles import parse_role_ids
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
    discord_settings,
    roles_in_discord,
)

MANAGED = parse_role_ids(ROLE_IDS)

# -- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "role_group", "add", "remove"),
    [
        pytest.param([APPLICANT, UNMANAGED], "member", [MEMBER], [APPLICANT], id="accepted-applicant"),
        pytest.param([], "applicant", [APPLICANT], [], id="guest-applies"),
        pytest.param([MEMBER, UNMANAGED], "guest", [], [MEMBER], id="to-guest-drops-every-managed-role"),
        pytest.param([UNMANAGED], "guest", [], [], id="guest-with-only-unmanaged-roles"),
        pytest.param([OFFICER], "officer", [], [], id="already-in-step"),
        pytest.param([OFFICER, MEMBER], "officer", [], [MEMBER], id="officer-keeps-only-officer"),
        pytest.param(
            [OFFICER, RECRUITER, DEVELOPER, APPLICANT],
            "member",
            [MEMBER],
            [OFFICER, RECRUITER, DEVELOPER, APPLICANT],
            id="demoted-to-member",
        ),
        pytest.param(["12345", "67890"], "recruiter", [RECRUITER], [], id="unmanaged-roles-are-never-removed"),
    ],
)
def test_role_changes_move_only_managed_roles(current, role_group, add, remove) -> None:
    assert role_changes(current, role_group, MANAGED) == (add, remove)


def test_role_changes_with_two_discord_roles_for_one_group_keep_either() -> None:
    managed = parse_role_ids("member:444,member:446,applicant:555")

    assert role_changes(["446"], "member", managed) == ([], [])
    assert role_changes(["555"], "member", managed) == (["444"], ["555"])
    assert role_changes(["444", "446"], "guest", managed) == ([], ["444", "446"])


def test_role_changes_for_a_group_without_a_mapped_role_leave_discord_as_it_is() -> None:
    managed = parse_role_ids(f"officer:{OFFICER},member:{MEMBER}")

    # Discord cannot show "developer": taking the member role away would only cost them their access.
    assert role_changes([MEMBER, UNMANAGED], "developer", managed) == ([], [])
    assert role_changes([OFFICER], "developer", managed) == ([], [])
    assert role_changes([], "developer", managed) == ([], [])
    # Guest is no guild role at all, mapped or not.
    assert role_changes([MEMBER, UNMANAGED], "guest", managed) == ([], [MEMBER])


# -- pushing ----------------------------------------------------------------------------------


def linked(discord: DiscordStandin, user: User, roles: list[str], *, in_guild: bool = True) -> None:
    assert user.discord_id
    discord.add_user(id=user.discord_id, username=user.username, roles=roles, in_guild=in_guild)


def push_log(user: User) -> list[tuple[str, str, str, int | None]]:
    rows = DiscordSyncLog.objects.filter(user=user, direction=DiscordSyncLog.Direction.TO_DISCORD).order_by("pk")
    return [(row.action, row.role, row.result, row.error_code) for row in rows]


def no_sleep_client(slept: list[float]) -> DiscordClient:
    return DiscordClient.from_settings(sleep=slept.append)


def test_accepted_member_gets_member_role_loses_applicant_and_keeps_unmanaged_role(
    discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    user = make_user("abe", RoleGroup.APPLICANT)
    linked(discord, user, [APPLICANT, UNMANAGED])

    with django_capture_on_commit_callbacks(execute=True):
        User.objects.filter(pk=user.pk).update(role_group=RoleGroup.MEMBER)
        push_role_group_after_commit(user=user)

    assert sorted(roles_in_discord(discord, user)) == sorted([MEMBER, UNMANAGED])
    assert push_log(user) == [
        ("add_role", "member", "ok", None),
        ("remove_role", "applicant", "ok", None),
    ]
    assert DiscordSyncLog.objects.filter(user=user).values("run_id").distinct().count() == 1
    reasons = [unquote(reason) for _, _, reason in discord.audit_log]
    assert reasons == ["EQ DKP: role group is now Member"] * 2


def test_guest_loses_every_managed_role_and_nothing_else(discord: DiscordStandin) -> None:
    user = make_user("gus", RoleGroup.GUEST)
    linked(discord, user, [OFFICER, MEMBER, UNMANAGED])

    result = push_role_group(user_id=user.pk)

    assert roles_in_discord(discord, user) == [UNMANAGED]
    assert sorted(result.removed) == sorted([OFFICER, MEMBER])
    assert result.added == []
    assert discord.hits("add_role") == 0


def test_member_already_in_step_changes_nothing_and_logs_nothing(discord: DiscordStandin) -> None:
    user = make_user("gwen", RoleGroup.MEMBER)
    linked(discord, user, [MEMBER, UNMANAGED])

    result = push_role_group(user_id=user.pk)

    assert result.in_step
    assert discord.hits("add_role") == discord.hits("remove_role") == 0
    assert push_log(user) == []


def test_a_429_is_waited_out_and_the_role_then_added(discord: DiscordStandin) -> None:
    user = make_user("abe", RoleGroup.MEMBER)
    linked(discord, user, [APPLICANT])
    discord.fail("add_role", status=429, retry_after=0.25, times=1)
    slept: list[float] = []

    result = push_role_group(user_id=user.pk, client=no_sleep_client(slept))

    assert slept == [0.25]
    assert discord.hits("add_role") == 2
    assert result.added == [MEMBER]
    assert roles_in_discord(discord, user) == [MEMBER]
    assert push_log(user) == [("add_role", "member", "ok", None), ("remove_role", "applicant", "ok", None)]


def test_a_429_that_keeps_coming_is_retried_three_times_then_logged(discord: DiscordStandin) -> None:
    user = make_user("abe", RoleGroup.MEMBER)
    linked(discord, user, [APPLICANT])
    discord.fail("add_role", status=429, retry_after=0.5)
    slept: list[float] = []

    result = push_role_group(user_id=user.pk, client=no_sleep_client(slept))

    assert discord.hits("add_role") == 4
    assert slept == [0.5, 0.5, 0.5]
    assert result.failed == [MEMBER]
    assert result.removed == []
    assert result.kept == [APPLICANT]  # not left without any guild role
    assert discord.hits("remove_role") == 0
    assert roles_in_discord(discord, user) == [APPLICANT]
    failure = DiscordSyncLog.objects.get(user=user, action="add_role")
    assert failure.result == DiscordSyncLog.Result.FAILED
    assert "rate_limited" in failure.message
    assert "0.5 seconds" in failure.message


def test_a_long_retry_after_is_not_slept_through(discord: DiscordStandin) -> None:
    user = make_user("abe", RoleGroup.MEMBER)
    linked(discord, user, [])
    discord.fail("add_role", status=429, retry_after=60)
    slept: list[float] = []

    result = push_role_group(user_id=user.pk, client=no_sleep_client(slept))

    assert slept == []
    assert discord.hits("add_role") == 1
    assert result.failed == [MEMBER]


def test_a_global_rate_limit_is_reported_as_global(discord: DiscordStandin) -> None:
    discord.add_user(id="42", username="anyone")
    discord.fail("guild_member", status=429, retry_after=60, is_global=True)

    with pytest.raises(DiscordRateLimited) as raised:
        no_sleep_client([]).member(guild_id=GUILD_ID, user_id="42")

    assert raised.value.is_global
    assert raised.value.retry_after == 60
    assert "global" in raised.value.message


def test_after_a_long_global_rate_limit_the_next_calls_are_refused_without_asking(discord: DiscordStandin) -> None:
    discord.add_user(id="42", username="anyone")
    discord.add_user(id="43", username="someone")
    discord.fail("guild_member", status=429, retry_after=60, is_global=True, times=1)
    client = no_sleep_client([])

    for user_id in ("42", "43", "43"):
        with pytest.raises(DiscordRateLimited):
            client.member(guild_id=GUILD_ID, user_id=user_id)

    assert discord.hits("guild_member") == 1  # no retry storm


def test_a_global_rate_limit_makes_the_next_call_wait_first(discord: DiscordStandin) -> None:
    user = make_user("abe", RoleGroup.MEMBER)
    linked(discord, user, [APPLICANT])
    discord.fail("guild_member", status=429, retry_after=0.2, is_global=True, times=1)
    slept: list[float] = []

    push_role_group(user_id=user.pk, client=no_sleep_client(slept))

    assert slept == [0.2]
    assert roles_in_discord(discord, user) == [MEMBER]


def test_role_above_the_bot_is_logged_with_50013_once_and_the_old_role_is_kept(discord: DiscordStandin) -> None:
    user = make_user("abe", RoleGroup.MEMBER)
    linked(discord, user, [APPLICANT, UNMANAGED])
    discord.roles_above_bot = {MEMBER}

    result = push_role_group(user_id=user.pk)

    assert discord.hits("add_role") == 1
    assert discord.hits("remove_role") == 0
    assert result.failed == [MEMBER]
    assert result.kept == [APPLICANT]
    assert sorted(roles_in_discord(discord, user)) == sorted([APPLICANT, UNMANAGED])
    assert push_log(user) == [("add_role", "member", "failed", 50013), ("remove_role", "applicant", "skipped", None)]
    failure = DiscordSyncLog.objects.get(user=user, action="add_role")
    assert "Manage Roles" in failure.message
    assert "above" in failure.message
    kept = DiscordSyncLog.objects.get(user=user, action="remove_role")
    assert kept.message.startswith(f"Kept Discord role {APPLICANT} (applicant) because adding Discord role {MEMBER}")


def test_an_officer_demoted_keeps_the_officer_role_when_the_member_role_cannot_be_added(
    discord: DiscordStandin,
) -> None:
    otto = make_user("otto", RoleGroup.MEMBER)
    linked(discord, otto, [OFFICER, UNMANAGED])
    discord.roles_above_bot = {MEMBER}

    result = push_role_group(user_id=otto.pk)

    assert sorted(roles_in_discord(discord, otto)) == sorted([OFFICER, UNMANAGED])
    assert (result.failed, result.removed, result.kept) == ([MEMBER], [], [OFFICER])
    otto.refresh_from_db()
    assert otto.discord_synced_at is None  # not in step: the next push or reconcile tries again


def test_unknown_role_is_logged_with_10011(discord: DiscordStandin) -> None:
    user = make_user("abe", RoleGroup.MEMBER)
    linked(discord, user, [APPLICANT])
    discord.guild_role_ids = {OFFICER, RECRUITER, DEVELOPER, APPLICANT}  # the member role was deleted

    push_role_group(user_id=user.pk)

    assert discord.hits("add_role") == 1
    assert discord.hits("remove_role") == 0
    assert push_log(user) == [("add_role", "member", "failed", 10011), ("remove_role", "applicant", "skipped", None)]
    assert "DISCORD_ROLE_IDS" in DiscordSyncLog.objects.get(user=user, action="add_role").message
    assert roles_in_discord(discord, user) == [APPLICANT]


def test_someone_not_in_the_server_is_skipped_with_10007(discord: DiscordStandin) -> None:
    user = make_user("abe", RoleGroup.MEMBER)
    linked(discord, user, [], in_guild=False)

    result = push_role_group(user_id=user.pk)

    assert result.skipped
    assert discord.hits("guild_member") == 1
    assert discord.hits("add_role") == 0
    assert push_log(user) == [("read_member", "member", "skipped", 10007)]


def test_a_member_who_left_between_read_and_change_is_logged_with_10007(discord: DiscordStandin) -> None:
    user = make_user("abe", RoleGroup.MEMBER)
    linked(discord, user, [APPLICANT])
    discord.fail("add_role", status=404, code=10007)

    push_role_group(user_id=user.pk)

    # Logged with Discord's code and skipped: the member has gone, so their other roles are not asked for.
    assert push_log(user) == [("add_role", "member", "skipped", 10007)]
    assert discord.hits("add_role") == 1
    assert discord.hits("remove_role") == 0
    assert roles_in_discord(discord, user) == [APPLICANT]


def test_user_without_discord_account_is_skipped_without_asking_discord(discord: DiscordStandin) -> None:
    user = make_user("local", RoleGroup.MEMBER)
    User.objects.filter(pk=user.pk).update(discord_id=None)

    push_role_group(user_id=user.pk)

    assert discord.requests == []
    log = DiscordSyncLog.objects.get(user=user)
    assert (log.result, log.direction) == (DiscordSyncLog.Result.SKIPPED, DiscordSyncLog.Direction.TO_DISCORD)
    assert "No Discord account" in log.message


def test_without_a_bot_token_nothing_is_asked_and_the_skip_is_logged(discord: DiscordStandin) -> None:
    user = make_user("abe", RoleGroup.MEMBER)
    linked(discord, user, [APPLICANT])

    with discord_settings(discord, DISCORD_BOT_TOKEN=""):
        push_role_group(user_id=user.pk)

    assert discord.requests == []
    assert roles_in_discord(discord, user) == [APPLICANT]
    log = DiscordSyncLog.objects.get(user=user)
    assert log.result == DiscordSyncLog.Result.SKIPPED
    assert "DISCORD_BOT_TOKEN" in log.message


def test_a_wrong_bot_token_is_a_logged_failure_not_an_exception(discord: DiscordStandin) -> None:
    user = make_user("abe", RoleGroup.MEMBER)
    linked(discord, user, [APPLICANT])

    with discord_settings(discord, DISCORD_BOT_TOKEN="not-the-token"):
        push_role_group(user_id=user.pk)

    log = DiscordSyncLog.objects.get(user=user)
    assert (log.action, log.result) == (DiscordSyncLog.Action.READ_MEMBER, DiscordSyncLog.Result.FAILED)
    assert "bot token" in log.message
    assert roles_in_discord(discord, user) == [APPLICANT]


def test_push_task_reads_the_latest_role_group(discord: DiscordStandin) -> None:
    from dkp.accounts.tasks import push_role_group as push_task

    user = make_user("abe", RoleGroup.APPLICANT)
    linked(discord, user, [APPLICANT])
    User.objects.filter(pk=user.pk).update(role_group=RoleGroup.RECRUITER)

    push_task.delay(user.pk)

    assert roles_in_discord(discord, user) == [RECRUITER]


def test_a_group_without_a_mapped_role_is_not_pushed_and_the_member_keeps_their_roles(
    discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    from dkp.accounts.keys import set_role_group

    olga = make_user("olga", RoleGroup.OFFICER)
    gwen = make_user("gwen", RoleGroup.MEMBER)
    linked(discord, gwen, [MEMBER, UNMANAGED])

    with (
        discord_settings(discord, DISCORD_ROLE_IDS=f"officer:{OFFICER},member:{MEMBER}"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        set_role_group(user=gwen, role_group=RoleGroup.DEVELOPER, actor=olga)

    assert sorted(roles_in_discord(discord, gwen)) == sorted([MEMBER, UNMANAGED])  # still has access
    assert discord.hits("add_role") == discord.hits("remove_role") == 0
    assert push_log(gwen) == [("read_member", "developer", "skipped", None)]
    message = DiscordSyncLog.objects.get(user=gwen).message
    assert "no Discord role in DISCORD_ROLE_IDS" in message
    assert "left as they are" in message
    gwen.refresh_from_db()
    assert gwen.role_group == RoleGroup.DEVELOPER
    assert gwen.discord_synced_at is not None  # nothing more Discord could hold


# -- an officer changing a role group ---------------------------------------------------------


def test_an_officer_promoting_a_member_pushes_the_new_role_to_discord_after_commit(
    discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    from dkp.accounts.keys import set_role_group

    olga = make_user("olga", RoleGroup.OFFICER)
    pip = make_user("pip", RoleGroup.MEMBER)
    linked(discord, pip, [MEMBER, UNMANAGED])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        set_role_group(user=pip, role_group=RoleGroup.RECRUITER, actor=olga)
        assert discord.requests == []  # nothing reaches Discord before the change commits
    assert len(callbacks) == 1
    callbacks[0]()

    assert sorted(roles_in_discord(discord, pip)) == sorted([RECRUITER, UNMANAGED])
    assert push_log(pip) == [("add_role", "recruiter", "ok", None), ("remove_role", "member", "ok", None)]
    pip.refresh_from_db()
    assert pip.role_group == RoleGroup.RECRUITER
    assert pip.role_group_changed_at is not None
    assert pip.discord_synced_at is not None
    assert pip.discord_synced_at >= pip.role_group_changed_at
    assert pip.discord_pushed_at == pip.discord_synced_at


def test_an_officer_setting_the_same_role_group_pushes_nothing(
    discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    from dkp.accounts.keys import set_role_group

    olga = make_user("olga", RoleGroup.OFFICER)
    pip = make_user("pip", RoleGroup.MEMBER)
    linked(discord, pip, [MEMBER])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        set_role_group(user=pip, role_group=RoleGroup.MEMBER, actor=olga)

    assert callbacks == []
    assert discord.requests == []
    pip.refresh_from_db()
    assert pip.role_group_changed_at is None


def test_a_refused_push_leaves_the_user_out_of_step(
    discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    from dkp.accounts.keys import set_role_group

    olga = make_user("olga", RoleGroup.OFFICER)
    pip = make_user("pip", RoleGroup.MEMBER)
    linked(discord, pip, [MEMBER])
    discord.roles_above_bot = {OFFICER}

    with django_capture_on_commit_callbacks(execute=True):
        set_role_group(user=pip, role_group=RoleGroup.OFFICER, actor=olga)

    assert push_log(pip) == [("add_role", "officer", "failed", 50013), ("remove_role", "member", "skipped", None)]
    assert roles_in_discord(discord, pip) == [MEMBER]  # still in the guild's channels meanwhile
    pip.refresh_from_db()
    assert pip.discord_synced_at is None  # the next reconcile pushes again
    assert pip.discord_pushed_at is None
