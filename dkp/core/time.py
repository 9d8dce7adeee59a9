"""The guild's clock: its time zone, and game times (file names, log lines) read in it."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from dkp.core.models import GuildSettings


def guild_zone() -> zoneinfo.ZoneInfo:
    """The guild's time zone as its settings name it; UTC when the name is not one the system knows."""
    try:
        return zoneinfo.ZoneInfo(GuildSettings.load().time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_to_utc(naive: dt.datetime) -> dt.datetime:
    """A naive local time from the game (a file name, a log line) as an aware UTC time, read in the guild's zone."""
    return naive.replace(tzinfo=guild_zone()).astimezone(dt.UTC)
