"""Backups a guild can restore: real snapshots of the real database, restored into a second, empty one.

Each test runs on the suite's engine: SQLite in the SQLite leg (the online backup API), PostgreSQL in
the PostgreSQL leg (pg_dump and psql from the same installation as the throwaway cluster's server).
The move from SQLite to PostgreSQL needs both, so it runs in the PostgreSQL leg only, as the
concurrency tests do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.models import F

from dkp.core.errors import GuildError
from dkp.loot.models import Channel, ItemBid
from dkp.loot.services import open_auction, place_bid
from dkp.ops import backups, tasks
from dkp.ops.backups import BackupError, backup_database, restore_database, row_counts, temporary_database
from dkp.points.models import UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.points.services import adjust_points
from dkp.testing.personas import Guild

only_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="moving SQLite to PostgreSQL needs a PostgreSQL server; run it with scripts/with-postgres.sh",
)


def balances(using: str = "default") -> dict[tuple[str, str], int]:
    return {
        (summary.user.username, summary.pool.name): summary.balance
        for summary in UserPointsSummary.objects.using(using).select_related("user", "pool")
    }


def _nodb_cursor():
    return connection._nodb_cursor()


@contextmanager
def empty_database(tmp_path: Path) -> Iterator[str]:
    """An alias for a second database of the suite's engine with no tables, dropped afterwards."""
    if connection.vendor == "sqlite":
        with temporary_database(
            {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "restored.sqlite3")}
        ) as alias:
            yield alias
        return
    name = f"{connection.settings_dict['NAME']}_{uuid.uuid4().hex[:8]}"
    with _nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        with temporary_database({**connection.settings_dict, "NAME": name}) as alias:
            yield alias
    finally:
        with _nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_url(name: str) -> str:
    """A DATABASE_URL for another database on the cluster of scripts/with-postgres.sh (a unix socket)."""
    return f"postgres:///{connection.settings_dict['HOST']}/{name}"


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_gives_the_same_rows_and_balances(guild: Guild, tmp_path: Path) -> None:
    before_counts, before_balances = row_counts(), balances()

    result = backup_database(directory=tmp_path)

    engine = "sqlite" if connection.vendor == "sqlite" else "postgresql"
    assert result.path.name.startswith("dkp-")
    assert f"-{engine}." in result.path.name
    assert result.path.suffix == ".gz"
    assert result.size > 0
    with empty_database(tmp_path) as alias:
        out = StringIO()
        call_command("restore", str(result.path), database=alias, stdout=out)

        assert row_counts(alias) == before_counts
        assert balances(alias) == before_balances
        assert balances(alias)[("gwen", "Main")] == 90
        assert summary_differences(using=alias) == []
        printed = out.getvalue()
        assert "Every points summary matches the ledger." in printed
        lines = {line.split()[0]: line.split()[1] for line in printed.splitlines() if line.startswith("  ")}
        assert lines["points_pointentry"] == f"{before_counts['points_pointentry']:,}"
        assert lines["accounts_user"] == "7"


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_bids_are_written_restores_and_reconciles(guild: Guild, tmp_path: Path) -> None:
    auction = open_auction(item="Cloak of Flames", pool=guild.pool, actor=guild.officer, minutes=60)
    stop, placed = threading.Event(), threading.Event()
    written: list[int] = []
    errors: list[BaseException] = []

    def bidder() -> None:
        try:
            step = 0
            while not stop.is_set():
                step += 1
                # A bid refused (e.g. beyond the balance) is an answer, not a failure.
                with contextlib.suppress(GuildError):
                    place_bid(auction_id=auction.pk, user=guild.good_member, amount=1 + step % 60, channel=Channel.WEB)
                # A ledger entry and its summary move in the same transaction.
                adjust_points(user=guild.poor_member, pool=guild.pool, amount=1, reason="bench", actor=guild.officer)
                written.append(step)
                if step >= 5:
                    placed.set()
        except BaseException as error:  # the main thread reports it
            errors.append(error)
            placed.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=bidder)
    thread.start()
    try:
        assert placed.wait(60)
        during = len(written)
        result = backup_database(directory=tmp_path)
        after_backup = len(written)
        # The app keeps running: the writer was never stopped by the backup and goes on after it.
        deadline = time.monotonic() + 30
        while len(written) <= after_backup and not errors and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(60)
    assert not errors, errors
    assert len(written) > after_backup

    with empty_database(tmp_path) as alias:
        report = restore_database(result.path, using=alias)

        assert report.clean, report.differences
        assert report.differences == []
        restored_adjustments = balances(alias)[("pip", "Main")] - 10
        assert during <= restored_adjustments <= len(written)
        assert ItemBid.objects.using(alias).filter(auction_id=auction.pk).count() == 1
    assert summary_differences() == []


@pytest.mark.django_db
def test_only_the_newest_backups_are_kept(tmp_path: Path, settings) -> None:
    settings.DKP_BACKUP_KEEP = 3
    stranger = tmp_path / "notes.txt"
    stranger.write_text("not a backup")
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

    for night in range(5):
        result = backup_database(directory=tmp_path, now=start + dt.timedelta(days=night))

    names = [path.name for path in backups.backups(tmp_path)]
    assert [name[4:20] for name in names] == ["20260303T090000Z", "20260304T090000Z", "20260305T090000Z"]
    assert [path.name[4:20] for path in result.pruned] == ["20260302T090000Z"]
    assert stranger.exists()
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.django_db(transaction=True)
def test_restore_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(guild: Guild, tmp_path: Path) -> None:
    result = backup_database(directory=tmp_path)
    adjust_points(user=guild.good_member, pool=guild.pool, amount=5, reason="after the backup", actor=guild.officer)
    counts = row_counts()

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(result.path))

    assert "The SQLite database" in str(refused.value) or "The PostgreSQL database" in str(refused.value)
    assert "is not empty" in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert row_counts() == counts
    assert balances()[("gwen", "Main")] == 95


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    text = tmp_path / "dkp-20260301T090000Z-sqlite.sqlite3.gz"
    with gzip.open(text, "wb") as packed:
        packed.write(b"hello")
    plain = tmp_path / "plain.sqlite3.gz"
    plain.write_bytes(b"SQLite format 3\x00 but not compressed")

    with pytest.raises(CommandError, match=r"not a backup written by manage\.py backup"):
        call_command("restore", str(text))
    with pytest.raises(CommandError, match="not a gzip-compressed backup"):
        call_command("restore", str(plain))
    with pytest.raises(CommandError, match="There is no file"):
        call_command("restore", str(tmp_path / "missing.gz"))


@pytest.mark.django_db(transaction=True)
def test_restore_exits_non_zero_when_the_restored_points_do_not_reconcile(guild: Guild, tmp_path: Path) -> None:
    # A summary gone wrong (its columns still add up, as the table's check demands).
    UserPointsSummary.objects.filter(user=guild.good_member).update(
        earned=F("earned") + 910, balance=F("balance") + 910
    )
    result = backup_database(directory=tmp_path)

    with empty_database(tmp_path) as alias:
        out = StringIO()
        with pytest.raises(CommandError, match="2 differences between the points summaries and the ledger"):
            call_command("restore", str(result.path), database=alias, stdout=out)

        assert "gwen in Main: balance is 1000 in the summary but 90 in the ledger" in out.getvalue()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the test edits a SQLite backup file with sqlite3")
@pytest.mark.django_db(transaction=True)
def test_a_backup_from_an_older_version_is_restored_and_asks_for_migrate(guild: Guild, tmp_path: Path) -> None:
    result = backup_database(directory=tmp_path)
    # As if the backup were taken before the newest points migration.
    unpacked = tmp_path / "older.sqlite3"
    unpacked.write_bytes(gzip.decompress(result.path.read_bytes()))
    with contextlib.closing(sqlite3.connect(unpacked)) as older, older:
        older.execute(
            "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations WHERE app = 'points')"
        )
    result.path.write_bytes(gzip.compress(unpacked.read_bytes()))

    with empty_database(tmp_path) as alias:
        out = StringIO()
        with pytest.raises(CommandError, match="Restored, but not checked yet"):
            call_command("restore", str(result.path), database=alias, stdout=out)

        assert "1 migrations behind this code" in out.getvalue()
        assert "run manage.py migrate, then manage.py reconcile_points" in out.getvalue()
        assert balances(alias) == balances()  # every row is there, waiting for migrate


def test_a_missing_pg_dump_is_named_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(backups.shutil, "which", lambda name: None)
    monkeypatch.setattr(backups, "PG_VERSIONS_DIR", tmp_path)

    with pytest.raises(BackupError, match="pg_dump is not installed") as missing:
        backups.pg_tool("pg_dump")

    assert "apt install postgresql-client" in str(missing.value)


@pytest.mark.django_db
def test_beat_backs_up_nightly_into_the_backup_folder(tmp_path: Path, settings) -> None:
    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "ops.backup_database"]
    assert len(entries) == 1
    assert entries[0]["schedule"].hour == {8}
    assert entries[0]["schedule"].minute == {45}
    settings.DKP_BACKUP_DIR = tmp_path / "backups"

    path = Path(tasks.backup_database.delay().get())

    assert path.parent == tmp_path / "backups"
    assert backups.backups(tmp_path / "backups") == [path]


def test_the_default_backup_folder_is_under_var() -> None:
    assert Path(settings.DKP_BACKUP_DIR) == Path(settings.VAR_DIR) / "backups"
    assert settings.DKP_BACKUP_KEEP == 14


@only_postgresql
@pytest.mark.django_db
def test_copy_database_moves_sqlite_to_postgresql_with_a_clean_reconcile(guild: Guild, tmp_path: Path) -> None:
    # The guild as a SQLite database (the embedded default)...
    sqlite_url = f"sqlite:///{tmp_path / 'embedded.sqlite3'}"
    call_command("copy_database", to=sqlite_url, stdout=StringIO())
    expected_counts = row_counts()
    expected_counts.pop("django_migrations")
    name = f"{connection.settings_dict['NAME']}_moved_{uuid.uuid4().hex[:8]}"
    with _nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        # ... moved to an empty PostgreSQL database by the command a guild runs.
        out = StringIO()
        call_command("copy_database", "--from", sqlite_url, "--to", pg_url(name), stdout=out)

        assert "Every points summary matches the ledger." in out.getvalue()
        assert "Copied. Point DATABASE_URL at the new database" in out.getvalue()
        with temporary_database(pg_url(name), alias="moved") as moved, temporary_database(sqlite_url) as embedded:
            assert balances(moved) == balances(embedded) == balances()
            assert balances(moved)[("pip", "Main")] == 10
            counts = row_counts(moved)
            counts.pop("django_migrations")
            assert counts == expected_counts
            assert summary_differences(using=moved) == []
            # The sequences continue after the copied ids: a new row does not collide.
            from dkp.accounts.models import User

            newcomer = User.objects.db_manager(moved).create(username="newcomer")
            assert newcomer.pk > max(User.objects.using(moved).exclude(pk=newcomer.pk).values_list("pk", flat=True))

        with pytest.raises(CommandError, match="is not empty"):
            call_command("copy_database", "--from", sqlite_url, "--to", pg_url(name), stdout=StringIO())
    finally:
        with _nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
