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


# --- The bounds of a game time -------------------------------------------------------------------

# EverQuest opened on 16 March 1999: no raid, tick, ledger entry or award happened before it.
EQ_LAUNCH = dt.datetime(1999, 3, 16, tzinfo=dt.UTC)
# A clock a little ahead (a player's computer, the server's) is not a time in the future.
FUTURE_MARGIN = dt.timedelta(minutes=5)


def game_time_problem(at: dt.datetime, *, what: str, now: dt.datetime | None = None) -> str:
    """Why ``at`` cannot be the time of ``what`` (before EverQuest's launch, or in the future); "" when it can."""
    now = now or dt.datetime.now(dt.UTC)
    latest = now + FUTURE_MARGIN
    if at < EQ_LAUNCH or at > latest:
        side = "before EverQuest's launch" if at < EQ_LAUNCH else "in the future"
        return (
            f"{_utc(at)} UTC is {side}: the time of {what} must be from "
            f"{EQ_LAUNCH:%Y-%m-%d} to now ({latest:%Y-%m-%d %H:%M} UTC, counting {_minutes(FUTURE_MARGIN)} "
            "of clock difference)."
        )
    return ""


def require_game_time(at: dt.datetime, *, what: str) -> dt.datetime:
    """``at`` when it is a time the guild can have lived; ``InvalidInput`` (400) naming the bounds otherwise."""
    if at.tzinfo is None:
        raise InvalidInput(f"The time of {what} needs a time zone.", code="invalid_time", status=400)
    problem = game_time_problem(at, what=what)
    if problem:
        raise InvalidInput(problem, code="time_out_of_range", status=400)
    return at


def _utc(at: dt.datetime) -> str:
    # strftime writes the year 193 as "193"; a date always has four digits here.
    at = at.astimezone(dt.UTC)
    return f"{at.year:04d}-{at:%m-%d %H:%M}"


def _minutes(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
