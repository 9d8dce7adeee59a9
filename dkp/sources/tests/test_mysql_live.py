"""The live reader on a real MariaDB, and the dump reader on real mysqldump files of the same database:
the server, every dump and the test data all give the same rows."""

import datetime as dt
import time
from decimal import Decimal

import pymysql
import pytest

from dkp.sources.history import SourceError
from dkp.sources.mysql_live import open_mysql, parse_mysql_url
from dkp.sources.mysqldump import MysqlDumpFile
from dkp.sources.tables import MemoryTables

DDL = """
CREATE TABLE characters (
  id INT PRIMARY KEY,
  name VARCHAR(64) NOT NULL,
  note TEXT NULL,
  dkp DECIMAL(10,2) NULL,
  level TINYINT NULL,
  active TINYINT(1) NOT NULL DEFAULT 1,
  joined DATETIME NULL,
  born DATE NULL,
  portrait BLOB NULL
) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE TABLE `raid ticks` (
  `tick id` INT PRIMARY KEY,
  `value` DECIMAL(6,2) NOT NULL
);
"""

GUILD = MemoryTables(
    {
        "characters": [
            {
                "id": 1,
                "name": "O'Brien",
                "note": 'said "hi"; then -- left /* at once */',
                "dkp": Decimal("12.50"),
                "level": 65,
                "active": True,
                "joined": dt.datetime(2019, 3, 2, 20, 15),
                "born": dt.date(2001, 1, 31),
                "portrait": "png?",
            },
            {
                "id": 2,
                "name": "Back\\slash",
                "note": "line one\nline two\r\n\ttabbed \x1a end \\% \\_ %",
                "dkp": Decimal("-3.25"),
                "level": 1,
                "active": False,
                "joined": dt.datetime(2020, 12, 31, 23, 59, 59),
                "portrait": "",
            },
            {"id": 3, "name": "Brünhilde Ærendil", "note": "", "dkp": Decimal("0.00"), "active": True},
            {"id": 4, "name": "小龍", "note": None, "dkp": None, "active": True, "portrait": "日本語 🐉"},
            {"id": 5, "name": "Zoë", "note": "NULL", "dkp": Decimal("99999999.99"), "active": True},
            {"id": 6, "name": "nul\x00byte", "note": "''quoted''", "dkp": Decimal("-0.01"), "active": True},
        ],
        "raid ticks": [{"tick id": n, "value": (Decimal(n) / 4).quantize(Decimal("0.01"))} for n in range(1, 30)],
    }
)

CHARACTER_COLUMNS = ["id", "name", "note", "dkp", "level", "active", "joined", "born", "portrait"]


def table(source, name, columns):
    return [dict(row.values) for row in source.rows(name, columns)]


@pytest.fixture(scope="module")
def guild_url(mariadb):
    url = mariadb.database("guild")
    mariadb.load(url, DDL, GUILD)
    return url


def test_the_live_server_gives_the_rows_the_test_data_has(guild_url):
    with open_mysql(guild_url) as live:
        assert live.names() == {"characters", "raid ticks"}
        assert table(live, "characters", CHARACTER_COLUMNS) == table(GUILD, "characters", CHARACTER_COLUMNS)
        assert table(live, "raid ticks", ["value", "tick id"]) == table(GUILD, "raid ticks", ["value", "tick id"])
        assert [row.where for row in live.rows("characters", ["id"])][:2] == ["characters row 1", "characters row 2"]
        assert live.problems == []


@pytest.mark.parametrize(
    ("file_name", "options"),
    [
        ("default.sql", ()),
        ("complete.sql", ("--complete-insert",)),
        ("one-per-row.sql", ("--skip-extended-insert",)),
        ("hex.sql", ("--hex-blob",)),
        ("all.sql.gz", ("--hex-blob", "--complete-insert", "--skip-extended-insert")),
        ("compact.sql", ("--compact", "--skip-comments")),
        ("routines.sql", ("--routines", "--events", "--single-transaction")),
    ],
)
def test_a_real_dump_gives_the_same_rows_as_the_server(mariadb, guild_url, tmp_path, file_name, options):
    dump = MysqlDumpFile(mariadb.dump(guild_url, tmp_path / file_name, *options))

    with open_mysql(guild_url) as live:
        assert dump.names() == live.names()
        assert table(dump, "characters", CHARACTER_COLUMNS) == table(live, "characters", CHARACTER_COLUMNS)
        assert table(dump, "raid ticks", ["tick id", "value"]) == table(live, "raid ticks", ["tick id", "value"])
    assert table(dump, "characters", CHARACTER_COLUMNS) == table(GUILD, "characters", CHARACTER_COLUMNS)
    assert dump.problems == []


def test_a_dump_of_several_databases_reads_the_first_or_the_one_asked_for(mariadb, tmp_path):
    first = mariadb.database("first")
    second = mariadb.database("second")
    mariadb.load(
        first,
        "CREATE TABLE pools (id INT PRIMARY KEY, name VARCHAR(20));",
        MemoryTables({"pools": [{"id": 1, "name": "Main"}]}),
    )
    mariadb.load(
        second,
        "CREATE TABLE pools (id INT PRIMARY KEY, name VARCHAR(20));",
        MemoryTables({"pools": [{"id": 9, "name": "Alt"}]}),
    )
    first_name, second_name = parse_mysql_url(first).database, parse_mysql_url(second).database
    path = mariadb.dump(first, tmp_path / "both.sql", "--databases", first_name, second_name)

    assert table(MysqlDumpFile(path), "pools", ["name"]) == [{"name": "Main"}]
    assert table(MysqlDumpFile(path, database=second_name), "pools", ["name"]) == [{"name": "Alt"}]


def test_bytes_that_are_not_utf8_are_read_as_latin1_and_said_by_both_readers(mariadb, tmp_path):
    url = mariadb.database("latin")
    mariadb.run_sql(
        url,
        "CREATE TABLE items (id INT PRIMARY KEY, raw VARBINARY(20));"
        " INSERT INTO items VALUES (1, 0x436CE9), (2, 0x4F4B);",
    )

    with open_mysql(url) as live:
        assert table(live, "items", ["raw"]) == [{"raw": "Clé"}, {"raw": "OK"}]
        live_problems = [(p.where, p.code) for p in live.problems]
    for options in [(), ("--hex-blob",)]:
        dump = MysqlDumpFile(mariadb.dump(url, tmp_path / "latin.sql", *options))
        assert table(dump, "items", ["raw"]) == [{"raw": "Clé"}, {"raw": "OK"}]
        assert [p.code for p in dump.problems] == ["not_utf8"]
        assert dump.problems[0].message == "The 'raw' value is not UTF-8 text; it was read as Latin-1: 'Clé'."
        assert dump.problems[0].where.startswith("items row 1 (dump line ")
    assert live_problems == [("items row 1", "not_utf8")]


def test_a_table_or_column_that_is_not_there(guild_url):
    with open_mysql(guild_url) as live:
        with pytest.raises(SourceError) as missing:
            live.rows("raids", ["id"])
        with pytest.raises(SourceError) as unknown:
            live.rows("characters", ["name", "rank"])

    assert missing.value.code == "missing_table"
    assert missing.value.message.endswith("has no table 'raids'.")
    assert unknown.value.code == "unknown_columns"
    assert unknown.value.message.endswith("the table 'characters' has no column 'rank'.")


def test_two_tables_can_be_read_at_once(guild_url):
    with open_mysql(guild_url) as live:
        pairs = list(zip(live.rows("characters", ["name"]), live.rows("raid ticks", ["value"]), strict=False))

    assert [(a["name"], b["value"]) for a, b in pairs][:2] == [("O'Brien", "0.25"), ("Back\\slash", "0.50")]


def test_a_wrong_password_is_refused_without_showing_it(mariadb):
    url = mariadb.database("locked")
    database = parse_mysql_url(url).database
    user = f"officer_{database}"[:32]
    mariadb.run_sql(
        url,
        f"DROP USER IF EXISTS '{user}'@'localhost'; CREATE USER '{user}'@'localhost' IDENTIFIED BY 'right horse';"
        f" GRANT SELECT ON `{database}`.* TO '{user}'@'localhost';",
    )
    socket = parse_mysql_url(url).unix_socket

    with pytest.raises(SourceError) as refused:
        open_mysql(f"mysql://{user}:wrong%20battery@localhost/{database}?unix_socket={socket}")
    with open_mysql(f"mysql://{user}:right%20horse@localhost/{database}?unix_socket={socket}") as live:
        assert live.names() == set()
    with pytest.raises(SourceError) as other_database:
        open_mysql(f"mysql://{user}:right%20horse@localhost/mysql?unix_socket={socket}")

    assert refused.value.code == "access_denied"
    assert user in refused.value.message
    assert "wrong" not in refused.value.message
    assert "battery" not in refused.value.message
    assert other_database.value.code == "access_denied"


def test_a_database_that_is_not_there(mariadb):
    socket = parse_mysql_url(mariadb.database("any")).unix_socket

    with pytest.raises(SourceError) as raised:
        open_mysql(f"mysql://root@localhost/no_such_guild?unix_socket={socket}")

    assert raised.value.code == "unknown_database"
    assert raised.value.message == (
        f"The MySQL server at mysql://root@localhost (socket {socket})/no_such_guild has no database 'no_such_guild'."
    )


@pytest.mark.parametrize(
    "url",
    [
        "mysql://dkp:secret@127.0.0.1:1/opendkp",
        "mysql://dkp:secret@localhost/opendkp?unix_socket=/nonexistent/mysqld.sock",
    ],
)
def test_a_server_that_is_not_there_cannot_be_connected_to(url):
    with pytest.raises(SourceError) as raised:
        open_mysql(url)

    assert raised.value.code == "cannot_connect"
    assert raised.value.message.startswith("Cannot connect to the MySQL server at mysql://dkp@")
    assert "secret" not in raised.value.message


def test_an_address_is_read_with_its_parts_percent_decoded():
    address = parse_mysql_url("mysql://old%40dkp:p%40ss%3Aword@db.example.org:3307/eq%20dkp?charset=latin1")

    assert (address.user, address.password, address.host, address.port) == (
        "old@dkp",
        "p@ss:word",
        "db.example.org",
        3307,
    )
    assert (address.database, address.charset, address.unix_socket) == ("eq dkp", "latin1", "")
    assert address.label == "mysql://old@dkp@db.example.org:3307/eq dkp"
    assert "p@ss" not in repr(address)


@pytest.mark.parametrize(
    "url",
    [
        "postgres://dkp@localhost/opendkp",
        "mysql://dkp@localhost",
        "mysql://dkp@localhost/",
        "mysql://dkp@localhost/a/b",
        "mysql://dkp@localhost:notaport/opendkp",
        "mysql://dkp@localhost/opendkp?sslmode=require",
        "opendkp",
        "",
    ],
)
def test_anything_else_is_not_a_mysql_address(url):
    with pytest.raises(SourceError) as raised:
        parse_mysql_url(url)

    assert raised.value.code == "bad_database_url"
    assert raised.value.message.startswith("That is not a MySQL address. Write it as mysql://user:password@host")


def test_the_helper_keeps_each_workers_databases_apart(mariadb):
    url = mariadb.database("mine")

    assert parse_mysql_url(url).database == f"mine_{mariadb.worker}"
    connection = pymysql.connect(
        unix_socket=parse_mysql_url(url).unix_socket, user="root", database=f"mine_{mariadb.worker}"
    )
    connection.close()


def test_timestamps_bits_and_other_types_read_the_same_live_and_dumped(mariadb, tmp_path):
    url = mariadb.database("types")
    mariadb.run_sql(
        url,
        "CREATE TABLE awards (id INT PRIMARY KEY, at TIMESTAMP NULL, ratio FLOAT, share DOUBLE, flags BIT(3),"
        " attended BIT(1), extra JSON, kind ENUM('tick','bonus'), season YEAR, late TIME);"
        " SET time_zone = '+05:00';"
        " INSERT INTO awards VALUES (1, '2020-01-01 12:00:00', 1.1, 0.1, b'101', b'1', '{\"a\": \"b\\\\\"c\"}',"
        " 'bonus', 2020, '-01:02:03'), (2, NULL, -2.5e-7, 1e300, b'0', b'0', NULL, 'tick', NULL, '838:59:59');",
    )
    columns = ["id", "at", "ratio", "share", "flags", "attended", "extra", "kind", "season", "late"]
    with open_mysql(url) as live:
        expected = table(live, "awards", columns)

    assert expected[0]["at"] == "2020-01-01 07:00:00"  # in UTC, whatever the zone it was written in
    assert (expected[0]["flags"], expected[0]["attended"], expected[1]["flags"]) == ("5", "1", "0")
    for options in [(), ("--hex-blob",), ("--complete-insert", "--skip-extended-insert")]:
        dump = MysqlDumpFile(mariadb.dump(url, tmp_path / "types.sql", *options))
        assert table(dump, "awards", columns) == expected, options


def test_a_reader_that_stops_early_does_not_wait_for_the_rest_of_a_big_table(mariadb):
    url = mariadb.database("big")
    mariadb.run_sql(
        url,
        "CREATE TABLE ticks (id INT PRIMARY KEY, note VARCHAR(100));"
        " INSERT INTO ticks SELECT seq, REPEAT('x', 100) FROM seq_1_to_200000;",
    )

    with open_mysql(url) as live:
        started = time.monotonic()
        rows = live.rows("ticks", ["id"])
        first = [next(rows)["id"] for _ in range(3)]
        rows.close()
        elapsed = time.monotonic() - started

    assert first == ["1", "2", "3"]
    assert elapsed < 1.0
