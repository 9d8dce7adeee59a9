"""Pages. Each view reads through selectors or calls one service, then renders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from dkp.accounts import keys
from dkp.accounts.models import ApiKey, User
from dkp.characters.models import EqClass
from dkp.core.errors import GuildError
from dkp.core.http import HtmxHttpRequest, form_post
from dkp.core.roles import Capability, RoleGroup, can, require
from dkp.loot.models import LootDistribution
from dkp.points.models import DkpPool, EntryKind, UserPointsSummary
from dkp.points.selectors import user_ledger
from dkp.raids.missed import missed_ticks_of
from dkp.raids.models import RaidTick
from dkp.raids.selectors import raids_with_tick_counts
from dkp.raids.selectors_profile import MonthAttendance, TicksAttended
from dkp.standings.charts import member_chart_series
from dkp.standings.selectors import STANDINGS_CACHE_SECONDS, standing_rows, standings_cache_key
from dkp.web.demo import DEMO_PERSONAS
from dkp.web.exports import standings_view_from
from dkp.web.standings_rows import standings_rows_html
from dkp.web.welcome import welcome


def home(request: HtmxHttpRequest) -> HttpResponse:
    """The guild's standings, or a welcome for visitors when standings are not public."""
    if not can(request.user, Capability.VIEW_GUILD):
        return welcome(request)
    table = standings_view_from(request).as_context()
    standings_html = _standings_html(table)
    if request.htmx:
        return HttpResponse(standings_html)
    context = {
        **table,
        "standings_html": standings_html,
        "pools": DkpPool.objects.filter(is_active=True).order_by("name"),
        "classes": EqClass.choices,
        "roles": [(r.value, r.label) for r in RoleGroup if r not in (RoleGroup.GUEST, RoleGroup.APPLICANT)],
        "recent_raids": raids_with_tick_counts()[:5],
        "recent_loot": LootDistribution.objects.select_related("item", "user")[:8],
    }
    return render(request, "web/home.html", context)


def _standings_html(table: dict[str, Any]) -> str:
    """The standings table, rendered once per change of the standings and reused by every reader.

    Everyone who may see standings sees the same table, and a 500-member table takes far longer to
    render than to look up, so the rendering is cached under a key that changes with every ledger
    write and attendance refresh in the pool (``standings_cache_key``).
    """
    pool = table["pool"]
    if pool is None:
        return render_to_string("web/_standings_table.html", {**table, "rows_html": standings_rows_html([])})
    variant = f"page:{table['eq_class']}:{table['role_group']}:{table['order']}"
    key = standings_cache_key(pool=pool, variant=variant)
    html = cache.get(key)
    if html is None:
        rows = standing_rows(
            pool=pool, eq_class=table["eq_class"], role_group=table["role_group"], order=table["order"]
        )
        html = render_to_string("web/_standings_table.html", {**table, "rows_html": standings_rows_html(rows)})
        cache.set(key, html, STANDINGS_CACHE_SECONDS)
    return str(html)


def _balance_chart(series: dict[int, list[tuple[dt.date, int]]], pool_names: dict[int, str]) -> dict[str, object]:
    """Balance lines per pool on one shared axis of days, each carried forward between its changes."""
    days = sorted({day for points in series.values() for day, _ in points})
    datasets = []
    for pool_id, points in sorted(series.items(), key=lambda item: pool_names.get(item[0], "")):
        by_day = dict(points)
        values: list[int | None] = []
        current: int | None = None
        for day in days:
            current = by_day.get(day, current)
            values.append(current)
        datasets.append({"label": pool_names.get(pool_id, f"pool {pool_id}"), "data": values})
    return {"labels": [day.isoformat() for day in days], "datasets": datasets}


def _attendance_chart(months: list[MonthAttendance]) -> dict[str, object]:
    return {
        "labels": [month.month.strftime("%Y-%m") for month in months],
        "attended": [month.attended for month in months],
        "held": [month.held for month in months],
        "percent": [month.percent for month in months],
    }


def _member_context(request: HttpRequest, person: User) -> dict[str, object]:
    kind = request.GET.get("kind", "")
    ledger = user_ledger(user_id=person.pk)
    if kind in EntryKind.values:
        ledger = ledger.filter(kind=kind)
    else:
        kind = ""
    entries = Paginator(ledger, 25).get_page(request.GET.get("page"))
    loot = LootDistribution.objects.filter(user=person).select_related("item", "pool").order_by("-awarded_at", "-pk")
    is_self = request.user == person
    summaries = list(UserPointsSummary.objects.filter(user=person).select_related("pool").order_by("pool__name"))
    pool_names = {summary.pool_id: summary.pool.name for summary in summaries}
    attended = TicksAttended(person.pk)
    balances, months = member_chart_series(user_id=person.pk, summaries=summaries, attended=attended.version())
    pages: Paginator = Paginator(attended, 25)  # type: ignore[arg-type]  # it counts and slices
    ticks = pages.get_page(request.GET.get("ticks_page"))
    return {
        "person": person,
        "characters": person.characters.order_by("tag", "name"),
        "summaries": summaries,
        "attendance": person.attendance_summaries.select_related("pool").order_by("pool__name"),
        "loot": Paginator(loot, 20).get_page(request.GET.get("loot_page")),
        "ticks": ticks,
        "entries": entries,
        "kind": kind,
        "kinds": EntryKind.choices,
        "balance_chart": _balance_chart(balances, pool_names),
        "attendance_chart": _attendance_chart(months),
        "is_self": is_self,
        "missed_requests": missed_ticks_of(user_id=person.pk)[:20] if is_self else [],
        "may_request_missed": is_self and can(person, Capability.BID),
        "may_own_keys": is_self and can(person, Capability.OWN_API_KEYS),
        "api_keys": keys.keys_of(owner=person) if is_self else [],
        "key_scopes": ApiKey.Scope.choices,
    }


def member(request: HttpRequest, username: str) -> HttpResponse:
    """A member's page: characters, balance and attendance charts, ticks, loot and the ledger."""
    require(request.user, Capability.VIEW_GUILD)
    person = get_object_or_404(User.objects.select_related("main_character"), username=username)
    return render(request, "web/member.html", _member_context(request, person))


@form_post(back="web:me")
def api_key_create(request: HttpRequest) -> HttpResponse:
    """Make an API key on your own page. The secret is in this one response and nowhere else."""
    if not request.user.is_authenticated:
        return redirect("web:login")
    person = User.objects.select_related("main_character").get(pk=request.user.pk)
    expires = request.POST.get("expires_on", "").strip()
    context: dict[str, object] = {}
    try:
        expires_at = None
        if expires:
            day = dt.date.fromisoformat(expires)
            expires_at = timezone.make_aware(dt.datetime.combine(day, dt.time.max.replace(microsecond=0)))
        key, secret = keys.create_api_key(
            owner=person,
            name=request.POST.get("name", ""),
            scopes=request.POST.getlist("scopes"),
            expires_at=expires_at,
            actor=person,
        )
        context = {"new_key": key, "new_secret": secret}
        status = 201
    except ValueError:
        context = {"key_error": f"{expires!r} is not a date (YYYY-MM-DD)."}
        status = 400
    except GuildError as refused:
        context = {"key_error": refused.message}
        status = refused.status
    response = render(request, "web/member.html", {**_member_context(request, person), **context}, status=status)
    response["Cache-Control"] = "no-store"  # the secret must not linger in caches
    return response


@form_post(back="web:me")
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("web:login")
    person = User.objects.get(pk=request.user.pk)
    keys.revoke_api_key(key=keys.key_of(owner=person, key_id=key_id), actor=person)
    return redirect("web:member", username=person.username)


def tick_detail(request: HttpRequest, tick_id: int) -> HttpResponse:
    tick = get_object_or_404(RaidTick, pk=tick_id)
    return redirect("web:raid", raid_id=tick.raid_id)


def sign_in(request: HttpRequest) -> HttpResponse:
    """Sign-in: Discord, and in demo mode a list of demo people to be."""
    personas = []
    if settings.DKP_DEMO:
        users = {u.username: u for u in User.objects.filter(username__in=[p[0] for p in DEMO_PERSONAS])}
        personas = [(users[name], role, blurb) for name, role, blurb in DEMO_PERSONAS if name in users]
    return render(
        request,
        "web/sign_in.html",
        {"personas": personas, "discord_configured": bool(settings.DISCORD_CLIENT_ID)},
    )


@form_post(back="web:login")
def demo_sign_in(request: HttpRequest) -> HttpResponse:
    """Sign in as a seeded demo user. Exists only in demo mode; production settings refuse DKP_DEMO."""
    if not settings.DKP_DEMO:
        raise Http404("The demo sign-in is off.")
    username = request.POST.get("username", "")
    if username not in {p[0] for p in DEMO_PERSONAS}:
        raise Http404("No such demo person.")
    person = get_object_or_404(User, username=username, is_active=True)
    login(request, person, backend="django.contrib.auth.backends.ModelBackend")
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=False):
        return redirect(wanted)
    return redirect("web:home")


@form_post(back="web:home")
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:home")
