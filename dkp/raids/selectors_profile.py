"""Reads for a member's profile: attendance per month, and the ticks they were at."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dkp.raids.models import RaidAttendance, RaidTick


@dataclass(frozen=True)
class MonthAttendance:
    month: dt.date  # the first day of the month
    attended: int
    held: int

    @property
    def percent(self) -> int:
        return round(100 * self.attended / self.held) if self.held else 0


def _first_of_month(value: dt.date | dt.datetime) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    return day.replace(day=1)


def attendance_by_month(*, user_id: int, pool_id: int | None = None) -> list[MonthAttendance]:
    """Ticks the user attended and ticks held, per month, from the month of their first tick.

    Per user: two characters at one tick count once. Months are in the active time zone; a month
    with ticks held but none attended is listed with 0 attended. Two aggregate queries.
    """
    attended_rows = RaidAttendance.objects.filter(user_id=user_id)
    held_rows = RaidTick.objects.all()
    if pool_id is not None:
        attended_rows = attended_rows.filter(tick__raid__event__pool_id=pool_id)
        held_rows = held_rows.filter(raid__event__pool_id=pool_id)
    attended = {
        _first_of_month(row["month"]): row["ticks"]
        for row in attended_rows.annotate(month=TruncMonth("tick__occurred_at"))
        .values("month")
        .annotate(ticks=Count("tick_id", distinct=True))
        .order_by("month")
    }
    if not attended:
        return []
    first = min(attended)
    since = timezone.make_aware(dt.datetime.combine(first, dt.time.min))  # in the active time zone, as TruncMonth
    held = {
        _first_of_month(row["month"]): row["ticks"]
        for row in held_rows.filter(occurred_at__gte=since)
        .annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(ticks=Count("id"))
        .order_by("month")
    }
    months = sorted(set(held) | set(attended))
    return [MonthAttendance(month, attended.get(month, 0), held.get(month, 0)) for month in months]


def ticks_attended(*, user_id: int) -> QuerySet[RaidAttendance]:
    """The user's attendance rows, newest tick first, ready to list with the raid and event."""
    return (
        RaidAttendance.objects.filter(user_id=user_id)
        .select_related("tick__raid__event__pool")
        .order_by("-tick__occurred_at", "character_name")
    )
