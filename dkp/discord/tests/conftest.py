from __future__ import annotations

from collections.abc import Iterator

import pytest

from dkp.discord.standin import DiscordStandin
from dkp.discord.tests.standin_setup import discord_settings, start_standin


@pytest.fixture(scope="module")
def running_standin() -> Iterator[DiscordStandin]:
    with start_standin() as standin:
        yield standin


@pytest.fixture
def discord(running_standin: DiscordStandin, db: None) -> Iterator[DiscordStandin]:
    """The stand-in, emptied, with the app's DISCORD_* settings pointing at it."""
    running_standin.reset()
    with discord_settings(running_standin):
        yield running_standin
    running_standin.reset()
