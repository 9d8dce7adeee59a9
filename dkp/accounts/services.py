"""Who a Discord user is in the guild: role groups from Discord roles, and the User kept in step.

Discord is the source of truth for names, avatar and (at sign-in) the role group. Every change of
role group is written to the Discord sync log in the same transaction as the change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dkp.accounts.models import User
from dkp.accounts.role_sync import app_change_pending, group_from_discord
from dkp.accounts.tasks import push_role_group_after_commit
from dkp.core.roles import RoleGroup
from dkp.discord.client import DiscordError, DiscordUser, GuildMember
from dkp.discord.models import DiscordSyncLog
from dkp.discord.roles import parse_role_ids, role_group_for


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


def member_joined(*, discord_id: str) -> bool:
    """Someone joined (or rejoined) the Discord server: the app's role group goes to Discord.

    A member who comes back holds no roles; pulled, that would make them a guest although the app
    kept their rank. For a linked user in a group other than guest the join is marked as an app
    change (``role_group_changed_at``), so pulls and the reconcile leave the group alone until
    Discord has it, and a push is queued after commit. True when a push was queued.
    """

    with transaction.atomic():
        user = User.objects.select_for_update().filter(discord_id=str(discord_id)).first()
        if user is None or user.role_group == RoleGroup.GUEST:
            return False
        user.role_group_changed_at = timezone.now()
        user.save(update_fields=["role_group_changed_at"])
        push_role_group_after_commit(user=user)
    return True
