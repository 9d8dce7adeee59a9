"""The tables of a live MySQL or MariaDB server, read with PyMySQL.

``open_mysql("mysql://dkp:secret@db.example:3306/opendkp")`` connects at once, so a wrong address,
password or database name is said before any reading starts. Every value comes back as the text the
server sends (PyMySQL's type conversion is off), which is also the text mysqldump writes into a dump
file: a reader gets ``"12.50"`` and ``"2019-03-02 20:15:00"`` from both. Rows stream from the server
(an unbuffered cursor) on a connection of their own, so a ten-year table never sits in memory and a
reader may walk two tables at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

import pymysql
import pymysql.cursors
from pymysql.constants import FIELD_TYPE

from dkp.sources.history import SourceError
from dkp.sources.mysqldump import ProblemList, decode_text
from dkp.sources.tables import Row, missing_table, unknown_columns

# MySQL's error numbers for the refusals a person can fix.
_ACCESS_DENIED = {1044, 1045, 1698}
_UNKNOWN_DATABASE = 1049
_CANNOT_CONNECT = {2002, 2003, 2005, 2006, 2013}
_NO_SUCH_TABLE = 1146


@dataclass(frozen=True)
class MysqlAddress:
    """Where a server is and who to be there; ``label`` names it without the password."""

    database: str
    user: str = ""
    password: str = field(default="", repr=False)
    host: str = "localhost"
    port: int = 3306
    unix_socket: str = ""
    charset: str = "utf8mb4"

    @property
    def label(self) -> str:
        who = f"{self.user}@" if self.user else ""
        where = self.host if self.unix_socket == "" else f"{self.host} (socket {self.unix_socket})"
        port = f":{self.port}" if self.port != 3306 and not self.unix_socket else ""
        return f"mysql://{who}{where}{port}/{self.database}"

    def connect_arguments(self) -> dict[str, object]:
        arguments: dict[str, object] = {
            "user": self.user or None,
            "password": self.password,
            "database": self.database,
            "charset": self.charset,
            "use_unicode": False,
            "conv": {},
            "connect_timeout": 10,
            # TIMESTAMP values in UTC, as mysqldump writes them (unless --skip-tz-utc).
            "init_command": "SET time_zone = '+00:00'",
        }
        if self.unix_socket:
            arguments["unix_socket"] = self.unix_socket
        else:
            arguments["host"] = self.host
            arguments["port"] = self.port
        return arguments


def parse_mysql_url(url: str, *, need_database: bool = True) -> MysqlAddress:
    """``mysql://user:pass@host:port/db?unix_socket=/path&charset=utf8mb4``, percent-decoded."""
    bad = SourceError(
        "That is not a MySQL address. Write it as mysql://user:password@host:port/database "
        "(the port, the password and ?unix_socket=/path are optional).",
        code="bad_database_url",
    )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise bad from None
    if parts.scheme != "mysql" or parts.fragment:
        raise bad
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    if set(query) - {"unix_socket", "charset"} or any(len(values) != 1 for values in query.values()):
        raise bad
    database = unquote(parts.path.removeprefix("/"))
    if "/" in database or (need_database and not database):
        raise bad
    unix_socket = query.get("unix_socket", [""])[0]
    if not parts.hostname and not unix_socket:
        raise bad
    return MysqlAddress(
        database=database,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        host=unquote(parts.hostname or "localhost"),
        port=port or 3306,
        unix_socket=unix_socket,
        charset=query.get("charset", ["utf8mb4"])[0] or "utf8mb4",
    )


def connect(address: MysqlAddress) -> pymysql.connections.Connection:
    """A connection, or the SourceError a person can act on (never showing the password)."""
    try:
        return pymysql.connect(**address.connect_arguments())
    except pymysql.err.OperationalError as error:
        raise _refusal(address, error) from None
    except pymysql.err.InternalError as error:
        raise _refusal(address, error) from None


def _refusal(address: MysqlAddress, error: pymysql.err.MySQLError) -> SourceError:
    number = error.args[0] if error.args and isinstance(error.args[0], int) else 0
    if number in _ACCESS_DENIED:
        return SourceError(
            f"The MySQL server at {address.label} refused the user {address.user or '(none)'!r}: "
            "check the user name and password, and that this user may read that database.",
            code="access_denied",
        )
    if number == _UNKNOWN_DATABASE:
        return SourceError(
            f"The MySQL server at {address.label} has no database {address.database!r}.",
            code="unknown_database",
        )
    return SourceError(
        f"Cannot connect to the MySQL server at {address.label}: is it running, and is the host and port right?",
        code="cannot_connect",
    )


def quote_name(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class LiveMysql:
    """Tables of one database on a running server. ``problems`` gathers values that were not UTF-8."""

    def __init__(self, address: MysqlAddress) -> None:
        self.address = address
        self.label = address.label
        self.problems = ProblemList()
        self._connection = connect(address)
        self._columns: dict[str, list[str]] = {}

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> LiveMysql:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def names(self) -> set[str]:
        with self._connection.cursor() as cursor:
            cursor.execute("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'")
            return {bytes(row[0]).decode("utf-8") for row in cursor.fetchall()}

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            with self._connection.cursor() as cursor:
                try:
                    cursor.execute(f"SHOW COLUMNS FROM {quote_name(table)}")
                except pymysql.err.ProgrammingError as error:
                    if error.args and error.args[0] == _NO_SUCH_TABLE:
                        raise missing_table(self.label, table) from None
                    raise
                self._columns[table] = [bytes(row[0]).decode("utf-8") for row in cursor.fetchall()]
        return self._columns[table]

    def rows(self, table: str, columns: Sequence[str]) -> Iterator[Row]:
        """Checks the table and columns now; the rows then stream when iterated."""
        present = self.columns(table)
        missing = [column for column in columns if column not in present]
        if missing:
            raise unknown_columns(self.label, table, missing)
        return self._stream(table, list(columns))

    def _stream(self, table: str, columns: list[str]) -> Iterator[Row]:
        select = ", ".join(quote_name(column) for column in columns) or "1"
        connection = connect(self.address)
        number = 0
        # Not closed by itself: closing an unbuffered cursor reads every row left, and a reader that stops
        # early should not wait for a ten-year table; closing the connection ends the query.
        cursor = connection.cursor(pymysql.cursors.SSCursor)
        try:
            cursor.execute(f"SELECT {select} FROM {quote_name(table)}")  # noqa: S608 - quoted names
            bit_columns = {i for i, info in enumerate(cursor.description or ()) if info[1] == FIELD_TYPE.BIT}
            for raw in cursor:
                number += 1
                where = f"{table} row {number}"
                values: dict[str, str | None] = {}
                for i, column in enumerate(columns):
                    value = raw[i]
                    if value is None:
                        values[column] = None
                    elif i in bit_columns:
                        values[column] = str(int.from_bytes(value, "big"))
                    else:
                        values[column] = decode_text(value, where, column, self.problems)
                yield Row(where=where, values=values)
        except pymysql.err.OperationalError:
            raise SourceError(
                f"The connection to the MySQL server at {self.label} was lost while reading the table {table!r} "
                f"(after {number} rows): try again.",
                code="cannot_connect",
            ) from None
        finally:
            if connection.open:
                connection.close()
            # PyMySQL would still read the rest of the result from the closed connection when the cursor
            # and its result are dropped; there is nothing left to read.
            result = getattr(cursor, "_result", None)
            if result is not None:
                result.unbuffered_active = False
            cursor.connection = None


def open_mysql(url: str) -> LiveMysql:
    """The tables of the database the URL names; raises SourceError when it cannot be reached."""
    return LiveMysql(parse_mysql_url(url))
