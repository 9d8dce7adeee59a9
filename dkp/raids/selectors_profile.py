"""Reads for a member's profile: attendance per month, and the ticks they were at."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max
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


class TicksAttended:
    """The user's attendance rows newest tick first, as a sequence ``Paginator`` pages through.

    Sorting every row of a long-standing member by its tick's time took most of a profile's time
    (7,000 rows joined and sorted for a page of 25). A page is read instead by walking the ticks
    newest first on their time index and probing the member's (user, tick) index, which stops after
    the page; then those rows are read with their raid, event and pool. On SQLite the walk is
    asked for with CROSS JOIN, the way SQLite lets a query fix its join order; PostgreSQL's planner
    finds it from the LIMIT.
    """

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self._version: dict[str, int | None] | None = None

    def version(self) -> dict[str, int | None]:
        """How many attendance rows the user has, and the newest: read once, the count and a cache's version."""
        if self._version is None:
            self._version = RaidAttendance.objects.filter(user_id=self.user_id).aggregate(
                rows=Count("id"), last=Max("id")
            )
        return self._version

    def count(self) -> int:
        return int(self.version()["rows"] or 0)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[RaidAttendance]:
        start = window.start or 0
        size = (window.stop - start) if window.stop is not None else self.count()
        attendance, tick = RaidAttendance._meta.db_table, RaidTick._meta.db_table
        join = "CROSS JOIN" if connection.vendor == "sqlite" else "JOIN"
        sql = (
            f"SELECT a.id FROM {tick} t {join} {attendance} a ON a.tick_id = t.id "  # noqa: S608 - table names only
            "WHERE a.user_id = %s ORDER BY t.occurred_at DESC, a.character_name, a.id LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.user_id, size, start])
            ids = [row[0] for row in cursor.fetchall()]
        rows = RaidAttendance.objects.filter(pk__in=ids).select_related("tick__raid__event__pool").in_bulk()
        return [rows[pk] for pk in ids]
