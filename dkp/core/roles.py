"""Role groups and what each may do: the single table of DESIGN.md §6.

Every door (pages, API, bot, admin) asks ``can()`` or ``require()``; no other module decides
who may do what.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, cast

from django.db import models

from dkp.core.errors import Forbidden

if TYPE_CHECKING:
    from django.http import HttpRequest

    from dkp.accounts.models import User


class RoleGroup(models.TextChoices):
    OFFICER = "officer", "Officer"
    RECRUITER = "recruiter", "Recruiter"
    DEVELOPER = "developer", "Developer"
    MEMBER = "member", "Member"
    APPLICANT = "applicant", "Applicant"
    GUEST = "guest", "Guest"


# Highest first: when a Discord member holds several mapped roles, the first one here wins.
ROLE_PRECEDENCE: tuple[RoleGroup, ...] = (
    RoleGroup.OFFICER,
    RoleGroup.RECRUITER,
    RoleGroup.DEVELOPER,
    RoleGroup.MEMBER,
    RoleGroup.APPLICANT,
    RoleGroup.GUEST,
)

GUILD_MEMBERS = frozenset({RoleGroup.MEMBER, RoleGroup.RECRUITER, RoleGroup.DEVELOPER, RoleGroup.OFFICER})
OUTSIDERS = frozenset({RoleGroup.GUEST, RoleGroup.APPLICANT})


class Capability(enum.Enum):
    VIEW_GUILD = "view standings, raids and loot"
    APPLY = "apply and follow your own application"
    BID = "bid, claim characters and request missed ticks"
    VOTE = "vote on applications"
    READ_APPLICATIONS = "read applications and member comments"
    MOVE_APPLICATIONS = "move applications and write officer-only comments"
    OWN_API_KEYS = "hold API keys"
    VIEW_SYSTEM = "see Discord sync logs and system health"
    MANAGE_GUILD = "manage raids, ticks, auctions, loot, points, characters, users and roles"
    DECIDE_APPLICATIONS = "accept or reject applications"


PERMISSIONS: dict[Capability, frozenset[RoleGroup]] = {
    Capability.VIEW_GUILD: GUILD_MEMBERS,  # outsiders too when the guild makes it public
    Capability.APPLY: OUTSIDERS,
    Capability.BID: GUILD_MEMBERS,
    Capability.VOTE: GUILD_MEMBERS,
    Capability.READ_APPLICATIONS: GUILD_MEMBERS,
    Capability.MOVE_APPLICATIONS: frozenset({RoleGroup.RECRUITER, RoleGroup.OFFICER}),
    Capability.OWN_API_KEYS: GUILD_MEMBERS,
    Capability.VIEW_SYSTEM: frozenset({RoleGroup.DEVELOPER, RoleGroup.OFFICER}),
    Capability.MANAGE_GUILD: frozenset({RoleGroup.OFFICER}),
    Capability.DECIDE_APPLICATIONS: frozenset({RoleGroup.OFFICER}),
}


def role_of(user: User | Any | None) -> RoleGroup:
    """The role group a request acts with; anonymous visitors are guests."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return RoleGroup.GUEST
    return RoleGroup(user.role_group)


def can(user: User | Any | None, capability: Capability) -> bool:
    role = role_of(user)
    if role in PERMISSIONS[capability]:
        return True
    if capability is Capability.VIEW_GUILD and role in OUTSIDERS:
        from dkp.core.models import GuildSettings

        return GuildSettings.load().standings_public
    return False


def require(user: User | Any | None, capability: Capability) -> None:
    """Raise ``Forbidden`` naming the capability when the user's role group lacks it."""
    if not can(user, capability):
        role = role_of(user).label.lower()
        article = "An" if role[0] in "aeiou" else "A"
        raise Forbidden(f"{article} {role} may not {capability.value}.")


def require_officer(request: HttpRequest) -> User:
    """The signed-in officer behind a page only officers may use; ``Forbidden`` for anyone else."""
    require(request.user, Capability.MANAGE_GUILD)
    return cast("User", request.user)
