"""Decay pools now, from the shell: every active pool with a decay percentage, or one named pool.

Unlike the nightly task this does not wait for the pool's period: it decays when asked (and records
the run, so the nightly task counts the next period from it). ``--dry-run`` shows the losses and
writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dkp.core.errors import GuildError, InvalidInput
from dkp.core.numbers import WholeNumber
from dkp.points.decay import DecayRun, decay_pool
from dkp.points.models import DkpPool
from dkp.points.pools import DECAY_FLOOR, DECAY_PERCENT
from dkp.points.services import get_pool


def _whole(text: str | None, *, option: str, rule: WholeNumber) -> int | None:
    """An option read by the pool's own rule for that number, named as typed on the command line."""
    if text is None:
        return None
    try:
        return rule.named(option).parse(text)
    except InvalidInput as refused:
        raise CommandError(refused.message) from None


class Command(BaseCommand):
    help = "Decay each active pool with a decay percentage (or the one named) now; --dry-run writes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pool", help="Decay only this pool (name or id), even one without a percentage set.")
        parser.add_argument("--dry-run", action="store_true", help="Show who would lose what; write nothing.")
        # Read as text so a bad number is our clear error (exit 1), not argparse's usage screen.
        parser.add_argument("--percent", help="Use this percentage (0-100) instead of each pool's own.")
        parser.add_argument("--floor", help="Use this floor instead of each pool's own.")

    def handle(
        self, *args: Any, pool: str | None, dry_run: bool, percent: str | None, floor: str | None, **options: Any
    ) -> None:
        percent_value = _whole(percent, option="--percent", rule=DECAY_PERCENT)
        floor_value = _whole(floor, option="--floor", rule=DECAY_FLOOR)
        if pool is not None:
            try:
                pools = [get_pool(pool.strip())]
            except GuildError as refused:
                names = ", ".join(DkpPool.objects.order_by("name").values_list("name", flat=True)) or "none"
                raise CommandError(f"{refused.message} Pools: {names}.") from None
        else:
            pools = list(DkpPool.objects.filter(is_active=True, decay_percent__gt=0).order_by("name"))
            if not pools:
                self.stdout.write("No active pool has a decay percentage set; nothing to decay.")
                return
        for each in pools:
            try:
                run = decay_pool(pool=each, actor=None, percent=percent_value, floor=floor_value, dry_run=dry_run)
            except GuildError as refused:
                raise CommandError(refused.message) from None
            self._report(run)
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))

    def _report(self, run: DecayRun) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"{run.pool.name}: {run.percent}% decay, floor {run.floor}"))
        width = max((len(line.user_name) for line in run.lines), default=4)
        for line in run.lines:
            after = line.balance - line.amount
            self.stdout.write(
                f"  {line.user_name:<{width}}  balance {line.balance:>7} -> {after:<7}  loses {line.amount}"
            )
        verb = "would lose" if run.dry_run else "lost"
        members = "member" if len(run.lines) == 1 else "members"
        self.stdout.write(f"  Total: {len(run.lines)} {members} {verb} {run.total} points in {run.pool.name}.")
