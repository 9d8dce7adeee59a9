"""Pages for missed-tick requests: the member's "I was there" form and the officers' queue."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from dkp.accounts.models import User
from dkp.characters.models import Character
from dkp.core.errors import GuildError
from dkp.core.fields import IdChoiceField
from dkp.core.http import form_post
from dkp.core.roles import Capability, require
from dkp.raids import missed
from dkp.raids.models import MissedTickRequest, RaidTick


class MissedTickForm(forms.Form):
    character = IdChoiceField(
        queryset=Character.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Pick one of your own characters."},
    )
    evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "[Thu Mar 06 21:14:02 2025] You have joined the raid."}),
        max_length=missed.EVIDENCE_MAX,
        help_text="A log line, your group, who you were with: whatever shows you were there.",
        error_messages={"required": "Say how you know you were there."},
    )

    def __init__(self, owner: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.own_characters = Character.objects.filter(owner=owner).order_by("tag", "name")
        field = cast(forms.ModelChoiceField, self.fields["character"])
        field.queryset = self.own_characters
        if owner.main_character_id:
            field.initial = owner.main_character_id


def _viewer(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def request_form(request: HttpRequest, tick_id: int) -> HttpResponse:
    """Ask for a tick you were at but the dump missed."""
    user = _viewer(request)
    require(user, Capability.BID)
    tick = get_object_or_404(RaidTick.objects.select_related("raid__event__pool"), pk=tick_id)
    form = MissedTickForm(user, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                missed.request_missed_tick(
                    tick=tick,
                    character=form.cleaned_data["character"],
                    evidence=form.cleaned_data["evidence"],
                    requester=user,
                )
            except GuildError as refused:
                form.add_error(None, refused.message)
                status = refused.status
            else:
                messages.success(request, "Request sent. An officer will decide; the outcome shows here.")
                return redirect(reverse("web:member", args=[user.username]) + "#my-requests")
        else:
            status = 422
    return render(
        request,
        "raids/missed_request.html",
        {"tick": tick, "form": form, "has_characters": form.own_characters.exists()},
        status=status,
    )


def _queue(request: HttpRequest, *, error: str = "", failed_id: int | None = None, status: int = 200) -> HttpResponse:
    context = {
        "pending": missed.pending_missed_ticks(),
        "decided": missed.recently_decided_missed_ticks(),
        "error": error,
        "failed_id": failed_id,
        "reason_max": missed.REASON_MAX,
    }
    return render(request, "raids/missed_queue.html", context, status=status)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Officers: pending requests, oldest first, with the evidence and approve/deny."""
    require(request.user, Capability.MANAGE_GUILD)
    return _queue(request)


def _decide(request: HttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    officer = _viewer(request)
    require(officer, Capability.MANAGE_GUILD)
    pending = get_object_or_404(MissedTickRequest.objects.select_related("user"), pk=pk)
    reason = request.POST.get("reason", "")
    try:
        if approve:
            missed.approve_missed_tick(request=pending, actor=officer, reason=reason)
        else:
            missed.deny_missed_tick(request=pending, actor=officer, reason=reason)
    except GuildError as refused:
        return _queue(request, error=refused.message, failed_id=pk, status=refused.status)
    verb = "Approved" if approve else "Denied"
    messages.success(request, f"{verb} {pending.user.name}'s request.")
    return redirect("missed:queue")


@form_post(back="missed:queue")
@login_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@form_post(back="missed:queue")
@login_required
def deny(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)
