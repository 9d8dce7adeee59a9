"""The loot list with its filters, and an item's page: prices per pool, the price over time, who won
it when and its open auctions. See docs/pages.md."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from dkp.core.errors import InvalidInput
from dkp.core.fields import id_from_text
from dkp.core.roles import Capability, require
from dkp.core.time import guild_zone
from dkp.loot.models import Item
from dkp.loot.selectors_items import PricePoint, item_price_points, item_price_stats, item_winners, loot_history
from dkp.points.models import DkpPool
from dkp.web.search import search_text

LOOT_PER_PAGE = 40
WINNERS_PER_PAGE = 40

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# EverQuest opened in 1999; a date outside these years is a typing slip, and past them the guild's
# midnight may not be a time the database can hold.
FIRST_DATE, LAST_DATE = dt.date(1999, 1, 1), dt.date(2999, 12, 31)


def _bad_filter(message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=code, status=400)


def _date_from(text: str, *, which: str) -> dt.date | None:
    """A date typed in a ``type="date"`` box (always YYYY-MM-DD); None when blank."""
    text = text.strip()
    if not text:
        return None
    day = None
    if _ISO_DATE.fullmatch(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            day = None
    if day is None:
        shown = text[:40]
        raise _bad_filter(
            f"{shown!r} is not a date for “{which}”: write it as YYYY-MM-DD, such as 2026-12-01.", "bad_date"
        )
    if not FIRST_DATE <= day <= LAST_DATE:
        raise _bad_filter(
            f"The “{which}” date must be from {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}.", "bad_date"
        )
    return day


def _guild_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in the guild's time zone: the loot list's days are the guild's days."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=guild_zone())


@dataclass(frozen=True)
class LootFilters:
    item: str = ""
    member: str = ""
    pool: DkpPool | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    @property
    def active(self) -> bool:
        return bool(self.item or self.member or self.pool or self.since or self.until)


def _loot_filters(request: HttpRequest) -> LootFilters:
    """The loot list's filters from its query string; a 400 naming the filter for a value that is not one."""
    item = search_text(request.GET.get("item", ""), what="The item filter")
    member = search_text(request.GET.get("member", ""), what="The member filter")
    pool = None
    pool_id = id_from_text(request.GET.get("pool", ""), label="The pool", status=400)
    if pool_id is not None:
        pool = DkpPool.objects.filter(pk=pool_id).first()
        if pool is None:
            raise _bad_filter(f"There is no pool #{pool_id}; pick one from the list.", "pool_not_found")
    since = _date_from(request.GET.get("from", ""), which="from")
    until = _date_from(request.GET.get("to", ""), which="to")
    if since and until and since > until:
        raise _bad_filter(
            f"The “from” date ({since.isoformat()}) is after the “to” date ({until.isoformat()}).", "bad_date_range"
        )
    return LootFilters(item=item, member=member, pool=pool, since=since, until=until)


def loot_list(request: HttpRequest) -> HttpResponse:
    """``/loot/``: every award, newest first, filtered by item, member, pool and dates, kept across pages."""
    require(request.user, Capability.VIEW_GUILD)
    pools = list(DkpPool.objects.order_by("name", "pk"))
    try:
        filters = _loot_filters(request)
    except InvalidInput as refused:
        context: dict[str, object] = {"pools": pools, "typed": request.GET, "error": refused.message}
        return render(request, "web/loot_list.html", context, status=refused.status)
    loot = loot_history(
        item_text=filters.item,
        member_text=filters.member,
        pool_id=filters.pool.pk if filters.pool else None,
        since=_guild_midnight(filters.since) if filters.since else None,
        before=_guild_midnight(filters.until + dt.timedelta(days=1)) if filters.until else None,
    )
    page = Paginator(loot, LOOT_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "web/loot_list.html", {"pools": pools, "typed": request.GET, "filters": filters, "loot": page}
    )


def _price_chart(points: list[PricePoint]) -> dict[str, object]:
    """One point per award on a shared axis of award dates, one line per pool (gaps where another pool's award is)."""
    labels = [point.awarded_at.astimezone(guild_zone()).date().isoformat() for point in points]
    names = {point.pool_id: point.pool_name for point in points}
    datasets = []
    for pool_id in sorted(names, key=lambda pool_id: (names[pool_id], pool_id)):
        data = [point.price if point.pool_id == pool_id else None for point in points]
        datasets.append({"label": names[pool_id], "data": data})
    return {"labels": labels, "datasets": datasets}


def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    """``/items/<id>/``: prices per pool, the price chart, who won it when, and its open auctions."""
    require(request.user, Capability.VIEW_GUILD)
    item = get_object_or_404(Item, pk=item_id)
    winners = Paginator(item_winners(item_id=item.pk), WINNERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "item": item,
        "stats": item_price_stats(item_id=item.pk),
        "price_chart": _price_chart(item_price_points(item_id=item.pk)),
        "winners": winners,
    }
    return render(request, "web/item_detail.html", context)
