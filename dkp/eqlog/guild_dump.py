"""Guild dumps: the member list the EverQuest client writes with ``/outputfile guild``.

One character a line, tab-separated, each line ending in a tab and CRLF, in a file named
``<Guild Name>_<server>-YYYYMMDD-HHMMSS.txt`` (older clients: ``<Guild Name>-YYYYMMDD-HHMMSS.txt``):
name, level, class, rank, alt flag ("A" or empty), last on (MM/DD/YY), zone, personal note, then
the tribute and other columns, and the public note last (14 values from the Live client, 15 from
some others; each line ends in a tab either way).

Only the members the guild window shows are written: a dump taken while the window shows one
page instead of "All" is partial, and nothing in the file tells so.

``parse_guild_dump`` takes what it can and lists every line it could not take, with its number.
It raises ``GuildDumpError`` only when the file is not a guild dump at all, and says so when it is
a raid dump or a log instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from dkp.eqlog.classes import class_named
from dkp.eqlog.dumps import (
    MAX_LEVEL,
    DumpLine,
    LineProblem,
    ProblemCode,
    decode_dump,
    dump_lines,
    is_character_name,
    looks_like_guild_line,
    looks_like_raid_line,
    parse_dump_file_name,
    parse_level,
    value_count,
)
from dkp.eqlog.errors import GuildDumpError
from dkp.eqlog.raid_dump import RAID_DUMP_KIND

__all__ = ["GuildDump", "GuildDumpError", "GuildDumpRow", "parse_guild_dump"]

# Name to zone (``MIN_VALUES`` in ``looks_like_guild_line``) is what every client writes; the
# personal note, the tribute columns and the public note follow.
_PERSONAL_NOTE = 7
# A line of this many values or more ends with the public note: 14 from the Live client, 15 from others.
_PUBLIC_NOTE_FROM = 14
_LAST_ON = re.compile(r"(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<year>[0-9]{2})", re.ASCII)


@dataclass(frozen=True)
class GuildDumpRow:
    """One member of the guild when the dump was written."""

    line_number: int
    name: str
    level: int
    eq_class: str  # one of ``EQ_CLASSES``
    rank: str  # the guild's own rank names: "Leader", "Officer", "Member", "Recruit", ...
    is_alt: bool
    last_on: dt.date | None  # None when the column is empty
    zone: str  # where the member was last seen, as the client names it: "The Plane of Knowledge"
    note: str  # the personal note
    public_note: str  # empty when the dump has no public note column


@dataclass(frozen=True)
class GuildDump:
    """A parsed guild dump: the members taken, the lines that were not, and what the file name says."""

    rows: tuple[GuildDumpRow, ...]
    problems: tuple[LineProblem, ...]
    guild_name: str  # from the file name; empty when no dump's file name was given
    server: str | None  # from the file name; None from older clients or without a file name
    taken_at: dt.datetime | None  # naive: the player's local time; the guild's time zone places it

    @property
    def is_clean(self) -> bool:
        return not self.problems


def parse_guild_dump(data: bytes | str, file_name: str = "") -> GuildDump:
    """Read a guild dump. Raises ``GuildDumpError`` only when the file is not a guild dump."""
    text = decode_dump(data, error=GuildDumpError, what="a guild dump")
    lines = dump_lines(text)
    if not any(looks_like_guild_line(line.values) for line in lines):
        raise GuildDumpError(_not_a_guild_dump(lines))
    # A cut-short line is one with fewer values than the file's lines have, whichever client wrote it.
    counts = Counter(value_count(line.values) for line in lines if looks_like_guild_line(line.values))
    expected = max(counts, key=lambda count: (counts[count], count))
    rows: list[GuildDumpRow] = []
    problems: list[LineProblem] = []
    first_seen: dict[str, int] = {}
    for line in lines:
        row, line_problems = _read_line(line, expected)
        problems.extend(line_problems)
        if row is None:
            continue
        first_line = first_seen.setdefault(row.name.lower(), line.number)
        if first_line != line.number:
            message = f"{row.name} is listed twice (first on line {first_line})."
            problems.append(LineProblem(line.number, ProblemCode.DUPLICATE_NAME, message))
            continue
        rows.append(row)
    named = parse_dump_file_name(file_name) if file_name else None
    if named is not None and named.kind.lower() == RAID_DUMP_KIND.lower():
        named = None  # a guild dump saved under a raid dump's name tells nothing about the guild
    return GuildDump(
        rows=tuple(rows),
        problems=tuple(problems),
        guild_name=named.kind.strip() if named else "",
        server=named.server if named else None,
        taken_at=named.written_at if named else None,
    )


def _not_a_guild_dump(lines: list[DumpLine]) -> str:
    first = lines[0]
    if any(looks_like_raid_line(line.values) for line in lines):
        return "This is a raid dump (/outputfile raid), not a guild dump."
    if first.text.startswith("[") and "]" in first.text[:30]:
        return "This is an EverQuest log file, not a guild dump."
    shown = first.text if len(first.text) <= 60 else first.text[:57] + "..."
    return (
        "This is not a guild dump: no line has the name, level, class, rank, alt flag, last on and zone "
        f"separated by tabs (line {first.number} reads {shown!r})."
    )


def _read_line(line: DumpLine, expected: int) -> tuple[GuildDumpRow | None, list[LineProblem]]:
    """The member on one line, or None and the reasons it cannot be taken."""
    number = line.number
    count = value_count(line.values)
    if count < expected:
        message = f"Only {count} of the {expected} values a line of this guild dump has; the line looks cut short."
        return None, [LineProblem(number, ProblemCode.TRUNCATED_LINE, message)]
    if count > expected:
        message = f"{count} values where this dump's lines have {expected}."
        return None, [LineProblem(number, ProblemCode.EXTRA_COLUMNS, message)]
    values = line.values
    problems = []
    name = values[0]
    if not is_character_name(name):
        message = f"{name!r} is not a character name (4 to 15 letters, only the first upper case)."
        problems.append(LineProblem(number, ProblemCode.BAD_NAME, message))
    level = parse_level(values[1])
    if level is None:
        message = f"The level {values[1]!r} is not a number from 1 to {MAX_LEVEL}."
        problems.append(LineProblem(number, ProblemCode.BAD_LEVEL, message))
    eq_class = class_named(values[2])
    if eq_class is None:
        problems.append(LineProblem(number, ProblemCode.UNKNOWN_CLASS, f"{values[2]!r} is not an EverQuest class."))
    alt_flag = values[4].upper()
    if alt_flag not in ("", "A"):
        message = f"The alt flag {values[4]!r} is neither 'A' nor empty."
        problems.append(LineProblem(number, ProblemCode.BAD_ALT_FLAG, message))
    last_on = _last_on(values[5])
    if values[5] and last_on is None:
        message = f"The last-on date {values[5]!r} is not a date written MM/DD/YY."
        problems.append(LineProblem(number, ProblemCode.BAD_DATE, message))
    if level is None or eq_class is None or problems:
        return None, problems
    return GuildDumpRow(
        line_number=number,
        name=name,
        level=level,
        eq_class=eq_class,
        rank=values[3],
        is_alt=alt_flag == "A",
        last_on=last_on,
        zone=values[6],
        note=values[_PERSONAL_NOTE] if count > _PERSONAL_NOTE else "",
        public_note=values[count - 1] if count >= _PUBLIC_NOTE_FROM else "",
    ), []


def _last_on(text: str) -> dt.date | None:
    match = _LAST_ON.fullmatch(text)
    if match is None:
        return None
    year = int(match["year"])
    try:
        # EverQuest opened in 1999: "99" is 1999, every other year is in this century.
        return dt.date(1999 if year == 99 else 2000 + year, int(match["month"]), int(match["day"]))
    except ValueError:  # 02/30/26: digits in the right places, but no day
        return None
