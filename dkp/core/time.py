"""The guild's clock: its time zone, and game times (file names, log lines) read in it."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from dkp.core.errors import InvalidInput
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


def parse_local(text: str, *, what: str) -> dt.datetime | None:
    """A time typed in a ``datetime-local`` field, in the guild's zone, as an aware UTC time; None when blank.

    ``what`` finishes the refusal: "... is not a date and time for {what}."
    """
    text = (text or "").strip()
    if not text:
        return None
    try:
        naive = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date and time for {what}.", code="invalid_time") from None
    return local_to_utc(naive.replace(tzinfo=None))
