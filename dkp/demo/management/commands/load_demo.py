"""Load the demo guild (Ashen Vanguard) once: people, characters, three months of raids, loot and applications.

The guild is written in one transaction, so a failure while building it saves nothing and a second
run starts afresh. Once it commits, the work its changes queue for the worker (an attendance refresh,
auction closings, Discord posts) is handed to the broker; when that fails (a broker that cannot be
reached), the guild is complete and usable, and the command says so and what the worker will catch
up, instead of ending in a traceback that leaves a loaded guild looking like a failed one.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from dkp.accounts.models import User
from dkp.demo.guild import DEFAULT_SEED, demo_guild_exists, load_demo
from dkp.web.demo import DEMO_PERSONAS


class Command(BaseCommand):
    help = (
        "Load the demo guild in one transaction. Does nothing when it is already loaded; "
        "with --if-empty, does nothing when the database has any user at all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Load only into a database with no users (what `make run` uses)."
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Seed of the demo's random choices.")

    def handle(self, *args: Any, if_empty: bool, seed: int, **options: Any) -> None:
        if if_empty and User.objects.exists():
            self.stdout.write("The database already has users; --if-empty leaves it alone.")
            return
        started = time.monotonic()
        already_there = demo_guild_exists()
        try:
            report = load_demo(seed=seed)
        except IntegrityError as error:
            raise CommandError(
                f"The demo guild does not fit beside what this database holds ({error}); load it into an empty one."
            ) from error
        except Exception as error:
            if already_there or not demo_guild_exists():
                raise CommandError(f"Loading the demo guild failed and nothing was saved: {error}") from error
            # The transaction committed; what failed is queuing the worker's share after it.
            self.stdout.write(
                self.style.WARNING(
                    f"Loaded the demo guild, but handing its background work to the worker failed ({error}). "
                    "The worker's periodic sweeps redo that work (auction closings, attendance, Discord posts) "
                    "once it runs with a reachable broker."
                )
            )
            self._sign_in_hint()
            return
        if report is None:
            self.stdout.write("The demo guild is already loaded; nothing to do.")
            return
        self.stdout.write(
            self.style.SUCCESS(f"Loaded the demo guild in {time.monotonic() - started:.1f} s (seed {seed}).")
        )
        for line in report.lines():
            self.stdout.write(f"  {line}")
        self._sign_in_hint()

    def _sign_in_hint(self) -> None:
        people = ", ".join(f"{username} ({role.lower()})" for username, role, _ in DEMO_PERSONAS)
        self.stdout.write(f"Demo sign-in as: {people}.")
