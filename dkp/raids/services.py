"""Raid nights and ticks: recording who was there and crediting them through the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models.functions import Lower

from dkp.characters.models import Character, EqClass
from dkp.core.errors import Conflict, InvalidInput
from dkp.core.roles import Capability, require
from dkp.points.services import credit_tick
from dkp.raids.models import Event, Raid, RaidAttendance, RaidTick

if TYPE_CHECKING:
    from dkp.accounts.models import User


@dataclass(frozen=True)
class Attendee:
    """A character seen at a tick, as a dump or an officer names it."""

    name: str
    eq_class: str
    level: int


@transaction.atomic
def create_raid(*, event: Event, starts_at: dt.datetime, note: str = "", actor: User | None) -> Raid:
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    return Raid.objects.create(event=event, starts_at=starts_at, note=note[:300], created_by=actor)


def _characters_for(attendees: list[Attendee]) -> dict[str, Character]:
    """The characters named, by lower-case name; unknown ones are created unclaimed."""
    names = {a.name.lower() for a in attendees}
    found: dict[str, Character] = {
        c.name.lower(): c
        for c in Character.objects.annotate(lname=Lower("name")).filter(lname__in=names).select_related("owner")
    }
    for attendee in attendees:
        if attendee.name.lower() not in found:
            found[attendee.name.lower()] = Character.objects.create(
                name=attendee.name, eq_class=attendee.eq_class, level=attendee.level
            )
    return found


@transaction.atomic
def record_tick(
    *,
    raid: Raid,
    occurred_at: dt.datetime,
    attendees: Iterable[Attendee],
    actor: User | None,
    value: int | None = None,
    description: str = "",
    source_name: str = "",
    source_digest: str = "",
) -> RaidTick:
    """Save a tick with its attendance and credit every owner present, in one transaction."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    attendees = list(attendees)
    if not attendees:
        raise InvalidInput("A tick needs at least one character present.", code="empty_tick")
    seen: set[str] = set()
    for attendee in attendees:
        if attendee.eq_class not in EqClass.values:
            raise InvalidInput(f"{attendee.name}: {attendee.eq_class!r} is not an EverQuest class.", code="bad_class")
        if attendee.name.lower() in seen:
            raise InvalidInput(f"{attendee.name} is listed twice.", code="duplicate_character")
        seen.add(attendee.name.lower())
    value = raid.event.default_tick_value if value is None else value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(
            f"A tick is worth a whole number of points above zero, not {value!r}.", code="invalid_amount"
        )
    if source_digest and RaidTick.objects.filter(source_digest=source_digest).exists():
        raise Conflict(f"This raid dump ({source_name or 'file'}) was already taken for a tick.", code="duplicate_dump")
    tick = RaidTick.objects.create(
        raid=raid,
        occurred_at=occurred_at,
        value=value,
        description=description[:100],
        source_name=source_name[:200],
        source_digest=source_digest,
        created_by=actor,
    )
    characters = _characters_for(attendees)
    RaidAttendance.objects.bulk_create(
        RaidAttendance(
            tick=tick,
            character=characters[a.name.lower()],
            user=characters[a.name.lower()].owner,
            character_name=characters[a.name.lower()].name,
            character_class=a.eq_class,
            character_level=a.level,
        )
        for a in attendees
    )
    credit_tick(tick=tick, actor=actor)
    return tick
