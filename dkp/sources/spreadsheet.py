"""A guild's history kept in a spreadsheet, read from a set of CSV files into the neutral form.

The files and their columns are described for officers in ``docs/switching-spreadsheet.md``:
``characters.csv``, ``ticks.csv`` (one row per attendee; ``raids.csv`` is the same file under the
name EQ DKP's download gives it), ``loot.csv``, ``adjustments.csv`` and, optionally, the
spreadsheet's own totals in ``balances.csv``. They come as a folder, a .zip, or named contents.

A row that cannot be taken as it stands is left out and named in a problem (``loot.csv line 7``,
the line a spreadsheet shows as its row number); nothing is guessed: "1,5" is not read as 1.5, a
date that is not ISO 8601 is not read as anybody's local habit. Only a file that cannot be read at
all, or lacks a column it needs, stops the reading with a ``SourceError``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from dkp.eqlog.classes import class_named
from dkp.eqlog.dumps import is_character_name, parse_level
from dkp.sources.history import (
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

CHARACTERS = "characters.csv"
TICKS = "ticks.csv"
LOOT = "loot.csv"
ADJUSTMENTS = "adjustments.csv"
BALANCES = "balances.csv"

DEFAULT_POOL = "DKP"


@dataclass(frozen=True)
class _Format:
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


FORMATS: dict[str, _Format] = {
    CHARACTERS: _Format(("name",), ("class", "level", "race", "main", "active", "rank")),
    TICKS: _Format(("raid", "date", "value", "character"), ("tick", "pool", "event")),
    LOOT: _Format(("date", "character", "item", "price"), ("pool", "raid", "item_id")),
    ADJUSTMENTS: _Format(("date", "character", "amount"), ("reason", "pool")),
    BALANCES: _Format(("character", "balance"), ("pool",)),
}
# What a file may also be called: EQ DKP's own download of ticks.csv is /raids.csv.
_ALSO_NAMED = {"raids.csv": TICKS}
# balances.csv is the only file a guild may leave out without being told.
_EXPECTED = (CHARACTERS, TICKS, LOOT, ADJUSTMENTS)

# Ten years of a large guild's attendance is about 25 MB of CSV; a .zip that unpacks to far more is
# not a spreadsheet (or is built to fill the memory of whoever opens it).
MAX_UNPACKED_BYTES = 1024 * 2**20

# EverQuest opened in 1999; a year outside these is a typing slip, not a raid.
FIRST_YEAR, LAST_YEAR = 1999, 2999

_AMOUNT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_YES = {"yes", "y", "true", "1", "active"}
_NO = {"no", "n", "false", "0", "inactive"}
# A download from EQ DKP puts a ' before text a spreadsheet would run as a formula; reading it back
# takes the ' away again, so a name survives the round trip.
_FORMULA_STARTS = ("=", "+", "-", "@")


def read_spreadsheet(files: Mapping[str, bytes] | Path, *, zone: ZoneInfo, label: str) -> SourceHistory:
    """The history in the CSV files; dates without an offset are taken as ``zone``'s local time.

    ``files`` is a folder, a .zip or a single .csv (a ``Path``), or file names with their contents.
    ``label`` names the source for people. Every spreadsheet is one source (``source_id`` "csv"): rows
    are known by what they say, so a corrected or grown file, under any name, brings only its new rows.
    """
    history = SourceHistory(system=SourceSystem.SPREADSHEET, source_id="csv", label=label)
    contents = _known_files(_file_contents(files, label=label), history.problems)
    if not any(name in contents for name in (TICKS, LOOT, ADJUSTMENTS, BALANCES)):
        raise SourceError(
            f"{label} has none of the files ticks.csv, loot.csv, adjustments.csv or balances.csv, "
            "so there is nothing to import.",
            code="no_spreadsheet_files",
        )
    for name in _EXPECTED:
        if name not in contents:
            history.problems.append(SourceProblem(name, _MISSING_FILE[name], "missing_file"))
    reader = _Reader(history=history, zone=zone)
    for name, read_rows in (
        (CHARACTERS, reader.character),
        (TICKS, reader.attendance),
        (LOOT, reader.loot),
        (ADJUSTMENTS, reader.adjustment),
        (BALANCES, reader.balance),
    ):
        if name in contents:
            for row in _rows(name, contents[name], history.problems):
                try:
                    read_rows(row)
                except _Fault as fault:
                    history.problems.append(SourceProblem(row.where, f"{fault} The row was left out.", fault.code))
    reader.finish(has_balances=BALANCES in contents)
    return history


_MISSING_FILE = {
    CHARACTERS: "There is no characters.csv: characters are taken from the other files, without class, level or main.",
    TICKS: "There is no ticks.csv: the import has no raids and no attendance.",
    LOOT: "There is no loot.csv: the import has no loot.",
    ADJUSTMENTS: "There is no adjustments.csv: the import has no adjustments.",
}


# --- files -------------------------------------------------------------------------------------------


def _file_contents(files: Mapping[str, bytes] | Path, *, label: str) -> dict[str, bytes]:
    """Each file's name (as given, folders included) and bytes."""
    if not isinstance(files, Path):
        return dict(files)
    if files.is_dir():
        return {path.name: path.read_bytes() for path in sorted(files.iterdir()) if path.is_file()}
    if not files.is_file():
        raise SourceError(f"There is no file or folder {label}.", code="missing_source")
    if files.suffix.casefold() != ".zip":
        return {files.name: files.read_bytes()}
    try:
        with zipfile.ZipFile(files) as archive:
            entries = [entry for entry in archive.infolist() if not entry.is_dir()]
            unpacked = sum(entry.file_size for entry in entries)
            if unpacked > MAX_UNPACKED_BYTES:
                raise SourceError(
                    f"{label} unpacks to {unpacked // 2**20} MB, more than the {MAX_UNPACKED_BYTES // 2**20} MB "
                    "a guild's spreadsheet comes to; is it the right file?",
                    code="too_large",
                )
            return {entry.filename: archive.read(entry) for entry in entries}
    except (zipfile.BadZipFile, OSError) as error:
        raise SourceError(f"{label} is not a .zip file that can be opened ({error}).", code="not_a_zip") from error


def _known_files(contents: Mapping[str, bytes], problems: list[SourceProblem]) -> dict[str, bytes]:
    """The spreadsheet's files by their canonical name; any other file is named in a problem.

    A .zip of a folder keeps the folder in its names, so only the last part counts. Files a computer
    adds by itself (``.DS_Store``, ``__MACOSX/``) are not the guild's and pass unmentioned.
    """
    known: dict[str, bytes] = {}
    given: dict[str, str] = {}
    for path, data in contents.items():
        parts = PurePosixPath(path.replace("\\", "/")).parts
        if not parts or parts[-1].startswith(".") or "__MACOSX" in parts:
            continue
        name = parts[-1].casefold()
        canonical = _ALSO_NAMED.get(name, name)
        if canonical not in FORMATS:
            problems.append(
                SourceProblem(
                    path,
                    f"{parts[-1]} is not one of the spreadsheet's files ({', '.join(FORMATS)}); it was left out.",
                    "unknown_file",
                )
            )
            continue
        if canonical in known:
            raise SourceError(
                f"There are two files for {canonical}: {given[canonical]} and {path}. Keep one.", code="duplicate_file"
            )
        known[canonical] = data
        given[canonical] = path
    return known


def _text(name: str, data: bytes, problems: list[SourceProblem]) -> str:
    if data.startswith(b"PK\x03\x04"):
        raise SourceError(
            "This is an Excel workbook, not a CSV file: save each sheet as “CSV UTF-8”.", code="not_csv", where=name
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError(
            "This file is UTF-16 (“Unicode text”): save it as “CSV UTF-8” instead.", code="not_csv", where=name
        )
    if b"\x00" in data:
        raise SourceError("This is a binary file, not a CSV file.", code="not_csv", where=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("cp1252")
    except UnicodeDecodeError as error:
        raise SourceError(
            "This file is neither UTF-8 nor Windows-1252 text: save it as “CSV UTF-8”.",
            code="unreadable_encoding",
            where=name,
        ) from error
    problems.append(
        SourceProblem(
            name,
            "This file is not UTF-8, so it was read as Windows-1252, the way older Excel saves CSV. "
            "Check names with accents, or save it as “CSV UTF-8”.",
            "windows_1252",
        )
    )
    return text


# --- rows --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    file: str
    number: int  # the line a spreadsheet shows for it; the header is line 1
    cells: dict[str, str]  # canonical column name -> text, stripped; absent columns are absent

    @property
    def where(self) -> str:
        return f"{self.file} line {self.number}"

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


def _column_key(text: str) -> str:
    """A column's name with case, spaces and punctuation ignored: "Item ID" is item_id."""
    return "".join(char for char in text.casefold() if char.isalnum())


def _delimiter(first_line: str) -> str:
    # Excel in a country that writes decimals with a comma separates its CSV with ";".
    for candidate in (",", ";", "\t"):
        if candidate in first_line:
            return candidate
    return ","


def _cell(text: str) -> str:
    text = text.strip()
    if text[:1] == "'" and text[1:2] in _FORMULA_STARTS:
        return text[1:]
    return text


def _rows(name: str, data: bytes, problems: list[SourceProblem]) -> Iterator[_Row]:
    """The file's rows under its header; unknown columns are named once, blank lines pass."""
    text = _text(name, data, problems)
    if not text.strip():
        problems.append(SourceProblem(name, "The file is empty: it has not even a header line.", "empty_file"))
        return
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text.partition("\n")[0]))
    spec = FORMATS[name]
    by_key = {_column_key(column): column for column in spec.columns}
    try:
        header = next(reader)
        columns: list[str | None] = []
        for heading in header:
            column = by_key.get(_column_key(heading))
            if column is not None and column in columns:
                raise SourceError(
                    f"The column {column!r} is named twice in the header.", code="duplicate_column", where=name
                )
            if column is None and heading.strip():
                problems.append(
                    SourceProblem(
                        f"{name} line 1",
                        f"The column {heading.strip()!r} is not one this file has ({', '.join(spec.columns)}); "
                        "its values were left out.",
                        "unknown_column",
                    )
                )
            columns.append(column)
        missing = [column for column in spec.required if column not in columns]
        if missing:
            names = ", ".join(repr(column) for column in missing)
            raise SourceError(
                f"The header has no column {names}. The first line must name the columns: "
                f"{', '.join(spec.required)} are needed, {', '.join(spec.optional)} may be added.",
                code="missing_column",
                where=name,
            )
        unnamed_reported = False
        for number, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            if any(value.strip() for value in values[len(header) :]):
                problems.append(
                    SourceProblem(
                        f"{name} line {number}",
                        f"This row has more values than the header has columns ({len(header)}), so they cannot be "
                        "told apart: is there a comma inside a number or a name without quotes? "
                        "The row was left out.",
                        "extra_values",
                    )
                )
                continue
            cells: dict[str, str] = {}
            for column, heading, value in zip(columns, header, values, strict=False):
                if column is not None:
                    cells[column] = _cell(value)
                elif not heading.strip() and value.strip() and not unnamed_reported:
                    unnamed_reported = True
                    problems.append(
                        SourceProblem(
                            f"{name} line {number}",
                            "This row has a value in a column whose header is empty; "
                            "values under no name were left out (here and on any later row).",
                            "unnamed_column",
                        )
                    )
            yield _Row(name, number, cells)
    except csv.Error as error:
        raise SourceError(
            f"The file cannot be read as CSV near line {reader.line_num}: {error}.", code="not_csv", where=name
        ) from error


# --- values ------------------------------------------------------------------------------------------


class _Fault(Exception):
    """A value in a row that cannot be taken; the message says which column and value."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _required(row: _Row, column: str) -> str:
    value = row.get(column)
    if not value:
        raise _Fault(f"The {column} is empty.", "missing_value")
    return value


def _amount(row: _Row, column: str) -> Decimal:
    text = _required(row, column)
    if _AMOUNT.fullmatch(text):
        return Decimal(text)
    if "," in text:
        hint = " Write decimals with a point (1.5) and thousands without a separator (1000)."
    elif re.search(r"[0-9]\s+[0-9]", text):
        hint = " Write it without spaces between the digits (1000)."
    else:
        hint = " Write it with digits and a point for decimals, such as 12.5."
    raise _Fault(f"The {column} {text!r} is not a number.{hint}", "bad_number")


def _not_negative(row: _Row, column: str) -> Decimal:
    value = _amount(row, column)
    if value < 0:
        raise _Fault(
            f"The {column} {row.get(column)!r} is below zero; take points away in adjustments.csv.", "negative_amount"
        )
    return value


def _moment(row: _Row, zone: ZoneInfo) -> dt.datetime:
    text = _required(row, "date")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _Fault(
            f"The date {text!r} is not written as ISO 8601: a date such as 2024-03-01 "
            "or a date and time such as 2024-03-01 20:30.",
            "bad_date",
        ) from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise _Fault(f"The date {text!r} is not between {FIRST_YEAR} and {LAST_YEAR}.", "bad_date")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)


def _key(name: str) -> str:
    """How a name is matched across rows and files: case and repeated spaces ignored."""
    return " ".join(name.split()).casefold()


def _composite(*keys: str) -> str:
    # A tab cannot survive ``_key``, so joining keys with one never makes two different pairs equal.
    return "\t".join(keys)


# --- the reading -------------------------------------------------------------------------------------


@dataclass
class _Character:
    name: str
    where: str
    eq_class: str = ""
    level: int | None = None
    race: str = ""
    main: str = ""  # the main's name as written, resolved when every file is read
    active: bool = True
    rank: str = ""


@dataclass
class _Raid:
    name: str
    where: str
    event_key: str
    pool_name: str
    event_name: str


@dataclass
class _Tick:
    raid_key: str
    description: str
    value: Decimal
    occurred_at: dt.datetime
    where: str
    attendees: dict[str, None] = field(default_factory=dict)  # keys in the order first seen


@dataclass
class _Reader:
    history: SourceHistory
    zone: ZoneInfo
    characters: dict[str, _Character] = field(default_factory=dict)
    pools: dict[str, SourcePool] = field(default_factory=dict)
    events: dict[str, SourceEvent] = field(default_factory=dict)
    raids: dict[str, _Raid] = field(default_factory=dict)
    ticks: dict[str, _Tick] = field(default_factory=dict)
    balances: dict[tuple[str, str], tuple[Decimal, str]] = field(default_factory=dict)
    _seen: dict[str, int] = field(default_factory=dict)

    def _problem(self, where: str, message: str, code: str) -> None:
        self.history.problems.append(SourceProblem(where, message, code))

    def _character_key(self, row: _Row, column: str = "character") -> str:
        """The key of the character the row names, made (without class or main) if it is new."""
        name = _required(row, column)
        key = _key(name)
        if key not in self.characters:
            self._named(name, row.where)
            self.characters[key] = _Character(name=name, where=row.where)
        return key

    def _named(self, name: str, where: str) -> None:
        if not is_character_name(name):
            self._problem(
                where,
                f"{name!r} is not an EverQuest name (4 to 15 letters, the first a capital); it was kept as written.",
                "not_an_eq_name",
            )

    def _pool_key(self, row: _Row) -> str:
        name = row.get("pool") or DEFAULT_POOL
        key = _key(name)
        self.pools.setdefault(key, SourcePool(key=key, name=name))
        return key

    # One method per file, each taking one row; a ``_Fault`` leaves the row out.

    def character(self, row: _Row) -> None:
        name = _required(row, "name")
        key = _key(name)
        if key in self.characters:
            raise _Fault(f"{name} is already on {self.characters[key].where}.", "duplicate_character")
        eq_class = ""
        if row.get("class"):
            eq_class = class_named(row.get("class")) or ""
            if not eq_class:
                raise _Fault(f"The class {row.get('class')!r} is not an EverQuest class.", "bad_class")
        level = None
        if row.get("level"):
            level = parse_level(row.get("level"))
            if level is None:
                raise _Fault(f"The level {row.get('level')!r} is not a level from 1 to 130.", "bad_level")
        active = True
        if row.get("active"):
            word = row.get("active").casefold()
            if word not in _YES | _NO:
                raise _Fault(f"The active {row.get('active')!r} is neither yes nor no.", "bad_active")
            active = word in _YES
        self._named(name, row.where)
        self.characters[key] = _Character(
            name=name,
            where=row.where,
            eq_class=eq_class,
            level=level,
            race=row.get("race"),
            main=row.get("main"),
            active=active,
            rank=row.get("rank"),
        )

    def attendance(self, row: _Row) -> None:
        raid_name = _required(row, "raid")
        occurred_at = _moment(row, self.zone)
        value = _not_negative(row, "value")
        _required(row, "character")
        raid_key = _key(raid_name)
        pool_name = row.get("pool") or DEFAULT_POOL
        event_name = row.get("event") or raid_name
        event_key = _composite(_key(pool_name), _key(event_name))
        raid = self.raids.get(raid_key)
        if raid is not None and raid.event_key != event_key:
            raise _Fault(
                f"The raid {raid_name!r} is {raid.event_name!r} in the pool {raid.pool_name!r} on {raid.where}, "
                f"but {event_name!r} in the pool {pool_name!r} here.",
                "raid_conflict",
            )
        tick_key = _composite(raid_key, _key(row.get("tick")))
        tick = self.ticks.get(tick_key)
        tick_name = f"The tick {row.get('tick')!r} of {raid_name!r}" if row.get("tick") else f"The raid {raid_name!r}"
        if tick is not None and tick.value != value:
            raise _Fault(
                f"{tick_name} is worth {tick.value} on {tick.where} but {value} here; a tick has one value.",
                "tick_value_conflict",
            )
        if tick is not None and tick.occurred_at != occurred_at:
            raise _Fault(
                f"{tick_name} is dated {row.get('date')!r} here but differently on {tick.where}; a tick has one time.",
                "tick_date_conflict",
            )
        character_key = self._character_key(row)
        if tick is not None and character_key in tick.attendees:
            raise _Fault(f"{row.get('character')} is already at this tick.", "duplicate_attendee")
        if raid is None:
            pool_key = self._pool_key(row)
            self.events.setdefault(event_key, SourceEvent(key=event_key, pool_key=pool_key, name=event_name))
            self.raids[raid_key] = _Raid(raid_name, row.where, event_key, pool_name, event_name)
        if tick is None:
            tick = _Tick(raid_key, row.get("tick"), value, occurred_at, row.where)
            self.ticks[tick_key] = tick
        tick.attendees[character_key] = None

    def loot(self, row: _Row) -> None:
        occurred_at = _moment(row, self.zone)
        item = _required(row, "item")
        price = _not_negative(row, "price")
        raid_key = None
        if row.get("raid"):
            raid_key = _key(row.get("raid"))
            if raid_key not in self.raids:
                raise _Fault(f"The raid {row.get('raid')!r} is not in ticks.csv.", "unknown_raid")
        item_id = None
        if row.get("item_id"):
            if not re.fullmatch(r"[0-9]{1,9}", row.get("item_id")) or int(row.get("item_id")) == 0:
                raise _Fault(f"The item_id {row.get('item_id')!r} is not an EverQuest item number.", "bad_item_id")
            item_id = int(row.get("item_id"))
        self.history.loot.append(
            SourceLoot(
                key=self._content_key("loot", occurred_at.isoformat(), row.get("character"), item, str(price)),
                character_key=self._character_key(row),
                item_name=item,
                price=price,
                pool_key=self._pool_key(row),
                occurred_at=occurred_at,
                raid_key=raid_key,
                eq_item_id=item_id,
            )
        )

    def _content_key(self, kind: str, *values: str) -> str:
        """A loot or adjustment row's key from what it says, not where it is: a row added above it
        or a fixed file saved under another name leaves the key alone, so importing the spreadsheet
        again brings only rows it has not brought. The same row written twice counts twice (#2)."""
        base = _composite(kind, *(" ".join((value or "").split()).casefold() for value in values))
        self._seen[base] = self._seen.get(base, 0) + 1
        return base if self._seen[base] == 1 else f"{base}#{self._seen[base]}"

    def adjustment(self, row: _Row) -> None:
        occurred_at = _moment(row, self.zone)
        amount = _amount(row, "amount")
        self.history.adjustments.append(
            SourceAdjustment(
                key=self._content_key("adjustment", occurred_at.isoformat(), row.get("character"), str(amount)),
                character_key=self._character_key(row),
                pool_key=self._pool_key(row),
                amount=amount,
                reason=row.get("reason"),
                occurred_at=occurred_at,
            )
        )

    def balance(self, row: _Row) -> None:
        amount = _amount(row, "balance")
        _required(row, "character")
        pair = (_key(row.get("character")), _key(row.get("pool") or DEFAULT_POOL))
        if pair in self.balances:
            raise _Fault(
                f"{row.get('character')} already has a balance in this pool on {self.balances[pair][1]}.",
                "duplicate_balance",
            )
        pair = (self._character_key(row), self._pool_key(row))
        self.balances[pair] = (amount, row.where)

    def finish(self, *, has_balances: bool) -> None:
        """Resolve the main links and write the neutral form, with the balances the spreadsheet gives."""
        history = self.history
        for key, character in self.characters.items():
            main_key = _key(character.main) if character.main else None
            if main_key == key:
                main_key = None
            if main_key is not None and main_key not in self.characters:
                self._problem(
                    character.where,
                    f"The main {character.main!r} of {character.name} is in none of the files; "
                    f"{character.name} was kept as a main.",
                    "unknown_main",
                )
                main_key = None
            history.characters.append(
                SourceCharacter(
                    key=key,
                    name=character.name,
                    eq_class=character.eq_class,
                    level=character.level,
                    race=character.race,
                    main_key=main_key,
                    active=character.active,
                    rank=character.rank,
                )
            )
        history.pools.extend(self.pools.values())
        history.events.extend(self.events.values())
        starts: dict[str, dt.datetime] = {}
        for tick_key, tick in self.ticks.items():
            history.ticks.append(
                SourceTick(
                    key=tick_key,
                    raid_key=tick.raid_key,
                    occurred_at=tick.occurred_at,
                    value=tick.value,
                    description=tick.description,
                    attendee_keys=tuple(tick.attendees),
                )
            )
            starts[tick.raid_key] = min(starts.get(tick.raid_key, tick.occurred_at), tick.occurred_at)
        history.raids.extend(
            SourceRaid(key=key, event_key=raid.event_key, starts_at=starts[key], note=raid.name)
            for key, raid in self.raids.items()
        )
        if has_balances:
            history.balances = {pair: amount for pair, (amount, _where) in self.balances.items() if amount != 0}
        else:
            pool_of_event = {event.key: event.pool_key for event in self.events.values()}
            history.balances = balances_from_rows(
                ticks=history.ticks,
                tick_pool={tick.key: pool_of_event[self.raids[tick.raid_key].event_key] for tick in history.ticks},
                loot=history.loot,
                adjustments=history.adjustments,
            )
