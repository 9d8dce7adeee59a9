"""The sample EverQuest files the parsers' tests carry, read for the raid tests."""

from __future__ import annotations

from pathlib import Path

from django.db.models import Model

from dkp.characters.models import Character
from dkp.points.models import PointEntry
from dkp.raids.models import RaidAttendance, RaidTick

FIXTURES = Path(__file__).resolve().parents[2] / "eqlog" / "tests" / "fixtures"
FIRST = "RaidRoster_xegony-20261112-200312.txt"
SECOND = "RaidRoster_xegony-20261112-210455.txt"
OLDER = "RaidRoster-20261112-221502.txt"
GUILD = "Ashen Vanguard_xegony-20261112-195501.txt"
LOG = "eqlog_Zelroso_xegony.txt"


def sample(name: str) -> tuple[str, bytes]:
    return name, (FIXTURES / name).read_bytes()


def names_in(name: str) -> set[str]:
    """The character names on the lines of a raid dump (its second column)."""
    return {line.split("\t")[1] for line in sample(name)[1].decode().splitlines() if line.strip()}


COUNTED: tuple[type[Model], ...] = (RaidTick, RaidAttendance, Character, PointEntry)


def counts() -> dict[str, int]:
    """How many rows the things a tick writes have: compared before and after a refusal."""
    return {model.__name__: model._default_manager.count() for model in COUNTED}
