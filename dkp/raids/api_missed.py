"""API doors for missed-tick requests: members ask (a ``bid``-scope action), officers approve or deny."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dkp.characters.models import Character
from dkp.core.api import API_PERMISSIONS, ERROR_RESPONSES, WholeNumberLookup, acting_user
from dkp.core.errors import NotFound
from dkp.core.fields import GuildFilterSet, WholeNumberRelatedField
from dkp.core.models import RequestStatus
from dkp.core.roles import Capability
from dkp.raids import missed
from dkp.raids.models import MissedTickRequest, RaidTick


class MissedTickRequestSerializer(serializers.ModelSerializer[MissedTickRequest]):
    user_name = serializers.CharField(source="user.name", read_only=True)
    character_name = serializers.CharField(source="character.name", read_only=True)
    tick_occurred_at = serializers.DateTimeField(source="tick.occurred_at", read_only=True)
    tick_value = serializers.IntegerField(source="tick.value", read_only=True)
    raid = serializers.IntegerField(source="tick.raid_id", read_only=True)
    event_name = serializers.CharField(source="tick.raid.event.name", read_only=True)

    class Meta:
        model = MissedTickRequest
        fields = [
            "id",
            "tick",
            "tick_occurred_at",
            "tick_value",
            "raid",
            "event_name",
            "user",
            "user_name",
            "character",
            "character_name",
            "evidence",
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created_at",
        ]
        read_only_fields = fields


class MissedTickInputSerializer(serializers.Serializer[MissedTickRequest]):
    tick = WholeNumberRelatedField(queryset=RaidTick.objects.select_related("raid__event__pool"))
    character = WholeNumberRelatedField(queryset=Character.objects.all())
    evidence = serializers.CharField(
        max_length=missed.EVIDENCE_MAX, help_text="A log line or note showing you were there."
    )


class MissedTickDecisionSerializer(serializers.Serializer[MissedTickRequest]):
    reason = serializers.CharField(
        max_length=missed.REASON_MAX, required=False, allow_blank=True, default="", help_text="Required to deny."
    )


class MissedTickRequestFilter(GuildFilterSet):
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)

    class Meta:
        model = MissedTickRequest
        fields = ["status", "tick", "user"]


@extend_schema_view(
    list=extend_schema(responses={200: MissedTickRequestSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: MissedTickRequestSerializer, **ERROR_RESPONSES}),
)
class MissedTickRequestViewSet(
    WholeNumberLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[MissedTickRequest]
):
    """Missed-tick requests: members see and make their own; officers see all and decide."""

    permission_classes = API_PERMISSIONS
    serializer_class = MissedTickRequestSerializer
    filterset_class = MissedTickRequestFilter
    ordering_fields = ["created_at", "status", "decided_at"]
    capability_by_action = {
        "list": Capability.BID,
        "retrieve": Capability.BID,
        "create": Capability.BID,
        "approve": Capability.MANAGE_GUILD,
        "deny": Capability.MANAGE_GUILD,
    }
    scope_by_action = {"create": "bid"}

    def get_queryset(self) -> QuerySet[MissedTickRequest]:
        if getattr(self, "swagger_fake_view", False):
            return MissedTickRequest.objects.none()
        return missed.visible_missed_ticks(viewer=acting_user(self.request))

    def _request(self, pk: int | str) -> MissedTickRequest:
        found = self.get_queryset().filter(pk=int(pk)).first()  # WholeNumberLookup has read the id
        if found is None:
            raise NotFound("No such missed-tick request.")
        return found

    @extend_schema(request=MissedTickInputSerializer, responses={201: MissedTickRequestSerializer, **ERROR_RESPONSES})
    def create(self, request: Request) -> Response:
        """Ask for a tick the attendance missed, as one of your own characters."""
        payload = MissedTickInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created = missed.request_missed_tick(
            tick=payload.validated_data["tick"],
            character=payload.validated_data["character"],
            evidence=payload.validated_data["evidence"],
            requester=acting_user(request),
        )
        return Response(
            MissedTickRequestSerializer(self._request(str(created.pk))).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=MissedTickDecisionSerializer, responses={200: MissedTickRequestSerializer, **ERROR_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Add the character to the tick and credit it once, dated to the tick."""
        payload = MissedTickDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = missed.approve_missed_tick(
            request=self._request(pk), actor=acting_user(request), reason=payload.validated_data["reason"]
        )
        return Response(MissedTickRequestSerializer(decided).data)

    @extend_schema(
        request=MissedTickDecisionSerializer, responses={200: MissedTickRequestSerializer, **ERROR_RESPONSES}
    )
    @action(detail=True, methods=["post"])
    def deny(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Refuse with a reason the member reads."""
        payload = MissedTickDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = missed.deny_missed_tick(
            request=self._request(pk), actor=acting_user(request), reason=payload.validated_data["reason"]
        )
        return Response(MissedTickRequestSerializer(decided).data)
