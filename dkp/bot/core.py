"""The Discord bot's frame: the client, the bridge to Django, who is asking, and how it answers.

Every command, button and modal in ``dkp/bot/`` is a thin door: it parses what Discord sent,
calls one service or selector through ``db()``, and answers. The rules are the web's (``can()``,
the services' ``GuildError``), looked up by the caller's Discord id, never Discord permissions.

- ``db(fn, ...)`` runs ORM work off the event loop (asgiref's thread-sensitive executor, the same
  thread for every call, so one database connection, refreshed like a web request's).
- ``answering(interaction)`` turns a ``GuildError`` raised inside it into an ephemeral reply with
  the error's message: a refusal is for the person who asked, never a traceback. Anything else
  raised inside it gets ``apologize()``: a log line for the operators and an ephemeral apology.
- ``within(interaction, seconds, lookup)`` bounds a lookup by a moment counted from the
  interaction's creation (Discord's clock), not from when the bot got to it; ``choices()`` does so
  for autocomplete, which cannot defer, falling back to no choices.
- ``DkpView`` and ``DkpModal`` answer what escapes their callbacks the same way, so no click or
  form is left at "thinking…" until Discord gives up.
- ``say()`` answers an interaction whether or not it was deferred.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, ParamSpec, TypeVar

import discord
from asgiref.sync import sync_to_async
from discord import app_commands
from discord.ext import commands
from django.conf import settings
from django.db import close_old_connections, connection

from dkp.accounts.models import User
from dkp.accounts.role_sync import pull_member_roles
from dkp.accounts.services import member_joined
from dkp.core import faults
from dkp.core.errors import Forbidden, GuildError
from dkp.discord import limits
from dkp.discord.text import fit

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

AUTOCOMPLETE_SECONDS = 2.0  # Discord drops autocomplete answers after 3 seconds; an autocomplete cannot defer
SORRY = "Something went wrong on our side; the officers can find it in the bot's log."
NOT_SIGNED_UP = "You have no EQ DKP account yet: sign in once with Discord at {url}, then try again."


def site_url(path: str = "/") -> str:
    return f"{settings.SITE_URL}{path}"


def _like_a_request(fn: Callable[P, T]) -> Callable[P, T]:
    """Run ``fn`` with a usable connection, as Django does around each web request.

    Inside a transaction (the test suite wraps each test in one) the connection is left alone.
    """

    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        fresh = not connection.in_atomic_block
        if fresh:
            close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            if fresh:
                close_old_connections()

    return run


async def db(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Call synchronous Django code (a service, a selector, a query) from the bot."""
    return await sync_to_async(_like_a_request(fn), thread_sensitive=True)(*args, **kwargs)


def user_by_discord_id(discord_id: int | str) -> User | None:

    return User.objects.filter(discord_id=str(discord_id), is_active=True).first()


async def app_user(interaction: discord.Interaction) -> User | None:
    """The EQ DKP user behind an interaction, or None for someone who never signed in."""
    return await db(user_by_discord_id, interaction.user.id)


async def signed_up_user(interaction: discord.Interaction) -> User:
    """Like ``app_user`` but a ``Forbidden`` (answered ephemerally) for someone without an account."""
    user = await app_user(interaction)
    if user is None:
        raise Forbidden(NOT_SIGNED_UP.format(url=site_url("/")), code="not_signed_up")
    return user


def seconds_left(interaction: discord.Interaction, seconds: float) -> float:
    """What is left of ``seconds`` counted from the interaction's creation (never below zero)."""
    spent = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    return max(seconds - spent, 0.0)


async def within(interaction: discord.Interaction, seconds: float, lookup: Awaitable[T]) -> T:
    """``lookup``'s result, or ``TimeoutError`` once ``seconds`` from the interaction's creation have passed."""
    return await asyncio.wait_for(lookup, seconds_left(interaction, seconds))


async def choices(
    interaction: discord.Interaction, lookup: Awaitable[list[app_commands.Choice[str]]]
) -> list[app_commands.Choice[str]]:
    """Autocomplete choices within ``AUTOCOMPLETE_SECONDS`` of the keystroke, else none (the person types on)."""
    try:
        found = await within(interaction, AUTOCOMPLETE_SECONDS, lookup)
        if not seconds_left(interaction, AUTOCOMPLETE_SECONDS):  # it answered, but too late to be of use
            raise TimeoutError
    except TimeoutError:
        log.warning("Autocomplete for %s took too long; offering no choices", _door(interaction))
        return []
    return found[: limits.AUTOCOMPLETE_CHOICES]


async def say(
    interaction: discord.Interaction,
    content: str = "",
    *,
    ephemeral: bool = True,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> None:
    """Answer, or follow up when the interaction was already answered or deferred; always within the limit."""
    content = fit(content)
    extra: dict[str, Any] = {}
    if embed is not None:
        extra["embed"] = embed
    if view is not None:
        extra["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=ephemeral, **extra)
    else:
        await interaction.response.send_message(content, ephemeral=ephemeral, **extra)


@asynccontextmanager
async def answering(interaction: discord.Interaction) -> AsyncIterator[None]:
    """A ``GuildError`` raised inside becomes an ephemeral reply with its message.

    So does a fault of the database (``dkp.core.faults``), with the web's sentence; anything else
    unexpected is logged and apologized for (``apologize``).
    """
    try:
        yield
    except GuildError as exc:
        await say(interaction, exc.message, ephemeral=True)
    except Exception as exc:
        await apologize(interaction, exc)


def _door(interaction: discord.Interaction) -> str:
    """What the person used, for the log: a command's name, or a button's or form's custom id."""
    command = interaction.command
    if command is not None:
        return f"/{command.qualified_name}"
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = data.get("custom_id", "?")
    kind = "form" if interaction.type == discord.InteractionType.modal_submit else "component"
    return f"{kind} {custom_id}"


async def apologize(interaction: discord.Interaction, error: BaseException) -> None:
    """An unexpected error: one log line with its traceback, and ``SORRY`` for the person alone.

    A fault of the database gets the web's "busy" sentence instead (logged once per episode).
    """
    if await _answered_fault(interaction, error):
        return
    log.error("Discord interaction failed: %s by %s", _door(interaction), interaction.user.id, exc_info=error)
    try:
        await say(interaction, SORRY, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not tell the member about the failure either")


class DkpView(discord.ui.View):
    """A view whose buttons answer an unexpected error with an apology, never silence."""

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        await apologize(interaction, error)


class DkpModal(discord.ui.Modal):
    """A form whose submit answers an unexpected error with an apology, never silence."""

    # discord.py's Modal itself narrows BaseView.on_error (no ``item``), which mypy flags on any override.
    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        await apologize(interaction, error)


async def _answered_fault(interaction: discord.Interaction, error: BaseException) -> bool:
    """Tell the person the database is busy when ``error`` is a fault of it (logged once per episode)."""
    fault = faults.classify(error)
    if fault is None:
        return False
    faults.note(fault, error, door="bot")
    await say(interaction, faults.DATABASE_BUSY, ephemeral=True)
    return True


class DkpTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """Anything unexpected: logged for the operators, a plain apology for the person."""
        if isinstance(error, app_commands.CheckFailure):
            await say(interaction, str(error) or "You may not use this command.", ephemeral=True)
            return
        await apologize(interaction, getattr(error, "original", error))


class DkpBot(commands.Bot):
    """The guild's bot. ``sync_commands``: register the slash commands with Discord on start.

    ``background``: run the loops that post and edit auction posts; tests call the steps directly.
    """

    def __init__(self, *, guild_id: int | None = None, sync_commands: bool = True, background: bool = True) -> None:
        intents = discord.Intents.default()
        intents.members = True  # privileged: role changes in Discord arrive as member updates
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=DkpTree,
            help_command=None,
            # An item's name or a cancel reason may hold "@everyone" or "<@&role>": the bot pings nobody.
            # discord.py sends the client's default with every send, edit, reply and follow-up.
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.guild_id = guild_id
        self.sync_commands = sync_commands
        self.background = background

    async def setup_hook(self) -> None:
        # The command modules build on this module (db, answering, say), so it loads them here, once.
        from dkp.bot import applications, auctions, members, raids

        for module in (members, auctions, raids, applications):
            await module.setup(self)
        if self.sync_commands:
            await self.register_commands()

    async def register_commands(self) -> list[app_commands.AppCommand]:
        """Register the slash commands: with the guild's server when one is configured (instant), else globally."""
        if self.guild_id:
            guild = discord.Object(id=self.guild_id)
            self.tree.copy_global_to(guild=guild)
            return await self.tree.sync(guild=guild)
        return await self.tree.sync()

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        """A role change made in Discord is pulled into the member's role group."""
        if self.guild_id and after.guild.id != self.guild_id:
            return
        if {role.id for role in before.roles} == {role.id for role in after.roles}:
            return

        await db(
            pull_member_roles,
            discord_id=str(after.id),
            role_ids=[str(role.id) for role in after.roles],
            reason="Discord member update",
        )

    async def on_member_join(self, member: discord.Member) -> None:
        """Someone (re)joined the server with no roles: their role group goes from the app to Discord.

        Pulling their empty role list would make a returning member a guest; instead the join is
        marked as an app change and the app's group pushed (``accounts.services.member_joined``).
        """
        if self.guild_id and member.guild.id != self.guild_id:
            return

        await db(member_joined, discord_id=str(member.id))


def create_bot(*, sync_commands: bool = True, background: bool = True) -> DkpBot:
    guild_id = settings.DISCORD_GUILD_ID
    return DkpBot(
        guild_id=int(guild_id) if str(guild_id).isascii() and str(guild_id).isdigit() else None,
        sync_commands=sync_commands,
        background=background,
    )
