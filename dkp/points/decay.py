"""The decay schedule around ``apply_decay``: when a pool is due, and running it once.

A pool with a period of N days decays on the first run at least N calendar days, in the guild's
time zone, after the day it last decayed (``DkpPool.last_decayed_at``). Counting whole days rather
than hours means a daily beat that fires a few minutes early or late never skips a period, and a
second run on the same day finds nothing due. A pool that has never decayed is due at once.

Every real run locks the pool row, checks again under the lock, writes the decay entries and moves
``last_decayed_at`` in one transaction, so two workers (or a worker and an officer) racing on the
same pool decay it once.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from dkp.core.errors import Conflict, InvalidInput
from dkp.core.time import guild_zone
from dkp.points.models import DkpPool
from dkp.points.services import DecayLine, apply_decay

if TYPE_CHECKING:
    from dkp.accounts.models import User


@dataclass(frozen=True)
class DecayRun:
    """One pool's decay, previewed or written: who lost what, at which percentage and floor."""

    pool: DkpPool
    percent: int
    floor: int
    lines: list[DecayLine]
    dry_run: bool

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def lines_with_balance_after(self) -> list[tuple[DecayLine, int]]:
        return [(line, line.balance - line.amount) for line in self.lines]


def _guild_day(at: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.date:
    return at.astimezone(zone).date()


def next_decay_on(pool: DkpPool, *, zone: zoneinfo.ZoneInfo | None = None) -> dt.date | None:
    """The guild day the pool next decays on; None when it has no decay or has never decayed (due now)."""
    if pool.decay_percent <= 0 or pool.last_decayed_at is None:
        return None
    zone = zone or guild_zone()
    return _guild_day(pool.last_decayed_at, zone) + dt.timedelta(days=pool.decay_period_days)


def is_due(pool: DkpPool, *, now: dt.datetime, zone: zoneinfo.ZoneInfo | None = None) -> bool:
    """Whether the scheduled run should decay this pool now."""
    if not pool.is_active or pool.decay_percent <= 0:
        return False
    if pool.last_decayed_at is None:
        return True
    zone = zone or guild_zone()
    due_on = next_decay_on(pool, zone=zone)
    return due_on is not None and _guild_day(now, zone) >= due_on


@transaction.atomic
def decay_pool(
    *,
    pool: DkpPool,
    actor: User | None,
    percent: int | None = None,
    floor: int | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    previewed_at: dt.datetime | None = None,
) -> DecayRun:
    """Decay one pool now (or preview it with ``dry_run``); a real run records when it happened.

    ``previewed_at`` is when the officer saw the preview they are confirming: if the pool decayed
    after that (a double-submitted form, another officer, the nightly run), nothing is written.
    """
    now = now or timezone.now()
    if dry_run:
        lines = apply_decay(pool=pool, actor=actor, percent=percent, floor=floor, dry_run=True, at=now)
        return DecayRun(
            pool=pool,
            percent=pool.decay_percent if percent is None else percent,
            floor=pool.decay_floor if floor is None else floor,
            lines=lines,
            dry_run=True,
        )
    locked = DkpPool.objects.select_for_update().get(pk=pool.pk)
    return _decay_locked(locked, actor=actor, percent=percent, floor=floor, now=now, previewed_at=previewed_at)


def _decay_locked(
    pool: DkpPool,
    *,
    actor: User | None,
    percent: int | None,
    floor: int | None,
    now: dt.datetime,
    previewed_at: dt.datetime | None = None,
) -> DecayRun:
    """Write one pool's decay. The caller holds the pool row's lock inside its transaction."""
    percent = pool.decay_percent if percent is None else percent
    floor = pool.decay_floor if floor is None else floor
    if percent == 0:
        raise InvalidInput(
            f"{pool.name} has no decay percentage set; set one on the pool or give a percentage.", code="no_decay"
        )
    if previewed_at is not None and pool.last_decayed_at is not None and pool.last_decayed_at >= previewed_at:
        when = timezone.localtime(pool.last_decayed_at, guild_zone()).strftime("%Y-%m-%d %H:%M")
        raise Conflict(
            f"{pool.name} already decayed at {when}, after this preview was made; "
            "look at the new preview before decaying it again.",
            code="already_decayed",
        )
    lines = apply_decay(pool=pool, actor=actor, percent=percent, floor=floor, at=now)
    pool.last_decayed_at = now
    pool.save(update_fields=["last_decayed_at", "updated_at"])
    return DecayRun(pool=pool, percent=percent, floor=floor, lines=lines, dry_run=False)


@transaction.atomic
def decay_pool_if_due(*, pool: DkpPool, now: dt.datetime) -> DecayRun | None:
    """The scheduled decay of one pool: decays it when its period has passed, else does nothing.

    The due check is repeated under the pool row's lock, so of two racing runs only the first
    decays; the second sees the ``last_decayed_at`` the first wrote.
    """
    locked = DkpPool.objects.select_for_update().get(pk=pool.pk)
    if not is_due(locked, now=now):
        return None
    return _decay_locked(locked, actor=None, percent=None, floor=None, now=now)


def decay_due_pools(*, now: dt.datetime | None = None) -> list[DecayRun]:
    """Decay every active pool whose period has passed, each in its own transaction."""
    now = now or timezone.now()
    runs = []
    for pool in DkpPool.objects.filter(is_active=True, decay_percent__gt=0).order_by("pk"):
        run = decay_pool_if_due(pool=pool, now=now)
        if run is not None:
            runs.append(run)
    return runs
