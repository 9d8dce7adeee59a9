"""The database failing is answered with a 503 and a sentence, never a 500, and nothing half-written.

All real: a second SQLite connection holding ``BEGIN EXCLUSIVE`` on the test database's file; a
PostgreSQL session set read-only; a PostgreSQL backend killed with ``pg_terminate_backend``.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, ProgrammingError, connection, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from dkp.accounts.models import User
from dkp.bot.core import db
from dkp.core import faults
from dkp.core.models import GuildSettings
from dkp.loot.models import ItemBid
from dkp.loot.services import open_auction
from dkp.points.models import EntryKind, PointAdjustment, PointEntry
from dkp.points.services import adjust_points
from dkp.testing.personas import Guild
from dkp.testing.simcord_world import World, in_discord

BUSY = "The database is busy; try again in a moment."

pytestmark = pytest.mark.django_db(transaction=True)


def only_on(vendor: str) -> None:
    if connection.vendor != vendor:
        pytest.skip(f"needs {vendor}; the tests run on {connection.vendor}")


@pytest.fixture(autouse=True)
def fresh_episodes() -> Iterator[None]:
    faults.forget_episodes()
    yield
    faults.forget_episodes()


@pytest.fixture
def guild(guild: Guild) -> Guild:
    """The shared guild, with its settings row, as any guild has once a page was opened."""
    GuildSettings.load()
    return guild


def adjustment(guild: Guild) -> dict[str, object]:
    return {"user": guild.good_member.pk, "pool": guild.pool.pk, "amount": "-15", "reason": "Left early"}


def gwen_balance(guild: Guild) -> int:
    return sum(PointEntry.objects.filter(user=guild.good_member, pool=guild.pool).values_list("amount", flat=True))


class SqliteLock:
    """Another process's write lock on the test database, held past this app's (shortened) busy timeout."""

    def take(self) -> None:
        only_on("sqlite")
        self.options = connection.settings_dict["OPTIONS"]
        self.saved = dict(self.options)
        # The shipped few seconds, shortened so the test waits a fifth of a second per refused write.
        self.options["timeout"] = 0.2
        self.options["init_command"] = self.options["init_command"].replace(
            f"busy_timeout={round(self.saved['timeout'] * 1000)}", "busy_timeout=200"
        )
        assert "busy_timeout=200" in self.options["init_command"]
        connection.close()
        self.holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        self.holder.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self.holder.execute("ROLLBACK")
        self.holder.close()
        connection.close()
        self.options.clear()
        self.options.update(self.saved)


@contextmanager
def sqlite_locked_by_another() -> Iterator[None]:
    lock = SqliteLock()
    lock.take()
    try:
        yield
    finally:
        lock.release()


@pytest.fixture
def locked_sqlite(guild: Guild) -> Iterator[None]:
    with sqlite_locked_by_another():
        yield


def test_an_api_write_on_a_locked_sqlite_answers_503_in_the_error_shape_and_logs_once(
    guild: Guild, locked_sqlite: None, caplog: pytest.LogCaptureFixture
) -> None:
    before = gwen_balance(guild)
    api = APIClient()
    api.force_authenticate(user=guild.officer)
    caplog.set_level(logging.INFO)
    answers = [api.post("/api/v1/adjustments/", adjustment(guild), format="json") for _ in range(3)]
    for response in answers:
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert response.json() == {"error": "database_busy", "detail": BUSY}
    logged = [r for r in caplog.records if r.name == "dkp.core.faults"]
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert logged[0].levelno == logging.WARNING
    assert "database busy (database is locked), answered 503 via api" in logged[0].getMessage()
    # Django's own "Service Unavailable: /api/v1/adjustments/" per request would undo the "once".
    assert not [r for r in caplog.records if r.name == "django.request"]
    assert gwen_balance(guild) == before


def test_a_web_form_on_a_locked_sqlite_answers_a_friendly_503_page_and_writes_nothing(guild: Guild) -> None:
    client = Client()
    client.force_login(guild.officer)  # before the lock: signing in writes a session
    with sqlite_locked_by_another():
        page = client.post(reverse("points:adjust"), adjustment(guild))
    assert page.status_code == 503
    assert page["Retry-After"] == "5"
    assert "Try again in a moment" in page.text
    assert BUSY in page.text
    assert not PointEntry.objects.filter(kind=EntryKind.ADJUSTMENT).exists()


def test_a_bid_from_the_bot_on_a_locked_sqlite_is_answered_with_the_same_sentence(guild: Guild) -> None:
    only_on("sqlite")
    auction = open_auction(item="Cloak of Flames", pool=guild.pool, actor=guild.officer)
    lock = SqliteLock()

    async def scenario(world: World):
        await db(lock.take)  # once the bot has linked everyone's Discord account
        try:
            return await world.good_member.slash(world.channel, "bid", item=str(auction.pk), amount="30")
        finally:
            await db(lock.release)

    result = in_discord(guild, scenario)
    messages = [*([result.response] if result.response is not None else []), *result.followups]
    assert [m.content for m in messages] == [BUSY]
    assert all(m.ephemeral for m in messages)
    assert not ItemBid.objects.exists()


def test_other_database_errors_are_not_faults(guild: Guild) -> None:
    """A missing table or a broken rule is a bug or a race, never "try again in a moment"."""
    with pytest.raises((OperationalError, ProgrammingError)) as missing, connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    assert faults.classify(missing.value) is None
    with pytest.raises(IntegrityError) as duplicate, transaction.atomic():
        User.objects.create(username=guild.officer.username)
    assert faults.classify(duplicate.value) is None
    assert faults.classify(ValueError("database is locked")) is None


# --- PostgreSQL --------------------------------------------------------------------------------------------


@contextmanager
def read_only_postgres() -> Iterator[None]:
    """The app's connection in a read-only session, as on a standby or with default_transaction_read_only."""
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    try:
        yield
    finally:
        connection.close()  # a fresh connection is read-write again, for the flush after the test


def test_writes_on_a_read_only_postgres_answer_503_and_write_nothing(
    guild: Guild, caplog: pytest.LogCaptureFixture
) -> None:
    only_on("postgresql")
    before = PointEntry.objects.count()
    api = APIClient()
    api.force_authenticate(user=guild.officer)
    client = Client()
    client.force_login(guild.officer)  # before: signing in writes a session
    caplog.set_level(logging.INFO)
    with read_only_postgres():
        answers = [api.post("/api/v1/adjustments/", adjustment(guild), format="json") for _ in range(3)]
        page = client.post(reverse("points:adjust"), adjustment(guild))
    assert [(r.status_code, r["Retry-After"]) for r in answers] == [(503, "5")] * 3
    assert answers[0].json() == {"error": "database_read_only", "detail": BUSY}
    assert page.status_code == 503
    assert BUSY in page.text

    logged = [r for r in caplog.records if r.name == "dkp.core.faults"]
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert "database read_only" in logged[0].getMessage()
    assert PointEntry.objects.count() == before


def _terminate(backend_pid: int) -> None:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend_pid])


def test_a_read_whose_connection_dropped_is_run_again_and_succeeds(
    guild: Guild, caplog: pytest.LogCaptureFixture
) -> None:
    only_on("postgresql")
    client = Client(raise_request_exception=False)  # as a real server: no test client re-raising
    client.force_login(guild.officer)
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    _terminate(pid)  # before the request's first query
    caplog.set_level(logging.INFO)
    page = client.get(reverse("web:member", args=["gwen"]))
    assert page.status_code == 200
    assert "Gwen" in page.text
    assert connection.connection.info.backend_pid != pid
    assert any("running it again" in r.getMessage() for r in caplog.records)


def test_a_write_whose_connection_dropped_is_not_run_again_and_answers_503(guild: Guild) -> None:
    only_on("postgresql")
    before = gwen_balance(guild)
    client = Client(raise_request_exception=False)
    client.force_login(guild.officer)
    connection.ensure_connection()
    _terminate(connection.connection.info.backend_pid)
    page = client.post(reverse("points:adjust"), adjustment(guild))
    assert page.status_code == 503
    assert BUSY in page.text
    connection.close()
    assert gwen_balance(guild) == before


def test_a_connection_lost_halfway_through_a_write_leaves_nothing_of_it(guild: Guild) -> None:
    """The ledger row is in; the backend is killed before the next statement: all of it is rolled back."""
    only_on("postgresql")
    before = (gwen_balance(guild), PointEntry.objects.count())
    client = Client(raise_request_exception=False)
    client.force_login(guild.officer)
    seen: dict[str, bool] = {"entry": False, "killed": False}

    def kill_after_the_ledger_row(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if seen["entry"] and not seen["killed"]:
            seen["killed"] = True
            _terminate(connection.connection.info.backend_pid)
        if sql.startswith("INSERT") and PointEntry._meta.db_table in sql:
            seen["entry"] = True
        return execute(sql, params, many, context)

    with connection.execute_wrapper(kill_after_the_ledger_row):
        page = client.post(reverse("points:adjust"), adjustment(guild))
    assert seen == {"entry": True, "killed": True}
    assert page.status_code == 503
    assert BUSY in page.text
    connection.close()
    assert (gwen_balance(guild), PointEntry.objects.count()) == before


def test_an_api_read_whose_connection_dropped_inside_the_view_is_run_again(guild: Guild) -> None:
    """Dropped at the list's own query, deep in the API view: DRF hands it up and the read runs again."""
    only_on("postgresql")
    adjust_points(user=guild.good_member, pool=guild.pool, amount=-15, reason="Left early", actor=guild.officer)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user=guild.officer)
    killed: list[int] = []

    def kill_at_the_list(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not killed and sql.startswith("SELECT") and PointAdjustment._meta.db_table in sql:
            killed.append(connection.connection.info.backend_pid)
            _terminate(killed[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(kill_at_the_list):
        answer = api.get("/api/v1/adjustments/")
    assert killed
    assert answer.status_code == 200
    assert [row["reason"] for row in answer.json()["results"]] == ["Left early"]
