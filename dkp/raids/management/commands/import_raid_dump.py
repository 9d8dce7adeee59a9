"""Take a tick from raid dumps: ``import_raid_dump FILE... --raid ID [--value N] [--description TEXT] [--dry-run]``.

A dump from another day (more than 12 hours from the raid night's start) is saved only with ``--other-day``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dkp.accounts.models import User
from dkp.core.errors import GuildError
from dkp.raids import ingest
from dkp.raids.models import Raid


class Command(BaseCommand):
    help = "Preview one or more raid dumps as one tick of a raid, and save it unless --dry-run."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="Raid dump files (RaidRoster_server-YYYYMMDD-HHMMSS.txt).")
        parser.add_argument("--raid", type=int, required=True, help="The raid night's id.")
        parser.add_argument("--value", type=int, help="Points for the tick (default: the event's).")
        parser.add_argument("--description", default="", help='e.g. "on time", "hour 2".')
        parser.add_argument("--actor", default="", help="Username recorded as the officer who took the tick.")
        parser.add_argument("--dry-run", action="store_true", help="Show the preview and save nothing.")
        parser.add_argument(
            "--other-day",
            action="store_true",
            help="Take dumps whose time is more than 12 hours from the raid night's start (from another day).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        raid = Raid.objects.select_related("event__pool").filter(pk=options["raid"]).first()
        if raid is None:
            raise CommandError(f"There is no raid {options['raid']}.")
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"There is no user {options['actor']!r}.")
        files = []
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file.")
            with path.open("rb") as handle:
                files.append((path.name, ingest.read_upload(handle, path.stat().st_size)))
        try:
            taken = ingest.take_attendance(
                raid=raid,
                source=ingest.Dumps(files),
                actor=actor,
                save=not options["dry_run"],
                value=options["value"],
                description=options["description"],
                other_day=options["other_day"],
            )
        except GuildError as refused:
            raise CommandError(refused.message) from None
        preview = taken.preview
        assert preview is not None  # files were read
        self._show(raid, preview)
        if not preview.can_confirm:
            raise CommandError("Nothing saved:\n" + preview.message())
        if taken.tick is None:
            self.stdout.write("Dry run: nothing saved.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Saved tick {taken.tick.pk}: {len(preview.present)} present, {taken.tick.value} points each owner."
            )
        )

    def _show(self, raid: Raid, preview: ingest.TickPreview) -> None:
        write = self.stdout.write
        write(f"Raid {raid.pk}: {raid.event.name} ({raid.event.pool.name}), {raid.starts_at:%Y-%m-%d}")
        for f in preview.files:
            when = f"{f.written_at:%Y-%m-%d %H:%M:%S} UTC" if f.written_at else "no time in the name"
            write(f"  file {f.file_name}: {f.characters} characters, written {when}")
        write(f"Present: {len(preview.present)}")
        for p in preview.present:
            owner = f" ({p.owner_name})" if p.owner_name else ""
            write(f"  {p.name:<15} {p.level:>3} {p.eq_class:<13} {p.status}{owner}")
        write(f"New: {', '.join(p.name for p in preview.new) or 'none'}")
        write(f"Unclaimed: {', '.join(p.name for p in preview.unclaimed) or 'none'}")
        for d in preview.duplicates:
            write(f"Listed twice: {d.name} ({'; '.join(d.seen_in)})")
        if preview.other_day:
            write(f"Warning: {preview.other_day} (--other-day takes it anyway)")
        for w in preview.warnings:
            write(f"Warning: {w}")
        for problem in (*preview.refusals, *preview.problems):
            self.stderr.write(str(problem))
