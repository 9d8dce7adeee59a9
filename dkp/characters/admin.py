"""Characters, their ownership history and claim requests in the officers' admin.

An owner changes only through the character services (a transfer or an approved claim), which
write the ownership history and credit attendance the character earned unclaimed.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from dkp.characters.models import Character, CharacterClaimRequest, CharacterOwnership
from dkp.characters.services import deny_claim
from dkp.core.admin import (
    NoDeleteAdmin,
    ReadOnlyAdmin,
    ReadOnlyTabularInline,
    ReasonActionForm,
    acting_officer,
    action_reason,
    apply_to_each,
)
from dkp.raids.ownership import approve_claim


class OwnershipInline(ReadOnlyTabularInline):
    model = CharacterOwnership
    fields = ("user", "started_at", "ended_at", "changed_by", "reason")
    ordering = ("-started_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CharacterOwnership]:
        return super().get_queryset(request).select_related("user", "changed_by")


@admin.register(Character)
class CharacterAdmin(NoDeleteAdmin):
    list_display = ("name", "eq_class", "level", "race", "owner", "tag", "is_active", "updated_at")
    list_select_related = ("owner",)
    list_filter = ("eq_class", "tag", "is_active", ("owner", admin.EmptyFieldListFilter))
    search_fields = ("name", "owner__username", "owner__display_name", "owner__discord_username")
    fields = ("name", "eq_class", "level", "race", "tag", "owner", "is_active", "notes", "created_at", "updated_at")
    readonly_fields = ("owner", "created_at", "updated_at")
    inlines = (OwnershipInline,)


@admin.register(CharacterOwnership)
class CharacterOwnershipAdmin(ReadOnlyAdmin):
    list_display = ("character", "user", "started_at", "ended_at", "changed_by", "reason")
    list_select_related = ("character", "user", "changed_by")
    list_filter = (("ended_at", admin.EmptyFieldListFilter),)
    search_fields = ("character__name", "user__username", "user__display_name", "reason")
    date_hierarchy = "started_at"


@admin.register(CharacterClaimRequest)
class CharacterClaimRequestAdmin(ReadOnlyAdmin):
    """Members ask through the site; officers approve or deny here with the actions."""

    list_display = ("created_at", "character", "requester", "status", "note", "decided_by", "decided_at")
    list_select_related = ("character", "requester", "decided_by")
    list_filter = ("status",)
    search_fields = ("character__name", "requester__username", "requester__display_name", "note")
    date_hierarchy = "created_at"
    action_form = ReasonActionForm
    actions = ("approve_claims", "deny_claims")

    @admin.action(description="Approve selected claims")
    def approve_claims(self, request: HttpRequest, queryset: QuerySet[CharacterClaimRequest]) -> None:
        officer, reason = acting_officer(request), action_reason(request)
        apply_to_each(
            self,
            request,
            queryset.select_related("character", "requester"),
            lambda claim: approve_claim(claim=claim, actor=officer, reason=reason),
            done=("Approved {count} claim.", "Approved {count} claims."),
        )

    @admin.action(description="Deny selected claims (give a reason)")
    def deny_claims(self, request: HttpRequest, queryset: QuerySet[CharacterClaimRequest]) -> None:
        officer, reason = acting_officer(request), action_reason(request)
        apply_to_each(
            self,
            request,
            queryset.select_related("character", "requester"),
            lambda claim: deny_claim(claim=claim, actor=officer, reason=reason),
            done=("Denied {count} claim.", "Denied {count} claims."),
        )
