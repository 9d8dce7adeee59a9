"""API doors for points: pools and their standings, events, and officers' point adjustments."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dkp.accounts.models import User
from dkp.characters.models import EqClass
from dkp.core.api import API_PERMISSIONS, ERROR_RESPONSES, WholeNumberLookup, acting_user
from dkp.core.fields import GuildFilterSet, WholeNumberField, WholeNumberRelatedField
from dkp.core.parsers import GuildJSONParser
from dkp.core.roles import Capability, RoleGroup
from dkp.points import pools, services
from dkp.points.models import DkpPool, PointAdjustment, UserPointsSummary
from dkp.points.selectors import (
    STANDINGS_CACHE_SECONDS,
    STANDINGS_ORDERINGS,
    standings_cache_key,
    standings_table,
)
from dkp.raids.models import Event
from dkp.raids.services import TICK_VALUE


class PoolSerializer(serializers.ModelSerializer[DkpPool]):
    tag_caps = serializers.DictField(child=WholeNumberField(pools.TAG_CAP), required=False)
    minimum_bid = WholeNumberField(pools.MINIMUM_BID, required=False)
    bid_increment = WholeNumberField(pools.BID_INCREMENT, required=False)
    decay_percent = WholeNumberField(pools.DECAY_PERCENT, required=False)
    decay_period_days = WholeNumberField(pools.DECAY_PERIOD_DAYS, required=False)
    decay_floor = WholeNumberField(pools.DECAY_FLOOR, required=False)

    class Meta:
        model = DkpPool
        fields = ["id", *pools.POOL_FIELDS]
        read_only_fields = ["id"]


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


class EventSerializer(serializers.ModelSerializer[Event]):
    pool_name = serializers.CharField(source="pool.name", read_only=True)
    pool = WholeNumberRelatedField(queryset=DkpPool.objects.all())
    default_tick_value = WholeNumberField(TICK_VALUE)

    class Meta:
        model = Event
        fields = ["id", "pool", "pool_name", "name", "default_tick_value", "is_active"]
        read_only_fields = ["id", "pool_name", "is_active"]


class AdjustmentSerializer(serializers.ModelSerializer[PointAdjustment]):
    user_name = serializers.CharField(source="user.name", read_only=True)
    pool_name = serializers.CharField(source="pool.name", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    class Meta:
        model = PointAdjustment
        fields = ["id", "user", "user_name", "pool", "pool_name", "amount", "reason", "created_by", "created_at"]
        read_only_fields = fields


class AdjustmentInputSerializer(serializers.Serializer[PointAdjustment]):
    user = WholeNumberRelatedField(queryset=User.objects.all())
    pool = WholeNumberRelatedField(queryset=DkpPool.objects.all())
    amount = WholeNumberField(services.ADJUSTMENT, help_text="Signed whole points, not zero.")
    reason = serializers.CharField(max_length=300)


@extend_schema_view(
    list=extend_schema(responses={200: PoolSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: PoolSerializer, **ERROR_RESPONSES}),
    create=extend_schema(responses={201: PoolSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(responses={200: PoolSerializer, **ERROR_RESPONSES}),
)
class PoolViewSet(
    WholeNumberLookup,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[DkpPool],
):
    """DKP pools and their auction and decay rules. Everyone in the guild reads; officers change."""

    permission_classes = API_PERMISSIONS
    parser_classes = [GuildJSONParser]
    serializer_class = PoolSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["is_active"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> QuerySet[DkpPool]:
        return DkpPool.objects.order_by("name")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = PoolSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pool = pools.create_pool(actor=acting_user(request), **payload.validated_data)
        return Response(PoolSerializer(pool).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pool = self.get_object()
        payload = PoolSerializer(pool, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        pool = pools.update_pool(pool=pool, actor=acting_user(request), **payload.validated_data)
        return Response(PoolSerializer(pool).data)

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
    @action(detail=True, methods=["get"], filter_backends=[])
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
        rows = standings_table(
            pool=pool,
            eq_class=params.get("class", ""),
            role_group=params.get("role", ""),
            order=order if order in STANDINGS_ORDERINGS else "balance",
        )
        page = self.paginate_queryset(rows)  # type: ignore[arg-type]  # another model than the viewset's
        response = self.get_paginated_response(StandingSerializer(page, many=True).data)  # type: ignore[arg-type]  # same reason
        cache.set(key, response.data, STANDINGS_CACHE_SECONDS)
        return response


@extend_schema_view(
    list=extend_schema(responses={200: EventSerializer(many=True), **ERROR_RESPONSES}),
    create=extend_schema(responses={201: EventSerializer, **ERROR_RESPONSES}),
)
class EventViewSet(WholeNumberLookup, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Event]):
    """Kinds of raid in a pool, with their usual points per tick."""

    permission_classes = API_PERMISSIONS
    parser_classes = [GuildJSONParser]
    serializer_class = EventSerializer
    filterset_fields = ["pool", "is_active"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> QuerySet[Event]:
        return Event.objects.select_related("pool").order_by("name")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = EventSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        event = pools.create_event(actor=acting_user(request), **payload.validated_data)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class AdjustmentFilter(GuildFilterSet):
    class Meta:
        model = PointAdjustment
        fields = ["user", "pool"]


@extend_schema_view(
    list=extend_schema(responses={200: AdjustmentSerializer(many=True), **ERROR_RESPONSES}),
    create=extend_schema(request=AdjustmentInputSerializer, responses={201: AdjustmentSerializer, **ERROR_RESPONSES}),
)
class AdjustmentViewSet(
    WholeNumberLookup, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[PointAdjustment]
):
    """Officers' manual point changes, each with its reason."""

    permission_classes = API_PERMISSIONS
    parser_classes = [GuildJSONParser]
    serializer_class = AdjustmentSerializer
    filterset_class = AdjustmentFilter
    ordering_fields = ["created_at", "amount"]
    read_capability = Capability.MANAGE_GUILD  # officers only, reads too

    def get_queryset(self) -> QuerySet[PointAdjustment]:
        return PointAdjustment.objects.select_related("user", "pool", "created_by").order_by("-created_at")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = AdjustmentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        adjustment = services.adjust_points(actor=acting_user(request), **payload.validated_data)
        return Response(AdjustmentSerializer(adjustment).data, status=status.HTTP_201_CREATED)
