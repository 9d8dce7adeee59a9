"""API doors for loot: items and their price history, auctions and bids, and who got what.

Reads need ``read``; bidding and withdrawing need only ``bid`` (a member's everyday act); opening,
closing, extending, cancelling auctions and awarding or correcting loot need ``write`` and an
officer. Who may bid is the bid service's to say, so a guest's or applicant's bid is refused by it
with a rejected row in the bid history, like every other refused bid. An auction whose time is up
is closed before anyone reads it (the lazy close), so a reader never sees a stale "open".
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import filters, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dkp.core.api import API_PERMISSIONS, ERROR_RESPONSES, WholeNumberLookup, acting_user
from dkp.core.errors import NotFound
from dkp.core.fields import GuildFilterBackend, GuildFilterSet, IdFilter, WholeNumberField, WholeNumberRelatedField
from dkp.core.parsers import GuildJSONParser
from dkp.core.roles import Capability
from dkp.loot import selectors, services
from dkp.loot.models import (
    Auction,
    AuctionStatus,
    BidHistory,
    BidStatus,
    Channel,
    Item,
    ItemBid,
    LootDistribution,
)
from dkp.points.models import DkpPool
from dkp.raids.models import Raid

REASON_MAX = 300

# --- Output --------------------------------------------------------------------------------------


class ItemSerializer(serializers.ModelSerializer[Item]):
    class Meta:
        model = Item
        fields = ["id", "name", "eq_item_id"]
        read_only_fields = fields


class ItemDetailSerializer(ItemSerializer):
    # Only on one item at a time: ``Item.link()`` reads the guild settings on every call.
    link = serializers.SerializerMethodField(help_text="The item's page from the guild's link template; may be empty.")

    class Meta(ItemSerializer.Meta):
        fields = [*ItemSerializer.Meta.fields, "link"]
        read_only_fields = fields

    def get_link(self, item: Item) -> str:
        return item.link()


class LootDistributionSerializer(serializers.ModelSerializer[LootDistribution]):
    item_name = serializers.CharField(source="item.name", read_only=True)
    user_name = serializers.CharField(source="user.name", read_only=True, help_text="The winner, as people read it.")
    pool_name = serializers.CharField(source="pool.name", read_only=True)

    class Meta:
        model = LootDistribution
        fields = [
            "id",
            "item",
            "item_name",
            "user",
            "user_name",
            "character_name",
            "price",
            "pool",
            "pool_name",
            "raid",
            "auction",
            "awarded_by",
            "awarded_at",
            "is_reversed",
        ]
        read_only_fields = fields


class AuctionBidSerializer(serializers.ModelSerializer[ItemBid]):
    user_name = serializers.CharField(source="user.name", read_only=True)
    # Plain text rather than an enum: "status" names several different choice sets in the schema.
    status = serializers.CharField(read_only=True, help_text=f"One of: {', '.join(BidStatus.values)}.")

    class Meta:
        model = ItemBid
        fields = [
            "id",
            "auction",
            "user",
            "user_name",
            "character_name",
            "amount",
            "tag",
            "status",
            "channel",
            "amount_set_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BidHistorySerializer(serializers.ModelSerializer[BidHistory]):
    user_name = serializers.CharField(source="user.name", read_only=True)

    class Meta:
        model = BidHistory
        fields = [
            "id",
            "auction",
            "user",
            "user_name",
            "action",
            "amount",
            "reason",
            "channel",
            "said_at",
            "relayed_by",
            "created_at",
        ]
        read_only_fields = fields


class AuctionRulesSerializer(serializers.Serializer[dict[str, Any]]):
    price_rule = serializers.CharField(help_text="second_price or first_price.")
    minimum_bid = serializers.IntegerField()
    bid_increment = serializers.IntegerField(help_text="Bids are whole multiples of it; 0 for any whole number.")
    tag_caps = serializers.DictField(child=serializers.IntegerField(), help_text='e.g. {"alt": 10, "box": 5}.')
    mains_outrank = serializers.BooleanField()
    main_bids_from_alts = serializers.BooleanField(
        default=False, help_text="Whether an alt or box character may bid as main; otherwise a bid takes its tag."
    )
    visibility = serializers.CharField(help_text="sealed (bids hidden until it closes) or open.")


_AUCTION_STATUS_HELP = f"One of: {', '.join(AuctionStatus.values)}."


class AuctionSerializer(serializers.ModelSerializer[Auction]):
    item_name = serializers.CharField(source="item.name", read_only=True)
    pool_name = serializers.CharField(source="pool.name", read_only=True)
    status = serializers.CharField(read_only=True, help_text=_AUCTION_STATUS_HELP)

    class Meta:
        model = Auction
        fields = [
            "id",
            "item",
            "item_name",
            "pool",
            "pool_name",
            "raid",
            "quantity",
            "note",
            "status",
            "opened_at",
            "closes_at",
            "closed_at",
        ]
        read_only_fields = fields


class AuctionWinnerSerializer(serializers.Serializer[selectors.WinnerLine]):
    distribution = serializers.IntegerField(source="distribution.pk")
    user = serializers.IntegerField(source="distribution.user_id")
    user_name = serializers.CharField(source="distribution.user.name")
    character_name = serializers.CharField(source="distribution.character_name")
    price = serializers.IntegerField(source="distribution.price")
    bid_amount = serializers.IntegerField(source="bid.amount", allow_null=True, help_text="What the winner bid.")
    awarded_at = serializers.DateTimeField(source="distribution.awarded_at")
    is_reversed = serializers.BooleanField(source="distribution.is_reversed")


class AuctionDetailSerializer(serializers.Serializer[selectors.AuctionView]):
    """One auction as the viewer may see it: sealed bids stay hidden until it closes."""

    id = serializers.IntegerField(source="auction.pk")
    item = ItemDetailSerializer(source="auction.item")
    pool = serializers.IntegerField(source="auction.pool_id")
    pool_name = serializers.CharField(source="auction.pool.name")
    raid = serializers.IntegerField(source="auction.raid_id", allow_null=True)
    quantity = serializers.IntegerField(source="auction.quantity")
    note = serializers.CharField(source="auction.note", help_text="The loot master's word on it; may be empty.")
    status = serializers.CharField(source="auction.status", help_text=_AUCTION_STATUS_HELP)
    opened_by = serializers.IntegerField(source="auction.opened_by_id", allow_null=True)
    opened_at = serializers.DateTimeField(source="auction.opened_at")
    closes_at = serializers.DateTimeField(source="auction.closes_at")
    closed_at = serializers.DateTimeField(source="auction.closed_at", allow_null=True)
    rules = AuctionRulesSerializer(source="auction.rules", help_text="The pool's rules as they were when it opened.")
    seconds_left = serializers.IntegerField(help_text="0 once closed.")
    my_bid = AuctionBidSerializer(allow_null=True, help_text="Your own bid, whatever its status.")
    my_available = serializers.IntegerField(
        allow_null=True, help_text="What you may bid here: balance minus your live bids on other open auctions."
    )
    can_bid = serializers.BooleanField()
    cannot_bid_reason = serializers.CharField(help_text="Why you cannot bid; empty when you can.")
    bids = AuctionBidSerializer(many=True, help_text="Every bid, best first: while open only when visibility is open.")
    winners = AuctionWinnerSerializer(many=True, help_text="After closing: the awards, reversed ones flagged.")
    tie_breaks = serializers.ListField(child=serializers.CharField(), help_text="How ties were settled.")
    passed_over = serializers.ListField(child=serializers.CharField(), help_text="Winners passed over for balance.")


class ReawardResultSerializer(serializers.Serializer[dict[str, Any]]):
    reversed = LootDistributionSerializer(help_text="The award taken back (refunded).")
    next = LootDistributionSerializer(allow_null=True, help_text="The next bidder's award; null when nobody is left.")


# --- Input ---------------------------------------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "description": 'Whole points, as a JSON number or text ("50"). Anything else is refused with why.',
    }
)
class RawAmountField(serializers.Field):
    """Any JSON value, untouched: the bid service parses amounts and records every refusal."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class BidInputSerializer(serializers.Serializer[ItemBid]):
    # Not required here: a missing amount is refused by the service, with a rejected history row.
    amount = RawAmountField(required=False, allow_null=True, default=None)
    # Plain text too: the service refuses a tag other than main, alt or box, and records the refusal.
    tag = serializers.CharField(
        max_length=10,
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text=(
            "Leave it out: a bid is tagged as its character is (main, alt or box). Given, it must be the "
            "character's own tag, or main for an alt or box when the auction's rules have "
            "main_bids_from_alts; anything else is refused with 422 tag_not_character."
        ),
    )
    character_name = serializers.CharField(
        max_length=64,
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="One of your characters; default your main.",
    )


class AuctionInputSerializer(serializers.Serializer[Auction]):
    item = serializers.CharField(max_length=120, help_text="The item's name; a new name makes a new item.")
    pool = WholeNumberRelatedField(queryset=DkpPool.objects.all())
    quantity = WholeNumberField(services.QUANTITY, required=False, default=1)
    minutes = WholeNumberField(
        services.MINUTES,
        required=False,
        allow_null=True,
        default=None,
        help_text="Default: guild's.",
    )
    raid = WholeNumberRelatedField(queryset=Raid.objects.all(), required=False, allow_null=True, default=None)
    note = serializers.CharField(
        max_length=services.NOTE_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="The loot master's word on the item ('Rangers first'), shown with the auction.",
    )


class GameBidInputSerializer(serializers.Serializer[ItemBid]):
    character_name = serializers.CharField(max_length=64, help_text="The character that sent the tell.")
    amount = RawAmountField(required=False, allow_null=True, default=None)
    tag = serializers.CharField(
        max_length=10,
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="main, alt or box as the raider wrote it; judged as a bid's tag is.",
    )
    told_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The tell's time, with its UTC offset; kept in Bid History as said_at.",
    )


class ExtendInputSerializer(serializers.Serializer[Auction]):
    minutes = WholeNumberField(services.MINUTES)


class CancelInputSerializer(serializers.Serializer[Auction]):
    reason = serializers.CharField(max_length=REASON_MAX, required=False, allow_blank=True, default="")


class LootReasonInputSerializer(serializers.Serializer[LootDistribution]):
    reason = serializers.CharField(max_length=REASON_MAX)


class DirectAwardInputSerializer(serializers.Serializer[LootDistribution]):
    character_name = serializers.CharField(max_length=64)
    item = serializers.CharField(max_length=120, help_text="The item's name; a new name makes a new item.")
    pool = WholeNumberRelatedField(queryset=DkpPool.objects.all())
    price = WholeNumberField(services.PRICE)
    raid = WholeNumberRelatedField(queryset=Raid.objects.all(), required=False, allow_null=True, default=None)


# --- Filters -------------------------------------------------------------------------------------


class ItemFilter(GuildFilterSet):
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name contains")
    eq_item_id = IdFilter(field_name="eq_item_id")

    class Meta:
        model = Item
        fields = ["name", "eq_item_id"]


class AuctionFilter(GuildFilterSet):
    status = django_filters.ChoiceFilter(choices=AuctionStatus.choices)
    pool = IdFilter(field_name="pool_id")
    raid = IdFilter(field_name="raid_id")
    item = IdFilter(field_name="item_id")

    class Meta:
        model = Auction
        fields = ["status", "pool", "raid", "item"]


class LootFilter(GuildFilterSet):
    user = IdFilter(field_name="user_id")
    item = IdFilter(field_name="item_id")
    pool = IdFilter(field_name="pool_id")
    raid = IdFilter(field_name="raid_id")
    reversed = django_filters.BooleanFilter(field_name="is_reversed")

    class Meta:
        model = LootDistribution
        fields = ["user", "item", "pool", "raid", "reversed"]


# --- Doors ---------------------------------------------------------------------------------------


def _id(value: int | str, *, what: str) -> int:
    """A URL's id, already read strictly by ``WholeNumberLookup`` (``what`` names it in docs only)."""
    return int(value)


@extend_schema_view(
    list=extend_schema(responses={200: ItemSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: ItemDetailSerializer, **ERROR_RESPONSES}),
)
class ItemViewSet(WholeNumberLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Item]):
    """Items by name, with their link and every time they dropped."""

    permission_classes = API_PERMISSIONS
    serializer_class = ItemSerializer
    filter_backends = [GuildFilterBackend, filters.OrderingFilter]
    filterset_class = ItemFilter
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> QuerySet[Item]:
        return Item.objects.order_by("name")

    def _item(self, pk: str) -> Item:
        item = Item.objects.filter(pk=_id(pk, what="item")).first()
        if item is None:
            raise NotFound(f"There is no item {pk}.", code="item_not_found")
        return item

    def retrieve(self, request: Request, pk: str, **kwargs: Any) -> Response:
        return Response(ItemDetailSerializer(self._item(pk)).data)

    @extend_schema(responses={200: LootDistributionSerializer(many=True), **ERROR_RESPONSES})
    @action(detail=True, methods=["get"], url_path="price-history", url_name="price-history", filter_backends=[])
    def price_history(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Every time the item dropped: when, who won it, on which character, for how much, newest first."""
        rows = selectors.price_history(item_id=self._item(pk).pk).select_related("item")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(LootDistributionSerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(responses={200: AuctionSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: AuctionDetailSerializer, **ERROR_RESPONSES}),
)
class AuctionViewSet(
    WholeNumberLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Auction]
):
    """Auctions, open ones first. Members bid and withdraw; officers open, extend, close and cancel."""

    permission_classes = API_PERMISSIONS
    parser_classes = [GuildJSONParser]
    serializer_class = AuctionSerializer
    filter_backends = [GuildFilterBackend]  # the selector's order, open first
    filterset_class = AuctionFilter
    capability_by_action = {
        "bid": None,  # the bid service says who may bid, and records the refusal
        "withdraw": None,
        "history": Capability.BID,  # officers read every row, a bidder their own
        "create": Capability.MANAGE_GUILD,
        "close": Capability.MANAGE_GUILD,
        "extend": Capability.MANAGE_GUILD,
        "cancel": Capability.MANAGE_GUILD,
        "game_bid": Capability.MANAGE_GUILD,
    }
    scope_by_action = {"bid": "bid", "withdraw": "bid"}

    def get_queryset(self) -> QuerySet[Auction]:
        return selectors.auctions()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.close_due_auctions()
        return super().list(request, *args, **kwargs)

    def _auction(self, pk: str) -> Auction:
        auction = Auction.objects.select_related("item", "pool").filter(pk=_id(pk, what="auction")).first()
        if auction is None:
            raise NotFound(f"There is no auction {pk}.", code="auction_not_found")
        return auction

    def _detail(self, auction: Auction, *, status_code: int = status.HTTP_200_OK) -> Response:
        view = selectors.auction_view(auction=auction, viewer=acting_user(self.request))
        return Response(AuctionDetailSerializer(view).data, status=status_code)

    def retrieve(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """The auction as you may see it: time left, your bid and what you may bid, winners once closed."""
        return self._detail(services.close_if_due(self._auction(pk)))

    @extend_schema(request=AuctionInputSerializer, responses={201: AuctionDetailSerializer, **ERROR_RESPONSES})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Put an item up for bids in a pool, with the pool's rules as they are now."""
        payload = AuctionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        given = payload.validated_data
        auction = services.open_auction(
            item=given["item"],
            pool=given["pool"],
            actor=acting_user(request),
            quantity=given["quantity"],
            minutes=given["minutes"],
            raid=given["raid"],
            note=given["note"],
        )
        return self._detail(self._auction(str(auction.pk)), status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: AuctionDetailSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Close now: winners are charged and get the item; no bids and it rots."""
        auction = services.close_auction(auction_id=_id(pk, what="auction"), actor=acting_user(request), early=True)
        return self._detail(self._auction(str(auction.pk)))

    @extend_schema(request=ExtendInputSerializer, responses={200: AuctionDetailSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Give an open auction more minutes."""
        payload = ExtendInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        auction = services.extend_auction(
            auction_id=_id(pk, what="auction"), actor=acting_user(request), minutes=payload.validated_data["minutes"]
        )
        return self._detail(self._auction(str(auction.pk)))

    @extend_schema(request=CancelInputSerializer, responses={200: AuctionDetailSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Call an open auction off: nobody wins, nobody is charged."""
        payload = CancelInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        auction = services.cancel_auction(
            auction_id=_id(pk, what="auction"), actor=acting_user(request), reason=payload.validated_data["reason"]
        )
        return self._detail(self._auction(str(auction.pk)))

    @extend_schema(request=BidInputSerializer, responses={201: AuctionBidSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def bid(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Place, raise or lower your one bid (scope ``bid``). It may not exceed your available balance."""
        payload = BidInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        given = payload.validated_data
        placed = services.place_bid(
            auction_id=_id(pk, what="auction"),
            user=acting_user(request),
            amount=given["amount"],
            channel=Channel.API,
            tag=given["tag"] or None,
            character_name=given["character_name"] or None,
        )
        return Response(AuctionBidSerializer(placed).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=GameBidInputSerializer, responses={201: AuctionBidSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"], url_path="game-bid", url_name="game-bid")
    def game_bid(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Officers: a bid a raider sent by tell in EverQuest, for the character that sent it (channel ``game``).

        The bid is the character's owner's, judged exactly as their own bid would be; a refusal is
        recorded for them. A character nobody owns is refused (422 ``unowned_character``), one EQ DKP
        does not know too (422 ``unknown_character``). Send an ``Idempotency-Key`` header so a
        repeated request (a tool restarted) is answered without bidding twice.
        """
        payload = GameBidInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        given = payload.validated_data
        placed = services.place_game_bid(
            auction_id=_id(pk, what="auction"),
            actor=acting_user(request),
            character_name=given["character_name"],
            amount=given["amount"],
            tag=given["tag"] or None,
            said_at=given["told_at"],
        )
        return Response(AuctionBidSerializer(placed).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: AuctionBidSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Take your bid back while the auction is open (scope ``bid``)."""
        withdrawn = services.withdraw_bid(
            auction_id=_id(pk, what="auction"), user=acting_user(request), channel=Channel.API
        )
        return Response(AuctionBidSerializer(withdrawn).data)

    @extend_schema(responses={200: BidHistorySerializer(many=True), **ERROR_RESPONSES})
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Every action on the auction's bids, refusals included: officers see all, a bidder their own."""
        rows = selectors.bid_history(auction=self._auction(pk), viewer=acting_user(request))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(BidHistorySerializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(responses={200: LootDistributionSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(responses={200: LootDistributionSerializer, **ERROR_RESPONSES}),
)
class LootViewSet(
    WholeNumberLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[LootDistribution]
):
    """Who got what for how much. Officers award directly, reverse (refund) and re-award to the next bidder."""

    permission_classes = API_PERMISSIONS
    parser_classes = [GuildJSONParser]
    serializer_class = LootDistributionSerializer
    filter_backends = [GuildFilterBackend, filters.OrderingFilter]
    filterset_class = LootFilter
    ordering_fields = ["awarded_at", "price"]

    def get_queryset(self) -> QuerySet[LootDistribution]:
        return LootDistribution.objects.select_related("item", "user", "pool").order_by("-awarded_at", "-pk")

    def _distribution(self, pk: str) -> LootDistribution:
        found = self.get_queryset().filter(pk=_id(pk, what="loot")).first()
        if found is None:
            raise NotFound(f"There is no loot award {pk}.", code="loot_not_found")
        return found

    def retrieve(self, request: Request, pk: str, **kwargs: Any) -> Response:
        return Response(LootDistributionSerializer(self._distribution(pk)).data)

    @extend_schema(request=DirectAwardInputSerializer, responses={201: LootDistributionSerializer, **ERROR_RESPONSES})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Award an item without an auction, charging the price to the character's owner."""
        payload = DirectAwardInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        given = payload.validated_data
        (awarded,) = services.award_loot_batch(
            lines=[(given["character_name"], given["item"], given["price"])],
            pool=given["pool"],
            actor=acting_user(request),
            raid=given["raid"],
        )
        return Response(
            LootDistributionSerializer(self._distribution(str(awarded.pk))).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=LootReasonInputSerializer, responses={200: LootDistributionSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Take the award back: its price is refunded by a reversal entry."""
        payload = LootReasonInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reversed_award = services.reverse_distribution(
            distribution=self._distribution(pk), actor=acting_user(request), reason=payload.validated_data["reason"]
        )
        return Response(LootDistributionSerializer(self._distribution(str(reversed_award.pk))).data)

    @extend_schema(request=LootReasonInputSerializer, responses={200: ReawardResultSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def reaward(self, request: Request, pk: str, **kwargs: Any) -> Response:
        """Take the award back (refund) and give it to the next bidder, at the price the rules give."""
        payload = LootReasonInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        taken_back = self._distribution(pk)
        following = services.reaward_next(
            distribution_id=taken_back.pk, actor=acting_user(request), reason=payload.validated_data["reason"]
        )
        result = {
            "reversed": self._distribution(pk),
            "next": None if following is None else self._distribution(str(following.pk)),
        }
        return Response(ReawardResultSerializer(result).data)
