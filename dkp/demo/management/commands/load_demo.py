"""Load the demo guild (Ashen Vanguard) once: people, characters, three months of raids, loot and applications."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from dkp.accounts.models import User
from dkp.demo.guild import DEFAULT_SEED, load_demo
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
        try:
            report = load_demo(seed=seed)
        except IntegrityError as error:
            raise CommandError(
                f"The demo guild does not fit beside what this database holds ({error}); load it into an empty one."
            ) from error
        if report is None:
            self.stdout.write("The demo guild is already loaded; nothing to do.")
            return
        self.stdout.write(
            self.style.SUCCESS(f"Loaded the demo guild in {time.monotonic() - started:.1f} s (seed {seed}).")
        )
        for line in report.lines():
            self.stdout.write(f"  {line}")
        people = ", ".join(f"{username} ({role.lower()})" for username, role, _ in DEMO_PERSONAS)
        self.stdout.write(f"Demo sign-in as: {people}.")
