"""Settings: production refuses unsafe configuration, and the embedded SQLite is set up for concurrent writers."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.utils import load_backend

from config.settings.base import PLACEHOLDER_SECRET_KEY

PROJECT_ROOT = Path(settings.BASE_DIR)
A_PROPER_SECRET = "k3q9-Zr7vWm2xYp8LcN4tHb6JdF1sGa5Qe0Ui7Ko"


def start_production(**environment: str) -> subprocess.CompletedProcess[str]:
    """Import the production settings in a fresh interpreter, as a server would at start."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "PYTEST_"))}
    env.update({"SECRET_KEY": A_PROPER_SECRET, "DEBUG": "false", "DKP_DEMO": "false"})
    env.update(environment)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings.production as s; print('started', s.SESSION_COOKIE_SECURE, s.DEBUG, s.DKP_DEMO)",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("secret_key", "why"),
    [
        pytest.param(PLACEHOLDER_SECRET_KEY, "the placeholder", id="placeholder"),
        pytest.param("", "an empty key", id="empty"),
        pytest.param("short-but-not-placeholder", "a short key", id="short"),
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret_key, why):
    result = start_production(SECRET_KEY=secret_key)
    assert result.returncode != 0, f"production started with {why}"
    assert "SECRET_KEY must be set to a random value" in result.stderr
    assert "started" not in result.stdout


def test_production_refuses_to_start_with_debug_on():
    result = start_production(DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_production_refuses_to_start_with_the_demo_sign_in_on():
    result = start_production(DKP_DEMO="true")
    assert result.returncode != 0
    assert "DKP_DEMO (the demo sign-in) cannot be on in production" in result.stderr


def test_production_starts_with_a_proper_secret_and_secure_cookies():
    result = start_production()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started True False False"


@pytest.fixture
def sqlite_file_connection(db, tmp_path):
    """A second connection configured exactly like the test database, but on a file.

    The test database itself is in memory, where SQLite has no write-ahead log to show.
    """
    if connection.vendor != "sqlite":
        pytest.skip(f"the SQLite tuning does not apply when the tests run on {connection.vendor}")
    alias = "sqlite_file_probe"
    backend = load_backend(connection.settings_dict["ENGINE"])
    probe = backend.DatabaseWrapper({**connection.settings_dict, "NAME": str(tmp_path / "guild.sqlite3")}, alias)
    connections[alias] = probe  # known to transaction.atomic, yet not a test database Django guards
    try:
        yield probe
    finally:
        probe.close()
        del connections[alias]


def test_the_embedded_sqlite_database_writes_ahead_to_a_log(sqlite_file_connection):
    with sqlite_file_connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 5000  # DKP_SQLITE_BUSY_TIMEOUT: a few seconds, then 503 (dkp.core.faults)
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1


def test_a_sqlite_transaction_takes_the_write_lock_when_it_starts(sqlite_file_connection):
    """IMMEDIATE: a second writer waits at the start instead of failing halfway through a transaction."""
    with sqlite_file_connection.cursor() as cursor:
        cursor.execute("CREATE TABLE standings_probe (balance integer)")
    other_writer = sqlite3.connect(sqlite_file_connection.settings_dict["NAME"], timeout=0)
    try:
        # Nothing written yet inside the transaction, and still the other writer is held off.
        with (
            transaction.atomic(using=sqlite_file_connection.alias),
            pytest.raises(sqlite3.OperationalError, match="database is locked"),
        ):
            other_writer.execute("INSERT INTO standings_probe VALUES (1)")
        other_writer.execute("INSERT INTO standings_probe VALUES (2)")
        other_writer.commit()
    finally:
        other_writer.close()
    with sqlite_file_connection.cursor() as cursor:
        cursor.execute("SELECT balance FROM standings_probe")
        assert cursor.fetchall() == [(2,)]
