"""Items, auctions, bids and who got what for how much."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from dkp.characters.models import CharacterTag
from dkp.core.models import TimeStamped


class Item(TimeStamped):
    name = models.CharField(max_length=120)
    eq_item_id = models.PositiveIntegerField(null=True, blank=True, help_text="EverQuest's own item id, for links.")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="item_name_unique_ci")]

    def __str__(self) -> str:
        return self.name

    def link(self) -> str:
        """The item page from the guild's template, or an empty string when there is no id to link."""
        from urllib.parse import quote

        from dkp.core.models import GuildSettings

        template = GuildSettings.load().item_link_template
        if "{id}" in template and self.eq_item_id is None:
            return ""
        return template.replace("{id}", str(self.eq_item_id or "")).replace("{name}", quote(self.name))


class AuctionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    AWARDED = "awarded", "Awarded"
    ROTTED = "rotted", "Rotted"
    CANCELLED = "cancelled", "Cancelled"


class Auction(TimeStamped):
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="auctions")
    pool = models.ForeignKey("points.DkpPool", on_delete=models.PROTECT, related_name="auctions")
    raid = models.ForeignKey("raids.Raid", null=True, blank=True, on_delete=models.SET_NULL, related_name="auctions")
    quantity = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=9, choices=AuctionStatus.choices, default=AuctionStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True, help_text="The loot master's word on it: 'Rangers first'.")
    rules = models.JSONField(default=dict, help_text="The pool's rules as they were when the auction opened.")
    tie_break_seed = models.BigIntegerField(default=0, help_text="Seed of the random draw that settles exact ties.")
    outcome = models.JSONField(default=dict, blank=True, help_text="Winners, prices and how ties were broken.")
    discord_channel_id = models.CharField(max_length=20, blank=True)
    discord_message_id = models.CharField(max_length=20, blank=True)
    discord_post_digest = models.CharField(
        max_length=64,
        blank=True,
        help_text="Digest of what the Discord post last said, so an unchanged post is not edited.",
    )

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["closes_at"], condition=models.Q(status="open"), name="auction_open_by_close"),
            models.Index(fields=["pool", "status"], name="auction_pool_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="auction_quantity_positive"),
            models.CheckConstraint(condition=models.Q(status__in=AuctionStatus.values), name="auction_status_valid"),
            models.CheckConstraint(
                condition=models.Q(closes_at__gte=models.F("opened_at")), name="auction_closes_after_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} x{self.quantity} ({self.status})"


class BidStatus(models.TextChoices):
    LIVE = "live", "Live"
    WITHDRAWN = "withdrawn", "Withdrawn"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    REFUNDED = "refunded", "Refunded"  # it won, and the award was reversed: the price came back


class Channel(models.TextChoices):
    """The door a bid came through."""

    WEB = "web", "Web"
    API = "api", "API"
    DISCORD = "discord", "Discord"
    GAME = "game", "In game"  # a tell to the loot master, read from their log by dkp-companion


class ItemBid(TimeStamped):
    """A user's one bid on an auction; raising, lowering and withdrawing change this row."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="bids")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bids")
    character_name = models.CharField(max_length=15)
    amount = models.PositiveIntegerField()
    tag = models.CharField(max_length=4, choices=CharacterTag.choices, default=CharacterTag.MAIN)
    status = models.CharField(max_length=9, choices=BidStatus.choices, default=BidStatus.LIVE)
    amount_set_at = models.DateTimeField(
        default=timezone.now, help_text="When the current amount was placed; the earlier of two equal bids wins a tie."
    )
    channel = models.CharField(
        max_length=7, choices=Channel.choices, default=Channel.WEB, help_text="The door the bid last came through."
    )

    class Meta:
        ordering = ["auction", "-amount", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["auction", "user"], name="one_bid_per_user_per_auction"),
            models.CheckConstraint(condition=models.Q(amount__gte=1), name="bid_amount_positive"),
            models.CheckConstraint(condition=models.Q(status__in=BidStatus.values), name="bid_status_valid"),
        ]
        indexes = [models.Index(fields=["user", "status"], name="bid_user_live")]

    def __str__(self) -> str:
        return f"{self.user} {self.amount} on {self.auction}"


class BidAction(models.TextChoices):
    PLACED = "placed", "Placed"
    RAISED = "raised", "Raised"
    LOWERED = "lowered", "Lowered"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REJECTED = "rejected", "Rejected"


class BidHistory(models.Model):
    """Every action on a bid, accepted or refused, and the door it came through."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="bid_history")
    bid = models.ForeignKey(ItemBid, null=True, blank=True, on_delete=models.PROTECT, related_name="history")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=9, choices=BidAction.choices)
    amount = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=7, choices=Channel.choices)
    said_at = models.DateTimeField(
        null=True, blank=True, help_text="When the bidder said it, where that differs from arrival: a tell's time."
    )
    relayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The officer whose tool brought a bid from the game.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "bid history"
        indexes = [models.Index(fields=["auction", "created_at"], name="bid_history_auction")]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.amount or ''}"


class LootDistribution(models.Model):
    """An item given to a user for a price, by auction or by an officer's direct award."""

    auction = models.ForeignKey(Auction, null=True, blank=True, on_delete=models.PROTECT, related_name="distributions")
    raid = models.ForeignKey("raids.Raid", null=True, blank=True, on_delete=models.SET_NULL, related_name="loot")
    pool = models.ForeignKey("points.DkpPool", on_delete=models.PROTECT, related_name="loot")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="distributions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="loot")
    character_name = models.CharField(max_length=15)
    price = models.PositiveIntegerField()
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    awarded_at = models.DateTimeField(db_index=True)
    is_reversed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-awarded_at"]
        indexes = [
            models.Index(fields=["user", "-awarded_at"], name="loot_user_history"),
            models.Index(fields=["item", "-awarded_at"], name="loot_item_history"),
        ]

    def __str__(self) -> str:
        return f"{self.item} → {self.character_name} ({self.price})"
