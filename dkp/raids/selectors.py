"""Reads of the raids domain: a member's attendance figures, from the summaries the refresh writes."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from dkp.raids.models import MemberAttendanceSummary, Raid, RaidTick

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.points.models import DkpPool

NO_ATTENDANCE = Decimal("0.00")


def attendance_for(user: User) -> dict[int | None, MemberAttendanceSummary]:
    """A user's attendance summaries by pool id (``None``: all pools together), in one query.

    Overall first, then the pools by name. Empty for a user who never attended a tick (or before
    the first refresh after their first tick).
    """
    summaries = (
        MemberAttendanceSummary.objects.filter(user_id=user.pk).select_related("pool").order_by("pool__name", "pool_id")
    )
    ordered = sorted(summaries, key=lambda summary: summary.pool_id is not None)
    return {summary.pool_id: summary for summary in ordered}


def attendance_30(user: User, *, pool: DkpPool | None = None) -> Decimal:
    """The user's 30-day attendance percentage (overall unless a pool is given); 0 with none.

    Voting eligibility and the vote's recorded attendance read the overall figure.
    """
    percent = (
        MemberAttendanceSummary.objects.filter(user_id=user.pk, pool=pool).values_list("percent_30", flat=True).first()
    )
    return NO_ATTENDANCE if percent is None else percent


def raids_with_tick_counts() -> QuerySet[Raid]:
    """Raid nights, newest first, each with how many ticks were held (a deleted tick has no
    attendance left and does not count)."""
    held = RaidTick.objects.held().filter(raid=OuterRef("pk")).order_by().values("raid")
    return (
        Raid.objects.select_related("event__pool")
        .annotate(tick_count=Coalesce(Subquery(held.annotate(count=Count("pk")).values("count")), 0))
        .order_by("-starts_at")
    )
