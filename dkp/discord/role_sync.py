"""Pushing a user's role group to their Discord roles, after the change that caused it commits.

Only the managed roles (those named in ``DISCORD_ROLE_IDS``) are ever added or removed; any other
role a member holds in Discord is left exactly as it is. The rule is ``role_changes`` (pure, no
Discord, no database); ``push_role_group`` reads the member from Discord, applies the rule and
writes every outcome to the Discord sync log under one ``run_id``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from dkp.core.roles import RoleGroup
from dkp.discord.client import DiscordClient, DiscordError, DiscordUnknownMember
from dkp.discord.models import DiscordSyncLog

if TYPE_CHECKING:
    from dkp.accounts.models import User


def push_role_group_after_commit(*, user: User) -> None:
    """Queue a push of ``user.role_group`` to Discord once the current transaction commits."""
    user_id = user.pk

    def push() -> None:
        from dkp.discord.tasks import push_role_group

        push_role_group.delay(user_id)

    transaction.on_commit(push)


def role_changes(
    current_role_ids: Iterable[str], role_group: str, managed: dict[str, RoleGroup]
) -> tuple[list[str], list[str]]:
    """The managed Discord role ids to add and to remove so the member's roles say ``role_group``.

    ``managed`` maps Discord role id -> role group (``parse_role_ids(DISCORD_ROLE_IDS)``). The member
    ends with exactly one group's roles among the managed ones: a guest (or any group without a
    mapped role) with none. When two Discord roles mean the same group, holding either is enough;
    when neither is held the first one configured is added. Roles not in ``managed`` are never
    returned. Both lists follow the order of ``managed``.
    """
    current = {str(role_id) for role_id in current_role_ids}
    group = RoleGroup(role_group)
    wanted_ids = [role_id for role_id, mapped in managed.items() if mapped == group]
    add = [wanted_ids[0]] if wanted_ids and not current.intersection(wanted_ids) else []
    remove = [role_id for role_id, mapped in managed.items() if mapped != group and role_id in current]
    return add, remove


@dataclass
class PushResult:
    """What one push did; every line of it is also in the sync log under ``run_id``."""

    run_id: uuid.UUID
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: str = ""

    @property
    def in_step(self) -> bool:
        return not (self.added or self.removed or self.failed or self.skipped)


def push_role_group(*, user_id: int, client: DiscordClient | None = None) -> PushResult:
    """Make the user's managed Discord roles match their ``role_group`` now; never raises for Discord.

    Reads the user afresh, so a push queued by an older change applies the latest role group.
    No transaction is held open across the HTTP calls: each log row commits on its own.
    """
    from dkp.accounts.models import User
    from dkp.accounts.services import parse_role_ids

    result = PushResult(run_id=uuid.uuid4())
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        result.skipped = f"No user with id {user_id}; nothing to push."
        _log(result, user=None, action=DiscordSyncLog.Action.READ_MEMBER, role="", message=result.skipped)
        return result
    group = RoleGroup(user.role_group)

    def skip(message: str, *, error: DiscordError | None = None) -> PushResult:
        result.skipped = message
        _log(
            result,
            user=user,
            action=DiscordSyncLog.Action.READ_MEMBER,
            role=group.value,
            message=message,
            outcome=DiscordSyncLog.Result.SKIPPED,
            error=error,
        )
        return result

    if not user.discord_id:
        return skip("No Discord account is linked; roles not pushed.")
    client = client or DiscordClient.from_settings()
    if not client.has_bot_token:
        return skip("No Discord bot token is configured (DISCORD_BOT_TOKEN); roles not pushed.")
    guild_id = settings.DISCORD_GUILD_ID
    if not guild_id:
        return skip("No Discord server is configured (DISCORD_GUILD_ID); roles not pushed.")
    try:
        managed = parse_role_ids(settings.DISCORD_ROLE_IDS)
    except ImproperlyConfigured as exc:
        return skip(f"Roles not pushed: {exc}")
    if not managed:
        return skip("No Discord roles are mapped (DISCORD_ROLE_IDS is empty); roles not pushed.")

    try:
        member = client.member(guild_id=guild_id, user_id=user.discord_id)
    except DiscordUnknownMember as exc:
        return skip(f"Not in the guild's Discord server; roles not pushed. {exc.message}", error=exc)
    except DiscordError as exc:
        result.failed.append("member")
        _log(
            result,
            user=user,
            action=DiscordSyncLog.Action.READ_MEMBER,
            role=group.value,
            message=f"Could not read the member: {_describe(exc)}",
            outcome=DiscordSyncLog.Result.FAILED,
            error=exc,
        )
        return result

    add, remove = role_changes(member["roles"], group, managed)
    reason = f"EQ DKP: role group is now {group.label}"
    changes = [(DiscordSyncLog.Action.ADD_ROLE, role_id) for role_id in add]
    changes += [(DiscordSyncLog.Action.REMOVE_ROLE, role_id) for role_id in remove]
    for action, role_id in changes:
        adding = action == DiscordSyncLog.Action.ADD_ROLE
        change = client.add_member_role if adding else client.remove_member_role
        role_name = managed[role_id].value
        what = f"{'Add' if adding else 'Remove'} Discord role {role_id} ({role_name})"
        try:
            change(guild_id=guild_id, user_id=user.discord_id, role_id=role_id, reason=reason)
        except DiscordError as exc:
            # Logged with Discord's code and not retried here: the next push or reconcile tries again.
            result.failed.append(role_id)
            _log(
                result,
                user=user,
                action=action,
                role=role_name,
                message=f"{what}: {_describe(exc)}",
                outcome=DiscordSyncLog.Result.FAILED,
                error=exc,
            )
            continue
        (result.added if adding else result.removed).append(role_id)
        _log(result, user=user, action=action, role=role_name, message=f"{what}: done")
    return result


def _describe(error: DiscordError) -> str:
    return f"HTTP {error.status or '-'} {error.kind}: {error.message}"


def _log(
    result: PushResult,
    *,
    user: User | None,
    action: str,
    role: str,
    message: str,
    outcome: str = DiscordSyncLog.Result.OK,
    error: DiscordError | None = None,
) -> DiscordSyncLog:
    return DiscordSyncLog.objects.create(
        run_id=result.run_id,
        user=user,
        discord_id=(user.discord_id or "") if user is not None else "",
        direction=DiscordSyncLog.Direction.TO_DISCORD,
        action=action,
        role=role,
        result=outcome,
        error_code=error.code if error is not None else None,
        message=message,
    )
