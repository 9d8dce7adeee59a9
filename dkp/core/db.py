"""Database helpers the services share."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from django.db import OperationalError, connection

T = TypeVar("T")

# PostgreSQL's codes for "this transaction lost a deadlock / a serialization race; run it again".
_RETRYABLE = frozenset({"40P01", "40001"})


def retry_if_deadlocked(work: Callable[[], T], *, attempts: int = 4) -> T:
    """Run a whole transaction, and run it again when PostgreSQL picked it as a deadlock's victim.

    Only at the outermost level: inside someone else's transaction the whole of it was rolled back,
    so the error goes up to whoever owns it. The work must be safe to repeat, as a rolled-back
    transaction is.
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except OperationalError as error:
            code = getattr(error.__cause__, "sqlstate", None)
            if code not in _RETRYABLE or attempt == attempts or connection.in_atomic_block:
                raise
            time.sleep(0.005 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
