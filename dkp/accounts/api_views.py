"""API views for people: ``me``, users and their ledgers, and API keys.

They live apart from ``dkp.accounts.api`` because DRF's settings import that module (for
``ApiKeyAuthentication``) while ``rest_framework.views`` is still being defined.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dkp.accounts import keys
from dkp.accounts.api import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeySerializer,
    MeSerializer,
    PointEntrySerializer,
    RoleGroupSerializer,
    UserSerializer,
)
from dkp.accounts.models import ApiKey, User
from dkp.characters.models import Character
from dkp.core.api import API_PERMISSIONS, ERROR_RESPONSES, WholeNumberLookup, acting_user
from dkp.core.errors import Forbidden
from dkp.core.fields import GuildFilterSet
from dkp.core.roles import Capability, can
from dkp.points.models import PointEntry, UserPointsSummary
from dkp.points.selectors import user_ledger


class LedgerFilter(GuildFilterSet):
    class Meta:
        model = PointEntry
        fields = ["pool", "kind"]


def _people() -> QuerySet[User]:
    return User.objects.select_related("main_character").order_by("username")


class MeView(APIView):
    """Who the request acts as: names, role group, characters and balances in every pool."""

    permission_classes = API_PERMISSIONS
    read_capability = None

    @extend_schema(responses={200: MeSerializer, **ERROR_RESPONSES})
    def get(self, request: Request) -> Response:
        me = _people().prefetch_related(
            Prefetch("characters", queryset=Character.objects.order_by("tag", "name")),
            Prefetch("point_summaries", queryset=UserPointsSummary.objects.select_related("pool").order_by("pool")),
        )
        return Response(MeSerializer(me.get(pk=acting_user(request).pk)).data)


@extend_schema_view(get=extend_schema(responses={200: PointEntrySerializer(many=True), **ERROR_RESPONSES}))
class MeLedgerView(ListAPIView[PointEntry]):
    """Your own point ledger, newest first."""

    permission_classes = API_PERMISSIONS
    read_capability = None
    serializer_class = PointEntrySerializer
    filterset_class = LedgerFilter
    ordering_fields = ["occurred_at", "amount"]

    def get_queryset(self) -> QuerySet[PointEntry]:
        if getattr(self, "swagger_fake_view", False):
            return PointEntry.objects.none()
        return user_ledger(user_id=acting_user(self.request).pk)


@extend_schema_view(
    list=extend_schema(responses={200: UserSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: UserSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(request=RoleGroupSerializer, responses={200: UserSerializer, **ERROR_RESPONSES}),
)
class UserViewSet(
    WholeNumberLookup,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[User],
):
    """Guild people. Members and above read; officers change role groups."""

    permission_classes = API_PERMISSIONS
    serializer_class = UserSerializer
    http_method_names = ["get", "patch", "head", "options"]
    filterset_fields = ["role_group"]
    ordering_fields = ["username", "display_name", "member_since"]
    capability_by_action = {"ledger": Capability.VIEW_GUILD}

    def get_queryset(self) -> QuerySet[User]:
        return _people()

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = RoleGroupSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = keys.set_role_group(
            user=self.get_object(), role_group=payload.validated_data["role_group"], actor=acting_user(request)
        )
        return Response(UserSerializer(user).data)

    @extend_schema(
        parameters=[OpenApiParameter("pool", int, description="Only this pool's entries.")],
        responses={200: PointEntrySerializer(many=True), **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"])
    def ledger(self, request: Request, pk: str) -> Response:
        """A user's point ledger: your own, or anyone's for officers."""
        person = self.get_object()
        if person.pk != request.user.pk and not can(acting_user(request), Capability.MANAGE_GUILD):
            raise Forbidden("Only officers read other people's ledgers.")
        entries = self.filter_queryset_for(user_ledger(user_id=person.pk))
        page = self.paginate_queryset(entries)  # type: ignore[arg-type]  # another model than the viewset's
        return self.get_paginated_response(PointEntrySerializer(page, many=True).data)  # type: ignore[arg-type]  # same reason

    def filter_queryset_for(self, entries: QuerySet[PointEntry]) -> QuerySet[PointEntry]:
        # The same filters as /me/ledger/, so ?pool=² is the same 400 on both.
        filters = LedgerFilter(self.request.query_params, queryset=entries, request=self.request)
        if not filters.is_valid():
            raise ValidationError(filters.errors)  # a 400 in the one error shape, naming the filter
        return filters.qs


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
