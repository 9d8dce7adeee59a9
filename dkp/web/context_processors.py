"""Template context every page needs: the guild's name, the demo flag, what the visitor may do."""

from django.conf import settings
from django.http import HttpRequest

from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, can, role_of


def guild(request: HttpRequest) -> dict:
    user = request.user
    return {
        "guild": GuildSettings.load(),
        "demo_mode": settings.DKP_DEMO,
        "viewer_role": role_of(user),
        "viewer_is_officer": can(user, Capability.MANAGE_GUILD),
    }
