"""Rows of a MySQL database, however they arrive: a live server, a mysqldump file, or test data.

A reader of OpenDKP or EQdkp Plus asks a ``Tables`` for a table's rows with the columns it needs and
gets every value as text (or None for SQL NULL), as both a dump file and a server give them, so the
reader converts and checks each value once, the same way for every origin.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from dkp.sources.history import SourceError


@dataclass(frozen=True)
class Row:
    """One row: ``where`` names it for a person (``items row 12``), ``values`` maps column to text or None."""

    where: str
    values: Mapping[str, str | None]

    def __getitem__(self, column: str) -> str | None:
        return self.values[column]


class Tables(Protocol):
    label: str  # what the tables are, for messages: "guild.sql", "mysql://dkp@db/opendkp"

    def names(self) -> set[str]:
        """The tables there are."""
        ...

    def rows(self, table: str, columns: Sequence[str]) -> Iterator[Row]:
        """The table's rows, each with exactly ``columns``, in the order the source holds them.

        Raises ``SourceError`` ``missing_table`` for a table that is not there and ``unknown_columns``
        when a column asked for is not in it.
        """
        ...


def missing_table(label: str, table: str) -> SourceError:
    return SourceError(f"{label} has no table {table!r}.", code="missing_table")


def unknown_columns(label: str, table: str, missing: Sequence[str]) -> SourceError:
    names = ", ".join(repr(column) for column in missing)
    return SourceError(f"{label}: the table {table!r} has no column {names}.", code="unknown_columns")


class MemoryTables:
    """Tables held in memory, for tests and small sources: ``{table: [{column: value}, ...]}``.

    Values are given as the database would hold them and turned to text the way a dump writes them
    (None stays None), so a reader sees the same thing here as from a file or a server.
    """

    def __init__(self, data: Mapping[str, Sequence[Mapping[str, object]]], *, label: str = "test tables") -> None:
        self.label = label
        self._data = data

    def names(self) -> set[str]:
        return set(self._data)

    def rows(self, table: str, columns: Sequence[str]) -> Iterator[Row]:
        if table not in self._data:
            raise missing_table(self.label, table)
        rows = self._data[table]
        present: set[str] = set()
        for row in rows:
            present.update(row)
        missing = [column for column in columns if rows and column not in present]
        if missing:
            raise unknown_columns(self.label, table, missing)
        for number, row in enumerate(rows, start=1):
            yield Row(
                where=f"{table} row {number}",
                values={column: _as_text(row.get(column)) for column in columns},
            )


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
