"""Raid nights, their ticks, who was there, and attendance percentages per user."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dkp.core.models import OfficerDecidedRequest, TimeStamped


class Event(TimeStamped):
    """A kind of raid (a zone or a target) in one pool, with its usual points per tick."""

    pool = models.ForeignKey("points.DkpPool", on_delete=models.PROTECT, related_name="events")
    name = models.CharField(max_length=100)
    default_tick_value = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["pool", "name"], name="event_name_unique_in_pool")]

    def __str__(self) -> str:
        return self.name


class Raid(TimeStamped):
    """One raid night of an event."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="raids")
    starts_at = models.DateTimeField(db_index=True)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.event} {self.starts_at:%Y-%m-%d}"


class RaidTickQuerySet(models.QuerySet["RaidTick"]):
    def held(self) -> RaidTickQuerySet:
        """Ticks somebody attended. A deleted tick keeps its row (the ledger points at it) but loses
        its attendance, so it no longer counts as held: not on raid pages, not in percentages."""
        return self.filter(models.Exists(RaidAttendance.objects.filter(tick=models.OuterRef("pk"))))


class RaidTick(TimeStamped):
    """A moment of a raid night that credits points to everyone present."""

    objects = RaidTickQuerySet.as_manager()

    raid = models.ForeignKey(Raid, on_delete=models.PROTECT, related_name="ticks")
    occurred_at = models.DateTimeField(db_index=True)
    value = models.PositiveIntegerField()
    description = models.CharField(max_length=100, blank=True)
    source_name = models.CharField(max_length=200, blank=True, help_text="Dump file name(s) the attendance came from.")
    source_digest = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="SHA-256 of the dump, so the same file is not taken twice."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at"]
        # A tick taken here credits at least 1 (raids.services.TICK_VALUE); 0 is a tick brought in from
        # another tool that counted attendance without points (dkp.switching).
        constraints = [models.CheckConstraint(condition=models.Q(value__gte=0), name="tick_value_not_negative")]

    def __str__(self) -> str:
        return f"{self.raid} — {self.description or f'{self.occurred_at:%H:%M}'}"


class RaidAttendance(models.Model):
    """One character present at one tick. ``user`` stays empty until the character is claimed."""

    tick = models.ForeignKey(RaidTick, on_delete=models.PROTECT, related_name="attendance")
    character = models.ForeignKey("characters.Character", on_delete=models.PROTECT, related_name="attendance")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="attendance"
    )
    character_name = models.CharField(max_length=15)
    character_class = models.CharField(max_length=16, blank=True)
    character_level = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "raid attendance"
        constraints = [models.UniqueConstraint(fields=["tick", "character"], name="one_attendance_per_character_tick")]
        indexes = [
            models.Index(fields=["user", "tick"], name="attendance_user_tick"),
            models.Index(fields=["character"], condition=models.Q(user__isnull=True), name="attendance_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.character_name} @ {self.tick}"


class MemberAttendanceSummary(models.Model):
    """Attendance percentages per user, per pool (``pool`` empty for all pools together)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendance_summaries")
    pool = models.ForeignKey("points.DkpPool", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    attended_30 = models.PositiveIntegerField(default=0)
    held_30 = models.PositiveIntegerField(default=0)
    percent_30 = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    attended_60 = models.PositiveIntegerField(default=0)
    held_60 = models.PositiveIntegerField(default=0)
    percent_60 = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    attended_90 = models.PositiveIntegerField(default=0)
    held_90 = models.PositiveIntegerField(default=0)
    percent_90 = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    attended_lifetime = models.PositiveIntegerField(default=0)
    held_lifetime = models.PositiveIntegerField(default=0)
    percent_lifetime = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "member attendance summaries"
        constraints = [
            models.UniqueConstraint(fields=["user", "pool"], name="one_attendance_summary_per_pool"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(pool__isnull=True), name="one_overall_attendance_summary"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.percent_30}% (30d)"


class MissedTickRequest(OfficerDecidedRequest):
    """A member says they were at a tick the dump missed; an officer approves or denies."""

    tick = models.ForeignKey(RaidTick, on_delete=models.PROTECT, related_name="missed_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="missed_tick_requests")
    character = models.ForeignKey("characters.Character", on_delete=models.PROTECT, related_name="+")
    evidence = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tick", "user"], condition=models.Q(status="pending"), name="one_pending_missed_tick_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} missed {self.tick}"
