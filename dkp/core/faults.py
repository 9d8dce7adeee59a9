"""The database failing is answered, not crashed: 503 with ``Retry-After``, logged once per episode.

Three faults are recognised, precisely, from the driver's own error under Django's wrapper:

- ``busy``: SQLite's write lock held past the busy timeout ("database is locked" / "is busy");
- ``read_only``: PostgreSQL in read-only mode (SQLSTATE 25006, e.g. a standby or
  ``default_transaction_read_only``), or a SQLite file the process may not write;
- ``connection``: the connection could not be made or was lost mid-request (psycopg's errors with
  no SQLSTATE or a class 08 / 57P0x one, Django's ``InterfaceError``, SQLite "unable to open").

Anything else (an ``IntegrityError``, a syntax error, a cancelled query) is not a fault of the
database and stays what it was. Every door answers with the one sentence ``DATABASE_BUSY``: the
API in its error shape, pages with a small page of their own that needs no database, the bot
ephemerally. ``FaultMiddleware`` also runs a read again, once, on a fresh connection when the
connection dropped before anything was written (docs/operations.md "When the database fails").
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db import Error as DjangoDatabaseError
from django.db import InterfaceError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_BUSY = "The database is busy; try again in a moment."

Fault = Literal["busy", "read_only", "connection"]

CODES: dict[Fault, str] = {
    "busy": "database_busy",
    "read_only": "database_read_only",
    "connection": "database_unavailable",
}

_SQLITE_MESSAGES: dict[str, Fault] = {
    "database is locked": "busy",
    "database is busy": "busy",
    "attempt to write a readonly database": "read_only",
    "unable to open database file": "connection",
}
# PostgreSQL: read_only_sql_transaction; admin_shutdown (pg_terminate_backend), crash_shutdown,
# cannot_connect_now (starting up or shutting down). Class 08 is "connection exception".
_PG_READ_ONLY = "25006"
_PG_GONE = frozenset({"57P01", "57P02", "57P03"})


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(seen) < 10:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _psycopg_fault(error: BaseException) -> Fault | None:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is in requirements/base.in; a SQLite-only install may lack it
        return None
    if not isinstance(error, psycopg.Error):
        return None
    sqlstate = error.sqlstate
    if sqlstate == _PG_READ_ONLY:
        return "read_only"
    if sqlstate in _PG_GONE or (sqlstate or "").startswith("08"):
        return "connection"
    if sqlstate is None and isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return "connection"  # psycopg raises these without a SQLSTATE when the server is out of reach
    return None


def classify(error: BaseException) -> Fault | None:
    """Which fault of the database ``error`` is, or None when it is some other error."""
    if not isinstance(error, DjangoDatabaseError):
        return None
    for link in _chain(error):
        if isinstance(link, sqlite3.OperationalError):
            return _SQLITE_MESSAGES.get(str(link).strip().lower())
        found = _psycopg_fault(link)
        if found is not None:
            return found
    if isinstance(error, InterfaceError):
        return "connection"  # Django's own "connection already closed"
    return None


def retry_after() -> int:
    return int(getattr(settings, "DKP_FAULT_RETRY_AFTER", 5))


# --- logging once per episode --------------------------------------------------------------------------


@dataclass
class _Episode:
    logged_at: float
    unlogged: int = 0


_episodes: dict[Fault, _Episode] = {}
_episodes_lock = threading.Lock()


def note(fault: Fault, error: BaseException, *, door: str) -> None:
    """Log a fault once per kind per ``DKP_FAULT_LOG_SECONDS``; the next line counts the ones between."""
    quiet_for = float(getattr(settings, "DKP_FAULT_LOG_SECONDS", 60))
    now = time.monotonic()
    with _episodes_lock:
        episode = _episodes.get(fault)
        if episode is not None and now - episode.logged_at < quiet_for:
            episode.unlogged += 1
            return
        since = episode.unlogged if episode is not None else 0
        _episodes[fault] = _Episode(logged_at=now)
    logger.warning(
        "database %s (%s), answered 503 via %s; %d more since the last line; next line in %.0f s at the soonest",
        fault,
        str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
        door,
        since,
        quiet_for,
    )


def forget_episodes() -> None:
    """Start afresh, as after a restart (tests)."""
    with _episodes_lock:
        _episodes.clear()


# --- answers -----------------------------------------------------------------------------------------


def _quiet(response: HttpResponse) -> HttpResponse:
    response["Retry-After"] = str(retry_after())
    # note() logged the episode; Django's "Service Unavailable: /path" per request would undo that.
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django's own flag (django.utils.log.log_response)
    return response


def error_body(fault: Fault) -> dict[str, str]:
    return {"error": CODES[fault], "detail": DATABASE_BUSY}


def answer(request: HttpRequest, fault: Fault) -> HttpResponse:
    """The 503: JSON in the API's error shape under /api/, else a page that needs no database."""
    if request.path.startswith("/api/"):
        return _quiet(JsonResponse(error_body(fault), status=503))
    # No request context: its processors ask the database (the session, the guild's settings).
    page = render_to_string("core/database_busy.html", {"message": DATABASE_BUSY})
    return _quiet(HttpResponse(page, status=503))


def api_answer(fault: Fault) -> Any:
    """The same 503 as a DRF ``Response`` (for ``dkp.core.api.exception_handler``)."""
    from rest_framework.response import Response

    response = Response(error_body(fault), status=503)
    return _quiet(response)


# --- retrying a read on a fresh connection --------------------------------------------------------------

_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "SET ", "SHOW")


@dataclass
class _RequestDb:
    wrote: bool = False
    retry_wanted: bool = False
    retried: bool = False


def _state(request: HttpRequest) -> _RequestDb:
    state = getattr(request, "_dkp_db", None)
    if state is None:
        state = _RequestDb()
        request._dkp_db = state  # type: ignore[attr-defined]  # our own per-request note
    return state


def may_retry(request: HttpRequest, fault: Fault) -> bool:
    """A lost connection on a GET or HEAD that has written nothing, once, outside any transaction."""
    state = getattr(request, "_dkp_db", None)  # only FaultMiddleware can run the request again
    return (
        state is not None
        and fault == "connection"
        and request.method in ("GET", "HEAD")
        and not state.wrote
        and not state.retried
        and not connection.in_atomic_block
    )


def respond(request: HttpRequest, fault: Fault, error: BaseException) -> HttpResponse:
    """The 503 for a fault; for a read that may run again, the middleware replaces it with the rerun's answer."""
    if may_retry(request, fault):
        _state(request).retry_wanted = True
    else:
        note(fault, error, door="api" if request.path.startswith("/api/") else "web")
    return answer(request, fault)


class FaultMiddleware:
    """Notes whether a request wrote; answers a fault with the 503, or runs a read again on a fresh connection.

    It sits above ``GuildTimeZoneMiddleware``, whose read of the guild's settings is the first query
    of nearly every request, so a connection that dropped before it is retried too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = _state(request)

        def watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            if many or not sql.lstrip().upper().startswith(_READS):
                state.wrote = True
            return execute(sql, params, many, context)

        with connection.execute_wrapper(watch):
            response = self.get_response(request)
            if state.retry_wanted:
                state.retry_wanted, state.retried = False, True
                logger.info("database connection lost during a read of %s; running it again", request.path)
                connection.close()  # the broken one; the next query opens a fresh connection
                response = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        fault = classify(exception)
        return None if fault is None else respond(request, fault, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a fault raised outside a view (a middleware's query, the session) is a 503 too."""
    error = sys.exc_info()[1]
    fault = classify(error) if error is not None else None
    if fault is None or error is None:
        return defaults.server_error(request)
    return respond(request, fault, error)
