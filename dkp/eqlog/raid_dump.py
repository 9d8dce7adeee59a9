"""Raid dumps: the roster the EverQuest client writes with ``/outputfile raid`` or the Raid window's dump.

One character a line, tab-separated, each line ending in a tab and CRLF:
- current client, 8 values: group (0 = in no group), name, level, class, raid rank ("Raid Leader",
  "Group Leader" or empty), two columns that are usually empty, "Yes"/"No";
- older clients (e.g. servers on the 2002 client), 5 values: group, name, level, class, raid rank.

``parse_raid_dump`` takes what it can and lists every line it could not take, with its number, so
an officer sees all the faults at once. It raises ``RaidDumpError`` only for a file that is not a
raid dump at all. ``write_raid_dump`` writes the client's exact format back (demo data and tests).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from dkp.eqlog.classes import class_named
from dkp.eqlog.dumps import (
    MAX_LEVEL,
    DumpFileName,
    DumpLine,
    LineProblem,
    ProblemCode,
    decode_dump,
    dump_file_name,
    dump_lines,
    fit_values,
    is_character_name,
    looks_like_guild_line,
    parse_dump_file_name,
    parse_level,
    value_count,
)
from dkp.eqlog.errors import RaidDumpError

RAID_DUMP_KIND = "RaidRoster"
RAID_LEADER = "Raid Leader"
GROUP_LEADER = "Group Leader"
MAX_GROUP = 12  # a raid is at most 12 groups of 6
MAX_RAID_SIZE = 72  # so a raid dump lists at most 72 characters, however many windows wrote it


class RaidDumpFormat(enum.StrEnum):
    CURRENT = "current"
    OLDER = "older"


_VALUE_COUNT = {RaidDumpFormat.CURRENT: 8, RaidDumpFormat.OLDER: 5}
_YES_NO = {"yes": True, "no": False}


@dataclass(frozen=True)
class RaidDumpRow:
    """One character in the raid when the dump was written."""

    line_number: int
    group: int  # 1 to 12; 0 when the character is in the raid but in no group
    name: str
    level: int
    eq_class: str  # one of ``EQ_CLASSES``
    rank: str = ""  # "Raid Leader", "Group Leader" or empty
    # The current client's two usually-empty columns; () when both are empty or the client is older.
    extra: tuple[str, ...] = ()
    # The current client's last column, "Yes"/"No"; None from older clients. The client does not
    # label it; the raid leader always has "Yes", which fits the Raid window's loot permission.
    looter: bool | None = None


@dataclass(frozen=True)
class RaidDump:
    """A parsed raid dump: the characters taken, the lines that were not, and what the file name says."""

    rows: tuple[RaidDumpRow, ...]
    problems: tuple[LineProblem, ...]
    format: RaidDumpFormat
    file_name: DumpFileName | None = None  # None when no name was given or it is not a dump's name

    @property
    def is_clean(self) -> bool:
        return not self.problems


def parse_raid_dump(data: str | bytes, *, file_name: str | None = None) -> RaidDump:
    """Read a raid dump from either client. Raises ``RaidDumpError`` only when the file is not a raid dump."""
    text = decode_dump(data, error=RaidDumpError, what="a raid dump")
    lines = dump_lines(text)
    dump_format = _format_of(lines)  # a file of another kind is named as such first
    if len(lines) > MAX_RAID_SIZE:
        # Refused before the lines are read one by one: a raid cannot hold more, so this is not one raid's roster.
        raise RaidDumpError(
            f"The file lists {len(lines):,} characters; a raid holds at most {MAX_RAID_SIZE}.",
            code="too_many_characters",
        )
    rows: list[RaidDumpRow] = []
    problems: list[LineProblem] = []
    first_seen: dict[str, int] = {}
    for line in lines:
        if _is_empty_slot(line.values):
            continue  # the client writes a group's empty places as the group number alone
        row, line_problems = _read_line(line, dump_format)
        problems.extend(line_problems)
        if row is None:
            continue
        first_line = first_seen.setdefault(row.name.lower(), line.number)
        if first_line != line.number:
            problems.append(
                LineProblem(
                    line.number, ProblemCode.DUPLICATE_NAME, f"{row.name} is listed twice (first on line {first_line})."
                )
            )
            continue
        rows.append(row)
    return RaidDump(
        rows=tuple(rows),
        problems=tuple(problems),
        format=dump_format,
        file_name=parse_raid_dump_file_name(file_name) if file_name else None,
    )


def parse_raid_dump_file_name(file_name: str) -> DumpFileName | None:
    """Server and local time from ``RaidRoster_<server>-YYYYMMDD-HHMMSS.txt`` or ``RaidRoster-…``; None otherwise."""
    parsed = parse_dump_file_name(file_name)
    if parsed is None or parsed.kind.lower() != RAID_DUMP_KIND.lower():
        return None
    return parsed


def raid_dump_file_name(written_at: dt.datetime, *, server: str | None = None) -> str:
    """The name the client gives a raid dump written at ``written_at`` (a naive local datetime)."""
    return dump_file_name(RAID_DUMP_KIND, written_at, server=server)


def write_raid_dump(rows: Iterable[RaidDumpRow], *, older_client: bool = False) -> str:
    """The text the client writes for these rows, in the current format or the older clients' one.

    ``line_number`` is not written; rows are written in the order given.
    """
    lines = []
    for row in rows:
        values = [str(row.group), row.name, str(row.level), row.eq_class, row.rank]
        if not older_client:
            extra = (*row.extra, "", "")[:2]
            values += [*extra, "Yes" if row.looter else "No"]
        for value in values:
            if any(char in value for char in "\t\r\n"):
                raise ValueError(
                    f"{value!r} (line for {row.name}) cannot be written: dump values hold no tabs or newlines."
                )
        lines.append("\t".join(values) + "\t\r\n")
    return "".join(lines)


def _is_roster_line(line: DumpLine, dump_format: RaidDumpFormat) -> bool:
    values = fit_values(line.values, _VALUE_COUNT[dump_format])
    return values is not None and _group(values[0]) is not None


def _format_of(lines: list[DumpLine]) -> RaidDumpFormat:
    """The client that wrote the file, by the shape most of its lines have; raises when no line has either."""
    current = sum(1 for line in lines if _is_roster_line(line, RaidDumpFormat.CURRENT))
    older = sum(1 for line in lines if _is_roster_line(line, RaidDumpFormat.OLDER))
    if current == older == 0:
        raise RaidDumpError(_not_a_raid_dump(lines))
    return RaidDumpFormat.CURRENT if current >= older else RaidDumpFormat.OLDER


def _not_a_raid_dump(lines: list[DumpLine]) -> str:
    first = lines[0]
    if any(looks_like_guild_line(line.values) for line in lines):
        return "This is a guild dump (/outputfile guild), not a raid dump."
    if first.text.startswith("[") and "]" in first.text[:30]:
        return "This is an EverQuest log file, not a raid dump."
    shown = first.text if len(first.text) <= 60 else first.text[:57] + "..."
    return (
        "This is not a raid dump: no line has the group, name, level, class and rank separated by tabs "
        f"(line {first.number} reads {shown!r})."
    )


def _group(text: str) -> int | None:
    if not (text.isascii() and text.isdigit()) or len(text) > 2:
        return None
    group = int(text)
    return group if group <= MAX_GROUP else None


def _is_empty_slot(values: tuple[str, ...]) -> bool:
    """A row holding only a group number: a place in that group nobody fills."""
    return _group(values[0]) is not None and not any(values[1:])


def _read_line(line: DumpLine, dump_format: RaidDumpFormat) -> tuple[RaidDumpRow | None, list[LineProblem]]:
    """The row on one line, or None and the reasons it cannot be taken."""
    expected = _VALUE_COUNT[dump_format]
    number = line.number
    fitted = fit_values(line.values, expected)
    if fitted is None:
        count = value_count(line.values)
        if count < expected:
            message = f"Only {count} of the {expected} values a raid dump line has; the line looks cut short."
            return None, [LineProblem(number, ProblemCode.TRUNCATED_LINE, message)]
        message = f"{count} values where this dump's lines have {expected}."
        return None, [LineProblem(number, ProblemCode.EXTRA_COLUMNS, message)]
    values = fitted
    problems = []
    group = _group(values[0])
    if group is None:
        problems.append(
            LineProblem(
                number, ProblemCode.BAD_GROUP, f"The group {values[0]!r} is not a number from 0 to {MAX_GROUP}."
            )
        )
    name = values[1]
    if not is_character_name(name):
        problems.append(
            LineProblem(
                number,
                ProblemCode.BAD_NAME,
                f"{name!r} is not a character name (4 to 15 letters, only the first upper case).",
            )
        )
    level = parse_level(values[2])
    if level is None:
        problems.append(
            LineProblem(
                number, ProblemCode.BAD_LEVEL, f"The level {values[2]!r} is not a number from 1 to {MAX_LEVEL}."
            )
        )
    eq_class = class_named(values[3])
    if eq_class is None:
        problems.append(LineProblem(number, ProblemCode.UNKNOWN_CLASS, f"{values[3]!r} is not an EverQuest class."))
    if group is None or level is None or eq_class is None or problems:
        return None, problems
    if dump_format is RaidDumpFormat.OLDER:
        return RaidDumpRow(number, group, name, level, eq_class, rank=values[4]), []
    extra = values[5:7] if any(values[5:7]) else ()
    return RaidDumpRow(
        number, group, name, level, eq_class, rank=values[4], extra=extra, looter=_YES_NO.get(values[7].lower())
    ), []
