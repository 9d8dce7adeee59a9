"""API keys in the API: authentication by key and the serializers of keys.

DRF's settings import this module (``ApiKeyAuthentication``) while ``rest_framework.views`` is
being defined, so it must not import views, generics or viewsets; the views are in ``api_views``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, serializers
from rest_framework.request import Request

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
        try:
            key = keys.authenticate_key(raw.strip())
        except GuildError as refused:
            raise exceptions.AuthenticationFailed(refused.message) from refused
        return key.owner, key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


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
