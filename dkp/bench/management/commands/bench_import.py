"""Measure issue 16's ten-year import: write the OpenDKP dump, import it, claim its mains.

``bench_import --write-source var/bench/opendkp-10y.sql`` writes the dump (dkp/bench/source.py);
``bench_import --source FILE --label sqlite --out var/bench/import-sqlite.json`` imports it into
this database, which must be empty and migrated, and claims every main (dkp/bench/importing.py);
``--claim`` is that second step alone, run by the first in a process of its own. ``make bench``
does all of it on SQLite and PostgreSQL (scripts/bench.sh; ``BENCH_ONLY=import`` for just this).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dkp.bench import importing


class Command(BaseCommand):
    help = "Write the ten-year OpenDKP dump, or import it into this empty database and claim its mains, timed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write-source", metavar="FILE", help="Write the ten-year OpenDKP dump here.")
        parser.add_argument("--seed", type=int, default=1, help="The dump's seed (the same seed, the same file).")
        parser.add_argument("--source", metavar="FILE", help="The dump to import (written by --write-source).")
        parser.add_argument("--label", default="", help="The run's name, e.g. sqlite.")
        parser.add_argument("--out", help="Write the figures here as JSON.")
        parser.add_argument("--claim", action="store_true", help="Only claim every imported main (a step of the run).")

    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("kombu").setLevel(logging.ERROR)  # its memory transport warns it has no host name
        if options["write_source"]:
            size = importing.write_source(Path(options["write_source"]), seed=options["seed"])
            self.stdout.write(
                f"wrote {options['write_source']}: {size['bytes'] / 1e6:.1f} MB, {size['characters']} characters, "
                f"{size['raids']} raids, {size['ticks']} ticks, {size['attendance']} attendance rows, "
                f"{size['loot']} loot, {size['adjustments']} adjustments ({size['seconds']} s)"
            )
            return
        if not options["source"] or not options["out"]:
            raise CommandError("Give --write-source FILE, or --source FILE and --out FILE (and --label) to measure.")
        source = Path(options["source"])
        if not importing.balances_path(source).exists():
            raise CommandError(f"{source} was not written by bench_import --write-source (no balances beside it).")
        out = Path(options["out"])
        if options["claim"]:
            importing.write_json(importing.claim_everything(source=source), out)
            return
        if not options["label"]:
            raise CommandError("Give --label, e.g. sqlite.")
        database = str(settings.DATABASES["default"]["NAME"])
        self.stdout.write(f"bench_import {options['label']}: importing into {database}")
        try:
            # The steps' output and the claims' figures go in a folder of their own, out of the
            # way of the report's globs of var/bench/*.json.
            result = importing.run(
                label=options["label"], source=source, logs=out.parent / "import-logs", progress=self.stdout.write
            )
        except importing.ImportBenchError as error:
            raise CommandError(str(error)) from None
        importing.write_json(result, out)
        self.stdout.write(f"bench_import {options['label']}: figures in {out}")
        failed = result["claim"]["reconcile_differences"] or result["claim"]["balance_mismatches"]
        if failed:
            raise CommandError(
                f"after the claims: {result['claim']['reconcile_differences']} ledger differences and "
                f"{result['claim']['balance_mismatches']} balances unlike OpenDKP's ({json.dumps(result['claim'])})"
            )
