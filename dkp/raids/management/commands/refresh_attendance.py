"""Recompute every member's attendance summary now, instead of waiting for the worker or the nightly run."""

import time
from typing import Any

from django.core.management.base import BaseCommand

from dkp.raids.attendance import refresh_attendance_summaries


class Command(BaseCommand):
    help = "Recompute the 30/60/90-day and lifetime attendance of every member, per pool and overall."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        written = refresh_attendance_summaries()
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Wrote {written} attendance summaries in {elapsed:.2f} s."))
