"""Items, auctions, bids and loot in the officers' admin.

Auctions and bids are run by the auction services (rules copied from the pool, balance checks,
bid history), and an award is charged to the ledger; so apart from items this is for reading.
The actions call those services: close an auction now, cancel it, and reverse a wrong award
(which refunds its price). The officers' loot console at /officer/loot/ does the same and more.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from dkp.core.admin import (
    NoDeleteAdmin,
    ReadOnlyAdmin,
    ReadOnlyTabularInline,
    ReasonActionForm,
    acting_officer,
    action_reason,
    apply_to_each,
)
from dkp.loot.models import Auction, BidHistory, Item, ItemBid, LootDistribution
from dkp.loot.services import cancel_auction, close_auction, reverse_distribution


@admin.register(Item)
class ItemAdmin(NoDeleteAdmin):
    # No link column: ``Item.link()`` reads the guild settings on every call.
    list_display = ("name", "eq_item_id", "created_at")
    list_filter = (("eq_item_id", admin.EmptyFieldListFilter),)
    search_fields = ("name", "eq_item_id__exact")
    fields = ("name", "eq_item_id", "link", "created_at", "updated_at")
    readonly_fields = ("link", "created_at", "updated_at")

    @admin.display(description="item page")
    def link(self, item: Item) -> str:
        return item.link() if item.pk else ""


class BidInline(ReadOnlyTabularInline):
    model = ItemBid
    fields = ("user", "character_name", "tag", "amount", "status", "created_at", "updated_at")
    ordering = ("-amount", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ItemBid]:
        return super().get_queryset(request).select_related("user", "auction__item")


class BidHistoryInline(ReadOnlyTabularInline):
    """Every action on the auction's bids, refusals included, newest first."""

    model = BidHistory
    fields = ("created_at", "user", "action", "amount", "channel", "reason")
    ordering = ("-created_at", "-pk")
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[BidHistory]:
        return super().get_queryset(request).select_related("user")


@admin.register(Auction)
class AuctionAdmin(ReadOnlyAdmin):
    list_display = ("opened_at", "item", "pool", "quantity", "status", "closes_at", "closed_at", "opened_by", "raid")
    list_select_related = ("item", "pool", "opened_by", "raid__event")
    list_filter = ("status", "pool", ("raid", admin.EmptyFieldListFilter))
    search_fields = ("item__name", "raid__event__name")
    date_hierarchy = "opened_at"
    inlines = (BidInline, BidHistoryInline)
    action_form = ReasonActionForm
    actions = ("close_now", "cancel_auctions")

    @admin.action(description="Close selected auctions now (award the winners)")
    def close_now(self, request: HttpRequest, queryset: QuerySet[Auction]) -> None:
        officer = acting_officer(request)
        apply_to_each(
            self,
            request,
            queryset.select_related("item"),
            lambda auction: close_auction(auction_id=auction.pk, actor=officer, early=True),
            done=("Closed {count} auction.", "Closed {count} auctions."),
        )

    @admin.action(description="Cancel selected auctions (nobody is charged)")
    def cancel_auctions(self, request: HttpRequest, queryset: QuerySet[Auction]) -> None:
        officer = acting_officer(request)
        reason = action_reason(request) or f"Cancelled from the admin by {officer.name}"
        apply_to_each(
            self,
            request,
            queryset.select_related("item"),
            lambda auction: cancel_auction(auction_id=auction.pk, actor=officer, reason=reason),
            done=("Cancelled {count} auction.", "Cancelled {count} auctions."),
        )


@admin.register(ItemBid)
class ItemBidAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "auction", "user", "character_name", "tag", "amount", "status", "updated_at")
    list_select_related = ("auction__item", "user")
    list_filter = ("status", "tag", "auction__pool")
    search_fields = ("character_name", "user__username", "user__display_name", "auction__item__name")
    date_hierarchy = "created_at"


@admin.register(BidHistory)
class BidHistoryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "auction", "user", "action", "amount", "channel", "reason")
    list_select_related = ("auction__item", "user")
    list_filter = ("action", "channel", "auction__pool")
    search_fields = ("user__username", "user__display_name", "auction__item__name", "reason")
    date_hierarchy = "created_at"


@admin.register(LootDistribution)
class LootDistributionAdmin(ReadOnlyAdmin):
    list_display = (
        "awarded_at",
        "item",
        "character_name",
        "user",
        "pool",
        "price",
        "is_reversed",
        "raid",
        "awarded_by",
    )
    list_select_related = ("item", "user", "pool", "raid__event", "awarded_by")
    list_filter = ("is_reversed", "pool", ("auction", admin.EmptyFieldListFilter))
    search_fields = ("item__name", "character_name", "user__username", "user__display_name")
    date_hierarchy = "awarded_at"
    action_form = ReasonActionForm
    actions = ("reverse_awards",)

    @admin.action(description="Reverse selected awards (refund)")
    def reverse_awards(self, request: HttpRequest, queryset: QuerySet[LootDistribution]) -> None:
        officer = acting_officer(request)
        reason = action_reason(request) or f"Reversed from the admin by {officer.name}"
        apply_to_each(
            self,
            request,
            queryset.select_related("item"),
            lambda distribution: reverse_distribution(distribution=distribution, actor=officer, reason=reason),
            done=(
                "Reversed {count} award; its price is refunded.",
                "Reversed {count} awards; their prices are refunded.",
            ),
        )
