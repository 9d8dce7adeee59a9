"""Template filters for missed-tick requests on raid pages."""

from __future__ import annotations

from typing import Any

from django import template

from dkp.core.roles import Capability, can
from dkp.raids.models import RaidTick

register = template.Library()


@register.filter
def may_request_missed(user: Any, tick: RaidTick) -> bool:
    """Whether to offer "I was there" on a tick: a member who is not in its attendance.

    Reads the tick's prefetched attendance, so a raid page with many ticks costs no extra queries.
    """
    if not can(user, Capability.BID):
        return False
    return all(row.user_id != user.pk for row in tick.attendance.all())
