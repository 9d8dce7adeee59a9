"""Play a raid night against a real gunicorn server on this database (dkp/bench/loadtest.py).

It writes to the database (sessions, API keys, auctions, bids, loot), so point it at a scratch
guild made by ``generate_guild``. ``make bench`` runs it on PostgreSQL after the measurements, and
with ``--embedded`` on SQLite: the bid storm alone against ``manage.py runserver``, the embedded default.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dkp.bench import loadtest
from dkp.bench.measure import BenchError, write_json


class Command(BaseCommand):
    help = "A raid night against gunicorn on loopback: members browsing, bursts of bids, officers closing auctions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="Write the figures here as JSON.")
        parser.add_argument("--seconds", type=float, default=120, help="How long the night lasts (default 120).")
        parser.add_argument("--members", type=int, default=60, help="Members browsing and bidding (default 60).")
        parser.add_argument("--auctions", type=int, default=10, help="Auctions of the night (default 10).")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3).")
        parser.add_argument("--threads", type=int, default=2, help="Threads per worker (default 2).")
        parser.add_argument("--max-requests", type=int, default=20_000, help="Request budget (default 20000).")
        parser.add_argument(
            "--storm-bidders", type=int, default=50, help="Bidders of the bid storm after the night (default 50)."
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--embedded",
            action="store_true",
            help="Only the bid storm, against manage.py runserver on this SQLite database (the embedded default).",
        )
        parser.add_argument(
            "--server-log", default=str(settings.VAR_DIR / "bench" / "gunicorn.log"), help="gunicorn's output."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        database = str(settings.DATABASES["default"]["NAME"])
        if database == str(settings.VAR_DIR / "dkp.sqlite3"):
            raise CommandError(
                f"{database} is the everyday database and the load test writes to it; point DATABASE_URL at a "
                "scratch guild (generate_guild)."
            )
        logging.getLogger("kombu").setLevel(logging.ERROR)
        log_path = Path(options["server_log"])
        log_path.parent.mkdir(parents=True, exist_ok=True)
        if options["embedded"]:
            self._embedded(options, log_path)
            return
        self.stdout.write(f"loadtest: {options['seconds']:.0f} s raid night on {database}")
        try:
            result = loadtest.run_load_test(
                seconds=options["seconds"],
                members=options["members"],
                auctions=options["auctions"],
                workers=options["workers"],
                threads=options["threads"],
                max_requests=options["max_requests"],
                storm_bidders=options["storm_bidders"],
                seed=options["seed"],
                log_path=log_path,
                progress=self.stdout.write,
            )
        except BenchError as failure:
            raise CommandError(str(failure)) from None
        write_json(result, options["out"])
        for kind, figures in result["kinds"].items():
            self.stdout.write(
                f"  {kind}: {figures['n']} requests, p50 {figures['p50']} ms, p95 {figures['p95']} ms, "
                f"p99 {figures['p99']} ms, {figures['refused']} refused, {figures['errors']} errors"
            )
        storm = result["bid_storm"]
        self.stdout.write(
            f"  bid storm: {storm['bidders']} bidders, {storm['accepted']} accepted, {storm['bids_per_second']} bids/s"
        )
        self.stdout.write(
            f"loadtest: {result['requests']} requests in {result['seconds']} s, {result['errors']} errors, "
            f"worker peak {result['worker_memory_mb']['peak']} MB, "
            f"reconcile differences {result['reconcile_differences']}; figures in {options['out']}"
        )
        if result["errors"] or result["reconcile_differences"]:
            raise CommandError("The load test had errors or left the ledger out of balance (see above).")

    def _embedded(self, options: dict[str, Any], log_path: Path) -> None:
        self.stdout.write(f"loadtest: {options['storm_bidders']} bidders at once on the embedded default")
        try:
            result = loadtest.run_embedded_storm(
                bidders=options["storm_bidders"], seed=options["seed"], log_path=log_path, progress=self.stdout.write
            )
        except BenchError as failure:
            raise CommandError(str(failure)) from None
        write_json(result, options["out"])
        storm, figures = result["bid_storm"], result["kinds"].get("bid_storm", {})
        self.stdout.write(
            f"  bid storm: {storm['bidders']} bidders, {storm['accepted']} accepted, {storm['refused']} refused, "
            f"{storm['bids_per_second']} bids/s, p50 {figures.get('p50')} ms, p99 {figures.get('p99')} ms, "
            f"{result['errors']} errors, reconcile differences {result['reconcile_differences']}"
        )
        if result["errors"] or result["reconcile_differences"]:
            raise CommandError("The storm had errors or left the ledger out of balance (see above).")
