"""Keeping role groups and the guild's Discord roles in step, both ways.

- Push: a change made in the app (an officer, recruitment) goes to the member's Discord roles after
  the change commits (``push_role_group_after_commit``, ``push_role_group``).
- Pull: a change made in Discord comes into the app, from the bot's member-update events
  (``pull_member_roles``) and at sign-in (``dkp.accounts.services.sync_user_from_discord``).
- Reconcile: a periodic pass over the whole server catches up what both missed (``reconcile_roles``);
  what to do about each user is decided by ``plan_role_change``, pure, over plain data.

Who wins: the app's change, until Discord has it. ``User.role_group_changed_at`` marks the app's
change and ``User.discord_synced_at`` the last moment both sides were known to agree; while the
change is newer than the agreement, or less than ``APP_CHANGE_GRACE`` after the later of the change
and the last push that landed (``User.discord_pushed_at``), nothing is pulled. The grace covers our
own push: it adds the new role before removing the old one, and the member update Discord sends in
between still shows the old (perhaps higher) role, however long after the change the push ran.
A member who (re)joins the Discord server holds no roles: the join is marked as an app change and
the app's group pushed (``member_joined``), so the empty role list is not pulled as "guest".

A role group with no mapped Discord role (other than guest, which means "no guild role") cannot be
shown in Discord: a push for it changes nothing there, and a pull never moves someone out of it
except up, to a higher mapped group Discord shows (``shown_in_discord``, ``group_from_discord``).
When adding the wanted role fails, the old managed roles are kept, so nobody is left without one.

Only the managed roles (those named in ``DISCORD_ROLE_IDS``) are ever added or removed; any other
role a member holds in Discord is left exactly as it is. The rule is ``role_changes`` (pure, no
Discord, no database). Every change, skip and failure is written to the Discord sync log, with
Discord's error code, under one ``run_id`` per push, pull or reconcile.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from dkp.accounts.models import User
from dkp.core.roles import ROLE_PRECEDENCE, RoleGroup
from dkp.discord.client import (
    DiscordClient,
    DiscordEdgeBlocked,
    DiscordError,
    DiscordNotConfigured,
    DiscordRateLimited,
    DiscordUnknownMember,
)
from dkp.discord.models import DiscordSyncLog
from dkp.discord.roles import parse_role_ids, role_group_for

log = logging.getLogger(__name__)

# How long after an app-side change Discord's roles are not pulled, even once the push has landed.
APP_CHANGE_GRACE = dt.timedelta(seconds=60)


def shown_in_discord(role_group: str, managed: dict[str, RoleGroup]) -> bool:
    """Whether Discord's roles can say ``role_group``: guest (no guild role) always, others when mapped."""
    group = RoleGroup(role_group)
    return group == RoleGroup.GUEST or group in managed.values()


def group_from_discord(role_ids: Iterable[str], current: str, managed: dict[str, RoleGroup]) -> RoleGroup:
    """The role group a pull of ``role_ids`` gives someone now in ``current``.

    The highest managed role held decides (none: guest); but someone in a group Discord cannot show
    (``shown_in_discord``) keeps it, unless Discord shows a group above it (officer given in Discord).
    """

    shown = role_group_for(role_ids, role_map=managed)
    group = RoleGroup(current)
    if shown_in_discord(group, managed) or ROLE_PRECEDENCE.index(shown) < ROLE_PRECEDENCE.index(group):
        return shown
    return group


def role_changes(
    current_role_ids: Iterable[str], role_group: str, managed: dict[str, RoleGroup]
) -> tuple[list[str], list[str]]:
    """The managed Discord role ids to add and to remove so the member's roles say ``role_group``.

    ``managed`` maps Discord role id -> role group (``parse_role_ids(DISCORD_ROLE_IDS)``). The member
    ends with exactly one group's roles among the managed ones: a guest with none. A group Discord
    cannot show (no mapped role, not guest) changes nothing: taking the roles away would only cost
    the member their access. When two Discord roles mean the same group, holding either is enough;
    when neither is held the first one configured is added. Roles not in ``managed`` are never
    returned. Both lists follow the order of ``managed``.
    """
    current = {str(role_id) for role_id in current_role_ids}
    group = RoleGroup(role_group)
    if not shown_in_discord(group, managed):
        return [], []
    wanted_ids = [role_id for role_id, mapped in managed.items() if mapped == group]
    add = [wanted_ids[0]] if wanted_ids and not current.intersection(wanted_ids) else []
    remove = [role_id for role_id, mapped in managed.items() if mapped != group and role_id in current]
    return add, remove


def app_change_pending(user: User, *, now: dt.datetime) -> bool:
    """True while the app's last change of ``user.role_group`` may not be in Discord yet.

    That is: the change is newer than the last agreement, or the later of the change and the last
    push that landed (``discord_pushed_at``) is less than ``APP_CHANGE_GRACE`` ago. Measured from
    the push too, because a push that lands late (the reconcile, a backed-up worker) makes Discord
    send its intermediate state (old and new role) then, not at the change.
    """
    changed_at = user.role_group_changed_at
    if changed_at is None:
        return False
    if user.discord_synced_at is None or changed_at > user.discord_synced_at:
        return True
    latest = max(changed_at, user.discord_pushed_at or changed_at)
    return now - latest < APP_CHANGE_GRACE


# -- push ---------------------------------------------------------------------------------------


@dataclass
class PushResult:
    """What one push did; every line of it is also in the sync log under ``run_id``."""

    run_id: uuid.UUID
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # not removed, because adding the wanted role failed
    skipped: str = ""
    rate_limited: bool = False
    edge_blocked: bool = False  # Discord's edge refused (403, no code): the rest was not asked for
    error_codes: list[int] = field(default_factory=list)  # Discord's codes of the failures, e.g. 50013

    @property
    def in_step(self) -> bool:
        return not (self.added or self.removed or self.failed or self.skipped)


def push_role_group(*, user_id: int, client: DiscordClient | None = None) -> PushResult:
    """Make the user's managed Discord roles match their ``role_group`` now; never raises for Discord.

    Reads the user afresh, so a push queued by an older change applies the latest role group.
    No transaction is held open across the HTTP calls: each log row commits on its own. A push
    with nothing failed marks the user as in step with Discord (``discord_synced_at``) and
    pushed (``discord_pushed_at``). A group Discord cannot show (no mapped role) is skipped
    without asking Discord, and counts as in step: there is nothing Discord could hold.

    Long because each of the six reasons not to push (no account, no token, no server, no mapping, a
    group Discord cannot show, not a member) writes its own sync-log row before the push itself.
    """

    result = PushResult(run_id=uuid.uuid4())
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        result.skipped = f"No user with id {user_id}; nothing to push."
        _log(result.run_id, user=None, action=DiscordSyncLog.Action.READ_MEMBER, role="", message=result.skipped)
        return result
    group = RoleGroup(user.role_group)

    def skip(message: str, *, error: DiscordError | None = None) -> PushResult:
        result.skipped = message
        _log(
            result.run_id,
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
    if not shown_in_discord(group, managed):
        skip(
            f"The role group {group.label} has no Discord role in DISCORD_ROLE_IDS, so Discord cannot show it; "
            "the Discord roles were left as they are (taking them away would cost the member their access)."
        )
        _mark_in_step(user)
        return result

    try:
        member = client.member(guild_id=guild_id, user_id=user.discord_id)
    except DiscordUnknownMember as exc:
        return skip(f"Not in the guild's Discord server; roles not pushed. {exc.message}", error=exc)
    except DiscordError as exc:
        result.failed.append("member")
        _log(
            result.run_id,
            user=user,
            action=DiscordSyncLog.Action.READ_MEMBER,
            role=group.value,
            message=f"Could not read the member: {_describe(exc)}",
            outcome=DiscordSyncLog.Result.FAILED,
            error=exc,
        )
        return result

    add, remove = role_changes(member["roles"], group, managed)
    _change_roles(client, result, guild_id=guild_id, user=user, add=add, remove=remove, managed=managed)
    if not (result.failed or result.skipped):
        _mark_in_step(user)
    return result


def _change_roles(
    client: DiscordClient,
    result: PushResult,
    *,
    guild_id: str,
    user: User,
    add: list[str],
    remove: list[str],
    managed: dict[str, RoleGroup],
) -> None:
    """Add, then remove, managed roles; each outcome goes to ``result`` and to the sync log.

    A failure is logged with Discord's code and not retried here (the client has already waited out
    short rate limits): the next push or reconcile tries again. The rest of the adds go on, except
    after a 10007 (the member has left, so their other roles are not asked for) and after a refusal
    from Discord's edge (a 403 without a code: every call would meet it), unlike a 50013, which
    concerns one role. When an add failed
    the old roles are kept (logged as skipped): removing them would leave the member without any
    guild role, and so without access, until the next try.

    Over 60 lines and seven parameters because the push and the reconcile share it: each hands its
    own client, result and run, and the kept-role rule needs the adds and removes in one loop.
    """
    assert user.discord_id  # callers only change the roles of a linked account
    group = RoleGroup(user.role_group)
    reason = f"EQ DKP: role group is now {group.label}"
    changes = [(DiscordSyncLog.Action.ADD_ROLE, role_id) for role_id in add]
    changes += [(DiscordSyncLog.Action.REMOVE_ROLE, role_id) for role_id in remove]
    failed_adds: list[str] = []

    def note(
        action: str, role: str, message: str, outcome: str = DiscordSyncLog.Result.OK, error: DiscordError | None = None
    ) -> None:
        _log(result.run_id, user=user, action=action, role=role, message=message, outcome=outcome, error=error)

    for action, role_id in changes:
        adding = action == DiscordSyncLog.Action.ADD_ROLE
        change = client.add_member_role if adding else client.remove_member_role
        role_name = managed[role_id].value
        what = f"{'Add' if adding else 'Remove'} Discord role {role_id} ({role_name})"
        if not adding and failed_adds:
            result.kept.append(role_id)
            wanted = ", ".join(f"{failed} ({managed[failed].value})" for failed in failed_adds)
            note(
                action,
                role_name,
                f"Kept Discord role {role_id} ({role_name}) because adding Discord role {wanted} failed: "
                "removing it would leave the member without a guild role. The next push or reconcile tries again.",
                DiscordSyncLog.Result.SKIPPED,
            )
            continue
        try:
            change(guild_id=guild_id, user_id=user.discord_id, role_id=role_id, reason=reason)
        except DiscordUnknownMember as exc:
            result.skipped = f"{what}: no longer in the guild's Discord server; their roles were left as they are."
            note(action, role_name, f"{result.skipped} {_describe(exc)}", DiscordSyncLog.Result.SKIPPED, exc)
            return
        except DiscordError as exc:
            result.failed.append(role_id)
            if adding:
                failed_adds.append(role_id)
            result.rate_limited = result.rate_limited or isinstance(exc, DiscordRateLimited)
            if exc.code:
                result.error_codes.append(exc.code)
            note(action, role_name, f"{what}: {_describe(exc)}", DiscordSyncLog.Result.FAILED, exc)
            if isinstance(exc, DiscordEdgeBlocked):
                # Every further call would be refused too, and each refusal lengthens the ban.
                result.edge_blocked = True
                return
            continue
        (result.added if adding else result.removed).append(role_id)
        note(action, role_name, f"{what}: done")


def _mark_in_step(user: User) -> None:
    """Discord now holds ``user``'s role group: record it, unless the app changed the group meanwhile.

    ``discord_pushed_at`` starts the grace in which Discord's reports of our own push are not pulled.
    """

    now = timezone.now()
    User.objects.filter(
        pk=user.pk, role_group=user.role_group, role_group_changed_at=user.role_group_changed_at
    ).update(discord_synced_at=now, discord_pushed_at=now)


# -- pull ---------------------------------------------------------------------------------------


@dataclass
class _Pulled:
    outcome: str  # "no_user", "skipped", "in_step" or "changed"
    old: RoleGroup = RoleGroup.GUEST
    new: RoleGroup = RoleGroup.GUEST


def pull_member_roles(*, discord_id: str, role_ids: Iterable[str], reason: str) -> RoleGroup | None:
    """Bring a member's Discord roles into their role group; the group they now have, or None.

    Called by the bot on a member update (``reason``: "Discord member update"). The managed roles
    decide the group (highest first; none held: guest; ``group_from_discord``); other roles are
    ignored, and a group Discord cannot show is only ever left upwards. None, and nothing
    written, for a Discord account nobody here has linked. None, with a SKIPPED log row, while an app
    change is not yet in Discord (``app_change_pending``). A pull never queues a push back.
    """

    try:
        managed = parse_role_ids(settings.DISCORD_ROLE_IDS)
    except ImproperlyConfigured as exc:
        log.warning("Discord roles not pulled: %s", exc)
        return None
    if not managed:
        # Without a mapping every member would read as a guest; never demote the guild for a missing setting.
        log.warning("Discord roles not pulled: DISCORD_ROLE_IDS is empty.")
        return None
    pulled = _pull(
        discord_id=str(discord_id), role_ids=list(role_ids), managed=managed, reason=reason, run_id=uuid.uuid4()
    )
    return pulled.new if pulled.outcome in ("in_step", "changed") else None


@transaction.atomic
def _pull(
    *, discord_id: str, role_ids: list[str], managed: dict[str, RoleGroup], reason: str, run_id: uuid.UUID
) -> _Pulled:

    user = User.objects.select_for_update().filter(discord_id=discord_id).first()
    if user is None:
        return _Pulled("no_user")
    now = timezone.now()
    old = RoleGroup(user.role_group)
    new = group_from_discord(role_ids, old, managed)
    if app_change_pending(user, now=now):
        if new != old:
            _log(
                run_id,
                user=user,
                direction=DiscordSyncLog.Direction.FROM_DISCORD,
                action=DiscordSyncLog.Action.SET_ROLE_GROUP,
                role=new.value,
                message=f"{old.value} → {new.value} not pulled ({reason}): the app's change to {old.value} "
                "is not in Discord yet.",
                outcome=DiscordSyncLog.Result.SKIPPED,
            )
        return _Pulled("skipped", old, new)
    user.discord_synced_at = now
    fields = ["discord_synced_at"]
    if new != old:
        user.role_group = new
        fields.append("role_group")
        _log(
            run_id,
            user=user,
            direction=DiscordSyncLog.Direction.FROM_DISCORD,
            action=DiscordSyncLog.Action.SET_ROLE_GROUP,
            role=new.value,
            message=f"{old.value} → {new.value} ({reason})",
        )
    user.save(update_fields=fields)
    return _Pulled("changed" if new != old else "in_step", old, new)


# -- reconcile ----------------------------------------------------------------------------------


class Outcome:
    PLANNED = "planned"
    APPLIED = "applied"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class RoleChange:
    """One user whose role group and Discord roles disagree, and what the reconcile did about it.

    ``direction`` is a ``DiscordSyncLog.Direction``, or "" for a user not in the Discord server.
    ``add``/``remove`` are the managed role ids a push changes (empty for a pull).
    """

    username: str
    discord_id: str
    direction: str
    from_group: str
    to_group: str
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    outcome: str = Outcome.PLANNED
    note: str = ""

    def line(self) -> str:
        """The change as one line of the command's output, e.g. ``pip: app → Discord: +444 -111``."""
        if self.direction == DiscordSyncLog.Direction.FROM_DISCORD:
            text = f"{self.username}: Discord → app: {self.from_group} → {self.to_group}"
        elif self.direction == DiscordSyncLog.Direction.TO_DISCORD:
            roles = " ".join([f"+{role_id}" for role_id in self.add] + [f"-{role_id}" for role_id in self.remove])
            text = f"{self.username}: app → Discord: {roles}"
        else:
            text = f"{self.username}: left as {self.from_group}"
        if self.outcome in (Outcome.FAILED, Outcome.SKIPPED) and self.note:
            text += f" ({self.outcome}: {self.note})"
        return text


@dataclass
class ReconcileReport:
    run_id: uuid.UUID
    dry_run: bool
    changes: list[RoleChange] = field(default_factory=list)
    in_step: int = 0
    discord_members: int = 0
    members_without_account: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for change in self.changes if change.outcome == outcome)

    def summary(self) -> str:
        """One line: how many changes and how they went, e.g. ``12 changes: 9 applied, 2 failed ...``."""
        total = len(self.changes)
        changes = f"{total} change{'' if total == 1 else 's'}"
        if self.dry_run:
            return (
                f"{changes} planned ({self.count(Outcome.SKIPPED)} to skip). "
                "Dry run: nothing was changed in the app or in Discord."
            )
        return (
            f"{changes}: {self.count(Outcome.APPLIED)} applied, {self.count(Outcome.FAILED)} failed "
            f"(see the Discord sync log), {self.count(Outcome.SKIPPED)} skipped"
        )


@dataclass(frozen=True)
class MemberRoles:
    """One linked user as the reconcile weighs them: plain data, read from the database and Discord before."""

    username: str
    discord_id: str
    group: RoleGroup  # their role group in the app
    discord_roles: tuple[str, ...] | None  # the roles they hold in Discord; None when not in the server
    app_change_pending: bool  # ``app_change_pending(user)`` at the moment the member list was read


def plan_role_change(member: MemberRoles, managed: dict[str, RoleGroup]) -> RoleChange | None:
    """What the reconcile should do about one user; None when the app and Discord agree. Pure.

    Not in the server: skipped, the group kept (who left is an officer's call, and a short member
    list must never demote the guild). An app change not yet in Discord: pushed, with the managed
    roles to add and remove (``role_changes``). Otherwise Discord's roles are pulled
    (``group_from_discord``: a group Discord cannot show is only ever left upwards).
    """
    group = member.group
    if member.discord_roles is None:
        return RoleChange(
            member.username,
            member.discord_id,
            direction="",
            from_group=group.value,
            to_group=group.value,
            outcome=Outcome.SKIPPED,
            note="not in the Discord server",
        )
    if member.app_change_pending:
        add, remove = role_changes(member.discord_roles, group, managed)
        if not (add or remove):
            return None
        return RoleChange(
            member.username,
            member.discord_id,
            direction=DiscordSyncLog.Direction.TO_DISCORD,
            from_group=role_group_for(member.discord_roles, role_map=managed).value,
            to_group=group.value,
            add=add,
            remove=remove,
        )
    pulled = group_from_discord(member.discord_roles, group, managed)
    if pulled == group:
        return None
    return RoleChange(
        member.username,
        member.discord_id,
        direction=DiscordSyncLog.Direction.FROM_DISCORD,
        from_group=group.value,
        to_group=pulled.value,
    )


def reconcile_roles(*, dry_run: bool, client: DiscordClient | None = None) -> ReconcileReport:
    """Compare every linked user's role group with their roles in the Discord server and settle each.

    Per user with a Discord account, ``plan_role_change`` decides: an app change not yet in Discord
    is pushed (app → Discord); otherwise Discord's roles are pulled (Discord → app). A user missing
    from the member list is skipped and keeps their group. Discord members nobody here has linked
    are ignored.

    Raises ``DiscordNotConfigured`` (nothing asked) when the bot token, server or role mapping is
    missing, and the ``DiscordError`` when the member list cannot be read in full (logged first).
    Failures of single changes are logged with Discord's code and the run goes on; after a rate
    limit that was too long to wait out, the remaining pushes are skipped, not tried.
    With ``dry_run`` the report lists the changes and nothing is written, in the app or in Discord.
    """

    client = client or DiscordClient.from_settings()
    guild_id = settings.DISCORD_GUILD_ID
    managed = _reconcile_settings(client, guild_id)
    report = ReconcileReport(run_id=uuid.uuid4(), dry_run=dry_run)
    roles_of = _member_roles(client, guild_id, report)
    # Read before the users: an app change committed after this moment is newer than any agreement
    # recorded below, so it stays pending.
    read_at = timezone.now()
    users = list(User.objects.exclude(discord_id__isnull=True).exclude(discord_id="").order_by("username"))
    report.discord_members = len(roles_of)
    report.members_without_account = len(roles_of.keys() - {user.discord_id for user in users})
    in_step: dict[str, list[int]] = {}
    rate_limited = False

    for user in users:
        assert user.discord_id  # excluded above
        roles = roles_of.get(user.discord_id)
        change = plan_role_change(_member(user, roles, now=read_at), managed)
        if change is None:
            in_step.setdefault(user.role_group, []).append(user.pk)
            continue
        report.changes.append(change)
        if dry_run:
            continue
        if change.direction == DiscordSyncLog.Direction.TO_DISCORD:
            rate_limited = _reconcile_push(
                client, report, change, user=user, guild_id=guild_id, managed=managed, rate_limited=rate_limited
            )
        elif change.direction == DiscordSyncLog.Direction.FROM_DISCORD:
            assert roles is not None  # a pull reads the roles Discord listed
            _reconcile_pull(report, change, user=user, roles=roles, managed=managed)
        else:
            _log(
                report.run_id,
                user=user,
                direction=DiscordSyncLog.Direction.FROM_DISCORD,
                action=DiscordSyncLog.Action.READ_MEMBER,
                role=user.role_group,
                message=f"Skipped: not in the Discord server, so the role group is left as {user.role_group} "
                "(whether someone who left keeps it is an officer's call).",
                outcome=DiscordSyncLog.Result.SKIPPED,
            )

    report.in_step = sum(len(ids) for ids in in_step.values())
    if not dry_run:
        for group_value, ids in in_step.items():
            User.objects.filter(pk__in=ids, role_group=group_value).update(discord_synced_at=read_at)
    return report


def _member(user: User, roles: list[str] | None, *, now: dt.datetime) -> MemberRoles:
    return MemberRoles(
        username=user.username,
        discord_id=user.discord_id or "",
        group=RoleGroup(user.role_group),
        discord_roles=tuple(roles) if roles is not None else None,
        app_change_pending=app_change_pending(user, now=now),
    )


def _reconcile_settings(client: DiscordClient, guild_id: str) -> dict[str, RoleGroup]:
    """The managed roles, or ``DiscordNotConfigured`` naming every setting the reconcile lacks."""
    try:
        managed = parse_role_ids(settings.DISCORD_ROLE_IDS)
    except ImproperlyConfigured as exc:
        raise DiscordNotConfigured(f"Roles not reconciled: {exc}") from exc
    missing = [
        name
        for name, present in (
            ("DISCORD_BOT_TOKEN (the bot's token)", client.has_bot_token),
            ("DISCORD_GUILD_ID (the guild's Discord server)", bool(guild_id)),
            ("DISCORD_ROLE_IDS (which Discord role means which role group)", bool(managed)),
        )
        if not present
    ]
    if missing:
        raise DiscordNotConfigured(f"Roles not reconciled: set {' and '.join(missing)}.")
    return managed


def _member_roles(client: DiscordClient, guild_id: str, report: ReconcileReport) -> dict[str, list[str]]:
    """Every server member's Discord id and roles; a list Discord refuses is logged (unless a dry run) and raised."""
    try:
        members = client.list_members(guild_id=guild_id)
    except DiscordError as exc:
        if not report.dry_run:
            _log(
                report.run_id,
                user=None,
                direction=DiscordSyncLog.Direction.FROM_DISCORD,
                action=DiscordSyncLog.Action.READ_MEMBER,
                role="",
                message=f"Could not list the Discord server's members, so no role was reconciled: {_describe(exc)}",
                outcome=DiscordSyncLog.Result.FAILED,
                error=exc,
            )
        raise
    return {member["user"]["id"]: member["roles"] for member in members if "user" in member}


def _reconcile_push(
    client: DiscordClient,
    report: ReconcileReport,
    change: RoleChange,
    *,
    user: User,
    guild_id: str,
    managed: dict[str, RoleGroup],
    rate_limited: bool,
) -> bool:
    """Push one planned change and record how it went; whether Discord is now rate limiting.

    Seven parameters: the client and run, the change and whose, where, the role map, and the rate
    limit the run met so far (after one too long to wait out, the change is skipped, not tried).
    """
    if rate_limited:
        change.outcome, change.note = (
            Outcome.SKIPPED,
            "Discord is rate limiting or its edge is refusing the bot; the next reconcile tries again",
        )
        _log(
            report.run_id,
            user=user,
            action=DiscordSyncLog.Action.READ_MEMBER,
            role=user.role_group,
            message=f"Roles not pushed: {change.note}.",
            outcome=DiscordSyncLog.Result.SKIPPED,
        )
        return True
    pushed = PushResult(run_id=report.run_id)
    _change_roles(client, pushed, guild_id=guild_id, user=user, add=change.add, remove=change.remove, managed=managed)
    if pushed.skipped:
        change.outcome, change.note = Outcome.SKIPPED, "left the Discord server (10007)"
    elif pushed.failed:
        reasons = [str(code) for code in sorted(set(pushed.error_codes))]
        reasons += ["rate limited"] if pushed.rate_limited else []
        reasons += ["refused by Discord's edge (403, no code)"] if pushed.edge_blocked else []
        change.outcome, change.note = Outcome.FAILED, ", ".join(reasons) or "see the Discord sync log"
    else:
        change.outcome = Outcome.APPLIED
        _mark_in_step(user)
    return pushed.rate_limited or pushed.edge_blocked


def _reconcile_pull(
    report: ReconcileReport, change: RoleChange, *, user: User, roles: list[str], managed: dict[str, RoleGroup]
) -> None:
    """Pull one planned change; skipped when the app changed the user meanwhile (``_pull`` checks afresh)."""
    assert user.discord_id
    pulled = _pull(
        discord_id=user.discord_id,
        role_ids=roles,
        managed=managed,
        reason="Discord roles at reconcile",
        run_id=report.run_id,
    )
    if pulled.outcome == "changed":
        change.outcome = Outcome.APPLIED
    else:
        change.outcome, change.note = Outcome.SKIPPED, "changed in the app meanwhile"


# -- the sync log -------------------------------------------------------------------------------


def _describe(error: DiscordError) -> str:
    return f"HTTP {error.status or '-'} {error.kind}: {error.message}"


def _log(
    run_id: uuid.UUID,
    *,
    user: User | None,
    action: str,
    role: str,
    message: str,
    direction: str = DiscordSyncLog.Direction.TO_DISCORD,
    outcome: str = DiscordSyncLog.Result.OK,
    error: DiscordError | None = None,
) -> DiscordSyncLog:
    """One sync-log row. Eight parameters, one a column each: every caller says what happened, to whom."""
    return DiscordSyncLog.objects.create(
        run_id=run_id,
        user=user,
        discord_id=(user.discord_id or "") if user is not None else "",
        direction=direction,
        action=action,
        role=role,
        result=outcome,
        error_code=(error.code or None) if error is not None else None,  # a 429 carries code 0: no code
        message=message,
    )
