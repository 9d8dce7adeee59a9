"""Settle every linked user's role group with their roles in the guild's Discord server, now.

The same pass beat runs every six hours (``discord.reconcile_roles``), for an officer who wants it
at once or wants to see first what it would do (``--dry-run``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dkp.accounts.role_sync import reconcile_roles
from dkp.discord.client import DiscordError, DiscordNotConfigured


class Command(BaseCommand):
    help = (
        "Reconcile role groups with the Discord server's roles: app changes not yet in Discord are pushed, "
        "changes made in Discord are pulled. Prints one line per user changed, then a summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only print what would change; nothing is written to the app or to Discord.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        try:
            report = reconcile_roles(dry_run=dry_run)
        except DiscordNotConfigured as exc:
            raise CommandError(exc.message) from exc
        except DiscordError as exc:
            raise CommandError(
                f"Roles not reconciled: could not list the Discord server's members. {exc.message}"
            ) from exc
        for change in report.changes:
            self.stdout.write(change.line())
        self.stdout.write(report.summary())
        self.stdout.write(
            f"{report.in_step} linked users already in step; "
            f"{report.members_without_account} Discord members have no account here (left alone)."
        )
