"""What every dump the EverQuest client writes (``/outputfile raid``, ``/outputfile guild``) has in common.

Dumps are tab-separated text, one character a line, CRLF, in files named
``<Kind>_<server>-YYYYMMDD-HHMMSS.txt`` (``<Kind>-YYYYMMDD-HHMMSS.txt`` on older clients), where
the time is the player's local time with no zone. This module reads the text into numbered
lines, names the faults a line can have, and reads the file name.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from dkp.eqlog.classes import class_named
from dkp.eqlog.errors import EqLogError

MAX_LEVEL = 130

_CHARACTER_NAME = re.compile(r"[A-Z][a-z]{3,14}")
_DUMP_FILE_NAME = re.compile(
    r"(?P<kind>.+?)(?:_(?P<server>[A-Za-z0-9]+))?-(?P<date>[0-9]{8})-(?P<time>[0-9]{6})\.txt", re.IGNORECASE
)
# Share of control characters above which text is taken for a binary file rather than a damaged dump.
_BINARY_SHARE = 0.05


class ProblemCode(enum.StrEnum):
    TRUNCATED_LINE = "truncated_line"
    EXTRA_COLUMNS = "extra_columns"
    BAD_GROUP = "bad_group"
    BAD_NAME = "bad_name"
    BAD_LEVEL = "bad_level"
    UNKNOWN_CLASS = "unknown_class"
    DUPLICATE_NAME = "duplicate_name"
    BAD_ALT_FLAG = "bad_alt_flag"
    BAD_DATE = "bad_date"
    BAD_TIMESTAMP = "bad_timestamp"
    BAD_QUANTITY = "bad_quantity"
    UNREADABLE_LINE = "unreadable_line"


@dataclass(frozen=True)
class LineProblem:
    """One line of a dump or log that could not be taken, and why."""

    line_number: int
    code: ProblemCode
    message: str

    def __str__(self) -> str:
        return f"Line {self.line_number}: {self.message}"


@dataclass(frozen=True)
class DumpLine:
    """A non-blank line of a dump: its number in the file (from 1) and its tab-separated values."""

    number: int
    text: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class DumpFileName:
    """What a dump's file name tells: the kind of dump, the server (absent on older clients) and when."""

    kind: str
    server: str | None
    written_at: dt.datetime  # naive: the player's local time; the guild's time zone places it


def is_character_name(text: str) -> bool:
    """EverQuest names: 4 to 15 letters, the first upper case and no other."""
    return _CHARACTER_NAME.fullmatch(text) is not None


def parse_level(text: str) -> int | None:
    """A character level written as digits, 1 to ``MAX_LEVEL``; None for anything else."""
    if not re.fullmatch(r"[0-9]{1,3}", text):
        return None
    level = int(text)
    return level if 1 <= level <= MAX_LEVEL else None


def decode_dump(data: str | bytes, *, error: type[EqLogError], what: str, empty_message: str | None = None) -> str:
    """The dump's text; raises ``error`` for an empty or binary file.

    The client writes ASCII; UTF-8 is tried first and Windows-1252/Latin-1 after, so an odd byte
    in a note never makes a whole dump unreadable.
    """
    if isinstance(data, bytes):
        if b"\x00" in data:
            raise error(f"This is a binary file, not {what}.", code="binary_file")
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            text = data.decode("latin-1")
    else:
        text = data.removeprefix("\ufeff")
    if not text.strip():
        raise error(empty_message or f"The file is empty; {what} has one line per character.", code="empty_file")
    control = sum(1 for char in text if (ord(char) < 32 and char not in "\t\r\n") or ord(char) == 127)
    if "\x00" in text or control > _BINARY_SHARE * len(text):
        raise error(f"This is a binary file, not {what}.", code="binary_file")
    return text


def dump_lines(text: str) -> list[DumpLine]:
    """The non-blank lines, numbered as an editor shows them, split on tabs (each value stripped).

    The client ends every line with a tab, so the last value is usually an empty one.
    """
    lines = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r")
        if line.strip():
            lines.append(DumpLine(number=number, text=line, values=tuple(value.strip() for value in line.split("\t"))))
    return lines


def fit_values(values: tuple[str, ...], count: int) -> tuple[str, ...] | None:
    """The line's ``count`` values, with or without the client's trailing tab; None when the count differs."""
    if len(values) == count + 1 and values[-1] == "":
        return values[:-1]
    return values if len(values) == count else None


def value_count(values: tuple[str, ...]) -> int:
    """How many values a line has, not counting the empty one after the client's trailing tab."""
    return len(values) - 1 if len(values) > 1 and values[-1] == "" else len(values)


def looks_like_raid_line(values: tuple[str, ...]) -> bool:
    """Whether a line has a raid dump's shape: group, name, level, class, rank (and more on the current client)."""
    return (
        value_count(values) in (5, 8)
        and len(values[0]) <= 2
        and values[0].isascii()
        and values[0].isdigit()
        and parse_level(values[2]) is not None
        and class_named(values[3]) is not None
    )


def looks_like_guild_line(values: tuple[str, ...]) -> bool:
    """Whether a line has a guild dump's shape: name, level, class, rank, alt flag, last on, zone and more."""
    return value_count(values) >= 7 and parse_level(values[1]) is not None and class_named(values[2]) is not None


def parse_dump_file_name(file_name: str) -> DumpFileName | None:
    """Read ``<Kind>_<server>-YYYYMMDD-HHMMSS.txt`` (server optional); None when the name is not a dump's.

    Folders in front of the name (``/`` or ``\\``) are ignored.
    """
    base = re.split(r"[\\/]", file_name)[-1].strip()
    match = _DUMP_FILE_NAME.fullmatch(base)
    if match is None:
        return None
    date, time = match["date"], match["time"]
    try:
        written_at = dt.datetime(
            int(date[:4]), int(date[4:6]), int(date[6:]), int(time[:2]), int(time[2:4]), int(time[4:])
        )
    except ValueError:  # a month 13, a 25th hour: digits in the right places, but no time
        return None
    return DumpFileName(kind=match["kind"], server=match["server"], written_at=written_at)


def dump_file_name(kind: str, written_at: dt.datetime, *, server: str | None = None) -> str:
    """The file name the client gives a dump written at ``written_at`` (local time)."""
    server_part = f"_{server}" if server else ""
    return f"{kind}{server_part}-{written_at:%Y%m%d-%H%M%S}.txt"
