"""Fill an empty database with a large guild for benchmarks (see ``dkp.bench.generate``).

    python manage.py generate_guild [--users 500] [--years 10] [--seed 1] [--quiet]

Refuses a database that already has users. Prints each phase as it ends (unless --quiet), then
the rows written per table and the seconds each phase took.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dkp.bench.generate import MAX_USERS, MAX_YEARS, MIN_USERS, generate_guild
from dkp.core.errors import GuildError


class Command(BaseCommand):
    help = (
        "Write a large guild (people, years of raid nights, auctions, ledger, applications) into an empty "
        "database for benchmarks; the same --seed gives the same guild."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--users", type=int, default=500, help=f"People in the app, {MIN_USERS} to {MAX_USERS:,} (default 500)."
        )
        parser.add_argument("--years", type=int, default=10, help=f"Years of history, 1 to {MAX_YEARS} (default 10).")
        parser.add_argument("--seed", type=int, default=1, help="Seed of every random choice (default 1).")
        parser.add_argument("--quiet", action="store_true", help="Print only the final table, not each phase.")

    def handle(self, *args: Any, users: int, years: int, seed: int, quiet: bool, **options: Any) -> None:
        try:
            report = generate_guild(users=users, years=years, seed=seed, progress=None if quiet else self.stdout.write)
        except GuildError as refused:
            raise CommandError(refused.message) from None
        for line in report.table():
            self.stdout.write(line)
