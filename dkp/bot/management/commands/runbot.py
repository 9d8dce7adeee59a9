"""Run the guild's Discord bot, or only register its slash commands with the guild's server."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dkp.bot.core import create_bot


class Command(BaseCommand):
    help = (
        "Run the Discord bot (slash commands, auction posts, vote buttons, role pull). Needs "
        "DISCORD_BOT_TOKEN and DISCORD_GUILD_ID; --register-only registers the slash commands and exits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--register-only",
            action="store_true",
            help="Register (or update) the slash commands with the guild's Discord server, then exit.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        token = settings.DISCORD_BOT_TOKEN
        if not token:
            raise CommandError(
                "DISCORD_BOT_TOKEN is not set: the bot has nothing to sign in with (docs/discord-setup.md)."
            )
        if not str(settings.DISCORD_GUILD_ID).isdigit():
            raise CommandError("DISCORD_GUILD_ID must be the id of the guild's Discord server (docs/discord-setup.md).")
        if options["register_only"]:
            commands = asyncio.run(self._register(token))
            self.stdout.write(f"Registered {len(commands)} slash commands with server {settings.DISCORD_GUILD_ID}.")
            return
        bot = create_bot()
        try:
            # discord.py reconnects by itself after a dropped gateway connection.
            # Django's LOGGING already sends every logger (discord.py's too) to the console.
            bot.run(token, log_handler=None)
        except discord.LoginFailure as exc:
            raise CommandError(f"Discord refused the bot token: {exc}") from exc
        except discord.PrivilegedIntentsRequired as exc:
            raise CommandError(
                "Discord refused the Server Members intent: switch it on in the Developer Portal "
                "(Bot → Privileged Gateway Intents), see docs/discord-setup.md."
            ) from exc

    async def _register(self, token: str) -> list[discord.app_commands.AppCommand]:
        bot = create_bot(sync_commands=False, background=False)
        try:
            await bot.login(token)
            return await bot.register_commands()
        except discord.LoginFailure as exc:
            raise CommandError(f"Discord refused the bot token: {exc}") from exc
        finally:
            await bot.close()
