"""Restore a backup into the empty database DATABASE_URL names, then check it."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from dkp.ops.backups import BackupError, CheckReport, restore_database


def write_report(command: BaseCommand, report: CheckReport) -> None:
    """Rows per table, then the reconcile; shared with copy_database."""
    width = max((len(table) for table in report.row_counts), default=0)
    command.stdout.write("Rows per table:")
    for table, count in report.row_counts.items():
        command.stdout.write(f"  {table:<{width}}  {count:>9,}")
    for table, (want, have) in report.count_mismatches.items():
        command.stdout.write(command.style.ERROR(f"{table}: {want:,} rows in the source but {have:,} in the copy"))
    for difference in report.differences:
        command.stdout.write(command.style.ERROR(str(difference)))
    if report.pending_migrations:
        command.stdout.write(
            command.style.WARNING(
                f"The database is {report.pending_migrations} migrations behind this code (a backup from an older "
                "version): run manage.py migrate, then manage.py reconcile_points."
            )
        )
    elif not report.differences:
        command.stdout.write(command.style.SUCCESS("Every points summary matches the ledger."))


class Command(BaseCommand):
    help = "Restore a file written by manage.py backup into an empty database, then reconcile the points."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A backup file (dkp-<time>-<engine>.….gz).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: default).")

    def handle(self, *args: Any, file: Path, database: str, **options: Any) -> None:
        try:
            report = restore_database(file, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Restored {file}."))
        write_report(self, report)
        if report.pending_migrations:
            raise CommandError("Restored, but not checked yet: migrate, then reconcile_points (above).")
        if not report.clean:
            raise CommandError(
                f"The restored database has {len(report.differences)} differences between the points summaries "
                "and the ledger; manage.py reconcile_points --fix rebuilds the summaries from the ledger."
            )
