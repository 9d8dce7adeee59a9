"""Officers' pages for raid nights: making a raid, taking a tick's attendance, editing ticks, the guild dump.

Each view checks the role, reads its form, calls one service in ``dkp.raids.services`` or
``dkp.raids.ingest`` and renders. A refusal is shown on the page it came from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dkp.core.errors import GuildError, InvalidInput
from dkp.core.fields import id_from_text
from dkp.core.http import form_post
from dkp.core.roles import require_officer
from dkp.core.time import guild_zone, parse_local
from dkp.raids import ingest, services
from dkp.raids.guild_dump import import_guild_dump
from dkp.raids.models import Event, Raid, RaidAttendance, RaidTick

TABS = (("dump", "Raid dumps"), ("who", "Paste /who"), ("hand", "By hand"))


def _local_input(at: dt.datetime | None) -> str:
    """A time as a ``datetime-local`` input shows it: in the guild's zone, to the minute."""
    if at is None:
        return ""
    return at.astimezone(guild_zone()).strftime("%Y-%m-%dT%H:%M")


def _parse_value(text: str) -> int | None:
    """The tick value typed on the page: blank for the event's default, else the service's rule."""
    return None if text == "" else services.TICK_VALUE.parse(text)


def _uploads(files: list[UploadedFile]) -> list[tuple[str, ingest.FileData]]:
    """The uploaded files' names and bytes; one over the limit is kept as its size."""
    return [(f.name or "file", ingest.read_upload(f, f.size)) for f in files]


@require_http_methods(["GET", "POST"])
def raid_new(request: HttpRequest) -> HttpResponse:
    """Make a raid night for an event."""
    actor = require_officer(request)
    events = Event.objects.filter(is_active=True).select_related("pool").order_by("pool__name", "name")
    form: dict[str, Any] = {"starts_at": _local_input(timezone.now()), "event": "", "note": ""}
    error = ""
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("event", "starts_at", "note")}
        try:
            event_id = id_from_text(form["event"], label="The event")
            event = events.filter(pk=event_id).first() if event_id is not None else None
            if event is None:
                raise InvalidInput("Choose the raid's event.", code="event_required")
            starts_at = parse_local(form["starts_at"], what="the raid's start")
            if starts_at is None:
                raise InvalidInput("Give the raid's start.", code="time_required")
            raid = services.create_raid(event=event, starts_at=starts_at, note=form["note"], actor=actor)
        except GuildError as refused:
            error = refused.message
        else:
            messages.success(request, f"Raid night made: {raid}. Add its first tick.")
            return redirect("raids:tick_new", raid_id=raid.pk)
    status = 422 if error else 200
    return render(request, "raids/raid_new.html", {"events": events, "form": form, "error": error}, status=status)


def _tick_form_context(raid: Raid, tab: str, **extra: Any) -> dict[str, Any]:
    return {
        "raid": raid,
        "tab": tab if tab in dict(TABS) else "dump",
        "tabs": TABS,
        "max_kib": ingest.MAX_FILE_BYTES // 1024,
        "default_value": raid.event.default_tick_value,
        **extra,
    }


def tick_new(request: HttpRequest, raid_id: int) -> HttpResponse:
    """Add a tick: upload raid dumps, paste a /who, or name characters by hand."""
    require_officer(request)
    raid = get_object_or_404(Raid.objects.select_related("event__pool"), pk=raid_id)
    return render(request, "raids/tick_new.html", _tick_form_context(raid, request.GET.get("tab", "dump")))


def _tick_input(request: HttpRequest, tab: str) -> tuple[ingest.AttendanceSource, dt.datetime | None]:
    """The attendance the form's tab sends, and the time typed with names (the only input that needs one)."""
    if tab == "who":
        return ingest.WhoPaste(request.POST.get("who", "")), None
    if tab == "hand":
        names = ingest.Names(ingest.split_names(request.POST.get("names", "")))
        return names, parse_local(request.POST.get("occurred_at", ""), what="the tick")
    return ingest.Dumps(_uploads(request.FILES.getlist("files"))), None


@form_post(back="raids:tick_new")
def tick_preview(request: HttpRequest, raid_id: int) -> HttpResponse:
    """What the tick would hold; nothing is saved until it is confirmed."""
    actor = require_officer(request)
    raid = get_object_or_404(Raid.objects.select_related("event__pool"), pk=raid_id)
    tab = request.POST.get("source", "dump")
    if tab not in ("who", "hand"):
        tab = "dump"
    try:
        source, occurred_at = _tick_input(request, tab)
        taken = ingest.take_attendance(raid=raid, source=source, actor=actor, save=False, occurred_at=occurred_at)
    except GuildError as refused:
        context = _tick_form_context(raid, tab, error=refused.message, form=request.POST)
        return render(request, "raids/tick_new.html", context, status=refused.status)
    preview = taken.preview
    assert preview is not None  # a preview was asked for
    context = {
        "raid": raid,
        "preview": preview,
        "occurred_at": _local_input(preview.occurred_at),
        "value": raid.event.default_tick_value,
        "description": request.POST.get("description", ""),
        "zone": guild_zone().key,
        "other_day_hours": int(services.OTHER_DAY_AFTER.total_seconds() // 3600),
    }
    return render(request, "raids/tick_preview.html", context, status=200 if preview.can_confirm else 422)


@form_post(back="raids:tick_new")
def tick_confirm(request: HttpRequest, raid_id: int) -> HttpResponse:
    """Save the previewed tick; one from another day only with its box ticked (the service refuses it otherwise)."""
    actor = require_officer(request)
    raid = get_object_or_404(Raid.objects.select_related("event__pool"), pk=raid_id)
    try:
        taken = ingest.take_attendance(
            raid=raid,
            source=ingest.Previewed(request.POST.get("token", "")),
            actor=actor,
            save=True,
            value=_parse_value(request.POST.get("value", "")),
            description=request.POST.get("description", ""),
            occurred_at=parse_local(request.POST.get("occurred_at", ""), what="the tick"),
            other_day=request.POST.get("other_day") == "yes",
        )
    except GuildError as refused:
        return render(request, "raids/tick_refused.html", {"raid": raid, "error": refused}, status=refused.status)
    tick = taken.tick
    assert tick is not None  # a token is saved or refused
    count = tick.attendance.count()
    messages.success(request, f"Tick saved: {count} characters present, {tick.value} points each owner.")
    return redirect("web:raid", raid_id=raid.pk)


def _tick_of(tick_id: int) -> RaidTick:
    return get_object_or_404(RaidTick.objects.select_related("raid__event__pool"), pk=tick_id)


@require_http_methods(["GET", "POST"])
def tick_edit(request: HttpRequest, tick_id: int) -> HttpResponse:
    """Change a tick's value, description, time or attendance; credits move through the ledger."""
    actor = require_officer(request)
    tick = _tick_of(tick_id)
    error = ""
    if request.method == "POST":
        try:
            services.edit_tick(
                tick=tick,
                actor=actor,
                value=_parse_value(request.POST.get("value", "")),
                description=request.POST.get("description", ""),
                occurred_at=parse_local(request.POST.get("occurred_at", ""), what="the tick"),
                add_names=ingest.split_names(request.POST.get("add", "")),
                remove_names=request.POST.getlist("remove"),
            )
        except GuildError as refused:
            error = refused.message
        else:
            messages.success(request, "Tick changed; credits were reversed and given again where needed.")
            return redirect("web:raid", raid_id=tick.raid_id)
    attendance = RaidAttendance.objects.filter(tick=tick).select_related("user").order_by("character_name")
    context = {"tick": tick, "attendance": attendance, "occurred_at": _local_input(tick.occurred_at), "error": error}
    return render(request, "raids/tick_edit.html", context, status=422 if error else 200)


@require_http_methods(["GET", "POST"])
def tick_delete(request: HttpRequest, tick_id: int) -> HttpResponse:
    actor = require_officer(request)
    tick = _tick_of(tick_id)
    if request.method == "POST":
        raid_id = tick.raid_id
        services.delete_tick(tick=tick, actor=actor, reason=request.POST.get("reason", ""))
        messages.success(request, "Tick deleted; every credit it gave was reversed.")
        return redirect("web:raid", raid_id=raid_id)
    return render(request, "raids/tick_delete.html", {"tick": tick, "present": tick.attendance.count()})


@require_http_methods(["GET", "POST"])
def guild_dump(request: HttpRequest) -> HttpResponse:
    """Upload a guild dump: levels, classes, alt flags and new characters."""
    actor = require_officer(request)
    context: dict[str, Any] = {"max_kib": ingest.MAX_FILE_BYTES // 1024}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput("Choose the guild dump file.", code="no_file")
            name, data = _uploads([upload])[0]
            context["result"] = import_guild_dump(file_name=name, data=data, actor=actor)
        except GuildError as refused:
            context["error"] = refused.message
            status = refused.status
    return render(request, "raids/guild_dump.html", context, status=status)
