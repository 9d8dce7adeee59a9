"""Separation of duties: an officer does not decide their own case when another officer could.

``GuildSettings.separation_of_duties`` is ``auto`` (the default: on while the guild has two or more
active officers), ``on`` or ``off``. When it applies, an officer may not approve a claim for
themselves, assign or transfer a character to themselves, adjust their own points or approve their
own missed tick; the service refuses and names the officers who may do it instead. A single-officer
guild on ``auto`` is not locked out of its own work.
"""

from __future__ import annotations

from typing import Any

from dkp.accounts.models import User
from dkp.core.errors import Forbidden
from dkp.core.models import GuildSettings
from dkp.core.roles import RoleGroup


def _officers() -> list[User]:
    return list(User.objects.filter(role_group=RoleGroup.OFFICER, is_active=True).order_by("username"))


def officer_count() -> int:
    return User.objects.filter(role_group=RoleGroup.OFFICER, is_active=True).count()


def separation_applies(officers: list[User] | None = None) -> bool:
    """Whether the guild's setting asks for a second officer now."""
    choice = GuildSettings.load().separation_of_duties
    if choice == GuildSettings.Separation.OFF:
        return False
    if choice == GuildSettings.Separation.ON:
        return True
    return len(officers if officers is not None else _officers()) >= 2


def _names(users: list[User]) -> str:
    names = [u.name for u in users]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


def require_another_officer(*, actor: User | Any | None, subject: User | Any | None, action: str) -> None:
    """Refuse an officer acting on their own behalf while separation of duties applies.

    ``action`` finishes "you cannot ...", e.g. "approve your own claim"; a system call (``actor``
    None) or an act on someone else passes.
    """
    if actor is None or subject is None or actor.pk != subject.pk:
        return
    officers = _officers()
    if not separation_applies(officers):
        return
    others = [o for o in officers if o.pk != actor.pk]
    if others:
        instead = f"another officer — {_names(others)} — must do it"
    else:
        instead = (
            "another officer must do it, and there is none; an officer may set separation of duties to "
            "auto or off in the guild settings"
        )
    raise Forbidden(f"Separation of duties: you cannot {action}; {instead}.", code="separation_of_duties")
