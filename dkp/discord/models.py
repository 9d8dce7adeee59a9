"""What the app did to, and learned from, Discord: every role change and every failure."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class DiscordSyncLog(models.Model):
    class Direction(models.TextChoices):
        TO_DISCORD = "to_discord", "To Discord"
        FROM_DISCORD = "from_discord", "From Discord"

    class Action(models.TextChoices):
        ADD_ROLE = "add_role", "Add role"
        REMOVE_ROLE = "remove_role", "Remove role"
        READ_MEMBER = "read_member", "Read member"
        SET_ROLE_GROUP = "set_role_group", "Set role group"

    class Result(models.TextChoices):
        OK = "ok", "OK"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    run_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discord_id = models.CharField(max_length=20, blank=True)
    direction = models.CharField(max_length=12, choices=Direction.choices)
    action = models.CharField(max_length=14, choices=Action.choices)
    role = models.CharField(max_length=40, blank=True)
    result = models.CharField(max_length=7, choices=Result.choices)
    error_code = models.IntegerField(null=True, blank=True, help_text="Discord's JSON error code, e.g. 50013.")
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "Discord sync log entry"
        verbose_name_plural = "Discord sync log"

    def __str__(self) -> str:
        return f"{self.direction} {self.action} {self.role} {self.result}"
