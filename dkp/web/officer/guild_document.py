"""/officer/guild.json: the whole guild as one JSON document (docs/export.md), downloaded by an officer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from dkp.core.models import GuildSettings
from dkp.core.roles import require_officer
from dkp.switching.document import write_guild_document


@require_GET
def download(request: HttpRequest) -> HttpResponse:
    require_officer(request)
    now = timezone.now()
    name = f"{slugify(GuildSettings.load().guild_name) or 'guild'}-{now:%Y-%m-%d}.json"
    response = HttpResponse(content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    write_guild_document(response, now=now)
    return response
