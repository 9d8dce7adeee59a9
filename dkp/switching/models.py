"""What an import brought in and from where, and the history that waits for characters' owners."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportRun(models.Model):
    """One confirmed import of one source."""

    system = models.CharField(max_length=20)
    source_id = models.CharField(
        max_length=300, db_index=True, help_text="Names the source, so a second import of it is known."
    )
    label = models.CharField(max_length=300)
    counts = models.JSONField(default=dict, help_text="What was written, per kind.")
    known = models.JSONField(default=dict, help_text="What an earlier import had already brought, per kind.")
    skipped = models.JSONField(default=list, help_text="Every row not taken, with where it is and why.")
    differences = models.JSONField(default=list, help_text="Balances that differ from the source's beyond rounding.")
    differences_accepted = models.CharField(
        max_length=300, blank=True, help_text="The officer's reason for accepting them."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.created_at:%Y-%m-%d})"


class RecordKind(models.TextChoices):
    POOL = "pool"
    EVENT = "event"
    CHARACTER = "character"
    RAID = "raid"
    TICK = "tick"
    LOOT = "loot"
    ADJUSTMENT = "adjustment"
    ROUNDING = "rounding"


class SourceRecord(models.Model):
    """One row of a source that has been brought in, and what it became here (``object_id``).

    Unique per source, kind and key: importing the same source again finds every row already here.
    ``amount`` keeps what a rounding entry moved, so a later import of the grown source rounds only
    the rest.
    """

    source_id = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=RecordKind.choices)
    key = models.CharField(max_length=200)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    amount = models.IntegerField(null=True, blank=True)
    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="records")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source_id", "kind", "key"], name="one_record_per_source_row")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} of {self.source_id}"


class ImportedCharacter(models.Model):
    """A character as a source grouped it: ``main`` is the main it was an alt of (empty for a main).

    When the main finds its owner, its alts that still have none go to the same member.
    """

    character = models.OneToOneField("characters.Character", on_delete=models.CASCADE, related_name="imported_as")
    main = models.ForeignKey(
        "characters.Character", null=True, blank=True, on_delete=models.SET_NULL, related_name="imported_alts"
    )
    rank = models.CharField(max_length=60, blank=True)
    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="characters")

    def __str__(self) -> str:
        return str(self.character)


class PendingKind(models.TextChoices):
    LOOT = "loot"
    ADJUSTMENT = "adjustment"
    ROUNDING = "rounding"


class PendingEntry(models.Model):
    """Imported loot, an adjustment or an import rounding of a character with no owner yet.

    Written to the ledger (and, for loot, as a Loot Distribution) for the member who gets the
    character, in the same transaction; ``applied_at`` and ``applied_to`` then say when and to whom.
    """

    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="pending")
    character = models.ForeignKey("characters.Character", on_delete=models.PROTECT, related_name="+")
    pool = models.ForeignKey("points.DkpPool", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=PendingKind.choices)
    amount = models.IntegerField(help_text="Signed points: a loot price is negative.")
    character_name = models.CharField(max_length=15)
    item_name = models.CharField(max_length=120, blank=True)
    eq_item_id = models.PositiveIntegerField(null=True, blank=True)
    raid = models.ForeignKey("raids.Raid", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField()
    memo = models.CharField(max_length=300, help_text="The reason, with the source's own id for the row.")
    source_key = models.CharField(max_length=200)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "pending entries"
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["character"], condition=models.Q(applied_at__isnull=True), name="pending_unapplied")
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=PendingKind.values), name="pending_kind_valid"),
            models.CheckConstraint(
                condition=~models.Q(kind="loot") | models.Q(amount__lte=0), name="pending_loot_is_a_price"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="loot") | ~models.Q(amount=0), name="pending_points_nonzero"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d} for {self.character_name}"
