"""Events, raid nights, ticks and attendance in the officers' admin.

A tick and its attendance are written together by ``record_tick`` (the dump upload), which
credits the ledger; so here ticks are never added, and nothing the ledger was credited from
(a tick's value and time, the pool of an event or raid) can be edited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from dkp.core.admin import NoDeleteAdmin, ReadOnlyAdmin, ReadOnlyTabularInline, acting_officer, adopt
from dkp.raids.models import Event, MemberAttendanceSummary, MissedTickRequest, Raid, RaidAttendance, RaidTick
from dkp.raids.services import TICK_VALUE, create_raid


@admin.register(Event)
class EventAdmin(NoDeleteAdmin):
    list_display = ("name", "pool", "default_tick_value", "is_active", "created_at")
    list_select_related = ("pool",)
    list_filter = ("pool", "is_active")
    search_fields = ("name",)
    whole_number_rules = {"default_tick_value": TICK_VALUE}

    def get_readonly_fields(self, request: HttpRequest, obj: Event | None = None) -> tuple[str, ...]:
        # Moving an event to another pool would move its raids' points there behind the ledger's back.
        return ("pool",) if obj is not None else ()


class TickInline(ReadOnlyTabularInline):
    model = RaidTick
    fields = ("occurred_at", "value", "description", "source_name", "created_by")
    ordering = ("occurred_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RaidTick]:
        return super().get_queryset(request).select_related("raid__event", "created_by")


@admin.register(Raid)
class RaidAdmin(NoDeleteAdmin):
    list_display = ("starts_at", "event", "note", "created_by", "created_at")
    list_select_related = ("event", "created_by")
    list_filter = ("event__pool", "event")
    search_fields = ("event__name", "note")
    date_hierarchy = "starts_at"
    inlines = (TickInline,)

    def get_fields(self, request: HttpRequest, obj: Raid | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("event", "starts_at", "note")
        return ("event", "starts_at", "note", "created_by", "created_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Raid | None = None) -> tuple[str, ...]:
        # The raid's event decides the pool its ticks credited.
        return ("event", "created_by", "created_at") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Raid, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        raid = create_raid(event=obj.event, starts_at=obj.starts_at, note=obj.note, actor=acting_officer(request))
        adopt(obj, raid)


class AttendanceInline(ReadOnlyTabularInline):
    model = RaidAttendance
    fields = ("character_name", "character_class", "character_level", "character", "user")
    ordering = ("character_name",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RaidAttendance]:
        return super().get_queryset(request).select_related("character", "user", "tick__raid__event")


@admin.register(RaidTick)
class RaidTickAdmin(NoDeleteAdmin):
    """Ticks come from ``record_tick``; only the description may be touched up here."""

    list_display = ("occurred_at", "raid", "description", "value", "source_name", "created_by")
    list_select_related = ("raid__event", "created_by")
    list_filter = ("raid__event__pool", "raid__event")
    search_fields = ("description", "source_name", "raid__event__name")
    date_hierarchy = "occurred_at"
    fields = ("raid", "occurred_at", "value", "description", "source_name", "source_digest", "created_by", "created_at")
    readonly_fields = ("raid", "occurred_at", "value", "source_name", "source_digest", "created_by", "created_at")
    inlines = (AttendanceInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(RaidAttendance)
class RaidAttendanceAdmin(ReadOnlyAdmin):
    list_display = ("character_name", "character_class", "character_level", "tick", "user")
    list_select_related = ("tick__raid__event", "user")
    list_filter = (("user", admin.EmptyFieldListFilter), "character_class", "tick__raid__event")
    search_fields = ("character_name", "user__username", "user__display_name")
    date_hierarchy = "tick__occurred_at"


@admin.register(MemberAttendanceSummary)
class MemberAttendanceSummaryAdmin(ReadOnlyAdmin):
    """Computed from attendance by the refresh task; an empty pool means all pools together."""

    list_display = ("user", "pool", "percent_30", "percent_60", "percent_90", "percent_lifetime", "computed_at")
    list_select_related = ("user", "pool")
    list_filter = ("pool",)
    search_fields = ("user__username", "user__display_name")


@admin.register(MissedTickRequest)
class MissedTickRequestAdmin(ReadOnlyAdmin):
    """Members ask through the site; approving one credits the ledger, so it is a service's job."""

    list_display = ("created_at", "user", "character", "tick", "status", "decided_by", "decided_at")
    list_select_related = ("user", "character", "tick__raid__event", "decided_by")
    list_filter = ("status",)
    search_fields = ("user__username", "user__display_name", "character__name", "evidence")
    date_hierarchy = "created_at"
