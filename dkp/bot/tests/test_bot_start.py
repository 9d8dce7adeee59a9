"""The bot as `runbot` starts it: commands registered with the guild's server at start, posts kept current."""

from __future__ import annotations

import discord

from dkp.bot.core import create_bot
from dkp.testing.personas import Guild
from dkp.testing.simcord_world import World, in_discord

EVERY_COMMAND = {
    "dkp",
    "standings",
    "attendance",
    "characters",
    "auction start",
    "auction close",
    "auction cancel",
    "bid",
    "raid tick",
    "apply",
}


def test_a_bot_started_as_runbot_starts_it_registers_every_command_with_the_guilds_server(guild: Guild) -> None:
    async def scenario(world: World) -> tuple[set[str], set[str], str]:
        assert world.good_member.available_commands(world.channel) == ()  # a server the bot never joined
        bot = create_bot()  # runbot's defaults: register the commands at start, run the loops
        await world.env.restart_bot(bot)
        offered = set(world.good_member.available_commands(world.channel))
        registered = {
            command.name for command in await bot.tree.fetch_commands(guild=discord.Object(id=world.server.id))
        }
        answer = await world.good_member.slash(world.channel, "dkp")
        assert answer.response is not None
        return offered, registered, answer.response.content

    offered, registered, answer = in_discord(guild, scenario, register_commands=False)

    assert offered >= EVERY_COMMAND
    assert registered == {"dkp", "standings", "attendance", "characters", "auction", "bid", "raid", "apply"}
    assert "**Main**: 90 points" in answer
