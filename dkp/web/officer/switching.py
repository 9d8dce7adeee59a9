"""/officer/import/: bring a guild's history in from another tool, on the web as with ``import_guild``.

An officer uploads a dump, a .zip of CSV files or raid JSON (or gives a ``mysql://`` address), sees
the preview (counts, characters, every balance against the source's, everything not taken), maps
unclaimed mains to members, previews again, and confirms. The upload waits in ``var/imports/``
under a random token kept in the officer's session until it is confirmed or a day has passed;
nothing is written to the guild before confirm.
"""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from dkp.accounts.models import User
from dkp.core.errors import GuildError, InvalidInput
from dkp.core.fields import id_from_text
from dkp.core.http import form_post
from dkp.core.roles import require_officer
from dkp.core.time import guild_zone
from dkp.raids.selectors_owners import assignable_members
from dkp.sources.history import SourceError, SourceHistory
from dkp.sources.opening import SourceKind, open_history
from dkp.switching.plan import Plan, build_plan
from dkp.switching.services import confirm_import
from dkp.web.officer.common import refusal_status

UPLOADS_KEPT_FOR = 24 * 3600  # seconds an unconfirmed upload waits before the next upload removes it
MAX_UPLOAD_BYTES = 256 * 1024 * 1024  # a ten-year OpenDKP dump is about 17 MB
# A confirm on the page runs inside one web request. Ten years (500,000 attendance rows) take about a
# minute (docs/benchmarks.md), beyond a web worker's time limit, so a source past this many attendance
# rows is previewed here and confirmed with the command.
WEB_CONFIRM_ATTENDANCE = 50_000
SESSION_KEY = "officer_import"
OPTIONS = ("kind", "client_id", "prefix", "database")
KINDS = [("", "Work it out"), *[(kind.value, kind.value) for kind in SourceKind]]


def _upload_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def _clear_old_uploads() -> None:
    root = _upload_dir()
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.is_dir() and time.time() - folder.stat().st_mtime > UPLOADS_KEPT_FOR:
            shutil.rmtree(folder, ignore_errors=True)


def _save_upload(upload: Any) -> Path:
    _clear_old_uploads()
    folder = _upload_dir() / secrets.token_hex(16)
    folder.mkdir(parents=True)
    name = Path(upload.name or "source").name or "source"
    path = folder / name
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


def _read(source: dict[str, str]) -> SourceHistory:
    kind = SourceKind(source["kind"]) if source.get("kind") else None
    return open_history(
        source["location"],
        kind=kind,
        client_id=source.get("client_id", ""),
        prefix=source.get("prefix", ""),
        database=source.get("database", ""),
        zone=guild_zone(),
    )


def _mapping(request: HttpRequest) -> dict[str, User]:
    """The members picked for unclaimed mains, by the source's key (``map-<key>`` fields)."""
    members = {member.pk: member for member in assignable_members()}
    mapping = {}
    for field in request.POST:
        value = request.POST.get(field, "")
        if not field.startswith("map-") or not value:
            continue
        member_id = id_from_text(value, label="The member")
        if member_id not in members:
            raise InvalidInput("Pick a guild member from the list for each character you map.", code="owner_not_member")
        mapping[field.removeprefix("map-").lower()] = members[member_id]
    return mapping


def _preview(
    request: HttpRequest,
    plan: Plan,
    *,
    token: str,
    mapping: dict[str, User],
    error: str = "",
    status: int = 200,
    reason: str = "",
) -> HttpResponse:
    unclaimed_mains = [
        line for line in plan.characters if line.main_key == line.key and line.how in {"waits for a claim", "mapped"}
    ]
    alts: dict[str, list[str]] = {}
    for line in plan.characters:
        if line.main_key != line.key:
            alts.setdefault(line.main_key, []).append(line.name)
    pools = {line.key: line.name for line in plan.pools}
    context = {
        "plan": plan,
        "counts": plan.counts(),
        "pool_names": pools,
        "characters": [
            {
                "line": line,
                "main": plan.character(line.main_key).name if line.main_key != line.key else "",
                "balances": [(pools.get(key, key), amount) for key, amount in sorted(line.source_balances.items())],
            }
            for line in plan.characters
        ],
        "mappable": [
            {"line": line, "alts": alts.get(line.key, []), "picked": getattr(mapping.get(line.key.lower()), "pk", None)}
            for line in unclaimed_mains
        ],
        "token": token,
        "too_large_for_the_page": plan.counts()["new"]["attendance"] > WEB_CONFIRM_ATTENDANCE,
        "web_limit": WEB_CONFIRM_ATTENDANCE,
        "members": list(assignable_members()),
        "error": error,
        "reason": reason,
    }
    return render(request, "officer/import_preview.html", context, status=status)


@require_http_methods(["GET"])
def import_start(request: HttpRequest) -> HttpResponse:
    require_officer(request)
    return render(request, "officer/import.html", {"kinds": KINDS, "form": {}})


def _source_from_form(request: HttpRequest) -> dict[str, str]:
    form = {key: request.POST.get(key, "").strip() for key in (*OPTIONS, "url")}
    upload = request.FILES.get("file")
    if form["kind"] and form["kind"] not in SourceKind.__members__.values():
        raise InvalidInput("Choose what kind of source it is from the list.", code="invalid_kind")
    if upload is not None and form["url"]:
        raise InvalidInput("Give a file or a database address, not both.", code="file_and_url")
    if upload is not None:
        if upload.size and upload.size > MAX_UPLOAD_BYTES:
            raise InvalidInput(
                f"The file is {upload.size // (1024 * 1024)} MiB; the page takes at most "
                f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MiB. Import it with manage.py import_guild.",
                code="file_too_large",
            )
        location = str(_save_upload(upload))
    elif form["url"]:
        if not form["url"].startswith("mysql://"):
            raise InvalidInput("A database address starts with mysql://.", code="bad_database_url")
        location = form["url"]
    else:
        raise InvalidInput("Choose a file to upload, or give a mysql:// address.", code="no_source")
    return {**{key: form[key] for key in OPTIONS}, "location": location}


@form_post(back="officer:import")
def import_preview(request: HttpRequest) -> HttpResponse:
    """A new upload's preview, or the same source's again with the members mapped so far."""
    require_officer(request)
    token = request.POST.get("token", "")
    sources = request.session.get(SESSION_KEY, {})
    try:
        if token:
            if token not in sources:
                raise InvalidInput("That import is no longer waiting; upload the source again.", code="import_gone")
            source = sources[token]
        else:
            source = _source_from_form(request)
            token = secrets.token_hex(8)
            sources[token] = source
            request.session[SESSION_KEY] = sources
        history = _read(source)
        mapping = _mapping(request)
        plan = build_plan(history, mapping=mapping)
    except (SourceError, GuildError) as refused:
        message = str(refused) if isinstance(refused, SourceError) else refused.message
        status = 400 if isinstance(refused, SourceError) else refusal_status(refused)
        if token in sources and not request.POST.get("token"):
            del sources[token]  # a source that cannot be read is not kept, nor its address
            request.session[SESSION_KEY] = sources
        # The address is not shown back: it may hold the database's password.
        form = {key: request.POST.get(key, "") for key in OPTIONS}
        return render(request, "officer/import.html", {"kinds": KINDS, "form": form, "error": message}, status=status)
    return _preview(request, plan, token=token, mapping=mapping)


@form_post(back="officer:import")
def import_confirm(request: HttpRequest) -> HttpResponse:
    actor = require_officer(request)
    token = request.POST.get("token", "")
    sources = request.session.get(SESSION_KEY, {})
    if token not in sources:
        messages.error(request, "That import is no longer waiting; upload the source again.")
        return redirect("officer:import")
    source = sources[token]
    reason = request.POST.get("accept_differences", "")
    try:
        history = _read(source)
    except SourceError as refused:
        messages.error(request, str(refused))
        return redirect("officer:import")
    mapping: dict[str, User] = {}
    try:
        mapping = _mapping(request)
        attendance = sum(len(tick.attendee_keys) for tick in history.ticks)
        if attendance > WEB_CONFIRM_ATTENDANCE:
            raise InvalidInput(
                f"This source has {attendance:,} attendance rows, more than the page can import in one "
                f"request ({WEB_CONFIRM_ATTENDANCE:,}): import it with manage.py import_guild, as the preview says.",
                code="too_large_for_the_page",
            )
        run = confirm_import(history=history, actor=actor, mapping=mapping, accept_differences=reason)
    except GuildError as refused:
        plan = build_plan(history, mapping=mapping)
        return _preview(
            request,
            plan,
            token=token,
            mapping=mapping,
            error=refused.message,
            status=refusal_status(refused),
            reason=reason,
        )
    del sources[token]
    request.session[SESSION_KEY] = sources
    location = Path(source["location"])
    if not source["location"].startswith("mysql://") and location.parent.parent == _upload_dir():
        shutil.rmtree(location.parent, ignore_errors=True)
    if run is None:
        messages.info(request, f"Nothing new in {history.label}: an earlier import already brought all of it.")
    else:
        written = ", ".join(f"{count} {kind}" for kind, count in run.counts.items() if count)
        messages.success(request, f"Imported {history.label}: {written}.")
    return redirect("officer:index")
