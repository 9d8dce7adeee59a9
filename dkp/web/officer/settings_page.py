"""Officers' guild settings (``GuildSettings``) through ``dkp.core.guild_settings.update_guild_settings``."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from dkp.accounts.duties import officer_count, separation_applies
from dkp.core.errors import GuildError
from dkp.core.guild_settings import SETTINGS_FIELDS, SETTINGS_FLAGS, update_guild_settings
from dkp.core.models import GuildSettings
from dkp.core.roles import require_officer
from dkp.web.officer.common import refusal_status


@require_http_methods(["GET", "POST"])
def guild_settings(request: HttpRequest) -> HttpResponse:
    actor = require_officer(request)
    current = GuildSettings.load()
    error, status = "", 200
    form: dict[str, Any]
    if request.method == "POST":
        form = {field: request.POST.get(field, "") for field in SETTINGS_FIELDS if field not in SETTINGS_FLAGS}
        form.update({flag: request.POST.get(flag) == "on" for flag in SETTINGS_FLAGS})
        # A form from before the setting existed (an open tab) keeps the guild's choice.
        form["separation_of_duties"] = request.POST.get("separation_of_duties", current.separation_of_duties)
        try:
            update_guild_settings(actor=actor, **form)
        except GuildError as refused:
            error, status = refused.message, refusal_status(refused)
        else:
            messages.success(request, "Saved the guild settings.")
            return redirect("officer:settings")
    else:
        form = {field: getattr(current, field) for field in SETTINGS_FIELDS}
    fields = GuildSettings._meta
    help_texts = {field: str(getattr(fields.get_field(field), "help_text", "")) for field in SETTINGS_FIELDS}
    context = {
        "form": form,
        "help": help_texts,
        "error": error,
        "time_zones": sorted(zoneinfo.available_timezones()),
        "separation_choices": GuildSettings.Separation.choices,
        "separation_now": separation_applies(),
        "officer_count": officer_count(),
    }
    return render(request, "officer/settings.html", context, status=status)
