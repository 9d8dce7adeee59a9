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


class DiscordOutbox(models.Model):
    """A message the app means to post to the guild's Discord channel, kept even if Discord is down.

    Rows are written in the same transaction as the change they announce; a task posts them after
    commit and records when it was sent or why it failed.
    """

    class Kind(models.TextChoices):
        APPLICATION_SUBMITTED = "application_submitted", "New application"
        VOTING_OPENED = "voting_opened", "Voting opened"
        APPLICATION_DECIDED = "application_decided", "Application decided"
        OTHER = "other", "Other"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    channel_id = models.CharField(max_length=20, blank=True, help_text="Empty: the guild's announcement channel.")
    content = models.TextField()
    payload = models.JSONField(default=dict, blank=True, help_text="What the bot needs to add buttons, e.g. ids.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    discord_message_id = models.CharField(max_length=20, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "Discord outbox message"
        verbose_name_plural = "Discord outbox"
        indexes = [models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="outbox_unsent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.content[:60]}"
