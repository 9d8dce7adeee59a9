"""The raid list and a raid night's page: what each night held, who was there, what dropped.

The list's figures come in the list's one query: ticks, members, characters and points from the raids
domain (``dkp.raids.selectors.raid_nights``), and the loot count added here, where raids and loot meet.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from dkp.core.roles import Capability, require
from dkp.loot.models import LootDistribution
from dkp.raids.models import Raid, RaidAttendance
from dkp.raids.selectors import raid_nights

RAIDS_PER_PAGE = 30


def _with_loot_counts(raids: QuerySet[Raid]) -> QuerySet[Raid]:
    """Each night's items awarded and not reversed (a reversed award is a mistake undone, not loot)."""
    awards = (
        LootDistribution.objects.filter(raid=OuterRef("pk"), is_reversed=False)
        .order_by()
        .values("raid")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return raids.annotate(loot_count=Coalesce(Subquery(awards), 0))


def raid_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_GUILD)
    raids = Paginator(_with_loot_counts(raid_nights()), RAIDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "web/raid_list.html", {"raids": raids})


def raid_detail(request: HttpRequest, raid_id: int) -> HttpResponse:
    """A raid night: each tick with its date and time in the guild's zone and who was there, then its loot."""
    require(request.user, Capability.VIEW_GUILD)
    raid = get_object_or_404(_with_loot_counts(raid_nights()).select_related("created_by"), pk=raid_id)
    ticks = (
        raid.ticks.held()
        .order_by("occurred_at")
        .prefetch_related(
            Prefetch("attendance", queryset=RaidAttendance.objects.select_related("user").order_by("character_name"))
        )
    )
    loot = raid.loot.select_related("item", "user").order_by("awarded_at", "pk")
    return render(request, "web/raid_detail.html", {"raid": raid, "ticks": ticks, "loot": loot})
