"""Write a compressed snapshot of the database into DKP_BACKUP_DIR, keeping the newest DKP_BACKUP_KEEP."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from dkp.ops.backups import BackupError, backup_database


class Command(BaseCommand):
    help = "Back up the database while the app keeps running (SQLite's online backup, or pg_dump)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", dest="directory", type=Path, help="Write into this folder instead of DKP_BACKUP_DIR."
        )
        parser.add_argument("--keep", type=int, help="Keep this many backups instead of DKP_BACKUP_KEEP.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="The database alias (default: default).")

    def handle(self, *args: Any, directory: Path | None, keep: int | None, database: str, **options: Any) -> None:
        try:
            result = backup_database(using=database, directory=directory, keep=keep)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Wrote {result.path} ({result.size:,} bytes)."))
        for path in result.pruned:
            self.stdout.write(f"Removed the old backup {path.name}.")
