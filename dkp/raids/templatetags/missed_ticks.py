"""Template filters for missed-tick requests on raid pages."""

from __future__ import annotations

from typing import Any

from django import template

from dkp.raids.missed import may_ask_for_missed_tick
from dkp.raids.models import RaidTick

register = template.Library()


@register.filter
def may_request_missed(user: Any, tick: RaidTick) -> bool:
    """Whether to offer "I was there" on a tick (``may_ask_for_missed_tick``, the rule the request obeys).

    Reads the tick's prefetched attendance, so a raid page with many ticks costs no extra queries.
    """
    return may_ask_for_missed_tick(user=user, attendance=tick.attendance.all())
