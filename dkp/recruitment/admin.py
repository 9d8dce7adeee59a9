"""Applications, their stages, votes and comments in the officers' admin.

Applicants apply, members vote and comment, and applications move between stages through the
site and the recruitment services (a stage change is recorded, acceptance pushes a Discord
role); so the admin edits questions and wording, and shows the rest as it happened.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from dkp.core.admin import NoDeleteAdmin, ReadOnlyAdmin, ReadOnlyTabularInline
from dkp.recruitment.models import (
    ApplicationComment,
    ApplicationQuestion,
    ApplicationStageChange,
    ApplicationVote,
    GuildApplication,
)


@admin.register(ApplicationQuestion)
class ApplicationQuestionAdmin(admin.ModelAdmin):
    """Answers keep each question's text as it was asked, so questions may be reworded or removed."""

    list_display = ("text", "position", "required", "is_active")
    list_editable = ("position", "required", "is_active")
    list_filter = ("is_active", "required")
    search_fields = ("text",)


class StageChangeInline(ReadOnlyTabularInline):
    model = ApplicationStageChange
    fields = ("created_at", "from_status", "to_status", "changed_by", "reason")
    ordering = ("created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApplicationStageChange]:
        return super().get_queryset(request).select_related("application", "changed_by")


class VoteInline(ReadOnlyTabularInline):
    model = ApplicationVote
    fields = ("voter", "choice", "attendance_30", "created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApplicationVote]:
        return super().get_queryset(request).select_related("application", "voter")


class CommentInline(ReadOnlyTabularInline):
    model = ApplicationComment
    fields = ("author", "visibility", "body", "created_at")
    ordering = ("created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApplicationComment]:
        return super().get_queryset(request).select_related("application", "author")


@admin.register(GuildApplication)
class GuildApplicationAdmin(NoDeleteAdmin):
    list_display = (
        "created_at",
        "character_name",
        "character_class",
        "character_level",
        "applicant",
        "status",
        "voting_closes_at",
        "trial_ends_at",
        "decided_by",
    )
    list_select_related = ("applicant", "decided_by")
    list_filter = ("status", "character_class")
    search_fields = (
        "character_name",
        "applicant__username",
        "applicant__display_name",
        "applicant__discord_username",
        "applicant__discord_id",
    )
    date_hierarchy = "created_at"
    fields = (
        "applicant",
        "character_name",
        "character_class",
        "character_level",
        "answers",
        "status",
        "voting_closes_at",
        "trial_ends_at",
        "decided_by",
        "decided_at",
        "created_at",
        "updated_at",
    )
    # A stage is moved by the recruitment service, which records it and pushes the Discord role.
    readonly_fields = (
        "applicant",
        "answers",
        "status",
        "voting_closes_at",
        "trial_ends_at",
        "decided_by",
        "decided_at",
        "created_at",
        "updated_at",
    )
    inlines = (StageChangeInline, VoteInline, CommentInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ApplicationStageChange)
class ApplicationStageChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "application", "from_status", "to_status", "changed_by", "reason")
    list_select_related = ("application", "changed_by")
    list_filter = ("to_status", "from_status")
    search_fields = ("application__character_name", "application__applicant__username", "reason")
    date_hierarchy = "created_at"


@admin.register(ApplicationVote)
class ApplicationVoteAdmin(ReadOnlyAdmin):
    """A vote is the voter's own, cast with the attendance it needed; officers read it, never recast it."""

    list_display = ("created_at", "application", "voter", "choice", "attendance_30", "updated_at")
    list_select_related = ("application", "voter")
    list_filter = ("choice",)
    search_fields = ("application__character_name", "voter__username", "voter__display_name")
    date_hierarchy = "created_at"


@admin.register(ApplicationComment)
class ApplicationCommentAdmin(NoDeleteAdmin):
    """Officers may moderate a comment's text or who sees it; comments are written on the site."""

    list_display = ("created_at", "application", "author", "visibility", "excerpt", "edited_at")
    list_select_related = ("application", "author")
    list_filter = ("visibility",)
    search_fields = ("body", "author__username", "author__display_name", "application__character_name")
    date_hierarchy = "created_at"
    fields = ("application", "author", "visibility", "body", "created_at", "edited_at")
    readonly_fields = ("application", "author", "created_at", "edited_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="comment")
    def excerpt(self, comment: ApplicationComment) -> str:
        return comment.body if len(comment.body) <= 80 else f"{comment.body[:79]}…"
