"""API doors for points: pools and officers' point adjustments (a pool's standings: ``dkp.standings.api``)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from dkp.accounts.models import User
from dkp.core.api import API_PERMISSIONS, ERROR_RESPONSES, WholeNumberLookup, acting_user
from dkp.core.fields import GuildFilterSet, WholeNumberField, WholeNumberRelatedField
from dkp.core.parsers import GuildJSONParser
from dkp.core.roles import Capability
from dkp.points import pools, services
from dkp.points.models import DkpPool, PointAdjustment


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
