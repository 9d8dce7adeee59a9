"""Pools, the points ledger and manual adjustments in the officers' admin.

The ledger is append-only: entries and summaries are read here, a correction is the "reverse"
action, and a new adjustment is written by ``adjust_points`` so its entry and the summary move
in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from dkp.core.admin import (
    NoDeleteAdmin,
    ReadOnlyAdmin,
    ReasonActionForm,
    acting_officer,
    action_reason,
    adopt,
    apply_to_each,
)
from dkp.core.errors import GuildError
from dkp.points.models import DkpPool, PointAdjustment, PointEntry, UserPointsSummary
from dkp.points.pools import POOL_NUMBERS, check_tag_caps
from dkp.points.services import ADJUSTMENT, adjust_points, reverse_entry


class DkpPoolForm(forms.ModelForm):
    """Tag caps are JSON here: each cap is read by the pool service's rule, as in the API."""

    def clean_tag_caps(self) -> dict[str, int]:
        try:
            return check_tag_caps(self.cleaned_data.get("tag_caps") or {})
        except GuildError as refused:
            raise forms.ValidationError(refused.message, code=refused.code) from None


@admin.register(DkpPool)
class DkpPoolAdmin(NoDeleteAdmin):
    form = DkpPoolForm
    list_display = (
        "name",
        "is_active",
        "price_rule",
        "minimum_bid",
        "bid_increment",
        "mains_outrank",
        "visibility",
        "decay_percent",
        "decay_period_days",
        "decay_floor",
    )
    list_filter = ("is_active", "price_rule", "visibility")
    search_fields = ("name", "description")
    whole_number_rules = POOL_NUMBERS
    fieldsets = (
        (None, {"fields": ("name", "description", "is_active")}),
        (
            "Auction rules (copied onto each auction when it opens)",
            {
                "fields": (
                    "price_rule",
                    "minimum_bid",
                    "bid_increment",
                    "tag_caps",
                    "mains_outrank",
                    "main_bids_from_alts",
                    "visibility",
                )
            },
        ),
        ("Decay", {"fields": ("decay_percent", "decay_period_days", "decay_floor")}),
    )


@admin.register(PointAdjustment)
class PointAdjustmentAdmin(ReadOnlyAdmin):
    """Add-only: a new adjustment goes through ``adjust_points``; a wrong one is reversed in the ledger."""

    list_display = ("created_at", "user", "pool", "amount", "reason", "created_by")
    list_select_related = ("user", "pool", "created_by")
    list_filter = ("pool",)
    search_fields = ("user__username", "user__display_name", "reason")
    date_hierarchy = "created_at"
    autocomplete_fields = ("user",)
    whole_number_rules = {"amount": ADJUSTMENT}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return True

    def get_fields(self, request: HttpRequest, obj: PointAdjustment | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("user", "pool", "amount", "reason")
        return ("user", "pool", "amount", "reason", "created_by", "created_at")

    def save_model(self, request: HttpRequest, obj: PointAdjustment, form: Any, change: bool) -> None:
        adjustment = adjust_points(
            user=obj.user, pool=obj.pool, amount=obj.amount, reason=obj.reason, actor=acting_officer(request)
        )
        adopt(obj, adjustment)

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().add_view(request, form_url, extra_context)
        except GuildError as error:  # the service refused; its transaction and the admin's rolled back
            self.message_user(request, error.message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "user",
        "pool",
        "kind",
        "amount",
        "character_name",
        "memo",
        "is_reversed",
        "created_by",
    )
    # ``reversed_by`` is the reverse side of a one-to-one: joined too, so "reversed" costs no query per row.
    list_select_related = ("user", "pool", "created_by", "reversed_by")
    list_filter = ("kind", "pool")
    search_fields = ("user__username", "user__display_name", "character_name", "memo")
    date_hierarchy = "occurred_at"
    action_form = ReasonActionForm
    actions = ("reverse_entries",)

    @admin.display(boolean=True, description="reversed")
    def is_reversed(self, entry: PointEntry) -> bool:
        return hasattr(entry, "reversed_by")

    @admin.action(description="Reverse selected entries")
    def reverse_entries(self, request: HttpRequest, queryset: QuerySet[PointEntry]) -> None:
        officer = acting_officer(request)
        reason = action_reason(request) or f"Reversed from the admin by {officer.name}"
        apply_to_each(
            self,
            request,
            queryset.select_related("user", "pool", "loot"),
            lambda entry: reverse_entry(entry=entry, actor=officer, reason=reason),
            done=("Reversed {count} entry.", "Reversed {count} entries."),
        )


@admin.register(UserPointsSummary)
class UserPointsSummaryAdmin(ReadOnlyAdmin):
    list_display = (
        "user",
        "pool",
        "balance",
        "earned",
        "spent",
        "adjusted",
        "decayed",
        "lifetime_earned",
        "updated_at",
    )
    list_select_related = ("user", "pool")
    list_filter = ("pool",)
    search_fields = ("user__username", "user__display_name", "user__discord_username")
