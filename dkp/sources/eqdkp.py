"""Read an EQdkp Plus database (its tables under one prefix) into the neutral ``SourceHistory``.

EQdkp Plus keeps points per character and per multi-DKP pool and computes them on the fly: a
character *earns* the value of every raid it attended whose event belongs to the pool, *spends* the
value of every item it bought from an item pool that belongs to the pool, and is *adjusted* by every
adjustment whose event belongs to the pool. The pool is never stored on a raid, an item or an
adjustment; it is found through ``multidkp2event`` and ``multidkp2itempool``, so one raid, item or
adjustment counts in every pool its event or item pool is linked to, and in none when it is linked to
none. This reader follows that arithmetic for ``balances`` over every row the database holds, and
brings each row across once per pool it counts in, with keys ``<id>@<pool id>``.

Auto point adjustments (EQdkp Plus's decay and caps) are not applied: they are a setting of the
site, not rows of the database, and EQ DKP does not model them; ``docs/switching-eqdkp.md`` says so.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from dkp.sources.history import (
    BalanceKey,
    SourceAdjustment,
    SourceCharacter,
    SourceError,
    SourceEvent,
    SourceHistory,
    SourceLoot,
    SourcePool,
    SourceProblem,
    SourceRaid,
    SourceSystem,
    SourceTick,
)
from dkp.sources.tables import Row, Tables

# The tables the reader needs, without the prefix. ``config`` is read when present (the game).
REQUIRED_TABLES: tuple[str, ...] = (
    "members",
    "member_ranks",
    "events",
    "raids",
    "raid_attendees",
    "items",
    "adjustments",
    "multidkp",
    "multidkp2event",
    "itempool",
    "multidkp2itempool",
)

# EQdkp Plus's EverQuest game module ("eq") numbers classes and races in profiledata like this.
EQ_CLASS_BY_ID: dict[int, str] = {
    1: "Bard",
    2: "Beastlord",
    3: "Berserker",
    4: "Enchanter",
    5: "Magician",
    6: "Monk",
    7: "Necromancer",
    8: "Paladin",
    9: "Ranger",
    10: "Rogue",
    11: "Shadow Knight",
    12: "Shaman",
    13: "Warrior",
    14: "Wizard",
    15: "Cleric",
    16: "Druid",
}
EQ_RACE_BY_ID: dict[int, str] = {
    1: "Gnome",
    2: "Human",
    3: "Barbarian",
    4: "Dwarf",
    5: "High Elf",
    6: "Dark Elf",
    7: "Wood Elf",
    8: "Half Elf",
    9: "Vah Shir",
    10: "Troll",
    11: "Ogre",
    12: "Froglok",
    13: "Iksar",
    14: "Erudite",
    15: "Halfling",
    16: "Drakkin",
}
EQ_GAME = "eq"

# The columns that name a row of each table, shown in a problem's ``where``.
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "members": ("member_id",),
    "events": ("event_id",),
    "raids": ("raid_id",),
    "raid_attendees": ("raid_id", "member_id"),
    "items": ("item_id",),
    "adjustments": ("adjustment_id",),
    "multidkp": ("multidkp_id",),
    "multidkp2event": ("multidkp2event_multi_id", "multidkp2event_event_id"),
    "multidkp2itempool": ("multidkp2itempool_multi_id", "multidkp2itempool_itempool_id"),
}


def read_eqdkp(tables: Tables, *, prefix: str = "eqdkp_") -> SourceHistory:
    """The guild in ``tables`` whose EQdkp Plus tables start with ``prefix``.

    Raises ``SourceError`` ``missing_table`` when a table is not there under that prefix, naming the
    prefixes the tables suggest instead.
    """
    _check_tables(tables, prefix)
    return _Reader(tables, prefix).read()


def suggested_prefixes(names: set[str]) -> list[str]:
    """Prefixes under which every table the reader needs is present, for the missing-table message."""
    candidates = {name[: -len(table)] for name in names for table in REQUIRED_TABLES if name.endswith(table)}
    return sorted(p for p in candidates if all(f"{p}{table}" in names for table in REQUIRED_TABLES))


def _check_tables(tables: Tables, prefix: str) -> None:
    names = tables.names()
    missing = [f"{prefix}{table}" for table in REQUIRED_TABLES if f"{prefix}{table}" not in names]
    if not missing:
        return
    suggested = suggested_prefixes(names)
    if suggested:
        hint = "The tables there suggest the prefix " + " or ".join(repr(p) for p in suggested) + "."
    else:
        hint = "No other prefix has all the EQdkp Plus tables either; is this an EQdkp Plus database?"
    if len(missing) == len(REQUIRED_TABLES):
        message = f"{tables.label} has no EQdkp Plus tables with the prefix {prefix!r}. {hint}"
    else:
        shown = ", ".join(repr(name) for name in missing)
        message = f"{tables.label} has no table {shown} (tried the prefix {prefix!r}). {hint}"
    raise SourceError(message, code="missing_table")


@dataclass(frozen=True)
class _Raid:
    """A raid row as EQdkp Plus counts it; ``starts_at`` None when its date cannot be taken."""

    raid_id: str
    where: str
    event_id: str
    value: Decimal
    starts_at: dt.datetime | None
    note: str


class _Reader:
    def __init__(self, tables: Tables, prefix: str) -> None:
        self.tables = tables
        self.prefix = prefix
        self.history = SourceHistory(
            system=SourceSystem.EQDKP_PLUS,
            # One EQdkp Plus site per guild: its tables' prefix names it, whichever dump or server holds them.
            source_id=f"eqdkp:{prefix}",
            label=f"EQdkp Plus ({tables.label}, prefix {prefix})",
        )
        self.totals: dict[BalanceKey, Decimal] = defaultdict(Decimal)
        # Pools of each event and item pool as EQdkp Plus links them (pool ids, in pool order), also
        # for an event whose own row is missing: EQdkp Plus counts by the link, not the event row.
        self.event_pools: dict[str, list[str]] = defaultdict(list)
        self.itempool_pools: dict[str, list[str]] = defaultdict(list)
        self.events: dict[str, tuple[str, Decimal | None]] = {}
        self.members: set[str] = set()
        self.emitted_raids: dict[str, list[str]] = defaultdict(list)  # raid id -> pools it came across in
        self.raid_ids: set[str] = set()  # every raid row with an id, taken or not
        self.itempool_names: dict[str, str] = {}

    # -- reading ---------------------------------------------------------------------------------

    def read(self) -> SourceHistory:
        self._read_pools()
        self._read_events()
        self._read_pool_links()
        self._read_characters()
        self._read_raids()
        self._read_items()
        self._read_adjustments()
        self.history.balances = {key: value for key, value in self.totals.items() if value != 0}
        return self.history

    def _rows(self, table: str, columns: Sequence[str]) -> Iterator[Row]:
        return self.tables.rows(f"{self.prefix}{table}", columns)

    def _read_pools(self) -> None:
        pools: list[tuple[int, int, SourcePool]] = []
        for row in self._rows("multidkp", ["multidkp_id", "multidkp_name", "multidkp_desc", "multidkp_sortid"]):
            pool_id = self._id(row, "multidkp_id")
            if pool_id is None:
                continue
            sort = _int_or_none(row["multidkp_sortid"]) or 0
            name = (row["multidkp_name"] or "").strip() or f"Pool {pool_id}"
            pools.append((sort, int(pool_id), SourcePool(pool_id, name, (row["multidkp_desc"] or "").strip())))
        self.history.pools = [pool for _, _, pool in sorted(pools, key=lambda entry: entry[:2])]

    def _read_events(self) -> None:
        for row in self._rows("events", ["event_id", "event_name", "event_value"]):
            event_id = self._id(row, "event_id")
            if event_id is None:
                continue
            value = _decimal_or_none(row["event_value"])
            if value is None and row["event_value"] is not None:
                self._problem(
                    row,
                    f"The usual value {row['event_value']!r} of event {event_id} is not a number; "
                    "the event comes across without one.",
                    "bad_number",
                )
            self.events[event_id] = ((row["event_name"] or "").strip() or f"Event {event_id}", value)

    def _read_pool_links(self) -> None:
        pool_ids = [pool.key for pool in self.history.pools]
        order = {key: index for index, key in enumerate(pool_ids)}
        for row in self._rows("multidkp2event", ["multidkp2event_multi_id", "multidkp2event_event_id"]):
            pool_id = self._id(row, "multidkp2event_multi_id")
            event_id = self._id(row, "multidkp2event_event_id")
            if pool_id is None or event_id is None:
                continue
            if pool_id not in order:
                self._problem(
                    row,
                    f"This row links event {event_id} to multi-DKP pool {pool_id}, which is not there.",
                    "unknown_pool",
                )
                continue
            if event_id not in self.events:
                self._problem(
                    row,
                    f"This row links multi-DKP pool {pool_id} to event {event_id}, which is not there; "
                    "raids and adjustments of that event cannot come across.",
                    "unknown_event",
                )
            if pool_id not in self.event_pools[event_id]:
                self.event_pools[event_id].append(pool_id)
        for row in self._rows("multidkp2itempool", ["multidkp2itempool_itempool_id", "multidkp2itempool_multi_id"]):
            pool_id = self._id(row, "multidkp2itempool_multi_id")
            itempool_id = self._id(row, "multidkp2itempool_itempool_id")
            if pool_id is None or itempool_id is None:
                continue
            if pool_id not in order:
                self._problem(
                    row,
                    f"This row links item pool {itempool_id} to multi-DKP pool {pool_id}, which is not there.",
                    "unknown_pool",
                )
                continue
            if pool_id not in self.itempool_pools[itempool_id]:
                self.itempool_pools[itempool_id].append(pool_id)
        for pools in (*self.event_pools.values(), *self.itempool_pools.values()):
            pools.sort(key=order.__getitem__)
        for event_id, (name, value) in self.events.items():
            for pool_id in self.event_pools.get(event_id, []):
                self.history.events.append(SourceEvent(f"{event_id}@{pool_id}", pool_id, name, value))
        self.itempool_names = {
            itempool_id: (row["itempool_name"] or "").strip()
            for row in self._rows("itempool", ["itempool_id", "itempool_name"])
            if (itempool_id := _canonical_id(row["itempool_id"])) is not None
        }

    def _read_characters(self) -> None:
        ranks = {
            rank_id: (row["rank_name"] or "").strip()
            for row in self._rows("member_ranks", ["rank_id", "rank_name"])
            if (rank_id := _canonical_id(row["rank_id"])) is not None
        }
        classes_known = self._game_is_everquest()
        rows: list[tuple[Row, str]] = []
        for row in self._rows(
            "members",
            ["member_id", "member_name", "member_status", "member_rank_id", "member_main_id", "profiledata"],
        ):
            member_id = self._id(row, "member_id")
            if member_id is None:
                continue
            if not (row["member_name"] or "").strip():
                self._problem(row, f"Character {member_id} has no name, so it cannot come across.", "missing_value")
                continue
            rows.append((row, member_id))
            self.members.add(member_id)
        classless: list[str] = []
        seen_names: dict[str, str] = {}
        for row, member_id in rows:
            name = (row["member_name"] or "").strip()
            if name.casefold() in seen_names:
                self._problem(
                    row,
                    f"Character {member_id}, {name}, has the same name as character {seen_names[name.casefold()]}; "
                    "both come across, and an officer decides which is which.",
                    "duplicate_name",
                )
            seen_names.setdefault(name.casefold(), member_id)
            main_key = _canonical_id(row["member_main_id"])
            if main_key in (None, "0", member_id):
                main_key = None  # EQdkp Plus: no main, or itself, makes a main
            elif main_key not in self.members:
                self._problem(
                    row,
                    f"{name} is a twink of character {main_key}, which is not there; {name} comes across as a main.",
                    "unknown_member",
                )
                main_key = None
            rank_id = _canonical_id(row["member_rank_id"]) or "0"
            if rank_id not in ranks:
                self._problem(
                    row,
                    f"{name} has rank {rank_id}, which is not there; {name} comes across without a rank.",
                    "unknown_rank",
                )
            eq_class, race, level = self._profile(row, name, classes_known=classes_known)
            if not eq_class:
                classless.append(name)
            self.history.characters.append(
                SourceCharacter(
                    key=member_id,
                    name=name,
                    eq_class=eq_class,
                    level=level,
                    race=race,
                    main_key=main_key,
                    active=(row["member_status"] or "1").strip() != "0",
                    rank=ranks.get(rank_id, ""),
                )
            )
        if classless and classes_known:
            shown = ", ".join(classless[:10]) + (", …" if len(classless) > 10 else "")
            count = "1 character has" if len(classless) == 1 else f"{len(classless)} characters have"
            self.history.problems.append(
                SourceProblem(
                    f"{self.prefix}members",
                    f"{count} no EverQuest class in EQdkp Plus ({shown}); they come across without one.",
                    "no_class",
                )
            )

    def _game_is_everquest(self) -> bool:
        """False (with one problem) when the site is set up for another game: its class numbers differ."""
        table = f"{self.prefix}config"
        if table not in self.tables.names():
            return True
        for row in self.tables.rows(table, ["config_name", "config_value"]):
            if row["config_name"] == "default_game":
                game = (row["config_value"] or "").strip()
                if game and game != EQ_GAME:
                    self.history.problems.append(
                        SourceProblem(
                            row.where,
                            f"This EQdkp Plus is set up for the game {game!r}, not EverQuest, so its class numbers "
                            "mean other classes; characters come across without a class or race.",
                            "other_game",
                        )
                    )
                    return False
        return True

    def _profile(self, row: Row, name: str, *, classes_known: bool) -> tuple[str, str, int | None]:
        text = row["profiledata"]
        if not text or not text.strip():
            return "", "", None
        try:
            profile = json.loads(text)
        except ValueError:
            profile = None
        if not isinstance(profile, dict):
            self._problem(
                row,
                f"{name}'s profile data cannot be read; {name} comes across without class, race or level.",
                "bad_profile",
            )
            return "", "", None
        level: int | None = None
        raw_level = str(profile.get("level", "") or "").strip()
        if raw_level:
            level = _int_or_none(raw_level)
            if level is None or level < 1:
                self._problem(
                    row,
                    f"{name}'s level {raw_level!r} is not a number; {name} comes across without a level.",
                    "bad_number",
                )
                level = None
        if not classes_known:
            return "", "", level
        eq_class = ""
        raw_class = str(profile.get("class", "") or "").strip()
        if raw_class and raw_class != "0":
            class_id = _int_or_none(raw_class)
            if class_id is not None and class_id in EQ_CLASS_BY_ID:
                eq_class = EQ_CLASS_BY_ID[class_id]
            else:
                self._problem(
                    row,
                    f"{name}'s class {raw_class!r} is not an EverQuest class; {name} comes across without one.",
                    "unknown_class",
                )
        race_id = _int_or_none(str(profile.get("race", "") or "").strip())
        race = EQ_RACE_BY_ID.get(race_id, "") if race_id is not None else ""
        return eq_class, race, level

    def _read_raids(self) -> None:
        raids: dict[str, _Raid] = {}
        for row in self._rows("raids", ["raid_id", "event_id", "raid_date", "raid_note", "raid_value"]):
            raid_id = self._id(row, "raid_id")
            if raid_id is None:
                continue
            self.raid_ids.add(raid_id)
            event_id = self._id(row, "event_id")
            if event_id is None:
                continue
            value = self._amount(row, "raid_value", what=f"raid {raid_id}")
            if value is None:
                continue
            starts_at = self._time(row, "raid_date", what=f"Raid {raid_id}")
            raids[raid_id] = _Raid(
                raid_id, self._where(row), event_id, value, starts_at, (row["raid_note"] or "").strip()
            )

        attendees: dict[str, list[str]] = defaultdict(list)
        for row in self._rows("raid_attendees", ["raid_id", "member_id"]):
            raid_id = self._id(row, "raid_id")
            member_id = self._id(row, "member_id")
            if raid_id is None or member_id is None:
                continue
            raid = raids.get(raid_id)
            if raid is None and raid_id in self.raid_ids:
                continue  # the raid's own row is unreadable, and says so
            if raid is None:
                self._problem(row, f"This attendance names raid {raid_id}, which is not there.", "unknown_raid")
                continue
            if member_id not in self.members:
                self._problem(
                    row,
                    f"This attendance names character {member_id} in raid {raid_id}, but there is no such character.",
                    "unknown_member",
                )
                continue
            for pool_id in self.event_pools.get(raid.event_id, []):
                self.totals[(member_id, pool_id)] += raid.value  # EQdkp Plus sums every row, twice if listed twice
            if member_id in attendees[raid_id]:
                self._problem(
                    row,
                    f"This row lists character {member_id} in raid {raid_id} a second time; "
                    "EQdkp Plus counts the raid twice for them, the import counts it once.",
                    "duplicate_attendee",
                )
                continue
            attendees[raid_id].append(member_id)

        for raid in raids.values():
            pools = self.event_pools.get(raid.event_id, [])
            if raid.event_id not in self.events:
                self._problem_at(
                    raid.where,
                    f"Raid {raid.raid_id} is of event {raid.event_id}, which is not there; it does not come across.",
                    "unknown_event",
                )
                continue
            if not pools:
                name = self.events[raid.event_id][0]
                self._problem_at(
                    raid.where,
                    f"Raid {raid.raid_id} is of the event {name!r}, which is in no multi-DKP pool, "
                    "so EQdkp Plus counts it for nobody; it does not come across.",
                    "unpooled_event",
                )
                continue
            if raid.starts_at is None:
                continue  # its date problem is already reported
            name = self.events[raid.event_id][0]
            for pool_id in pools:
                key = f"{raid.raid_id}@{pool_id}"
                self.history.raids.append(SourceRaid(key, f"{raid.event_id}@{pool_id}", raid.starts_at, raid.note))
                self.history.ticks.append(
                    SourceTick(key, key, raid.starts_at, raid.value, name, tuple(attendees.get(raid.raid_id, ())))
                )
                self.emitted_raids[raid.raid_id].append(pool_id)

    def _read_items(self) -> None:
        columns = [
            "item_id",
            "item_name",
            "member_id",
            "raid_id",
            "item_value",
            "item_date",
            "game_itemid",
            "itempool_id",
        ]
        for row in self._rows("items", columns):
            item_id = self._id(row, "item_id")
            member_id = self._id(row, "member_id")
            itempool_id = self._id(row, "itempool_id")
            if item_id is None or member_id is None or itempool_id is None:
                continue
            name = (row["item_name"] or "").strip()
            label = f"The item {name!r}" if name else f"Item {item_id}"
            within = f"the item {name!r}" if name else f"item {item_id}"
            if member_id not in self.members:
                self._problem(row, f"{label} was bought by character {member_id}, who is not there.", "unknown_member")
                continue
            if row["item_value"] is None:
                self._problem(
                    row,
                    f"{label} has no value; EQdkp Plus counts it as free, and it does not come across.",
                    "missing_value",
                )
                continue
            price = self._amount(row, "item_value", what=within)
            if price is None:
                continue
            pools = self.itempool_pools.get(itempool_id, [])
            for pool_id in pools:
                self.totals[(member_id, pool_id)] -= price
            if not pools:
                pool_name = self.itempool_names.get(itempool_id) or itempool_id
                self._problem(
                    row,
                    f"{label} is in the item pool {pool_name!r}, which is in no multi-DKP pool, "
                    "so EQdkp Plus charges it to nobody; it does not come across.",
                    "unpooled_itempool",
                )
                continue
            if not name:
                self._problem(row, f"Item {item_id} has no name, so it cannot come across.", "missing_value")
                continue
            occurred_at = self._time(row, "item_date", what=label)
            if occurred_at is None:
                continue
            raid_id = _canonical_id(row["raid_id"])
            if raid_id in (None, "0") or raid_id not in self.raid_ids:
                self._problem(
                    row,
                    f"{label} names raid {raid_id}, which is not there; it comes across without a raid.",
                    "unknown_raid",
                )
                raid_id = None
            game_id = _int_or_none(row["game_itemid"])
            for pool_id in pools:
                raid_key = None
                if raid_id is not None and self.emitted_raids.get(raid_id):
                    raid_pools = self.emitted_raids[raid_id]
                    raid_key = f"{raid_id}@{pool_id if pool_id in raid_pools else raid_pools[0]}"
                self.history.loot.append(
                    SourceLoot(
                        key=f"{item_id}@{pool_id}",
                        character_key=member_id,
                        item_name=name,
                        price=price,
                        pool_key=pool_id,
                        occurred_at=occurred_at,
                        raid_key=raid_key,
                        eq_item_id=game_id if game_id is not None and game_id > 0 else None,
                    )
                )

    def _read_adjustments(self) -> None:
        columns = ["adjustment_id", "adjustment_value", "adjustment_date", "member_id", "adjustment_reason", "event_id"]
        for row in self._rows("adjustments", columns):
            adjustment_id = self._id(row, "adjustment_id")
            member_id = self._id(row, "member_id")
            if adjustment_id is None or member_id is None:
                continue
            label = f"Adjustment {adjustment_id}"
            if member_id not in self.members:
                self._problem(row, f"{label} is for character {member_id}, who is not there.", "unknown_member")
                continue
            if row["adjustment_value"] is None:
                self._problem(
                    row,
                    f"{label} has no value; EQdkp Plus counts it as nothing, and it does not come across.",
                    "missing_value",
                )
                continue
            amount = self._amount(row, "adjustment_value", what=f"adjustment {adjustment_id}")
            if amount is None:
                continue
            # EQdkp Plus finds an adjustment's pools through its event; with no event it counts in none.
            raw_event = (row["event_id"] or "").strip()
            event_id = _canonical_id(raw_event)
            pools = self.event_pools.get(event_id, []) if event_id is not None else []
            for pool_id in pools:
                self.totals[(member_id, pool_id)] += amount
            if event_id in (None, "0"):
                what = (
                    f"names the event {raw_event!r}, which is not an event number"
                    if raw_event not in ("", "0")
                    else "has no event"
                )
                self._problem(
                    row,
                    f"{label} {what}, so EQdkp Plus counts it in no multi-DKP pool; it does not come across.",
                    "unpooled_adjustment",
                )
                continue
            if event_id not in self.events:
                self._problem(
                    row,
                    f"{label} is of event {event_id}, which is not there; it does not come across.",
                    "unknown_event",
                )
                continue
            if not pools:
                self._problem(
                    row,
                    f"{label} is of the event {self.events[event_id][0]!r}, which is in no multi-DKP pool, "
                    "so EQdkp Plus counts it in none; it does not come across.",
                    "unpooled_adjustment",
                )
                continue
            occurred_at = self._time(row, "adjustment_date", what=label)
            if occurred_at is None:
                continue
            reason = (row["adjustment_reason"] or "").strip()
            for pool_id in pools:
                self.history.adjustments.append(
                    SourceAdjustment(f"{adjustment_id}@{pool_id}", member_id, pool_id, amount, reason, occurred_at)
                )

    # -- values ----------------------------------------------------------------------------------

    def _problem(self, row: Row, message: str, code: str) -> None:
        self._problem_at(self._where(row), message, code)

    def _where(self, row: Row) -> str:
        """``eqdkp_items row 12 (item_id 93)``: the row number and the ids an officer searches for."""
        table = row.where.split(" row ", 1)[0].removeprefix(self.prefix)
        shown = ", ".join(
            f"{column} {row.values[column]}" for column in KEY_COLUMNS.get(table, ()) if row.values.get(column)
        )
        return f"{row.where} ({shown})" if shown else row.where

    def _problem_at(self, where: str, message: str, code: str) -> None:
        self.history.problems.append(SourceProblem(where, message, code))

    def _id(self, row: Row, column: str) -> str | None:
        text = row[column]
        value = _canonical_id(text)
        if value is None:
            self._problem(
                row, f"The {column} {text!r} is not a whole number; the row does not come across.", "bad_number"
            )
        return value

    def _amount(self, row: Row, column: str, *, what: str) -> Decimal | None:
        text = row[column]
        value = _decimal_or_none(text)
        if value is None:
            self._problem(row, f"The value {text!r} of {what} is not a number; it does not come across.", "bad_number")
            return None
        return value

    def _time(self, row: Row, column: str, *, what: str) -> dt.datetime | None:
        text = row[column]
        seconds = _int_or_none(text)
        if seconds is not None and seconds > 0:
            try:
                return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
            except (OverflowError, OSError, ValueError):
                pass
        shown = "no date" if seconds == 0 or not (text or "").strip() else f"the date {text!r}, which is not a time"
        self._problem(row, f"{what} has {shown}; it does not come across.", "bad_date")
        return None


def _int_or_none(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def _canonical_id(text: str | None) -> str | None:
    """An id as text the way EQdkp Plus compares it (``"007"`` is 7), None when it is not a whole number."""
    value = _int_or_none(text)
    return None if value is None or value < 0 else str(value)


def _decimal_or_none(text: str | None) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
