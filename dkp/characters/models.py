"""Characters belong to users for a while; ownership is a history, and points never follow them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from dkp.core.models import OfficerDecidedRequest, RequestStatus, TimeStamped


class EqClass(models.TextChoices):
    BARD = "Bard"
    BEASTLORD = "Beastlord"
    BERSERKER = "Berserker"
    CLERIC = "Cleric"
    DRUID = "Druid"
    ENCHANTER = "Enchanter"
    MAGICIAN = "Magician"
    MONK = "Monk"
    NECROMANCER = "Necromancer"
    PALADIN = "Paladin"
    RANGER = "Ranger"
    ROGUE = "Rogue"
    SHADOW_KNIGHT = "Shadow Knight"
    SHAMAN = "Shaman"
    WARRIOR = "Warrior"
    WIZARD = "Wizard"


class CharacterTag(models.TextChoices):
    """How a character counts when bidding: the owner's main, an alt, or a box."""

    MAIN = "main", "Main"
    ALT = "alt", "Alt"
    BOX = "box", "Box"


class Character(TimeStamped):
    name = models.CharField(max_length=15)
    # Empty only when history brought in from another tool did not say (dkp.switching).
    eq_class = models.CharField("class", max_length=16, choices=EqClass.choices, blank=True)
    level = models.PositiveSmallIntegerField(default=1)
    race = models.CharField(max_length=20, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="characters",
        help_text="Empty while the character is seen in dumps but not yet claimed.",
    )
    tag = models.CharField(max_length=4, choices=CharacterTag.choices, default=CharacterTag.MAIN)
    is_active = models.BooleanField(default=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="character_name_unique_ci"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=130), name="character_level_range"),
            models.CheckConstraint(
                condition=models.Q(eq_class__in=[*EqClass.values, ""]), name="character_class_valid_or_unknown"
            ),
            models.CheckConstraint(condition=models.Q(tag__in=CharacterTag.values), name="character_tag_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class CharacterOwnership(models.Model):
    """Who owned a character and when. A transfer closes one row and opens the next."""

    character = models.ForeignKey(Character, on_delete=models.PROTECT, related_name="ownerships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="character_ownerships")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["character", "-started_at"]
        verbose_name_plural = "character ownership history"
        constraints = [
            models.UniqueConstraint(
                fields=["character"], condition=models.Q(ended_at__isnull=True), name="one_open_ownership_per_character"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.character} → {self.user}"


ClaimStatus = RequestStatus  # a claim's status is every officer-decided request's; the name its callers know


class CharacterClaimRequest(OfficerDecidedRequest):
    """A member asks to own a character; an officer approves or denies."""

    character = models.ForeignKey(Character, on_delete=models.PROTECT, related_name="claim_requests")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claim_requests")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["character", "requester"],
                condition=models.Q(status="pending"),
                name="one_pending_claim_per_character_and_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester} claims {self.character}"
