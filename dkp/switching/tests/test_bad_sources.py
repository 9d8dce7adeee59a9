"""Bad sources through import_guild: a clear message naming the file, table or row, and nothing written."""

from __future__ import annotations

import gzip
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dkp.points.models import PointEntry
from dkp.raids.models import RaidTick
from dkp.switching.models import ImportRun
from dkp.testing.personas import Guild

TICKS = "raid,date,tick,value,character\n2024-03-01 Fear,2024-03-01 20:00,start,2.5,Soloist\n"


def folder(tmp_path: Path, **files: str) -> Path:
    root = tmp_path / "sheet"
    root.mkdir()
    for name, text in files.items():
        (root / f"{name}.csv").write_text(text)
    return root


def nothing_written() -> bool:
    return not ImportRun.objects.exists() and not RaidTick.objects.filter(raid__event__name="2024-03-01 Fear").exists()


def test_a_price_that_is_no_number_stops_the_import_naming_its_line(tmp_path: Path, guild: Guild) -> None:
    loot = "date,character,item,price\n2024-03-01 21:00,Soloist,Cloak of Flames,1,5\n"
    source = folder(tmp_path, ticks=TICKS, loot=loot)
    entries = PointEntry.objects.count()
    with pytest.raises(CommandError, match=r"Nothing was imported: 1 row of the source cannot be taken") as refused:
        call_command("import_guild", str(source), stdout=StringIO(), stderr=StringIO())
    assert "loot.csv line 2" in str(refused.value)
    assert nothing_written()
    assert PointEntry.objects.count() == entries


def test_a_missing_column_names_the_file_and_the_column(tmp_path: Path, guild: Guild) -> None:
    source = folder(tmp_path, ticks="raid,date,character\n2024-03-01 Fear,2024-03-01,Soloist\n")
    with pytest.raises(CommandError, match=r"ticks\.csv") as refused:
        call_command("import_guild", str(source), "--dry-run", stdout=StringIO(), stderr=StringIO())
    assert "value" in str(refused.value)
    assert nothing_written()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("just some notes\nnothing to see\n", "notes.sql"),
        ("-- MySQL dump 10.13\n--\nCREATE TABLE `raids` (\n  `id_raid` int NOT NULL,\n", "truncated"),
    ],
)
def test_a_file_that_is_no_whole_dump_is_refused(tmp_path: Path, guild: Guild, text: str, says: str) -> None:
    path = tmp_path / "notes.sql"
    path.write_text(text)
    with pytest.raises(CommandError, match=says):
        call_command("import_guild", str(path), stdout=StringIO(), stderr=StringIO())
    assert nothing_written()


def test_a_database_of_another_schema_says_what_it_holds(tmp_path: Path, guild: Guild) -> None:
    dump = (
        "-- MySQL dump 10.13\n"
        "CREATE TABLE `wp_posts` (\n  `ID` bigint NOT NULL\n);\n"
        "INSERT INTO `wp_posts` VALUES (1),(2);\n"
        "-- Dump completed on 2024-03-01 20:00:00\n"
    )
    path = tmp_path / "blog.sql.gz"
    path.write_bytes(gzip.compress(dump.encode()))
    with pytest.raises(CommandError, match=r"neither an OpenDKP nor an EQdkp Plus database \(it has wp_posts\)"):
        call_command("import_guild", str(path), stdout=StringIO(), stderr=StringIO())
    assert nothing_written()


def test_a_mapping_to_nobody_is_refused_before_reading(tmp_path: Path, guild: Guild) -> None:
    source = folder(tmp_path, ticks=TICKS)
    with pytest.raises(CommandError, match="--map Soloist=nobody: there is no user 'nobody'"):
        call_command("import_guild", str(source), "--map", "Soloist=nobody", stdout=StringIO(), stderr=StringIO())
    assert nothing_written()


def test_a_clean_spreadsheet_imports_without_a_reason(tmp_path: Path, guild: Guild) -> None:
    source = folder(tmp_path, ticks=TICKS, characters="name,class\nSoloist,Rogue\n")
    out = StringIO()
    call_command(
        "import_guild", str(source), "--map", f"Soloist={guild.poor_member.username}", stdout=out, stderr=StringIO()
    )
    assert "Every balance matches the source's" in out.getvalue()
    assert "Imported sheet" in out.getvalue()
    credit = PointEntry.objects.get(user=guild.poor_member, pool__name="DKP", kind="attendance")
    assert credit.amount == 3
    # 2.5 rounds to 3 on its own and in total: no rounding entry is needed.
    assert not PointEntry.objects.filter(user=guild.poor_member, pool__name="DKP", kind="adjustment").exists()
