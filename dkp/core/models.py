"""Guild-wide settings and the small bases other domains build on."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class RequestStatus(models.TextChoices):
    """Where a request an officer decides stands (``OfficerDecidedRequest``)."""

    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"


class OfficerDecidedRequest(TimeStamped):
    """A member asks, an officer approves or denies: the status, who decided, when, and the reason they gave.

    Subclasses add what is asked for (a character to claim, a missed tick) and their own constraints.
    """

    status = models.CharField(max_length=8, choices=RequestStatus.choices, default=RequestStatus.PENDING, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name such as America/New_York.")


class GuildSettings(models.Model):
    """One row: the guild's own choices that officers change without a deploy."""

    guild_name = models.CharField(max_length=100, default="Ashen Vanguard")
    server_name = models.CharField(
        max_length=50, default="xegony", help_text="EverQuest server, as in dump file names."
    )
    time_zone = models.CharField(
        max_length=64,
        default="America/New_York",
        validators=[validate_time_zone],
        help_text="Raid dump file names carry local time with no zone; this is the zone they are read in.",
    )
    standings_public = models.BooleanField(
        default=False, help_text="Let guests and applicants see standings, raids and loot."
    )
    vote_threshold_percent = models.PositiveSmallIntegerField(
        default=15, help_text="30-day attendance a member needs to vote on applications."
    )
    uses_trials = models.BooleanField(default=True, help_text="Accepted applicants start as trial members.")
    item_link_template = models.CharField(
        max_length=300,
        default="https://everquest.allakhazam.com/db/item.html?item={id}",
        help_text="Link to an item page; {id} is the EverQuest item id and {name} the item name.",
    )
    discord_announce_channel_id = models.CharField(max_length=20, blank=True)
    discord_auction_channel_id = models.CharField(
        max_length=20,
        blank=True,
        help_text="Discord channel where the bot posts auctions opened on the web; empty: the announcement channel.",
    )
    auction_minutes = models.PositiveSmallIntegerField(
        default=5, help_text="How long an auction stays open when the officer opening it doesn't say."
    )

    class Separation(models.TextChoices):
        AUTO = "auto", "Auto: on while the guild has two or more officers"
        ON = "on", "On"
        OFF = "off", "Off"

    separation_of_duties = models.CharField(
        max_length=4,
        choices=Separation.choices,
        default=Separation.AUTO,
        help_text=(
            "When on, an officer cannot approve their own claim or missed tick, assign themselves a "
            "character or adjust their own points; another officer must."
        ),
    )

    class Meta:
        verbose_name = "guild settings"
        verbose_name_plural = "guild settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(vote_threshold_percent__lte=100), name="guild_vote_threshold_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return self.guild_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        if _request_settings.get() is not None:
            _request_settings.set(self)  # the rest of this request sees the change

    @classmethod
    def load(cls) -> GuildSettings:
        """The settings row; inside ``for_request()`` the one read at the start of the request."""
        remembered = _request_settings.get()
        if remembered is not None:
            return remembered
        settings, _ = cls.objects.get_or_create(pk=1)
        return settings

    @classmethod
    @contextmanager
    def for_request(cls) -> Iterator[GuildSettings]:
        """Read the row once for a whole request: middleware, context processor, roles and views."""
        token = _request_settings.set(cls.load())
        try:
            yield _request_settings.get() or cls.load()
        finally:
            _request_settings.reset(token)


# The row read at the start of the current request (per thread and per task), if any.
_request_settings: ContextVar[GuildSettings | None] = ContextVar("guild_settings", default=None)


class AuditEntry(models.Model):
    """One officer change of the guild's setup (an event, a pool, a member's role, the settings).

    Written by the service that makes the change, in the same transaction, so a refused or rolled-back
    change leaves no row. ``changes`` maps each changed field to ``[before, after]`` (``before`` is
    ``None`` for something new). Points have their own trail (the ledger), bids theirs (bid history).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40, help_text="What was done, e.g. pool.update or role.set.")
    target = models.CharField(max_length=200, help_text="What it was done to, as named then.")
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.action} {self.target}"


class IdempotentRequest(models.Model):
    """An API request sent with an ``Idempotency-Key`` header, and the answer it got (``dkp.core.idempotency``).

    A repeat of the key by the same caller is answered from here without doing it again, so a tool
    that lost its answer (restarted, or cut off) can ask again safely. ``status`` 0 marks a request
    still being answered. Rows are kept for a day.
    """

    caller = models.CharField(max_length=64, help_text="A digest of the credentials that sent it.")
    key = models.CharField(max_length=100)
    method = models.CharField(max_length=7)
    path = models.CharField(max_length=300)
    body_digest = models.CharField(max_length=64, blank=True)
    status = models.PositiveSmallIntegerField(default=0)
    content_type = models.CharField(max_length=100, blank=True)
    response = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotency_key_once_per_caller")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
