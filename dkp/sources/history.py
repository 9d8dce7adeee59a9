"""The neutral form every reader produces: a guild's pools, events, characters, raids with ticks,
loot and adjustments, as the source recorded them, with the source's own balances beside them.

Amounts are ``Decimal``: both peers store fractional DKP (a tick of 2.5, an item for 12.5), and
EQ DKP decides how to round when it imports (``dkp.switching``), not the reader. Times are aware
datetimes in UTC. Keys are the source's own ids as text, so every imported row can name the row it
came from.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class SourceSystem(StrEnum):
    OPENDKP = "opendkp"
    EQDKP_PLUS = "eqdkp"
    SPREADSHEET = "csv"
    EQ_DKP = "eqdkp-export"  # EQ DKP's own export_guild document


class SourceError(ValueError):
    """The source cannot be read at all (not a dump, no such table, a guild that is not there).

    ``code`` is stable for callers; the message says what is wrong, for people.
    """

    def __init__(self, message: str, *, code: str, where: str = "") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message
        self.code = code
        self.where = where


@dataclass(frozen=True)
class SourceProblem:
    """One row the reader could not take as it stands: where it is, what is wrong, a stable code.

    ``where`` names the row as a person would find it: ``items_x_characters row 12 (transaction_id 93)``,
    ``loot.csv line 7``.
    """

    where: str
    message: str
    code: str


@dataclass(frozen=True)
class SourcePool:
    key: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class SourceEvent:
    """A kind of raid in a pool; ``default_value`` is the source's usual value per tick, if it has one."""

    key: str
    pool_key: str
    name: str
    default_value: Decimal | None = None


@dataclass(frozen=True)
class SourceCharacter:
    """A character as the source knew it. ``eq_class`` is spelled as ``dkp.eqlog.classes`` spells it,
    or empty when the source does not say; ``main_key`` is the main's key for an alt, None for a main."""

    key: str
    name: str
    eq_class: str = ""
    level: int | None = None
    race: str = ""
    main_key: str | None = None
    active: bool = True
    rank: str = ""


@dataclass(frozen=True)
class SourceRaid:
    key: str
    event_key: str
    starts_at: dt.datetime
    note: str = ""


@dataclass(frozen=True)
class SourceTick:
    """A moment that credited ``value`` to each attendee. A source whose raid is one value for the
    whole night (EQdkp Plus) gives one tick per raid."""

    key: str
    raid_key: str
    occurred_at: dt.datetime
    value: Decimal
    description: str = ""
    attendee_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceLoot:
    """An item a character bought, in a pool, at a price; ``raid_key`` None when the source has no raid."""

    key: str
    character_key: str
    item_name: str
    price: Decimal
    pool_key: str
    occurred_at: dt.datetime
    raid_key: str | None = None
    eq_item_id: int | None = None


@dataclass(frozen=True)
class SourceAdjustment:
    key: str
    character_key: str
    pool_key: str
    amount: Decimal
    reason: str
    occurred_at: dt.datetime


BalanceKey = tuple[str, str]  # (character key, pool key)


@dataclass
class SourceHistory:
    """Everything one reader took from one source.

    ``source_id`` names the source so that importing it again is recognised (``opendkp:guild-db/client 3``);
    ``balances`` is what the source itself says each character has in each pool, computed with the
    source's own arithmetic, so the importer can prove it brought every point across.
    """

    system: SourceSystem
    source_id: str
    label: str
    pools: list[SourcePool] = field(default_factory=list)
    events: list[SourceEvent] = field(default_factory=list)
    characters: list[SourceCharacter] = field(default_factory=list)
    raids: list[SourceRaid] = field(default_factory=list)
    ticks: list[SourceTick] = field(default_factory=list)
    loot: list[SourceLoot] = field(default_factory=list)
    adjustments: list[SourceAdjustment] = field(default_factory=list)
    problems: list[SourceProblem] = field(default_factory=list)
    balances: dict[BalanceKey, Decimal] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many of each kind, for the preview."""
        return {
            "pools": len(self.pools),
            "events": len(self.events),
            "characters": len(self.characters),
            "raids": len(self.raids),
            "ticks": len(self.ticks),
            "attendance": sum(len(tick.attendee_keys) for tick in self.ticks),
            "loot": len(self.loot),
            "adjustments": len(self.adjustments),
        }


def balances_from_rows(
    *,
    ticks: Iterable[SourceTick],
    tick_pool: dict[str, str],
    loot: Iterable[SourceLoot],
    adjustments: Iterable[SourceAdjustment],
) -> dict[BalanceKey, Decimal]:
    """Earned - spent + adjusted per character and pool, each attendee credited the tick's value.

    ``tick_pool`` maps a tick's key to its pool's key. Pairs that come to exactly zero are left out.
    Readers whose source computes balances this way (both peers do) use it; a reader whose source
    stores balances of its own reads those instead.
    """
    totals: dict[BalanceKey, Decimal] = defaultdict(Decimal)
    for tick in ticks:
        pool_key = tick_pool[tick.key]
        for character_key in tick.attendee_keys:
            totals[(character_key, pool_key)] += tick.value
    for item in loot:
        totals[(item.character_key, item.pool_key)] -= item.price
    for adjustment in adjustments:
        totals[(adjustment.character_key, adjustment.pool_key)] += adjustment.amount
    return {key: value for key, value in totals.items() if value != 0}


def group_of(characters: Iterable[SourceCharacter]) -> dict[str, str]:
    """Each character's group: the key of its main (itself for a main).

    A link to a character the source does not have, or a chain that loops, leaves the character as
    its own main; an alt of an alt belongs to the first main up the chain.
    """
    by_key = {character.key: character for character in characters}
    groups: dict[str, str] = {}
    for key in by_key:
        seen = [key]
        current = by_key[key]
        while current.main_key is not None and current.main_key in by_key and current.main_key not in seen:
            seen.append(current.main_key)
            current = by_key[current.main_key]
        if current.main_key is not None and current.main_key in seen:
            groups[key] = key  # a loop: nobody in it is anybody's main
        else:
            groups[key] = current.key
    return groups
