"""Write the whole guild as one JSON document (docs/export.md), to a file or to standard output.

export_guild --output guild.json
export_guild > guild.json

``import_guild guild.json`` (``--from export`` to say so outright) reads it back into an empty instance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dkp.switching.document import write_guild_document


class Command(BaseCommand):
    help = "Write the whole guild (members, characters, raids, the ledger, loot, applications) as one JSON document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", default="", metavar="FILE", help="Write to FILE (default: stdout).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["output"]:
            write_guild_document(self.stdout)
            return
        path = Path(options["output"])
        if not path.parent.is_dir():
            raise CommandError(f"{path.parent}: no such folder.")
        partial = path.with_name(path.name + ".partial")
        with partial.open("w", encoding="utf-8") as handle:
            write_guild_document(handle)
        partial.replace(path)  # a file that is there is whole
        self.stderr.write(self.style.SUCCESS(f"Wrote the guild to {path}."))
