"""Bring a guild's history in from another tool: the preview, then the import (``--dry-run``: preview only).

import_guild --from opendkp opendkp.sql --client-id c0ffee01 --dry-run
import_guild mysql://reader:secret@db.example/eqdkp --prefix eqdkp_ --map Tanksalot=gwen --dry-run
import_guild points.zip --officer olwen
import_guild opendkp.sql --client-id c0ffee01 --accept-differences "boxed alts counted once"
import_guild guild.json --officer olwen      (EQ DKP's own export_guild document, into an empty instance)
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dkp.accounts.models import User
from dkp.core.errors import GuildError
from dkp.core.time import guild_zone
from dkp.sources.history import SourceError
from dkp.sources.opening import SourceKind, open_history, shown_location
from dkp.switching.document import FORMAT, document_counts
from dkp.switching.plan import build_plan
from dkp.switching.report import preview_text
from dkp.switching.restore import check_format, restore_guild_document
from dkp.switching.services import check_mapping, confirm_import

EXPORT = "export"  # EQ DKP's own guild document (export_guild), restored whole rather than imported


class Command(BaseCommand):
    help = (
        "Preview a guild's history from OpenDKP, EQdkp Plus or a spreadsheet and import it (--dry-run: preview only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "source",
            help="A mysqldump file (.sql, .sql.gz), a mysql:// address, a folder or .zip of CSV files, or raid JSON.",
        )
        parser.add_argument(
            "--from", dest="kind", choices=[kind.value for kind in SourceKind] + [EXPORT], help="What it is."
        )
        parser.add_argument("--client-id", default="", help="OpenDKP: the guild's clientId.")
        parser.add_argument("--prefix", default="", help="EQdkp Plus: the table prefix (found when there is one).")
        parser.add_argument("--database", default="", help="A dump of several databases: the one to read.")
        parser.add_argument("--zone", default="", help="CSV: the time zone of dates without one (the guild's).")
        parser.add_argument(
            "--map", action="append", default=[], metavar="CHARACTER=USERNAME", help="Give a character to a member."
        )
        parser.add_argument("--map-file", help="A CSV file with columns character,username: many --map at once.")
        parser.add_argument("--officer", default="", help="Username recorded as the officer who imported.")
        parser.add_argument("--dry-run", action="store_true", help="Print the preview and write nothing.")
        parser.add_argument(
            "--accept-differences", default="", metavar="REASON", help="Import although balances differ; why."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            zone = ZoneInfo(options["zone"]) if options["zone"] else guild_zone()
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError(f"There is no time zone {options['zone']!r}.") from None
        officer = _user(options["officer"]) if options["officer"] else None
        document = _guild_document(options["source"], forced=options["kind"] == EXPORT)
        if document is not None:
            self.restore(document, officer=officer, dry_run=options["dry_run"])
            return
        mapping = _mapping(options["map"], options["map_file"])
        try:
            check_mapping(mapping, actor=officer)
            self._step(f"reading {shown_location(options['source'])}")
            history = open_history(
                options["source"],
                kind=SourceKind(options["kind"]) if options["kind"] else None,
                client_id=options["client_id"],
                prefix=options["prefix"],
                database=options["database"],
                zone=zone,
            )
            self._step("checking every row and balance")
            plan = build_plan(history, mapping=mapping)
            self._done()
            self.stdout.write(preview_text(plan))
            if options["dry_run"]:
                self.stdout.write("\nNothing was written (--dry-run). Run again without it to import.")
                return
            self._step("importing: checking again")
            run = confirm_import(
                history=history,
                actor=officer,
                mapping=mapping,
                accept_differences=options["accept_differences"],
                progress=lambda step: self._step(f"importing: {step}"),
            )
            self._done()
        except SourceError as error:
            self._done()
            raise CommandError(f"{error} ({error.code})") from None
        except GuildError as error:
            self._done()
            raise CommandError(f"{error.message} ({error.code})") from None
        if run is None:
            self.stdout.write("\nNothing new: an earlier import already brought all of it. Nothing was written.")
            return
        written = ", ".join(f"{count} {kind}" for kind, count in run.counts.items() if count)
        self.stdout.write(self.style.SUCCESS(f"\nImported {history.label}: {written} (import {run.pk})."))

    def restore(self, document: dict[str, Any], *, officer: User | None, dry_run: bool) -> None:
        counts = document_counts(document)
        self.stdout.write(f"An EQ DKP guild document exported at {document.get('exported_at', '?')}:")
        for path, count in counts.items():
            self.stdout.write(f"  {path}: {count}")
        try:
            check_format(document)
            if dry_run:
                self.stdout.write("\nNothing was written (--dry-run). Run again without it to restore it here.")
                return
            restore_guild_document(document, actor=officer)
        except GuildError as error:
            raise CommandError(f"{error.message} ({error.code})") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"\nRestored the guild: {counts.get('members', 0)} members, {counts.get('ledger', 0)} ledger entries."
            )
        )

    _started: float | None = None

    def _step(self, what: str) -> None:
        """Progress on standard error, so a big source shows it is moving and the preview stays clean."""
        self._done()
        self._started = time.monotonic()
        self.stderr.write(f"  {what}...", ending="")
        self.stderr.flush()

    def _done(self) -> None:
        if self._started is not None:
            self.stderr.write(f" {time.monotonic() - self._started:.1f} s")
            self._started = None


def _guild_document(location: str, *, forced: bool) -> dict[str, Any] | None:
    """The guild document a .json file (or ``--from export``) holds; None for another tool's file."""
    if not forced and not location.lower().endswith(".json"):
        return None
    path = Path(location)
    if not path.is_file():
        if forced:
            raise CommandError(f"{location}: no such file.")
        return None
    try:
        with path.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        if forced:
            raise CommandError(f"{path.name} is not a JSON document ({error}).") from None
        return None
    if forced or (isinstance(data, dict) and data.get("format") == FORMAT):
        return data if isinstance(data, dict) else {"format": None}
    return None


def _user(username: str) -> User:
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        raise CommandError(f"There is no user {username!r}.")
    return user


def _mapping(pairs: list[str], map_file: str | None) -> dict[str, User]:
    wanted: list[tuple[str, str, str]] = []
    for pair in pairs:
        character, sep, username = pair.partition("=")
        if not sep or not character.strip() or not username.strip():
            raise CommandError(f"--map {pair!r}: write it as CHARACTER=USERNAME.")
        wanted.append((character.strip(), username.strip(), f"--map {pair}"))
    if map_file:
        path = Path(map_file)
        if not path.is_file():
            raise CommandError(f"{map_file}: no such file.")
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            fields = {name.strip().lower(): name for name in reader.fieldnames or []}
            if "character" not in fields or "username" not in fields:
                raise CommandError(f"{path.name}: the first row must name the columns character and username.")
            for number, row in enumerate(reader, start=2):
                character = (row[fields["character"]] or "").strip()
                username = (row[fields["username"]] or "").strip()
                if character and username:
                    wanted.append((character, username, f"{path.name} line {number}"))
    mapping: dict[str, User] = {}
    for character, username, where in wanted:
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"{where}: there is no user {username!r}.")
        if character.lower() in mapping and mapping[character.lower()] != user:
            raise CommandError(f"{where}: {character} is mapped to two members.")
        mapping[character.lower()] = user
    return mapping
