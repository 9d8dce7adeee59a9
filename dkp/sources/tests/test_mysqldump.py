"""The dump reader on hand-written dump text: every shape mysqldump and mariadb-dump write, and every error."""

import gzip
import tracemalloc
from pathlib import Path

import pytest

from dkp.sources.history import SourceError
from dkp.sources.mysqldump import MysqlDumpFile

HEADER = """/*M!999999\\- enable the sandbox mode */
-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: opendkp
-- ------------------------------------------------------
-- Server version	10.11.19-MariaDB-0+deb12u1

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
"""

CHARACTERS = """
--
-- Table structure for table `characters`
--

DROP TABLE IF EXISTS `characters`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `characters` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `name` varchar(64) NOT NULL COMMENT 'the character''s name; unique',
  `class` varchar(20) DEFAULT NULL,
  `dkp` decimal(10,2) NOT NULL DEFAULT 0.00,
  `joined` datetime DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `name` (`name`),
  KEY `class` (`class`),
  CONSTRAINT `positive` CHECK (`dkp` > -1000)
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `characters`
--

LOCK TABLES `characters` WRITE;
/*!40000 ALTER TABLE `characters` DISABLE KEYS */;
INSERT INTO `characters` VALUES
(1,'Aelfric','Cleric',12.50,'2019-03-02 20:15:00'),
(2,'Brünhilde','Warrior',-3.25,NULL),
(3,'小龍','Monk',0.00,'2020-01-01 00:00:00');
/*!40000 ALTER TABLE `characters` ENABLE KEYS */;
UNLOCK TABLES;
"""

FOOTER = """/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;

-- Dump completed on 2026-12-02 14:32:05
"""


def write(tmp_path: Path, text: str | bytes, name: str = "guild.sql") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def table(dump: MysqlDumpFile, name: str, columns: list[str]) -> list[dict[str, str | None]]:
    return [dict(row.values) for row in dump.rows(name, columns)]


def test_a_mariadb_dump_gives_every_row_as_the_text_it_spells(tmp_path):
    dump = MysqlDumpFile(write(tmp_path, HEADER + CHARACTERS + FOOTER))

    assert dump.names() == {"characters"}
    assert table(dump, "characters", ["name", "dkp", "joined"]) == [
        {"name": "Aelfric", "dkp": "12.50", "joined": "2019-03-02 20:15:00"},
        {"name": "Brünhilde", "dkp": "-3.25", "joined": None},
        {"name": "小龍", "dkp": "0.00", "joined": "2020-01-01 00:00:00"},
    ]
    assert dump.problems == []


def test_each_row_says_its_table_row_number_and_dump_line(tmp_path):
    text = HEADER + CHARACTERS + FOOTER
    dump = MysqlDumpFile(write(tmp_path, text))

    wheres = [row.where for row in dump.rows("characters", ["id"])]

    first_line = text.splitlines().index("(1,'Aelfric','Cleric',12.50,'2019-03-02 20:15:00'),") + 1
    assert wheres == [
        f"characters row 1 (dump line {first_line})",
        f"characters row 2 (dump line {first_line + 1})",
        f"characters row 3 (dump line {first_line + 2})",
    ]


def test_string_escapes_are_undone_as_mysql_reads_them(tmp_path):
    values = [
        ("'O\\'Brien'", "O'Brien"),
        ("'O''Brien'", "O'Brien"),
        ("'say \\\"hi\\\"'", 'say "hi"'),
        ('\'say ""hi""\'', 'say ""hi""'),
        ("'back\\\\slash'", "back\\slash"),
        ("'line\\none\\r\\ttab'", "line\none\r\ttab"),
        ("'nul\\0byte'", "nul\x00byte"),
        ("'bs\\bz\\Z'", "bs\x08z\x1a"),
        ("'100\\% and a\\_b'", "100\\% and a\\_b"),
        ("'a; -- not a comment /* nor this */'", "a; -- not a comment /* nor this */"),
        ('"double quoted \\" and "" inside"', 'double quoted " and " inside'),
        ("'raw\nnewline'", "raw\nnewline"),
    ]
    rows = ",\n".join(f"({number},{literal})" for number, (literal, _text) in enumerate(values, start=1))
    text = f"CREATE TABLE `notes` (`id` int, `note` text);\nINSERT INTO `notes` VALUES {rows};\n"
    dump = MysqlDumpFile(write(tmp_path, text))

    assert [row["note"] for row in dump.rows("notes", ["note"])] == [expected for _literal, expected in values]


def test_null_is_none_and_an_empty_string_or_the_word_null_in_quotes_stays_text(tmp_path):
    text = "CREATE TABLE t (id int, note varchar(9));\nINSERT INTO t VALUES (1,NULL),(2,''),(3,'NULL'),(4,null);\n"
    dump = MysqlDumpFile(write(tmp_path, text))

    assert [row["note"] for row in dump.rows("t", ["note"])] == [None, "", "NULL", None]


def test_numbers_binary_and_hex_values(tmp_path):
    text = (
        "CREATE TABLE `v` (`id` int, `n` double, `blob` blob, `flag` bit(3));\n"
        "INSERT INTO `v` VALUES (1,-12,_binary 'a\\0b',b'101'),(2,1.5e-05,0x48C3A9,b'0'),"
        "(3,+7,X'4869',NULL),(4,.5,0x,NULL),(5,3.,_utf8mb4'x',NULL);\n"
    )
    dump = MysqlDumpFile(write(tmp_path, text))

    assert table(dump, "v", ["n", "blob", "flag"]) == [
        {"n": "-12", "blob": "a\x00b", "flag": "5"},
        {"n": "1.5e-05", "blob": "Hé", "flag": "0"},
        {"n": "+7", "blob": "Hi", "flag": None},
        {"n": ".5", "blob": "", "flag": None},
        {"n": "3.", "blob": "x", "flag": None},
    ]


def test_complete_insert_column_lists_put_values_in_their_columns(tmp_path):
    text = (
        "CREATE TABLE `raids` (`id` int, `name` varchar(20), `value` decimal(5,1));\n"
        "INSERT INTO `raids` (`value`, `id`, `name`) VALUES (2.5,1,'Plane of Fear'),(10.0,2,'Vex Thal');\n"
        "INSERT INTO raids (id, name, value) VALUES (3,'Sleeper''s Tomb',NULL);\n"
    )
    dump = MysqlDumpFile(write(tmp_path, text))

    assert table(dump, "raids", ["id", "name", "value"]) == [
        {"id": "1", "name": "Plane of Fear", "value": "2.5"},
        {"id": "2", "name": "Vex Thal", "value": "10.0"},
        {"id": "3", "name": "Sleeper's Tomb", "value": None},
    ]


def test_one_insert_per_row_counts_rows_across_statements(tmp_path):
    text = (
        "CREATE TABLE `t` (`id` int, `name` varchar(9));\n"
        "INSERT INTO `t` VALUES (1,'a');\nINSERT INTO `t` VALUES (2,'b');\n"
        "INSERT IGNORE INTO `t` VALUES (3,'c'); REPLACE INTO `t` VALUES (4,'d');\n"
    )
    dump = MysqlDumpFile(write(tmp_path, text))

    assert [(row.where, row["name"]) for row in dump.rows("t", ["name"])] == [
        ("t row 1 (dump line 2)", "a"),
        ("t row 2 (dump line 3)", "b"),
        ("t row 3 (dump line 4)", "c"),
        ("t row 4 (dump line 4)", "d"),
    ]


def test_a_table_without_rows_has_none(tmp_path):
    dump = MysqlDumpFile(write(tmp_path, "CREATE TABLE `empty` (`id` int);\n"))

    assert dump.names() == {"empty"}
    assert list(dump.rows("empty", ["id"])) == []


def test_triggers_between_delimiters_are_passed_over(tmp_path):
    text = (
        "CREATE TABLE `t` (`id` int, `note` varchar(20));\n"
        "INSERT INTO `t` VALUES (1,'before');\n"
        "DELIMITER ;;\n"
        "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `tr` BEFORE INSERT ON `t`\n"
        "FOR EACH ROW BEGIN SET NEW.note = 'x'; SET NEW.id = 2; END */;;\n"
        "DELIMITER ;\n"
        "INSERT INTO `t` VALUES (2,'after;;');\n"
    )
    dump = MysqlDumpFile(write(tmp_path, text))

    assert [row["note"] for row in dump.rows("t", ["note"])] == ["before", "after;;"]


def test_a_gzipped_dump_reads_the_same_whatever_its_name(tmp_path):
    text = HEADER + CHARACTERS + FOOTER
    plain = MysqlDumpFile(write(tmp_path, text))
    zipped = MysqlDumpFile(write(tmp_path, gzip.compress(text.encode()), "guild.sql.gz"))
    misnamed = MysqlDumpFile(write(tmp_path, gzip.compress(text.encode()), "guild-backup.sql"))

    expected = table(plain, "characters", ["id", "name", "dkp"])
    assert table(zipped, "characters", ["id", "name", "dkp"]) == expected
    assert table(misnamed, "characters", ["id", "name", "dkp"]) == expected
    assert [row.where for row in zipped.rows("characters", ["id"])] == [
        row.where for row in plain.rows("characters", ["id"])
    ]


SEVERAL_DATABASES = """-- MySQL dump 10.13  Distrib 8.0.36
CREATE DATABASE /*!32312 IF NOT EXISTS*/ `opendkp` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;
USE `opendkp`;
CREATE TABLE `characters` (`id` int, `name` varchar(20));
INSERT INTO `characters` VALUES (1,'Aelfric');
CREATE TABLE `raids` (`id` int);
CREATE DATABASE /*!32312 IF NOT EXISTS*/ `old_dkp`;
USE `old_dkp`;
CREATE TABLE `characters` (`id` int, `name` varchar(20), `level` int);
INSERT INTO `characters` VALUES (7,'Zorn',60),(8,'Yva',65);
INSERT INTO `opendkp`.`characters` VALUES (2,'Brand');
-- Dump completed on 2026-12-01 21:00:00
"""


def test_of_several_databases_the_first_is_read(tmp_path):
    dump = MysqlDumpFile(write(tmp_path, SEVERAL_DATABASES))

    assert dump.names() == {"characters", "raids"}
    assert [row["name"] for row in dump.rows("characters", ["name"])] == ["Aelfric", "Brand"]


def test_the_database_argument_picks_another_database(tmp_path):
    dump = MysqlDumpFile(write(tmp_path, SEVERAL_DATABASES), database="old_dkp")

    assert dump.names() == {"characters"}
    assert table(dump, "characters", ["name", "level"]) == [
        {"name": "Zorn", "level": "60"},
        {"name": "Yva", "level": "65"},
    ]


def test_a_database_that_is_not_in_the_dump_is_an_error_naming_those_that_are(tmp_path):
    dump = MysqlDumpFile(write(tmp_path, SEVERAL_DATABASES), database="eqdkp")

    with pytest.raises(SourceError) as raised:
        dump.names()

    assert raised.value.code == "unknown_database"
    assert raised.value.message == "guild.sql has no database 'eqdkp' (the databases in it: 'opendkp', 'old_dkp')."


def test_a_one_database_dump_answers_to_the_database_its_header_names(tmp_path):
    dump = MysqlDumpFile(write(tmp_path, HEADER + CHARACTERS + FOOTER), database="opendkp")

    assert len(list(dump.rows("characters", ["id"]))) == 3


def test_text_that_is_not_utf8_is_read_as_latin1_and_said(tmp_path):
    text = b"CREATE TABLE `t` (`id` int, `name` varchar(20));\nINSERT INTO `t` VALUES (1,'Br\xfcnhilde'),(2,'ok');\n"
    dump = MysqlDumpFile(write(tmp_path, text))

    assert [row["name"] for row in dump.rows("t", ["name"])] == ["Brünhilde", "ok"]
    assert [row["name"] for row in dump.rows("t", ["name"])] == ["Brünhilde", "ok"]  # said once, read twice
    assert [(p.where, p.code, p.message) for p in dump.problems] == [
        (
            "t row 1 (dump line 2)",
            "not_utf8",
            "The 'name' value is not UTF-8 text; it was read as Latin-1: 'Brünhilde'.",
        )
    ]


@pytest.mark.parametrize(
    ("content", "looks_like"),
    [
        (b"", "an empty file"),
        (b"name,class,dkp\nAelfric,Cleric,12.5\n", "a spreadsheet or CSV file (import it as a spreadsheet instead)"),
        (b'{"guild": "Hand of Tunare"}', "JSON"),
        (b"<!DOCTYPE html><html>", "HTML or XML (a web page saved instead of the file?)"),
        (b"PK\x03\x04zipdata", "a ZIP archive (unpack it first and give the .sql file inside)"),
        (
            b"--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n",
            "a PostgreSQL dump (pg_dump), not a MySQL one",
        ),
        (
            b"Hello officers, here is the DKP\n",
            "text that starts with 'Hello officers, here is the DKP', where a dump starts "
            "with SQL statements such as CREATE TABLE",
        ),
    ],
)
def test_a_file_that_is_not_a_dump_says_what_it_looks_like(tmp_path, content, looks_like):
    with pytest.raises(SourceError) as raised:
        MysqlDumpFile(write(tmp_path, content))

    assert raised.value.code == "not_a_mysql_dump"
    assert raised.value.message == f"guild.sql is not a MySQL dump: it looks like {looks_like}."


def test_a_dump_cut_short_inside_a_row_says_the_line_its_statement_starts_on(tmp_path):
    text = HEADER + CHARACTERS.split("(3,'小龍'")[0] + "(3,'小"
    dump = MysqlDumpFile(write(tmp_path, text))
    insert_line = text.splitlines().index("INSERT INTO `characters` VALUES") + 1

    with pytest.raises(SourceError) as raised:
        list(dump.rows("characters", ["id"]))

    assert raised.value.code == "truncated_dump"
    assert raised.value.message == (
        f"guild.sql ends in the middle of the statement that starts on line {insert_line}: the file is cut short "
        "(a copy or download that did not finish?)."
    )


def test_a_mysqldump_file_cut_at_the_end_of_a_statement_is_cut_short_too(tmp_path):
    dump = MysqlDumpFile(write(tmp_path, HEADER + CHARACTERS))

    with pytest.raises(SourceError) as raised:
        dump.names()

    assert raised.value.code == "truncated_dump"
    assert raised.value.message == (
        "guild.sql stops without the line '-- Dump completed' that mysqldump writes last: the file is cut short "
        "(a copy or download that did not finish?)."
    )


def test_a_gzipped_dump_cut_short_is_cut_short(tmp_path):
    rows = ",".join(f"({n},'{n * 7919 % 100003}')" for n in range(20_000))
    whole = gzip.compress(f"{HEADER}CREATE TABLE t (id int, v text);\nINSERT INTO t VALUES {rows};\n{FOOTER}".encode())
    dump = MysqlDumpFile(write(tmp_path, whole[: len(whole) // 2], "guild.sql.gz"))
    tiny = write(tmp_path, whole[:100], "tiny.sql.gz")

    with pytest.raises(SourceError) as raised:
        dump.names()
    with pytest.raises(SourceError) as tiny_raised:
        MysqlDumpFile(tiny)

    assert tiny_raised.value.code == "truncated_dump"

    assert raised.value.code == "truncated_dump"
    assert raised.value.message.startswith("guild.sql.gz is a gzip file that ends before its end")


def test_a_row_with_a_value_too_few_names_its_table_and_line(tmp_path):
    text = (
        "CREATE TABLE `loot` (`id` int, `item` varchar(20), `dkp` int);\n"
        "INSERT INTO `loot` VALUES\n(1,'Cloak',5),\n(2,'Ring');\n"
    )
    dump = MysqlDumpFile(write(tmp_path, text))

    rows = dump.rows("loot", ["item"])
    assert next(rows)["item"] == "Cloak"
    with pytest.raises(SourceError) as raised:
        next(rows)

    assert raised.value.code == "bad_dump_row"
    assert (
        raised.value.message == "guild.sql line 4: a row of the table 'loot' has 2 values, but the table has 3 columns."
    )


def test_a_row_of_something_other_than_values_is_a_bad_row(tmp_path):
    text = "CREATE TABLE `t` (`id` int, `at` datetime);\nINSERT INTO `t` VALUES (1,NOW());\n"
    dump = MysqlDumpFile(write(tmp_path, text))

    with pytest.raises(SourceError) as raised:
        list(dump.rows("t", ["id"]))

    assert raised.value.code == "bad_dump_row"
    assert raised.value.message.startswith(
        "guild.sql line 2: a row of the table 't' cannot be read as a list of values"
    )


def test_a_table_that_is_not_there_and_a_column_that_is_not_there(tmp_path):
    dump = MysqlDumpFile(write(tmp_path, HEADER + CHARACTERS + FOOTER))

    with pytest.raises(SourceError) as missing:
        dump.rows("raids", ["id"])
    with pytest.raises(SourceError) as unknown:
        dump.rows("characters", ["name", "guild_rank", "race"])

    assert (missing.value.code, missing.value.message) == ("missing_table", "guild.sql has no table 'raids'.")
    assert (unknown.value.code, unknown.value.message) == (
        "unknown_columns",
        "guild.sql: the table 'characters' has no column 'guild_rank', 'race'.",
    )


def test_a_file_that_is_not_there_cannot_be_read(tmp_path):
    with pytest.raises(SourceError) as raised:
        MysqlDumpFile(tmp_path / "nowhere.sql")

    assert raised.value.code == "cannot_read"
    assert raised.value.message.startswith("nowhere.sql cannot be read")


def test_a_big_dump_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "big.sql"
    rows_per_insert = 500
    total = 50_000
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        out.write(
            "CREATE TABLE `ticks` (`id` int, `character` varchar(40), `raid` int, `value` decimal(6,2), "
            "`note` varchar(200));\n"
        )
        for start in range(0, total, rows_per_insert):
            rows = ",".join(
                f"({n},'Character{n % 997} O\\'Neil',{n // 40},{n % 7}.50,'tick {n}: a note to make the row longer')"
                for n in range(start, start + rows_per_insert)
            )
            out.write(f"INSERT INTO `ticks` VALUES {rows};\n")
        out.write(FOOTER)
    size = path.stat().st_size
    dump = MysqlDumpFile(path)
    dump.names()

    tracemalloc.start()
    count = 0
    value_total = 0.0
    for row in dump.rows("ticks", ["id", "value"]):
        count += 1
        value_total += float(row["value"] or 0)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert count == total
    assert value_total == sum(n % 7 + 0.5 for n in range(total))
    assert size > 4_000_000
    assert peak < size / 8, f"peak {peak} bytes reading a {size}-byte dump"


def test_a_phpmyadmin_export_reads_like_a_dump(tmp_path):
    text = """-- phpMyAdmin SQL Dump
-- version 5.2.1
-- https://www.phpmyadmin.net/
--
-- Host: 127.0.0.1
-- Generation Time: Nov 30, 2026 at 08:15 PM

SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO";
START TRANSACTION;
SET time_zone = "+00:00";

--
-- Database: `eqdkp`
--

CREATE TABLE `eqdkp20_members` (
  `member_id` mediumint(8) UNSIGNED NOT NULL,
  `member_name` varchar(30) COLLATE utf8_bin NOT NULL DEFAULT '',
  `member_main_id` mediumint(8) UNSIGNED DEFAULT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8 COLLATE=utf8_bin;

INSERT INTO `eqdkp20_members` (`member_id`, `member_name`, `member_main_id`) VALUES
(1, 'Aelfric', NULL),
(2, 'Aelfrac', 1),
(3, 'Ti\\'Lana', 1);

ALTER TABLE `eqdkp20_members`
  ADD PRIMARY KEY (`member_id`);
COMMIT;
"""
    dump = MysqlDumpFile(write(tmp_path, text, "eqdkp.sql"))

    assert table(dump, "eqdkp20_members", ["member_name", "member_main_id"]) == [
        {"member_name": "Aelfric", "member_main_id": None},
        {"member_name": "Aelfrac", "member_main_id": "1"},
        {"member_name": "Ti'Lana", "member_main_id": "1"},
    ]
