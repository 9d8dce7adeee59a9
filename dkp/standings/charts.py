"""A member's chart series (balance per day, attendance per month), cached by what they are made of.

Both series sum the member's whole history (years of ledger entries and attendance rows, dated in
the guild's zone), which is most of a profile's time and grows with the history. They change only
when one of their inputs does, so they are cached under a key built from those inputs' versions:

- the member's points summaries (every ledger entry of theirs moves one and stamps ``updated_at``);
- the member's attendance rows (how many, and the newest);
- the ticks (how many, the newest write): a tick held anywhere, moved or deleted changes the
  "held" line of everyone's attendance chart;
- the active time zone (days and months are the guild's).

A write that changes a series changes the key, so the next view computes afresh: nothing is
staler than without the cache. The key costs one small aggregate over the ticks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from dkp.points.models import UserPointsSummary
from dkp.points.selectors import balances_over_time
from dkp.raids.models import RaidTick
from dkp.raids.selectors_profile import MonthAttendance, attendance_by_month

CHART_CACHE_SECONDS = 3600

Series = tuple[dict[int, list[tuple[dt.date, int]]], list[MonthAttendance]]


def _key(user_id: int, summaries: list[UserPointsSummary], attended: Mapping[str, int | None]) -> str:
    ticks = RaidTick.objects.aggregate(rows=Count("id"), written=Max("updated_at"))
    points = sorted((s.pool_id, s.updated_at.isoformat(), s.balance) for s in summaries)
    version = repr((user_id, timezone.get_current_timezone_name(), points, attended, ticks))
    return f"member-charts:{user_id}:" + hashlib.sha256(version.encode()).hexdigest()[:32]


def member_chart_series(
    *, user_id: int, summaries: list[UserPointsSummary], attended: Mapping[str, int | None]
) -> Series:
    """(balances per pool per day, attendance per month) of the user.

    ``summaries`` are all their summary rows and ``attended`` their attendance rows' count and newest
    id (``TicksAttended.version()``), both read by the profile anyway.
    """
    key = _key(user_id, summaries, attended)
    found = cache.get(key)
    if found is None:
        found = (balances_over_time(user_id=user_id), attendance_by_month(user_id=user_id))
        cache.set(key, found, CHART_CACHE_SECONDS)
    return found
