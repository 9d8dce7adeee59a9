"""Officers' member roles: everyone with their role group, and changing one through ``set_role_group``.

The service records the change in the audit log and queues the push of the new role group to
Discord after commit (``dkp.accounts.role_sync``); this page never writes the field itself.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from dkp.accounts.keys import set_role_group
from dkp.accounts.models import User
from dkp.core.errors import GuildError
from dkp.core.http import form_post
from dkp.core.roles import ROLE_PRECEDENCE, RoleGroup, require_officer
from dkp.web.officer.common import refusal_status


def _people(role: str) -> list[User]:
    people = User.objects.filter(is_active=True).select_related("main_character")
    if role:
        people = people.filter(role_group=role)
    return list(people.order_by(Lower("display_name"), Lower("username")))


def _render(
    request: HttpRequest, *, error: str = "", failed_user: int | None = None, status: int = 200
) -> HttpResponse:
    role = request.GET.get("role", "") or request.POST.get("shown_role", "")
    if role not in RoleGroup.values:
        role = ""
    context = {
        "people": _people(role),
        "role": role,
        "role_choices": [(group.value, group.label) for group in ROLE_PRECEDENCE],
        "error": error,
        "failed_user": failed_user,
    }
    return render(request, "officer/roles.html", context, status=status)


def role_list(request: HttpRequest) -> HttpResponse:
    require_officer(request)
    return _render(request)


@form_post(back="officer:roles")
def role_set(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = require_officer(request)
    person = get_object_or_404(User, pk=user_id, is_active=True)
    wanted = request.POST.get("role_group", "")
    before = RoleGroup(person.role_group)
    try:
        saved = set_role_group(user=person, role_group=wanted, actor=actor)
    except GuildError as refused:
        return _render(
            request, error=f"{person.name}: {refused.message}", failed_user=person.pk, status=refusal_status(refused)
        )
    if saved.role_group == before:
        messages.info(request, f"{person.name} already is {RoleGroup(saved.role_group).label.lower()}.")
    else:
        messages.success(
            request,
            f"{person.name} is now {RoleGroup(saved.role_group).label.lower()} (was {before.label.lower()}); "
            "their Discord roles follow shortly.",
        )
    shown = request.POST.get("shown_role", "")
    return redirect(reverse("officer:roles") + (f"?role={shown}" if shown in RoleGroup.values else ""))
