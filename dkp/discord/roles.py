"""The role map: which Discord role ids mean which of our role groups (``DISCORD_ROLE_IDS``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from dkp.core.roles import ROLE_PRECEDENCE, RoleGroup

_SNOWFLAKE = re.compile(r"^\d{1,20}$")


def parse_role_ids(setting: str) -> dict[str, RoleGroup]:
    """Read ``DISCORD_ROLE_IDS`` (``officer:111,member:444,...``) into Discord role id -> role group.

    A group may be named more than once (two Discord roles both meaning "member"); one Discord role
    may not mean two groups. Anything else malformed is refused with the offending part named.
    """
    mapping: dict[str, RoleGroup] = {}
    for raw_part in setting.split(","):
        part = raw_part.strip()
        if not part:
            continue
        group_name, sep, role_id = (piece.strip() for piece in part.partition(":"))
        if not sep or not group_name or not role_id:
            raise ImproperlyConfigured(
                f"DISCORD_ROLE_IDS: {part!r} is not of the form group:role_id (e.g. officer:111)."
            )
        if group_name.lower() not in RoleGroup.values:
            raise ImproperlyConfigured(
                f"DISCORD_ROLE_IDS: {group_name!r} is not a role group; use one of {', '.join(RoleGroup.values)}."
            )
        if not _SNOWFLAKE.match(role_id):
            raise ImproperlyConfigured(
                f"DISCORD_ROLE_IDS: {role_id!r} (for {group_name}) is not a Discord role id; ids are digits only."
            )
        group = RoleGroup(group_name.lower())
        if mapping.get(role_id, group) != group:
            raise ImproperlyConfigured(
                f"DISCORD_ROLE_IDS: role id {role_id} is given for both {mapping[role_id]} and {group}."
            )
        mapping[role_id] = group
    return mapping


def role_group_for(discord_role_ids: Iterable[str], *, role_map: dict[str, RoleGroup] | None = None) -> RoleGroup:
    """The highest role group among the person's Discord roles; roles we do not manage are ignored.

    ``role_map`` defaults to ``DISCORD_ROLE_IDS`` read now. A guild member with no mapped role is a guest.
    """
    if role_map is None:
        role_map = parse_role_ids(settings.DISCORD_ROLE_IDS)
    held = {role_map[str(role_id)] for role_id in discord_role_ids if str(role_id) in role_map}
    for group in ROLE_PRECEDENCE:
        if group in held:
            return group
    return RoleGroup.GUEST
