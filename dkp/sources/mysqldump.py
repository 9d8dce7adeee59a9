"""The tables of a mysqldump (or mariadb-dump) file, read as a stream.

A ten-year guild's dump is hundreds of megabytes, so the file is never held whole: it is read line by
line, cut into statements, and only ``CREATE TABLE`` (for the column names and their order), ``USE``,
``DELIMITER`` and ``INSERT`` statements mean anything; every other statement, comment and
``/*!40101 ... */`` conditional comment is passed over. At most one statement is in memory at a time
(mysqldump keeps each one under a megabyte).

``names()`` reads the file once and remembers where each table's statements are, so ``rows()`` starts
reading there. A ``.sql.gz`` file is read through gzip (told by its first bytes, whatever its name).

Values come out as the text the dump spells: ``12.50``, ``2019-03-02 20:15:00``, a string with its
escapes undone, ``0xABCD`` and ``_binary '...'`` decoded as UTF-8 text. A value that is not UTF-8 is
read as Latin-1, and ``problems`` says so (code ``not_utf8``).
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

from dkp.sources.history import SourceError, SourceProblem
from dkp.sources.tables import Row, missing_table, unknown_columns

_GZIP_MAGIC = b"\x1f\x8b"

# One piece of a statement that is complete on its own: plain text, a quoted string or name, a
# comment. The pattern is built for the statement delimiter in force (``;`` unless DELIMITER said
# otherwise), whose first character ends plain text. Possessive quantifiers: no backtracking on the
# long strings of a row.
_SINGLE_QUOTED = rb"'(?:[^'\\]++|\\[\s\S]|'')*+'"
_STRING = _SINGLE_QUOTED + rb'|"(?:[^"\\]++|\\[\s\S]|"")*+"'
_QUOTED = _STRING + rb"|`(?:[^`]++|``)*+`"
_COMMENT = rb"""/\*[\s\S]*?\*/|--(?:[ \t][^\n]*+)?(?:\n|\Z)|\#[^\n]*+(?:\n|\Z)"""


def _pieces_pattern(delimiter: bytes) -> re.Pattern[bytes]:
    first = re.escape(delimiter[:1])
    rest = re.escape(delimiter[1:])
    lone_first = rb"|" + first + rb"(?!" + rest + rb")" if rest else b""
    plain = rb"[^'\"`/#\-" + first + rb"]++"
    return re.compile(
        rb"(?:" + plain + rb"|" + _QUOTED + rb"|" + _COMMENT + rb"|/(?!\*)|-(?!-(?:[ \t]|\n|\Z))" + lone_first + rb")*+"
    )


_TOKEN = re.compile(
    rb"(?P<space>\s++|" + _COMMENT + rb")|(?P<name>`(?:[^`]++|``)*+`)|(?P<word>[A-Za-z_$][A-Za-z0-9_$]*+)"
    rb"|(?P<string>" + _STRING + rb")|(?P<other>[\s\S])"
)

# One value of a row, as mysqldump writes it.
_VALUE_PATTERN = (
    rb"\s*+(?:(?P<string>" + _STRING + rb")"
    rb"|_[A-Za-z0-9]++\s*+(?P<introduced>" + _SINGLE_QUOTED + rb")"
    rb"""|(?P<null>NULL)(?![\w$])"""
    rb"""|0x(?P<hex>[0-9A-Fa-f]*+)(?![\w$])|[xX]'(?P<xhex>[0-9A-Fa-f]*+)'"""
    rb"""|[bB]'(?P<bits>[01]*+)'"""
    rb"""|(?P<number>[-+]?(?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][-+]?\d++)?)(?![\w$])"""
    rb"""|(?P<word>TRUE|FALSE)(?![\w$])"""
    rb""")\s*+"""
)
_VALUE = re.compile(_VALUE_PATTERN, re.IGNORECASE)
# The same without its named groups, to cut a row into values in one call; and a whole row.
_ONE_VALUE = re.compile(re.sub(rb"\(\?P<\w+>", b"(?:", _VALUE_PATTERN), re.IGNORECASE)
_ROW = re.compile(rb"\s*+\((?:" + _ONE_VALUE.pattern + rb"(?:," + _ONE_VALUE.pattern + rb")*+)?\)\s*+", re.IGNORECASE)
_NUMBER_STARTS = frozenset(bytes([c]) for c in b"0123456789-+.")
_ESCAPE = {b"'": re.compile(rb"\\([\s\S])|''"), b'"': re.compile(rb'\\([\s\S])|""')}
_ESCAPES = {
    b"0": b"\x00",
    b"b": b"\x08",
    b"n": b"\n",
    b"r": b"\r",
    b"t": b"\t",
    b"Z": b"\x1a",
    b"%": b"\\%",  # outside LIKE, MySQL keeps the backslash of \% and \_
    b"_": b"\\_",
}
_COLUMN_KEYWORDS = {
    "PRIMARY",
    "KEY",
    "INDEX",
    "UNIQUE",
    "CONSTRAINT",
    "FOREIGN",
    "FULLTEXT",
    "SPATIAL",
    "CHECK",
    "PERIOD",
}
# What a dump's first statement may be; anything else and the file is not a dump.
_STATEMENT_WORDS = {
    "CREATE",
    "INSERT",
    "REPLACE",
    "SET",
    "USE",
    "DROP",
    "LOCK",
    "UNLOCK",
    "ALTER",
    "START",
    "BEGIN",
    "COMMIT",
    "DELIMITER",
}


@dataclass(frozen=True)
class _Statement:
    text: bytes
    line: int  # the line its first word is on
    offset: int  # where the line its text starts on begins, in the (uncompressed) file
    offset_line: int  # that line's number
    delimiter: bytes


@dataclass
class _TableSpan:
    """Where one table's statements are, found by the first reading."""

    columns: list[str] | None
    start_offset: int
    start_line: int
    delimiter: bytes
    database: str | None
    end_offset: int = 0
    insert_columns: list[str] = field(default_factory=list)
    bit_columns: set[str] = field(default_factory=set)


class MysqlDumpFile:
    """Tables of one database in a dump file: the first one in it, or ``database=`` when given."""

    def __init__(self, path: Path | str, *, database: str | None = None) -> None:
        self.path = Path(path)
        self.label = self.path.name
        self.database = database
        self.problems = ProblemList()
        self._spans: dict[str, _TableSpan] | None = None
        self._chosen: str | None = None
        self._header_database: str | None = None
        self._by_mysqldump = False
        self._check_looks_like_a_dump()

    # -- the Tables protocol

    def names(self) -> set[str]:
        return set(self._index())

    def rows(self, table: str, columns: Sequence[str]) -> Iterator[Row]:
        """Checks the table and columns now; the rows are read from the file when iterated."""
        spans = self._index()
        span = spans.get(table)
        if span is None:
            raise missing_table(self.label, table)
        known = span.columns if span.columns is not None else span.insert_columns
        if not known and columns:
            raise SourceError(
                f"{self.label} has rows for the table {table!r} but no CREATE TABLE or column list that says "
                "what its columns are.",
                code="unknown_columns",
            )
        missing = [column for column in columns if column not in known]
        if missing:
            raise unknown_columns(self.label, table, missing)
        return self._rows(table, span, list(columns))

    # -- reading

    def _open(self) -> BinaryIO:
        try:
            with self.path.open("rb") as probe:
                compressed = probe.read(2) == _GZIP_MAGIC
            if compressed:
                return cast(BinaryIO, gzip.open(self.path, "rb"))
            return self.path.open("rb")
        except OSError as error:
            raise SourceError(f"{self.label} cannot be read: {error.strerror or error}.", code="cannot_read") from None

    def _check_looks_like_a_dump(self) -> None:
        with self._open() as stream:
            try:
                head = stream.read(4096)
            except EOFError:
                raise SourceError(
                    f"{self.label} is a gzip file that ends before its end: the file is cut short "
                    "(a copy or download that did not finish?).",
                    code="truncated_dump",
                ) from None
            except (OSError, zlib.error):
                raise SourceError(
                    f"{self.label} looks like a gzip file, but it cannot be unpacked.", code="not_a_mysql_dump"
                ) from None
        # mysqldump's comments (on unless --skip-comments or --compact) start with a header and end with a
        # closing line; a dump that has the first must have the last, or it was cut short.
        self._by_mysqldump = re.search(rb"^-- (MySQL|MariaDB) dump ", head, re.MULTILINE) is not None
        named = re.search(rb"^-- Host: .*?Database: (\S+)", head, re.MULTILINE)
        self._header_database = named.group(1).decode("utf-8", errors="replace") if named else None
        looks_like = _what_it_looks_like(head)
        if looks_like:
            raise SourceError(f"{self.label} is not a MySQL dump: it looks like {looks_like}.", code="not_a_mysql_dump")

    def _statements(
        self, *, offset: int = 0, line: int = 1, delimiter: bytes = b";", ending: list[bytes] | None = None
    ) -> Iterator[_Statement]:
        """The file's statements from ``offset`` (the start of line ``line``) on, without their delimiters.

        ``ending`` gets the file's last line that is not blank.
        """
        with self._open() as stream:
            try:
                if offset:
                    stream.seek(offset)
                yield from _split(stream, self.label, offset, line, delimiter, ending)
            except EOFError:
                raise SourceError(
                    f"{self.label} is a gzip file that ends before its end: the file is cut short "
                    "(a copy or download that did not finish?).",
                    code="truncated_dump",
                ) from None
            except (gzip.BadGzipFile, zlib.error):
                raise SourceError(
                    f"{self.label} is a damaged gzip file: part of it cannot be unpacked.", code="truncated_dump"
                ) from None
            except OSError as error:
                raise SourceError(
                    f"{self.label} cannot be read: {error.strerror or error}.", code="cannot_read"
                ) from None

    def _index(self) -> dict[str, _TableSpan]:
        if self._spans is not None:
            return self._spans
        databases: dict[str | None, dict[str, _TableSpan]] = {}
        order: list[str | None] = []
        current: str | None = None
        ending: list[bytes] = []
        for statement in self._statements(ending=ending):
            head = _head(statement.text)
            kind = _kind(head)
            if kind == "use":
                current = _use_database(head)
                continue
            if kind not in {"create_table", "insert"}:
                continue
            database, table, after_name = _table_of(head, kind, current)
            if table is None:
                continue
            tables = databases.setdefault(database, {})
            if database not in order:
                order.append(database)
            span = tables.get(table)
            if span is None:
                span = tables[table] = _TableSpan(
                    columns=None,
                    start_offset=statement.offset,
                    start_line=statement.offset_line,
                    delimiter=statement.delimiter,
                    database=current,
                )
            span.end_offset = statement.offset
            if kind == "create_table" and span.columns is None:
                span.columns, span.bit_columns = _create_table_columns(statement.text, after_name)
            elif kind == "insert" and not span.insert_columns:
                span.insert_columns = _insert_columns(statement.text, after_name)[0] or []
        if self._by_mysqldump and not (ending and ending[0].startswith(b"-- Dump completed")):
            raise SourceError(
                f"{self.label} stops without the line '-- Dump completed' that mysqldump writes last: the file is "
                "cut short (a copy or download that did not finish?).",
                code="truncated_dump",
            )
        chosen: str | None
        if self.database is None:
            chosen = order[0] if order else None
        elif self.database in databases:
            chosen = self.database
        elif order == [None] and self._header_database == self.database:
            chosen = None  # a dump of one database has no USE; mysqldump's header names it
        else:
            found = ", ".join(repr(name) for name in order if name is not None) or "none named"
            raise SourceError(
                f"{self.label} has no database {self.database!r} (the databases in it: {found}).",
                code="unknown_database",
            )
        self._spans = databases.get(chosen, {})
        self._chosen = chosen
        return self._spans

    def _rows(self, table: str, span: _TableSpan, columns: list[str]) -> Iterator[Row]:
        current = span.database
        number = 0
        for statement in self._statements(offset=span.start_offset, line=span.start_line, delimiter=span.delimiter):
            if statement.offset > span.end_offset:
                return
            head = _head(statement.text)
            kind = _kind(head)
            if kind == "use":
                current = _use_database(head)
                continue
            if kind != "insert":
                continue
            database, name, after_name = _table_of(head, kind, current)
            if name != table or database != self._chosen:
                continue
            listed, values_at = _insert_columns(statement.text, after_name)
            order = listed or span.columns or []
            positions = [order.index(column) for column in columns] if set(columns) <= set(order) else None
            if positions is None:
                missing = [column for column in columns if column not in order]
                raise SourceError(
                    f"{self.label} line {statement.line}: this INSERT into {table!r} has no column "
                    f"{', '.join(repr(c) for c in missing)}.",
                    code="unknown_columns",
                )
            line, counted_to = statement.line, _first_word_at(statement.text)
            for raw_values, row_at in _row_values(statement, values_at, table, self.label):
                number += 1
                line += statement.text.count(b"\n", counted_to, row_at)
                counted_to = row_at
                where = f"{table} row {number} (dump line {line})"
                if len(raw_values) != len(order):
                    raise SourceError(
                        f"{self.label} line {line}: a row of the table {table!r} has {len(raw_values)} values, "
                        f"but the table has {len(order)} columns.",
                        code="bad_dump_row",
                    )
                values = {
                    column: _bit_text(raw_values[position])
                    if column in span.bit_columns
                    else _text(raw_values[position], where, column, self.problems)
                    for column, position in zip(columns, positions, strict=True)
                }
                yield Row(where=where, values=values)


# -- cutting a file into statements


def _split(
    stream: BinaryIO, label: str, offset: int, line_number: int, delimiter: bytes, ending: list[bytes] | None = None
) -> Iterator[_Statement]:
    pieces = _pieces_pattern(delimiter)
    buffer = bytearray()
    scanned = 0  # buffer[:scanned] is whole pieces of the statement being read
    buffer_offset = offset  # where the buffer's first line begins in the file
    buffer_line = line_number
    line_offset = offset
    last_line = b""
    for raw_line in stream:
        if ending is not None and not raw_line.isspace():
            last_line = raw_line
        line_offset_before = line_offset
        line_offset += len(raw_line)
        if (
            raw_line[:9].upper() == b"DELIMITER"
            and raw_line[9:10].isspace()
            and _first_word_at(bytes(buffer)) == len(buffer)
        ):
            delimiter = raw_line[10:].strip() or b";"
            pieces = _pieces_pattern(delimiter)
            buffer.clear()
            scanned = 0
            buffer_offset = line_offset
            buffer_line = line_number + 1
            line_number += 1
            continue
        if not buffer:
            buffer_offset = line_offset_before
            buffer_line = line_number
        buffer += raw_line
        line_number += 1
        while True:
            match = pieces.match(buffer, scanned)
            scanned = match.end() if match else scanned
            if not buffer.startswith(delimiter, scanned):
                break
            text = bytes(buffer[:scanned])
            first = _first_word_at(text)
            if first < len(text):
                yield _Statement(
                    text=text,
                    line=buffer_line + text.count(b"\n", 0, first),
                    offset=buffer_offset,
                    offset_line=buffer_line,
                    delimiter=delimiter,
                )
            del buffer[: scanned + len(delimiter)]
            scanned = 0
            if not buffer.strip():
                buffer.clear()
                break
            # Another statement goes on after the delimiter, on the line just read.
            buffer_offset = line_offset_before
            buffer_line = line_number - 1
    if ending is not None:
        ending.append(last_line)
    rest = bytes(buffer)
    first = _first_word_at(rest)
    if first < len(rest):
        line = buffer_line + rest.count(b"\n", 0, first)
        raise SourceError(
            f"{label} ends in the middle of the statement that starts on line {line}: the file is cut short "
            "(a copy or download that did not finish?).",
            code="truncated_dump",
        )


def _first_word_at(text: bytes) -> int:
    """Where the statement's text starts after comments and space; ``len(text)`` when there is none."""
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup != "space":
            return position
        position = match.end()
    return position


# -- reading statements


def _head(text: bytes, limit: int = 12) -> list[tuple[str, bytes, int]]:
    """The statement's first tokens (kind, text, end), comments and space left out."""
    tokens: list[tuple[str, bytes, int]] = []
    position = 0
    while position < len(text) and len(tokens) < limit:
        match = _TOKEN.match(text, position)
        if match is None:
            break
        position = match.end()
        if match.lastgroup != "space":
            tokens.append((match.lastgroup or "other", match.group(), position))
    return tokens


def _words(head: list[tuple[str, bytes, int]]) -> list[str]:
    return [value.decode("ascii").upper() if kind == "word" else "" for kind, value, _end in head]


def _kind(head: list[tuple[str, bytes, int]]) -> str:
    words = _words(head)
    if not words:
        return ""
    if words[0] == "USE":
        return "use"
    if words[0] in {"INSERT", "REPLACE"}:
        return "insert"
    if words[0] == "CREATE":
        index = 1
        while index < len(words) and words[index] in {"TEMPORARY", "OR", "REPLACE"}:
            index += 1
        if index < len(words) and words[index] == "TABLE":
            return "create_table"
    return ""


def _name(token: tuple[str, bytes, int]) -> str | None:
    kind, value, _end = token
    if kind == "name":
        return value[1:-1].replace(b"``", b"`").decode("utf-8", errors="replace")
    if kind == "word":
        return value.decode("utf-8", errors="replace")
    return None


def _use_database(head: list[tuple[str, bytes, int]]) -> str | None:
    return _name(head[1]) if len(head) > 1 else None


def _table_of(head: list[tuple[str, bytes, int]], kind: str, current: str | None) -> tuple[str | None, str | None, int]:
    """The database and table a CREATE TABLE or INSERT is about, and where the text after its name starts."""
    words = _words(head)
    skip = {"INSERT", "REPLACE", "IGNORE", "INTO", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY"}
    if kind == "create_table":
        skip = {"CREATE", "OR", "REPLACE", "TEMPORARY", "TABLE", "IF", "NOT", "EXISTS"}
    index = 0
    while index < len(head) and words[index] in skip:
        index += 1
    if index >= len(head):
        return current, None, 0
    table = _name(head[index])
    database = current
    if index + 2 < len(head) and head[index + 1][1] == b".":
        database, table = table, _name(head[index + 2])
        index += 2
    return database, table, head[index][2]


def _create_table_columns(text: bytes, after_name: int) -> tuple[list[str], set[str]]:
    """The column names of a CREATE TABLE, in order (keys and constraints left out), and its BIT columns."""
    start = text.find(b"(", after_name)
    columns: list[str] = []
    bits: set[str] = set()
    if start < 0:
        return columns, bits
    type_of = ""  # the column whose type comes next
    depth = 0
    at_element_start = True
    position = start + 1
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            break
        position = match.end()
        kind, value = match.lastgroup, match.group()
        if kind == "space":
            continue
        if type_of:
            if kind == "word" and value.upper() == b"BIT":
                bits.add(type_of)
            type_of = ""
        if at_element_start and depth == 0:
            at_element_start = False
            if kind == "name":
                columns.append(value[1:-1].replace(b"``", b"`").decode("utf-8", errors="replace"))
            elif kind == "word" and value.decode("ascii").upper() not in _COLUMN_KEYWORDS:
                columns.append(value.decode("utf-8", errors="replace"))
            elif kind == "string" and value.startswith(b'"'):
                columns.append(value[1:-1].decode("utf-8", errors="replace"))
            type_of = columns[-1] if columns and kind in {"name", "word", "string"} else ""
        if value == b"(":
            depth += 1
        elif value == b")":
            if depth == 0:
                break
            depth -= 1
        elif value == b"," and depth == 0:
            at_element_start = True
    return columns, bits


def _insert_columns(text: bytes, after_name: int) -> tuple[list[str] | None, int]:
    """The column list of an INSERT if it has one, and where the first row after VALUES starts."""
    position = after_name
    columns: list[str] = []
    has_list = in_list = False
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            break
        position = match.end()
        kind, value = match.lastgroup, match.group()
        if kind == "space":
            continue
        if in_list:
            if value == b")":
                in_list = False
            elif kind == "name":
                columns.append(value[1:-1].replace(b"``", b"`").decode("utf-8", errors="replace"))
            elif kind == "word":
                columns.append(value.decode("utf-8", errors="replace"))
        elif value == b"(" and not has_list:
            has_list = in_list = True
        elif kind == "word" and value.upper() in {b"VALUES", b"VALUE"}:
            return (columns if has_list else None), position
    return (columns if has_list else None), len(text)


def _row_values(statement: _Statement, start: int, table: str, label: str) -> Iterator[tuple[list[bytes], int]]:
    """Each row of an INSERT's VALUES: its raw values and where the row starts in the statement."""
    text = statement.text
    position = start
    length = len(text)
    while True:
        match = _ROW.match(text, position)
        if match is None:
            at = _first_word_at(text[position:]) + position
            raise _unreadable_row(statement, at, table, label)
        row_at = text.index(b"(", position)
        yield _ONE_VALUE.findall(text, row_at + 1, match.end()), row_at
        position = match.end()
        if position >= length:
            return
        if text[position : position + 1] != b",":
            raise _unreadable_row(statement, position, table, label)
        position += 1


def _unreadable_row(statement: _Statement, at: int, table: str, label: str) -> SourceError:
    line = statement.line + statement.text.count(b"\n", _first_word_at(statement.text), at)
    return SourceError(
        f"{label} line {line}: a row of the table {table!r} cannot be read as a list of values "
        "(a mysqldump writes numbers, quoted text and NULL there).",
        code="bad_dump_row",
    )


def _text(raw: bytes, where: str, column: str, problems: ProblemList) -> str | None:
    # The common shapes first, without a second match: a plain number, NULL, a string with no escapes.
    first = raw[:1]
    if first in _NUMBER_STARTS and raw[1:2] not in (b"x", b"X"):
        return raw.strip().decode("ascii")
    if raw == b"NULL":
        return None
    if first == b"'" and raw[-1:] == b"'" and b"\\" not in raw and b"''" not in raw[1:-1]:
        return _decoded(raw[1:-1], where, column, problems)
    match = _VALUE.fullmatch(raw)
    assert match is not None  # every raw value was cut out by this same pattern
    group = match.lastgroup
    if group == "null":
        return None
    if group == "number":
        return match.group("number").decode("ascii")
    if group == "word":
        return "1" if match.group("word").upper() == b"TRUE" else "0"
    if group == "bits":
        return str(int(match.group("bits") or b"0", 2))
    if group in {"hex", "xhex"}:
        data = bytes.fromhex(match.group(group or "hex").decode("ascii"))
    else:
        quoted = match.group(group or "string")
        data = _ESCAPE[quoted[:1]].sub(_unescape, quoted[1:-1])
    return _decoded(data, where, column, problems)


def _bit_text(raw: bytes) -> str | None:
    """A BIT value as its number: mysqldump writes b'101', or the bytes as a string or 0x05."""
    match = _VALUE.fullmatch(raw)
    assert match is not None
    group = match.lastgroup
    if group == "null":
        return None
    if group == "bits":
        return str(int(match.group("bits") or b"0", 2))
    if group == "number":
        return match.group("number").decode("ascii")
    if group in {"hex", "xhex"}:
        return str(int.from_bytes(bytes.fromhex(match.group(group or "hex").decode("ascii")), "big"))
    quoted = match.group(group or "string")
    return str(int.from_bytes(_ESCAPE[quoted[:1]].sub(_unescape, quoted[1:-1]), "big"))


def _decoded(data: bytes, where: str, column: str, problems: ProblemList) -> str:
    return decode_text(data, where, column, problems)


class ProblemList(list[SourceProblem]):
    """A reader's problems, each said once however often its rows are read."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[SourceProblem] = set()

    def note(self, problem: SourceProblem) -> None:
        if problem not in self._seen:
            self._seen.add(problem)
            self.append(problem)


def decode_text(data: bytes, where: str, column: str, problems: ProblemList) -> str:
    """Text as UTF-8; bytes that are not UTF-8 are read as Latin-1 and said as a problem.

    Old EQdkp Plus databases often keep UTF-8 bytes in Latin-1 columns, which a client then reads back as
    they were written; UTF-8 first reads those right, and real Latin-1 text still reads, with a problem.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        problems.note(
            SourceProblem(
                where=where,
                message=f"The {column!r} value is not UTF-8 text; it was read as Latin-1: {text!r}.",
                code="not_utf8",
            )
        )
        return text


def _unescape(match: re.Match[bytes]) -> bytes:
    escaped = match.group(1)
    if escaped is None:
        return match.group()[:1]
    return _ESCAPES.get(escaped, escaped)


# -- telling a dump from something else


def _what_it_looks_like(head: bytes) -> str:
    """Empty when ``head`` can start a MySQL dump, else what the file seems to be instead."""
    if not head.strip():
        return "an empty file"
    signatures = [
        (b"PK\x03\x04", "a ZIP archive (unpack it first and give the .sql file inside)"),
        (b"SQLite format 3\x00", "an SQLite database"),
        (b"PGDMP", "a PostgreSQL dump in pg_dump's custom format"),
        (b"%PDF", "a PDF document"),
        (b"\xd0\xcf\x11\xe0", "an old Excel or Word file"),
        (b"\x1f\x8b", "a gzip file inside a gzip file"),
        (b"BZh", "a bzip2 file (unpack it, or make the dump with gzip)"),
        (b"\xfd7zXZ", "an xz file (unpack it, or make the dump with gzip)"),
    ]
    for magic, description in signatures:
        if head.startswith(magic):
            return description
    if b"PostgreSQL database dump" in head:
        return "a PostgreSQL dump (pg_dump), not a MySQL one"
    if b"\x00" in head:
        return "a binary file"
    if b"MySQL dump" in head or b"MariaDB dump" in head:
        return ""
    text = head.lstrip(b"\xef\xbb\xbf")
    first = _first_word_at(text)
    while text[first : first + 1] == b";":  # an empty statement: a comment and its ; (mysqldump --compact)
        first += 1 + _first_word_at(text[first + 1 :])
    tokens = _head(text[first:], limit=1)
    if tokens and tokens[0][0] == "word" and tokens[0][1].upper().decode("ascii") in _STATEMENT_WORDS:
        return ""
    stripped = text[first:].lstrip()
    if stripped.startswith((b"{", b"[")):
        return "JSON"
    if stripped.startswith(b"<"):
        return "HTML or XML (a web page saved instead of the file?)"
    first_line = stripped.split(b"\n", 1)[0]
    if first_line.count(b",") >= 2 or first_line.count(b"\t") >= 2 or first_line.count(b";") >= 2:
        return "a spreadsheet or CSV file (import it as a spreadsheet instead)"
    shown = first_line[:60].decode("utf-8", errors="replace")
    return f"text that starts with {shown!r}, where a dump starts with SQL statements such as CREATE TABLE"
