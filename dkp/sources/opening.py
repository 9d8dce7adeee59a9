"""From what an officer has in hand (a file, a folder, a database address) to a source's history.

``open_history`` works out what kind of source it is unless told: a ``mysql://`` address or a
``.sql``/``.sql.gz`` dump is OpenDKP or EQdkp Plus by the tables it holds, a folder or ``.zip`` is a
spreadsheet's CSV files, a ``.json`` file is OpenDKP raid JSON.
"""

from __future__ import annotations

import json
import zipfile
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from dkp.sources.eqdkp import read_eqdkp, suggested_prefixes
from dkp.sources.history import SourceError, SourceHistory
from dkp.sources.mysql_live import open_mysql, parse_mysql_url
from dkp.sources.mysqldump import MysqlDumpFile
from dkp.sources.opendkp import read_opendkp, read_opendkp_raid
from dkp.sources.spreadsheet import read_spreadsheet
from dkp.sources.tables import Tables


class SourceKind(StrEnum):
    OPENDKP = "opendkp"
    OPENDKP_RAID = "json"  # OpenDKP raid JSON (EQ DKP's own export is JSON too: dkp.switching reads that)
    EQDKP = "eqdkp"
    CSV = "csv"


def _tables(location: str, *, database: str | None) -> Tables:
    if location.startswith("mysql://"):
        return open_mysql(location)
    path = Path(location)
    if not path.is_file():
        raise SourceError(f"{location}: there is no such file.", code="no_such_source")
    return MysqlDumpFile(path, database=database or None)


def _kind_of_tables(tables: Tables) -> SourceKind:
    names = tables.names()
    if "ticks_x_characters" in names:
        return SourceKind.OPENDKP
    if suggested_prefixes(names):
        return SourceKind.EQDKP
    shown = ", ".join(sorted(names)[:12]) or "no tables"
    raise SourceError(
        f"{tables.label} is neither an OpenDKP nor an EQdkp Plus database (it has {shown}).",
        code="unknown_source",
    )


def guess_kind(location: str) -> SourceKind | None:
    """The kind a location's name gives away, or None when its tables must tell (a database)."""
    lowered = location.lower()
    if lowered.endswith(".json"):
        return SourceKind.OPENDKP_RAID
    if lowered.endswith(".zip") or lowered.endswith(".csv") or Path(location).is_dir():
        return SourceKind.CSV
    return None


def shown_location(location: str) -> str:
    """A location fit to print or log: a database address without its password."""
    if location.startswith("mysql://"):
        try:
            return parse_mysql_url(location).label
        except SourceError:
            return "a mysql:// address"
    return location


# What a damaged archive, a file the system cannot read or a pathological document raises from deep
# inside the standard library: each becomes a SourceError that names the source, never a crash.
_UNREADABLE = (OSError, EOFError, RuntimeError, NotImplementedError, RecursionError, zipfile.BadZipFile, UnicodeError)


def open_history(
    location: str,
    *,
    kind: SourceKind | None = None,
    client_id: str = "",
    prefix: str = "",
    database: str = "",
    zone: ZoneInfo,
) -> SourceHistory:
    """Read the source at ``location``; ``SourceError`` when it cannot be read at all."""
    try:
        return _open_history(location, kind=kind, client_id=client_id, prefix=prefix, database=database, zone=zone)
    except SourceError:
        raise
    except _UNREADABLE as error:
        name = shown_location(location) if location.startswith("mysql://") else Path(location).name
        raise SourceError(f"{name} cannot be read: {error}.", code="unreadable_source") from None


def _open_history(
    location: str,
    *,
    kind: SourceKind | None = None,
    client_id: str = "",
    prefix: str = "",
    database: str = "",
    zone: ZoneInfo,
) -> SourceHistory:
    kind = kind or guess_kind(location)
    if kind == SourceKind.CSV:
        path = Path(location)
        if not path.exists():
            raise SourceError(f"{location}: there is no such file or folder.", code="no_such_source")
        return read_spreadsheet(path, zone=zone, label=path.name)
    if kind == SourceKind.OPENDKP_RAID:
        path = Path(location)
        if not path.is_file():
            raise SourceError(f"{location}: there is no such file.", code="no_such_source")
        try:
            data = json.loads(path.read_bytes())
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise SourceError(f"{path.name} is not JSON ({error}).", code="not_json") from None
        return read_opendkp_raid(data, where=path.name)
    tables = _tables(location, database=database)
    kind = kind or _kind_of_tables(tables)
    if kind == SourceKind.OPENDKP:
        history = read_opendkp(tables, client_id=client_id)
    else:
        prefixes = suggested_prefixes(tables.names())
        history = read_eqdkp(tables, prefix=prefix or (prefixes[0] if len(prefixes) == 1 else "eqdkp_"))
    history.problems.extend(getattr(tables, "problems", []))
    return history
