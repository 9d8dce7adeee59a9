"""docs/benchmarks.md and docs/benchmarks.json from the figures of one ``make bench``.

The runs come as the JSON files ``bench`` and ``loadtest`` write: SQLite and PostgreSQL, each at
ten years and at one year of history, and the load test. The report puts the databases side by
side, checks the issue's targets (met or not, and by how much), and documents the machine.

Two sections outlive a run: **Notes** (written by people, kept as it is) and **History** (one
row per run with its key figures, so a regression shows). The history is read back from the
existing report's table and from the JSON's ``history`` list, and this run's row is appended.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from dkp.bench import import_report
from dkp.bench.formatting import NONE, TIMES, VENDORS, both, machine_line, ms, number, table, times

NOTES_START, NOTES_END = "<!-- notes:start -->", "<!-- notes:end -->"
HISTORY_START, HISTORY_END = "<!-- history:start -->", "<!-- history:end -->"

# The side-by-side table, in the order: (figure key, short name).
MEASUREMENTS = (
    ("standings_floor_page", "Floor: the standings page's rows, raw SQL + orjson"),
    ("standings_floor_api", "Floor: the standings API's 200 rows, raw SQL + orjson"),
    ("standings_page", "Standings page"),
    ("standings_api", "Standings API"),
    ("standings_page_uncached", "Standings page, nothing cached"),
    ("standings_api_uncached", "Standings API, nothing cached"),
    ("standings_summary_path", "Standings, summary path (selector)"),
    ("standings_ledger_path", "Standings, ledger path (no summaries)"),
    ("profile_page", "Member profile with charts"),
    ("profile_page_uncached", "Member profile, nothing cached"),
    ("dump_ingest", "Raid dump ingest, 72 characters"),
    ("attendance_refresh", "Attendance refresh, everybody"),
    ("bid_service", "Bid, the service alone (place_bid)"),
    ("bids_1", "Bid, 1 bidder"),
    ("bids_10", "Bid, 10 concurrent bidders"),
    ("bids_50", "Bid, 50 concurrent bidders"),
    ("close_20_auctions", "Close 20 auctions at once"),
    ("reconcile", "reconcile_points, whole ledger"),
)

HISTORY_COLUMNS = (
    "date",
    "commit",
    "machine",
    "standings page p50 ms (S / P)",
    "standings API p50 ms (S / P)",
    "page, nothing cached, p50 ms (S / P)",
    "API 10y ÷ 1y (S / P)",
    "ledger ÷ summary (S / P)",
    "bid p99 ms, 50 bidders (S / P)",
    "bids/s, 50 bidders (S / P)",
    "ingest p50 ms (S / P)",
    "refresh p50 ms (S / P)",
    "load test errors",
    "worker peak MB",
    # From issue 19 on (earlier rows end before these):
    "page, nothing cached ÷ floor (S / P)",
    "API, nothing cached ÷ floor (S / P)",
    "profile p50 ms (S / P)",
    "bid storm p99 ms, gunicorn / runserver",
    "close: statements per auction (S / P)",
)


@dataclass(frozen=True)
class Runs:
    """The runs of one ``make bench``, by database and years of history."""

    by_key: dict[tuple[str, int], dict[str, Any]]  # (vendor, years) -> bench result
    loadtest: dict[str, Any] | None
    embedded: dict[str, Any] | None  # the bid storm on the embedded default (runserver + SQLite)
    long: int  # years of the long history (10 unless BENCH_YEARS said otherwise); the short one is 1

    @classmethod
    def read(cls, paths: list[Path]) -> Runs:
        by_key: dict[tuple[str, int], dict[str, Any]] = {}
        loadtest = embedded = None
        for path in paths:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("label") == "loadtest":
                loadtest = data
            elif data.get("label") == "embedded":
                embedded = data
            else:
                by_key[(data["database"]["vendor"], int(data.get("years") or 10))] = data
        return cls(by_key, loadtest, embedded, max((years for _, years in by_key), default=10))

    def run(self, vendor: str, years: int | None = None) -> dict[str, Any] | None:
        return self.by_key.get((vendor, years or self.long))

    def figure(self, vendor: str, key: str, years: int | None = None) -> dict[str, Any] | None:
        run = self.run(vendor, years)
        return (run or {}).get("figures", {}).get(key)

    def stat(self, vendor: str, key: str, stat: str = "p50", years: int | None = None) -> float | None:
        figure = self.figure(vendor, key, years)
        return None if figure is None or figure.get(stat) is None else float(figure[stat])

    def finished_at(self) -> str:
        """When the last of the runs ended, in UTC, as ``YYYY-MM-DD HH:MM``."""
        runs = [*self.by_key.values(), self.loadtest or {}, self.embedded or {}]
        ends = [run["finished_at"] for run in runs if run.get("finished_at")]
        return max(dt.datetime.fromisoformat(end) for end in ends).strftime("%Y-%m-%d %H:%M UTC") if ends else ""

    def growth(self, vendor: str, key: str) -> float | None:
        """p50 with the long history ÷ p50 with one year."""
        ten, one = self.stat(vendor, key), self.stat(vendor, key, years=1)
        return round(ten / one, 2) if ten is not None and one else None

    def ledger_ratio(self, vendor: str) -> float | None:
        ledger, summary = self.stat(vendor, "standings_ledger_path"), self.stat(vendor, "standings_summary_path")
        return round(ledger / summary, 1) if ledger is not None and summary else None


# --- The machine and the commit ---------------------------------------------------------------------


def _first_line(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine(runs: Runs) -> dict[str, str]:
    memory_kb = _first_line("/proc/meminfo", "MemTotal").split()
    versions = {vendor: (runs.run(vendor) or runs.run(vendor, 1) or {}).get("database", {}) for vendor, _ in VENDORS}
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{int(memory_kb[0]) / 1024 / 1024:.1f} GiB" if memory_kb else "unknown",
        "cpu": _first_line("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": versions["sqlite"].get("version", "not run"),
        "postgresql": versions["postgresql"].get("version", "not run"),
    }


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed git arguments
            ["git", *args],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+changes" if dirty else head


# --- Targets ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    figures: list[tuple[str, float | None]]  # (what, value)
    limit: float
    at_most: bool  # True: the value must stay at or under the limit; False: reach at least the limit
    unit: str
    also: tuple[tuple[str, float | None], ...] = ()  # shown beside the figures, not judged
    also_unit: str | None = None  # the unit of ``also``, when it is not the target's

    def verdict(self) -> str:
        known = [value for _, value in self.figures if value is not None]
        if not known:
            return "not measured"
        worst = max(known) if self.at_most else min(known)
        met = worst <= self.limit if self.at_most else worst >= self.limit
        if self.at_most and not self.limit:
            how = "none" if met else f"{worst:g} over"
        elif self.at_most:
            how = f"{times(self.limit / worst)} under" if met and worst else f"{times(worst / self.limit)} over"
        else:
            how = f"{times(worst / self.limit)} the target"
        missing = " (some figures missing)" if len(known) < len(self.figures) else ""
        return f"{'met' if met else '**not met**'}: worst {self._show(worst)}, {how}{missing}"

    def _show(self, value: float, unit: str | None = None) -> str:
        unit = self.unit if unit is None else unit
        if unit == "ms":
            return f"{ms(value)} ms"
        if unit == TIMES:
            return f"{value:.2f}{TIMES}" if value < 10 else f"{value:,.0f}{TIMES}"
        shown = int(value) if float(value).is_integer() else round(value, 1)
        return f"{number(shown)} {unit}".strip()

    def row(self) -> list[str]:
        shown = "; ".join(f"{what} {self._show(value) if value is not None else NONE}" for what, value in self.figures)
        if self.also:
            also = "; ".join(
                f"{what} {self._show(value, self.also_unit) if value is not None else NONE}"
                for what, value in self.also
            )
            shown += f" (not judged: {also})"
        limit = ("≤ " if self.at_most else "≥ ") + self._show(self.limit)
        return [self.name, limit, shown, self.verdict()]


def targets(runs: Runs) -> list[Target]:
    names = dict(VENDORS)
    load = runs.loadtest or {}
    storm = load.get("bid_storm") or {}
    storm_kind = (load.get("kinds") or {}).get("bid_storm") or {}
    server = f"gunicorn + {names.get(load.get('database', {}).get('vendor', ''), 'database')}"

    def per_db(key: str, stat: str = "p50", source: Callable[..., float | None] | None = None) -> list:
        return [(names[vendor], (source or runs.stat)(vendor, key, stat)) for vendor, _ in VENDORS]

    def bids_per_second(vendor: str) -> float | None:
        figure = runs.figure(vendor, "bids_50")
        return None if figure is None else float(figure["bids_per_second"])

    def over_floor(vendor: str, key: str, floor_key: str) -> float | None:
        page, floor = runs.stat(vendor, key), runs.stat(vendor, floor_key)
        return round(page / floor, 2) if page is not None and floor else None

    def extra(vendor: str, key: str, name: str) -> float | None:
        figure = runs.figure(vendor, key)
        return None if figure is None or figure.get(name) is None else float(figure[name])

    embedded = runs.embedded or {}
    embedded_storm = (embedded.get("kinds") or {}).get("bid_storm") or {}
    return [
        Target(
            "Standings page, nothing cached: p50 ÷ its floor",
            [
                (names[vendor], over_floor(vendor, "standings_page_uncached", "standings_floor_page"))
                for vendor, _ in VENDORS
            ],
            3,
            True,
            TIMES,
            also=tuple((f"{names[vendor]} floor", runs.stat(vendor, "standings_floor_page")) for vendor, _ in VENDORS),
            also_unit="ms",
        ),
        Target(
            "Standings API (200 rows), nothing cached: p50 ÷ its floor",
            [
                (names[vendor], over_floor(vendor, "standings_api_uncached", "standings_floor_api"))
                for vendor, _ in VENDORS
            ],
            2,
            True,
            TIMES,
            also=tuple((f"{names[vendor]} floor", runs.stat(vendor, "standings_floor_api")) for vendor, _ in VENDORS),
            also_unit="ms",
        ),
        Target(
            "Standings page and API, cached: p50",
            [
                (f"{names[vendor]} {what}", runs.stat(vendor, key))
                for vendor, _ in VENDORS
                for key, what in (("standings_page", "page"), ("standings_api", "API"))
            ],
            5,
            True,
            "ms",
        ),
        Target(
            f"Member profile, {runs.long} years: p50",
            per_db("profile_page"),
            30,
            True,
            "ms",
            also=tuple(
                (f"{names[vendor]} nothing cached", runs.stat(vendor, "profile_page_uncached")) for vendor, _ in VENDORS
            ),
        ),
        Target(
            f"Member profile: p50 at {runs.long} years ÷ at 1 year",
            [(names[vendor], runs.growth(vendor, "profile_page")) for vendor, _ in VENDORS],
            1.2,
            True,
            TIMES,
        ),
        Target("One 72-character tick, preview + confirm: p50", per_db("dump_ingest"), 15, True, "ms"),
        Target(
            "One 72-character tick, preview + confirm: SQL statements",
            [(names[vendor], extra(vendor, "dump_ingest", "statements")) for vendor, _ in VENDORS],
            12,
            True,
            "",
        ),
        Target("One bid, server time through the API: p50", per_db("bids_1"), 3, True, "ms"),
        Target(
            "One bid, SQL statements in the service",
            [(names[vendor], extra(vendor, "bid_service", "statements")) for vendor, _ in VENDORS],
            6,
            True,
            "",
            also=tuple((f"{names[vendor]} service p50", runs.stat(vendor, "bid_service")) for vendor, _ in VENDORS),
            also_unit="ms",
        ),
        Target(
            "50 bidders at once through gunicorn: accepted bids per second",
            [(f"{server}, bid storm", storm.get("bids_per_second"))],
            300,
            False,
            "bids/s",
        ),
        Target(
            "50 bidders at once through gunicorn: p99",
            [(f"{server}, bid storm", storm_kind.get("p99"))],
            150,
            True,
            "ms",
        ),
        Target(
            "50 bidders at once through the embedded default's web server on SQLite: p99",
            [("runserver + SQLite, bid storm", embedded_storm.get("p99"))],
            300,
            True,
            "ms",
        ),
        Target(
            "Close 20 auctions at once: SQL statements per auction",
            [(names[vendor], extra(vendor, "close_20_auctions", "statements_per_auction")) for vendor, _ in VENDORS],
            5,
            True,
            "",
            also=tuple(
                (f"{names[vendor]} queries as captured", extra(vendor, "close_20_auctions", "queries_per_auction"))
                for vendor, _ in VENDORS
            ),
        ),
        Target(
            "Web worker peak memory under the load test",
            [("gunicorn worker", (load.get("worker_memory_mb") or {}).get("peak"))],
            100,
            True,
            "MB",
        ),
        Target(
            "Errors under load (5xx, connection errors)",
            [("gunicorn raid night", load.get("errors")), ("runserver bid storm", embedded.get("errors"))],
            0,
            True,
            "",
        ),
        Target(
            "Ledger against the summaries after the load (reconcile differences)",
            [
                ("after the raid night", load.get("reconcile_differences")),
                ("after the runserver storm", embedded.get("reconcile_differences")),
            ],
            0,
            True,
            "",
        ),
        Target("Attendance refresh p50", per_db("attendance_refresh"), 2000, True, "ms"),
    ]


# --- Sections ---------------------------------------------------------------------------------------


def _dataset_rows(runs: Runs) -> list[str]:
    candidates = [
        (f"{dict(VENDORS)[vendor]}, {years} y", runs.run(vendor, years))
        for vendor, _ in VENDORS
        for years in (runs.long, 1)
    ]
    sources = [(name, run) for name, run in candidates if run is not None]
    if not sources:
        return []
    names = list(sources[0][1]["dataset"])
    rows = [[name.replace("_", " "), *(number(run["dataset"].get(name)) for _, run in sources)] for name in names]
    return table(["rows", *(name for name, _ in sources)], rows)


def _side_by_side(runs: Runs) -> list[str]:
    header = ["measurement"]
    for _, name in VENDORS:
        header += [f"{name} p50 ms", "p95", "p99", "queries", "statements", "heap MB"]
    rows = []
    for key, what in MEASUREMENTS:
        row = [what]
        for vendor, _ in VENDORS:
            figure = runs.figure(vendor, key) or {}
            row += [
                ms(figure.get("p50")),
                ms(figure.get("p95")),
                ms(figure.get("p99")),
                number(figure.get("queries")),
                number(figure.get("statements")),
                number(figure.get("heap_peak_mb")),
            ]
        rows.append(row)
    return table(header, rows)


def _bidding(runs: Runs) -> list[str]:
    header = ["bidders"]
    for _, name in VENDORS:
        header += [f"{name} p50 / p95 / p99 ms", "accepted bids/s", "accepted / refused"]
    rows = []
    for count in (1, 10, 50):
        row = [str(count)]
        for vendor, _ in VENDORS:
            figure = runs.figure(vendor, f"bids_{count}")
            if figure is None:
                row += [NONE, NONE, NONE]
                continue
            row += [
                both([figure["p50"], figure["p95"], figure["p99"]]),
                number(figure["bids_per_second"]),
                f"{figure['accepted']} / {figure['refused']}",
            ]
        rows.append(row)
    return table(header, rows)


def _history_growth(runs: Runs) -> list[str]:
    header = ["read"]
    for _, name in VENDORS:
        header += [f"{name} 1 y p50 ms", f"{runs.long} y p50 ms", f"{runs.long} y ÷ 1 y"]
    rows = []
    for key, what in MEASUREMENTS[:10]:  # the reads, measured at both lengths of history
        row = [what]
        for vendor, _ in VENDORS:
            growth = runs.growth(vendor, key)
            row += [
                ms(runs.stat(vendor, key, years=1)),
                ms(runs.stat(vendor, key)),
                f"{growth:.2f}{TIMES}" if growth is not None else NONE,
            ]
        rows.append(row)
    return table(header, rows)


def _ledger_against_summaries(runs: Runs) -> list[str]:
    rows = []
    for vendor, name in VENDORS:
        for years in (runs.long, 1):
            run = runs.run(vendor, years)
            if run is None:
                continue
            summary = runs.stat(vendor, "standings_summary_path", years=years)
            ledger = runs.stat(vendor, "standings_ledger_path", years=years)
            ratio = round(ledger / summary, 1) if ledger is not None and summary else None
            same = run.get("checks", {}).get("ledger_matches_summaries")
            rows.append(
                [
                    f"{name}, {years} y",
                    ms(summary),
                    ms(ledger),
                    f"{ratio:,.1f}{TIMES}" if ratio is not None else NONE,
                    "yes" if same else "**no**",
                ]
            )
    return table(
        ["guild", "summary path p50 ms", "ledger path p50 ms", "ledger ÷ summary", "same balances"],
        rows,
        align="lrrrl",
    )


def _load_test(load: dict[str, Any] | None, years: int) -> list[str]:
    if not load:
        return ["The load test did not run."]
    server = load["server"]
    scenario = load["scenario"]
    lines = [
        f"`{server['command']}` with {server['workers']} {server['worker_class']} workers {TIMES} {server['threads']} "
        f"threads, `{server['settings']}` (DEBUG off), on 127.0.0.1 against "
        f"{dict(VENDORS).get(load['database']['vendor'], load['database']['vendor'])} "
        f"{load['database']['version']} with the {years}-year guild. {scenario['members']} members browsing "
        f"(a page every {scenario['think_seconds'][0]:g} to {scenario['think_seconds'][1]:g} s each), "
        f"{scenario['auctions']} auctions with bids in bursts in their last 15 seconds, "
        f"{scenario['officers']} officers opening, watching and closing them; {load['seconds']} s, "
        f"{load['requests']:,} requests ({load['requests_per_second']} per second)"
        + (", **stopped by the request budget**" if scenario["budget_spent"] else "")
        + ". Latency is the client's: connect to last byte.",
        "",
    ]
    rows = [
        [
            kind.replace("_", " "),
            number(figures["n"]),
            ms(figures["p50"]),
            ms(figures["p95"]),
            ms(figures["p99"]),
            ms(figures["max"]),
            number(figures["refused"]),
            number(figures["errors"]),
        ]
        for kind, figures in load["kinds"].items()
    ]
    lines += table(["request", "count", "p50 ms", "p95 ms", "p99 ms", "max ms", "4xx", "errors"], rows)
    storm = load.get("bid_storm")
    if storm:
        lines += [
            "",
            f"Then a bid storm: {storm['bidders']} members raising their bids {storm['bids_each']} times each, all at "
            f"once, on {storm['auctions']} auctions (row `bid storm`): {storm['accepted']} accepted and "
            f"{storm['refused']} refused in {storm['wall_seconds']} s, **{number(storm['bids_per_second'])} accepted "
            "bids per second** through the server.",
        ]
    refusals = ", ".join(f"{name}: {count}" for name, count in load["refusals"].items()) or "none"
    bids = load["bids"]
    auctions = load["auctions"]
    memory = load["worker_memory_mb"]
    lines += [
        "",
        f"- **Errors: {load['errors']}**" + (f" ({'; '.join(load['error_samples'])})" if load["errors"] else ""),
        f"- Expected refusals (4xx): {refusals}.",
        f"- Bids, the night's and the storm's: {bids['sent']} sent, {bids['accepted']} accepted; the bid history "
        f"holds {bids['accepted_in_history']} accepted bids for these auctions.",
        f"- Auctions, the night's and the storm's: {auctions['closed_by_officers']} closed by the officers; "
        f"{auctions.get('awarded', 0)} awarded, {auctions.get('rotted', 0)} rotted, "
        f"{auctions.get('open', 0)} still open.",
        f"- Worker memory, peak RSS: {number(memory['peak'])} MB "
        f"(each worker: {', '.join(number(value) for value in memory['per_worker'])} MB).",
        f"- Reconcile afterwards: {load['reconcile_differences']} differences between the ledger and the summaries.",
    ]
    return lines


HOW = """\
- **Where:** in one process, with Django's test client for pages and the API (signed in as a member,
  `force_login`), and the services called directly for the rest. A sample is the time Django takes to
  handle the request (middleware, view, queries, template), with no network. Each measurement runs its
  step once to count queries (`CaptureQueriesContext`) and once under `tracemalloc` (heap MB: the peak of
  Python's heap during that step); both runs also warm up and are not timed. The timed runs follow.
- **Standings:** `/?pool=<id>` (the page renders every member of the pool) and
  `/api/v1/pools/<id>/standings/?page_size=200` (the API's largest page), as readers get them (the
  app's cache warm, as between two changes of the standings), and again with the cache emptied before
  each request ("nothing cached": what the first reader after a ledger write or refresh waits). The summary path is
  `standings_table()` with every row fetched; the ledger path (`ledger_standings()` in
  dkp/bench/measure.py) sums every ledger entry per member and counts 30-day attendance from the
  attendance rows, with no summary table; "same balances" checks both paths agree for every member.
- **Profile:** `/members/<name>/` of the member with the longest ledger, read by another member; the
  page carries its balance and attendance charts' data.
- **Ingest:** `preview_dumps()` then `confirm_tick()` of a 72-character raid dump in the client's format.
  The attendance refresh that a confirm queues runs in the worker, not in the request, and is measured
  on its own: `refresh_attendance_summaries()` for everybody.
- **Bids:** 1, 10 and 50 members at once, each in its own thread with its own database connection,
  raising their bid through `POST /api/v1/auctions/<id>/bid/` on one of 5 auctions open together;
  bids per second counts accepted bids over the wall time of the step.
- **Closing:** 20 auctions with 5 bids each, moved past their closing time, closed by one
  `close_due_auctions()`; a sample is the whole round of 20.
- **Reconcile:** `summary_differences()`, what `reconcile_points` runs, over the whole ledger.
- **Memory:** heap MB per step above; peak RSS of the benchmark process after all steps; the web
  worker's peak RSS (VmHWM) comes from the load test's gunicorn workers. MB are 10^6 bytes.
- **Data:** `generate_guild --users 500 --years 10 --seed 1` and the same with `--years 1`, into
  scratch databases (SQLite files under var/bench/, a throwaway PostgreSQL cluster).
"""


def _preserved(text: str, start: str, end: str) -> str | None:
    match = re.search(re.escape(start) + r"\n?(.*?)\n?" + re.escape(end), text, flags=re.S)
    return match.group(1) if match else None


def history_rows(markdown: str) -> list[str]:
    """The data rows of the existing report's history table, as they are."""
    section = _preserved(markdown, HISTORY_START, HISTORY_END) or ""
    rows = [line.strip() for line in section.splitlines() if line.strip().startswith("|")]
    return rows[2:]


def history_entry(runs: Runs, *, date: str, revision: str, info: dict[str, str]) -> dict[str, str]:
    load = runs.loadtest or {}

    def pair(render: Callable[[str], str]) -> str:
        return " / ".join(render(vendor) for vendor, _ in VENDORS)

    def ratio(value: float | None) -> str:
        return NONE if value is None else f"{value:,.2f}" if value < 10 else f"{value:,.0f}"

    def bids_per_second(vendor: str) -> str:
        figure = runs.figure(vendor, "bids_50")
        return number(figure["bids_per_second"]) if figure else NONE

    def over_floor(vendor: str, key: str, floor_key: str) -> float | None:
        page, floor = runs.stat(vendor, key), runs.stat(vendor, floor_key)
        return page / floor if page is not None and floor else None

    values = [
        date,
        revision,
        machine_line(info),
        pair(lambda vendor: ms(runs.stat(vendor, "standings_page"))),
        pair(lambda vendor: ms(runs.stat(vendor, "standings_api"))),
        pair(lambda vendor: ms(runs.stat(vendor, "standings_page_uncached"))),
        pair(lambda vendor: ratio(runs.growth(vendor, "standings_api"))),
        pair(lambda vendor: ratio(runs.ledger_ratio(vendor))),
        pair(lambda vendor: ms(runs.stat(vendor, "bids_50", "p99"))),
        pair(bids_per_second),
        pair(lambda vendor: ms(runs.stat(vendor, "dump_ingest"))),
        pair(lambda vendor: ms(runs.stat(vendor, "attendance_refresh"))),
        number(load.get("errors")),
        number((load.get("worker_memory_mb") or {}).get("peak")),
        pair(lambda vendor: ratio(over_floor(vendor, "standings_page_uncached", "standings_floor_page"))),
        pair(lambda vendor: ratio(over_floor(vendor, "standings_api_uncached", "standings_floor_api"))),
        pair(lambda vendor: ms(runs.stat(vendor, "profile_page"))),
        " / ".join(
            ms(((run or {}).get("kinds") or {}).get("bid_storm", {}).get("p99")) for run in (load, runs.embedded)
        ),
        pair(lambda vendor: number((runs.figure(vendor, "close_20_auctions") or {}).get("statements_per_auction"))),
    ]
    return dict(zip(HISTORY_COLUMNS, values, strict=True))


def _compact(run: dict[str, Any]) -> dict[str, Any]:
    """A run without its raw samples, for the JSON kept in docs/."""
    figures = {key: {k: v for k, v in figure.items() if k != "samples_ms"} for key, figure in run["figures"].items()}
    return {**run, "figures": figures}


def render(
    runs: Runs,
    *,
    notes: str,
    history: list[str],
    info: dict[str, str],
    date: str,
    revision: str,
    import_section: str = "",
    import_history: str = "",
) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Figures, not timed tests: `make bench` (scripts/bench.sh) generates the guild, measures it on SQLite",
        "and PostgreSQL, plays a raid night against gunicorn, imports ten years of OpenDKP history, and rewrites",
        "this page and docs/benchmarks.json. Everything here is rewritten by the next run except **Notes**, which",
        "is for people, and **History**, which gains a row per run; `BENCH_ONLY=import` rewrites only the import",
        "section and adds to its own history.",
        "",
        f"## Latest run: {date}, commit {revision}",
        "",
        *table(
            ["machine", ""],
            [
                ["cores", info["cores"]],
                ["memory", info["memory"]],
                ["CPU", info["cpu"]],
                ["OS", info["os"]],
                ["Python", info["python"]],
                ["SQLite", info["sqlite"]],
                ["PostgreSQL", info["postgresql"]],
            ],
            align="ll",
        ),
        "",
        f"The data (`generate_guild`, {runs.long} years and 1 year of history, the same users and seed), as measured:",
        "",
        *_dataset_rows(runs),
        "",
        "## Targets",
        "",
        *table(["target", "limit", "figures", "verdict"], [target.row() for target in targets(runs)], align="llll"),
        "",
        f"## SQLite and PostgreSQL side by side ({runs.long}-year guild)",
        "",
        *_side_by_side(runs),
        "",
    ]
    for vendor, name in VENDORS:
        run = runs.run(vendor)
        if run:
            checks = run.get("checks", {})
            lines.append(
                f"- {name}: benchmark process peak RSS {number(run.get('rss_peak_mb'))} MB; "
                f"{run['pool']['members']} members in the pool; reconcile after the run: "
                f"{checks.get('reconcile_differences_after', NONE)} differences; {run['seconds']} s."
            )
    lines += [
        "",
        "### Bidding",
        "",
        *_bidding(runs),
        "",
        "### One year of history against ten",
        "",
        *_history_growth(runs),
        "",
        "### What the summaries buy",
        "",
        *_ledger_against_summaries(runs),
        "",
        "## Load test: a raid night on gunicorn and PostgreSQL",
        "",
        *_load_test(runs.loadtest, runs.long),
        "",
        *([import_section, ""] if import_section else []),
        "## How the figures are taken",
        "",
        HOW.rstrip(),
        "",
        "## Notes",
        "",
        NOTES_START,
        notes.strip() or "(Findings and their causes, written by people; the report keeps this section.)",
        NOTES_END,
        "",
        "## History",
        "",
        "Key figures of every run, oldest first; S is SQLite and P PostgreSQL, with 10 years of history",
        "(or the `BENCH_YEARS` of that run) unless said.",
        "",
        HISTORY_START,
        *table(list(HISTORY_COLUMNS), [], align="l" * 3 + "r" * (len(HISTORY_COLUMNS) - 3))[:2],
        *history,
        HISTORY_END,
        "",
        *([import_history, ""] if import_history else []),
    ]
    return "\n".join(lines)


def write_report(paths: list[Path], *, docs: Path) -> list[Path]:
    """The report from these runs' JSON. Runs of ``bench_import`` alone (``BENCH_ONLY=import``)
    rewrite only the page's import section and add to its history; the rest stays as it was."""
    imports: dict[str, dict[str, Any]] = {}
    others: list[Path] = []
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("kind") == "import":
            imports[data["database"]["vendor"]] = data
        else:
            others.append(path)
    runs = Runs.read(others)
    markdown_path, json_path = docs / "benchmarks.md", docs / "benchmarks.json"
    old_markdown = markdown_path.read_text(encoding="utf-8") if markdown_path.exists() else ""
    old_json = json.loads(json_path.read_text(encoding="utf-8")) if json_path.exists() else {}
    info = machine(runs)
    if imports:
        import_date = max(dt.datetime.fromisoformat(run["finished_at"]) for run in imports.values())
        import_entry = import_report.history_entry(
            imports, date=import_date.strftime("%Y-%m-%d %H:%M UTC"), revision=commit(), info=info
        )
        old_json = {
            **old_json,
            "import": {
                vendor: {**run, "import": {k: v for k, v in run["import"].items() if k != "stdout_file"}}
                for vendor, run in imports.items()
            },
            "import_history": [*old_json.get("import_history", []), import_entry],
        }
    if not others:
        if not imports:
            raise ValueError("No runs to report.")
        markdown_path.write_text(
            import_report.updated(
                old_markdown, imports, date=import_date.strftime("%Y-%m-%d %H:%M UTC"), revision=commit(), info=info
            ),
            encoding="utf-8",
        )
        json_path.write_text(json.dumps(old_json, indent=1) + "\n", encoding="utf-8")
        return [markdown_path, json_path]
    import_rows = import_report.history_rows(old_markdown)
    if imports:
        import_rows.append("| " + " | ".join(import_entry.values()) + " |")
    date = runs.finished_at() or timezone.now().strftime("%Y-%m-%d %H:%M")
    revision = commit()
    entry = history_entry(runs, date=date, revision=revision, info=info)
    history = [*history_rows(old_markdown), "| " + " | ".join(entry.values()) + " |"]
    markdown_path.write_text(
        render(
            runs,
            notes=_preserved(old_markdown, NOTES_START, NOTES_END) or "",
            history=history,
            info=info,
            date=date,
            revision=revision,
            import_section=import_report.section(imports)
            if imports
            else import_report.old_section(old_markdown) or import_report.section({}),
            import_history=import_report.history_table(import_rows),
        ),
        encoding="utf-8",
    )
    figures = {
        "date": date,
        "commit": revision,
        "machine": info,
        "runs": {f"{vendor}-{years}y": _compact(run) for (vendor, years), run in sorted(runs.by_key.items())},
        "loadtest": runs.loadtest,
        "targets": [dict(zip(("target", "limit", "figures", "verdict"), t.row(), strict=True)) for t in targets(runs)],
        "history": [*old_json.get("history", []), entry],
        "import": old_json.get("import"),
        "import_history": old_json.get("import_history", []),
    }
    json_path.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return [markdown_path, json_path]
