"""Recompute every points summary from the ledger; report differences, and repair them with --fix."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dkp.points.selectors import summary_differences
from dkp.points.services import repair_summaries


class Command(BaseCommand):
    help = "Compare every user's points summary with the ledger; exit 1 on any difference unless --fix."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fix", action="store_true", help="Rewrite the summaries that disagree.")

    def handle(self, *args: Any, fix: bool, **options: Any) -> None:
        differences = summary_differences()
        for difference in differences:
            self.stdout.write(str(difference))
        if not differences:
            self.stdout.write(self.style.SUCCESS("Every points summary matches the ledger."))
            return
        if fix:
            repaired = repair_summaries()
            self.stdout.write(self.style.WARNING(f"Repaired {repaired} summaries from the ledger."))
            return
        raise CommandError(
            f"{len(differences)} differences between summaries and the ledger; run with --fix to repair."
        )
