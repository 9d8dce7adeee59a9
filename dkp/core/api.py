"""The REST API's shared machinery: one error shape, pagination, throttling and the permission gates.

Every API view in every domain uses these: ``GuildPermission`` asks the role table
(``dkp.core.roles``) and the API key's scopes, and ``exception_handler`` turns every refusal
and every bad input into ``{"error": code, "detail": text}`` with the right status.

DRF's settings import this module while ``APIView`` is being defined, so it must never import
``rest_framework.views`` (or generics, viewsets) at run time.
"""

from __future__ import annotations

import logging
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import orjson
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.functional import Promise
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import UserRateThrottle

from dkp.core import faults
from dkp.core.errors import GuildError, InvalidInput
from dkp.core.numbers import PAGE_NUMBER, WholeNumber, record_id
from dkp.core.roles import Capability, can

if TYPE_CHECKING:
    from rest_framework.generics import GenericAPIView
    from rest_framework.views import APIView

    from dkp.accounts.models import User

    # To the type checker the mixin is the view it is mixed into; at run time a plain mixin, since
    # this module is imported while DRF is still defining its views (see the module's docstring).
    _LookupBase = GenericAPIView[Any]
else:
    _LookupBase = object

logger = logging.getLogger(__name__)


def acting_user(request: Request) -> User:
    """The signed-in user behind a request that passed ``IsAuthenticated``."""
    return cast("User", request.user)


_DRF_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Validation errors as ``{"field.sub": ["message", ...]}``, however deeply DRF nests them."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            out.update(_flatten(item, f"{prefix}[{index}]" if prefix else str(index)))
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def _validation_text(fields: dict[str, list[str]]) -> str:
    parts = []
    for name, messages in fields.items():
        text = " ".join(messages)
        parts.append(text if name == "non_field_errors" else f"{name}: {text}")
    return "; ".join(parts) or "The request is not valid."


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map every refusal to ``{"error": code, "detail": text}``; anything unexpected stays a 500.

    A fault of the database (``dkp.core.faults``) is a 503 with ``Retry-After``, unless it is a read
    that lost its connection: that goes up to ``FaultMiddleware``, which runs it again once.
    """
    fault = faults.classify(exc)
    if fault is not None:
        from rest_framework.views import set_rollback  # not at import time: see the module's docstring

        set_rollback()
        request = context.get("request")
        if request is not None and faults.may_retry(request._request, fault):
            return None
        faults.note(fault, exc, door="api")
        return faults.api_answer(fault)
    if isinstance(exc, GuildError | IntegrityError | Http404 | DjangoPermissionDenied | exceptions.APIException):
        from rest_framework.views import set_rollback  # not at import time: see the module's docstring

        set_rollback()  # a request-wide transaction (ATOMIC_REQUESTS) must not commit half a refusal
    if isinstance(exc, GuildError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, IntegrityError):
        # A race lost to another request (a unique row appeared meanwhile): the client may retry.
        logger.info("integrity error mapped to 409: %s", exc)
        return Response(
            {"error": "conflict", "detail": "Someone else changed this at the same moment; try again."}, status=409
        )
    if not isinstance(exc, exceptions.APIException):
        return None

    headers: dict[str, str] = {}
    body: dict[str, Any]
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        body = {"error": "invalid_input", "detail": _validation_text(fields), "fields": fields}
    else:
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
        body = {"error": code or str(exc.default_code), "detail": str(exc.detail)}
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        request = context.get("request")
        view = context.get("view")
        header = None
        if view is not None and request is not None:
            header = view.get_authenticate_header(request)
        headers["WWW-Authenticate"] = header or 'Bearer realm="api"'
        status = 401
    else:
        status = exc.status_code
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return Response(body, status=status, headers=headers)


ERROR_SERIALIZER = inline_serializer(
    "Error",
    fields={
        "error": serializers.CharField(help_text="Stable code for programs."),
        "detail": serializers.CharField(help_text="Text for people."),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Per-field messages, on invalid input only.",
        ),
    },
)
ERROR_RESPONSES = {
    code: OpenApiResponse(ERROR_SERIALIZER, description=text)
    for code, text in {
        400: "Bad input",
        401: "Not signed in or a bad API key",
        403: "Not allowed",
        404: "No such thing",
        405: "Method not allowed here",
        409: "Conflicts with the current state",
        415: "Unsupported media type (send JSON)",
        422: "Refused by a guild rule",
        429: "Too many requests",
    }.items()
}


MAX_PAGE_SIZE = 200
PAGE_SIZE = WholeNumber("page_size", 1, MAX_PAGE_SIZE, code="invalid_page_size")


def _json_default(value: Any) -> Any:
    """What orjson does not write itself, written as DRF's encoder writes it."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Promise):  # a lazy translation
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


class FastJSONRenderer(JSONRenderer):
    """JSON written by orjson: for the API's large read-only answers (the standings), the same JSON
    as DRF's renderer (compact, UTF-8, Decimals as numbers) in a fraction of the time."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=_json_default)


class Pagination(PageNumberPagination):
    """Pages of 50; ``?page=`` and ``?page_size=`` are read strictly (a 400 says why, never a guess)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:  # in a query string an empty parameter is the same as none
            return self.page_size
        return _query_number(PAGE_SIZE, raw)

    def get_page_number(self, request: Request, paginator: Any) -> int | str:
        raw = request.query_params.get(self.page_query_param)
        if not raw:
            return 1
        if raw in self.last_page_strings:
            return int(paginator.num_pages)
        return _query_number(PAGE_NUMBER, raw)


def _query_number(rule: WholeNumber, raw: str) -> int:
    try:
        return rule.parse(raw)
    except InvalidInput as error:
        raise InvalidInput(error.message, code=error.code, status=400) from None


class WholeNumberLookup(_LookupBase):
    """For viewsets: the id in the address (``/raids/<pk>/``) is read strictly before any query.

    ``/raids/²/`` or a 25-digit id is a 400 naming the id, not a database error; the parsed int
    replaces the text in ``self.kwargs``, so actions get a number. Checked after authentication
    and permissions, so a stranger still hears 401/403 first. ``GuildRouter`` insists on it.
    """

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        name = self.lookup_url_kwarg or self.lookup_field
        if name in self.kwargs:
            self.kwargs[name] = _query_number(record_id("The id in the address"), str(self.kwargs[name]))
        if request.method not in SAFE_METHODS:
            # Parse the body now, even where the action ignores it: a body nobody could read
            # (too deep, too large, not JSON) is refused before anything is written.
            _ = request.data


class KeyOrUserRateThrottle(UserRateThrottle):
    """Throttle each API key on its own; a signed-in session shares the user's bucket."""

    scope = "user"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        # A request's ``auth`` is either nothing (a session) or the API key it came with.
        key = getattr(request, "auth", None)
        if key is not None:
            return self.cache_format % {"scope": self.scope, "ident": f"key-{key.pk}"}
        if request.user is not None and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}"}
        return None  # anonymous requests are AnonRateThrottle's


# Scopes an API key can hold; each grants the ones listed.
SCOPE_GRANTS: dict[str, frozenset[str]] = {
    "read": frozenset({"read"}),
    "bid": frozenset({"read", "bid"}),
    "write": frozenset({"read", "bid", "write"}),
}


def key_grants(scopes: list[str]) -> frozenset[str]:
    granted: set[str] = set()
    for scope in scopes:
        granted |= SCOPE_GRANTS.get(scope, frozenset())
    return frozenset(granted)


class HasScope(BasePermission):
    """An API key may do only what its scopes allow; a session is not narrowed.

    Safe methods need ``read``. Unsafe ones need the view's ``required_scope`` (``write`` unless it
    says otherwise, e.g. ``bid`` for claiming a character), or ``scope_by_action[action]``.
    """

    message = "This API key's scopes do not allow this request."

    def has_permission(self, request: Request, view: APIView) -> bool:
        key = getattr(request, "auth", None)
        if key is None:  # a session: not narrowed
            return True
        if request.method in SAFE_METHODS:
            needed = "read"
        else:
            action = getattr(view, "action", None)
            needed = str(getattr(view, "scope_by_action", {}).get(action) or getattr(view, "required_scope", "write"))
        return needed in key_grants(list(key.scopes or []))


class HasCapability(BasePermission):
    """The role table says yes: ``capability_by_action`` per action, else read/write defaults.

    Safe methods default to ``Capability.VIEW_GUILD``, unsafe ones to ``Capability.MANAGE_GUILD``;
    ``None`` in the mapping means any signed-in user. The role is read from the user row on every
    request, so a demotion takes effect at once for sessions and keys alike.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        action = getattr(view, "action", None)
        mapping: dict[str | None, Capability | None] = getattr(view, "capability_by_action", {})
        if action in mapping:
            capability = mapping[action]
        elif request.method in SAFE_METHODS:
            capability = getattr(view, "read_capability", Capability.VIEW_GUILD)
        else:
            capability = getattr(view, "write_capability", Capability.MANAGE_GUILD)
        if capability is None:
            return True
        if not can(request.user, capability):
            self.message = f"Your role may not {capability.value}."
            return False
        return True


API_PERMISSIONS: list[type[BasePermission]] = [IsAuthenticated, HasScope, HasCapability]


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any /api/ path that names no endpoint: the API's 404 shape rather than Django's HTML page."""
    return JsonResponse({"error": "not_found", "detail": "No such API endpoint."}, status=404)
