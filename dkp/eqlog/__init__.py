"""Pure parsers for what the EverQuest client writes: raid dumps (``raid_dump``), guild dumps
(``guild_dump``), log lines, a live log's lines one by one and pasted ``/who`` lists
(``log_lines``), and the shared pieces of every dump (``dumps``), the class names and titles
(``classes``) and the errors (``errors``).

Nothing here imports Django: the parsers take text or bytes and return frozen dataclasses, so they
are tested without a database and reused by the upload page, the API, the bot and the demo.
"""

from dkp.eqlog.classes import EQ_CLASSES, class_named, class_of_title
from dkp.eqlog.dumps import LineProblem, ProblemCode
from dkp.eqlog.errors import EqLogError, GuildDumpError, LogError, RaidDumpError
from dkp.eqlog.guild_dump import GuildDump, GuildDumpRow, parse_guild_dump
from dkp.eqlog.log_lines import (
    ChatLine,
    LogExcerpt,
    LogLine,
    LootLine,
    RaidEvent,
    WhoRow,
    ZoneLine,
    parse_log,
    parse_timestamp,
    parse_who,
    read_line,
)
from dkp.eqlog.raid_dump import RaidDump, RaidDumpRow, parse_raid_dump

__all__ = [
    "EQ_CLASSES",
    "ChatLine",
    "EqLogError",
    "GuildDump",
    "GuildDumpError",
    "GuildDumpRow",
    "LineProblem",
    "LogError",
    "LogExcerpt",
    "LogLine",
    "LootLine",
    "ProblemCode",
    "RaidDump",
    "RaidDumpError",
    "RaidDumpRow",
    "RaidEvent",
    "WhoRow",
    "ZoneLine",
    "class_named",
    "class_of_title",
    "parse_guild_dump",
    "parse_log",
    "parse_raid_dump",
    "parse_timestamp",
    "parse_who",
    "read_line",
]
