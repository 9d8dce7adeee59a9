"""Pages: a GuildError that escapes a view becomes a page with its status and message."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dkp.core.errors import GuildError


class GuildErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
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
