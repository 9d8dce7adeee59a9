"""Copy every row into an empty database of any engine (SQLite to PostgreSQL), then check the copy."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dkp.ops.backups import BackupError, copy_database, temporary_database
from dkp.ops.management.commands.restore import write_report


class Command(BaseCommand):
    help = "Copy this database into an empty one (e.g. --to postgres://user@host/dkp); stop the app first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", required=True, help="The empty target database, as a DATABASE_URL.")
        parser.add_argument("--from", dest="source", help="The source database URL (default: DATABASE_URL's).")

    def handle(self, *args: Any, to: str, source: str | None, **options: Any) -> None:
        try:
            if source:
                with temporary_database(source, alias="ops_copy_source") as alias:
                    report = copy_database(to=to, source=alias)
            else:
                report = copy_database(to=to)
        except BackupError as error:
            raise CommandError(str(error)) from error
        write_report(self, report)
        if not report.clean:
            raise CommandError("The copy does not match its source (above); do not switch DATABASE_URL to it.")
        self.stdout.write(
            self.style.SUCCESS("Copied. Point DATABASE_URL at the new database and restart the web server and worker.")
        )
