"""The reconcile's decision for one user, over plain data: no database, no Discord."""

from __future__ import annotations

import pytest

from dkp.accounts.role_sync import MemberRoles, Outcome, plan_role_change
from dkp.core.roles import RoleGroup
from dkp.discord.models import DiscordSyncLog

TO_DISCORD = DiscordSyncLog.Direction.TO_DISCORD
FROM_DISCORD = DiscordSyncLog.Direction.FROM_DISCORD

# Discord role id -> role group; 555 is a second role meaning member. Recruiter has no role: Discord cannot show it.
MANAGED = {
    "111": RoleGroup.OFFICER,
    "333": RoleGroup.MEMBER,
    "555": RoleGroup.MEMBER,
    "444": RoleGroup.APPLICANT,
}
OTHER = "999"  # a role the app does not manage

# case: (group in the app, Discord roles or None when not in the server, app change pending,
#        expected (direction, from, to, add, remove, outcome) or None when in step)
Expected = tuple[str, str, str, list[str], list[str], str] | None
CASES: dict[str, tuple[RoleGroup, tuple[str, ...] | None, bool, Expected]] = {
    "not in the server keeps the group and is skipped": (
        RoleGroup.MEMBER,
        None,
        False,
        ("", "member", "member", [], [], Outcome.SKIPPED),
    ),
    "not in the server is skipped even with an app change pending": (
        RoleGroup.OFFICER,
        None,
        True,
        ("", "officer", "officer", [], [], Outcome.SKIPPED),
    ),
    "same group on both sides is in step": (RoleGroup.MEMBER, ("333", OTHER), False, None),
    "either of two roles for one group is enough": (RoleGroup.MEMBER, ("555",), True, None),
    "a pending app change is pushed: add the new role, remove the old": (
        RoleGroup.MEMBER,
        ("444", OTHER),
        True,
        (TO_DISCORD, "applicant", "member", ["333"], ["444"], Outcome.PLANNED),
    ),
    "a pending promotion already in Discord is in step": (RoleGroup.OFFICER, ("111",), True, None),
    "a pending change to guest removes every managed role and no other": (
        RoleGroup.GUEST,
        ("333", "555", OTHER),
        True,
        (TO_DISCORD, "member", "guest", [], ["333", "555"], Outcome.PLANNED),
    ),
    "without a pending change Discord's roles are pulled": (
        RoleGroup.APPLICANT,
        ("333",),
        False,
        (FROM_DISCORD, "applicant", "member", [], [], Outcome.PLANNED),
    ),
    "the highest managed role decides a pull": (
        RoleGroup.MEMBER,
        ("333", "111"),
        False,
        (FROM_DISCORD, "member", "officer", [], [], Outcome.PLANNED),
    ),
    "no managed role pulls as guest": (
        RoleGroup.MEMBER,
        (OTHER,),
        False,
        (FROM_DISCORD, "member", "guest", [], [], Outcome.PLANNED),
    ),
    "a group Discord cannot show is not pulled down": (RoleGroup.RECRUITER, ("333",), False, None),
    "a group Discord cannot show is left upwards": (
        RoleGroup.RECRUITER,
        ("111",),
        False,
        (FROM_DISCORD, "recruiter", "officer", [], [], Outcome.PLANNED),
    ),
    "a pending group Discord cannot show is not pushed": (RoleGroup.RECRUITER, ("333",), True, None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_reconcile_plans_each_user_by_the_table(case: str) -> None:
    group, roles, pending, expected = CASES[case]
    member = MemberRoles(username="pip", discord_id="42", group=group, discord_roles=roles, app_change_pending=pending)
    change = plan_role_change(member, MANAGED)
    if expected is None:
        assert change is None
        return
    assert change is not None
    direction, from_group, to_group, add, remove, outcome = expected
    assert (change.username, change.discord_id) == ("pip", "42")
    assert (change.direction, change.from_group, change.to_group) == (direction, from_group, to_group)
    assert (change.add, change.remove, change.outcome) == (add, remove, outcome)
    if direction == "":
        assert change.note == "not in the Discord server"
