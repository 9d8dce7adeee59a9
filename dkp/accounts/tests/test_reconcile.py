"""The periodic reconcile of role groups with the Discord server, over real HTTP against the stand-in.

An app change not yet in Discord is pushed; otherwise Discord's roles are pulled; someone not in
the server keeps their group; rate limits are waited out; refusals are logged with Discord's code
and the run goes on; only the managed roles ever move.
"""

from __future__ import annotations

import datetime as dt
import io
import time
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from dkp.accounts.models import User
from dkp.accounts.role_sync import reconcile_roles
from dkp.core.roles import RoleGroup
from dkp.discord.client import DiscordClient, DiscordForbidden, DiscordNotConfigured
from dkp.discord.models import DiscordSyncLog
from dkp.discord.standin import DiscordStandin
from dkp.testing.standin_setup import (
    APPLICANT,
    GUILD_ID,
    MEMBER,
    OFFICER,
    RECRUITER,
    UNMANAGED,
    discord_settings,
)

FIRST_ID = 400_000_000_000_000_000


def person(
    discord: DiscordStandin,
    number: int,
    *,
    app: RoleGroup,
    discord_roles: list[str] | None,
    changed: dt.timedelta | None = None,
    synced: dt.timedelta | None = None,
    pending: bool = False,
    username: str = "",
) -> User:
    """A linked user whose app group is ``app`` and whose Discord roles are ``discord_roles``.

    ``changed``/``synced``: how long ago the app last changed the group / both sides last agreed;
    ``pending``: the app changed it two hours ago and Discord has not had it since.
    """
    if pending:
        changed, synced = dt.timedelta(hours=2), dt.timedelta(hours=3)
    now = timezone.now()
    discord_id = str(FIRST_ID + number)
    user = User.objects.create(
        username=username or f"m{number:03d}",
        discord_id=discord_id,
        role_group=app,
        role_group_changed_at=now - changed if changed is not None else None,
        discord_synced_at=now - synced if synced is not None else None,
    )
    if discord_roles is not None:
        discord.add_user(id=discord_id, username=user.username, roles=discord_roles)
    return user


def discord_roles(discord: DiscordStandin, user: User) -> list[str]:
    assert user.discord_id
    return sorted(discord.member_roles(user.discord_id))


def group_of(user: User) -> str:
    user.refresh_from_db()
    return user.role_group


def log_rows(**filters: object) -> list[tuple[str, str, str, str, int | None]]:
    rows = DiscordSyncLog.objects.filter(**filters).order_by("pk")
    return [(row.direction, row.action, row.role, row.result, row.error_code) for row in rows]


class RecordingSleep:
    """Really sleeps (the stand-in's limits are a few hundredths of a second) and remembers each wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


# -- the whole server --------------------------------------------------------------------------


def test_full_reconcile_of_200_members_through_rate_limits_and_a_role_above_the_bot(discord: DiscordStandin) -> None:
    people: dict[str, list[User]] = {
        "in step": [
            person(discord, n, app=RoleGroup.MEMBER, discord_roles=[MEMBER] + ([UNMANAGED] if n % 2 else []))
            for n in range(100)
        ],
        "made officer in Discord": [
            person(discord, n, app=RoleGroup.MEMBER, discord_roles=[MEMBER, OFFICER] + ([UNMANAGED] if n % 2 else []))
            for n in range(100, 130)
        ],
        "stripped in Discord": [
            person(discord, n, app=RoleGroup.MEMBER, discord_roles=[UNMANAGED]) for n in range(130, 140)
        ],
        "made applicant in Discord": [
            person(discord, n, app=RoleGroup.MEMBER, discord_roles=[APPLICANT]) for n in range(140, 150)
        ],
        "made recruiter in the app": [
            person(discord, n, app=RoleGroup.RECRUITER, discord_roles=[MEMBER, UNMANAGED], pending=True)
            for n in range(150, 170)
        ],
        "made officer in the app": [
            person(discord, n, app=RoleGroup.OFFICER, discord_roles=[MEMBER], pending=True) for n in range(170, 175)
        ],
        "demoted to member in the app": [
            person(discord, n, app=RoleGroup.MEMBER, discord_roles=[OFFICER, UNMANAGED], pending=True)
            for n in range(175, 180)
        ],
        "recent app change already in Discord": [
            person(
                discord,
                n,
                app=RoleGroup.RECRUITER,
                discord_roles=[RECRUITER],
                changed=dt.timedelta(seconds=10),
                synced=dt.timedelta(seconds=5),
            )
            for n in range(180, 190)
        ],
        "officers in step": [
            person(discord, n, app=RoleGroup.OFFICER, discord_roles=[OFFICER]) for n in range(190, 195)
        ],
        "not in the server": [person(discord, n, app=RoleGroup.OFFICER, discord_roles=None) for n in range(195, 200)],
    }
    strangers = [
        discord.add_user(id=str(FIRST_ID + 1000 + n), username=f"stranger{n}", roles=[OFFICER, UNMANAGED])
        for n in range(10)
    ]
    unmanaged_before = {uid: UNMANAGED in p.roles for uid, p in discord.users.items()}
    discord.roles_above_bot = {OFFICER}  # the guild put the Officer role above the bot's
    discord.fail("list_members", status=429, retry_after=0.01, times=1)  # a route limit on the member list
    discord.fail("add_role", status=429, retry_after=0.02, is_global=True, times=1)  # the bot's global limit
    sleep = RecordingSleep()
    client = DiscordClient.from_settings(sleep=sleep, members_page_size=50)

    report = reconcile_roles(dry_run=False, client=client)

    # Both limits were waited out for as long as Discord said, each once, then the call went through.
    assert sleep.waits == [0.01, 0.02]
    assert discord.hits("list_members") == 1 + 5  # the refused page, then 205 members in pages of 50
    assert report.summary() == "85 changes: 70 applied, 10 failed (see the Discord sync log), 5 skipped"
    assert report.in_step == 115
    assert report.members_without_account == 10

    # Role groups follow the rule.
    expected_group = {
        "in step": RoleGroup.MEMBER,
        "made officer in Discord": RoleGroup.OFFICER,
        "stripped in Discord": RoleGroup.GUEST,
        "made applicant in Discord": RoleGroup.APPLICANT,
        "made recruiter in the app": RoleGroup.RECRUITER,
        "made officer in the app": RoleGroup.OFFICER,
        "demoted to member in the app": RoleGroup.MEMBER,
        "recent app change already in Discord": RoleGroup.RECRUITER,
        "officers in step": RoleGroup.OFFICER,
        "not in the server": RoleGroup.OFFICER,  # never demoted for being missing from the list
    }
    for kind, users in people.items():
        assert {group_of(user) for user in users} == {expected_group[kind]}, kind

    # Discord roles follow the rule, except where Discord refused (the officer role sits above the bot's).
    def managed_roles(user: User) -> list[str]:
        return [role for role in discord_roles(discord, user) if role != UNMANAGED]

    assert {tuple(managed_roles(u)) for u in people["in step"]} == {(MEMBER,)}
    assert {tuple(managed_roles(u)) for u in people["made officer in Discord"]} == {(OFFICER, MEMBER)}  # pulled
    assert {tuple(managed_roles(u)) for u in people["made recruiter in the app"]} == {(RECRUITER,)}
    # 111 refused, so 444 kept: nobody is left without a guild role.
    assert {tuple(managed_roles(u)) for u in people["made officer in the app"]} == {(MEMBER,)}
    assert {tuple(managed_roles(u)) for u in people["demoted to member in the app"]} == {(OFFICER, MEMBER)}
    assert all(sorted(stranger.roles) == [OFFICER, UNMANAGED] for stranger in strangers)

    # The unmanaged role was never added or removed, for anyone.
    assert {uid: UNMANAGED in p.roles for uid, p in discord.users.items()} == unmanaged_before
    assert not [path for _, path, _ in discord.audit_log if path.endswith(f"/roles/{UNMANAGED}")]
    assert {unquote(reason) for _, _, reason in discord.audit_log} == {
        "EQ DKP: role group is now Recruiter",
        "EQ DKP: role group is now Member",  # nothing for the officers: their one change was refused
    }

    # Every outcome is in the sync log, under one run id.
    assert DiscordSyncLog.objects.values("run_id").distinct().count() == 1
    refused = log_rows(result="failed")
    assert (
        refused
        == [("to_discord", "add_role", "officer", "failed", 50013)] * 5
        + [("to_discord", "remove_role", "officer", "failed", 50013)] * 5
    )
    assert DiscordSyncLog.objects.filter(result="ok", direction="to_discord").count() == 20 * 2 + 5
    assert DiscordSyncLog.objects.filter(result="ok", direction="from_discord", action="set_role_group").count() == 50
    pulled = DiscordSyncLog.objects.get(user=people["made officer in Discord"][0], action="set_role_group")
    assert pulled.message == "member → officer (Discord roles at reconcile)"
    assert (
        log_rows(result="skipped")
        == [("to_discord", "remove_role", "member", "skipped", None)] * 5
        + [("from_discord", "read_member", "officer", "skipped", None)] * 5
    )
    kept = DiscordSyncLog.objects.filter(result="skipped", action="remove_role").values_list("message", flat=True)
    assert all(f"because adding Discord role {OFFICER} (officer) failed" in message for message in kept)
    missing = DiscordSyncLog.objects.filter(result="skipped", action="read_member").values_list("message", flat=True)
    assert all("not in the Discord server" in message for message in missing)

    # Refused pushes stay pending; the lines say what happened.
    lines = [change.line() for change in report.changes]
    assert "m100: Discord → app: member → officer" in lines
    assert f"m150: app → Discord: +{RECRUITER} -{MEMBER}" in lines
    assert f"m170: app → Discord: +{OFFICER} -{MEMBER} (failed: 50013)" in lines
    assert f"m175: app → Discord: +{MEMBER} -{OFFICER} (failed: 50013)" in lines
    assert "m195: left as officer (skipped: not in the Discord server)" in lines

    # A second run finds only what Discord refused, and the missing members.
    again = reconcile_roles(dry_run=False, client=DiscordClient.from_settings(sleep=sleep))
    assert again.summary() == "15 changes: 0 applied, 10 failed (see the Discord sync log), 5 skipped"


# -- single failures ------------------------------------------------------------------------


def test_a_member_who_left_during_the_run_is_logged_with_10007_and_the_run_goes_on(discord: DiscordStandin) -> None:
    gone = person(discord, 1, app=RoleGroup.RECRUITER, discord_roles=[MEMBER], pending=True)
    pip = person(discord, 2, app=RoleGroup.RECRUITER, discord_roles=[MEMBER], pending=True)
    assert gone.discord_id
    discord.unknown_member_ids = {gone.discord_id}  # still in the list, gone when we change roles

    report = reconcile_roles(dry_run=False)

    assert log_rows(user=gone) == [("to_discord", "add_role", "recruiter", "skipped", 10007)]
    assert discord.hits("add_role") == 2  # one for each, no retry of the 10007
    assert discord_roles(discord, pip) == [RECRUITER]
    assert group_of(gone) == RoleGroup.RECRUITER
    assert report.summary() == "2 changes: 1 applied, 0 failed (see the Discord sync log), 1 skipped"
    assert f"m001: app → Discord: +{RECRUITER} -{MEMBER} (skipped: left the Discord server (10007))" in [
        change.line() for change in report.changes
    ]


def test_a_deleted_discord_role_is_logged_with_10011_and_not_retried(discord: DiscordStandin) -> None:
    pip = person(discord, 1, app=RoleGroup.RECRUITER, discord_roles=[MEMBER, UNMANAGED], pending=True)
    ann = person(discord, 2, app=RoleGroup.MEMBER, discord_roles=[MEMBER, OFFICER])
    discord.guild_role_ids = {OFFICER, MEMBER, APPLICANT, UNMANAGED}  # the recruiter role was deleted in Discord

    report = reconcile_roles(dry_run=False)

    assert log_rows(user=pip) == [
        ("to_discord", "add_role", "recruiter", "failed", 10011),
        ("to_discord", "remove_role", "member", "skipped", None),
    ]
    assert discord.hits("add_role") == 1
    assert discord_roles(discord, pip) == [MEMBER, UNMANAGED]  # kept: adding the recruiter role failed
    assert "DISCORD_ROLE_IDS" in DiscordSyncLog.objects.get(user=pip, action="add_role").message
    assert group_of(ann) == RoleGroup.OFFICER  # the run went on to the next user
    assert report.summary() == "2 changes: 1 applied, 1 failed (see the Discord sync log), 0 skipped"
    pip.refresh_from_db()
    assert pip.discord_synced_at is not None
    assert pip.role_group_changed_at is not None
    assert pip.discord_synced_at < pip.role_group_changed_at  # still pending: the next run pushes again


def test_a_rate_limit_too_long_to_wait_stops_the_pushes_but_not_the_pulls(discord: DiscordStandin) -> None:
    pushes = [person(discord, n, app=RoleGroup.RECRUITER, discord_roles=[MEMBER], pending=True) for n in range(5)]
    ann = person(discord, 9, app=RoleGroup.MEMBER, discord_roles=[OFFICER])
    discord.fail("add_role", status=429, retry_after=120)
    sleep = RecordingSleep()

    report = reconcile_roles(dry_run=False, client=DiscordClient.from_settings(sleep=sleep))

    assert sleep.waits == []  # two minutes is not slept through inside a run
    assert discord.hits("add_role") == 1  # no retry storm: the other four are not even asked
    assert group_of(ann) == RoleGroup.OFFICER
    assert [change.outcome for change in report.changes] == ["failed"] + ["skipped"] * 4 + ["applied"]
    assert {group_of(user) for user in pushes} == {RoleGroup.RECRUITER}
    skipped = DiscordSyncLog.objects.filter(result="skipped", action="read_member").values_list("message", flat=True)
    assert len(skipped) == 4
    assert all("rate limiting" in message for message in skipped)
    # The first one's member role was kept, since adding the recruiter role failed.
    assert log_rows(user=pushes[0]) == [
        ("to_discord", "add_role", "recruiter", "failed", None),
        ("to_discord", "remove_role", "member", "skipped", None),
    ]
    assert discord_roles(discord, pushes[0]) == [MEMBER]


def test_a_member_list_discord_refuses_changes_nobody(discord: DiscordStandin) -> None:
    ann = person(discord, 1, app=RoleGroup.OFFICER, discord_roles=[])
    discord.fail("list_members", status=403, code=50001)

    with pytest.raises(DiscordForbidden):
        reconcile_roles(dry_run=False)

    assert group_of(ann) == RoleGroup.OFFICER
    assert log_rows() == [("from_discord", "read_member", "", "failed", 50001)]
    assert discord.hits("add_role") == discord.hits("remove_role") == 0


def test_missing_settings_are_refused_before_asking_discord(discord: DiscordStandin) -> None:
    with discord_settings(discord, DISCORD_BOT_TOKEN="", DISCORD_ROLE_IDS=""), pytest.raises(DiscordNotConfigured) as e:
        reconcile_roles(dry_run=False)

    assert "DISCORD_BOT_TOKEN" in e.value.message
    assert "DISCORD_ROLE_IDS" in e.value.message
    assert discord.requests == []


# -- our own push, a rejoin, a group Discord cannot show ---------------------------------------------


def test_the_member_update_of_a_push_the_reconcile_made_does_not_undo_it(discord: DiscordStandin) -> None:
    from dkp.accounts.role_sync import pull_member_roles

    otto = person(discord, 1, app=RoleGroup.MEMBER, discord_roles=[OFFICER, UNMANAGED], pending=True)
    assert otto.discord_id

    report = reconcile_roles(dry_run=False)

    assert [change.outcome for change in report.changes] == ["applied"]
    assert discord_roles(discord, otto) == [MEMBER, UNMANAGED]
    # Discord's event between the push's two steps (officer and member both held) arrives now,
    # two hours after the officer demoted otto but right after the push.
    assert (
        pull_member_roles(discord_id=otto.discord_id, role_ids=[OFFICER, MEMBER], reason="Discord member update")
        is None
    )
    assert group_of(otto) == RoleGroup.MEMBER
    otto.refresh_from_db()
    assert otto.discord_pushed_at is not None
    assert otto.role_group_changed_at is not None
    assert otto.discord_pushed_at > otto.role_group_changed_at


def test_a_member_who_rejoined_with_no_roles_gets_their_role_back_instead_of_being_demoted(
    discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    from dkp.accounts.services import member_joined

    gwen = person(
        discord, 1, app=RoleGroup.MEMBER, discord_roles=[], changed=dt.timedelta(days=30), synced=dt.timedelta(days=1)
    )
    assert gwen.discord_id
    with django_capture_on_commit_callbacks(execute=False):  # the bot's push has not run yet
        assert member_joined(discord_id=gwen.discord_id)

    report = reconcile_roles(dry_run=False)

    assert [change.line() for change in report.changes] == [f"m001: app → Discord: +{MEMBER}"]
    assert group_of(gwen) == RoleGroup.MEMBER
    assert discord_roles(discord, gwen) == [MEMBER]


def test_a_group_without_a_mapped_role_is_neither_pushed_nor_pulled_down(discord: DiscordStandin) -> None:
    dev = person(discord, 1, app=RoleGroup.DEVELOPER, discord_roles=[MEMBER])
    new_dev = person(discord, 2, app=RoleGroup.DEVELOPER, discord_roles=[MEMBER, UNMANAGED], pending=True)
    promoted = person(discord, 3, app=RoleGroup.DEVELOPER, discord_roles=[MEMBER, OFFICER])

    with discord_settings(discord, DISCORD_ROLE_IDS=f"officer:{OFFICER},member:{MEMBER}"):
        report = reconcile_roles(dry_run=False)

    assert [change.line() for change in report.changes] == ["m003: Discord → app: developer → officer"]
    assert report.in_step == 2
    assert (group_of(dev), group_of(new_dev), group_of(promoted)) == (
        RoleGroup.DEVELOPER,
        RoleGroup.DEVELOPER,
        RoleGroup.OFFICER,
    )
    assert discord_roles(discord, new_dev) == [MEMBER, UNMANAGED]
    assert discord.hits("add_role") == discord.hits("remove_role") == 0


# -- dry run --------------------------------------------------------------------------------


def test_dry_run_lists_the_diff_and_changes_nothing(discord: DiscordStandin) -> None:
    ann = person(discord, 1, app=RoleGroup.MEMBER, discord_roles=[MEMBER, OFFICER], username="ann")
    pip = person(discord, 2, app=RoleGroup.RECRUITER, discord_roles=[MEMBER, UNMANAGED], username="pip", pending=True)
    person(discord, 3, app=RoleGroup.MEMBER, discord_roles=[MEMBER], username="gwen")
    person(discord, 4, app=RoleGroup.OFFICER, discord_roles=None, username="otto")
    users_before = list(User.objects.order_by("pk").values())
    roles_before = {uid: list(p.roles) for uid, p in discord.users.items()}

    report = reconcile_roles(dry_run=True)

    assert [change.line() for change in report.changes] == [
        "ann: Discord → app: member → officer",
        "otto: left as officer (skipped: not in the Discord server)",
        f"pip: app → Discord: +{RECRUITER} -{MEMBER}",
    ]
    assert report.summary() == "3 changes planned (1 to skip). Dry run: nothing was changed in the app or in Discord."
    assert list(User.objects.order_by("pk").values()) == users_before
    assert {uid: list(p.roles) for uid, p in discord.users.items()} == roles_before
    assert not DiscordSyncLog.objects.exists()
    assert discord.hits("add_role") == discord.hits("remove_role") == 0
    assert group_of(ann) == RoleGroup.MEMBER
    assert group_of(pip) == RoleGroup.RECRUITER


# -- the command ----------------------------------------------------------------------------


def test_command_prints_each_change_and_a_summary(discord: DiscordStandin) -> None:
    person(discord, 1, app=RoleGroup.MEMBER, discord_roles=[MEMBER, OFFICER], username="gwen")
    pip = person(discord, 2, app=RoleGroup.MEMBER, discord_roles=[OFFICER], username="pip", pending=True)
    person(discord, 3, app=RoleGroup.RECRUITER, discord_roles=[MEMBER], username="rae", pending=True)
    discord.roles_above_bot = {RECRUITER}
    out = io.StringIO()

    call_command("sync_discord_roles", stdout=out)

    assert out.getvalue().splitlines() == [
        "gwen: Discord → app: member → officer",
        f"pip: app → Discord: +{MEMBER} -{OFFICER}",
        f"rae: app → Discord: +{RECRUITER} -{MEMBER} (failed: 50013)",
        "3 changes: 2 applied, 1 failed (see the Discord sync log), 0 skipped",
        "0 linked users already in step; 0 Discord members have no account here (left alone).",
    ]
    assert discord_roles(discord, pip) == [MEMBER]


def test_command_dry_run_prints_the_diff_and_says_nothing_changed(discord: DiscordStandin) -> None:
    gwen = person(discord, 1, app=RoleGroup.MEMBER, discord_roles=[MEMBER, OFFICER], username="gwen")
    discord.add_user(id="12", username="stranger", roles=[MEMBER])
    out = io.StringIO()

    call_command("sync_discord_roles", "--dry-run", stdout=out)

    assert out.getvalue().splitlines() == [
        "gwen: Discord → app: member → officer",
        "1 change planned (0 to skip). Dry run: nothing was changed in the app or in Discord.",
        "0 linked users already in step; 1 Discord members have no account here (left alone).",
    ]
    assert group_of(gwen) == RoleGroup.MEMBER
    assert not DiscordSyncLog.objects.exists()


@pytest.mark.parametrize("missing", ["DISCORD_BOT_TOKEN", "DISCORD_GUILD_ID", "DISCORD_ROLE_IDS"])
def test_command_without_discord_settings_fails_saying_which(discord: DiscordStandin, missing: str) -> None:
    with discord_settings(discord, **{missing: ""}), pytest.raises(CommandError) as raised:
        call_command("sync_discord_roles", stdout=io.StringIO())

    assert missing in str(raised.value)
    assert discord.requests == []


def test_command_when_discord_refuses_the_member_list_fails_clearly(discord: DiscordStandin) -> None:
    discord.fail("list_members", status=403, code=50001)

    with pytest.raises(CommandError, match="could not list the Discord server's members"):
        call_command("sync_discord_roles", stdout=io.StringIO())


# -- the client and the stand-in ----------------------------------------------------------------


def test_member_list_is_read_page_by_page_after_the_last_id(discord: DiscordStandin) -> None:
    for n in range(7):
        discord.add_user(id=str(FIRST_ID + 100 - n), username=f"p{n}")
    discord.add_user(id=str(FIRST_ID + 200), username="left", in_guild=False)

    members = DiscordClient.from_settings(members_page_size=3).list_members(guild_id=GUILD_ID)

    assert [member["user"]["id"] for member in members] == [str(FIRST_ID + 94 + n) for n in range(7)]
    assert [path for _, path in discord.requests] == [f"/api/v10/guilds/{GUILD_ID}/members"] * 3
    assert discord.hits("list_members") == 3  # 3 + 3 + 1


def test_a_global_limit_met_on_one_route_makes_the_next_route_wait(discord: DiscordStandin) -> None:
    discord.add_user(id="42", username="anyone", roles=[MEMBER])
    discord.rate_limit_globally(retry_after=0.03)
    sleep = RecordingSleep()
    client = DiscordClient.from_settings(sleep=sleep)

    members = client.list_members(guild_id=GUILD_ID)
    client.add_member_role(guild_id=GUILD_ID, user_id="42", role_id=RECRUITER)

    assert [member["roles"] for member in members] == [[MEMBER]]
    assert sleep.waits == [0.03]
    assert discord.hits("list_members") == 2
    assert discord.hits("add_role") == 1


# -- beat and the task --------------------------------------------------------------------------


def test_reconcile_runs_every_six_hours() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-discord-roles"]

    assert entry["task"] == "discord.reconcile_roles"
    assert entry["schedule"].hour == {0, 6, 12, 18}
    assert entry["schedule"].minute == {30}


def test_reconcile_task_without_a_bot_does_nothing_quietly(discord: DiscordStandin) -> None:
    from dkp.accounts.tasks import reconcile_roles as reconcile_task

    with discord_settings(discord, DISCORD_BOT_TOKEN=""):
        reconcile_task.delay()

    assert discord.requests == []
    assert not DiscordSyncLog.objects.exists()


def test_reconcile_task_pulls_and_logs(discord: DiscordStandin) -> None:
    from dkp.accounts.tasks import reconcile_roles as reconcile_task

    gwen = person(discord, 1, app=RoleGroup.MEMBER, discord_roles=[RECRUITER])

    reconcile_task.delay()

    assert group_of(gwen) == RoleGroup.RECRUITER
    assert log_rows(user=gwen) == [("from_discord", "set_role_group", "recruiter", "ok", None)]
