"""Attendance turned into points: raids hands the ledger plain facts (who, how much, for which tick).

Every credit of a tick goes through here, whether the tick was just taken, edited, a missed tick was
approved or a character that earned attendance unclaimed has found its owner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dkp.points.models import EntryKind, PointEntry
from dkp.points.services import Cause, PastEntry, credit_attendance, locked_summary, record_past_entries
from dkp.raids.models import RaidAttendance, RaidTick

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.characters.models import Character


# A tick brought in from another tool names the tool's row in its source (``raids.history``), and its
# credits say it in their memo, whenever they are written: at the import, or when a member claims.
IMPORTED_FROM = "imported from "


def tick_cause(tick: RaidTick) -> Cause:
    """What a tick's credit records: the event and the tick, dated when the tick was held."""
    memo = f"{tick.raid.event.name}: {tick.description or 'tick'}"
    if tick.source_name.startswith(IMPORTED_FROM):
        memo = f"{memo} ({tick.source_name.removeprefix(IMPORTED_FROM)})"
    return Cause(memo=memo, occurred_at=tick.occurred_at, tick_id=tick.pk)


def credit_tick(*, tick: RaidTick, actor: User | None) -> list[PointEntry]:
    """Credit everyone with a claimed character at the tick who has not been credited for it.

    A user with several characters there is credited once, under their alphabetically first one.
    A tick worth nothing (attendance only, brought in from another tool) credits nobody.
    Joins the caller's transaction.
    """
    if tick.value == 0:
        return []
    first_character: dict[int, str] = {}
    present = RaidAttendance.objects.filter(tick=tick, user__isnull=False).order_by("character_name")
    for user_id, character_name in present.values_list("user_id", "character_name"):
        first_character.setdefault(user_id, character_name)
    return credit_attendance(
        pool=tick.raid.event.pool, amount=tick.value, credits=first_character, cause=tick_cause(tick), actor=actor
    )


def credit_user(*, user: User, tick: RaidTick, character_name: str, actor: User | None) -> PointEntry | None:
    """Credit one user for one tick, unless they already hold a live credit for it (or it is worth nothing)."""
    if tick.value == 0:
        return None
    entries = credit_attendance(
        pool=tick.raid.event.pool,
        amount=tick.value,
        credits={user.pk: character_name},
        cause=tick_cause(tick),
        actor=actor,
    )
    return entries[0] if entries else None


def credit_pending_attendance(*, character: Character, actor: User | None) -> list[PointEntry]:
    """Give the owner the attendance the character earned while unclaimed, each tick once.

    Rows stay with whoever owned the character at the time; only rows with no user are taken.
    The credit keeps the tick's own date. A character brought in with years of history has
    thousands of such rows, so they move in one UPDATE and their credits in one ledger call.
    Joins the caller's transaction.
    """
    owner = character.owner
    if owner is None:
        return []
    pending = list(
        RaidAttendance.objects.select_for_update(of=("self",))
        .filter(character=character, user__isnull=True)
        .select_related("tick__raid__event__pool")
        .order_by("tick__occurred_at", "tick_id")
    )
    if not pending:
        return []
    RaidAttendance.objects.filter(pk__in=[row.pk for row in pending]).update(user=owner)
    # The owner is taken into the locked summaries before the check, as credit_attendance does.
    pools = {row.tick.raid.event.pool for row in pending}
    for pool in sorted(pools, key=lambda pool: pool.pk):
        locked_summary(user=owner, pool=pool)
    credited = set(
        PointEntry.objects.filter(
            user=owner,
            kind=EntryKind.ATTENDANCE,
            reversed_by__isnull=True,
            tick_id__in=[row.tick_id for row in pending],
        ).values_list("tick_id", flat=True)
    )
    credits = []
    for row in pending:
        if row.tick.value == 0 or row.tick_id in credited:
            continue
        credited.add(row.tick_id)
        credits.append(
            PastEntry(
                user_id=owner.pk,
                pool_id=row.tick.raid.event.pool_id,
                kind=EntryKind.ATTENDANCE,
                amount=row.tick.value,
                character_name=row.character_name,
                cause=tick_cause(row.tick),
            )
        )
    return record_past_entries(entries=credits, actor=actor)
