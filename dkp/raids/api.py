"""API doors for raids: raid nights, their ticks (taken from dumps, a /who paste or names), and the guild dump.

Taking a tick (``POST /ticks/``) accepts, with ``raid``:
- multipart ``files`` (one or more raid dumps) and ``preview`` (``true`` answers the preview and its
  ``token`` without saving; ``false``, the default, saves at once);
- JSON ``who`` (a pasted ``/who`` excerpt) or ``characters`` (names of known characters, with
  ``occurred_at``), with the same ``preview`` flag;
- JSON ``preview_token`` from an earlier preview, to save exactly what it showed.
``value``, ``description`` and ``occurred_at`` may be given with any of them. A preview that cannot be
saved answers 422 (409 for a file already taken) with the error shape and the preview beside it.

A tick time more than 12 hours from the raid night's start (``dkp.raids.services.OTHER_DAY_AFTER``: a
dump from another day) is saved only with ``other_day: true``; without it the save answers 422
``other_day`` and nothing is written. A preview names it in ``other_day_warning`` (empty otherwise).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from dkp.core.api import API_PERMISSIONS, ERROR_RESPONSES, ERROR_SERIALIZER, WholeNumberLookup, acting_user
from dkp.core.errors import InvalidInput
from dkp.core.fields import GuildFilterSet, IdFilter, WholeNumberField, WholeNumberRelatedField
from dkp.core.parsers import GuildJSONParser
from dkp.core.roles import Capability
from dkp.points.models import DkpPool
from dkp.raids import ingest, services
from dkp.raids.guild_dump import import_guild_dump
from dkp.raids.models import Event, Raid, RaidAttendance, RaidTick


class RaidSerializer(serializers.ModelSerializer[Raid]):
    event_name = serializers.CharField(source="event.name", read_only=True)
    pool = serializers.IntegerField(source="event.pool_id", read_only=True)
    tick_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Raid
        fields = ["id", "event", "event_name", "pool", "starts_at", "note", "tick_count", "created_at"]
        read_only_fields = fields


class RaidInputSerializer(serializers.Serializer[Raid]):
    event = WholeNumberRelatedField(queryset=Event.objects.select_related("pool"))
    starts_at = serializers.DateTimeField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AttendanceSerializer(serializers.ModelSerializer[RaidAttendance]):
    class Meta:
        model = RaidAttendance
        fields = ["character", "character_name", "character_class", "character_level", "user"]
        read_only_fields = fields


class TickSerializer(serializers.ModelSerializer[RaidTick]):
    attendance = AttendanceSerializer(many=True, read_only=True)

    class Meta:
        model = RaidTick
        fields = ["id", "raid", "occurred_at", "value", "description", "source_name", "attendance", "created_at"]
        read_only_fields = fields


class TickInputSerializer(serializers.Serializer[RaidTick]):
    raid = WholeNumberRelatedField(queryset=Raid.objects.select_related("event__pool"))
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False)
    who = serializers.CharField(required=False, trim_whitespace=False, max_length=ingest.MAX_WHO_CHARS)
    characters = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, max_length=ingest.MAX_HAND_NAMES
    )
    preview_token = serializers.CharField(required=False)
    preview = serializers.BooleanField(required=False, default=False)
    other_day = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Take a tick whose time is more than 12 hours from the raid night's start (a dump from another day).",
    )
    value = WholeNumberField(services.TICK_VALUE, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    occurred_at = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [k for k in ("files", "who", "characters", "preview_token") if attrs.get(k)]
        if len(given) != 1:
            raise serializers.ValidationError("Send exactly one of files, who, characters or preview_token.")
        return attrs


class TickChangeSerializer(serializers.Serializer[RaidTick]):
    value = WholeNumberField(services.TICK_VALUE, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=100)
    occurred_at = serializers.DateTimeField(required=False)
    add = serializers.ListField(child=serializers.CharField(max_length=30), required=False, default=list)
    remove = serializers.ListField(child=serializers.CharField(max_length=30), required=False, default=list)


# Uploads are multipart: a body that is not one (or is broken) is refused as an unsupported media type.
UPLOAD_ERRORS = {**ERROR_RESPONSES, 415: OpenApiResponse(ERROR_SERIALIZER, description="Not a readable upload")}


def preview_data(preview: ingest.TickPreview) -> dict[str, Any]:
    def problems(items: tuple[ingest.Problem, ...]) -> list[dict[str, Any]]:
        return [{"where": p.where, "line": p.line_number, "code": p.code, "message": p.message} for p in items]

    return {
        "raid": preview.raid.pk,
        "source": preview.source,
        "can_confirm": preview.can_confirm,
        "token": preview.token,
        "occurred_at": preview.occurred_at.isoformat() if preview.occurred_at else None,
        "other_day_warning": preview.other_day,
        "files": [
            {
                "file_name": f.file_name,
                "written_at": f.written_at.isoformat() if f.written_at else None,
                "server": f.server,
                "characters": f.characters,
            }
            for f in preview.files
        ],
        "present": [
            {"name": p.name, "eq_class": p.eq_class, "level": p.level, "status": p.status, "owner": p.owner_name}
            for p in preview.present
        ],
        "new": [p.name for p in preview.new],
        "unclaimed": [p.name for p in preview.unclaimed],
        "duplicates": [{"name": d.name, "seen_in": list(d.seen_in)} for d in preview.duplicates],
        "problems": problems(preview.problems),
        "refusals": problems(preview.refusals),
        "warnings": list(preview.warnings),
    }


def _refused(preview: ingest.TickPreview) -> Response:
    code = next((p.code for p in (*preview.refusals, *preview.problems)), "empty_tick")
    return Response(
        {"error": code, "detail": preview.message(), "preview": preview_data(preview)},
        status=409 if code == "duplicate_dump" else 422,
    )


def _source(given: dict[str, Any]) -> ingest.AttendanceSource:
    """The one input the request sent (the serializer made sure there is exactly one)."""
    if given.get("preview_token"):
        return ingest.Previewed(given["preview_token"])
    if given.get("files"):
        return ingest.Dumps([(f.name or "file", ingest.read_upload(f, f.size)) for f in given["files"]])
    if given.get("who"):
        return ingest.WhoPaste(given["who"])
    return ingest.Names(given["characters"])


class RaidFilter(GuildFilterSet):
    pool = IdFilter(field_name="event__pool", label_in_errors="pool")

    class Meta:
        model = Raid
        fields = ["event", "pool"]


@extend_schema_view(
    list=extend_schema(responses={200: RaidSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: RaidSerializer, **ERROR_RESPONSES}),
    create=extend_schema(request=RaidInputSerializer, responses={201: RaidSerializer, **ERROR_RESPONSES}),
)
class RaidViewSet(
    WholeNumberLookup,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Raid],
):
    """Raid nights. Everyone in the guild reads; officers make them."""

    permission_classes = API_PERMISSIONS
    parser_classes = [GuildJSONParser]
    serializer_class = RaidSerializer
    filterset_class = RaidFilter
    ordering_fields = ["starts_at", "created_at"]

    def get_queryset(self) -> QuerySet[Raid]:
        return (
            Raid.objects.select_related("event")
            .annotate(tick_count=Count("ticks", filter=None, distinct=True))
            .order_by("-starts_at")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = RaidInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        raid = services.create_raid(actor=acting_user(request), **payload.validated_data)
        return Response(RaidSerializer(self.get_queryset().get(pk=raid.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("raid", int)], responses={200: TickSerializer(many=True), **ERROR_RESPONSES}
    ),
    retrieve=extend_schema(responses={200: TickSerializer, **ERROR_RESPONSES}),
    create=extend_schema(
        request={"multipart/form-data": TickInputSerializer, "application/json": TickInputSerializer},
        responses={200: OpenApiTypes.OBJECT, 201: TickSerializer, **UPLOAD_ERRORS},
    ),
    partial_update=extend_schema(request=TickChangeSerializer, responses={200: TickSerializer, **ERROR_RESPONSES}),
    destroy=extend_schema(parameters=[OpenApiParameter("reason", str)], responses={204: None, **ERROR_RESPONSES}),
)
class TickViewSet(
    WholeNumberLookup,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[RaidTick],
):
    """Ticks and who was at them. Officers take ticks from dumps, a /who paste or names, edit and delete them."""

    permission_classes = API_PERMISSIONS
    parser_classes = [GuildJSONParser, MultiPartParser, FormParser]
    serializer_class = TickSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["raid"]
    ordering_fields = ["occurred_at", "created_at"]
    capability_by_action = {"destroy": Capability.MANAGE_GUILD, "partial_update": Capability.MANAGE_GUILD}

    def get_queryset(self) -> QuerySet[RaidTick]:
        # A deleted tick keeps its row for the ledger but has no attendance; it is not listed.
        return (
            RaidTick.objects.filter(attendance__isnull=False)
            .distinct()
            .select_related("raid__event__pool")
            .prefetch_related(Prefetch("attendance", queryset=RaidAttendance.objects.order_by("character_name")))
            .order_by("occurred_at", "pk")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data: Any = request.data
        if hasattr(data, "getlist"):  # multipart: one value a field, and the list of files
            data = {key: data.get(key) for key in data if key != "files"}
            files = request.FILES.getlist("files")
            if files:
                data["files"] = files
        payload = TickInputSerializer(data=data)
        payload.is_valid(raise_exception=True)
        given = payload.validated_data
        taken = ingest.take_attendance(
            raid=given["raid"],
            source=_source(given),
            actor=acting_user(request),
            save=not given["preview"] or bool(given.get("preview_token")),
            value=given.get("value"),
            description=given.get("description", ""),
            occurred_at=given.get("occurred_at"),
            other_day=given["other_day"],
        )
        if taken.tick is not None:
            tick = self.get_queryset().get(pk=taken.tick.pk)
            return Response(TickSerializer(tick).data, status=status.HTTP_201_CREATED)
        assert taken.preview is not None  # nothing saved: there is a preview to show
        if not taken.preview.can_confirm:
            return _refused(taken.preview)
        return Response(preview_data(taken.preview))

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tick = self.get_object()
        payload = TickChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        given = payload.validated_data
        services.edit_tick(
            tick=tick,
            actor=acting_user(request),
            value=given.get("value"),
            description=given.get("description"),
            occurred_at=given.get("occurred_at"),
            add_names=given["add"],
            remove_names=given["remove"],
        )
        return Response(TickSerializer(self.get_queryset().get(pk=tick.pk)).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tick = self.get_object()
        reason = request.query_params.get("reason", "")
        body: Any = request.data
        if isinstance(body, dict):
            reason = str(body.get("reason", "") or reason)
        services.delete_tick(tick=tick, actor=acting_user(request), reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GuildDumpInputSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(allow_empty_file=True)


@extend_schema_view(
    create=extend_schema(
        request={"multipart/form-data": GuildDumpInputSerializer},
        responses={200: OpenApiTypes.OBJECT, **UPLOAD_ERRORS},
    )
)
class GuildDumpViewSet(WholeNumberLookup, viewsets.GenericViewSet[Any]):
    """Officers upload a guild dump: levels, classes and alt flags are updated and missing characters added."""

    permission_classes = API_PERMISSIONS
    parser_classes = [MultiPartParser, FormParser, GuildJSONParser]
    serializer_class = GuildDumpInputSerializer

    def get_queryset(self) -> QuerySet[Any]:  # pragma: no cover - nothing is listed
        return Raid.objects.none()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is None:
            raise InvalidInput("Send the guild dump as the multipart field 'file'.", code="no_file")
        result = import_guild_dump(
            file_name=upload.name or "file", data=ingest.read_upload(upload, upload.size), actor=acting_user(request)
        )
        return Response(
            {
                "file_name": result.file_name,
                "guild_name": result.guild_name,
                "taken_at": result.taken_at.isoformat() if result.taken_at else None,
                "added": list(result.added),
                "changes": [{"name": c.name, "what": c.what, "old": c.old, "new": c.new} for c in result.changes],
                "marked_alt": result.marked_alt,
                "unchanged": result.unchanged,
            }
        )


class EventSerializer(serializers.ModelSerializer[Event]):
    pool_name = serializers.CharField(source="pool.name", read_only=True)
    pool = WholeNumberRelatedField(queryset=DkpPool.objects.all())
    default_tick_value = WholeNumberField(services.TICK_VALUE)

    class Meta:
        model = Event
        fields = ["id", "pool", "pool_name", "name", "default_tick_value", "is_active"]
        read_only_fields = ["id", "pool_name", "is_active"]


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
        event = services.create_event(actor=acting_user(request), **payload.validated_data)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)
