"""Raid nights from another tool's history, written as they happened (``dkp.switching`` calls this).

A guild moving in brings years of nights at once, so they are written with bulk statements: the
raids, then their ticks, then everyone present, then one ledger call for every credit. The rules are
the live ones (a tick's time within the game's years, a character once per tick, one credit per
owner per tick under their alphabetically first character) except one: a tick may be worth 0, for
a tool that counted attendance without points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dkp.core.errors import InvalidInput
from dkp.core.numbers import WholeNumber
from dkp.points.models import EntryKind
from dkp.points.services import PastEntry, record_past_entries
from dkp.raids.credits import IMPORTED_FROM, tick_cause
from dkp.raids.models import Event, Raid, RaidAttendance, RaidTick
from dkp.raids.services import MAX_TICK_VALUE, require_tick_time

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.characters.models import Character

PAST_TICK_VALUE = WholeNumber("A tick value", 0, MAX_TICK_VALUE, code="invalid_amount")


@dataclass(frozen=True)
class PastTick:
    occurred_at: dt.datetime
    value: int
    attendees: tuple[Character, ...]
    description: str = ""
    source_ref: str = ""  # the other tool's name for the tick, kept in each credit's memo


@dataclass(frozen=True)
class PastRaid:
    event: Event
    starts_at: dt.datetime
    ticks: tuple[PastTick, ...]
    note: str = ""


def record_past_raids(*, raids: Sequence[PastRaid], actor: User | None) -> list[tuple[Raid, list[RaidTick]]]:
    """Write the nights, their ticks and attendance, and credit every owner present; each raid is returned
    with its ticks, in the order given. Characters without an owner keep their attendance waiting, as
    for a tick taken tonight. Joins the caller's transaction."""
    for raid in raids:
        require_tick_time(raid.starts_at)
        for tick in raid.ticks:
            require_tick_time(tick.occurred_at)
            PAST_TICK_VALUE.parse(tick.value)
            names = [character.name.lower() for character in tick.attendees]
            if len(set(names)) != len(names):
                raise InvalidInput(f"A tick of {raid.event.name} lists a character twice.", code="duplicate_character")
    saved = Raid.objects.bulk_create(
        [Raid(event=raid.event, starts_at=raid.starts_at, note=raid.note[:300], created_by=actor) for raid in raids],
        batch_size=1000,
    )
    tick_rows = [
        RaidTick(
            raid=saved_raid,
            occurred_at=tick.occurred_at,
            value=tick.value,
            description=tick.description[:100],
            source_name=f"{IMPORTED_FROM}{tick.source_ref}"[:200] if tick.source_ref else "",
            created_by=actor,
        )
        for saved_raid, raid in zip(saved, raids, strict=True)
        for tick in raid.ticks
    ]
    saved_ticks = iter(RaidTick.objects.bulk_create(tick_rows, batch_size=1000))
    attendance: list[RaidAttendance] = []
    credits: list[PastEntry] = []
    by_raid: list[tuple[Raid, list[RaidTick]]] = []
    for saved_raid, raid in zip(saved, raids, strict=True):
        ticks = []
        for tick in raid.ticks:
            row = next(saved_ticks)
            ticks.append(row)
            first_character: dict[int, str] = {}
            for character in sorted(tick.attendees, key=lambda c: c.name.lower()):
                attendance.append(
                    RaidAttendance(
                        tick=row,
                        character=character,
                        user_id=character.owner_id,
                        character_name=character.name,
                        character_class=character.eq_class,
                        character_level=character.level,
                    )
                )
                if character.owner_id is not None:
                    first_character.setdefault(character.owner_id, character.name)
            if tick.value == 0:
                continue
            cause = tick_cause(row)
            credits.extend(
                PastEntry(
                    user_id=user_id,
                    pool_id=raid.event.pool_id,
                    kind=EntryKind.ATTENDANCE,
                    amount=tick.value,
                    character_name=name,
                    cause=cause,
                )
                for user_id, name in first_character.items()
            )
        by_raid.append((saved_raid, ticks))
    RaidAttendance.objects.bulk_create(attendance, batch_size=2000)
    record_past_entries(entries=credits, actor=actor)
    return by_raid
