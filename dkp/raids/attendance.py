"""Attendance percentages: 30, 60, 90 days and lifetime, per user, per pool and overall.

The rules (DESIGN.md §6, docs/attendance.md):
- per user, not per character: two characters of one user at one tick count once;
- a window of N days is the ticks with ``now - N days < occurred_at <= now``, so a tick exactly
  N days old has just left it; every tick held in the window counts, whether or not the user had
  joined yet (a newcomer with one raid is not at 100%);
- a tick held is a tick with anyone at it: a deleted tick keeps its row (the ledger points at it)
  but loses its attendance, and no longer counts;
- lifetime is every tick from the user's first attended tick (in that pool, or in any pool for
  the overall row) up to now, ties at that first moment included;
- the percentage is ticks attended ÷ ticks held, rounded half up to 2 decimals; 0 when none was held.

Everything is computed by the database in one ``INSERT … SELECT``, whatever the guild's size: a
window function numbers each tick with how many ticks were held from it on, so a user's lifetime
"held" is a MAX over their ticks instead of a correlated count per user. Python never sees an
attendance row. Only users with at least one attended tick get rows; a refresh replaces the rows
of the users it covers (delete, then insert), so a user whose attendance was all removed loses
theirs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from dkp.raids.models import Event, MemberAttendanceSummary, Raid, RaidAttendance, RaidTick

WINDOWS = (30, 60, 90)

# "IN (...)" lists longer than this go through the database in slices: SQLite allows 999 parameters.
_SCOPE_SLICE = 500


def refresh_attendance_summaries(*, now: dt.datetime | None = None, user_ids: Iterable[int] | None = None) -> int:
    """Recompute the attendance summaries of every user (or only ``user_ids``); returns rows written.

    One transaction; on PostgreSQL the summary table is locked against a second refresh running at
    the same time (readers are not blocked), since two delete-then-insert runs could otherwise
    collide on the unique constraints. Two statements (a delete and an ``INSERT … SELECT``) per
    slice of 500 ``user_ids``, one slice for a whole-guild refresh, plus the lock: the same few
    queries whatever the number of users, ticks or attendance rows.
    """
    now = now or timezone.now()
    if user_ids is None:
        slices: list[list[int] | None] = [None]
    else:
        ids = sorted(set(user_ids))
        if not ids:
            return 0
        slices = [ids[start : start + _SCOPE_SLICE] for start in range(0, len(ids), _SCOPE_SLICE)]
    written = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(MemberAttendanceSummary._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        for scope in slices:
            summaries = MemberAttendanceSummary.objects.all()
            if scope is not None:
                summaries = summaries.filter(user_id__in=scope)
            summaries.delete()
            written += _insert_summaries(now=now, user_ids=scope)
    return written


def _insert_summaries(*, now: dt.datetime, user_ids: list[int] | None) -> int:
    sql, params = _summary_insert_sql(now=now, user_ids=user_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _summary_insert_sql(*, now: dt.datetime, user_ids: list[int] | None) -> tuple[str, list[Any]]:
    """The one statement that computes and writes every summary row of the users in scope."""
    qn = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    summary, tick, raid, event, attendance = (
        qn(model._meta.db_table) for model in (MemberAttendanceSummary, RaidTick, Raid, Event, RaidAttendance)
    )
    # Bounds as the database stores datetimes (SQLite compares text); placeholders are filled in
    # the order they appear in the statement, so each part carries its own parameters.
    since = [adapt(now - dt.timedelta(days=days)) for days in WINDOWS]
    periods = [*(str(days) for days in WINDOWS), "lifetime"]

    def in_windows(column: str, prefix: str) -> str:
        return ", ".join(
            f"CAST(SUM(CASE WHEN {column} > %s THEN 1 ELSE 0 END) AS BIGINT) AS {prefix}_{days}" for days in WINDOWS
        )

    def percent(period: str) -> str:
        # Hundredths of a percent rounded half up in integer arithmetic, then scaled: exact on
        # PostgreSQL (numeric) and on SQLite (the nearest double of a two-decimal number).
        attended, held = f"attended_{period}", f"held_{period}"
        return f"CASE WHEN {held} = 0 THEN 0 ELSE ((20000 * {attended} + {held}) / (2 * {held})) / 100.0 END"

    scope, scope_params = "", []
    if user_ids is not None:
        scope = f" AND a.user_id IN ({', '.join(['%s'] * len(user_ids))})"
        scope_params = list(user_ids)

    count_columns = ["user_id", "pool_id"]
    count_columns += [f"{kind}_{days}" for days in WINDOWS for kind in ("attended", "held")]
    count_columns += ["attended_lifetime", "held_lifetime"]
    summary_columns = ["user_id", "pool_id"]
    summary_columns += [f"{kind}_{period}" for period in periods for kind in ("attended", "held", "percent")]
    summary_columns += ["computed_at"]
    values = ["user_id", "pool_id"]
    values += [part for period in periods for part in (f"attended_{period}", f"held_{period}", percent(period))]
    values += ["%s"]
    overall_windows = ", ".join(
        f"CAST(SUM(pp.attended_{days}) AS BIGINT), CAST((SELECT SUM(held_{days}) FROM window_held) AS BIGINT)"  # noqa: S608
        for days in WINDOWS
    )

    sql = f"""
        INSERT INTO {summary} ({", ".join(summary_columns)})
        WITH
        held AS (
            -- every tick held up to now, with how many ticks its pool (and all pools) held from it
            -- on; a deleted tick keeps its row for the ledger but has no attendance: not held
            SELECT t.id AS tick_id, e.pool_id AS pool_id, t.occurred_at AS occurred_at,
                   COUNT(*) OVER (PARTITION BY e.pool_id ORDER BY t.occurred_at DESC) AS pool_ticks_from,
                   COUNT(*) OVER (ORDER BY t.occurred_at DESC) AS all_ticks_from
            FROM {tick} t
            JOIN {raid} r ON r.id = t.raid_id
            JOIN {event} e ON e.id = r.event_id
            WHERE t.occurred_at <= %s AND EXISTS (SELECT 1 FROM {attendance} anyone WHERE anyone.tick_id = t.id)
        ),
        window_held AS (
            SELECT pool_id, {in_windows("occurred_at", "held")} FROM held GROUP BY pool_id
        ),
        present AS (
            -- one row per user per tick, however many of their characters were there
            SELECT DISTINCT a.user_id AS user_id, a.tick_id AS tick_id
            FROM {attendance} a
            WHERE a.user_id IS NOT NULL{scope}
        ),
        per_pool AS (
            SELECT p.user_id AS user_id, h.pool_id AS pool_id, {in_windows("h.occurred_at", "attended")},
                   CAST(COUNT(*) AS BIGINT) AS attended_lifetime,
                   CAST(MAX(h.pool_ticks_from) AS BIGINT) AS held_lifetime,
                   CAST(MAX(h.all_ticks_from) AS BIGINT) AS all_held_lifetime
            FROM present p JOIN held h ON h.tick_id = p.tick_id
            GROUP BY p.user_id, h.pool_id
        ),
        counts ({", ".join(count_columns)}) AS (
            SELECT pp.user_id, pp.pool_id,
                   {", ".join(f"pp.attended_{days}, w.held_{days}" for days in WINDOWS)},
                   pp.attended_lifetime, pp.held_lifetime
            FROM per_pool pp JOIN window_held w ON w.pool_id = pp.pool_id
            UNION ALL
            -- overall: a tick belongs to one pool, so the pools' counts add up; lifetime starts at
            -- the user's first tick in any pool
            SELECT pp.user_id, NULL,
                   {overall_windows},
                   CAST(SUM(pp.attended_lifetime) AS BIGINT), CAST(MAX(pp.all_held_lifetime) AS BIGINT)
            FROM per_pool pp
            GROUP BY pp.user_id
        )
        SELECT {", ".join(values)} FROM counts
    """  # noqa: S608 - table and column names are ours; every value is a parameter
    params: list[Any] = [adapt(now), *since, *scope_params, *since, adapt(now)]
    return sql, params
