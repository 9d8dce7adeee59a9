"""The ten-year OpenDKP dump, at a size a test can read: what the reader finds in it, and the report's part."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from dkp.bench import import_report, importing, report
from dkp.bench.source import CLIENT_ID, Size, write_opendkp_dump
from dkp.sources.mysqldump import MysqlDumpFile
from dkp.sources.opendkp import POOL_KEY, read_opendkp

TINY = Size(
    characters=12,
    alts=4,
    raids=5,
    days=10,
    ticks_per_raid=3,
    present_per_raid=6,
    loot_per_raid=2,
    adjustments=3,
    items=10,
)


def test_the_dump_reads_as_an_opendkp_guild_with_the_counts_asked_for(tmp_path):
    written = write_opendkp_dump(tmp_path / "opendkp.sql", size=TINY, seed=7)

    history = read_opendkp(MysqlDumpFile(written.path), client_id=CLIENT_ID)

    assert history.label == "OpenDKP Benchmark Brigade"
    assert history.problems == []
    assert len(history.characters) == written.characters == 12
    assert sum(1 for character in history.characters if character.main_key) == 4
    assert len(history.raids) == written.raids == 5
    assert {event.name for event in history.events} <= {"Time-locked", "Farm"}
    assert len(history.ticks) == written.ticks
    assert 10 <= written.ticks <= 20  # 3 a raid, now and then one more or one fewer
    assert sum(len(tick.attendee_keys) for tick in history.ticks) == written.attendance > 0
    assert len(history.loot) == written.loot == 10
    assert len(history.adjustments) == written.adjustments == 3
    assert any(tick.value != tick.value.to_integral_value() for tick in history.ticks)  # fractional, as OpenDKP's


def test_opendkp_balances_read_from_the_dump_are_the_ones_the_generator_summed(tmp_path):
    written = write_opendkp_dump(tmp_path / "opendkp.sql", size=TINY, seed=7)

    history = read_opendkp(MysqlDumpFile(written.path), client_id=CLIENT_ID)

    names = {character.key: character.name for character in history.characters}
    read = {names[key]: value for (key, pool), value in history.balances.items() if pool == POOL_KEY}
    assert read == {name: value for name, value in written.balances.items() if value != 0}
    assert sum(written.balances.values()) != Decimal(0)


def test_the_same_seed_writes_the_same_file_and_another_seed_another(tmp_path):
    first = write_opendkp_dump(tmp_path / "a.sql", size=TINY, seed=3)
    again = write_opendkp_dump(tmp_path / "b.sql", size=TINY, seed=3)
    other = write_opendkp_dump(tmp_path / "c.sql", size=TINY, seed=4)

    assert first.path.read_bytes() == again.path.read_bytes()
    assert first.path.read_bytes() != other.path.read_bytes()
    assert not (tmp_path / "a.sql.part").exists()


def test_the_import_steps_are_read_from_what_import_guild_prints_even_with_a_warning_in_between():
    stderr = (
        "  reading var/bench/opendkp-10y.sql... 8.5 s  checking every row and balance... 0.7 s"
        "  importing: checking again... 0.8 s  importing: 2000 raids, 7962 ticks, 501244 attendance rows... 45.3 s"
        "  importing: history to the members who own or were given its characters..."
        "No hostname was supplied. Reverting to default 'localhost'\n 0.4 s"
    )

    steps = importing.phases(stderr)

    assert [step["step"] for step in steps] == [
        "reading var/bench/opendkp-10y.sql",
        "checking every row and balance",
        "importing: checking again",
        "importing: 2000 raids, 7962 ticks, 501244 attendance rows",
        "importing: history to the members who own or were given its characters",
    ]
    assert importing.phase_totals(steps) == {"reading": 8.5, "checking": 0.7, "checking_again": 0.8, "writing": 45.7}


def _run(vendor: str, seconds: float) -> dict:
    steps = [
        {"step": "reading opendkp-10y.sql", "seconds": 9.0},
        {"step": "checking every row and balance", "seconds": 0.7},
        {"step": "importing: checking again", "seconds": 0.8},
        {"step": "importing: 2000 raids, 7962 ticks, 501244 attendance rows", "seconds": seconds - 12},
    ]
    return {
        "kind": "import",
        "database": {"vendor": vendor, "version": "x"},
        "finished_at": "2026-12-02T15:30:00+00:00",
        "source": {"file": "opendkp-10y.sql", "bytes": 16_754_697, "characters": 500, "mains": 320, "seed": 1},
        "import": {"seconds": seconds, "peak_rss_mb": 550.6, "steps": steps, "phases": importing.phase_totals(steps)},
        "claim": {
            "mains": 320,
            "assign_seconds": 250.0,
            "process_seconds": 260.0,
            "peak_rss_mb": 700.0,
            "ledger_entries_written": 530_000,
            "characters_given": 500,
            "characters_left_unowned": 0,
            "pending_after": 0,
            "reconcile_differences": 0,
            "balance_mismatches": 0,
            "members_checked": 320,
        },
    }


def test_an_import_only_run_rewrites_the_import_section_and_adds_to_its_history_and_nothing_else():
    page = "# Benchmarks\n\nThe rest.\n\n## How the figures are taken\n\n- how\n\n## History\n\n| rows |\n"
    info = {"cores": "2", "memory": "23.5 GiB", "cpu": "AMD EPYC"}

    first = import_report.updated(page, {"sqlite": _run("sqlite", 69.1)}, date="d1", revision="abc", info=info)
    second = import_report.updated(
        first,
        {"sqlite": _run("sqlite", 70.0), "postgresql": _run("postgresql", 80.0)},
        date="d2",
        revision="def",
        info=info,
    )

    assert first.index("## Import: ten years of OpenDKP history") < first.index("## How the figures are taken")
    assert "| **import_guild, start to end** (with Django's start-up) | **69.1 s** |" in first
    assert "| **import_guild, start to end** (with Django's start-up) | **70.0 s** | **80.0 s** |" in second
    assert "69.1 s" not in second.split("### Import history")[0]
    assert second.count("## Import: ten years") == 1
    machine = "2 cores, 23.5 GiB, AMD EPYC"
    dash = report.NONE
    assert import_report.history_rows(second) == [
        f"| d1 | abc | {machine} | 69.1 / {dash} | 550.6 / {dash} | 250.0 / {dash} | 700.0 / {dash} | 0 / {dash} |",
        f"| d2 | def | {machine} | 70.0 / 80.0 | 550.6 / 550.6 | 250.0 / 250.0 | 700.0 / 700.0 | 0 / 0 |",
    ]
    assert second.replace(import_report.old_section(second) or "", "").startswith("# Benchmarks\n\nThe rest.")
    assert "| rows |" in second


def test_the_report_of_an_import_only_run_keeps_the_rest_of_the_page_and_its_json(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    page = "# Benchmarks\n\nThe rest.\n\n## How the figures are taken\n\n- how\n"
    (docs / "benchmarks.md").write_text(page, encoding="utf-8")
    (docs / "benchmarks.json").write_text('{"history": [{"date": "earlier"}]}', encoding="utf-8")
    figures = tmp_path / "import-sqlite.json"
    figures.write_text(json.dumps(_run("sqlite", 69.1)), encoding="utf-8")

    report.write_report([figures], docs=docs)

    markdown = (docs / "benchmarks.md").read_text(encoding="utf-8")
    kept = json.loads((docs / "benchmarks.json").read_text(encoding="utf-8"))
    assert markdown.startswith("# Benchmarks\n\nThe rest.\n")
    assert "| **import_guild peak memory** | **551 MB** |" in markdown
    assert kept["history"] == [{"date": "earlier"}]
    assert kept["import"]["sqlite"]["claim"]["reconcile_differences"] == 0
    assert kept["import_history"][0]["import s (S / P)"] == f"69.1 / {report.NONE}"
    assert kept["import_history"][0]["date"] == "2026-12-02 15:30 UTC"


@pytest.mark.django_db(transaction=True)
def test_a_small_guild_imports_and_once_every_main_is_claimed_every_balance_is_opendkps(tmp_path):
    source = tmp_path / "opendkp-small.sql"
    size = importing.write_source(source, seed=2, size=Size(characters=30, alts=10, raids=12, present_per_raid=12))
    call_command("import_guild", str(source), client_id=CLIENT_ID, accept_differences="bench", stdout=StringIO())

    claimed = importing.claim_everything(source=source)

    assert claimed["mains"] == 20
    assert claimed["characters_given"] == 30
    assert claimed["characters_left_unowned"] == 0
    assert claimed["pending_before"] > 0
    assert claimed["pending_after"] == 0
    # a credit for every attendance row, a charge for every loot, an entry for every adjustment
    assert claimed["ledger_entries_written"] >= size["attendance"] + size["loot"] + size["adjustments"]
    assert claimed["reconcile_differences"] == 0
    assert claimed["members_checked"] == 20
    assert claimed["balance_mismatches"] == 0
