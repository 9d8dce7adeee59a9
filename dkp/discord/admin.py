"""The Discord sync log in the officers' admin: a record of every role change and failure."""

from __future__ import annotations

from django.contrib import admin

from dkp.core.admin import ReadOnlyAdmin
from dkp.discord.models import DiscordOutbox, DiscordSyncLog


@admin.register(DiscordSyncLog)
class DiscordSyncLogAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "user",
        "discord_id",
        "direction",
        "action",
        "role",
        "result",
        "error_code",
        "message",
    )
    list_select_related = ("user",)
    list_filter = ("result", "direction", "action", "role")
    search_fields = ("discord_id", "role", "message", "user__username", "user__display_name")
    date_hierarchy = "created_at"


@admin.register(DiscordOutbox)
class DiscordOutboxAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "content", "sent_at", "attempts", "last_error")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("content", "discord_message_id")
    date_hierarchy = "created_at"
