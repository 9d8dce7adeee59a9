"""API keys in the API: authentication by key and the serializers of keys.

DRF's settings import this module (``ApiKeyAuthentication``) while ``rest_framework.views`` is
being defined, so it must not import views, generics or viewsets; the views are in ``api_views``.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, serializers
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from dkp.accounts import keys
from dkp.accounts.models import ApiKey, User
from dkp.core.errors import GuildError


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer dkp_...``. The key acts as its owner, narrowed by its scopes (``HasScope``)."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, raw = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        address = _client_address(request)
        wait = _locked_out_for(address)
        if wait:
            raise exceptions.Throttled(
                wait=wait,
                detail=f"Too many wrong API keys from this address; try again in {wait} seconds.",
            )
        try:
            key = keys.authenticate_key(raw.strip())
        except GuildError as refused:
            _count_failure(address)
            raise exceptions.AuthenticationFailed(refused.message) from refused
        return key.owner, key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


# --- Wrong keys, counted per client address --------------------------------------------------
#
# ``API_KEY_FAILURES`` wrong keys from one address within ``API_KEY_FAILURE_WINDOW`` seconds lock
# that address out of key authentication until the window (counted from the first failure) ends;
# every request with a key then answers 429 with ``Retry-After``. A right key is not counted, and
# another address is not affected. The count lives in the project's cache (Redis in production).


def _client_address(request: Request) -> str:
    # DRF's own reading of the address (``NUM_PROXIES`` decides how much of X-Forwarded-For counts),
    # the same one its anonymous throttle uses.
    return BaseThrottle().get_ident(request) or "unknown"


def _cache_keys(address: str) -> tuple[str, str]:
    return f"dkp:api-key-failures:{address}", f"dkp:api-key-failures-since:{address}"


def _locked_out_for(address: str) -> int:
    """Seconds until this address may try a key again; 0 when it may now."""
    count_key, since_key = _cache_keys(address)
    found = cache.get_many([count_key, since_key])
    if found.get(count_key, 0) < settings.API_KEY_FAILURES:
        return 0
    since = found.get(since_key, time.time())
    return max(1, math.ceil(since + settings.API_KEY_FAILURE_WINDOW - time.time()))


def _count_failure(address: str) -> None:
    # ``add`` starts a window only when none is running and ``incr`` is atomic (in Redis too), so
    # wrong keys sent in parallel are all counted.
    count_key, since_key = _cache_keys(address)
    window = settings.API_KEY_FAILURE_WINDOW
    cache.add(since_key, time.time(), timeout=window)
    cache.add(count_key, 0, timeout=window)
    try:
        cache.incr(count_key)
    except ValueError:  # the window ended between add and incr: this failure starts the next one
        cache.set(count_key, 1, timeout=window)


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "dkp.accounts.api.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "dkp_<prefix>_<secret>"}


# --- serializers ---------------------------------------------------------------------------


class ApiKeySerializer(serializers.ModelSerializer[ApiKey]):
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKey.Scope.choices), read_only=True)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scopes", "expires_at", "last_used_at", "revoked_at", "created_at"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer[ApiKey]):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiKey.Scope.choices), min_length=1, max_length=3
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown only in this response; store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "secret"]
        read_only_fields = fields
