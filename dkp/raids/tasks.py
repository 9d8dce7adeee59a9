"""Background work of the raids domain: keeping attendance percentages current."""

from celery import shared_task
from django.db import transaction


@shared_task(name="raids.refresh_attendance", ignore_result=True)
def refresh_attendance() -> int:
    """Recompute every member's attendance summary; returns how many rows were written."""
    from dkp.raids.attendance import refresh_attendance_summaries

    return refresh_attendance_summaries()


def _queue_refresh() -> None:
    refresh_attendance.delay()


def refresh_attendance_after_commit() -> None:
    """Queue a refresh once the current transaction commits, so a rolled-back change queues nothing.

    One refresh per transaction however many changes it makes (an import of many ticks, the demo):
    a refresh recomputes everyone, so a second one would only repeat it.
    """
    connection = transaction.get_connection()
    # Django keeps the pending callbacks as (savepoint ids, callback, robust); a callback of a
    # rolled-back savepoint is gone from the list, so the next change queues a refresh again.
    if connection.in_atomic_block and any(callback is _queue_refresh for _, callback, _ in connection.run_on_commit):
        return
    transaction.on_commit(_queue_refresh)
