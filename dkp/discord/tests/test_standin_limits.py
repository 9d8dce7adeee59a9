"""The stand-in refuses, as Discord does, a message over one of Discord's limits; the tests' check catches it too."""

from __future__ import annotations

import contextlib
from typing import Any

import discord
import pytest
import simcord

from dkp.discord.client import DiscordClient, DiscordError
from dkp.discord.models import DiscordOutbox
from dkp.discord.standin import DiscordStandin
from dkp.discord.tasks import deliver
from dkp.testing import discord_limits
from dkp.testing.personas import Guild
from dkp.testing.simcord_world import World, in_discord
from dkp.testing.standin_setup import ANNOUNCE_CHANNEL

# These tests send over-limit payloads on purpose; the check of the tests themselves is off.
pytestmark = pytest.mark.no_discord_limits


def test_a_message_over_2000_characters_is_answered_400_50035_with_its_path(discord: DiscordStandin) -> None:
    with pytest.raises(DiscordError) as refused:
        DiscordClient.from_settings().post_message(channel_id=ANNOUNCE_CHANNEL, content="x" * 2001)

    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert refused.value.message == (
        "Discord refused what we sent as over one of its limits (Invalid Form Body, 50035): "
        "content: 2001 characters, over Discord's 2000."
    )
    assert discord.messages == []
    assert discord.refused_payloads == [
        (f"/api/v10/channels/{ANNOUNCE_CHANNEL}/messages", ["content: 2001 characters, over Discord's 2000"])
    ]


def test_a_message_of_exactly_2000_characters_is_posted(discord: DiscordStandin) -> None:
    DiscordClient.from_settings().post_message(channel_id=ANNOUNCE_CHANNEL, content="x" * 2000)

    assert discord.messages_in(ANNOUNCE_CHANNEL) == ["x" * 2000]
    assert discord.refused_payloads == []


def test_a_button_with_a_custom_id_over_100_characters_is_refused_and_the_outbox_says_where(
    discord: DiscordStandin,
) -> None:
    button = {"type": 2, "style": 1, "label": "Yes", "custom_id": "v" * 101}
    message = DiscordOutbox.objects.create(kind=DiscordOutbox.Kind.OTHER, channel_id=ANNOUNCE_CHANNEL, content="Vote")

    with pytest.raises(DiscordError):
        DiscordClient.from_settings().post_message(
            channel_id=ANNOUNCE_CHANNEL, content="Vote", components=[{"type": 1, "components": [button]}]
        )
    assert deliver(message_id=message.pk)  # the outbox's own post has no such button

    assert discord.refused_payloads == [
        (
            f"/api/v10/channels/{ANNOUNCE_CHANNEL}/messages",
            ["components.0.components.0.custom_id: 101 characters, over Discord's 100"],
        )
    ]
    assert discord.messages_in(ANNOUNCE_CHANNEL) == ["Vote"]


class FakeEnv:
    def __init__(self, *entries: tuple[str, str, Any]) -> None:
        self.http_requests = [simcord.HttpLogEntry(method, path, {}, body, None) for method, path, body in entries]


def test_the_limits_check_lists_what_the_bot_sent_over_a_limit_and_what_it_sent_without_allowed_mentions() -> None:
    discord_limits._watched.clear()
    discord_limits.watch_simcord(
        FakeEnv(  # type: ignore[arg-type]  # only http_requests is read
            ("POST", "/channels/1/messages", {"content": "fine", "allowed_mentions": {"parse": []}}),
            ("POST", "/interactions/2/tok/callback", {"type": 4, "data": {"content": "x" * 2001}}),
            ("GET", "/guilds/3/members", None),
        )
    )
    standin_log = [("POST", "/api/v10/channels/1/messages", {"content": "Grats @everyone"})]

    assert discord_limits.problems_sent(standin_log) == [
        "POST /interactions/2/tok/callback: data.content: 2001 characters, over Discord's 2000",
        "POST /interactions/2/tok/callback: data.allowed_mentions: missing: a message with text must say "
        "whom it may ping (none: {'parse': []})",
        "POST /api/v10/channels/1/messages: allowed_mentions: missing: a message with text must say whom it may "
        "ping (none: {'parse': []})",
    ]
    discord_limits._watched.clear()


def test_the_check_is_on_for_the_bot_and_discord_tests_unless_marked_off(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("no_discord_limits") is not None
    assert not discord_limits.wanted(request.node)


def test_the_limits_check_sees_what_the_bot_sends_in_simcord(guild: Guild) -> None:
    async def scenario(world: World) -> int:
        channel = world.bot.get_channel(world.channel.id)
        assert isinstance(channel, discord.TextChannel)
        await channel.send("Bids are open", allowed_mentions=discord.AllowedMentions.none())
        with contextlib.suppress(discord.HTTPException):  # SimCord may refuse it as Discord would
            await channel.send("x" * 2001, allowed_mentions=discord.AllowedMentions.none())
        # The bot's client allows no mentions on every send; a raw request can still leave it out.
        route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=world.channel.id)
        await world.bot.http.request(route, json={"content": "Grats @everyone"})
        return world.channel.id

    discord_limits._watched.clear()
    channel_id = in_discord(guild, scenario)

    assert [problem for problem in discord_limits.problems_sent() if "/messages" in problem] == [
        f"POST /channels/{channel_id}/messages: content: 2001 characters, over Discord's 2000",
        f"POST /channels/{channel_id}/messages: allowed_mentions: missing: a message with text must say "
        "whom it may ping (none: {'parse': []})",
    ]
    discord_limits._watched.clear()
