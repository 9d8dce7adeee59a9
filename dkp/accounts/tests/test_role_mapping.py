"""Discord roles to role groups: DISCORD_ROLE_IDS parsing and precedence."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from dkp.core.roles import RoleGroup
from dkp.discord.roles import parse_role_ids, role_group_for

SETTING = "officer:111,recruiter:222,developer:333,member:444,applicant:555"
ROLE_MAP = parse_role_ids(SETTING)


def test_the_documented_setting_maps_each_role_id_to_its_group() -> None:
    assert ROLE_MAP == {
        "111": RoleGroup.OFFICER,
        "222": RoleGroup.RECRUITER,
        "333": RoleGroup.DEVELOPER,
        "444": RoleGroup.MEMBER,
        "555": RoleGroup.APPLICANT,
    }


def test_spaces_case_and_two_roles_for_one_group_are_accepted() -> None:
    assert parse_role_ids(" Officer : 111 , member:444, member:445 ,") == {
        "111": RoleGroup.OFFICER,
        "444": RoleGroup.MEMBER,
        "445": RoleGroup.MEMBER,
    }


def test_empty_setting_maps_nothing() -> None:
    assert parse_role_ids("") == {}


@pytest.mark.parametrize(
    ("setting", "names"),
    [
        ("officer=111", "'officer=111' is not of the form group:role_id"),
        ("officer:", "is not of the form group:role_id"),
        ("raider:111", "'raider' is not a role group"),
        ("officer:abc", "'abc' (for officer) is not a Discord role id"),
        ("officer:111,member:111", "role id 111 is given for both officer and member"),
    ],
)
def test_malformed_setting_is_refused_naming_the_bad_part(setting: str, names: str) -> None:
    with pytest.raises(ImproperlyConfigured) as excinfo:
        parse_role_ids(setting)
    assert names in str(excinfo.value)
    assert "DISCORD_ROLE_IDS" in str(excinfo.value)


@pytest.mark.parametrize(
    ("roles", "group"),
    [
        (["444", "111"], RoleGroup.OFFICER),
        (["444", "222", "333"], RoleGroup.RECRUITER),
        (["555", "333"], RoleGroup.DEVELOPER),
        (["555", "444"], RoleGroup.MEMBER),
        (["555"], RoleGroup.APPLICANT),
        ([], RoleGroup.GUEST),
    ],
)
def test_highest_group_wins(roles: list[str], group: RoleGroup) -> None:
    assert role_group_for(roles, role_map=ROLE_MAP) == group


def test_unknown_role_ids_are_ignored() -> None:
    assert role_group_for(["999", "444", "12345"], role_map=ROLE_MAP) == RoleGroup.MEMBER
    assert role_group_for(["999"], role_map=ROLE_MAP) == RoleGroup.GUEST


def test_role_map_defaults_to_the_setting_read_now(settings) -> None:
    settings.DISCORD_ROLE_IDS = "developer:7"
    assert role_group_for(["7"]) == RoleGroup.DEVELOPER
