"""API views for API keys: a member's own keys, made, listed and revoked.

They live apart from ``dkp.accounts.api`` because DRF's settings import that module (for
``ApiKeyAuthentication``) while ``rest_framework.views`` is still being defined.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from dkp.accounts import keys
from dkp.accounts.api import ApiKeyCreatedSerializer, ApiKeyCreateSerializer, ApiKeySerializer
from dkp.accounts.models import ApiKey
from dkp.core.api import API_PERMISSIONS, ERROR_RESPONSES, WholeNumberLookup, acting_user
from dkp.core.roles import Capability


@extend_schema_view(
    list=extend_schema(responses={200: ApiKeySerializer(many=True), **ERROR_RESPONSES}),
    create=extend_schema(
        request=ApiKeyCreateSerializer,
        responses={
            201: OpenApiResponse(ApiKeyCreatedSerializer, "The key, with its secret shown this once."),
            **ERROR_RESPONSES,
        },
    ),
    destroy=extend_schema(responses={204: None, **ERROR_RESPONSES}),
)
class ApiKeyViewSet(
    WholeNumberLookup,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[ApiKey],
):
    """Your API keys. The secret appears once, in the answer to creating a key."""

    permission_classes = API_PERMISSIONS
    serializer_class = ApiKeySerializer
    capability_by_action = {
        "list": Capability.OWN_API_KEYS,
        "create": Capability.OWN_API_KEYS,
        "destroy": Capability.OWN_API_KEYS,
    }
    ordering_fields = ["created_at", "name"]
    filterset_fields: list[str] = []

    def get_queryset(self) -> QuerySet[ApiKey]:
        if getattr(self, "swagger_fake_view", False):
            return ApiKey.objects.none()
        return ApiKey.objects.filter(owner=acting_user(self.request)).order_by("-created_at")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = ApiKeyCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        key, secret = keys.create_api_key(
            owner=acting_user(request),
            name=payload.validated_data["name"],
            scopes=payload.validated_data["scopes"],
            expires_at=payload.validated_data.get("expires_at"),
            actor=acting_user(request),
        )
        data = {**ApiKeySerializer(key).data, "secret": secret}
        return Response(data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        keys.revoke_api_key(key=self.get_object(), actor=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
