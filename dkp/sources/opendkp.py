"""OpenDKP's history in the neutral form: its MySQL database (one guild of the many it holds) or the
raid JSON its API returns.

OpenDKP keeps one balance per character: ticks attended, minus what the character paid for items,
plus adjustments, whatever pool a raid was in (``GetSummary`` in Moncleared/OpenDKPLambdas). Its
pools only label raids, so a guild becomes one neutral pool and each OpenDKP pool an event in it.
``balances`` is OpenDKP's sum over the rows as they stand, so where a row cannot come across (an
attendance row listed twice, a tick whose raid is gone) the importer's proof shows the difference
next to the problem that explains it. ``docs/switching-opendkp.md`` gives every rule for officers.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from dkp.eqlog.classes import class_named
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
    balances_from_rows,
)
from dkp.sources.tables import Row, Tables

# The one neutral pool every OpenDKP pool's raids fall into.
POOL_KEY = "dkp"
# OpenDKP's column default for "no main" and for "no raid".
_NONE = -1
# What OpenDKP writes for a character it created from a name it had not seen.
_UNKNOWN = "unknown"
# An EverQuest character name: letters only, 4 to 15 of them (as dkp.eqlog reads names in dumps).
_EQ_NAME = re.compile(r"[A-Za-z]{4,15}")


class _Problems:
    def __init__(self) -> None:
        self.found: list[SourceProblem] = []

    def add(self, where: str, message: str, code: str) -> None:
        self.found.append(SourceProblem(where=where, message=message, code=code))


def _where(row: Row, column: str) -> str:
    """``items_x_characters row 12 (transaction_id 93)``: the row's place and its own id."""
    value = row[column]
    return f"{row.where} ({column} {value})" if value not in (None, "") else row.where


def _int(row: Row, column: str, problems: _Problems, *, where: str, consequence: str) -> int | None:
    text = (row[column] or "").strip()
    try:
        return int(text)
    except ValueError:
        problems.add(
            where, f"The {column} column holds {text!r}, which is not a whole number; {consequence}.", "bad_number"
        )
        return None


def _decimal(row: Row, column: str, problems: _Problems, *, where: str, consequence: str) -> Decimal | None:
    text = (row[column] or "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        problems.add(where, f"The {column} column holds {text!r}, which is not a number; {consequence}.", "bad_number")
        return None
    return value


def _moment(text: str) -> dt.datetime | None:
    """A MySQL ``datetime`` (or the API's ISO time) as an aware UTC time; None for a zero or garbled date.

    OpenDKP runs on AWS Lambda, whose clock is UTC, and stores times without a zone, so they are UTC.
    """
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _date(row: Row, column: str, problems: _Problems, *, where: str, consequence: str) -> dt.datetime | None:
    text = row[column] or ""
    moment = _moment(text)
    if moment is None:
        problems.add(
            where, f"The {column} column holds {text!r}, which is not a date and time; {consequence}.", "bad_date"
        )
    return moment


def _text(value: str | None) -> str:
    return (value or "").strip()


def _is_ours(row: Row, client_id: str) -> bool:
    return row["clientId"] == client_id


def _amount(value: Decimal) -> str:
    """``5`` for 5.0 (a server's double), ``12.5``, ``0.1``: as an officer would write it."""
    return f"{value.normalize():f}"


def _check_name(name: str, where: str, problems: _Problems) -> None:
    if not name:
        problems.add(
            where,
            "This character has no name. It is kept, with its points, under its id so that an officer can name it.",
            "empty_name",
        )
    elif not _EQ_NAME.fullmatch(name):
        problems.add(
            where,
            f"{name!r} is not an EverQuest character name (those are 4 to 15 letters and nothing else). "
            "It is kept as it is written.",
            "not_an_eq_name",
        )


def _eq_class(text: str, where: str, problems: _Problems) -> str:
    if not text or text.casefold() == _UNKNOWN:
        return ""
    eq_class = class_named(text)
    if eq_class is None:
        problems.add(
            where, f"{text!r} is not an EverQuest class; the character is kept without a class.", "unknown_class"
        )
        return ""
    return eq_class


# --- the database ---------------------------------------------------------------------------------


def read_opendkp(tables: Tables, *, client_id: str) -> SourceHistory:
    """The guild ``client_id`` of an OpenDKP database, with OpenDKP's own balance for each character.

    Raises ``SourceError`` ``unknown_client`` when the database has no characters and no raids of that
    client, naming the client ids it does have; a missing table or column raises as ``tables`` does.
    """
    client_id = client_id.strip()
    problems = _Problems()
    client_names = _client_names(tables)
    character_rows, client_ids = _rows_of(tables, "characters", _CHARACTER_COLUMNS, client_id)
    raid_rows, raid_client_ids = _rows_of(
        tables, "raids", ("clientId", "id_raid", "id_pool", "name", "timestamp"), client_id
    )
    if not character_rows and not raid_rows:
        raise _unknown_client(tables.label, client_id, client_ids | raid_client_ids | set(client_names), client_names)

    guild_name = client_names.get(client_id, "")
    history = SourceHistory(
        system=SourceSystem.OPENDKP,
        # A guild's clientId names it in every OpenDKP database: a newer dump, or the live database,
        # is the same source, so importing it again brings only what is new.
        source_id=f"opendkp:client={client_id}",
        label=f"OpenDKP {guild_name}" if guild_name else f"OpenDKP client {client_id}",
        pools=[
            SourcePool(
                key=POOL_KEY,
                name=guild_name or "DKP",
                description="OpenDKP keeps one balance per character across its pools; each pool is an event here.",
            )
        ],
    )
    characters = _characters(character_rows, problems)
    history.characters = list(characters.values())
    raids, history.events = _raids_and_events(tables, raid_rows, problems)
    history.raids = list(raids.values())

    # OpenDKP's own sum per character: every row it would add up, even one that cannot come across.
    totals: dict[str, Decimal] = defaultdict(Decimal)
    history.ticks = _ticks(tables, client_id, raids, characters, totals, problems)
    history.loot = _loot(tables, client_id, raids, characters, totals, problems)
    history.adjustments = _adjustments(tables, client_id, characters, totals, problems)
    history.balances = {(key, POOL_KEY): total for key, total in totals.items() if total != 0}
    history.problems = problems.found
    return history


_CHARACTER_COLUMNS = ("clientId", "id_character", "id_associated", "active", "name", "rank", "class", "level", "race")


def _client_names(tables: Tables) -> dict[str, str]:
    if "clients" not in tables.names():
        return {}
    return {row["clientId"] or "": _text(row["name"]) for row in tables.rows("clients", ("clientId", "name"))}


def _rows_of(tables: Tables, table: str, columns: Sequence[str], client_id: str) -> tuple[list[Row], set[str]]:
    """The client's rows of a small table, and every client id the table holds."""
    ours: list[Row] = []
    client_ids: set[str] = set()
    for row in tables.rows(table, columns):
        client_ids.add(row["clientId"] or "")
        if _is_ours(row, client_id):
            ours.append(row)
    return ours, client_ids


def _unknown_client(label: str, client_id: str, client_ids: set[str], names: Mapping[str, str]) -> SourceError:
    there = ", ".join(
        f"{known!r} ({names[known]})" if names.get(known) else repr(known) for known in sorted(client_ids) if known
    )
    listing = f"The client ids there are: {there}." if there else "It holds no guild at all."
    return SourceError(f"{label} holds no guild with the client id {client_id!r}. {listing}", code="unknown_client")


def _characters(rows: list[Row], problems: _Problems) -> dict[str, SourceCharacter]:
    characters: dict[str, SourceCharacter] = {}
    main_of: dict[str, tuple[str, str]] = {}
    for row in rows:
        where = _where(row, "id_character")
        key = _int(row, "id_character", problems, where=where, consequence="the character is left out")
        if key is None:
            continue
        name = _text(row["name"])
        _check_name(name, where, problems)
        level: int | None = None
        if _text(row["level"]):
            level = _int(row, "level", problems, where=where, consequence="the character is kept without a level")
        active = True
        if _text(row["active"]):
            flag = _int(row, "active", problems, where=where, consequence="the character is kept as active")
            active = flag != 0
        race = _text(row["race"])
        characters[str(key)] = SourceCharacter(
            key=str(key),
            name=name,
            eq_class=_eq_class(_text(row["class"]), where, problems),
            level=level,
            race="" if race.casefold() == _UNKNOWN else race,
            active=active,
            rank=_text(row["rank"]),
        )
        if _text(row["id_associated"]):
            main = _int(row, "id_associated", problems, where=where, consequence="the character is kept as a main")
            if main is not None and main not in (_NONE, key):
                main_of[str(key)] = (str(main), where)
    for alt_key, (main_key, where) in main_of.items():
        character = characters[alt_key]
        if main_key in characters:
            characters[alt_key] = replace(character, main_key=main_key)
        else:
            problems.add(
                where,
                f"{character.name or 'This character'} is linked as an alt of character {main_key}, which this guild "
                "does not have; it is kept as a main of its own.",
                "missing_main",
            )
    return characters


def _raids_and_events(
    tables: Tables, raid_rows: list[Row], problems: _Problems
) -> tuple[dict[str, SourceRaid], list[SourceEvent]]:
    pools = {
        _text(row["id_pool"]): (_text(row["name"]), _text(row["description"]))
        for row in tables.rows("pools", ("id_pool", "name", "description"))
    }
    raids: dict[str, SourceRaid] = {}
    events: dict[str, SourceEvent] = {}
    for row in raid_rows:
        where = _where(row, "id_raid")
        key = _int(row, "id_raid", problems, where=where, consequence="the raid is left out")
        pool = (
            _int(row, "id_pool", problems, where=where, consequence="the raid is left out") if key is not None else None
        )
        starts_at = (
            _date(row, "timestamp", problems, where=where, consequence="the raid is left out")
            if pool is not None
            else None
        )
        if key is None or pool is None or starts_at is None:
            continue
        pool_key = str(pool)
        if pool_key not in events:
            if pool_key in pools:
                name, _description = pools[pool_key]
            else:
                name = f"Pool {pool_key}"
                problems.add(
                    where,
                    f"The raid is in pool {pool_key}, which is not in the pools table; "
                    f"it is kept in an event named {name!r}.",
                    "missing_pool",
                )
            events[pool_key] = SourceEvent(key=pool_key, pool_key=POOL_KEY, name=name)
        raids[str(key)] = SourceRaid(key=str(key), event_key=pool_key, starts_at=starts_at, note=_text(row["name"]))
    return raids, list(events.values())


def _ticks(
    tables: Tables,
    client_id: str,
    raids: Mapping[str, SourceRaid],
    characters: Mapping[str, SourceCharacter],
    totals: dict[str, Decimal],
    problems: _Problems,
) -> list[SourceTick]:
    values: dict[str, Decimal] = {}
    taken: dict[str, tuple[str, str, Decimal, str]] = {}  # tick -> (raid, where, value, description)
    for row in tables.rows("ticks", ("clientId", "tick_id", "raid_id", "value", "description")):
        if not _is_ours(row, client_id):
            continue
        where = _where(row, "tick_id")
        key = _int(row, "tick_id", problems, where=where, consequence="the tick and its attendance are left out")
        raid = _int(row, "raid_id", problems, where=where, consequence="the tick and its attendance are left out")
        value = _decimal(row, "value", problems, where=where, consequence="the tick and its attendance are left out")
        if key is None or raid is None or value is None:
            continue
        values[str(key)] = value
        if str(raid) in raids:
            taken[str(key)] = (str(raid), where, value, _text(row["description"]))
        else:
            problems.add(
                where,
                f"This tick of {_amount(value)} DKP belongs to raid {raid}, which is not among this guild's raids or "
                "could not be read. OpenDKP still counts it for its attendees; it is left out here.",
                "missing_raid",
            )

    attendees: dict[str, list[str]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for row in tables.rows("ticks_x_characters", ("clientId", "id", "id_character", "id_tick")):
        if not _is_ours(row, client_id):
            continue
        where = _where(row, "id")
        character = _int(row, "id_character", problems, where=where, consequence="the attendance is left out")
        tick = _int(row, "id_tick", problems, where=where, consequence="the attendance is left out")
        if character is None or tick is None:
            continue
        character_key, tick_key = str(character), str(tick)
        if character_key not in characters:
            problems.add(
                where,
                f"This attendance at tick {tick_key} is for character {character_key}, who is not among this guild's "
                "characters; it is left out.",
                "missing_character",
            )
            continue
        if tick_key not in values:
            problems.add(
                where,
                f"{characters[character_key].name} is listed at tick {tick_key}, which is not among this guild's ticks "
                "or could not be read; the attendance is left out.",
                "missing_tick",
            )
            continue
        totals[character_key] += values[tick_key]
        if tick_key not in taken:
            continue  # the tick itself was reported: its raid is not there
        if (tick_key, character_key) in seen:
            name = characters[character_key].name
            value = values[tick_key]
            problems.add(
                where,
                f"{name} is listed twice at tick {tick_key}. OpenDKP counts the tick's {_amount(value)} DKP each time; "
                f"the tick is credited once here, so {name}'s balance comes across "
                f"{_amount(value)} lower than OpenDKP's.",
                "duplicate_attendance",
            )
            continue
        seen.add((tick_key, character_key))
        attendees[tick_key].append(character_key)

    return [
        SourceTick(
            key=key,
            raid_key=raid_key,
            occurred_at=raids[raid_key].starts_at,  # OpenDKP's ticks carry no time of their own
            value=value,
            description=description,
            attendee_keys=tuple(attendees[key]),
        )
        for key, (raid_key, _where_text, value, description) in taken.items()
    ]


def _loot(
    tables: Tables,
    client_id: str,
    raids: Mapping[str, SourceRaid],
    characters: Mapping[str, SourceCharacter],
    totals: dict[str, Decimal],
    problems: _Problems,
) -> list[SourceLoot]:
    item_names = {_text(row["id_item"]): _text(row["name"]) for row in tables.rows("items", ("id_item", "name"))}
    # (transaction_id, where, character, item, raid or None, price, raid_id as written)
    kept: list[tuple[int, str, str, int, str | None, Decimal, int]] = []
    for row in tables.rows(
        "items_x_characters", ("transaction_id", "clientId", "character_id", "item_id", "raid_id", "dkp")
    ):
        if not _is_ours(row, client_id):
            continue
        where = _where(row, "transaction_id")
        left_out = "the item is left out"
        transaction = _int(row, "transaction_id", problems, where=where, consequence=left_out)
        character = _int(row, "character_id", problems, where=where, consequence=left_out)
        item = _int(row, "item_id", problems, where=where, consequence=left_out)
        raid = _int(row, "raid_id", problems, where=where, consequence=left_out)
        price = _decimal(row, "dkp", problems, where=where, consequence=left_out)
        if transaction is None or character is None or item is None or raid is None or price is None:
            continue
        if str(character) not in characters:
            problems.add(
                where,
                f"This item, bought for {_amount(price)} DKP, is for character {character}, who is not among this "
                "guild's characters; it is left out.",
                "missing_character",
            )
            continue
        totals[str(character)] -= price
        kept.append((transaction, where, str(character), item, str(raid) if str(raid) in raids else None, price, raid))

    dated = sorted((entry[0], raids[entry[4]].starts_at) for entry in kept if entry[4] is not None)
    first_raid = min((raid.starts_at for raid in raids.values()), default=None)
    loot: list[SourceLoot] = []
    for transaction, where, character_key, item, raid_key, price, raid_id in kept:
        name = item_names.get(str(item), "")
        buyer = characters[character_key].name
        if not name:
            problems.add(
                where,
                f"{buyer}'s item {item}, bought for {_amount(price)} DKP, is not in the items table, so its name is "
                "not known; it is kept without a name.",
                "missing_item",
            )
        if raid_key is not None:
            occurred_at = raids[raid_key].starts_at
        else:
            moment, how = _date_without_raid(transaction, dated, first_raid)
            what = f"{buyer}'s {name or 'item'} for {_amount(price)} DKP"
            raid_text = (
                "in no raid (raid_id -1)" if raid_id == _NONE else f"in raid {raid_id}, which this guild does not have"
            )
            if moment is None:
                problems.add(
                    where,
                    f"{what} is {raid_text}, and the guild has no raid to date it by. OpenDKP still takes the "
                    "DKP from the balance; the item is left out here.",
                    "undated_item",
                )
                continue
            occurred_at = moment
            problems.add(
                where,
                f"{what} is {raid_text}. OpenDKP still takes the DKP from the balance, so the item is kept, "
                f"dated {occurred_at:%Y-%m-%d}, {how}.",
                "item_without_raid",
            )
        loot.append(
            SourceLoot(
                key=str(transaction),
                character_key=character_key,
                item_name=name,
                price=price,
                pool_key=POOL_KEY,
                occurred_at=occurred_at,
                raid_key=raid_key,
                eq_item_id=item if item > 0 else None,
            )
        )
    return loot


def _date_without_raid(
    transaction: int, dated: Sequence[tuple[int, dt.datetime]], first_raid: dt.datetime | None
) -> tuple[dt.datetime | None, str]:
    """A date for an item OpenDKP holds in no raid, and how it was found, for the problem's message.

    Transaction ids grow as items are entered, so the item most likely went to its buyer at the raid
    of the item entered just before it; failing that, just after it; failing that, the first raid.
    """
    place = bisect.bisect_left(dated, (transaction, dt.datetime.min.replace(tzinfo=dt.UTC)))
    if place > 0:
        return dated[place - 1][1], "the raid of the item entered just before it"
    if place < len(dated):
        return dated[place][1], "the raid of the item entered just after it"
    return first_raid, "the guild's first raid"


def _adjustments(
    tables: Tables,
    client_id: str,
    characters: Mapping[str, SourceCharacter],
    totals: dict[str, Decimal],
    problems: _Problems,
) -> list[SourceAdjustment]:
    adjustments: list[SourceAdjustment] = []
    columns = ("clientId", "id_adjustment", "id_character", "name", "description", "value", "timestamp")
    for row in tables.rows("adjustments", columns):
        if not _is_ours(row, client_id):
            continue
        where = _where(row, "id_adjustment")
        left_out = "the adjustment is left out"
        key = _int(row, "id_adjustment", problems, where=where, consequence=left_out)
        character = _int(row, "id_character", problems, where=where, consequence=left_out)
        amount = _decimal(row, "value", problems, where=where, consequence=left_out)
        if key is None or character is None or amount is None:
            continue
        if str(character) not in characters:
            problems.add(
                where,
                f"This adjustment of {_amount(amount)} DKP is for character {character}, who is not among this "
                "guild's characters; it is left out.",
                "missing_character",
            )
            continue
        totals[str(character)] += amount
        occurred_at = _date(row, "timestamp", problems, where=where, consequence=left_out)
        if occurred_at is None:
            continue
        title, description = _text(row["name"]), _text(row["description"])
        reason = f"{title}: {description}" if title and description and description != title else title or description
        adjustments.append(
            SourceAdjustment(
                key=str(key),
                character_key=str(character),
                pool_key=POOL_KEY,
                amount=amount,
                reason=reason,
                occurred_at=occurred_at,
            )
        )
    return adjustments


# --- the raid JSON --------------------------------------------------------------------------------


def read_opendkp_raid(
    data: Mapping[str, object] | Sequence[Mapping[str, object]] | str | bytes, *, where: str = "raid.json"
) -> SourceHistory:
    """One raid as OpenDKP's API gives it (``GetRaidById``), or a list of them, as text or parsed JSON.

    Attendees and buyers are names; a character is made for each name, matched without regard to
    case as OpenDKP matches them. Raises ``SourceError`` ``not_json`` or ``not_a_raid`` when the data
    is not raids at all.
    """
    parsed: object = data
    if isinstance(data, str | bytes):
        try:
            parsed = json.loads(data, parse_float=Decimal)
        except ValueError as error:
            raise SourceError(f"{where} is not JSON ({error}).", code="not_json", where="") from error
    given = list(parsed) if isinstance(parsed, list | tuple) else [parsed]
    raids = [raid for raid in given if isinstance(raid, dict)]
    if not raids or len(raids) != len(given):
        raise SourceError(
            f"{where} holds no OpenDKP raid: it should be a raid object or a list of them.", code="not_a_raid"
        )

    reader = _RaidReader(where)
    for number, raid in enumerate(raids, start=1):
        reader.read(raid, number, single=len(raids) == 1)
    ticks = reader.ticks
    return SourceHistory(
        system=SourceSystem.OPENDKP,
        # Raids are known by OpenDKP's own raid ids, whichever file holds them: overlapping files of
        # raid JSON bring each raid once.
        source_id="opendkp:raid-json",
        label=f"OpenDKP raids from {where}",
        pools=[
            SourcePool(
                key=POOL_KEY, name="DKP", description="OpenDKP keeps one balance per character across its pools."
            )
        ],
        events=list(reader.events.values()),
        characters=list(reader.characters.values()),
        raids=reader.raids,
        ticks=ticks,
        loot=reader.loot,
        problems=reader.problems.found,
        balances=_raid_balances(reader),
    )


def _raid_balances(reader: _RaidReader) -> dict[BalanceKey, Decimal]:
    return balances_from_rows(
        ticks=reader.ticks,
        tick_pool={tick.key: POOL_KEY for tick in reader.ticks},
        loot=reader.loot,
        adjustments=(),
    )


def _field(data: Mapping[str, object], name: str) -> object:
    """A field by OpenDKP's name (``DkpValue``), also as a JavaScript client writes it (``dkpValue``)."""
    if name in data:
        return data[name]
    folded = name.casefold()
    for key, value in data.items():
        if isinstance(key, str) and key.casefold() == folded:
            return value
    return None


class _RaidReader:
    def __init__(self, where: str) -> None:
        self.where = where
        self.problems = _Problems()
        self.events: dict[str, SourceEvent] = {}
        self.characters: dict[str, SourceCharacter] = {}
        self.raids: list[SourceRaid] = []
        self.ticks: list[SourceTick] = []
        self.loot: list[SourceLoot] = []

    def read(self, raid: Mapping[str, object], number: int, *, single: bool) -> None:
        raid_id = _field(raid, "IdRaid")
        key = str(raid_id) if raid_id not in (None, "") else f"raid-{number}"
        place = f"{self.where} raid {raid_id}" if raid_id not in (None, "") else f"{self.where} raid number {number}"
        if single and raid_id in (None, ""):
            place = self.where
        if any(known.key == key for known in self.raids):
            self.problems.add(
                place, f"Raid {raid_id} is in the file twice; its second copy is left out.", "duplicate_raid"
            )
            return
        starts_at = _moment(str(_field(raid, "Timestamp") or ""))
        if starts_at is None:
            self.problems.add(
                place,
                f"The raid's Timestamp {_field(raid, 'Timestamp')!r} is not a date and time; the raid is left out.",
                "bad_date",
            )
            return
        pool = _field(raid, "Pool")
        pool_fields: Mapping[str, object] = pool if isinstance(pool, dict) else {}
        pool_id = _field(pool_fields, "IdPool")
        pool_name = str(_field(pool_fields, "Name") or "").strip()
        event_key = str(pool_id) if pool_id not in (None, "") else pool_name or "none"
        if event_key not in self.events:
            if not pool_name:
                self.problems.add(
                    place, "The raid names no pool; it is kept in an event named 'No pool'.", "missing_pool"
                )
            self.events[event_key] = SourceEvent(key=event_key, pool_key=POOL_KEY, name=pool_name or "No pool")
        self.raids.append(
            SourceRaid(key=key, event_key=event_key, starts_at=starts_at, note=str(_field(raid, "Name") or "").strip())
        )
        for tick_number, tick in enumerate(_list(_field(raid, "Ticks")), start=1):
            self._tick(tick, key, starts_at, f"{place}, tick {tick_number}", f"{key}-tick-{tick_number}")
        for item_number, item in enumerate(_list(_field(raid, "Items")), start=1):
            self._item(item, key, starts_at, f"{place}, item {item_number}", f"{key}-item-{item_number}")

    def _character(self, name: object, where: str) -> str | None:
        text = str(name or "").strip()
        if not text:
            self.problems.add(where, "An attendee or buyer has no name; that entry is left out.", "empty_name")
            return None
        key = text.casefold()
        if key not in self.characters:
            _check_name(text, where, self.problems)
            self.characters[key] = SourceCharacter(key=key, name=text)
        return key

    def _amount(self, entry: object, what: str, field: str, where: str) -> Decimal | None:
        """A tick's or an item's points, or None (and the problem said) when the entry cannot be taken."""
        if not isinstance(entry, dict):
            self.problems.add(where, f"This {what} is not a JSON object; it is left out.", f"bad_{what}")
            return None
        amount = _json_decimal(_field(entry, field))
        if amount is None:
            self.problems.add(
                where,
                f"The {what}'s {field} {_field(entry, field)!r} is not a number; the {what} is left out.",
                "bad_number",
            )
        return amount

    def _tick(self, tick: object, raid_key: str, starts_at: dt.datetime, where: str, fallback_key: str) -> None:
        value = self._amount(tick, "tick", "Value", where)
        if value is None or not isinstance(tick, dict):
            return
        tick_id = _field(tick, "TickId")
        key = str(tick_id) if tick_id not in (None, "") else fallback_key
        attendees: list[str] = []
        for name in _list(_field(tick, "Attendees")):
            character_key = self._character(name, where)
            if character_key is None:
                continue
            if character_key in attendees:
                known = self.characters[character_key].name
                self.problems.add(
                    where,
                    f"{known} is listed twice at this tick, the second time as {str(name).strip()!r}; OpenDKP saves a "
                    f"tick's attendees once each, so {known} is credited once.",
                    "duplicate_attendance",
                )
                continue
            attendees.append(character_key)
        self.ticks.append(
            SourceTick(
                key=key,
                raid_key=raid_key,
                occurred_at=starts_at,
                value=value,
                description=str(_field(tick, "Description") or "").strip(),
                attendee_keys=tuple(attendees),
            )
        )

    def _item(self, item: object, raid_key: str, starts_at: dt.datetime, where: str, key: str) -> None:
        price = self._amount(item, "item", "DkpValue", where)
        if price is None or not isinstance(item, dict):
            return
        buyer = self._character(_field(item, "CharacterName"), where)
        if buyer is None:
            return
        item_id = _field(item, "ItemID")
        self.loot.append(
            SourceLoot(
                key=key,
                character_key=buyer,
                item_name=str(_field(item, "ItemName") or "").strip(),
                price=price,
                pool_key=POOL_KEY,
                occurred_at=starts_at,
                raid_key=raid_key,
                eq_item_id=item_id
                if isinstance(item_id, int) and not isinstance(item_id, bool) and item_id > 0
                else None,
            )
        )


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _json_decimal(value: object) -> Decimal | None:
    """A JSON number exactly as written: parsed text keeps its digits, a float its shortest spelling."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal | int | float | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None
