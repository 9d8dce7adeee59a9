"""Raid nights and ticks: recording who was there and crediting them through the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from dkp.characters.models import Character, EqClass
from dkp.core.audit import field_changes, record_audit
from dkp.core.errors import Conflict, InvalidInput
from dkp.core.numbers import WholeNumber
from dkp.core.roles import Capability, require
from dkp.core.time import guild_zone, require_game_time
from dkp.points.models import DkpPool, EntryKind, PointEntry
from dkp.points.services import reverse_entry_in_transaction
from dkp.raids.credits import credit_tick
from dkp.raids.models import Event, Raid, RaidAttendance, RaidTick

if TYPE_CHECKING:
    from dkp.accounts.models import User

# What one tick may be worth, and so an event's points per tick; every door reads this rule.
MAX_TICK_VALUE = 100_000
TICK_VALUE = WholeNumber("A tick value", 1, MAX_TICK_VALUE, code="invalid_amount")


# A tick taken into a raid night more than this far from the night's start is probably a dump from
# another day (a file from last week uploaded into tonight's raid): the preview says so, and saving
# it needs the officer's explicit word (``other_day=True``). Twelve hours covers a long night's last
# tick and a raid night made a little late or early, and is still well short of the next day's raid.
OTHER_DAY_AFTER = dt.timedelta(hours=12)


def other_day_warning(*, raid: Raid, at: dt.datetime | None) -> str:
    """The sentence that says a tick time is far from its raid night's start; empty when it is not."""
    if at is None or abs(at - raid.starts_at) <= OTHER_DAY_AFTER:
        return ""
    zone = guild_zone()
    tick, night = at.astimezone(zone), raid.starts_at.astimezone(zone)
    apart = abs(at - raid.starts_at)
    distance = f"{apart.days} days" if apart.days >= 2 else f"{int(apart.total_seconds() // 3600)} hours"
    side = "before" if at < raid.starts_at else "after"
    return (
        f"The tick time {_day_and_time(tick)} ({tick.tzname()}) is {distance} {side} the start of this raid "
        f"night ({_day_and_time(night)}). Check that this is the right raid night; to take it into this one "
        "anyway, confirm that the attendance is from another day."
    )


def _day_and_time(at: dt.datetime) -> str:
    return f"{at:%a %b} {at.day}, {at:%Y %H:%M}"


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
    if not event.is_active:
        raise InvalidInput(
            f"The event {event.name} is retired; raids are made for active events.", code="event_inactive"
        )
    if timezone.is_naive(starts_at):
        raise InvalidInput("A raid's start needs a time zone.", code="invalid_time")
    require_game_time(starts_at, what="a raid's start")
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


@transaction.atomic(savepoint=False)  # inside another service's transaction, it is part of that one
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
    digest_checked: bool = False,
) -> RaidTick:
    """Save a tick with its attendance and credit every owner present, in one transaction.

    ``digest_checked``: the caller has made sure, in this transaction and under its lock, that no
    tick holds ``source_digest`` yet (the dump ingest does), so it is not looked up again.
    """
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    attendees = list(attendees)
    if not attendees:
        raise InvalidInput("A tick needs at least one character present.", code="empty_tick")
    require_tick_time(occurred_at)
    seen: set[str] = set()
    for attendee in attendees:
        if attendee.eq_class not in EqClass.values:
            raise InvalidInput(f"{attendee.name}: {attendee.eq_class!r} is not an EverQuest class.", code="bad_class")
        if attendee.name.lower() in seen:
            raise InvalidInput(f"{attendee.name} is listed twice.", code="duplicate_character")
        seen.add(attendee.name.lower())
    value = TICK_VALUE.parse(raid.event.default_tick_value if value is None else value)
    if source_digest and not digest_checked and RaidTick.objects.filter(source_digest=source_digest).exists():
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
    rows = [
        RaidAttendance(
            tick=tick,
            character=characters[a.name.lower()],
            user_id=characters[a.name.lower()].owner_id,
            character_name=characters[a.name.lower()].name,
            character_class=a.eq_class,
            character_level=a.level,
        )
        for a in attendees
    ]
    RaidAttendance.objects.bulk_create(rows)
    credit_tick(tick=tick, actor=actor, present=rows)
    return tick


def _require_value(value: object) -> int:
    return TICK_VALUE.parse(value)


def require_tick_time(occurred_at: dt.datetime) -> None:
    """A tick happened between EverQuest's launch and now (``dkp.core.time.require_game_time``)."""
    if timezone.is_naive(occurred_at):
        raise InvalidInput("A tick's time needs a time zone.", code="invalid_time")
    require_game_time(occurred_at, what="a tick")


def _reverse_credits(*, tick: RaidTick, user_ids: Iterable[int] | None, actor: User | None, reason: str) -> int:
    """Reverse the live attendance credits of the tick (of these users, or everyone's); returns how many."""
    live = PointEntry.objects.filter(tick=tick, kind=EntryKind.ATTENDANCE, reversed_by__isnull=True).order_by("user_id")
    if user_ids is not None:
        live = live.filter(user_id__in=list(user_ids))
    count = 0
    for entry in live:
        reverse_entry_in_transaction(entry=entry, actor=actor, reason=reason)
        count += 1
    return count


def _locked_tick(tick: RaidTick) -> RaidTick:
    return RaidTick.objects.select_for_update(of=("self",)).select_related("raid__event__pool").get(pk=tick.pk)


@transaction.atomic
def edit_tick(
    *,
    tick: RaidTick,
    actor: User | None,
    value: int | None = None,
    description: str | None = None,
    occurred_at: dt.datetime | None = None,
    add_names: Iterable[str] = (),
    remove_names: Iterable[str] = (),
) -> RaidTick:
    """Change a tick: its value, description, time or who was there. Credits move only through the ledger.

    A new value or time reverses every live credit of the tick and credits again (entries carry both);
    a removed character reverses their owner's credit, which is given back when another of the owner's
    characters is still present; an added character (an existing one) is credited as any tick credits.
    """
    from dkp.raids.tasks import refresh_attendance_after_commit

    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    tick = _locked_tick(tick)
    reason = f"tick {tick.pk} edited"
    changed_credit = False
    if value is not None and _require_value(value) != tick.value:
        tick.value = value
        changed_credit = True
    if occurred_at is not None and occurred_at != tick.occurred_at:
        require_tick_time(occurred_at)
        tick.occurred_at = occurred_at
        changed_credit = True
    if description is not None:
        tick.description = description.strip()[:100]
    present = {
        row.character_name.lower(): row for row in RaidAttendance.objects.filter(tick=tick).select_related("character")
    }
    remove = {name.strip().lower() for name in remove_names if name.strip()}
    unknown = sorted(remove - present.keys())
    if unknown:
        raise InvalidInput(f"Not at this tick: {', '.join(unknown)}.", code="not_present")
    add = {name.strip().lower(): name.strip() for name in add_names if name.strip()}
    already = sorted(add[k] for k in add.keys() & (present.keys() - remove))
    if already:
        raise InvalidInput(f"Already at this tick: {', '.join(already)}.", code="duplicate_character")
    characters = {
        c.name.lower(): c
        for c in Character.objects.annotate(lname=Lower("name")).filter(lname__in=add.keys()).select_related("owner")
    }
    missing = sorted(add[k] for k in add.keys() - characters.keys())
    if missing:
        raise InvalidInput(
            f"No character named {', '.join(missing)}; characters come from raid and guild dumps.",
            code="unknown_character",
        )
    if len(present) - len(remove) + len(add) < 1:
        raise InvalidInput("A tick needs at least one character present; delete the tick instead.", code="empty_tick")
    tick.save(update_fields=["value", "occurred_at", "description", "updated_at"])
    if changed_credit:
        _reverse_credits(tick=tick, user_ids=None, actor=actor, reason=reason)
    elif remove:
        owners = {user_id for k in remove if (user_id := present[k].user_id) is not None}
        _reverse_credits(tick=tick, user_ids=owners, actor=actor, reason=reason)
    if remove:
        RaidAttendance.objects.filter(pk__in=[present[k].pk for k in remove]).delete()
    RaidAttendance.objects.bulk_create(
        RaidAttendance(
            tick=tick,
            character=c,
            user=c.owner,
            character_name=c.name,
            character_class=c.eq_class,
            character_level=c.level,
        )
        for c in characters.values()
    )
    credit_tick(tick=tick, actor=actor)
    if remove or add or changed_credit:
        refresh_attendance_after_commit()
    return tick


@transaction.atomic
def delete_tick(*, tick: RaidTick, actor: User | None, reason: str = "") -> None:
    """Take a tick back: every credit it gave is reversed and its attendance removed.

    The ledger keeps its entries (and they point at the tick), so a tick that ever credited anyone
    stays as a row with no attendance: a tick nobody attended, which no attendance count holds.
    Its digest is cleared so the same dump can be taken again. A tick that never credited anyone
    is deleted outright.
    """
    from dkp.raids.models import MissedTickRequest
    from dkp.raids.tasks import refresh_attendance_after_commit

    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    tick = _locked_tick(tick)
    if not RaidAttendance.objects.filter(tick=tick).exists():
        raise Conflict("This tick was already deleted.", code="tick_deleted")
    _reverse_credits(tick=tick, user_ids=None, actor=actor, reason=(reason or "").strip() or f"tick {tick.pk} deleted")
    RaidAttendance.objects.filter(tick=tick).delete()
    referenced = PointEntry.objects.filter(tick=tick).exists() or MissedTickRequest.objects.filter(tick=tick).exists()
    if referenced:
        tick.source_digest = ""
        tick.save(update_fields=["source_digest", "updated_at"])
    else:
        tick.delete()
    refresh_attendance_after_commit()


def _event_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("An event needs a name.", code="name_required")
    longest = Event._meta.get_field("name").max_length or 100
    if len(name) > longest:
        raise InvalidInput(f"An event's name must be at most {longest} characters.", code="name_too_long")
    return name


@transaction.atomic
def create_event(*, pool: DkpPool, name: str, default_tick_value: int | str, actor: User) -> Event:
    require(actor, Capability.MANAGE_GUILD)
    name = _event_name(name)
    default_tick_value = TICK_VALUE.parse(default_tick_value)  # an event's value becomes its ticks' value
    if Event.objects.filter(pool=pool, name__iexact=name).exists():
        raise Conflict(f"{pool.name} already has an event named {name}.", code="duplicate_event")
    event = Event.objects.create(pool=pool, name=name, default_tick_value=default_tick_value)
    record_audit(
        actor=actor,
        action="event.create",
        target=f"{event.name} ({pool.name})",
        changes=field_changes({}, {"name": name, "pool": pool.name, "default_tick_value": default_tick_value}),
    )
    return event


@transaction.atomic
def update_event(
    *, event: Event, actor: User, name: str, pool: DkpPool, default_tick_value: int | str, is_active: bool
) -> Event:
    """Rename an event, change its usual points per tick, retire it, or (before its first raid) move its pool.

    Ticks already taken keep their own value. An event with raid nights keeps its pool: their
    points are in that pool's ledger, and an event in a new pool is a new event.
    """
    require(actor, Capability.MANAGE_GUILD)
    name = _event_name(name)
    value = TICK_VALUE.parse(default_tick_value)
    event = Event.objects.select_for_update().select_related("pool").get(pk=event.pk)
    if pool.pk != event.pool_id and Raid.objects.filter(event=event).exists():
        raise Conflict(
            f"{event.name} already has raid nights in {event.pool.name}, so it stays in that pool; "
            "make a new event for the other pool.",
            code="event_has_raids",
        )
    if Event.objects.filter(pool=pool, name__iexact=name).exclude(pk=event.pk).exists():
        raise Conflict(f"{pool.name} already has an event named {name}.", code="duplicate_event")
    before = {
        "name": event.name,
        "pool": event.pool.name,
        "default_tick_value": event.default_tick_value,
        "is_active": event.is_active,
    }
    changed = field_changes(
        before, {"name": name, "pool": pool.name, "default_tick_value": value, "is_active": is_active}
    )
    if changed:
        event.name, event.pool, event.default_tick_value, event.is_active = name, pool, value, is_active
        event.save(update_fields=["name", "pool", "default_tick_value", "is_active", "updated_at"])
        record_audit(actor=actor, action="event.update", target=f"{before['name']} ({before['pool']})", changes=changed)
    return event
