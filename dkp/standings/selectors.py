"""Standings and a member's points: the read model over the ledger, attendance and live bids.

It sits above points, raids and loot because it combines them; every door (pages, API, bot) that
shows a balance beside attendance or what a member may still bid reads it from here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connections
from django.db.models import Count, DecimalField, F, FilteredRelation, Max, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from dkp.accounts.models import shown_name
from dkp.loot.selectors import available_balance
from dkp.points.models import DkpPool, UserPointsSummary
from dkp.points.selectors import standings
from dkp.raids.models import MemberAttendanceSummary

STANDINGS_ORDERINGS = {
    "name": ("user__display_name", "user__username"),
    "class": ("user__main_character__eq_class", "user__display_name"),
    "balance": ("-balance", "user__username"),
    "earned": ("-earned", "user__username"),
    "spent": ("-spent", "user__username"),
    "adjusted": ("-adjusted", "user__username"),
    "decayed": ("-decayed", "user__username"),
    "lifetime": ("-lifetime_earned", "user__username"),
    "att30": ("-attendance_30", "-balance"),
    "att60": ("-attendance_60", "-balance"),
    "att90": ("-attendance_90", "-balance"),
    "attlife": ("-attendance_lifetime", "-balance"),
}


def standings_cache_key(*, pool: DkpPool, variant: str) -> str:
    """A cache key for a rendering of the pool's standings that changes whenever they change.

    It carries the number of summary rows, the last summary write and the last attendance
    refresh of the pool, so any ledger write or refresh makes a new key; ``variant`` is what else
    the rendering depends on (filters, sort, page). Names and roles are not in it: a rename shows
    when the cached rendering expires (a minute at most, see ``STANDINGS_CACHE_SECONDS``).
    """
    points = UserPointsSummary.objects.filter(pool=pool).aggregate(rows=Count("id"), last=Max("updated_at"))
    attendance = MemberAttendanceSummary.objects.filter(pool=pool).aggregate(last=Max("computed_at"))
    version = f"{points['rows']}:{points['last']}:{attendance['last']}:{variant}"
    return f"standings:{pool.pk}:" + hashlib.sha256(version.encode()).hexdigest()[:32]


STANDINGS_CACHE_SECONDS = 60


def standings_table(
    *, pool: DkpPool, eq_class: str = "", role_group: str = "", order: str = "balance"
) -> QuerySet[UserPointsSummary]:
    """The standings page: members with their main, points and attendance in the pool, one query.

    Attendance comes from the member attendance summaries for the same pool, joined once (a LEFT
    JOIN, not a subquery per column per row); a member with no summary yet shows 0%.
    """

    def percent(column: str) -> Coalesce:
        return Coalesce(
            F(f"pool_attendance__{column}"),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=5, decimal_places=2),
        )

    rows = (
        standings(pool=pool)
        # Only what the page and the API show: hydrating every timestamp of three models per row
        # was most of the time spent on a 500-member pool.
        .only(
            *("user_id", "pool_id", "balance", "earned", "spent", "adjusted", "decayed", "lifetime_earned"),
            *("user__username", "user__display_name", "user__discord_username", "user__role_group"),
            *("user__main_character__name", "user__main_character__eq_class"),
        )
        .annotate(
            pool_attendance=FilteredRelation(
                "user__attendance_summaries", condition=Q(user__attendance_summaries__pool=pool)
            )
        )
        .annotate(
            attendance_30=percent("percent_30"),
            attendance_60=percent("percent_60"),
            attendance_90=percent("percent_90"),
            attendance_lifetime=percent("percent_lifetime"),
        )
    )
    if eq_class:
        rows = rows.filter(user__main_character__eq_class=eq_class)
    if role_group:
        rows = rows.filter(user__role_group=role_group)
    return rows.order_by(*STANDINGS_ORDERINGS.get(order, STANDINGS_ORDERINGS["balance"]))


def standings_count(*, pool: DkpPool, eq_class: str = "", role_group: str = "") -> int:
    """How many rows ``standings_table`` has with these filters, counted without its joins for attendance."""
    rows = UserPointsSummary.objects.filter(pool=pool)
    if eq_class:
        rows = rows.filter(user__main_character__eq_class=eq_class)
    if role_group:
        rows = rows.filter(user__role_group=role_group)
    return rows.count()


class StandingRow(NamedTuple):
    """One member's row of the standings as plain values, as the page and the API show it.

    Attendance percentages are floats with at most two decimals (the summaries' own rounding).
    """

    user_id: int
    username: str
    display_name: str
    discord_username: str
    role_group: str
    main_character: str | None
    eq_class: str | None
    balance: int
    earned: int
    spent: int
    adjusted: int
    decayed: int
    lifetime_earned: int
    attendance_30: float
    attendance_60: float
    attendance_90: float
    attendance_lifetime: float

    @property
    def name(self) -> str:
        """The member's name as ``User.name`` gives it."""
        return shown_name(
            display_name=self.display_name, discord_username=self.discord_username, username=self.username
        )


STANDING_COLUMNS = (
    "user_id",
    "user__username",
    "user__display_name",
    "user__discord_username",
    "user__role_group",
    "user__main_character__name",
    "user__main_character__eq_class",
    "balance",
    "earned",
    "spent",
    "adjusted",
    "decayed",
    "lifetime_earned",
    "attendance_30",
    "attendance_60",
    "attendance_90",
    "attendance_lifetime",
)


def standing_rows(
    *,
    pool: DkpPool,
    eq_class: str = "",
    role_group: str = "",
    order: str = "balance",
    offset: int = 0,
    limit: int | None = None,
) -> list[StandingRow]:
    """``standings_table`` as ``StandingRow`` tuples: its one statement, run without the ORM's rows.

    The page renders 500 rows and the API serialises 200; a summary, a user and a character per
    row (and a Decimal per percentage) cost more than reading them.
    """
    rows = standings_table(pool=pool, eq_class=eq_class, role_group=role_group, order=order).values_list(
        *STANDING_COLUMNS
    )
    if offset or limit is not None:
        rows = rows[offset : None if limit is None else offset + limit]
    sql, params = rows.query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    # Attendance comes back as the driver reads a numeric column (Decimal, float, or the text of
    # the COALESCE's 0 on SQLite): one float each.
    return [StandingRow._make((*row[:13], *map(float, row[13:]))) for row in found]


@dataclass(frozen=True)
class PoolPoints:
    """One pool of a member's points: the summary, what they may still bid, and their attendance there."""

    pool: DkpPool
    summary: UserPointsSummary
    available: int
    attendance: MemberAttendanceSummary | None


def member_points(*, user_id: int) -> list[PoolPoints]:
    """Every pool the user has points in, by pool name, with the available balance and attendance.

    A few queries per pool (the available balance looks at live bids); members hold points in a few pools.
    """
    summaries = list(UserPointsSummary.objects.filter(user_id=user_id).select_related("pool").order_by("pool__name"))
    attendance = {
        row.pool_id: row
        for row in MemberAttendanceSummary.objects.filter(user_id=user_id, pool_id__in=[s.pool_id for s in summaries])
    }
    return [
        PoolPoints(
            pool=summary.pool,
            summary=summary,
            available=available_balance(user_id=user_id, pool_id=summary.pool_id),
            attendance=attendance.get(summary.pool_id),
        )
        for summary in summaries
    ]
