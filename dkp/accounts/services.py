"""Who a Discord user is in the guild: role groups from Discord roles, and the User kept in step.

Discord is the source of truth for names, avatar and (at sign-in) the role group. Every change of
role group is written to the Discord sync log in the same transaction as the change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from dkp.accounts.models import User
from dkp.core.roles import ROLE_PRECEDENCE, RoleGroup
from dkp.discord.client import DiscordError, DiscordUser, GuildMember
from dkp.discord.models import DiscordSyncLog
from dkp.discord.role_sync import app_change_pending, group_from_discord, push_role_group_after_commit

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


@transaction.atomic
def sync_user_from_discord(
    *,
    user: User | None = None,
    discord_id: str | None = None,
    profile: DiscordUser,
    member: GuildMember | None,
) -> User:
    """Create or refresh the User for a Discord profile; ``member`` is None when not in the guild.

    Found by ``user`` or else by Discord id (the profile's id when neither is given). Names and
    avatar are refreshed every time; the role group follows the member's Discord roles.
    """
    discord_id = str(discord_id or (user.discord_id if user else None) or profile["id"])
    new_group = role_group_for(member["roles"]) if member is not None else RoleGroup.GUEST
    if user is None:
        user = User.objects.select_for_update().filter(discord_id=discord_id).first()
    else:
        user = User.objects.select_for_update().get(pk=user.pk)
    if user is None:
        user = User(username=_free_username(profile["username"], discord_id), discord_id=discord_id)
    old_group = RoleGroup(user.role_group) if user.pk else RoleGroup.GUEST
    if member is not None and user.pk:
        # A group Discord cannot show (no mapped role) is only ever left upwards, as in every pull.
        new_group = group_from_discord(member["roles"], old_group, parse_role_ids(settings.DISCORD_ROLE_IDS))
    # An officer's change that Discord has not got yet (a refused or queued push) outranks the
    # roles Discord still shows: keep it and push it again rather than let sign-in undo it.
    pending = bool(user.pk) and app_change_pending(user, now=timezone.now())
    if pending:
        new_group = old_group

    user.discord_id = discord_id
    user.discord_username = profile["username"][:100]
    user.display_name = (profile.get("global_name") or "")[:100]
    user.avatar = (profile.get("avatar") or "")[:200]
    user.role_group = new_group
    if not pending:
        user.discord_synced_at = timezone.now()
    user.save()
    if pending:
        push_role_group_after_commit(user=user)

    if new_group != old_group:
        DiscordSyncLog.objects.create(
            user=user,
            discord_id=discord_id,
            direction=DiscordSyncLog.Direction.FROM_DISCORD,
            action=DiscordSyncLog.Action.SET_ROLE_GROUP,
            role=new_group.value,
            result=DiscordSyncLog.Result.OK,
            message=f"{old_group.value} → {new_group.value} (Discord roles at sign-in)",
        )
    return user


def record_member_read_failure(*, discord_id: str, error: DiscordError) -> DiscordSyncLog:
    """Note in the sync log that Discord would not tell us someone's guild membership."""
    return DiscordSyncLog.objects.create(
        discord_id=discord_id,
        direction=DiscordSyncLog.Direction.FROM_DISCORD,
        action=DiscordSyncLog.Action.READ_MEMBER,
        result=DiscordSyncLog.Result.FAILED,
        error_code=error.code,
        message=f"HTTP {error.status or '-'}: {error.message}",
    )


def _free_username(wanted: str, discord_id: str) -> str:
    """Discord's username, unless someone here already has it (a local or demo account)."""
    base = (wanted or f"discord-{discord_id}")[:150]
    if not User.objects.filter(username=base).exists():
        return base
    return f"{base[: 150 - len(discord_id) - 1]}-{discord_id}"
