"""Django's SQLite backend, with the write transactions of one process taken in turn.

SQLite lets one writer in at a time. A transaction here starts with ``BEGIN IMMEDIATE`` (the
settings' ``transaction_mode``), so a second writer waits in SQLite's busy handler, which polls by
sleeping: 1, 2, 5 ... up to 100 ms between tries. With fifty bids at once in one process (the
embedded default's ``runserver``, a thread per request) the lock was free most of the time while
the waiters slept, a waiter could lose every round until its busy timeout ran out, and the bid was
answered 503 "The database is busy".

So each process keeps a lock per database file that a thread takes before ``BEGIN IMMEDIATE`` and
gives back when its transaction ends (commit, rollback or a closed connection): the writers of one
process queue on it and the next one starts the moment the last one ends. It is taken with the
same timeout as SQLite's busy handler, and not getting it is the same "database is locked" error
(answered 503 with Retry-After, dkp.core.faults). Writers in other processes (the worker, the bot)
still meet in SQLite's own lock, as before. Reads and savepoints take nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _write_lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writing = False

    def _timeout(self) -> float:
        return float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5.0))

    def _start_transaction_under_autocommit(self) -> None:
        lock = _write_lock(str(self.settings_dict["NAME"]))
        if not lock.acquire(timeout=self._timeout()):
            # The very error SQLite gives when its own busy timeout runs out, so it is answered the same way.
            raise OperationalError("database is locked") from sqlite3.OperationalError("database is locked")
        self._writing = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # the only place a SQLite transaction begins; private, so django-stubs lacks it
        except BaseException:
            self._done_writing()
            raise

    def _done_writing(self) -> None:
        if self._writing:
            self._writing = False
            _write_lock(str(self.settings_dict["NAME"])).release()

    # A transaction ends in one of these three; a failed commit is followed by Django's rollback.
    def commit(self) -> None:
        super().commit()
        self._done_writing()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._done_writing()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._done_writing()
