"""Officers' events: the list, a new event, and changing one (``dkp.raids.services``)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from dkp.core.errors import GuildError
from dkp.core.roles import require_officer
from dkp.points.models import DkpPool
from dkp.raids.models import Event
from dkp.raids.services import create_event, update_event
from dkp.web.officer.common import chosen, refusal_status


def event_list(request: HttpRequest) -> HttpResponse:
    require_officer(request)
    events = Event.objects.select_related("pool").annotate(raid_count=Count("raids")).order_by("-is_active", "name")
    return render(request, "officer/event_list.html", {"events": events})


def _form(request: HttpRequest, event: Event | None) -> dict[str, str]:
    if request.method == "POST":
        form = {key: request.POST.get(key, "") for key in ("name", "pool", "default_tick_value")}
        form["is_active"] = "on" if request.POST.get("is_active") else ""
        return form
    if event is None:
        return {"name": "", "pool": "", "default_tick_value": "", "is_active": "on"}
    return {
        "name": event.name,
        "pool": str(event.pool_id),
        "default_tick_value": str(event.default_tick_value),
        "is_active": "on" if event.is_active else "",
    }


@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    return _event_form(request, None)


@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, event_id: int) -> HttpResponse:
    require_officer(request)
    return _event_form(request, get_object_or_404(Event.objects.select_related("pool"), pk=event_id))


def _event_form(request: HttpRequest, event: Event | None) -> HttpResponse:
    actor = require_officer(request)
    pools = DkpPool.objects.order_by("-is_active", "name")
    form = _form(request, event)
    if event is None and not form["pool"] and len(pools) == 1:
        form["pool"] = str(pools[0].pk)
    error, status = "", 200
    if request.method == "POST":
        try:
            pool = chosen(pools, form["pool"], missing="Choose the pool the event's points are in.", label="The pool")
            if event is None:
                saved = create_event(
                    pool=pool, name=form["name"], default_tick_value=form["default_tick_value"], actor=actor
                )
            else:
                saved = update_event(
                    event=event,
                    actor=actor,
                    name=form["name"],
                    pool=pool,
                    default_tick_value=form["default_tick_value"],
                    is_active=bool(form["is_active"]),
                )
        except GuildError as refused:
            error, status = refused.message, refusal_status(refused)
        else:
            messages.success(
                request, f"Saved event {saved.name} ({saved.pool.name}, {saved.default_tick_value} per tick)."
            )
            return redirect("officer:events")
    context = {"event": event, "pools": pools, "form": form, "error": error}
    return render(request, "officer/event_form.html", context, status=status)
