"""Fixtures shared by every domain's tests."""

import os
from collections.abc import Iterator
from typing import Any

import pytest

from dkp.discord.standin import DiscordStandin
from dkp.testing.hypothesis_profiles import load_profile
from dkp.testing.mariadb import MariaDB
from dkp.testing.personas import Guild, GuildSnapshot, restore_guild, snapshot_guild
from dkp.testing.standin_setup import discord_settings, start_standin

HYPOTHESIS_PROFILE = load_profile()
# The Discord limits check (its autouse fixture and the hook that marks the tests it covers) is a
# plugin of its own module.
pytest_plugins = ["dkp.testing.discord_limits"]


def pytest_report_header() -> str:
    return f"hypothesis profile: {HYPOTHESIS_PROFILE} (HYPOTHESIS_PROFILE=dev|ci)"


@pytest.fixture(scope="session")
def guild_snapshot(django_db_setup: None, django_db_blocker: Any) -> GuildSnapshot:
    """The personas' guild, built once per test process (each xdist worker has its own database)."""
    with django_db_blocker.unblock():
        return snapshot_guild()


@pytest.fixture
def guild(db: None, guild_snapshot: GuildSnapshot) -> Guild:
    """The personas' guild as ``build_guild()`` would make it now, written from the snapshot.

    Inside a test's transaction the rows go when it rolls back; a transactional test (live server,
    ``transaction=True``) commits them and its flush at the end removes them, so every test starts
    from the same state whatever ran before it. The objects are fresh for each test.
    """
    return restore_guild(guild_snapshot)


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    """A Chromium page on a phone-sized screen, for tests marked with ``needs_chromium``."""
    from dkp.testing.browser import phone_page

    with phone_page() as browser_page:
        yield browser_page


@pytest.fixture
def demo_guild(transactional_db: None) -> None:
    """The demo guild of ``load_demo``, committed so a live server sees it."""
    from django.core.management import call_command

    call_command("load_demo")


@pytest.fixture(scope="session", autouse=True)
def _no_straggling_sessions(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Before the test database is dropped, end sessions a live-server request thread still holds.

    A browser test's htmx poll can be mid-request when its test ends; the server thread finishes
    after the test and keeps its PostgreSQL session, and dropping the database would then fail.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache, as the database it sees starts empty too."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="module")
def running_standin() -> Iterator[DiscordStandin]:
    """The stand-in Discord server on loopback, one per test module."""
    with start_standin() as standin:
        yield standin


@pytest.fixture
def discord(running_standin: DiscordStandin, db: None) -> Iterator[DiscordStandin]:
    """The stand-in, emptied, with the app's DISCORD_* settings pointing at it."""
    running_standin.reset()
    with discord_settings(running_standin):
        yield running_standin
    running_standin.reset()


@pytest.fixture(scope="session")
def mariadb(worker_id: str) -> MariaDB:
    """The throwaway MariaDB of scripts/with-mariadb.sh (TEST_MARIADB_URL), as a ``dkp.testing.mariadb.MariaDB``.

    Without a server the test skips, unless TEST_MARIADB=yes (CI), where a missing server fails it.
    """
    url = os.environ.get("TEST_MARIADB_URL", "")
    wanted = os.environ.get("TEST_MARIADB", "auto")
    if not url or wanted == "no":
        if wanted == "yes":
            pytest.fail("TEST_MARIADB=yes but TEST_MARIADB_URL is not set: run the tests in scripts/with-mariadb.sh")
        pytest.skip("no MariaDB server (run inside scripts/with-mariadb.sh, which sets TEST_MARIADB_URL)")
    return MariaDB(url, worker=worker_id)
