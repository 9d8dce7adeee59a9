"""Officers' points pages, under /officer/points/: adjusting a member's points, and decaying pools.

Each view checks the role, reads its form, calls one service (``adjust_points``, or
``dkp.points.decay.decay_pool``) and renders. A refusal is shown on the page it came from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from dkp.accounts.models import User
from dkp.core.errors import GuildError, InvalidInput
from dkp.core.fields import id_from_text
from dkp.core.http import form_post
from dkp.core.roles import require_officer
from dkp.core.time import guild_zone
from dkp.points.decay import decay_pool, next_decay_on
from dkp.points.models import DkpPool, UserPointsSummary
from dkp.points.services import ADJUSTMENT, adjust_points


def _parse_amount(text: str) -> int:
    """The points as typed, read by the service's own rule (so the page and the API agree)."""
    if not text:
        raise InvalidInput("Give the number of points (negative to take points away).", code="invalid_amount")
    return ADJUSTMENT.parse(text)


def _chosen(queryset: Any, value: str, *, missing: str, label: str) -> Any:
    chosen_id = id_from_text(value, label=label)
    chosen = queryset.filter(pk=chosen_id).first() if chosen_id is not None else None
    if chosen is None:
        raise InvalidInput(missing, code="required")
    return chosen


@require_http_methods(["GET", "POST"])
def adjust(request: HttpRequest) -> HttpResponse:
    """Give or take a member's points in a pool, with the reason the ledger keeps."""
    actor = require_officer(request)
    people = (
        User.objects.filter(is_active=True).select_related("main_character").order_by(Lower("display_name"), "username")
    )
    pools = DkpPool.objects.filter(is_active=True).order_by("name")
    source = request.POST if request.method == "POST" else request.GET
    # Numbers as typed (a space is refused, not trimmed); the reason is free text.
    form = {key: source.get(key, "") for key in ("user", "pool", "amount")}
    form["reason"] = source.get("reason", "").strip()
    if not form["pool"] and len(pools) == 1:
        form["pool"] = str(pools[0].pk)
    error = ""
    if request.method == "POST":
        try:
            person = _chosen(people, form["user"], missing="Choose the member whose points change.", label="The member")
            pool = _chosen(pools, form["pool"], missing="Choose the pool the points are in.", label="The pool")
            amount = _parse_amount(form["amount"])
            adjust_points(user=person, pool=pool, amount=amount, reason=form["reason"], actor=actor)
        except GuildError as refused:
            error = refused.message
        else:
            balance = UserPointsSummary.objects.get(user=person, pool=pool).balance
            messages.success(
                request, f"{person.name}: {amount:+d} points in {pool.name} ({form['reason']}). Balance now {balance}."
            )
            return redirect("web:member", username=person.username)
    context = {"people": people, "pools": pools, "form": form, "error": error}
    return render(request, "points/adjust.html", context, status=422 if error else 200)


def _decay_context(actor: User, **extra: Any) -> dict[str, Any]:
    """Every active pool with its decay preview: who would lose what if it decayed now."""
    zone = guild_zone()
    now = timezone.now()
    rows = []
    for pool in DkpPool.objects.filter(is_active=True).order_by("name"):
        preview = decay_pool(pool=pool, actor=actor, dry_run=True, now=now) if pool.decay_percent > 0 else None
        rows.append({"pool": pool, "preview": preview, "next_on": next_decay_on(pool, zone=zone)})
    return {"rows": rows, "previewed_at": now.isoformat(), **extra}


def decay(request: HttpRequest) -> HttpResponse:
    """Per pool: what decaying now would take from whom, and a button to do it."""
    actor = require_officer(request)
    return render(request, "points/decay.html", _decay_context(actor))


def _parse_previewed_at(text: str) -> dt.datetime:
    try:
        previewed_at = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("This form lost its preview time; reload the page and look again.", code="stale") from None
    if timezone.is_naive(previewed_at):
        raise InvalidInput("This form lost its preview time; reload the page and look again.", code="stale")
    return previewed_at


@form_post(back="points:decay")
def decay_apply(request: HttpRequest, pool_id: int) -> HttpResponse:
    """Decay one pool now, as previewed; refused when unconfirmed or when it decayed since the preview."""
    actor = require_officer(request)
    pool = get_object_or_404(DkpPool, pk=pool_id, is_active=True)
    try:
        if request.POST.get("confirm") != "yes":
            raise InvalidInput(f"Tick the box to confirm decaying {pool.name}.", code="not_confirmed")
        previewed_at = _parse_previewed_at(request.POST.get("previewed_at", ""))
        run = decay_pool(pool=pool, actor=actor, previewed_at=previewed_at)
    except GuildError as refused:
        context = _decay_context(actor, error=refused.message, error_pool_id=pool.pk)
        return render(request, "points/decay.html", context, status=refused.status)
    members = "member" if len(run.lines) == 1 else "members"
    messages.success(
        request,
        f"{pool.name} decayed {run.percent}% (floor {run.floor}): {len(run.lines)} {members} lost {run.total} points.",
    )
    return redirect("points:decay")
