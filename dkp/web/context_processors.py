"""Template context every page needs: the guild's name, the demo flag, what the visitor may do and open."""

from weakref import WeakKeyDictionary

from django.conf import settings
from django.http import HttpRequest

from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, can, role_of
from dkp.web.navigation import Navigation, navigation_for

# The navigation of each request in flight, so a request that renders several templates (a page and
# its error page, a fragment) works it out once; an entry goes with its request.
_navigations: WeakKeyDictionary[HttpRequest, Navigation] = WeakKeyDictionary()


def _navigation(request: HttpRequest) -> Navigation:
    navigation = _navigations.get(request)
    if navigation is None:
        navigation = _navigations[request] = navigation_for(request)
    return navigation


def guild(request: HttpRequest) -> dict:
    user = request.user
    return {
        "guild": GuildSettings.load(),
        "demo_mode": settings.DKP_DEMO,
        "viewer_role": role_of(user),
        "viewer_is_officer": can(user, Capability.MANAGE_GUILD),
        "nav": _navigation(request),
    }
