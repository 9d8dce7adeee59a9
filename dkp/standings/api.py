"""API views for members: ``me``, the users with their characters and balances, and their ledgers.

A member's page of the API combines accounts, characters and the ledger, so it lives with the read
model rather than in any one of them.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dkp.accounts import keys
from dkp.accounts.models import User
from dkp.characters.models import Character, EqClass
from dkp.core.api import API_PERMISSIONS, ERROR_RESPONSES, FastJSONRenderer, WholeNumberLookup, acting_user
from dkp.core.errors import Forbidden
from dkp.core.fields import GuildFilterSet
from dkp.core.roles import Capability, RoleGroup, can
from dkp.points import api as points_api
from dkp.points.models import DkpPool, PointEntry, UserPointsSummary
from dkp.points.selectors import user_ledger
from dkp.standings.selectors import (
    STANDINGS_CACHE_SECONDS,
    STANDINGS_ORDERINGS,
    StandingRow,
    standing_rows,
    standings_cache_key,
    standings_count,
)


class CharacterBriefSerializer(serializers.ModelSerializer[Character]):
    class Meta:
        model = Character
        fields = ["id", "name", "eq_class", "level", "tag"]


class BalanceSerializer(serializers.ModelSerializer[UserPointsSummary]):
    pool_name = serializers.CharField(source="pool.name", read_only=True)

    class Meta:
        model = UserPointsSummary
        fields = ["pool", "pool_name", "balance", "earned", "spent", "adjusted", "decayed", "lifetime_earned"]


class UserSerializer(serializers.ModelSerializer[User]):
    name = serializers.CharField(read_only=True)
    main_character = serializers.CharField(source="main_character.name", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "display_name",
            "discord_username",
            "discord_id",
            "role_group",
            "member_since",
            "main_character",
        ]
        read_only_fields = fields


class RoleGroupSerializer(serializers.Serializer[User]):
    role_group = serializers.ChoiceField(choices=RoleGroup.choices)


class MeSerializer(UserSerializer):
    characters = CharacterBriefSerializer(many=True, read_only=True)
    balances = BalanceSerializer(source="point_summaries", many=True, read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "characters", "balances"]
        read_only_fields = fields


class PointEntrySerializer(serializers.ModelSerializer[PointEntry]):
    pool_name = serializers.CharField(source="pool.name", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    class Meta:
        model = PointEntry
        fields = ["id", "pool", "pool_name", "amount", "kind", "character_name", "memo", "occurred_at", "created_by"]
        read_only_fields = fields


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
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(PointEntrySerializer(page, many=True).data)

    def filter_queryset_for(self, entries: QuerySet[PointEntry]) -> QuerySet[PointEntry]:
        # The same filters as /me/ledger/, so ?pool=² is the same 400 on both.
        filters = LedgerFilter(self.request.query_params, queryset=entries, request=self.request)
        if not filters.is_valid():
            raise ValidationError(filters.errors)  # a 400 in the one error shape, naming the filter
        return filters.qs


class StandingSerializer(serializers.ModelSerializer[UserPointsSummary]):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)
    role_group = serializers.CharField(source="user.role_group", read_only=True)
    main_character = serializers.CharField(source="user.main_character.name", read_only=True, allow_null=True)
    eq_class = serializers.CharField(source="user.main_character.eq_class", read_only=True, allow_null=True)
    attendance_30 = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False, read_only=True)
    attendance_60 = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False, read_only=True)
    attendance_90 = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False, read_only=True)
    attendance_lifetime = serializers.DecimalField(
        max_digits=5, decimal_places=2, coerce_to_string=False, read_only=True
    )

    class Meta:
        model = UserPointsSummary
        fields = [
            "user",
            "username",
            "name",
            "role_group",
            "main_character",
            "eq_class",
            "balance",
            "earned",
            "spent",
            "adjusted",
            "decayed",
            "lifetime_earned",
            "attendance_30",
            "attendance_60",
            "attendance_90",
            "attendance_lifetime",
        ]
        read_only_fields = fields


def _standing_json(row: StandingRow) -> dict[str, object]:
    """One row of the API's standings: ``StandingSerializer``'s fields, in its order, from the row."""
    values = row._asdict()
    named = {"user": row.user_id, "username": row.username, "name": row.name}
    return {field: named[field] if field in named else values[field] for field in StandingSerializer.Meta.fields}


class _StandingPages:
    """The standings as the paginator sees a sequence: a count, and a slice read as ``StandingRow``."""

    def __init__(self, *, pool: DkpPool, eq_class: str, role_group: str, order: str) -> None:
        self.pool, self.eq_class, self.role_group, self.order = pool, eq_class, role_group, order

    def count(self) -> int:
        return standings_count(pool=self.pool, eq_class=self.eq_class, role_group=self.role_group)

    def __getitem__(self, window: slice) -> list[StandingRow]:
        start = window.start or 0
        return standing_rows(
            pool=self.pool,
            eq_class=self.eq_class,
            role_group=self.role_group,
            order=self.order,
            offset=start,
            limit=window.stop - start,
        )


class PoolViewSet(points_api.PoolViewSet):
    """DKP pools with their standings: the pools of ``dkp.points.api`` and the read model's ``standings``."""

    @extend_schema(
        parameters=[
            OpenApiParameter("class", str, enum=EqClass.values, description="Main character's class."),
            OpenApiParameter("role", str, enum=RoleGroup.values, description="Role group."),
            OpenApiParameter("ordering", str, enum=list(STANDINGS_ORDERINGS), description="Sort; balance first."),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: StandingSerializer(many=True), **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"], filter_backends=[], renderer_classes=[FastJSONRenderer, BrowsableAPIRenderer])
    def standings(self, request: Request, pk: str) -> Response:
        """The pool's standings with attendance, filtered by class and role group."""
        params = request.query_params
        order = params.get("ordering", "balance")
        pool = self.get_object()
        # Every reader gets the same answer until the standings change: cached under a key that
        # changes with each ledger write and attendance refresh (see the standings page).
        key = standings_cache_key(pool=pool, variant=f"api:{request.build_absolute_uri()}")
        cached = cache.get(key)
        if cached is not None:
            return Response(cached)
        pages = _StandingPages(
            pool=pool,
            eq_class=params.get("class", ""),
            role_group=params.get("role", ""),
            order=order if order in STANDINGS_ORDERINGS else "balance",
        )
        page = self.paginate_queryset(pages)  # type: ignore[arg-type]  # a sequence the paginator slices
        response = self.get_paginated_response([_standing_json(row) for row in cast(list[StandingRow], page or [])])
        cache.set(key, response.data, STANDINGS_CACHE_SECONDS)
        return response
