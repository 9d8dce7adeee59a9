"""Attendance turned into points: raids hands the ledger plain facts (who, how much, for which tick).

Every credit of a tick goes through here, whether the tick was just taken, edited, a missed tick was
approved or a character that earned attendance unclaimed has found its owner.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dkp.points.models import DkpPool, EntryKind, PointEntry
from dkp.points.services import Cause, PastEntry, credit_attendance, locked_summary, record_past_entries
from dkp.raids.models import RaidAttendance, RaidTick

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.characters.models import Character


# A tick brought in from another tool names the tool's row in its source (``raids.history``), and its
# credits say it in their memo, whenever they are written: at the import, or when a member claims.
IMPORTED_FROM = "imported from "


def tick_memo(event_name: str, description: str, source_name: str) -> str:
    memo = f"{event_name}: {description or 'tick'}"
    if source_name.startswith(IMPORTED_FROM):
        memo = f"{memo} ({source_name.removeprefix(IMPORTED_FROM)})"
    return memo


def tick_cause(tick: RaidTick) -> Cause:
    """What a tick's credit records: the event and the tick, dated when the tick was held."""
    memo = tick_memo(tick.raid.event.name, tick.description, tick.source_name)
    return Cause(memo=memo, occurred_at=tick.occurred_at, tick_id=tick.pk)


def credit_tick(
    *, tick: RaidTick, actor: User | None, present: Sequence[RaidAttendance] | None = None
) -> list[PointEntry]:
    """Credit everyone with a claimed character at the tick who has not been credited for it.

    A user with several characters there is credited once, under their alphabetically first one.
    A tick worth nothing (attendance only, brought in from another tool) credits nobody.
    ``present``: the attendance rows of a tick written just now in this transaction, which nobody
    has been credited for yet (``record_tick``); otherwise they are read. Joins the caller's transaction.
    """
    if tick.value == 0:
        return []
    if present is None:
        rows = RaidAttendance.objects.filter(tick=tick, user__isnull=False).order_by("character_name")
        seen = list(rows.values_list("user_id", "character_name"))
    else:
        seen = sorted(((row.user_id, row.character_name) for row in present if row.user_id), key=lambda r: r[1])
    first_character: dict[int, str] = {}
    for user_id, character_name in seen:
        first_character.setdefault(user_id, character_name)
    return credit_attendance(
        pool=tick.raid.event.pool,
        amount=tick.value,
        credits=first_character,
        cause=tick_cause(tick),
        actor=actor,
        first_credits=present is not None,
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
    thousands of such rows, so they are read as plain values, moved in one UPDATE and credited in
    one ledger call. Joins the caller's transaction.
    """
    owner = character.owner
    if owner is None:
        return []
    waiting = RaidAttendance.objects.filter(character=character, user__isnull=True)
    pending = list(
        waiting.select_for_update(of=("self",))
        .order_by("tick__occurred_at", "tick_id")
        .values_list(
            "tick_id",
            "character_name",
            "tick__value",
            "tick__occurred_at",
            "tick__description",
            "tick__source_name",
            "tick__raid__event__name",
            "tick__raid__event__pool_id",
        )
    )
    if not pending:
        return []
    waiting.update(user=owner)
    # The owner is taken into the locked summaries before the check, as credit_attendance does.
    for pool_id in sorted({row[7] for row in pending}):
        locked_summary(user=owner, pool=DkpPool(pk=pool_id))
    credited = set(
        PointEntry.objects.filter(
            user=owner,
            kind=EntryKind.ATTENDANCE,
            reversed_by__isnull=True,
            tick__attendance__character=character,
        ).values_list("tick_id", flat=True)
    )
    credits = []
    for tick_id, character_name, value, occurred_at, description, source_name, event_name, pool_id in pending:
        if value == 0 or tick_id in credited:
            continue
        credited.add(tick_id)
        credits.append(
            PastEntry(
                user_id=owner.pk,
                pool_id=pool_id,
                kind=EntryKind.ATTENDANCE,
                amount=value,
                character_name=character_name,
                cause=Cause(
                    memo=tick_memo(event_name, description, source_name), occurred_at=occurred_at, tick_id=tick_id
                ),
            )
        )
    return record_past_entries(entries=credits, actor=actor)
