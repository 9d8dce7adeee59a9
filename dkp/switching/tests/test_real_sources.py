"""Both peers' fixture guilds through a real MariaDB: a live address and real mysqldump files, into EQ DKP.

The fixture databases (``dkp/sources/tests/opendkp_fixture.py``, ``eqdkp_fixture.py``) are built
from the peers' published schemas. Each is loaded into a throwaway MariaDB, read live and from
dumps in several mysqldump styles, and imported with ``import_guild``: every balance that the
preview says matches the source's comes out exactly as the source's rounded; those it lists as
differences are only the ones the readers explain; importing again changes nothing.
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dkp.points.models import PointEntry, UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.sources.eqdkp import read_eqdkp
from dkp.sources.mysql_live import open_mysql
from dkp.sources.mysqldump import MysqlDumpFile
from dkp.sources.opendkp import read_opendkp
from dkp.sources.tests import eqdkp_fixture, opendkp_fixture
from dkp.switching.models import ImportRun
from dkp.switching.plan import build_plan, whole
from dkp.testing.mariadb import MariaDB
from dkp.testing.personas import Guild

DUMP_STYLES = {
    "default": (),
    "complete-insert": ("--complete-insert",),
    "row-per-insert": ("--skip-extended-insert",),
    "hex-blob": ("--hex-blob",),
}


@pytest.fixture(scope="module")
def opendkp_url(mariadb: MariaDB) -> str:
    url = mariadb.database("opendkp_import")
    mariadb.load(url, opendkp_fixture.DDL, opendkp_fixture.guild())
    return url


@pytest.fixture(scope="module")
def eqdkp_url(mariadb: MariaDB) -> str:
    url = mariadb.database("eqdkp_import")
    mariadb.load(url, eqdkp_fixture.DDL, eqdkp_fixture.guild())
    return url


def _plain(history: object) -> object:
    """A history without the name of where it came from, to compare the same rows from two origins
    (a dump's problems also name the dump's line, which the others cannot)."""
    fields = dict(vars(history))
    fields.pop("source_id")
    fields.pop("label")
    fields["problems"] = [
        (re.sub(r" \(dump line \d+\)", "", problem.where), problem.message, problem.code)
        for problem in fields["problems"]
    ]
    return fields


@pytest.mark.parametrize("style", list(DUMP_STYLES))
def test_a_dump_and_the_live_server_give_the_history_the_fixture_holds(
    mariadb: MariaDB, opendkp_url: str, eqdkp_url: str, tmp_path: Path, style: str
) -> None:
    memory_opendkp = read_opendkp(opendkp_fixture.guild(), client_id=opendkp_fixture.GUILD)
    memory_eqdkp = read_eqdkp(eqdkp_fixture.guild())
    opendkp_dump = MysqlDumpFile(mariadb.dump(opendkp_url, tmp_path / "opendkp.sql", *DUMP_STYLES[style]))
    eqdkp_dump = MysqlDumpFile(mariadb.dump(eqdkp_url, tmp_path / "eqdkp.sql", *DUMP_STYLES[style]))
    assert _plain(read_opendkp(opendkp_dump, client_id=opendkp_fixture.GUILD)) == _plain(memory_opendkp)
    assert _plain(read_eqdkp(eqdkp_dump)) == _plain(memory_eqdkp)
    if style == "default":
        assert _plain(read_opendkp(open_mysql(opendkp_url), client_id=opendkp_fixture.GUILD)) == _plain(memory_opendkp)
        assert _plain(read_eqdkp(open_mysql(eqdkp_url))) == _plain(memory_eqdkp)


def _balances_by_main() -> dict[tuple[str, str], int]:
    """Each imported group's balance once claimed, as EQ DKP holds it: by member name and pool."""
    return {
        (summary.user.name, summary.pool.name): summary.balance
        for summary in UserPointsSummary.objects.select_related("user", "pool")
    }


@pytest.mark.parametrize("source", ["opendkp", "eqdkp"])
def test_import_guild_from_a_dump_matches_every_balance_the_preview_proves(
    mariadb: MariaDB, opendkp_url: str, eqdkp_url: str, tmp_path: Path, guild: Guild, source: str
) -> None:
    url = opendkp_url if source == "opendkp" else eqdkp_url
    dump = mariadb.dump(url, tmp_path / f"{source}.sql")
    gzipped = tmp_path / f"{source}.sql.gz"
    import gzip

    gzipped.write_bytes(gzip.compress(dump.read_bytes()))
    options = {"client_id": opendkp_fixture.GUILD} if source == "opendkp" else {}
    preview = StringIO()
    call_command("import_guild", str(gzipped), "--dry-run", stdout=preview, **options)
    assert "Nothing was written (--dry-run)." in preview.getvalue()
    assert not ImportRun.objects.exists()

    with pytest.raises(CommandError, match="from the source's beyond rounding"):
        call_command("import_guild", str(gzipped), stdout=StringIO(), **options)
    assert not ImportRun.objects.exists()

    reader = read_opendkp(MysqlDumpFile(dump), client_id=opendkp_fixture.GUILD) if source == "opendkp" else None
    history = reader or read_eqdkp(MysqlDumpFile(dump))
    plan = build_plan(history)
    out = StringIO()
    call_command(
        "import_guild",
        str(gzipped),
        "--officer",
        guild.officer.username,
        "--accept-differences",
        "boxed characters credited once",
        stdout=out,
        **options,
    )
    assert "Imported" in out.getvalue()
    run = ImportRun.objects.get()
    assert run.differences_accepted == "boxed characters credited once"
    assert run.created_by == guild.officer

    # Every unclaimed main is claimed by a member of its own name; each balance is then the source's
    # rounded (or, for the differences the preview listed, exactly what it said EQ DKP would have).
    from dkp.raids.ownership import assign_owners
    from dkp.switching.models import ImportedCharacter
    from dkp.testing.personas import make_user

    mains = ImportedCharacter.objects.filter(main__isnull=True).select_related("character")
    owners = [(imported.character, make_user(imported.character.name.lower())) for imported in mains]
    assign_owners(owners=owners, actor=guild.officer)
    held = _balances_by_main()
    for line in plan.balances:
        assert line.target.main_key is not None  # nobody here owned these characters
        expected = whole(line.source) if line.difference == 0 else whole(line.exact)
        assert held.get((line.characters[0].lower().capitalize(), line.pool_name), 0) == expected, line
    assert summary_differences() == []

    entries = PointEntry.objects.count()
    again = StringIO()
    call_command("import_guild", str(gzipped), "--accept-differences", "again", stdout=again, **options)
    assert "Nothing new" in again.getvalue()
    assert PointEntry.objects.count() == entries
