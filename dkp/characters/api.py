"""API doors for characters: listing, claiming (a ``bid``-scope action), claim decisions and transfers."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dkp.accounts.models import User
from dkp.characters import services
from dkp.characters.models import Character, CharacterClaimRequest, ClaimStatus, EqClass
from dkp.core.api import API_PERMISSIONS, ERROR_RESPONSES, WholeNumberLookup, acting_user
from dkp.core.errors import NotFound
from dkp.core.fields import GuildFilterSet, IdFilter, WholeNumberRelatedField
from dkp.core.roles import Capability, can
from dkp.raids import ownership


class CharacterSerializer(serializers.ModelSerializer[Character]):
    owner_name = serializers.CharField(source="owner.name", read_only=True, allow_null=True)

    class Meta:
        model = Character
        fields = ["id", "name", "eq_class", "level", "race", "tag", "is_active", "owner", "owner_name"]
        read_only_fields = fields


class ClaimRequestSerializer(serializers.ModelSerializer[CharacterClaimRequest]):
    character_name = serializers.CharField(source="character.name", read_only=True)
    requester_name = serializers.CharField(source="requester.name", read_only=True)

    class Meta:
        model = CharacterClaimRequest
        fields = [
            "id",
            "character",
            "character_name",
            "requester",
            "requester_name",
            "note",
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created_at",
        ]
        read_only_fields = fields


class ClaimInputSerializer(serializers.Serializer[CharacterClaimRequest]):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DecisionInputSerializer(serializers.Serializer[CharacterClaimRequest]):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class TransferInputSerializer(serializers.Serializer[Character]):
    to_user = WholeNumberRelatedField(queryset=User.objects.all())
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CharacterFilter(GuildFilterSet):
    eq_class = django_filters.ChoiceFilter(field_name="eq_class", choices=EqClass.choices, label="class")
    # A whole-number id within the database's range: a fraction or 1e300 is a 400, not a crash.
    owner = IdFilter(field_name="owner_id")
    unclaimed = django_filters.BooleanFilter(field_name="owner", lookup_expr="isnull")
    name = django_filters.CharFilter(field_name="name", lookup_expr="istartswith")

    class Meta:
        model = Character
        fields = ["eq_class", "owner", "unclaimed", "name", "is_active"]


@extend_schema_view(
    list=extend_schema(responses={200: CharacterSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: CharacterSerializer, **ERROR_RESPONSES}),
)
class CharacterViewSet(WholeNumberLookup, viewsets.ReadOnlyModelViewSet[Character]):
    """Characters seen in the guild, claimed or not."""

    permission_classes = API_PERMISSIONS
    serializer_class = CharacterSerializer
    filterset_class = CharacterFilter
    ordering_fields = ["name", "level", "eq_class"]
    capability_by_action = {"claim": Capability.BID, "transfer": Capability.MANAGE_GUILD}
    scope_by_action = {"claim": "bid"}

    def get_queryset(self) -> QuerySet[Character]:
        return Character.objects.select_related("owner").order_by("name")

    @extend_schema(request=ClaimInputSerializer, responses={201: ClaimRequestSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        """Ask to own this character; an officer decides."""
        payload = ClaimInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        claim = services.request_claim(
            character=self.get_object(), requester=acting_user(request), note=payload.validated_data["note"]
        )
        return Response(ClaimRequestSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TransferInputSerializer, responses={200: CharacterSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str) -> Response:
        """Give the character to another user. Points stay where they were earned."""
        payload = TransferInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        character = self.get_object()
        ownership.transfer_character(
            character=character,
            to_user=payload.validated_data["to_user"],
            actor=acting_user(request),
            reason=payload.validated_data["reason"],
        )
        character.refresh_from_db()
        return Response(CharacterSerializer(character).data)


class ClaimRequestFilter(GuildFilterSet):
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)

    class Meta:
        model = CharacterClaimRequest
        fields = ["status", "character", "requester"]


@extend_schema_view(list=extend_schema(responses={200: ClaimRequestSerializer(many=True), **ERROR_RESPONSES}))
class ClaimRequestViewSet(WholeNumberLookup, mixins.ListModelMixin, viewsets.GenericViewSet[CharacterClaimRequest]):
    """Character claim requests: officers see all, members their own. Officers approve or deny."""

    permission_classes = API_PERMISSIONS
    serializer_class = ClaimRequestSerializer
    filterset_class = ClaimRequestFilter
    ordering_fields = ["created_at", "status"]
    capability_by_action = {
        "list": Capability.BID,
        "approve": Capability.MANAGE_GUILD,
        "deny": Capability.MANAGE_GUILD,
    }

    def get_queryset(self) -> QuerySet[CharacterClaimRequest]:
        claims = CharacterClaimRequest.objects.select_related("character", "requester").order_by("-created_at")
        if getattr(self, "swagger_fake_view", False):
            return claims.none()
        if can(self.request.user, Capability.MANAGE_GUILD):
            return claims
        return claims.filter(requester_id=self.request.user.pk)

    def _claim(self, pk: int | str) -> CharacterClaimRequest:
        claim = self.get_queryset().filter(pk=int(pk)).first()  # WholeNumberLookup has read the id
        if claim is None:
            raise NotFound("No such claim request.")
        return claim

    @extend_schema(request=DecisionInputSerializer, responses={200: ClaimRequestSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str, **kwargs: Any) -> Response:
        payload = DecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        claim = ownership.approve_claim(
            claim=self._claim(pk), actor=acting_user(request), reason=payload.validated_data["reason"]
        )
        return Response(ClaimRequestSerializer(claim).data)

    @extend_schema(request=DecisionInputSerializer, responses={200: ClaimRequestSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def deny(self, request: Request, pk: str, **kwargs: Any) -> Response:
        payload = DecisionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        claim = services.deny_claim(
            claim=self._claim(pk), actor=acting_user(request), reason=payload.validated_data["reason"]
        )
        return Response(ClaimRequestSerializer(claim).data)
