"""EverQuest log lines: ``/who`` lists, raid joins and leaves, loot and zoning, from a log file or a paste.

The client writes ``eqlog_<Name>_<server>.txt``, one message a line, each behind the local time
with no zone: ``[Wed Nov 25 19:44:24 2026] You have entered Vex Thal.``. ``parse_log`` reads an
excerpt of such a file and keeps what attendance and loot need; every other line (chat, combat,
spells) is skipped without a word. ``parse_who`` reads a ``/who`` list an officer pasted, with or
without the times, to take attendance.

``read_line`` reads one line of a log as it is being written, for the loot master's companion:
tells and raid chat (``ChatLine``) as well as joins, leaves, loot and zoning, through the same
per-line code ``parse_log`` uses.

``/who`` shows a class title from level 51 instead of the class ("Warlord" for a level 60
Warrior); the rows carry the base class, mapped back by ``class_of_title``. A line that looks like
what these parsers read but cannot be taken is a problem with its line number; the parsers raise
``LogError`` only for text that is not a log (or not a ``/who`` list) at all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Literal

from dkp.eqlog.classes import class_of_title
from dkp.eqlog.dumps import (
    MAX_LEVEL,
    LineProblem,
    ProblemCode,
    decode_dump,
    dump_lines,
    is_character_name,
    looks_like_guild_line,
    looks_like_raid_line,
    parse_level,
)
from dkp.eqlog.errors import LogError

__all__ = [
    "ChatLine",
    "LogError",
    "LogExcerpt",
    "LootLine",
    "RaidEvent",
    "WhoRow",
    "ZoneLine",
    "parse_log",
    "parse_timestamp",
    "parse_who",
    "read_line",
]

YOU = "You"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TIMESTAMP = re.compile(
    r"\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<month>[A-Z][a-z]{2}) +(?P<day>[0-9]{1,2}) "
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2}) (?P<year>[0-9]{4})\] ?",
    re.ASCII,
)
# What a time looks like even when it is not one (a month "Foo", a February 30th).
_TIMESTAMP_SHAPE = re.compile(r"\[[A-Za-z]{3} [A-Za-z]{3} +[0-9]{1,2} [0-9:]{8} [0-9]{4}\]", re.ASCII)

# /who. The marks come first ("AFK", "<LINKDEAD>", "OFFLINE MODE", "TRADER", "BUYER"), then the
# bracket: level and title, the current client adding the base class ("[65 Forest Stalker
# (Ranger)]"), or "[ANONYMOUS]". Then the name, the race (the space before it can be missing), a
# group marker on Live ("(Group: 3)", "(Group: None)", before or after the race), the guild (Live
# may put a space inside the bracket: "< Ashen Vanguard>"), and on the current client "ZONE: " and
# the zone: a short name ("vexthal") or, on Live, the zone's whole name, which can hold spaces,
# commas and digits. "LFG" and the like may trail; after a zone only "LFG" is taken as a mark,
# since a zone's name can end in capitals ("Plane of Time II" is not a zone and "II" a mark).
_WHO_MARK = re.compile(
    r"\s*(?:(?P<afk>AFK)\b|(?P<linkdead><LINKDEAD>)|(?P<offline>OFFLINE MODE)\b|(?P<trader>TRADER|BUYER)\b)",
    re.ASCII,
)
# Possessive quantifiers (``*+``): a long run of spaces must not make the match backtrack for ever.
_WHO_ROW = re.compile(
    r"\[(?:(?P<anonymous>ANONYMOUS)|(?P<level>[0-9]++) (?P<title>[^\]()]+?)(?: \((?P<base>[^()\]]++)\))?)\]"
    r" *+(?P<name>[^\s(<>]++)"
    r"(?: *+\((?:Group: *+(?P<group>[^()]*+)|(?!Group:)(?P<race>[^()]*+))\)){0,2}+"
    r" *+(?:<(?P<guild>[^<>]*+)>)?"
    r"(?: *+ZONE: *+(?P<zone>\S.*?)(?: ++LFG)?+ *+|(?: *+[A-Z]{2,4}\b)*+ *+)",
)
_WHO_START = re.compile(r"\[(?:[0-9]+ |ANONYMOUS\])")
_WHO_HEADER = re.compile(r"Players (?:on|in) EverQuest:|-{5,}")
_WHO_FOOTER = re.compile(
    r"There (?:are|is) (?P<count>[0-9]+|no) players? in (?P<zone>.+?)(?: that match those who filters)?\.",
)
_WHO_ALL_ZONE = "EverQuest"  # "/who all" counts the players in EverQuest, not in a zone

_JOINED = re.compile(r"(?P<name>\S+) (?:has )?joined the raid\.|(?P<you>You) have joined the raid\.")
# Leaving by one's own hand, or removed by the raid's leader.
_LEFT = re.compile(
    r"(?P<you>You) (?:have left|were removed from) the raid\."
    r"|(?P<name>\S+) (?:(?:has )?left|was removed from) the raid\.",
)
# "--Name has looted a Item.--": the item ends at ".--", since item names can have periods.
_LOOT = re.compile(
    r"--(?:(?P<you>You) have|(?P<looter>\S+) has) looted (?P<quantity>an?|[0-9]+) (?P<item>.+?)\.--",
)
# What follows the item when the client names where it came from: a container ("from a cracked
# coffer") or a named creature ("from Lord Nagafen's corpse"), which is the last " from " of the text.
_CONTAINER = re.compile(r" from an? ")
_NAMED_CORPSE = re.compile(r" from (?:(?! from ).)+?'s corpse\Z")
# A chest's loot: "Gwendolyn grabbed a Cloak of Flames from an icebound chest ." (the client puts a
# space before the period).
_GRABBED = re.compile(
    r"(?:(?P<you>You)|(?P<looter>\S+)) grabbed (?P<quantity>an?|[0-9]+) (?P<item>.+)"
    r" from (?P<source>(?:(?! from ).)+?) ?\.",
)
# Chat the companion acts on: a tell to the log's own character and the raid channel. Anything
# else said (guild, group, say, shout, ooc, auction, "You told ...") is not read.
_TELL = re.compile(r"(?!You )(?P<speaker>\S.*?) tells you, '(?P<text>.*)'")
_RAID_SAY = re.compile(r"(?:(?P<you>You) tell your raid|(?P<speaker>\S+) tells the raid), +'(?P<text>.*)'")
_ENTERED_ZONE = re.compile(r"You have entered (?P<zone>[A-Z].*?)\.")


@dataclass(frozen=True)
class WhoRow:
    """One character in a ``/who`` list."""

    line_number: int
    at: dt.datetime | None  # naive local time; None when the line was pasted without its time
    name: str
    level: int | None  # None when anonymous
    eq_class: str | None  # the base class, one of ``EQ_CLASSES``, even where a title was shown; None when anonymous
    race: str  # "Wood Elf"; empty when anonymous
    guild: str  # empty when the character is in no guild (or hides it)
    anonymous: bool
    afk: bool
    linkdead: bool
    # The zone's short name the current client writes ("vexthal"); else the zone the list's
    # "There are N players in Zone." names ("Vex Thal"); empty after "/who all" without zones.
    zone: str
    # "OFFLINE MODE": a trader or buyer left in the Bazaar, not a player at the keyboard.
    offline: bool = False
    # "TRADER" or "BUYER": selling or buying in the Bazaar, so not in the raid's zone; empty otherwise.
    trader: str = ""
    # Live's group marker, "(Group: 3)": "3", or "None" when in no group; empty when not shown.
    group: str = ""


@dataclass(frozen=True)
class RaidEvent:
    """A character joining or leaving the raid; ``name`` is "You" for the log's own character."""

    line_number: int
    at: dt.datetime | None
    name: str
    kind: Literal["joined", "left"]


@dataclass(frozen=True)
class LootLine:
    """An item looted from a corpse or a container; ``looter`` is "You" for the log's own character."""

    line_number: int
    at: dt.datetime | None
    looter: str
    item: str
    quantity: int


@dataclass(frozen=True)
class ZoneLine:
    """The log's own character entering a zone."""

    line_number: int
    at: dt.datetime | None
    zone: str  # as the client names it: "Vex Thal"


@dataclass(frozen=True)
class ChatLine:
    """A tell to the log's own character or a message in raid chat.

    "Gwendolyn tells you, 'Cloak of Flames 45'" is a tell from Gwendolyn; "You tell your raid,
    '!bids open Cloak of Flames'" is raid chat from "You", the log's own character.
    """

    line_number: int
    at: dt.datetime | None  # naive local time
    speaker: str  # "You" for the log's own character; as written otherwise ("Merchant Joe" for an NPC)
    channel: Literal["tell", "raid"]
    text: str  # what is inside the quotes, exactly


LogLine = ChatLine | RaidEvent | LootLine | ZoneLine


@dataclass(frozen=True)
class LogExcerpt:
    """What a log excerpt tells, in line order, and the lines that looked readable but were not."""

    who: tuple[WhoRow, ...]
    raid_events: tuple[RaidEvent, ...]
    loot: tuple[LootLine, ...]
    zones: tuple[ZoneLine, ...]
    problems: tuple[LineProblem, ...]

    @property
    def is_clean(self) -> bool:
        return not self.problems


def parse_timestamp(line: str) -> tuple[dt.datetime | None, str]:
    """The time in front of a log line (naive, local) and the rest; ``(None, line)`` when it has none."""
    match = _TIMESTAMP.match(line)
    if match is None or match["month"] not in _MONTHS:
        return None, line
    try:
        at = dt.datetime(
            int(match["year"]),
            _MONTHS.index(match["month"]) + 1,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"]),
        )
    except ValueError:  # February 30th, hour 25: the shape of a time, but none
        return None, line
    return at, line[match.end() :]


def parse_log(text: str | bytes) -> LogExcerpt:
    """Read a log excerpt. Raises ``LogError`` only when no line carries the client's time."""
    lines = _lines(text, what="an EverQuest log")
    who = _WhoReader()
    raid_events: list[RaidEvent] = []
    loot: list[LootLine] = []
    zones: list[ZoneLine] = []
    problems: list[LineProblem] = []
    timestamped = 0
    for number, line in lines:
        at, rest = parse_timestamp(line)
        if at is None and _TIMESTAMP_SHAPE.match(line):
            message = f"{line[: line.index(']') + 1]!r} is not a date and time."
            problems.append(LineProblem(number, ProblemCode.BAD_TIMESTAMP, message))
            continue
        timestamped += at is not None
        rest = rest.strip()
        if who.read(number, at, rest):
            continue
        read = _event(number, at, rest, problems)
        if isinstance(read, RaidEvent):
            raid_events.append(read)
        elif isinstance(read, LootLine):
            loot.append(read)
        elif isinstance(read, ZoneLine):
            zones.append(read)
    if not timestamped:
        raise LogError(_not_a_log(lines, "an EverQuest log", "no line starts with the time the client writes"))
    problems.extend(who.problems)
    return LogExcerpt(
        who=tuple(who.rows),
        raid_events=tuple(raid_events),
        loot=tuple(loot),
        zones=tuple(zones),
        problems=tuple(sorted(problems, key=lambda problem: problem.line_number)),
    )


def read_line(line: str, line_number: int = 0) -> LogLine | None:
    """One line of a log as the client writes it, time first: what it tells, or None.

    For a program following a log as it grows (the loot master's companion): a tell or raid chat,
    a raid join or leave, loot, or entering a zone. Any other line, and a line of these shapes that
    cannot be taken (a name that is no character's), is None. Never raises for any text.
    """
    at, rest = parse_timestamp(line.removesuffix("\n").removesuffix("\r"))
    rest = rest.strip()
    return _event(line_number, at, rest, []) or _chat(line_number, at, rest)


def _event(
    number: int, at: dt.datetime | None, text: str, problems: list[LineProblem]
) -> RaidEvent | LootLine | ZoneLine | None:
    """A raid join or leave, loot or a zone entered, read as parse_log and read_line both read them."""
    if event := _raid_event(number, at, text, problems):
        return event
    if looted := _loot(number, at, text, problems):
        return looted
    if entered := _ENTERED_ZONE.fullmatch(text):
        return ZoneLine(number, at, entered["zone"])
    return None


def _chat(number: int, at: dt.datetime | None, text: str) -> ChatLine | None:
    if tell := _TELL.fullmatch(text):
        return ChatLine(number, at, tell["speaker"], "tell", tell["text"])
    if said := _RAID_SAY.fullmatch(text):
        return ChatLine(number, at, said["you"] or said["speaker"], "raid", said["text"])
    return None


def parse_who(text: str | bytes) -> tuple[tuple[WhoRow, ...], tuple[LineProblem, ...]]:
    """Read a pasted ``/who`` list, with or without the times; every other line is a problem.

    Raises ``LogError`` only when no line is part of a ``/who`` list.
    """
    lines = _lines(text, what="a /who list")
    who = _WhoReader()
    other: list[LineProblem] = []
    for number, line in lines:
        at, rest = parse_timestamp(line)
        if not who.read(number, at, rest.strip()):
            shown = line if len(line) <= 60 else line[:57] + "..."
            message = f"{shown!r} is not a line of a /who list."
            other.append(LineProblem(number, ProblemCode.UNREADABLE_LINE, message))
    if not who.recognised:
        reason = "no line is a /who line such as '[60 Warlord] Name (Barbarian)'"
        raise LogError(_not_a_log(lines, "a /who list", reason))
    return tuple(who.rows), tuple(sorted([*who.problems, *other], key=lambda problem: problem.line_number))


class _WhoReader:
    """The ``/who`` lines among a log's, with each list's zone from its footer once that is read."""

    def __init__(self) -> None:
        self.rows: list[WhoRow] = []
        self.problems: list[LineProblem] = []
        self.recognised = 0  # rows, headers, footers and refused /who lines
        self._list_start = 0  # index in ``rows`` of the first row of the list being read

    def read(self, number: int, at: dt.datetime | None, text: str) -> bool:
        """Take one line (without its time); False when it is no part of a ``/who`` list."""
        if _WHO_HEADER.fullmatch(text):
            self._list_start = len(self.rows)
        elif footer := _WHO_FOOTER.fullmatch(text):
            self._end_list(footer["zone"])
        elif not self._read_row(number, at, text):
            return False
        self.recognised += 1
        return True

    def _end_list(self, zone: str) -> None:
        if zone != _WHO_ALL_ZONE:
            self.rows[self._list_start :] = [
                row if row.zone else replace(row, zone=zone) for row in self.rows[self._list_start :]
            ]
        self._list_start = len(self.rows)

    def _read_row(self, number: int, at: dt.datetime | None, text: str) -> bool:
        marks: set[str] = set()
        trader = ""
        rest = text
        while mark := _WHO_MARK.match(rest):
            marks.add(mark.lastgroup or "")
            trader = mark["trader"] or trader
            rest = rest[mark.end() :]
        rest = rest.lstrip()
        if not _WHO_START.match(rest):
            return False
        match = _WHO_ROW.fullmatch(rest)
        if match is None:
            shown = rest if len(rest) <= 60 else rest[:57] + "..."
            message = f"{shown!r} is not a /who line the client writes."
            self.problems.append(LineProblem(number, ProblemCode.UNREADABLE_LINE, message))
            return True
        problems = []
        name = match["name"]
        if not is_character_name(name):
            message = f"{name!r} is not a character name (4 to 15 letters, only the first upper case)."
            problems.append(LineProblem(number, ProblemCode.BAD_NAME, message))
        level = eq_class = None
        if not match["anonymous"]:
            level = parse_level(match["level"])
            if level is None:
                message = f"The level {match['level']!r} is not a number from 1 to {MAX_LEVEL}."
                problems.append(LineProblem(number, ProblemCode.BAD_LEVEL, message))
            shown_class = match["base"] or match["title"]
            eq_class = class_of_title(shown_class)
            if eq_class is None:
                message = f"{shown_class!r} is not an EverQuest class nor one of their titles."
                problems.append(LineProblem(number, ProblemCode.UNKNOWN_CLASS, message))
        if problems:
            self.problems.extend(problems)
            return True
        self.rows.append(
            WhoRow(
                line_number=number,
                at=at,
                name=name,
                level=level,
                eq_class=eq_class,
                race=(match["race"] or "").strip(),
                guild=(match["guild"] or "").strip(),
                anonymous=match["anonymous"] is not None,
                afk="afk" in marks,
                linkdead="linkdead" in marks,
                zone=(match["zone"] or "").strip(),
                offline="offline" in marks,
                trader=trader,
                group=(match["group"] or "").strip(),
            )
        )
        return True


def _raid_event(number: int, at: dt.datetime | None, text: str, problems: list[LineProblem]) -> RaidEvent | None:
    kind: Literal["joined", "left"]
    if joined := _JOINED.fullmatch(text):
        match, kind = joined, "joined"
    elif left := _LEFT.fullmatch(text):
        match, kind = left, "left"
    else:
        return None
    name = match["you"] or match["name"]
    if name != YOU and not is_character_name(name):
        message = f"{name!r} is not a character name (4 to 15 letters, only the first upper case)."
        problems.append(LineProblem(number, ProblemCode.BAD_NAME, message))
        return None
    return RaidEvent(number, at, name, kind)


def _loot(number: int, at: dt.datetime | None, text: str, problems: list[LineProblem]) -> LootLine | None:
    match = _LOOT.fullmatch(text) or _GRABBED.fullmatch(text)
    if match is None:
        if text.startswith("--") and text.endswith("--") and " looted " in text:
            shown = text if len(text) <= 60 else text[:57] + "..."
            problems.append(LineProblem(number, ProblemCode.UNREADABLE_LINE, f"{shown!r} is not a loot line."))
        return None
    looter = match["you"] or match["looter"]
    if looter != YOU and not is_character_name(looter):
        message = f"{looter!r} is not a character name (4 to 15 letters, only the first upper case)."
        problems.append(LineProblem(number, ProblemCode.BAD_NAME, message))
        return None
    quantity = 1 if match["quantity"] in ("a", "an") else int(match["quantity"])
    if quantity == 0:
        problems.append(LineProblem(number, ProblemCode.BAD_QUANTITY, "Nothing looted: the count is 0."))
        return None
    item = match["item"]
    if corpse := _NAMED_CORPSE.search(item):
        item = item[: corpse.start()]
    elif container := _CONTAINER.search(item):
        item = item[: container.start()]
    item = item.strip()
    if not item:
        problems.append(LineProblem(number, ProblemCode.UNREADABLE_LINE, "The loot line names no item."))
        return None
    return LootLine(number, at, looter, item, quantity)


def _lines(text: str | bytes, *, what: str) -> list[tuple[int, str]]:
    """The non-blank lines and their numbers; raises ``LogError`` for an empty or binary file."""
    decoded = decode_dump(text, error=LogError, what=what, empty_message=f"The text is empty; it is not {what}.")
    return [(line.number, line.text) for line in dump_lines(decoded)]


def _not_a_log(lines: list[tuple[int, str]], what: str, reason: str) -> str:
    values = [tuple(value.strip() for value in line.split("\t")) for _, line in lines]
    if any(looks_like_raid_line(line) for line in values):
        return f"This is a raid dump (/outputfile raid), not {what}."
    if any(looks_like_guild_line(line) for line in values):
        return f"This is a guild dump (/outputfile guild), not {what}."
    number, first = lines[0]
    shown = first if len(first) <= 60 else first[:57] + "..."
    return f"This is not {what}: {reason} (line {number} reads {shown!r})."
