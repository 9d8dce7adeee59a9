"""The API's schema and its two docs pages, under the Content-Security-Policy and the docs setting.

``API_DOCS_PUBLIC`` (settings, default on) says whether anonymous visitors may read them; off, the
schema answers 401 to a request without a key or a session and the docs pages send the visitor to
sign in first. Swagger UI's start-up script is served as a file of its own (drf-spectacular's split
view) and both pages come from our templates: no inline script or style, no web fonts from Google.
Redoc styles itself with <style> elements it writes at run time and searches in a worker made from a
blob: URL, so its page alone allows inline styles and blob: workers (scripts stay 'self' only).
"""

from __future__ import annotations

from typing import Any, NoReturn

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView


def docs_visible_to(request: HttpRequest | Request) -> bool:
    """Whether this visitor may read the schema and the docs: anyone when they are public, else members."""
    return bool(settings.API_DOCS_PUBLIC or request.user.is_authenticated)


class DocsVisibility(BasePermission):
    message = "The API schema is for signed-in members: sign in, or send your API key."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return docs_visible_to(request)


class SchemaView(SpectacularAPIView):
    permission_classes = [DocsVisibility]

    def permission_denied(self, request: Request, message: str | None = None, code: str | None = None) -> NoReturn:
        # Only an anonymous visitor is ever refused: 401, saying how to get in.
        raise NotAuthenticated(DocsVisibility.message)


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not docs_visible_to(request):  # members only: sign in, then back here
            return redirect_to_login(request.get_full_path())
        return super().get(request, *args, **kwargs)


@method_decorator(csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]}), name="dispatch")
class RedocView(SpectacularRedocView):
    template_name = "api/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not docs_visible_to(request):
            return redirect_to_login(request.get_full_path())
        return super().get(request, *args, **kwargs)
