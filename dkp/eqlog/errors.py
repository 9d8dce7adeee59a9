"""The errors the EverQuest file parsers raise, all under one base so a caller catches one type.

A parser raises only when a file is not what it claims to be at all (empty, binary, another kind
of file). Faults on single lines are collected as problems and returned with the parsed rows.
"""

from __future__ import annotations


class EqLogError(ValueError):
    """An EverQuest file that cannot be read as the kind of file it was given as.

    ``code`` is stable for callers (an upload view maps it to its own error); the message is
    for people and says what was wrong.
    """

    default_code = "unreadable_file"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code


class RaidDumpError(EqLogError):
    """The file is not a raid dump (``/outputfile raid``) at all."""

    default_code = "not_a_raid_dump"


class GuildDumpError(EqLogError):
    """The file is not a guild dump (``/outputfile guild``) at all."""

    default_code = "not_a_guild_dump"


class LogError(EqLogError):
    """The text is not an EverQuest log excerpt, or not a pasted ``/who`` list, at all."""

    default_code = "not_an_eq_log"
