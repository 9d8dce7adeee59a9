"""Backups, restoring one, and copying the database to another engine (docs/operations.md).

- ``backup_database`` writes one gzip-compressed snapshot of a database while the app keeps running:
  SQLite through its online backup API (one step, so one consistent snapshot, and in WAL mode the
  app's writers never wait for it), PostgreSQL through ``pg_dump`` (one repeatable-read snapshot).
  Files are named ``dkp-<UTC time>-<engine>.<format>.gz`` in ``DKP_BACKUP_DIR``; after each new one
  only the newest ``DKP_BACKUP_KEEP`` are kept.
- ``restore_database`` writes a backup into an *empty* database (one with no tables at all), then
  checks it: the points summaries against the ledger, and the rows in every table.
- ``copy_database`` moves every row from one database to an empty one of any engine (SQLite to
  PostgreSQL for a guild that outgrows the embedded default), then checks the copy the same way.

The check needs the points ledger, so this package sits above ``dkp.points`` in the layers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import environ
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import load_backend
from django.utils.connection import ConnectionDoesNotExist

from dkp.points.selectors import SummaryDifference, summary_differences

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
_SUFFIX = {SQLITE: "sqlite3", POSTGRESQL: "sql"}
_NAME = re.compile(r"^dkp-(\d{8}T\d{6}Z)-(sqlite|postgresql)\.(sqlite3|sql)\.gz$")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_CHUNK = 1024 * 1024
_ROWS_PER_INSERT = 1000
# Where Debian and Ubuntu put each PostgreSQL version's tools (<version>/bin), when PATH has none.
PG_VERSIONS_DIR = Path("/usr/lib/postgresql")


class BackupError(Exception):
    """A backup, restore or copy that could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    pruned: list[Path]


@dataclass
class CheckReport:
    """What a restored or copied database holds, and whether its points add up."""

    row_counts: dict[str, int]
    differences: list[SummaryDifference]
    count_mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)  # table: (source, copy)
    # Migrations of this code the database has not had (a backup from an older version): the
    # reconcile waits for ``migrate``, as the ledger's tables may not have this code's columns yet.
    pending_migrations: int = 0

    @property
    def clean(self) -> bool:
        return not self.differences and not self.count_mismatches and not self.pending_migrations


# --- where backups go -------------------------------------------------------------------------


def backup_dir() -> Path:
    return Path(settings.DKP_BACKUP_DIR)


def backups(directory: Path | None = None) -> list[Path]:
    """This app's backup files in the folder, oldest first (other files there are left alone)."""
    folder = directory or backup_dir()
    if not folder.is_dir():
        return []
    return sorted((path for path in folder.iterdir() if _NAME.match(path.name)), key=lambda path: path.name)


def prune(directory: Path | None = None, *, keep: int | None = None) -> list[Path]:
    """Remove all but the newest ``keep`` backups; returns what was removed."""
    keep = settings.DKP_BACKUP_KEEP if keep is None else keep
    if keep < 1:
        raise BackupError("DKP_BACKUP_KEEP must be at least 1; a setting of 0 would remove the backup just made.")
    old = backups(directory)[:-keep]
    for path in old:
        path.unlink(missing_ok=True)
    return old


# --- backup -----------------------------------------------------------------------------------


def engine_of(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor == "sqlite":
        return SQLITE
    if connection.vendor == "postgresql":
        return POSTGRESQL
    raise BackupError(f"Backups know SQLite and PostgreSQL; this database is {connection.vendor}.")


def backup_database(
    *,
    using: str = DEFAULT_DB_ALIAS,
    directory: Path | None = None,
    keep: int | None = None,
    now: dt.datetime | None = None,
) -> BackupResult:
    """Write one compressed snapshot of the database into the folder, then prune the old ones."""
    connection = connections[using]
    engine = engine_of(connection)
    folder = directory or backup_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"Could not make the backup folder {folder} ({error}); set DKP_BACKUP_DIR.") from error
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    path = folder / f"dkp-{moment:%Y%m%dT%H%M%SZ}-{engine}.{_SUFFIX[engine]}.gz"
    if path.exists():
        raise BackupError(f"A backup named {path.name} already exists; wait a second and run it again.")
    partial = path.with_name(path.name + ".partial")
    try:
        if engine == SQLITE:
            _backup_sqlite(_sqlite_path(connection), partial)
        else:
            _backup_postgresql(connection, partial)
        os.replace(partial, path)
    except (OSError, sqlite3.Error) as error:
        raise BackupError(f"Could not write the backup {path} ({error}).") from error
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(path=path, size=path.stat().st_size, pruned=prune(folder, keep=keep))


def _sqlite_path(connection: BaseDatabaseWrapper) -> Path:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("The database is in memory; there is nothing on disk to back up or restore into.")
    return Path(name)


def _backup_sqlite(source: Path, out: Path) -> None:
    if not source.exists():
        raise BackupError(f"The SQLite database {source} does not exist.")
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".dkp-backup-") as scratch:
        snapshot = Path(scratch) / "snapshot.sqlite3"
        # A connection of our own, not Django's: the backup sees only committed rows, whatever
        # transaction the caller is in. One step (pages=-1) copies every page under one read lock.
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(snapshot)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            dst.close()
            src.close()
        _check_sqlite_file(snapshot)
        with snapshot.open("rb") as raw, gzip.open(out, "wb") as packed:
            shutil.copyfileobj(raw, packed, _CHUNK)


def _check_sqlite_file(path: Path) -> None:
    check = sqlite3.connect(path)
    try:
        result = check.execute("PRAGMA quick_check").fetchone()
        tables = check.execute("SELECT count(*) FROM sqlite_master WHERE name = 'django_migrations'").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"The SQLite file is not a readable database ({error}).") from error
    finally:
        check.close()
    if result != ("ok",):
        raise BackupError(f"The SQLite file failed its integrity check: {result[0] if result else 'no answer'}.")
    if not tables[0]:
        raise BackupError("The SQLite file holds no DKP database (it has no django_migrations table).")


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client tool: PATH first, then the newest Debian server folder."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        PG_VERSIONS_DIR.glob(f"*/bin/{name}"),
        key=lambda path: [int(part) if part.isdigit() else 0 for part in path.parts[-3].split(".")],
    )
    if candidates:
        return str(candidates[-1])
    raise BackupError(
        f"{name} is not installed, so a PostgreSQL database cannot be backed up or restored here. Install "
        "PostgreSQL's client tools (Debian and Ubuntu: apt install postgresql-client, of the server's major "
        "version or newer) on the machine that runs this command, or put them on PATH."
    )


def _pg_env(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """libpq's variables for the database, so a password never shows in the process list."""
    config = connection.settings_dict
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if config.get(key):
            env[variable] = str(config[key])
    env["PGDATABASE"] = str(config["NAME"])
    options = config.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def _backup_postgresql(connection: BaseDatabaseWrapper, out: Path) -> None:
    command = [pg_tool("pg_dump"), "--format=plain", "--no-owner", "--no-privileges", "--quote-all-identifiers"]
    with tempfile.TemporaryFile() as errors, gzip.open(out, "wb") as packed:
        process = subprocess.Popen(  # noqa: S603 - a fixed argument list (no shell), the tool found by pg_tool
            command, env=_pg_env(connection), stdout=subprocess.PIPE, stderr=errors
        )
        assert process.stdout is not None  # stdout=PIPE above; narrows the type
        shutil.copyfileobj(process.stdout, packed, _CHUNK)
        returncode = process.wait()
        if returncode:
            errors.seek(0)
            raise BackupError(f"pg_dump failed (exit {returncode}): {errors.read().decode(errors='replace').strip()}")


# --- restore ----------------------------------------------------------------------------------


def backup_engine(path: Path) -> str:
    """Which engine a backup file holds, from its contents (the name may have been changed)."""
    try:
        with gzip.open(path, "rb") as packed:
            head = packed.read(4096)
    except FileNotFoundError as error:
        raise BackupError(f"There is no file {path}.") from error
    except (OSError, EOFError) as error:
        raise BackupError(f"{path} is not a gzip-compressed backup ({error}).") from error
    if head.startswith(_SQLITE_MAGIC):
        return SQLITE
    if b"PostgreSQL database dump" in head:
        return POSTGRESQL
    raise BackupError(f"{path} is not a backup written by manage.py backup (neither SQLite nor pg_dump inside).")


def existing_tables(using: str) -> list[str]:
    connection = connections[using]
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _describe(connection: BaseDatabaseWrapper) -> str:
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"the SQLite database {name}"
    host = connection.settings_dict.get("HOST") or "localhost"
    return f"the PostgreSQL database {name} on {host}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def require_empty(using: str) -> None:
    tables = existing_tables(using)
    if tables:
        shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
        raise BackupError(
            f"{_sentence(_describe(connections[using]))} is not empty: it has {len(tables)} tables ({shown}). "
            "Restore and copy write only into an empty database, so nothing was changed. Create a new database "
            "(or move the old file away), point DATABASE_URL at it and run the command again; do not run "
            "migrate on it first."
        )


def restore_database(path: Path, *, using: str = DEFAULT_DB_ALIAS) -> CheckReport:
    """Write the backup into the empty database, then check it (``check_database``)."""
    path = Path(path)
    engine = backup_engine(path)
    connection = connections[using]
    target = engine_of(connection)
    if engine != target:
        if engine == SQLITE:
            hint = (
                "Restore it into SQLite (DATABASE_URL=sqlite:////path/to/dkp.sqlite3), then move it with "
                "manage.py copy_database --to postgres://… (docs/operations.md)."
            )
        else:
            hint = "Restore it into an empty PostgreSQL database; set DATABASE_URL=postgres://… first."
        raise BackupError(f"{path.name} is a {engine} backup but {_describe(connection)} is {target}. {hint}")
    require_empty(using)
    try:
        if engine == SQLITE:
            _restore_sqlite(path, connection)
        else:
            _restore_postgresql(path, connection)
    except (OSError, sqlite3.Error) as error:
        raise BackupError(f"Could not restore {path.name} into {_describe(connection)} ({error}).") from error
    return check_database(using)


def _restore_sqlite(path: Path, connection: BaseDatabaseWrapper) -> None:
    target = _sqlite_path(connection)
    connection.close()  # our own connection writes the pages; Django's reopens afterwards
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".dkp-restore-") as scratch:
        unpacked = Path(scratch) / "restore.sqlite3"
        with gzip.open(path, "rb") as packed, unpacked.open("wb") as raw:
            shutil.copyfileobj(packed, raw, _CHUNK)
        _check_sqlite_file(unpacked)
        src = sqlite3.connect(unpacked)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")  # as the app's settings open it
        finally:
            dst.close()
            src.close()


def _restore_postgresql(path: Path, connection: BaseDatabaseWrapper) -> None:
    # One transaction, stopping at the first error: a restore that fails leaves the database empty.
    command = [pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", "-"]
    connection.close()
    with tempfile.TemporaryFile() as errors, gzip.open(path, "rb") as packed:
        process = subprocess.Popen(  # noqa: S603 - a fixed argument list (no shell), the tool found by pg_tool
            command, env=_pg_env(connection), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors
        )
        assert process.stdin is not None  # stdin=PIPE above; narrows the type
        with contextlib.suppress(BrokenPipeError):  # psql stopped at an error; its message says which
            try:
                shutil.copyfileobj(packed, process.stdin, _CHUNK)
            finally:
                process.stdin.close()
        returncode = process.wait()
        if returncode:
            errors.seek(0)
            raise BackupError(
                f"psql could not restore {path.name} (exit {returncode}); nothing was kept: "
                f"{errors.read().decode(errors='replace').strip()}"
            )


# --- checking a database ----------------------------------------------------------------------


def row_counts(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows in every table of the database, by table name."""
    connection = connections[using]
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a table name from the database's own catalogue, quoted
            counts[table] = cursor.fetchone()[0]
    return counts


def check_database(using: str = DEFAULT_DB_ALIAS, *, expected_counts: dict[str, int] | None = None) -> CheckReport:
    """The reconcile of every points summary against the ledger, and the rows per table (compared
    with ``expected_counts`` when given)."""
    counts = row_counts(using)
    pending = len(_unapplied_migrations(using))
    if pending:
        return CheckReport(row_counts=counts, differences=[], pending_migrations=pending)
    mismatches = {}
    if expected_counts is not None:
        for table in sorted(set(counts) | set(expected_counts)):
            if counts.get(table, 0) != expected_counts.get(table, 0):
                mismatches[table] = (expected_counts.get(table, 0), counts.get(table, 0))
    return CheckReport(row_counts=counts, differences=summary_differences(using=using), count_mismatches=mismatches)


# --- another database, for a while --------------------------------------------------------------


@contextlib.contextmanager
def temporary_database(url_or_settings: str | dict[str, Any], *, alias: str = "ops_other") -> Iterator[str]:
    """A database connection alias for a URL (as DATABASE_URL takes) or a settings dict, removed after.

    The connection is made for this thread only and is not added to ``settings.DATABASES``: nothing
    else in the process (another thread, a test's database isolation) sees it.
    """
    with contextlib.suppress(ConnectionDoesNotExist):
        connections[alias]  # the look-up itself is the test: is the alias taken?
        raise BackupError(f"The database alias {alias} is already in use.")
    config = environ.Env.db_url_config(url_or_settings) if isinstance(url_or_settings, str) else dict(url_or_settings)
    if config.get("ENGINE") in settings.SQLITE_ENGINES:
        # As config.settings.base opens SQLite: writers queue for the lock instead of failing.
        config["OPTIONS"] = {**config.get("OPTIONS", {}), "timeout": 20}
    config.pop("TEST", None)
    config = connections.configure_settings({DEFAULT_DB_ALIAS: config})[DEFAULT_DB_ALIAS]
    wrapper = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


# --- copy -------------------------------------------------------------------------------------


def copy_database(*, to: str, source: str = DEFAULT_DB_ALIAS) -> CheckReport:
    """Every row of ``source`` into the empty database at the URL ``to``, then a check of the copy.

    The target gets this code's schema by ``migrate``; the rows migrate wrote there (content types,
    permissions) are replaced by the source's, so every id stays what it was. Rows go in with SQL, not
    model saves: no signals, no ``auto_now``, values exactly as read. The source is read inside one
    transaction (PostgreSQL: repeatable read), so the copy is one consistent state.
    """
    with temporary_database(to, alias="ops_copy_target") as target:
        source_connection, target_connection = connections[source], connections[target]
        if source_connection.settings_dict["NAME"] == target_connection.settings_dict["NAME"] and (
            source_connection.vendor == target_connection.vendor
        ):
            raise BackupError("The source and the target are the same database.")
        require_empty(target)
        _require_migrated(source)
        call_command("migrate", database=target, interactive=False, verbosity=0)
        models = [
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        ]
        tables = [model._meta.db_table for model in models]
        outermost = not source_connection.in_atomic_block
        with transaction.atomic(using=source), transaction.atomic(using=target):
            if outermost and source_connection.vendor == "postgresql":
                with source_connection.cursor() as cursor:  # one snapshot for every table read
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            target_connection.ops.execute_sql_flush(
                target_connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
            )
            for model in models:
                _copy_rows(model, source, target_connection)
            with target_connection.cursor() as cursor:
                for statement in target_connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)
            expected = row_counts(source)
        # django_migrations is migrate's own record, written on the target by migrate above.
        expected.pop("django_migrations", None)
        report = check_database(target, expected_counts=expected)
        report.count_mismatches.pop("django_migrations", None)
        return report


def _unapplied_migrations(using: str) -> list[Any]:
    executor = MigrationExecutor(connections[using])
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def _require_migrated(using: str) -> None:
    plan = _unapplied_migrations(using)
    if plan:
        raise BackupError(
            f"{_sentence(_describe(connections[using]))} has {len(plan)} migrations this code has not applied "
            "to it yet; run manage.py migrate on it first, so both databases have the same tables."
        )


def _copy_rows(model: Any, source: str, target: BaseDatabaseWrapper) -> None:
    fields = list(model._meta.local_concrete_fields)
    columns = ", ".join(target.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {target.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the models, quoted; values are parameters
    rows = model._base_manager.using(source).order_by("pk").values_list(*(f.attname for f in fields))
    batch: list[list[Any]] = []
    with target.cursor() as cursor:
        for row in rows.iterator(chunk_size=_ROWS_PER_INSERT):
            batch.append([f.get_db_prep_save(value, connection=target) for f, value in zip(fields, row, strict=True)])
            if len(batch) >= _ROWS_PER_INSERT:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
