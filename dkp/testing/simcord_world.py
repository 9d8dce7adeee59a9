"""The test personas in a simulated Discord server (SimCord), talking to the real bot.

``in_discord(guild, scenario)`` builds the bot as ``runbot`` would (no background loops, commands
registered once the server exists), a Discord server with the guild's id and a ``#raid`` channel,
and one Discord member per persona whose Discord id is written onto the persona's user, so the
bot finds them exactly as it finds a member who signed in on the web. The scenario is an async
function of the ``World``; it runs inside the test's database transaction (asgiref's
``async_to_sync`` keeps the bot's ``db()`` calls on the test's thread and connection).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import simcord
from asgiref.sync import async_to_sync
from django.test import override_settings

from dkp.accounts.models import User
from dkp.bot.core import DkpBot, create_bot, db
from dkp.testing import discord_limits
from dkp.testing.personas import Guild

T = TypeVar("T")

GUILD_ID = "900"
SITE_URL = "http://dkp.test"


@dataclass
class World:
    env: simcord.Env
    bot: DkpBot
    server: simcord.GuildHandle
    channel: simcord.ChannelHandle
    people: dict[str, simcord.MemberActor]

    def __getattr__(self, key: str) -> simcord.MemberActor:
        """``world.officer``, ``world.good_member``… : the persona's Discord member."""
        try:
            return self.people[key]
        except KeyError:
            raise AttributeError(key) from None

    async def restart(self) -> None:
        """Restart the bot (a new process) while Discord's world persists."""
        bot = create_bot(sync_commands=False, background=False)
        await self.env.restart_bot(bot)
        self.bot = bot


def _link(user_id: int, discord_id: int) -> None:
    User.objects.filter(pk=user_id).update(discord_id=str(discord_id))


def in_discord(
    guild: Guild, scenario: Callable[[World], Awaitable[T]], *, register_commands: bool = True, **options: Any
) -> T:
    """Run ``scenario`` against the real bot in a simulated server holding every persona.

    ``register_commands=False`` leaves the server without the bot's slash commands (as before the
    first start); ``options`` go to ``simcord.run``.
    """

    async def run() -> T:
        bot = create_bot(sync_commands=False, background=False)
        async with simcord.run(bot, **options) as env:
            discord_limits.watch_simcord(env)
            server = env.create_guild("Vex Thal Raiders", id=int(GUILD_ID))
            channel = server.create_text_channel("raid")
            people: dict[str, simcord.MemberActor] = {}
            for key, user in guild.everyone().items():
                handle = env.create_user(user.username, global_name=user.display_name or None)
                people[key] = server.add_member(handle)
                await db(_link, user.pk, handle.id)
                user.discord_id = str(handle.id)
            if register_commands:
                await bot.register_commands()
            # Each persona's join set the bot to work (on_member_join pushes their role group): let
            # it finish, so a short scenario does not end with it still running and the bot unable
            # to detach (SimCord's "native executor work remains tracked").
            await env.settle()
            return await scenario(World(env=env, bot=bot, server=server, channel=channel, people=people))

    with override_settings(DISCORD_GUILD_ID=GUILD_ID, SITE_URL=SITE_URL):
        return async_to_sync(run)()
