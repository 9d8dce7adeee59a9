"""The preview of an import: what EQ DKP would write from a source, and the proof for every balance.

Nothing here writes. ``build_plan`` matches the source's pools, events and characters to what is
already here, decides whose points each character's history becomes (its owner, the member an
officer mapped it to, or whoever later claims its main), rounds each entry to whole points, and
sets beside every member's (or unclaimed main's) balance in every pool the balance the source
itself computes. ``confirm_import`` (``services``) builds the plan again inside its transaction and
writes exactly what it says.

Rounding (docs/switching.md): each entry is rounded on its own, halves away from zero (2.5 → 3,
-12.5 → -13); then one "import rounding" adjustment per member (or unclaimed main) and pool brings the
total to the exact sum rounded the same way. What is left (the source counting something EQ DKP does
not, such as two characters of one member at one tick, or a row that could not be taken) is a
difference: listed, and it blocks confirm unless an officer accepts it with a reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db.models.functions import Lower

from dkp.characters.models import Character, EqClass
from dkp.core.time import game_time_problem
from dkp.points.models import DkpPool, UserPointsSummary
from dkp.points.services import MAX_ENTRY_POINTS
from dkp.raids.models import Event
from dkp.raids.services import MAX_TICK_VALUE
from dkp.sources.history import (
    SourceCharacter,
    SourceHistory,
    SourceLoot,
    SourceProblem,
    SourceRaid,
    SourceSystem,
    SourceTick,
    group_of,
)
from dkp.switching.models import RecordKind, SourceRecord

if TYPE_CHECKING:
    from dkp.accounts.models import User

NAME_LENGTH = Character._meta.get_field("name").max_length or 15
POOL_NAME_LENGTH = DkpPool._meta.get_field("name").max_length or 60
EVENT_NAME_LENGTH = Event._meta.get_field("name").max_length or 100
MAX_LEVEL = 130


def whole(value: Decimal) -> int:
    """A source's amount as whole points: halves away from zero (2.5 → 3, -2.5 → -3)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def points_text(value: Decimal) -> str:
    """An exact amount as people write it: 12.5, 3, -0.25."""
    text = format(value.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


@dataclass
class PoolLine:
    key: str
    name: str
    pool: DkpPool | None  # None: created by the import
    known: bool = False  # brought in by an earlier import of this source


@dataclass
class EventLine:
    key: str
    pool_key: str
    name: str
    default_tick_value: int
    event: Event | None
    known: bool = False


@dataclass
class CharacterLine:
    key: str
    name: str
    source: SourceCharacter
    main_key: str
    character: Character | None  # None: created by the import
    member: User | None  # whose points its history becomes at confirm; None: whoever claims its main
    how: str  # "owner", "mapped", "follows main", "waits for a claim"
    known: bool = False
    source_balances: dict[str, Decimal] = field(default_factory=dict)  # pool key -> the source's balance

    @property
    def status(self) -> str:
        if self.known:
            return "imported before"
        return "matched" if self.character is not None else "new"


@dataclass
class Target:
    """Whose balance a group of imported characters becomes: a member, or an unclaimed main."""

    key: str  # "member:<id>" or "main:<source key>"
    label: str
    member: User | None
    main_key: str | None


@dataclass
class BalanceLine:
    """One member's (or unclaimed main's) balance in one pool: the source's against EQ DKP's."""

    target: Target
    pool_key: str
    pool_name: str
    characters: list[str]
    source: Decimal  # what the source itself computes for these characters, summed
    exact: Decimal  # the exact sum of what EQ DKP takes from the source (each tick once per member)
    entries: int  # the sum of the rounded entries EQ DKP writes (this import and earlier ones)
    earlier_rounding: int
    rounding: int  # the import rounding entry this import writes
    rounding_character: str  # the key of the target's own character the rounding is written through
    now: int  # the member's balance before the import

    @property
    def imported(self) -> int:
        """What the source's history comes to here, once rounded: whole(exact)."""
        return self.entries + self.earlier_rounding + self.rounding

    @property
    def after(self) -> int:
        return self.now + self.imported - self.already_here

    already_here: int = 0  # the part of ``imported`` an earlier import already wrote

    @property
    def difference(self) -> int:
        """Source rounded minus EQ DKP's: 0 when only rounding separated them."""
        return whole(self.source) - whole(self.exact)


@dataclass
class TickRow:
    source: SourceTick
    value: int
    attendees: list[str]  # character keys
    known: bool


@dataclass
class RaidRow:
    source: SourceRaid
    event_key: str
    ticks: list[TickRow]
    known: bool


@dataclass
class PointRow:
    """A loot or adjustment row to write: ``amount`` is signed whole points (a price is negative)."""

    kind: str  # "loot" or "adjustment"
    key: str
    character_key: str
    pool_key: str
    amount: int
    exact: Decimal
    occurred_at: dt.datetime
    memo: str
    item_name: str = ""
    eq_item_id: int | None = None
    raid_key: str | None = None
    known: bool = False


@dataclass
class Plan:
    history: SourceHistory
    pools: list[PoolLine] = field(default_factory=list)
    events: list[EventLine] = field(default_factory=list)
    characters: list[CharacterLine] = field(default_factory=list)
    raids: list[RaidRow] = field(default_factory=list)
    points: list[PointRow] = field(default_factory=list)
    balances: list[BalanceLine] = field(default_factory=list)
    skipped: list[SourceProblem] = field(default_factory=list)

    @property
    def differences(self) -> list[BalanceLine]:
        return [line for line in self.balances if line.difference != 0]

    @property
    def blocking(self) -> list[SourceProblem]:
        """Problems that lost a row with points in it, which confirm needs an officer's word for."""
        return [problem for problem in self.skipped if blocks(problem)]

    @property
    def roundings(self) -> list[BalanceLine]:
        return [line for line in self.balances if line.rounding != 0]

    def counts(self) -> dict[str, dict[str, int]]:
        """Rows per kind: new ones, and ones already here (matched by name, or brought by an earlier import)."""
        ticks = [tick for raid in self.raids for tick in raid.ticks]
        kinds: dict[str, list[bool]] = {
            "pools": [line.known or line.pool is not None for line in self.pools],
            "events": [line.known or line.event is not None for line in self.events],
            "characters": [line.known or line.character is not None for line in self.characters],
            "raids": [raid.known for raid in self.raids],
            "ticks": [tick.known for tick in ticks],
            "loot": [row.known for row in self.points if row.kind == "loot"],
            "adjustments": [row.known for row in self.points if row.kind == "adjustment"],
        }
        new = {kind: flags.count(False) for kind, flags in kinds.items()}
        new["attendance"] = sum(len(tick.attendees) for tick in ticks if not tick.known)
        new["roundings"] = len(self.roundings)
        matched = {kind: flags.count(True) for kind, flags in kinds.items()}
        return {"new": new, "matched": matched}

    def character(self, key: str) -> CharacterLine:
        return self._by_key[key]

    @property
    def _by_key(self) -> dict[str, CharacterLine]:
        return {line.key: line for line in self.characters}


def _records(source_id: str) -> dict[tuple[str, str], SourceRecord]:
    return {(record.kind, record.key): record for record in SourceRecord.objects.filter(source_id=source_id)}


class _Builder:
    def __init__(self, history: SourceHistory, mapping: Mapping[str, User]) -> None:
        self.history = history
        self.mapping = {key.lower(): user for key, user in mapping.items()}
        self.plan = Plan(history=history, skipped=list(history.problems))
        self.records = _records(history.source_id)
        self.pools: dict[str, PoolLine] = {}
        self.events: dict[str, EventLine] = {}
        self.lines: dict[str, CharacterLine] = {}
        self.raid_pool: dict[str, str] = {}

    def ref(self, kind: str, key: str) -> str:
        """How a ledger memo names the source's row: "OpenDKP loot 93"."""
        return source_ref(self.history, kind, key)

    def skip(self, where: str, message: str, code: str) -> None:
        self.plan.skipped.append(SourceProblem(where=where, message=message, code=code))

    def known(self, kind: RecordKind, key: str) -> SourceRecord | None:
        return self.records.get((kind, record_key(key)))

    def time_ok(self, at: dt.datetime, *, where: str, what: str) -> bool:
        problem = game_time_problem(at, what=what) if at.tzinfo is not None else f"The time of {what} has no time zone."
        if problem:
            self.skip(where, f"{problem} Not taken.", "time_out_of_range")
        return not problem

    # -- pools and events ------------------------------------------------------------------------

    def build_pools(self) -> None:
        existing = {pool.name.lower(): pool for pool in DkpPool.objects.all()}
        by_id = {pool.pk: pool for pool in existing.values()}
        for source in self.history.pools:
            record = self.known(RecordKind.POOL, source.key)
            name = " ".join(source.name.split())
            if record is not None and record.object_id in by_id:
                line = PoolLine(source.key, by_id[record.object_id].name, by_id[record.object_id], known=True)
            elif not name:
                self.skip(f"pool {source.key}", "The pool has no name; its rows are not taken.", "pool_name_required")
                continue
            elif len(name) > POOL_NAME_LENGTH:
                self.skip(
                    f"pool {source.key}",
                    f"The pool name {name!r} is longer than {POOL_NAME_LENGTH} characters; its rows are not taken. "
                    "Rename it in the source and import again.",
                    "pool_name_too_long",
                )
                continue
            else:
                match = existing.get(name.lower())
                line = PoolLine(source.key, match.name if match else name, match)
            self.pools[source.key] = line
            self.plan.pools.append(line)

    def build_events(self) -> None:
        existing = {(event.pool_id, event.name.lower()): event for event in Event.objects.all()}
        by_id = {event.pk: event for event in existing.values()}
        for source in self.history.events:
            pool_line = self.pools.get(source.pool_key)
            if pool_line is None:
                self.skip(
                    f"event {source.key}",
                    f"The event {source.name!r} is in no pool that was taken.",
                    "event_without_pool",
                )
                continue
            record = self.known(RecordKind.EVENT, source.key)
            name = " ".join(source.name.split()) or "Raid"
            if len(name) > EVENT_NAME_LENGTH:
                self.skip(
                    f"event {source.key}",
                    f"The event name {name!r} is longer than {EVENT_NAME_LENGTH} characters; its raids are not taken.",
                    "event_name_too_long",
                )
                continue
            value = 1
            if source.default_value is not None and 1 <= whole(source.default_value) <= MAX_TICK_VALUE:
                value = whole(source.default_value)
            if record is not None and record.object_id in by_id:
                event = by_id[record.object_id]
                line = EventLine(source.key, source.pool_key, event.name, event.default_tick_value, event, known=True)
            else:
                match = existing.get((pool_line.pool.pk, name.lower())) if pool_line.pool is not None else None
                line = EventLine(source.key, source.pool_key, match.name if match else name, value, match)
            self.events[source.key] = line
            self.plan.events.append(line)

    # -- characters and whose points they become ---------------------------------------------------

    def build_characters(self) -> None:
        sources = self.history.characters
        groups = group_of(sources)
        recorded_ids = [
            record.object_id
            for (kind, _), record in self.records.items()
            if kind == RecordKind.CHARACTER and record.object_id is not None
        ]
        names = {" ".join(c.name.split()).lower() for c in sources}
        existing = {
            character.name.lower(): character
            for character in Character.objects.alias(lname=Lower("name"))
            .filter(lname__in=names)
            .select_related("owner")
        }
        by_id = {
            character.pk: character
            for character in Character.objects.filter(pk__in=recorded_ids).select_related("owner")
        }
        taken: dict[str, str] = {}
        for source in sources:
            where = f"character {source.name!r} ({source.key})"
            name = source.name.strip()
            record = self.known(RecordKind.CHARACTER, source.key)
            if record is not None and record.object_id in by_id:
                character: Character | None = by_id[record.object_id]
            elif not name or len(name) > NAME_LENGTH or not name.isalpha():
                said = f"The name {name!r} cannot be" if name else "A character without a name cannot be"
                self.skip(
                    where,
                    f"{said} an EverQuest character here (letters only, at most {NAME_LENGTH}); the character "
                    "and its history are not taken. Name it in the source and import again.",
                    "bad_character_name",
                )
                continue
            else:
                character = existing.get(name.lower())
            shown = character.name if character is not None else name[:1].upper() + name[1:]
            if shown.lower() in taken:
                self.skip(
                    where,
                    f"The source has two characters named {shown} ({taken[shown.lower()]} and {source.key}); "
                    "the second and its history are not taken.",
                    "duplicate_character",
                )
                continue
            taken[shown.lower()] = source.key
            line = CharacterLine(
                key=source.key,
                name=shown,
                source=source,
                main_key=groups[source.key],
                character=character,
                member=None,
                how="waits for a claim",
                known=record is not None,
            )
            self.lines[source.key] = line
        for (character_key, pool_key), amount in self.history.balances.items():
            if character_key in self.lines:
                self.lines[character_key].source_balances[pool_key] = amount
        for line in self.lines.values():
            if line.main_key not in self.lines:
                line.main_key = line.key  # its main was not taken: it stands alone
        self._decide_members()
        self.plan.characters = sorted(self.lines.values(), key=lambda line: line.name.lower())

    def _decide_members(self) -> None:
        for line in self.lines.values():
            owner = line.character.owner if line.character is not None else None
            mapped = self.mapping.get(line.key.lower()) or self.mapping.get(line.name.lower())
            if owner is not None:
                line.member, line.how = owner, "owner"
            elif mapped is not None:
                line.member, line.how = mapped, "mapped"
        for line in self.lines.values():
            if line.member is None and line.main_key != line.key:
                main = self.lines[line.main_key]
                if main.member is not None:
                    line.member, line.how = main.member, "follows main"

    def target_of(self, character_key: str) -> Target:
        line = self.lines[character_key]
        if line.member is not None:
            return Target(f"member:{line.member.pk}", line.member.name, line.member, None)
        main = self.lines[line.main_key]
        return Target(f"main:{main.key}", f"{main.name} (unclaimed)", None, main.key)

    # -- raids, loot, adjustments -----------------------------------------------------------------

    def build_raids(self) -> None:
        ticks_by_raid: dict[str, list[SourceTick]] = defaultdict(list)
        for tick in self.history.ticks:
            ticks_by_raid[tick.raid_key].append(tick)
        raid_keys = {raid.key for raid in self.history.raids}
        for raid_key, ticks in ticks_by_raid.items():
            if raid_key not in raid_keys:
                for tick in ticks:
                    self.skip(
                        f"tick {tick.key}", f"The tick's raid {raid_key} is not in the source.", "tick_without_raid"
                    )
        for raid in self.history.raids:
            where = f"raid {raid.key}"
            event = self.events.get(raid.event_key)
            ticks = ticks_by_raid.get(raid.key, [])
            if event is None:
                self.skip(
                    where,
                    f"The raid's event {raid.event_key} was not taken; "
                    f"the raid and its {len(ticks)} ticks are not taken.",
                    "raid_without_event",
                )
                continue
            if not self.time_ok(raid.starts_at, where=where, what="a raid's start"):
                continue
            raid_known = self.known(RecordKind.RAID, raid.key) is not None
            rows = []
            for tick in ticks:
                row = self._tick_row(tick, raid_known=raid_known)
                if row is not None:
                    rows.append(row)
            self.raid_pool[raid.key] = event.pool_key
            self.plan.raids.append(RaidRow(raid, raid.event_key, rows, raid_known))

    def _tick_row(self, tick: SourceTick, *, raid_known: bool) -> TickRow | None:
        where = f"tick {tick.key}"
        known = self.known(RecordKind.TICK, tick.key) is not None
        if raid_known and not known:
            self.skip(
                where,
                "The tick was added to a raid an earlier import already brought; it is not taken.",
                "tick_of_imported_raid",
            )
            return None
        value = whole(tick.value)
        if tick.value < 0 or value > MAX_TICK_VALUE:
            self.skip(
                where,
                f"A tick worth {points_text(tick.value)} cannot be taken (0 to {MAX_TICK_VALUE}).",
                "bad_tick_value",
            )
            return None
        if not self.time_ok(tick.occurred_at, where=where, what="a tick"):
            return None
        attendees = []
        seen: set[str] = set()
        for key in tick.attendee_keys:
            if key not in self.lines:
                continue  # a character not taken: listed once, with its balance, under skipped
            if key in seen:
                continue
            seen.add(key)
            attendees.append(key)
        return TickRow(tick, value, attendees, known)

    def build_points(self) -> None:
        for item in self.history.loot:
            row = self._loot_row(item)
            if row is not None:
                self.plan.points.append(row)
        for adjustment in self.history.adjustments:
            where = f"adjustment {adjustment.key}"
            if adjustment.character_key not in self.lines or adjustment.pool_key not in self.pools:
                if adjustment.pool_key not in self.pools:
                    self.skip(
                        where, f"The adjustment's pool {adjustment.pool_key} was not taken.", "adjustment_without_pool"
                    )
                continue
            if abs(adjustment.amount) > MAX_ENTRY_POINTS:
                self.skip(
                    where, f"An adjustment of {points_text(adjustment.amount)} is beyond any balance.", "bad_amount"
                )
                continue
            if not self.time_ok(adjustment.occurred_at, where=where, what="an adjustment"):
                continue
            reason = " ".join(adjustment.reason.split()) or "adjustment"
            self.plan.points.append(
                PointRow(
                    kind="adjustment",
                    key=adjustment.key,
                    character_key=adjustment.character_key,
                    pool_key=adjustment.pool_key,
                    amount=whole(adjustment.amount),
                    exact=adjustment.amount,
                    occurred_at=adjustment.occurred_at,
                    memo=f"{reason} ({self.ref('adjustment', adjustment.key)})",
                    known=self.known(RecordKind.ADJUSTMENT, adjustment.key) is not None,
                )
            )

    def _loot_row(self, item: SourceLoot) -> PointRow | None:
        where = f"loot {item.key}"
        if item.character_key not in self.lines:
            return None
        if item.pool_key not in self.pools:
            self.skip(where, f"The item's pool {item.pool_key} was not taken.", "loot_without_pool")
            return None
        name = " ".join(item.item_name.split())
        if not name:
            name = f"Unknown item {item.eq_item_id or item.key}"
            self.skip(where, f"The item has no name; it is taken as {name!r}, price and all.", "item_name_missing")
        if item.price < 0 or item.price > MAX_ENTRY_POINTS:
            self.skip(
                where, f"{name} for {points_text(item.price)} cannot be taken: a price is 0 or more.", "bad_price"
            )
            return None
        if not self.time_ok(item.occurred_at, where=where, what="a loot award"):
            return None
        return PointRow(
            kind="loot",
            key=item.key,
            character_key=item.character_key,
            pool_key=item.pool_key,
            amount=-whole(item.price),
            exact=-item.price,
            occurred_at=item.occurred_at,
            memo=self.ref("loot", item.key),
            item_name=name[:120],
            eq_item_id=item.eq_item_id if item.eq_item_id and item.eq_item_id > 0 else None,
            raid_key=item.raid_key,
            known=self.known(RecordKind.LOOT, item.key) is not None,
        )

    # -- the proof ----------------------------------------------------------------------------------

    def build_balances(self) -> None:
        targets: dict[str, Target] = {}
        chars: dict[str, list[str]] = defaultdict(list)
        for line in self.lines.values():
            target = self.target_of(line.key)
            targets[target.key] = target
            chars[target.key].append(line.key)
        exact: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        entries: dict[tuple[str, str], int] = defaultdict(int)
        here: dict[tuple[str, str], int] = defaultdict(int)
        for raid in self.plan.raids:
            pool_key = self.raid_pool[raid.source.key]
            for tick in raid.ticks:
                for target_key in {self.target_of(key).key for key in tick.attendees}:
                    exact[(target_key, pool_key)] += tick.source.value
                    entries[(target_key, pool_key)] += tick.value
                    if tick.known:
                        here[(target_key, pool_key)] += tick.value
        for row in self.plan.points:
            key = (self.target_of(row.character_key).key, row.pool_key)
            exact[key] += row.exact
            entries[key] += row.amount
            if row.known:
                here[key] += row.amount
        source: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for (character_key, pool_key), balance in self.history.balances.items():
            if character_key in self.lines and pool_key in self.pools:
                source[(self.target_of(character_key).key, pool_key)] += balance
            else:
                self._lost(character_key, pool_key, balance)
        earlier = {
            key: record.amount or 0 for (kind, key), record in self.records.items() if kind == RecordKind.ROUNDING
        }  # keyed by record_key(rounding_key(...)), as the lookups below ask
        balances_now = self._balances_now(targets.values())
        for key in sorted(set(exact) | set(source), key=lambda k: (targets[k[0]].label.lower(), k[1])):
            target_key, pool_key = key
            target = targets[target_key]
            pool_line = self.pools[pool_key]
            # Earlier roundings are recorded per target: a member's own, and those of unclaimed mains
            # that have since become theirs (a main claimed between two imports brings its rounding).
            own = sorted(chars[target_key], key=lambda c: (self.lines[c].main_key != c, self.lines[c].name.lower()))
            prior = earlier.get(record_key(rounding_key(target_key, pool_key)), 0)
            if target.member is not None:
                prior += sum(
                    earlier.get(record_key(rounding_key(f"main:{c}", pool_key)), 0)
                    for c in own
                    if self.lines[c].main_key == c
                )
            rounding = whole(exact[key]) - entries[key] - prior
            names = sorted(self.lines[c].name for c in chars[target_key])
            main = self.lines[target.main_key].name if target.main_key else None
            if main in names:
                names.remove(main)
                names.insert(0, main)
            self.plan.balances.append(
                BalanceLine(
                    target=target,
                    pool_key=pool_key,
                    pool_name=pool_line.name,
                    characters=names,
                    source=source[key],
                    exact=exact[key],
                    entries=entries[key],
                    earlier_rounding=prior,
                    rounding=rounding,
                    rounding_character=target.main_key or own[0],
                    now=balances_now.get((target.member.pk, pool_line.pool.pk), 0)
                    if target.member is not None and pool_line.pool is not None
                    else 0,
                    already_here=here[key] + prior,
                )
            )

    def _lost(self, character_key: str, pool_key: str, balance: Decimal) -> None:
        character = next((c for c in self.history.characters if c.key == character_key), None)
        name = character.name if character else character_key
        self.skip(
            f"character {name!r} ({character_key})",
            f"Its balance of {points_text(balance)} in the source does not come across: the character or the "
            "pool was not taken.",
            "balance_not_taken",
        )

    @staticmethod
    def _balances_now(targets: Iterable[Target]) -> dict[tuple[int, int], int]:
        members = [target.member.pk for target in targets if target.member is not None]
        return {
            (row["user_id"], row["pool_id"]): row["balance"]
            for row in UserPointsSummary.objects.filter(user_id__in=members).values("user_id", "pool_id", "balance")
        }


SYSTEM_NAMES = {
    SourceSystem.OPENDKP: "OpenDKP",
    SourceSystem.EQDKP_PLUS: "EQdkp Plus",
    SourceSystem.SPREADSHEET: "spreadsheet",
    SourceSystem.EQ_DKP: "EQ DKP export",
}


def source_ref(history: SourceHistory, kind: str, key: str) -> str:
    return f"{SYSTEM_NAMES.get(history.system, str(history.system))} {kind} {key}"


# Problems that lose no points: a name, class, level or rank kept as it is or left empty, a file the
# source does not have, a column or file not read, a row kept with a change the problem says. Every
# other problem (a tick, item or adjustment left out) needs the officer's reason to confirm, as a
# difference does. A code not listed here counts as lost, so a new reader's problem is never waved by.
NOTE_CODES = frozenset(
    {
        "missing_file", "unknown_file", "unknown_column", "unnamed_column", "empty_file", "not_utf8",
        "not_an_eq_name", "unknown_class", "no_class", "bad_profile", "unknown_rank", "missing_main",
        "unknown_main", "duplicate_name", "item_without_raid", "missing_item", "item_name_missing",
        "duplicate_attendance", "duplicate_attendee",
    }
)  # fmt: skip


def blocks(problem: SourceProblem) -> bool:
    # A characters.csv row left out loses no points: its character still comes from the other files.
    return problem.code not in NOTE_CODES and not problem.where.startswith("characters.csv")


KEY_LENGTH = SourceRecord._meta.get_field("key").max_length or 200


def record_key(key: str) -> str:
    """A source's key as its record keeps it: as it is, or, when longer than the column, its start
    and a digest of the whole (a spreadsheet's raid and tick names can be long)."""
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"{key[: KEY_LENGTH - 25]}~{digest}"


def rounding_key(target_key: str, pool_key: str) -> str:
    """A rounding's record: per target (``member:<id>`` or ``main:<source key>``) and pool."""
    return f"{target_key}|{pool_key}"


def class_of(source: SourceCharacter) -> str:
    return source.eq_class if source.eq_class in EqClass.values else ""


def level_of(source: SourceCharacter) -> int:
    return source.level if source.level is not None and 1 <= source.level <= MAX_LEVEL else 1


def build_plan(history: SourceHistory, *, mapping: Mapping[str, User] | None = None) -> Plan:
    """What importing ``history`` would write, with every balance proved. Writes nothing.

    ``mapping`` gives characters (by the source's key or by name, any case) to members before the
    import; a character an existing member already owns is theirs without it.
    """
    builder = _Builder(history, mapping or {})
    builder.build_pools()
    builder.build_events()
    builder.build_characters()
    builder.build_raids()
    builder.build_points()
    builder.build_balances()
    return builder.plan
