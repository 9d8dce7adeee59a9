"""Benchmark the guild in this database, or write docs/benchmarks.md from the figures of earlier runs.

``bench --label sqlite-10y --out var/bench/sqlite-10y.json`` measures (dkp/bench/measure.py): it
writes to the database (ticks, bids, auctions), so point it at a scratch copy made by
``generate_guild``, never at a guild's real data. ``bench --report FILE...`` reads the figures of
those runs (and of ``loadtest``) and writes the report (dkp/bench/report.py). ``make bench`` does
both, on SQLite and PostgreSQL (scripts/bench.sh).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dkp.bench import measure, report


class Command(BaseCommand):
    help = "Measure the guild in this database (scratch data only: it writes), or --report the figures of runs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--label", default="", help="The run's name in the report, e.g. sqlite-10y.")
        parser.add_argument("--out", help="Write the figures here as JSON.")
        parser.add_argument("--years", type=int, default=None, help="Years of history in the guild (for the report).")
        parser.add_argument(
            "--reads-only", action="store_true", help="Only the standings and profile reads (the 1-year guild)."
        )
        parser.add_argument("--quick", action="store_true", help="A few repetitions of each: a smoke run.")
        parser.add_argument(
            "--yes-this-database",
            action="store_true",
            help="Measure even though the database is the default var/dkp.sqlite3 (it gets written to).",
        )
        parser.add_argument("--report", nargs="+", metavar="FILE", help="Write the report from these runs' JSON.")
        parser.add_argument("--docs", default=str(Path(settings.BASE_DIR) / "docs"), help="Where the report goes.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["report"]:
            written = report.write_report([Path(name) for name in options["report"]], docs=Path(options["docs"]))
            for path in written:
                self.stdout.write(f"wrote {path}")
            return
        if not options["label"] or not options["out"]:
            raise CommandError("Give --label and --out to measure, or --report FILE... to write the report.")
        database = str(settings.DATABASES["default"]["NAME"])
        if database == str(settings.VAR_DIR / "dkp.sqlite3") and not options["yes_this_database"]:
            raise CommandError(
                f"{database} is the everyday database and the benchmark writes to it; point DATABASE_URL at a "
                "scratch guild (generate_guild), or pass --yes-this-database."
            )
        _background_work_stays_in_memory()
        logging.getLogger("kombu").setLevel(logging.ERROR)  # its memory transport warns it has no host name
        self.stdout.write(f"bench {options['label']}: measuring {database}")
        result = measure.run(
            label=options["label"],
            reads_only=options["reads_only"],
            repetitions=measure.Repetitions.quick() if options["quick"] else measure.Repetitions(),
            progress=self.stdout.write,
        )
        result["years"] = options["years"]
        measure.write_json(result, options["out"])
        self.stdout.write(f"bench {options['label']}: {result['seconds']} s, figures in {options['out']}")


def _background_work_stays_in_memory() -> None:
    """Tasks the services queue (attendance refresh, auction closes) go to an in-memory broker.

    No worker runs during the benchmark: the refresh is measured on its own, and the benchmark
    closes its auctions itself. Without this they would pile up in the broker's folder.
    """
    from celery import current_app as app

    app.conf.broker_url = "memory://"
    app.conf.task_always_eager = False
