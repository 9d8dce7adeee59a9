"""Pages: a GuildError that escapes a view becomes a page with its status and message.

A refusal of someone who is not signed in sends them to sign in instead, with ``next`` back to the
page, on every page alike (``require()`` raises the same ``Forbidden`` for everyone; only here is it
told apart). The API answers for itself (DRF's handler turns the error into JSON before it gets here).
"""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from dkp.core.errors import Forbidden, GuildError


def _back_to(request: HttpRequest) -> str:
    """Where sign-in should return to: the page itself, or for a form or an htmx part, the page it came from."""
    if request.method in ("GET", "HEAD") and not request.headers.get("HX-Request"):
        return request.get_full_path()
    came_from = request.headers.get("HX-Current-URL") or request.headers.get("Referer") or ""
    if came_from and url_has_allowed_host_and_scheme(came_from, allowed_hosts={request.get_host()}):
        parts = urlsplit(came_from)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


def _sign_in_first(request: HttpRequest) -> HttpResponse:
    response = redirect_to_login(_back_to(request))
    if request.headers.get("HX-Request"):
        # htmx would swap the sign-in page into a fragment; have it load the whole page instead.
        htmx = HttpResponse(status=204)
        htmx["HX-Redirect"] = response["Location"]
        return htmx
    return response


class GuildErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Forbidden) and not request.user.is_authenticated:
            return _sign_in_first(request)
        if isinstance(exception, GuildError):
            return render(request, "web/error.html", {"error": exception}, status=exception.status)
        return None


class GuildTimeZoneMiddleware:
    """Show every time in the guild's own time zone: raid times are planned in it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        import zoneinfo

        from django.utils import timezone

        from dkp.core.models import GuildSettings

        with GuildSettings.for_request() as guild:
            try:
                timezone.activate(zoneinfo.ZoneInfo(guild.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            try:
                return self.get_response(request)
            finally:
                timezone.deactivate()
