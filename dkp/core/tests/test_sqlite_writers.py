"""SQLite writers of one process take their turn (dkp/core/sqlite): many threads writing at once all
get in, none waits out its busy timeout, nothing is lost; one that truly cannot get in within the
timeout hears "database is locked", which the app answers 503 like SQLite's own."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.utils import load_backend

from dkp.core import faults

ENGINE = "dkp.core.sqlite"


def _wrapper(path: Path, alias: str, timeout: float) -> Any:
    options = {"transaction_mode": "IMMEDIATE", "timeout": timeout}
    config = connections.configure_settings(
        {DEFAULT_DB_ALIAS: {"ENGINE": ENGINE, "NAME": str(path), "OPTIONS": options}}
    )
    return load_backend(ENGINE).DatabaseWrapper(config[DEFAULT_DB_ALIAS], alias)


def _write(wrapper, statement: str, hold: float = 0.0) -> None:
    wrapper.ensure_connection()
    wrapper._start_transaction_under_autocommit()  # what atomic() does first on SQLite
    try:
        with wrapper.cursor() as cursor:
            cursor.execute(statement)
        time.sleep(hold)
        wrapper.commit()
    except BaseException:
        wrapper.rollback()
        raise


@pytest.fixture(autouse=True)
def _own_database(django_db_blocker):
    """These tests open a scratch SQLite file of their own, not the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def counter(tmp_path: Path) -> Path:
    path = tmp_path / "writers.sqlite3"
    setup = _wrapper(path, "setup", 5)
    setup.ensure_connection()
    with setup.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("CREATE TABLE counter (n INTEGER)")
        cursor.execute("INSERT INTO counter VALUES (0)")
    setup.close()
    return path


def test_forty_threads_writing_at_once_all_get_in_and_none_is_lost(counter: Path) -> None:
    # A timeout far under the wait of the last in line (40 x 5 writes x 2 ms each): SQLite's own
    # polling busy handler would give up on some; the queue lets every one in.
    failures: list[BaseException] = []

    def writer(index: int) -> None:
        wrapper = _wrapper(counter, f"w{index}", 1.0)
        try:
            for _ in range(5):
                _write(wrapper, "UPDATE counter SET n = n + 1", hold=0.002)
        except BaseException as error:  # reported below, never swallowed
            failures.append(error)
        finally:
            wrapper.close()

    threads = [threading.Thread(target=writer, args=(index,)) for index in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    reader = _wrapper(counter, "reader", 5)
    reader.ensure_connection()
    with reader.cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone()[0] == 200
    reader.close()


def test_a_writer_that_cannot_get_in_in_time_hears_database_is_locked_answered_as_busy(counter: Path) -> None:
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        holder = _wrapper(counter, "holder", 5)  # a connection belongs to the thread that made it
        holder.ensure_connection()
        holder._start_transaction_under_autocommit()
        with holder.cursor() as cursor:
            cursor.execute("UPDATE counter SET n = n + 1")
        holding.set()
        release.wait(5)
        holder.commit()
        holder.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(5), "the holder never began its transaction"
    late = _wrapper(counter, "late", 0.2)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="database is locked") as refused:
        _write(late, "UPDATE counter SET n = n + 10")
    waited = time.monotonic() - started
    release.set()
    thread.join()

    assert 0.15 < waited < 2
    assert faults.classify(refused.value) == "busy"
    _write(late, "UPDATE counter SET n = n + 10")  # once the holder is done, it gets in
    with late.cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone()[0] == 11
    late.close()
