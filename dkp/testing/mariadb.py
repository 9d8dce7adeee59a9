"""A MariaDB server for the importers' tests: fresh databases, SQL, test tables, real mysqldump files.

``scripts/with-mariadb.sh`` starts a throwaway server and sets ``TEST_MARIADB_URL``; the ``mariadb``
fixture (conftest.py) hands tests a ``MariaDB`` on it. Each pytest-xdist worker names its databases
after itself, so parallel workers never drop each other's.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pymysql
from pymysql.constants import CLIENT

from dkp.sources.history import SourceError
from dkp.sources.mysql_live import MysqlAddress, parse_mysql_url, quote_name
from dkp.sources.tables import MemoryTables

INSERT_BATCH = 500


class MariaDB:
    def __init__(self, url: str, *, worker: str = "main") -> None:
        self.address = parse_mysql_url(url, need_database=False)
        self.worker = re.sub(r"\W", "_", worker)

    def _url(self, database: str) -> str:
        address = self.address
        who = quote(address.user, safe="")
        if address.password:
            who += ":" + quote(address.password, safe="")
        host = address.host if address.unix_socket or address.port == 3306 else f"{address.host}:{address.port}"
        url = f"mysql://{who}@{host}/{quote(database, safe='')}"
        if address.unix_socket:
            url += "?unix_socket=" + quote(address.unix_socket, safe="/")
        return url

    def _connect(self, address: MysqlAddress, *, many_statements: bool = False) -> pymysql.connections.Connection:
        arguments = address.connect_arguments()
        # The helper writes with PyMySQL's own quoting of parameters, so its usual converters stay on.
        del arguments["conv"]
        arguments["use_unicode"] = True
        if not address.database:
            del arguments["database"]
        if many_statements:
            arguments["client_flag"] = CLIENT.MULTI_STATEMENTS
        return pymysql.connect(**arguments)

    def database(self, name: str) -> str:
        """A fresh, empty database for this worker (dropped first if it is there); its mysql:// URL."""
        full_name = f"{name}_{self.worker}"
        connection = self._connect(self.address)
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {quote_name(full_name)}")
                cursor.execute(
                    f"CREATE DATABASE {quote_name(full_name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                )
        finally:
            connection.close()
        return self._url(full_name)

    def run_sql(self, url: str, sql_text: str) -> None:
        """Runs every statement of ``sql_text``; the first one that fails raises."""
        connection = self._connect(parse_mysql_url(url), many_statements=True)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql_text)
                while cursor.nextset():
                    pass
            connection.commit()
        finally:
            connection.close()

    def load(self, url: str, ddl: str, tables: MemoryTables) -> None:
        """Runs the DDL, then inserts every row of ``tables`` into the tables it made.

        Each table gets the columns of its CREATE TABLE that the test data has; a row without one of
        them gets NULL, as ``MemoryTables`` reads it as None. Values go in as the text a reader sees.
        """
        self.run_sql(url, ddl)
        address = parse_mysql_url(url)
        connection = self._connect(address)
        try:
            with connection.cursor() as cursor:
                for table in sorted(tables.names()):
                    cursor.execute(
                        "SELECT column_name FROM information_schema.columns"
                        " WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
                        (address.database, table),
                    )
                    in_database = [row[0] for row in cursor.fetchall()]
                    if not in_database:
                        raise ValueError(f"the DDL made no table {table!r} for the test data")
                    columns = [column for column in in_database if _has_column(tables, table, column)]
                    if not columns:
                        continue
                    insert = (
                        f"INSERT INTO {quote_name(table)} ({', '.join(quote_name(c) for c in columns)})"  # noqa: S608
                        f" VALUES ({', '.join(['%s'] * len(columns))})"
                    )
                    batch: list[tuple[str | None, ...]] = []
                    for row in tables.rows(table, columns):
                        batch.append(tuple(row[column] for column in columns))
                        if len(batch) == INSERT_BATCH:
                            cursor.executemany(insert, batch)
                            batch = []
                    if batch:
                        cursor.executemany(insert, batch)
            connection.commit()
        finally:
            connection.close()

    def dump(self, url: str, path: Path | str, *extra_mysqldump_args: str) -> Path:
        """A real mysqldump of the database into ``path`` (gzipped when it ends in ``.gz``)."""
        address = parse_mysql_url(url)
        program = shutil.which("mariadb-dump") or shutil.which("mysqldump")
        if program is None:
            raise RuntimeError("no mysqldump or mariadb-dump on PATH")
        command = [program, "--no-defaults", f"--user={address.user}"]
        if address.unix_socket:
            command.append(f"--socket={address.unix_socket}")
        else:
            command += [f"--host={address.host}", f"--port={address.port}", "--protocol=tcp"]
        command += [*extra_mysqldump_args]
        if "--databases" not in extra_mysqldump_args:
            command.append(address.database)
        env = {**os.environ, "MYSQL_PWD": address.password}
        path = Path(path)
        plain = path.with_name(path.name + ".part") if path.name.endswith(".gz") else path
        with plain.open("wb") as out:
            result = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, check=False, env=env)  # noqa: S603
        if result.returncode != 0:
            raise RuntimeError(f"mysqldump failed: {result.stderr.decode(errors='replace')}")
        if plain != path:
            with plain.open("rb") as source, gzip.open(path, "wb") as out:
                shutil.copyfileobj(source, out)
            plain.unlink()
        return path


def _has_column(tables: MemoryTables, table: str, column: str) -> bool:
    try:
        next(iter(tables.rows(table, [column])), None)
    except SourceError as error:
        if error.code == "unknown_columns":
            return False
        raise
    return True
