"""Officers' pools and their auction and decay rules (``dkp.points.pools``).

The form is built from ``POOL_FIELDS`` and the model's own fields (label, help text, kind, choices),
so a setting added to a pool and to ``POOL_FIELDS`` shows up here with no change to this page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from dkp.characters.models import CharacterTag
from dkp.core.errors import GuildError
from dkp.core.roles import require_officer
from dkp.points.models import DkpPool
from dkp.points.pools import POOL_FIELDS, create_pool, update_pool
from dkp.web.officer.common import refusal_status

TAG_CAP_PREFIX = "tag_cap_"
TAG_CAPS_HELP = "The highest bid a character of each tag may place; blank for no cap."


@dataclass
class PoolInput:
    """One setting on the pool form: how it is typed and what it says."""

    name: str
    label: str
    help: str
    kind: str  # text, textarea, number, checkbox, select, tag_caps
    choices: list[tuple[str, str]]
    value: Any = ""

    @property
    def tag_inputs(self) -> list[dict[str, str]]:
        caps = self.value if isinstance(self.value, dict) else {}
        return [
            {"tag": tag, "label": label, "input": f"{TAG_CAP_PREFIX}{tag}", "value": str(caps.get(tag, ""))}
            for tag, label in CharacterTag.choices
        ]


def _kind(field: models.Field[Any, Any]) -> str:
    if field.name == "tag_caps":
        return "tag_caps"
    if field.choices:
        return "select"
    if isinstance(field, models.BooleanField):
        return "checkbox"
    if isinstance(field, models.IntegerField):
        return "number"
    if isinstance(field, models.TextField):
        return "textarea"
    return "text"


def pool_inputs() -> list[PoolInput]:
    inputs = []
    for name in POOL_FIELDS:
        field = DkpPool._meta.get_field(name)
        assert isinstance(field, models.Field)
        inputs.append(
            PoolInput(
                name=name,
                label=str(field.verbose_name).capitalize(),
                help=TAG_CAPS_HELP if name == "tag_caps" else str(field.help_text),
                kind=_kind(field),
                choices=[(str(value), str(label)) for value, label in field.flatchoices],
            )
        )
    return inputs


def _from_post(data: QueryDict, inputs: list[PoolInput]) -> dict[str, Any]:
    """The settings as submitted, as text (numbers are read by the service's own rules)."""
    values: dict[str, Any] = {}
    for spec in inputs:
        if spec.kind == "checkbox":
            values[spec.name] = data.get(spec.name) == "on"
        elif spec.kind == "tag_caps":
            # A blank cap is no cap for that tag.
            values[spec.name] = {
                tag: data.get(f"{TAG_CAP_PREFIX}{tag}", "")
                for tag in CharacterTag.values
                if data.get(f"{TAG_CAP_PREFIX}{tag}", "") != ""
            }
        else:
            values[spec.name] = data.get(spec.name, "")
    return values


# Columns the list leaves out: the name is the row's link, a description is prose.
NOT_LISTED = frozenset({"name", "description"})


def shown_value(pool: DkpPool, spec: PoolInput) -> str:
    """A setting as the list shows it: labels for choices, yes/no, caps by tag."""
    value = getattr(pool, spec.name)
    if spec.kind == "checkbox":
        return "yes" if value else "no"
    if spec.kind == "select":
        return dict(spec.choices).get(str(value), str(value))
    if spec.kind == "tag_caps":
        labels = dict(CharacterTag.choices)
        return ", ".join(f"{labels.get(tag, tag)} {cap}" for tag, cap in (value or {}).items()) or "none"
    return str(value)


def pool_list(request: HttpRequest) -> HttpResponse:
    require_officer(request)
    columns = [spec for spec in pool_inputs() if spec.name not in NOT_LISTED]
    rows = [
        {"pool": pool, "cells": [shown_value(pool, spec) for spec in columns]}
        for pool in DkpPool.objects.order_by("-is_active", "name")
    ]
    return render(request, "officer/pool_list.html", {"rows": rows, "columns": columns})


@require_http_methods(["GET", "POST"])
def pool_new(request: HttpRequest) -> HttpResponse:
    return _pool_form(request, None)


@require_http_methods(["GET", "POST"])
def pool_edit(request: HttpRequest, pool_id: int) -> HttpResponse:
    require_officer(request)
    return _pool_form(request, get_object_or_404(DkpPool, pk=pool_id))


def _pool_form(request: HttpRequest, pool: DkpPool | None) -> HttpResponse:
    actor = require_officer(request)
    inputs = pool_inputs()
    error, status = "", 200
    if request.method == "POST":
        values = _from_post(request.POST, inputs)
        try:
            if pool is None:
                saved = create_pool(actor=actor, **values)
            else:
                saved = update_pool(pool=pool, actor=actor, **values)
        except GuildError as refused:
            error, status = refused.message, refusal_status(refused)
        else:
            messages.success(request, f"Saved pool {saved.name}. Open auctions keep the rules they opened with.")
            return redirect("officer:pools")
    else:
        shown = pool if pool is not None else DkpPool()  # a new pool starts from the model's defaults
        values = {spec.name: getattr(shown, spec.name) for spec in inputs}
    for spec in inputs:
        spec.value = values[spec.name]
    context = {"pool": pool, "inputs": inputs, "error": error}
    return render(request, "officer/pool_form.html", context, status=status)
