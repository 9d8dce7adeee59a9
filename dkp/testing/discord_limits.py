"""The tests' check that nothing the code sends to Discord breaks one of Discord's documented limits.

Every REST request the bot makes in SimCord (``env.http_requests``: messages, edits, interaction
responses, follow-ups, command registration) and every message body the stand-in receives is run
through ``dkp.discord.payloads.request_problems``; a test whose code sent a payload over a limit,
or a message with text and no ``allowed_mentions``, fails at teardown with each problem listed.

On for a test marked ``discord_limits``. ``conftest.py`` marks the tests of ``dkp/bot`` and
``dkp/discord`` (``ON_FOR``), except those marked ``no_discord_limits`` and the test modules in
``KNOWN_OVER_LIMITS``: modules whose real payloads break a rule today, each with the rule, to be
taken off the list as the bot is fixed (a module can also switch itself on with
``pytestmark = pytest.mark.discord_limits``). ``DKP_DISCORD_LIMITS=all`` checks every test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import simcord

from dkp.discord.payloads import request_problems

# Test directories whose tests are checked unless marked otherwise.
ON_FOR = ("dkp/bot/", "dkp/discord/")

# Test module -> the rule its payloads break today (found with DKP_DISCORD_LIMITS=all), to be taken
# off as the bot is fixed. Empty: since the bot's client allows no mentions by default, every bot
# test's payloads are within Discord's limits and say whom they may ping.
KNOWN_OVER_LIMITS: dict[str, str] = {}

_watched: list[list[simcord.HttpLogEntry]] = []


def watch_simcord(env: simcord.Env) -> None:
    """Check what the bot sends in ``env`` (called by ``dkp.testing.simcord_world.in_discord``)."""
    _watched.append(env.http_requests)


def wanted(item: pytest.Item) -> bool:
    """Whether the limits check is on for ``item`` by default (``conftest.py`` marks it then)."""
    if item.get_closest_marker("no_discord_limits"):
        return False
    if os.environ.get("DKP_DISCORD_LIMITS") == "all":
        return True
    module = item.nodeid.split("::")[0]
    return module.startswith(ON_FOR) and module not in KNOWN_OVER_LIMITS


def problems_sent(standin_log: list[tuple[str, str, Any]] | None = None) -> list[str]:
    """Each problem of each payload sent since the last ``start()``: ``"<METHOD> <path>: <problem>"``."""
    requests: list[tuple[str, str, Any]] = [(entry.method, entry.path, entry.json) for log in _watched for entry in log]
    requests += standin_log or []
    return [
        f"{method} {path}: {problem}"
        for method, path, body in requests
        for problem in request_problems(method, path, body)
    ]


@pytest.fixture(autouse=True)
def _discord_limits_checked(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test marked ``discord_limits`` whose code sent Discord a payload over a limit."""
    if request.node.get_closest_marker("discord_limits") is None:
        yield
        return
    standin = request.getfixturevalue("running_standin") if "running_standin" in request.fixturenames else None
    _watched.clear()
    if standin is not None:
        standin.payload_log.clear()
    yield
    problems = problems_sent(standin.payload_log if standin is not None else None)
    _watched.clear()
    if problems:
        shown = "\n".join(problems[:20]) + (f"\n… and {len(problems) - 20} more" if len(problems) > 20 else "")
        pytest.fail(f"Payloads over Discord's limits ({len(problems)}):\n{shown}", pytrace=False)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The check is on for the bot's and the Discord layer's tests (``wanted``)."""
    for item in items:
        if wanted(item):
            item.add_marker(pytest.mark.discord_limits)
