"""The points ledger: append-only entries, and a per-user, per-pool summary kept beside it.

Every point that moves is a ``PointEntry``. ``UserPointsSummary`` is written in the same
transaction as each entry and can always be rebuilt from the ledger (``reconcile_points``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dkp.core.models import TimeStamped


class PriceRule(models.TextChoices):
    SECOND_PRICE = "second_price", "Second price"
    FIRST_PRICE = "first_price", "First price"


class BidVisibility(models.TextChoices):
    SEALED = "sealed", "Sealed"
    OPEN = "open", "Open"


class DkpPool(TimeStamped):
    """A separate currency (e.g. current tier vs. legacy raids) with its own auction and decay rules."""

    name = models.CharField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    # Auction rules, copied onto each auction when it opens.
    price_rule = models.CharField(max_length=12, choices=PriceRule.choices, default=PriceRule.SECOND_PRICE)
    minimum_bid = models.PositiveIntegerField(default=1)
    bid_increment = models.PositiveIntegerField(default=0, help_text="Bids must be whole multiples; 0 for any.")
    tag_caps = models.JSONField(default=dict, blank=True, help_text='Highest bid per tag, e.g. {"alt": 10, "box": 5}.')
    mains_outrank = models.BooleanField(default=False, help_text="A main's bid beats any alt or box bid.")
    main_bids_from_alts = models.BooleanField(
        default=False,
        help_text="Members may bid as main from an alt or box character; otherwise a bid's tag is its character's.",
    )
    visibility = models.CharField(max_length=6, choices=BidVisibility.choices, default=BidVisibility.SEALED)
    # Decay: a percentage of each balance every period, never below the floor.
    decay_percent = models.PositiveSmallIntegerField(default=0)
    decay_period_days = models.PositiveSmallIntegerField(default=30)
    decay_floor = models.PositiveIntegerField(default=0)
    last_decayed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the pool's balances last decayed; the next decay is a period later."
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "DKP pool"
        constraints = [
            models.CheckConstraint(condition=models.Q(decay_percent__lte=100), name="pool_decay_percent_at_most_100"),
            models.CheckConstraint(condition=models.Q(decay_period_days__gte=1), name="pool_decay_period_positive"),
            models.CheckConstraint(condition=models.Q(price_rule__in=PriceRule.values), name="pool_price_rule_valid"),
            models.CheckConstraint(
                condition=models.Q(visibility__in=BidVisibility.values), name="pool_visibility_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def auction_rules(self) -> dict:
        """The rules an auction copies when it opens, so later pool edits don't change it."""
        return {
            "price_rule": self.price_rule,
            "minimum_bid": self.minimum_bid,
            "bid_increment": self.bid_increment,
            "tag_caps": dict(self.tag_caps or {}),
            "mains_outrank": self.mains_outrank,
            "main_bids_from_alts": self.main_bids_from_alts,
            "visibility": self.visibility,
        }


class EntryKind(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance"
    LOOT = "loot", "Loot"
    ADJUSTMENT = "adjustment", "Adjustment"
    DECAY = "decay", "Decay"
    REVERSAL = "reversal", "Reversal"


class PointAdjustment(TimeStamped):
    """An officer's manual change of points, with the reason given."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="point_adjustments")
    pool = models.ForeignKey(DkpPool, on_delete=models.PROTECT, related_name="adjustments")
    amount = models.IntegerField()
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="adjustments_made"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="adjustment_amount_nonzero"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="adjustment_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.user} ({self.reason})"


class PointEntry(models.Model):
    """One movement of points. Never edited or deleted: a correction is a reversing entry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="point_entries")
    pool = models.ForeignKey(DkpPool, on_delete=models.PROTECT, related_name="entries")
    amount = models.IntegerField(help_text="Signed: credits are positive, debits negative.")
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    character_name = models.CharField(max_length=15, blank=True, help_text="The character's name at the time.")
    tick = models.ForeignKey("raids.RaidTick", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    loot = models.ForeignKey("loot.LootDistribution", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    adjustment = models.ForeignKey(PointAdjustment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    memo = models.CharField(max_length=300, blank=True)
    occurred_at = models.DateTimeField(help_text="When it happened in the guild (a tick's time for attendance).")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "point entries"
        indexes = [
            models.Index(fields=["user", "pool", "-occurred_at"], name="entry_user_history"),
            # A member's ledger across pools, newest first (the profile's page of entries).
            models.Index(fields=["user", "-occurred_at", "-id"], name="entry_user_recent"),
            models.Index(fields=["pool", "kind"], name="entry_pool_kind"),
            models.Index(fields=["tick", "user"], name="entry_tick_user"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="entry_amount_nonzero"),
            models.CheckConstraint(condition=models.Q(kind__in=EntryKind.values), name="entry_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(kind="reversal", reverses__isnull=False)
                | (~models.Q(kind="reversal") & models.Q(reverses__isnull=True)),
                name="entry_reversal_names_its_entry",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="attendance") | models.Q(tick__isnull=False, amount__gt=0),
                name="entry_attendance_is_a_tick_credit",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="loot") | models.Q(loot__isnull=False, amount__lt=0),
                name="entry_loot_is_a_debit",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="decay") | models.Q(amount__lt=0), name="entry_decay_is_a_debit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.kind} {self.user} in {self.pool}"


class UserPointsSummary(models.Model):
    """Standings row: one per user and pool, kept equal to the sum of the ledger."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="point_summaries")
    pool = models.ForeignKey(DkpPool, on_delete=models.PROTECT, related_name="summaries")
    earned = models.IntegerField(default=0, help_text="Attendance credits.")
    spent = models.IntegerField(default=0, help_text="Loot, as a positive number.")
    adjusted = models.IntegerField(default=0, help_text="Manual adjustments, signed.")
    decayed = models.IntegerField(default=0, help_text="Decay, as a positive number.")
    balance = models.IntegerField(default=0)
    lifetime_earned = models.IntegerField(default=0, help_text="Attendance plus positive adjustments.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pool", "-balance"]
        verbose_name_plural = "user points summaries"
        constraints = [
            models.UniqueConstraint(fields=["user", "pool"], name="one_summary_per_user_and_pool"),
            models.CheckConstraint(
                condition=models.Q(
                    balance=models.F("earned") + models.F("adjusted") - models.F("spent") - models.F("decayed")
                ),
                name="summary_balance_adds_up",
            ),
        ]
        indexes = [models.Index(fields=["pool", "-balance"], name="summary_standings")]

    def __str__(self) -> str:
        return f"{self.user} in {self.pool}: {self.balance}"
