"""The benchmark harness on the personas' guild: every figure is taken, the report shows each one,
and the standings computed from the ledger alone agree with the summaries the pages read."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from dkp.bench import measure, report
from dkp.loot.services import award_loot, item_named, reverse_distribution
from dkp.points.services import adjust_points
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.testing.personas import restore_guild


@pytest.fixture(scope="class")
def quick_run(django_db_setup, django_db_blocker, guild_snapshot):
    """One quick run of the harness on the personas' guild, for the class of tests that read its figures.

    It takes seconds, so it runs once for them. Committed data: the concurrent bidders run in threads, each
    on its own connection; the tables are flushed afterwards, as after a transactional test (keeping
    the sequences, so the next restored guild's ids stay clear of new rows).
    """
    with django_db_blocker.unblock():
        restore_guild(guild_snapshot)
        try:
            yield measure.run(label="test", repetitions=measure.Repetitions.quick())
        finally:
            call_command("flush", verbosity=0, interactive=False, reset_sequences=False)  # as TransactionTestCase does


class TestAQuickRun:
    """Both read the one quick run of their class; the run's data is gone before the next test."""

    def test_a_quick_run_takes_every_figure_of_the_report_and_every_concurrent_bid_is_accepted(self, quick_run):
        assert set(quick_run["figures"]) == {key for key, _ in report.MEASUREMENTS}
        for key, figure in quick_run["figures"].items():
            assert isinstance(figure["queries"], int), key
            assert figure["queries"] > 0, key
            assert figure["n"] == len(figure["samples_ms"]) > 0, key
            assert 0 < figure["p50"] <= figure["p95"] <= figure["p99"] <= figure["max"], key
            assert figure["heap_peak_mb"] > 0, key
            assert figure["rss_peak_mb"] > 0, key
        assert quick_run["checks"] == {"ledger_matches_summaries": True, "reconcile_differences_after": 0}
        assert quick_run["database"]["vendor"] == connection.vendor
        assert quick_run["pool"]["members"] == 5  # the officer, recruiter, developer and both members
        assert quick_run["dataset"]["ticks"] > 10  # the guild's ten, and the ingest's
        for count in (1, 10, 50):
            bids = quick_run["figures"][f"bids_{count}"]
            assert bids["failures"] == []
            assert (bids["accepted"], bids["refused"]) == (bids["n"], 0)
            assert bids["bids_per_second"] > 0
        # Five people of the guild may bid: the 50-bidder step bids with all of them at once.
        assert quick_run["figures"]["bids_50"]["bidders"] == 5
        # Statements leave out transaction control, so they are the same on both databases.
        for key, figure in quick_run["figures"].items():
            assert 0 < figure["statements"] <= figure["queries"], key
        # The floors read the same rows as the pages they are the floor of.
        assert quick_run["figures"]["standings_floor_page"]["rows"] == quick_run["figures"]["standings_page"]["rows"]
        closing = quick_run["figures"]["close_20_auctions"]
        assert closing["statements_per_auction"] == closing["statements"] / 20

    def test_the_report_shows_every_measurement_side_by_side_and_keeps_its_history(self, quick_run, tmp_path):
        ten_years = tmp_path / "ten.json"
        one_year = tmp_path / "one.json"
        ten_years.write_text(json.dumps({**quick_run, "years": 10}))
        one_year.write_text(json.dumps({**quick_run, "years": 1, "label": "short"}))
        docs = tmp_path / "docs"
        docs.mkdir()

        report.write_report([ten_years, one_year], docs=docs)
        first = (docs / "benchmarks.md").read_text()
        report.write_report([ten_years, one_year], docs=docs)
        second = (docs / "benchmarks.md").read_text()

        side_by_side = second.split("## SQLite and PostgreSQL side by side")[1].split("###")[0]
        column = 1 + 6 * [vendor for vendor, _ in report.VENDORS].index(connection.vendor)  # its p50 column
        for _, name in report.MEASUREMENTS:
            (line,) = [line for line in side_by_side.splitlines() if line.startswith(f"| {name} |")]
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            assert cells[column] != report.NONE, name
            float(cells[column].replace(",", ""))
        assert "## Targets" in second
        assert f"| Standings page, nothing cached: p50 ÷ its floor | ≤ 3.00{report.TIMES} |" in second
        assert f"| Member profile: p50 at 10 years ÷ at 1 year | ≤ 1.20{report.TIMES} |" in second
        assert len(report.history_rows(first)) == 1
        assert len(report.history_rows(second)) == 2
        assert len(json.loads((docs / "benchmarks.json").read_text())["history"]) == 2


def test_standings_from_the_ledger_alone_equal_the_summaries_after_loot_adjustments_and_reversals(guild):
    now = timezone.now()
    cloak = award_loot(
        item=item_named("Cloak of Flames"),
        pool=guild.pool,
        winner=guild.good_member,
        character_name="Gwendolyn",
        price=30,
        actor=guild.officer,
    )
    award_loot(
        item=item_named("Shard of Ra"),
        pool=guild.pool,
        winner=guild.developer,
        character_name="Devraxx",
        price=12,
        actor=guild.officer,
    )
    reverse_distribution(distribution=cloak, actor=guild.officer, reason="went to the wrong person")
    adjust_points(user=guild.poor_member, pool=guild.pool, amount=25, reason="missed tick", actor=guild.officer)
    adjust_points(user=guild.recruiter, pool=guild.pool, amount=-7, reason="late", actor=guild.officer)
    refresh_attendance_summaries(now=now)

    summaries = measure.summary_standings(pool=guild.pool)
    ledger = measure.ledger_standings(pool=guild.pool, now=now)

    def columns(row):
        return (row.user_id, row.balance, row.earned, row.spent, row.attendance_30)

    assert [columns(row) for row in ledger] == [columns(row) for row in summaries]
    by_user = {row.user_id: row for row in ledger}
    assert (by_user[guild.good_member.pk].balance, by_user[guild.good_member.pk].spent) == (90, 0)
    assert (by_user[guild.developer.pk].balance, by_user[guild.developer.pk].spent) == (88, 12)
    assert (by_user[guild.poor_member.pk].balance, by_user[guild.poor_member.pk].earned) == (35, 10)
    assert by_user[guild.recruiter.pk].balance == 93
    assert by_user[guild.good_member.pk].attendance_30 == Decimal("90.00")
    assert by_user[guild.poor_member.pk].attendance_30 == Decimal("10.00")


def test_percentiles_interpolate_between_the_nearest_ranks():
    values = [float(number) for number in range(1, 101)]
    assert measure.percentile(values, 50) == 50.5
    assert measure.percentile(values, 99) == pytest.approx(99.01)
    assert measure.percentile([7.0], 95) == 7.0


def test_a_target_says_whether_it_is_met_and_by_how_much():
    slow = report.Target("Standings p50", [("SQLite", 4.0), ("PostgreSQL", 12.5)], 10, True, "ms")
    fast = report.Target("Standings p50", [("SQLite", 4.0), ("PostgreSQL", 2.5)], 10, True, "ms")
    near = report.Target("Standings p50", [("SQLite", 10.3)], 10, True, "ms")
    enough = report.Target("Bids per second", [("SQLite", 450.0)], 200, False, "bids/s")
    assert slow.verdict() == f"**not met**: worst 12.5 ms, 1.2{report.TIMES} over"
    assert fast.verdict() == f"met: worst 4.00 ms, 2.5{report.TIMES} under"
    assert near.verdict() == f"**not met**: worst 10.3 ms, 1.03{report.TIMES} over"
    assert enough.verdict() == f"met: worst 450 bids/s, 2.2{report.TIMES} the target"
