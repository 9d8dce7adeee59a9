"""Auctions in Discord, as the personas see them: /auction, /bid, the posts and their Bid button."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import re
import zoneinfo

import discord
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from dkp.bot.auctions import EDIT_SECONDS, TIMES, TRAILING_SECONDS, refresh_auction_posts
from dkp.bot.core import db
from dkp.characters.models import Character, CharacterTag
from dkp.core.models import GuildSettings
from dkp.loot import services
from dkp.loot.models import Auction, AuctionStatus, BidHistory, ItemBid
from dkp.loot.tasks import close_auction_task
from dkp.points.models import DkpPool, EntryKind, PointEntry, UserPointsSummary
from dkp.testing.personas import make_character
from dkp.testing.simcord_world import World, in_discord

# --- helpers -------------------------------------------------------------------------------------------


def said(result) -> str:
    """Everything the bot answered to one interaction, as the person saw it."""
    messages = [*([result.response] if result.response is not None else []), *result.followups]
    return "\n".join(message.content for message in messages)


def only_to_them(result) -> bool:
    messages = [*([result.response] if result.response is not None else []), *result.followups]
    return bool(messages) and all(message.ephemeral for message in messages)


def _auction_row(auction_id: int) -> Auction:
    return Auction.objects.get(pk=auction_id)


async def post_of(world: World, auction_id: int) -> discord.Message:
    """The auction's post in Discord, found through the message id the bot recorded."""
    auction = await db(_auction_row, auction_id)
    assert auction.discord_message_id, "the auction was never posted"
    for channel in world.server.channels.values():
        for message in channel.history():
            if str(message.id) == auction.discord_message_id:
                return message
    raise AssertionError(f"no post {auction.discord_message_id} in Discord")


def has_bid_button(message: discord.Message, auction_id: int) -> bool:
    return any(
        getattr(child, "custom_id", None) == f"dkp:bid:{auction_id}"
        for row in message.components
        for child in getattr(row, "children", [])
    )


def edits(world: World) -> int:
    return sum(1 for request in world.env.http_requests if request.method == "PATCH" and "/messages/" in request.path)


def _open(guild, item: str = "Cloak of Flames", **options) -> int:
    return services.open_auction(item=item, pool=guild.pool, actor=guild.officer, **options).pk


def _bid(user, auction_id: int, amount: object) -> None:
    services.place_bid(auction_id=auction_id, user=user, amount=amount, channel="web")


def _latest_auction_id() -> int:
    auction = Auction.objects.order_by("-pk").first()
    assert auction is not None
    return auction.pk


async def open_and_post(world: World, guild, item: str = "Cloak of Flames", **options) -> int:
    """An auction opened on the web and posted by the bot in #raid, the guild's auction channel."""
    await db(_set_channels, auction=str(world.channel.id))
    auction_id = await db(_open, guild, item, **options)
    await refresh_auction_posts(world.bot)
    return auction_id


def _set_channels(*, auction: str = "", announce: str = "") -> None:
    settings = GuildSettings.load()
    settings.discord_auction_channel_id = auction
    settings.discord_announce_channel_id = announce
    settings.save()


def _balance(user) -> int:
    return UserPointsSummary.objects.get(user=user).balance


# --- /auction start ------------------------------------------------------------------------------------


def test_officer_opens_an_auction_and_it_is_posted_in_that_channel(guild):
    async def scenario(world: World):
        result = await world.officer.slash(world.channel, "auction start", item="Cloak of Flames", quantity=2)
        auction_id = await db(_latest_auction_id)
        return result, auction_id, await post_of(world, auction_id), world.channel.id

    result, auction_id, post, channel_id = in_discord(guild, scenario)
    assert only_to_them(result)
    assert f"Auction #{auction_id} is open: Cloak of Flames {TIMES}2 in Main" in said(result)
    assert "posted here" in said(result)
    assert post.channel.id == channel_id
    assert f"**Auction #{auction_id}**: **Cloak of Flames** {TIMES}2" in post.content
    assert "Pool: Main · sealed bids" in post.content
    auction = Auction.objects.get(pk=auction_id)
    assert f"Closes <t:{int(auction.closes_at.timestamp())}:R>" in post.content
    assert "0 bidders" in post.content
    assert has_bid_button(post, auction_id)
    assert auction.status == AuctionStatus.OPEN
    assert auction.quantity == 2
    assert auction.opened_by == guild.officer
    assert (auction.discord_channel_id, auction.discord_message_id) == (str(channel_id), str(post.id))
    assert auction.discord_post_digest


def test_auction_start_takes_minutes_and_a_pool_and_links_a_known_item(guild):
    from dkp.loot.models import Item
    from dkp.points.models import DkpPool

    DkpPool.objects.create(name="Legacy")
    Item.objects.create(name="Fungus Covered Scale Tunic", eq_item_id=1234)

    async def scenario(world: World):
        result = await world.officer.slash(
            world.channel, "auction start", item="fungus covered scale tunic", minutes=15, pool="legacy"
        )
        auction_id = await db(_latest_auction_id)
        return result, await post_of(world, auction_id)

    result, post = in_discord(guild, scenario)
    auction = Auction.objects.select_related("pool").latest("pk")
    assert auction.pool.name == "Legacy"
    assert auction.closes_at - auction.opened_at == dt.timedelta(minutes=15)
    assert "in Legacy" in said(result)
    assert "[Fungus Covered Scale Tunic](<https://everquest.allakhazam.com/db/item.html?item=1234>)" in post.content


def test_pool_autocomplete_offers_active_pools(guild):
    from dkp.points.models import DkpPool

    DkpPool.objects.create(name="Legacy")
    DkpPool.objects.create(name="Retired", is_active=False)

    async def scenario(world: World):
        every = await world.officer.autocomplete(world.channel, "auction start", "pool", "", item="Cloak")
        typed = await world.officer.autocomplete(world.channel, "auction start", "pool", "leg", item="Cloak")
        return every, typed

    every, typed = in_discord(guild, scenario)
    assert [choice["name"] for choice in every] == ["Legacy", "Main"]
    assert typed == [{"name": "Legacy", "value": "Legacy"}]


@pytest.mark.parametrize("persona", ["good_member", "recruiter", "applicant", "guest"])
def test_only_officers_open_auctions(guild, persona):
    async def scenario(world: World):
        return await getattr(world, persona).slash(world.channel, "auction start", item="Cloak of Flames")

    result = in_discord(guild, scenario)
    assert only_to_them(result)
    assert "may not manage raids, ticks, auctions" in said(result)
    assert not Auction.objects.exists()


def test_someone_without_an_account_is_told_to_sign_in(guild):
    async def scenario(world: World):
        stranger = world.server.add_member(world.env.create_user("stranger"))
        opened = await stranger.slash(world.channel, "auction start", item="Cloak of Flames")
        auction_id = await db(_open, guild)
        bid = await stranger.slash(world.channel, "bid", item=str(auction_id), amount="5")
        await db(_set_channels, auction=str(world.channel.id))
        await refresh_auction_posts(world.bot)
        click = await stranger.click(await post_of(world, auction_id), label="Bid")
        return opened, bid, click

    opened, bid, click = in_discord(guild, scenario)
    for result in (opened, bid, click):
        assert only_to_them(result)
        assert "You have no EQ DKP account yet: sign in once with Discord at http://dkp.test/" in said(result)
    assert click.modal is None
    assert not ItemBid.objects.exists()
    assert Auction.objects.count() == 1


def test_an_unknown_pool_is_refused(guild):
    async def scenario(world: World):
        return await world.officer.slash(world.channel, "auction start", item="Cloak of Flames", pool="Nope")

    result = in_discord(guild, scenario)
    assert only_to_them(result)
    assert "There is no DKP pool 'Nope'." in said(result)
    assert not Auction.objects.exists()


# --- /bid ------------------------------------------------------------------------------------------------


def test_member_bids_and_sees_amount_character_and_what_is_left(guild):
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        result = await world.good_member.slash(world.channel, "bid", item=str(auction_id), amount="30")
        return auction_id, result, await post_of(world, auction_id)

    auction_id, result, post = in_discord(guild, scenario)
    assert only_to_them(result)
    assert said(result) == (
        f"Your bid of 30 points on Cloak of Flames (#{auction_id}) for Gwendolyn (main) is in. "
        "You have 60 points available in Main after it."
    )
    bid = ItemBid.objects.get(auction_id=auction_id)
    assert (bid.user, bid.amount, bid.character_name) == (guild.good_member, 30, "Gwendolyn")
    assert BidHistory.objects.get(bid=bid).channel == "discord"
    assert "1 bidder" in post.content
    # sealed: nobody sees amounts while it is open (Discord timestamps <t:…> may hold any digits)
    assert not re.search(r"\b30\b", re.sub(r"<t:\d+(:\w)?>", "", post.content))


def test_available_balance_after_a_bid_counts_bids_on_other_open_auctions(guild):
    async def scenario(world: World):
        first = await db(_open, guild, "Cloak of Flames")
        second = await db(_open, guild, "Jaded Electrum Bracelet")
        await db(_bid, guild.good_member, first, 50)
        return await world.good_member.slash(world.channel, "bid", item=str(second), amount="25")

    result = in_discord(guild, scenario)
    assert "for Gwendolyn (main) is in. You have 15 points available in Main after it." in said(result)


def test_a_typed_item_name_picks_the_one_open_auction(guild):
    async def scenario(world: World):
        auction_id = await db(_open, guild, "Cloak of Flames")
        result = await world.good_member.slash(world.channel, "bid", item="cloak of flames", amount="12")
        return auction_id, result

    auction_id, result = in_discord(guild, scenario)
    assert f"Your bid of 12 points on Cloak of Flames (#{auction_id})" in said(result)


def test_a_name_matching_several_open_auctions_names_their_numbers(guild):
    async def scenario(world: World):
        first = await db(_open, guild, "Cloak of Flames")
        second = await db(_open, guild, "Cloak of Shadows")
        result = await world.good_member.slash(world.channel, "bid", item="Cloak", amount="12")
        return first, second, result

    first, second, result = in_discord(guild, scenario)
    assert only_to_them(result)
    assert f"#{first} (Cloak of Flames)" in said(result)
    assert f"#{second} (Cloak of Shadows)" in said(result)
    assert "Pick one from the list or give its number." in said(result)
    assert not ItemBid.objects.exists()


def test_bid_autocomplete_lists_open_auctions_with_number_and_closing_time(guild):
    async def scenario(world: World):
        cloak = await db(_open, guild, "Cloak of Flames", quantity=2)
        bracelet = await db(_open, guild, "Jaded Electrum Bracelet")
        gone = await db(_open, guild, "Rusty Axe")
        await db(services.cancel_auction, auction_id=gone, actor=guild.officer, reason="mistake")
        every = await world.good_member.autocomplete(world.channel, "bid", "item", "", amount="5")
        typed = await world.good_member.autocomplete(world.channel, "bid", "item", "brace", amount="5")
        officer = await world.officer.autocomplete(world.channel, "auction close", "auction", "")
        return cloak, bracelet, every, typed, officer

    cloak, bracelet, every, typed, officer = in_discord(guild, scenario)
    zone = zoneinfo.ZoneInfo(GuildSettings.load().time_zone)
    closes = Auction.objects.get(pk=cloak).closes_at.astimezone(zone).strftime("%H:%M")
    assert [choice["value"] for choice in every] == [str(cloak), str(bracelet)]
    assert every[0]["name"] == f"Cloak of Flames {TIMES}2 — #{cloak}, closes {closes}"
    assert typed == [every[1]]
    assert officer == every
    assert "Rusty Axe" not in str(every)


def test_bid_over_the_available_balance_is_refused_and_changes_nothing(guild):
    async def scenario(world: World):
        auction_id = await db(_open, guild)
        return auction_id, await world.poor_member.slash(world.channel, "bid", item=str(auction_id), amount="50")

    auction_id, result = in_discord(guild, scenario)
    assert only_to_them(result)
    assert said(result) == "You have 10 points available in Main; a bid of 50 is more than that."
    assert not ItemBid.objects.exists()
    assert _balance(guild.poor_member) == 10
    assert BidHistory.objects.get(auction_id=auction_id).action == "rejected"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "A bid must be a whole number written with the digits 0-9, such as 50."),
        ("-5", "A bid must be from 1 to 1,000,000."),
        ("12.5", "A bid must be a whole number written with the digits 0-9, such as 50."),
        ("0", "A bid must be from 1 to 1,000,000."),
        (" 50 ", "A bid must be a whole number written with the digits 0-9, such as 50."),
        ("+5", "A bid must be a whole number written with the digits 0-9, such as 50."),
    ],
)
def test_malformed_amounts_are_refused_with_the_reason(guild, amount, message):
    async def scenario(world: World):
        auction_id = await db(_open, guild)
        return await world.good_member.slash(world.channel, "bid", item=str(auction_id), amount=amount)

    result = in_discord(guild, scenario)
    assert only_to_them(result)
    assert said(result) == message
    assert not ItemBid.objects.exists()


def test_bid_on_a_closed_auction_is_refused(guild):
    async def scenario(world: World):
        auction_id = await db(_open, guild)
        await db(services.close_auction, auction_id=auction_id, actor=guild.officer, early=True)
        return await world.good_member.slash(world.channel, "bid", item=str(auction_id), amount="10")

    result = in_discord(guild, scenario)
    zone = zoneinfo.ZoneInfo(GuildSettings.load().time_zone)
    closed_at = Auction.objects.get().closed_at.astimezone(zone).strftime("%H:%M:%S")
    assert only_to_them(result)
    assert said(result) == f"This auction closed at {closed_at}; it takes no more bids."
    assert not ItemBid.objects.exists()


def test_bid_on_an_auction_that_does_not_exist_is_refused(guild):
    async def scenario(world: World):
        number = await world.good_member.slash(world.channel, "bid", item="999", amount="10")
        name = await world.good_member.slash(world.channel, "bid", item="Nothing Like It", amount="10")
        return number, name

    number, name = in_discord(guild, scenario)
    assert said(number) == "There is no auction #999."
    assert said(name) == "No open auction is for 'Nothing Like It'."


@pytest.mark.parametrize(("persona", "role"), [("applicant", "An applicant"), ("guest", "A guest")])
def test_applicants_and_guests_cannot_bid(guild, persona, role):
    async def scenario(world: World):
        auction_id = await db(_open, guild)
        return await getattr(world, persona).slash(world.channel, "bid", item=str(auction_id), amount="5")

    result = in_discord(guild, scenario)
    assert only_to_them(result)
    assert said(result) == f"{role} may not bid, claim characters and request missed ticks."
    assert not ItemBid.objects.exists()


def test_bid_for_a_character_that_is_not_yours_is_refused(guild):
    async def scenario(world: World):
        auction_id = await db(_open, guild)
        return await world.good_member.slash(
            world.channel, "bid", item=str(auction_id), amount="5", character="Pipperel"
        )

    result = in_discord(guild, scenario)
    assert said(result) == "Pipperel is not one of your characters."
    assert not ItemBid.objects.exists()


def _box_for(user, name: str = "Gwenbox") -> None:
    make_character(name, user)
    Character.objects.filter(name=name).update(tag=CharacterTag.BOX)


def _allow_main_bids_from_alts(pool: DkpPool) -> None:
    pool.main_bids_from_alts = True
    pool.save(update_fields=["main_bids_from_alts"])


def test_a_box_characters_bid_as_main_is_refused_and_leaves_a_rejected_row(guild):
    async def scenario(world: World):
        await db(_box_for, guild.good_member)
        auction_id = await db(_open, guild)
        return auction_id, await world.good_member.slash(
            world.channel, "bid", item=str(auction_id), amount="50", tag="main", character="Gwenbox"
        )

    auction_id, result = in_discord(guild, scenario)
    assert only_to_them(result)
    assert said(result) == (
        "Gwenbox is your box character, so this is a box bid: this pool does not let alts and boxes bid as main."
    )
    assert not ItemBid.objects.exists()
    assert BidHistory.objects.get(auction_id=auction_id).action == "rejected"


def test_a_box_characters_bid_without_a_tag_is_a_box_bid(guild):
    async def scenario(world: World):
        await db(_box_for, guild.good_member)
        auction_id = await db(_open, guild)
        return await world.good_member.slash(
            world.channel, "bid", item=str(auction_id), amount="5", character="Gwenbox"
        )

    result = in_discord(guild, scenario)
    assert "for Gwenbox (box) is in." in said(result)
    assert ItemBid.objects.get().tag == "box"


def test_where_the_pool_allows_it_a_box_bids_as_main_by_command_and_by_modal(guild):
    async def scenario(world: World):
        await db(_box_for, guild.good_member)
        await db(_allow_main_bids_from_alts, guild.pool)
        first = await open_and_post(world, guild)
        by_command = await world.good_member.slash(
            world.channel, "bid", item=str(first), amount="20", tag="main", character="Gwenbox"
        )
        second = await open_and_post(world, guild, "Shiny Brass Idol")
        shown = await world.good_member.click(await post_of(world, second), label="Bid")
        by_modal = await world.good_member.submit_modal(
            shown, {"amount": "10", "tag": ["main"], "character": "Gwenbox"}
        )
        return shown, by_command, by_modal

    shown, by_command, by_modal = in_discord(guild, scenario)
    assert "for Gwenbox (main) is in." in said(by_command)
    assert "tag" in custom_ids(shown.modal)
    assert "for Gwenbox (main) is in." in said(by_modal)
    assert sorted(ItemBid.objects.values_list("character_name", "tag", "amount")) == [
        ("Gwenbox", "main", 10),
        ("Gwenbox", "main", 20),
    ]


# --- the Bid button and its modal -------------------------------------------------------------------


def custom_ids(modal) -> set[str]:
    return {row["component"].get("custom_id") for row in modal["components"] if "component" in row}


def test_bid_button_opens_a_modal_and_the_bid_is_confirmed_privately(guild):
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        shown = await world.good_member.click(await post_of(world, auction_id), label="Bid")
        answer = await world.good_member.submit_modal(shown, {"amount": "40"})
        again = await world.good_member.click(await post_of(world, auction_id), label="Bid")
        return auction_id, shown, answer, again, await post_of(world, auction_id)

    auction_id, shown, answer, again, post = in_discord(guild, scenario)
    assert shown.modal is not None
    assert shown.modal["title"] == "Bid on Cloak of Flames"
    assert "You have 90 points available in Main." in str(shown.modal)
    assert only_to_them(answer)
    assert said(answer) == (
        f"Your bid of 40 points on Cloak of Flames (#{auction_id}) for Gwendolyn (main) is in. "
        "You have 50 points available in Main after it."
    )
    # the tag follows the character: in a pool that lets nobody bid as main from an alt, nothing to choose
    assert "tag" not in custom_ids(shown.modal)
    # the modal opened again starts from the bid you have
    amount = next(row["component"] for row in again.modal["components"] if row["component"]["custom_id"] == "amount")
    assert amount["value"] == "40"
    assert "1 bidder" in post.content
    bid = ItemBid.objects.get(auction_id=auction_id)
    assert (bid.amount, bid.tag, bid.character_name) == (40, "main", "Gwendolyn")


def test_bid_modal_refuses_bad_amounts_and_overspending(guild):
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        post = await post_of(world, auction_id)
        answers = []
        for amount in ("abc", "50"):
            shown = await world.poor_member.click(post, label="Bid")
            answers.append(await world.poor_member.submit_modal(shown, {"amount": amount}))
        return answers

    malformed, too_much = in_discord(guild, scenario)
    assert only_to_them(malformed)
    assert said(malformed) == "A bid must be a whole number written with the digits 0-9, such as 50."
    assert said(too_much) == "You have 10 points available in Main; a bid of 50 is more than that."
    assert not ItemBid.objects.exists()


@pytest.mark.parametrize(
    ("persona", "message"), [("applicant", "Only guild members can bid."), ("guest", "Only guild members can bid.")]
)
def test_bid_button_refuses_applicants_and_guests_without_a_modal(guild, persona, message):
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        return await getattr(world, persona).click(await post_of(world, auction_id), label="Bid")

    result = in_discord(guild, scenario)
    assert result.modal is None
    assert only_to_them(result)
    assert said(result) == message


def test_bid_button_on_a_post_left_over_from_a_closed_auction_says_it_is_over(guild):
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        post = await post_of(world, auction_id)  # the post as it was, with its button
        await db(services.cancel_auction, auction_id=auction_id, actor=guild.officer, reason="wrong item")
        return await world.good_member.click(post, label="Bid")

    result = in_discord(guild, scenario)
    assert result.modal is None
    assert said(result) == "This auction was cancelled."


def test_bid_button_still_works_after_a_restart(guild):
    async def scenario(world: World):
        await world.officer.slash(world.channel, "auction start", item="Cloak of Flames")
        auction_id = await db(_latest_auction_id)
        await world.restart()
        shown = await world.good_member.click(await post_of(world, auction_id), label="Bid")
        answer = await world.good_member.submit_modal(shown, {"amount": "20"})
        return auction_id, shown, answer, await post_of(world, auction_id)

    auction_id, shown, answer, post = in_discord(guild, scenario)
    assert shown.modal is not None
    assert f"Your bid of 20 points on Cloak of Flames (#{auction_id})" in said(answer)
    assert "1 bidder" in post.content
    assert ItemBid.objects.get(auction_id=auction_id).amount == 20


# --- /auction close and cancel ------------------------------------------------------------------------


def test_officer_closes_an_auction_early_and_the_post_shows_the_winner(guild):
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        await db(_bid, guild.good_member, auction_id, 30)
        await db(_bid, guild.poor_member, auction_id, 8)
        result = await world.officer.slash(world.channel, "auction close", auction=str(auction_id))
        return auction_id, result, await post_of(world, auction_id)

    auction_id, result, post = in_discord(guild, scenario)
    assert only_to_them(result)
    assert said(result) == f"Auction #{auction_id} (Cloak of Flames) is closed. Won by Gwendolyn for 9 points."
    assert "Won by **Gwendolyn** for 9 points" in post.content
    assert "2 bidders" in post.content
    assert not has_bid_button(post, auction_id)
    assert _balance(guild.good_member) == 81


def test_closing_an_auction_nobody_bid_on_rots_the_item(guild):
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        result = await world.officer.slash(world.channel, "auction close", auction="Cloak of Flames")
        return auction_id, result, await post_of(world, auction_id)

    auction_id, result, post = in_discord(guild, scenario)
    assert said(result) == f"Auction #{auction_id} (Cloak of Flames) is closed: nobody bid, the item rots."
    assert "No bids: the item rots." in post.content


def test_officer_cancels_an_auction_with_a_reason(guild):
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        await db(_bid, guild.good_member, auction_id, 30)
        result = await world.officer.slash(
            world.channel, "auction cancel", auction=str(auction_id), reason="Wrong item, it was the shawl"
        )
        return auction_id, result, await post_of(world, auction_id)

    auction_id, result, post = in_discord(guild, scenario)
    assert only_to_them(result)
    assert said(result) == f"Auction #{auction_id} (Cloak of Flames) is cancelled; nobody pays."
    assert "**Cancelled**" in post.content
    assert "Wrong item, it was the shawl" in post.content
    assert not has_bid_button(post, auction_id)
    assert Auction.objects.get(pk=auction_id).status == AuctionStatus.CANCELLED
    assert _balance(guild.good_member) == 90


@pytest.mark.parametrize("command", ["auction close", "auction cancel"])
def test_members_cannot_close_or_cancel(guild, command):
    async def scenario(world: World):
        auction_id = await db(_open, guild)
        options = {"auction": str(auction_id)}
        if command == "auction cancel":
            options["reason"] = "I want it"
        return await world.good_member.slash(world.channel, command, **options)

    result = in_discord(guild, scenario)
    assert only_to_them(result)
    assert "A member may not manage raids, ticks, auctions" in said(result)
    assert Auction.objects.get().status == AuctionStatus.OPEN


def test_closing_an_auction_twice_is_refused(guild):
    async def scenario(world: World):
        auction_id = await db(_open, guild)
        await world.officer.slash(world.channel, "auction close", auction=str(auction_id))
        return await world.officer.slash(world.channel, "auction close", auction=str(auction_id))

    result = in_discord(guild, scenario)
    assert "This auction closed at" in said(result)


# --- the posts ----------------------------------------------------------------------------------------


def test_a_sealed_post_never_shows_amounts_while_open(guild):
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        contents = []
        for person, amount in ((world.good_member, 37), (world.poor_member, 7), (world.officer, 23)):
            await person.slash(world.channel, "bid", item=str(auction_id), amount=str(amount))
            contents.append((await post_of(world, auction_id)).content)
            await world.env.advance_time(EDIT_SECONDS)  # the post rests after each edit
            await world.env.advance_time(EDIT_SECONDS)  # the post rests after each edit
        return contents

    contents = in_discord(guild, scenario)
    auction = Auction.objects.get()
    closes = int(auction.closes_at.timestamp())
    assert contents == [
        f"**Auction #{auction.pk}**: **Cloak of Flames**\n"
        "Pool: Main · sealed bids\n"
        f"Closes <t:{closes}:R> (at <t:{closes}:t>) · {people}\n"
        "Press **Bid** or use `/bid` to bid."
        for people in ("1 bidder", "2 bidders", "3 bidders")
    ]


def test_an_open_pool_post_shows_live_amounts(guild):
    guild.pool.visibility = "open"
    guild.pool.save()

    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        await db(_bid, guild.good_member, auction_id, 37)
        await db(_bid, guild.poor_member, auction_id, 7)
        await refresh_auction_posts(world.bot)
        return await post_of(world, auction_id)

    post = in_discord(guild, scenario)
    assert "open bids" in post.content
    assert "Bids: Gwendolyn 37, Pipperel 7" in post.content


def _game_bid(officer, auction_id: int, character_name: str, amount: object) -> None:
    services.place_game_bid(auction_id=auction_id, actor=officer, character_name=character_name, amount=amount)


def test_a_bid_told_in_game_shows_on_the_post_beside_a_web_bid(guild):
    guild.pool.visibility = "open"
    guild.pool.save()

    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        await db(_bid, guild.poor_member, auction_id, 7)
        await db(_game_bid, guild.officer, auction_id, "Gwendolyn", 41)
        await refresh_auction_posts(world.bot)
        return await post_of(world, auction_id)

    post = in_discord(guild, scenario)
    assert "Bids: Gwendolyn 41, Pipperel 7" in post.content


def test_a_second_refresh_with_nothing_changed_edits_nothing(guild):
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        await db(_bid, guild.good_member, auction_id, 30)
        first = await refresh_auction_posts(world.bot)
        edits_before = edits(world)
        second = await refresh_auction_posts(world.bot)
        return first, second, edits_before, edits(world)

    first, second, edits_before, edits_after = in_discord(guild, scenario)
    assert first == 1
    assert edits_before >= 1
    assert second == 0
    assert edits_after == edits_before


def test_an_auction_opened_on_the_web_is_posted_in_the_auction_channel(guild):
    async def scenario(world: World):
        loot = world.server.create_text_channel("loot")
        announcements = world.server.create_text_channel("announcements")
        auction_id = await db(_open, guild)
        await db(_set_channels)
        nowhere = await refresh_auction_posts(world.bot)
        await db(_set_channels, announce=str(announcements.id))
        await db(_set_channels, auction=str(loot.id), announce=str(announcements.id))
        written = await refresh_auction_posts(world.bot)
        return auction_id, nowhere, written, await post_of(world, auction_id), loot.id

    auction_id, nowhere, written, post, loot_id = in_discord(guild, scenario)
    assert nowhere == 0
    assert written == 1
    assert post.channel.id == loot_id
    assert has_bid_button(post, auction_id)
    assert Auction.objects.get(pk=auction_id).discord_channel_id == str(loot_id)


def test_without_an_auction_channel_the_announcement_channel_gets_the_post(guild):
    async def scenario(world: World):
        announcements = world.server.create_text_channel("announcements")
        await db(_set_channels, announce=str(announcements.id))
        auction_id = await db(_open, guild)
        await refresh_auction_posts(world.bot)
        return (await post_of(world, auction_id)).channel.id, announcements.id

    posted_in, announcements_id = in_discord(guild, scenario)
    assert posted_in == announcements_id


def test_a_post_deleted_in_discord_is_posted_again(guild):
    async def scenario(world: World):
        await world.officer.slash(world.channel, "auction start", item="Cloak of Flames")
        auction_id = await db(_latest_auction_id)
        old = await post_of(world, auction_id)
        await db(_bid, guild.good_member, auction_id, 30)
        world.env.inject_error("PATCH", "/channels/*/messages/*", status=404, code=10008, message="Unknown Message")
        written = await refresh_auction_posts(world.bot)
        return old.id, written, await post_of(world, auction_id)

    old_id, written, new = in_discord(guild, scenario)
    assert written == 1
    assert new.id != old_id
    assert "1 bidder" in new.content


def test_a_post_the_bot_may_not_edit_is_skipped_and_tried_again_later(guild):
    async def scenario(world: World):
        await world.officer.slash(world.channel, "auction start", item="Cloak of Flames")
        auction_id = await db(_latest_auction_id)
        world.env.inject_error("PATCH", "/channels/*/messages/*", status=403, code=50013, message="Missing Permissions")
        first = await world.good_member.slash(world.channel, "bid", item=str(auction_id), amount="30")
        refused = await post_of(world, auction_id)
        second = await world.poor_member.slash(world.channel, "bid", item=str(auction_id), amount="5")
        resting = await post_of(world, auction_id)  # the refused edit was a request: the post rests all the same
        await world.env.advance_time(EDIT_SECONDS + TRAILING_SECONDS)
        return first, second, refused, resting, await post_of(world, auction_id)

    first, second, refused, resting, post = in_discord(guild, scenario)
    assert "Your bid of 30 points" in said(first)
    assert "Your bid of 5 points" in said(second)
    assert "0 bidders" in refused.content
    assert "0 bidders" in resting.content
    assert "2 bidders" in post.content


def test_refresh_closes_auctions_whose_time_is_up(guild):
    async def scenario(world: World):
        await world.officer.slash(world.channel, "auction start", item="Cloak of Flames", minutes=5)
        auction_id = await db(_latest_auction_id)
        await db(_bid, guild.good_member, auction_id, 30)
        with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=6), tick=False):
            written = await refresh_auction_posts(world.bot)
        return auction_id, written, await post_of(world, auction_id)

    auction_id, written, post = in_discord(guild, scenario)
    assert written == 1
    assert Auction.objects.get(pk=auction_id).status == AuctionStatus.AWARDED
    assert "Won by **Gwendolyn** for 1 point" in post.content


# --- edits Discord will accept -------------------------------------------------------------------------


def record_edits(world: World) -> dict[int, list[float]]:
    """When (Discord's clock, seconds) each post was edited, by message id, from now on."""
    clock = world.env.backend.clock
    edited: dict[int, list[float]] = {}
    real_edit = world.bot.http.edit_message

    async def edit_message(channel_id, message_id, **options):
        answer = await real_edit(channel_id, message_id, **options)
        edited.setdefault(int(message_id), []).append(clock.elapsed)
        return answer

    world.bot.http.edit_message = edit_message  # type: ignore[method-assign]
    return edited


def test_a_burst_of_bids_edits_each_post_at_most_once_per_interval_and_ends_on_its_last_state(guild):
    guild.pool.visibility = "open"
    guild.pool.save()

    async def scenario(world: World):
        auction_ids = [await open_and_post(world, guild, f"Gem {number}") for number in range(10)]
        edited = record_edits(world)
        # 50 bids over five seconds: every second each auction gets a raise, Gwendolyn and Devraxx in turn.
        for amount, bidder in enumerate((world.good_member, world.developer) * 2 + (world.good_member,), start=1):
            for auction_id in auction_ids:
                await bidder.slash(world.channel, "bid", item=str(auction_id), amount=str(amount))
            await world.env.advance_time(1)
        await world.env.advance_time(EDIT_SECONDS + TRAILING_SECONDS)
        return [await post_of(world, auction_id) for auction_id in auction_ids], edited

    posts, edited = in_discord(guild, scenario)
    assert ItemBid.objects.count() == 20  # one live bid per bidder and auction
    for post in posts:
        times = edited[post.id]
        assert all(later - earlier >= EDIT_SECONDS for earlier, later in itertools.pairwise(times)), times
        assert len(times) <= 3  # five seconds of bids: an edit at once, then trailing ones 3 s apart
        assert "Bids: Gwendolyn 5, Devraxx 4" in post.content
        assert "2 bidders" in post.content
    assert sum(len(times) for times in edited.values()) < 50


def test_auction_start_answers_while_other_posts_wait_on_discord(guild):
    async def scenario(world: World):
        busy = await open_and_post(world, guild, "Gem of the Busy Post")
        real_edit = world.bot.http.edit_message
        finished = []

        async def slow_edit(channel_id, message_id, **options):
            await world.env.external_wait(asyncio.sleep(30), reason="Discord is slow to edit this post")
            answer = await real_edit(channel_id, message_id, **options)
            finished.append(int(message_id))
            return answer

        world.bot.http.edit_message = slow_edit  # type: ignore[method-assign]
        bid = await world.good_member.slash(world.channel, "bid", item=str(busy), amount="30")
        started = await world.officer.slash(world.channel, "auction start", item="Cloak of Flames")
        edited_by_then = list(finished)
        new_id = await db(_latest_auction_id)
        new_post = await post_of(world, new_id)
        await world.env.advance_time(30)
        return bid, started, edited_by_then, new_id, new_post, await post_of(world, busy)

    bid, started, edited_by_then, new_id, new_post, busy_post = in_discord(guild, scenario)
    assert "Your bid of 30 points" in said(bid)
    assert edited_by_then == []  # the busy post's edit was still waiting on Discord
    assert f"Auction #{new_id} is open: Cloak of Flames in Main" in said(started)
    assert "posted here" in said(started)
    assert has_bid_button(new_post, new_id)
    assert "1 bidder" in busy_post.content


# --- end to end -----------------------------------------------------------------------------------------


def _web_bid(user, auction_id: int, amount: str) -> int:
    client = Client()
    client.force_login(user)
    return client.post(reverse("loot:bid", args=[auction_id]), {"amount": amount}).status_code


def _close_on_schedule(auction_id: int) -> str:
    """The worker runs the scheduled close once the auction's time has passed."""
    closes_at = Auction.objects.get(pk=auction_id).closes_at
    with time_machine.travel(closes_at + dt.timedelta(seconds=30), tick=False):
        return close_auction_task(auction_id)


def test_auction_from_discord_with_bids_from_discord_and_the_web_closed_by_the_scheduled_task(guild):
    async def scenario(world: World):
        opened = await world.officer.slash(world.channel, "auction start", item="Cloak of Flames")
        auction_id = await db(_latest_auction_id)
        shown = await world.good_member.click(await post_of(world, auction_id), label="Bid")
        in_discord_bid = await world.good_member.submit_modal(shown, {"amount": "30"})
        web_status = await db(_web_bid, guild.poor_member, auction_id, "8")
        status = await db(_close_on_schedule, auction_id)
        resting = await refresh_auction_posts(world.bot)  # the bid's edit was just now: the post rests
        await world.env.advance_time(EDIT_SECONDS + TRAILING_SECONDS)  # and its trailing edit shows the close
        return opened, in_discord_bid, web_status, status, resting, await post_of(world, auction_id)

    opened, in_discord_bid, web_status, status, resting, post = in_discord(guild, scenario)
    auction = Auction.objects.get()
    assert "is open" in said(opened)
    assert "Your bid of 30 points" in said(in_discord_bid)
    assert web_status == 302
    assert set(BidHistory.objects.values_list("user__username", "channel")) == {("gwen", "discord"), ("pip", "web")}
    assert status == AuctionStatus.AWARDED
    assert resting == 0
    assert "Won by **Gwendolyn** for 9 points" in post.content
    assert "2 bidders" in post.content
    assert not has_bid_button(post, auction.pk)
    debits = PointEntry.objects.filter(kind=EntryKind.LOOT)
    assert [(entry.user_id, entry.amount) for entry in debits] == [(guild.good_member.pk, -9)]
    assert _balance(guild.good_member) == 81
    assert _balance(guild.poor_member) == 10


def test_the_background_loop_posts_auctions_opened_on_the_web(guild, monkeypatch):
    from dkp.bot import core
    from dkp.testing import simcord_world

    monkeypatch.setattr(
        simcord_world, "create_bot", lambda **options: core.create_bot(**{**options, "background": True})
    )

    async def scenario(world: World):
        await db(_set_channels, auction=str(world.channel.id))
        auction_id = await db(_open, guild)
        await world.env.advance_time(11)
        return auction_id, await post_of(world, auction_id)

    auction_id, post = in_discord(guild, scenario)
    assert has_bid_button(post, auction_id)


# --- review fixes ---------------------------------------------------------------------------------------


def test_auction_start_without_a_pool_opens_in_the_default_pool_of_the_web_and_standings(guild):
    from dkp.points.models import DkpPool
    from dkp.points.selectors import pool_named

    DkpPool.objects.create(name="Alt Runs")  # before "Main" by name, after it by age

    async def scenario(world: World):
        return await world.officer.slash(world.channel, "auction start", item="Cloak of Flames")

    result = in_discord(guild, scenario)
    auction = Auction.objects.select_related("pool").get()
    assert auction.pool == guild.pool == pool_named("")
    assert f"Auction #{auction.pk} is open: Cloak of Flames in Main" in said(result)


def test_a_post_discord_refuses_still_tells_the_officer_the_auctions_number(guild):
    async def scenario(world: World):
        world.env.inject_error("POST", "/channels/*/messages", status=500)
        result = await world.officer.slash(world.channel, "auction start", item="Cloak of Flames")
        return result, await db(_latest_auction_id), world.channel.id

    result, auction_id, channel_id = in_discord(guild, scenario)
    assert only_to_them(result)
    assert said(result).startswith(f"Auction #{auction_id} is open: Cloak of Flames in Main")
    assert (
        f"but I could not post it: <#{channel_id}>: Discord answered 500 (Internal Server Error (injected by test)). "
        "Members can bid with /bid or on the web meanwhile; set the auction channel on the guild settings page"
    ) in said(result)
    assert "Something went wrong" not in said(result)
    auction = Auction.objects.get()
    assert auction.status == AuctionStatus.OPEN
    assert auction.discord_message_id == ""


def test_a_failure_in_one_channel_moves_on_to_the_auction_channel(guild):
    async def scenario(world: World):
        loot = world.server.create_text_channel("loot")
        await db(_set_channels, auction=str(loot.id))
        world.env.inject_error("POST", f"/channels/{world.channel.id}/messages", status=403, code=50013)
        result = await world.officer.slash(world.channel, "auction start", item="Cloak of Flames")
        auction_id = await db(_latest_auction_id)
        return result, auction_id, loot.id, await post_of(world, auction_id)

    result, auction_id, loot_id, post = in_discord(guild, scenario)
    assert f"Auction #{auction_id} is open" in said(result)
    assert f"posted in <#{loot_id}> (could not post it in <#" in said(result)
    assert post.channel.id == loot_id
    assert has_bid_button(post, auction_id)


def test_a_closed_post_explains_ties_but_never_whose_balance_ran_short(guild):
    from dkp.points.services import adjust_points

    def bid_tied(tied: int) -> None:
        _bid(guild.good_member, tied, 10)
        _bid(guild.poor_member, tied, 10)

    def bid_then_lose_points(short: int) -> None:
        _bid(guild.good_member, short, 80)
        _bid(guild.developer, short, 70)
        adjust_points(user=guild.good_member, pool=guild.pool, amount=-50, reason="penalty", actor=guild.officer)

    async def scenario(world: World):
        tied = await open_and_post(world, guild, "Cloak of Flames")
        short = await open_and_post(world, guild, "Jaded Electrum Bracelet")
        await db(bid_tied, tied)
        await db(services.close_auction, auction_id=tied, actor=guild.officer, early=True)
        await db(bid_then_lose_points, short)
        await db(services.close_auction, auction_id=short, actor=guild.officer, early=True)
        await refresh_auction_posts(world.bot)
        return await post_of(world, tied), await post_of(world, short)

    tied_post, short_post = in_discord(guild, scenario)
    tied, short = Auction.objects.order_by("pk")
    tie_sentence = tied.outcome["tie_breaks"][0]["detail"]
    assert tie_sentence in tied_post.content
    assert short.outcome["passed_over"] == ["Gwendolyn's bid of 80 counted as 30, all they had left."]
    assert "Won by **Devraxx** for 31 points" in short_post.content
    assert "all they had left" not in short_post.content
    assert "counted as" not in short_post.content


def test_auction_and_pool_lists_are_offered_only_to_those_who_may_see_the_guild(guild):
    def make_standings_public() -> None:
        GuildSettings.objects.update_or_create(pk=1, defaults={"standings_public": True})

    async def scenario(world: World):
        await db(_open, guild)
        stranger = world.server.add_member(world.env.create_user("stranger"))
        private = []
        for person in (world.guest, world.applicant, stranger):
            private.append(await person.autocomplete(world.channel, "bid", "item", "", amount="5"))
            private.append(await person.autocomplete(world.channel, "auction close", "auction", ""))
            private.append(await person.autocomplete(world.channel, "auction start", "pool", "", item="Cloak"))
        member = await world.good_member.autocomplete(world.channel, "bid", "item", "", amount="5")
        member_pools = await world.good_member.autocomplete(world.channel, "auction start", "pool", "", item="Cloak")
        await db(make_standings_public)
        public = await world.guest.autocomplete(world.channel, "bid", "item", "", amount="5")
        return private, member, member_pools, public

    private, member, member_pools, public = in_discord(guild, scenario)
    assert private == [[]] * 9
    assert [choice["value"] for choice in member] == [str(Auction.objects.get().pk)]
    assert [choice["value"] for choice in member_pools] == ["Main"]
    assert public == member


def test_a_bid_form_lookup_out_of_time_opens_the_modal_empty(guild, monkeypatch):
    from dkp.bot import auctions

    # No time at all for the pre-fill: the lookup is given up at once, as after PREFILL_SECONDS of a slow database.
    monkeypatch.setattr(auctions, "PREFILL_SECONDS", 0)

    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        shown = await world.good_member.click(await post_of(world, auction_id), label="Bid")
        answer = await world.good_member.submit_modal(shown, {"amount": "20"})
        return auction_id, shown, answer

    auction_id, shown, answer = in_discord(guild, scenario)
    assert shown.modal is not None
    assert shown.modal["title"] == f"Bid on auction #{auction_id}"
    assert "available" not in str(shown.modal)  # no pre-fill
    assert only_to_them(answer)
    assert f"Your bid of 20 points on Cloak of Flames (#{auction_id})" in said(answer)
    assert ItemBid.objects.get(auction_id=auction_id).amount == 20


def test_two_members_with_the_bid_form_open_on_one_auction_both_get_their_bid(guild):
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        post = await post_of(world, auction_id)
        gwen_form = await world.good_member.click(post, label="Bid")
        pip_form = await world.poor_member.click(post, label="Bid")  # opened while Gwen's form is still open
        gwen = await world.good_member.submit_modal(gwen_form, {"amount": "30"})
        pip = await world.poor_member.submit_modal(pip_form, {"amount": "7"})
        return auction_id, gwen_form, pip_form, gwen, pip

    auction_id, gwen_form, pip_form, gwen, pip = in_discord(guild, scenario)
    assert gwen_form.modal["custom_id"] != pip_form.modal["custom_id"]
    assert all(len(form.modal["custom_id"]) <= 100 for form in (gwen_form, pip_form))
    assert f"Your bid of 30 points on Cloak of Flames (#{auction_id}) for Gwendolyn" in said(gwen)
    assert f"Your bid of 7 points on Cloak of Flames (#{auction_id}) for Pipperel" in said(pip)
    stored = {bid.character_name: bid.amount for bid in ItemBid.objects.filter(auction_id=auction_id)}
    assert stored == {"Gwendolyn": 30, "Pipperel": 7}


def test_a_second_submit_reaching_a_form_meanwhile_does_not_change_the_amount_stored(guild, monkeypatch):
    """Two submits close together: the first's values are read before its first await."""
    from dkp.bot import auctions

    real_signed_up_user = auctions.signed_up_user

    async def while_waiting(interaction):
        # Another submit lands on the open form while this one waits for the database.
        for modal in interaction.client._connection._view_store._modals.values():
            modal.amount._refresh_state(interaction, {"value": "7"})
        return await real_signed_up_user(interaction)

    monkeypatch.setattr(auctions, "signed_up_user", while_waiting)

    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        form = await world.good_member.click(await post_of(world, auction_id), label="Bid")
        return auction_id, await world.good_member.submit_modal(form, {"amount": "30"})

    auction_id, answer = in_discord(guild, scenario)
    assert f"Your bid of 30 points on Cloak of Flames (#{auction_id})" in said(answer)
    assert ItemBid.objects.get(auction_id=auction_id).amount == 30


def _hundred_bidders(guild) -> list:
    from dkp.testing.personas import make_user

    bidders = []
    for number in range(100):
        user = make_user(f"bidder{number:03d}")
        UserPointsSummary.objects.create(user=user, pool=guild.pool, earned=500, balance=500, lifetime_earned=500)
        make_character(f"Bidder{chr(97 + number // 26)}{chr(97 + number % 26)}", owner=user)
        bidders.append(user)
    return bidders


def test_closing_a_100_copy_auction_with_100_winners_answers_within_discords_limit(guild):
    bidders = _hundred_bidders(guild)

    async def scenario(world: World):
        auction_id = await open_and_post(world, guild, quantity=100)
        for number, user in enumerate(bidders):
            await db(_bid, user, auction_id, 10 + number)
        result = await world.officer.slash(world.channel, "auction close", auction=str(auction_id))
        return auction_id, result, await post_of(world, auction_id)

    auction_id, result, post = in_discord(guild, scenario)
    answer = said(result)
    assert answer.startswith(f"Auction #{auction_id} (Cloak of Flames) is closed. Won by ")
    assert len(answer) <= 2000
    shown = answer.count(" for ")
    hidden = re.search(r" and (\d+) more\.$", answer)
    assert hidden is not None, answer[-80:]
    assert shown + int(hidden[1]) == 100
    assert len(post.content) <= 2000
    assert post.content.count("Won by **") + int(re.search(r"and (\d+) more winners", post.content)[1]) == 100
    assert post.content.count("**") % 2 == 0
    assert Auction.objects.get(pk=auction_id).status == AuctionStatus.AWARDED


def test_an_autocomplete_whose_lookup_outlasts_two_seconds_of_discords_clock_offers_nothing(guild, monkeypatch):
    from dkp.bot import auctions

    real_choices = auctions._auction_choices
    clock: list = []

    def slow_choices(discord_id, typed):
        clock[0].advance(2.5)  # the database took 2.5 s of Discord's time to answer
        return real_choices(discord_id, typed)

    async def scenario(world: World):
        await db(_open, guild, "Cloak of Flames")
        quick = await world.good_member.autocomplete(world.channel, "bid", "item", "", amount="5")
        clock.append(world.env.backend.clock)
        monkeypatch.setattr(auctions, "_auction_choices", slow_choices)
        slow = await world.good_member.autocomplete(world.channel, "bid", "item", "", amount="5")
        return quick, slow

    quick, slow = in_discord(guild, scenario)
    assert [choice["name"].split(" — ")[0] for choice in quick] == ["Cloak of Flames"]
    assert slow == []
