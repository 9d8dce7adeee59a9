"""The bot's reading commands: ``/dkp``, ``/standings``, ``/attendance`` and ``/characters``.

Each asks the same question the web does before showing anything: your own numbers are always
yours to see; another member's, and the standings, need ``VIEW_GUILD`` (members and above, and
guests and applicants too when the guild makes its standings public). What a member may still bid
("available", and what their live bids hold) is shown to themselves and to officers only: on someone
else's ``/dkp`` it would give away that they hold sealed bids, and how much. Every reply is ephemeral:
it either shows someone's numbers or would show the guild's standings to whoever reads the channel.
Every command defers before it touches the database, so a slow query never misses Discord's 3 seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import discord
from discord import app_commands

from dkp.bot.core import answering, app_user, choices, db, say, signed_up_user, site_url, user_by_discord_id
from dkp.characters.models import Character, EqClass
from dkp.characters.selectors import characters_of
from dkp.core.errors import NotFound
from dkp.core.roles import Capability, can, require
from dkp.discord.text import fit, fit_items
from dkp.loot.selectors import may_see_bids_of
from dkp.points.selectors import active_pools, pool_named
from dkp.raids.selectors import attendance_for
from dkp.standings.selectors import member_points, standings_table

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.bot.core import DkpBot
    from dkp.points.models import DkpPool
    from dkp.raids.models import MemberAttendanceSummary
    from dkp.standings.selectors import PoolPoints

STANDINGS_ROWS = 25
NAME_MAX = 32  # a standings line stays on one line on a phone
WINDOWS = (("30", "30 days"), ("60", "60 days"), ("90", "90 days"), ("lifetime", "lifetime"))


# --- whose numbers -------------------------------------------------------------------------------


def _viewable_person(viewer: User | None, discord_id: int, shown_name: str) -> User:
    """The user behind a Discord member, when the viewer may see other members' numbers."""
    require(viewer, Capability.VIEW_GUILD)
    person = user_by_discord_id(discord_id)
    if person is None:
        raise NotFound(
            f"{shown_name} has no EQ DKP account: they have never signed in with Discord.", code="not_signed_up"
        )
    return person


@dataclass(frozen=True)
class Lookup:
    """Who asks and whom the lookup is about (the same person when you look yourself up)."""

    viewer: User | None
    person: User

    @property
    def is_own(self) -> bool:
        return self.viewer is not None and self.viewer.pk == self.person.pk


async def whose(interaction: discord.Interaction, member: discord.Member | discord.User | None) -> Lookup:
    """The person a lookup is about: the caller by default, or the member named (same rule as the web)."""
    if member is None or member.id == interaction.user.id:
        own = await signed_up_user(interaction)
        return Lookup(own, own)
    viewer = await app_user(interaction)
    return Lookup(viewer, await db(_viewable_person, viewer, member.id, member.display_name))


# --- rendering -----------------------------------------------------------------------------------


def percent(value: Decimal | float | int) -> str:
    return f"{Decimal(value):.0f}%"


def attendance_line(summary: MemberAttendanceSummary | None) -> str:
    if summary is None:
        return "no attendance recorded yet"
    parts = []
    for key, label in WINDOWS:
        attended = getattr(summary, f"attended_{key}")
        held = getattr(summary, f"held_{key}")
        parts.append(f"{label} {percent(getattr(summary, f'percent_{key}'))} ({attended}/{held})")
    return " · ".join(parts)


def render_points(person: User, pools: list[PoolPoints], *, show_available: bool) -> str:
    """``show_available``: the lines about live bids, for the member themselves and officers only."""
    lines = [f"**{person.name}** — DKP"]
    if not pools:
        lines.append("No points yet: points come from raid ticks and officers' adjustments.")
    for row in pools:
        summary = row.summary
        if show_available:
            held = summary.balance - row.available
            available = f"{row.available} available" + (f" ({held} held by live bids)" if held else "")
            lines.append(f"**{row.pool.name}**: {summary.balance} points, {available}")
        else:
            lines.append(f"**{row.pool.name}**: {summary.balance} points")
        lines.append(
            f"  earned {summary.earned} · spent {summary.spent} · adjusted {summary.adjusted} · "
            f"decayed {summary.decayed} · lifetime earned {summary.lifetime_earned}"
        )
        lines.append(f"  attendance: {attendance_line(row.attendance)}")
    return fit("\n".join(lines))


def render_attendance(person: User, summaries: dict[int | None, MemberAttendanceSummary]) -> str:
    lines = [f"**{person.name}** — attendance (ticks attended/held)"]
    if not summaries:
        lines.append("No attendance recorded yet.")
    for pool_id, summary in summaries.items():
        where = "All pools" if pool_id is None else summary.pool.name if summary.pool else "?"
        lines.append(f"**{where}**: {attendance_line(summary)}")
    return fit("\n".join(lines))


def render_characters(person: User, characters: list[Character]) -> str:
    lines = [f"**{person.name}** — characters"]
    if not characters:
        lines.append(f"No characters yet; claim yours at {site_url('/characters/?unclaimed=1')}")
    for character in characters:
        inactive = " (inactive)" if not character.is_active else ""
        lines.append(
            f"• {character.name} — level {character.level} {character.eq_class}, "
            f"{character.get_tag_display().lower()}{inactive}"
        )
    return fit("\n".join(lines))


@dataclass(frozen=True)
class StandingsRow:
    name: str
    main: str
    eq_class: str
    balance: int
    attendance_30: Decimal


def standings_link(pool: DkpPool, eq_class: str) -> str:
    query = {"pool": pool.pk, **({"class": eq_class} if eq_class else {})}
    return site_url("/?" + urlencode(query))


def render_standings(pool: DkpPool, eq_class: str, rows: list[StandingsRow], total: int) -> str:
    """The table's first rows, as many as fit in a message; the head counts the rows really shown."""
    title = f"**{pool.name} standings**" + (f" — {eq_class}" if eq_class else "")
    link = f"Full standings: {standings_link(pool, eq_class)}"
    lines = []
    for place, row in enumerate(rows, start=1):
        main = f"{row.main} ({row.eq_class})" if row.main else "no main"
        name = row.name if len(row.name) <= NAME_MAX else row.name[: NAME_MAX - 1].rstrip() + "…"
        lines.append(f"{place}. {name} — {main} — {row.balance} pts, {percent(row.attendance_30)}")
    if not rows:
        return "\n".join([f"{title} ({total} members; balance, 30-day attendance)", _nobody(eq_class), link])

    def render(shown: int) -> str:
        counted = f"top {shown} of {total}" if total > shown else f"{total} members"
        return "\n".join([f"{title} ({counted}; balance, 30-day attendance)", *lines[:shown], link])

    return fit_items(render, len(lines))  # the full table is one click away


def _nobody(eq_class: str) -> str:
    return "Nobody matches." if eq_class else "Nobody has points in this pool yet."


# --- reads run through db() ----------------------------------------------------------------------


def _points(lookup: Lookup) -> str:

    show_available = may_see_bids_of(viewer=lookup.viewer, person=lookup.person)
    return render_points(lookup.person, member_points(user_id=lookup.person.pk), show_available=show_available)


def _attendance(person: User) -> str:

    return render_attendance(person, attendance_for(person))


def _characters(person: User) -> str:

    return render_characters(person, list(characters_of(user_id=person.pk)))


def _standings(viewer: User | None, pool_name: str, eq_class: str) -> str:

    require(viewer, Capability.VIEW_GUILD)
    pool = pool_named(pool_name)
    table = standings_table(pool=pool, eq_class=eq_class)
    rows = [
        StandingsRow(
            name=row.user.name,
            main=row.user.main_character.name if row.user.main_character else "",
            eq_class=row.user.main_character.eq_class if row.user.main_character else "",
            balance=row.balance,
            attendance_30=row.attendance_30,  # type: ignore[attr-defined]  # annotated by standings_table
        )
        for row in table[:STANDINGS_ROWS]
    ]
    total = len(rows) if len(rows) < STANDINGS_ROWS else table.count()
    return render_standings(pool, eq_class, rows, total)


def _pool_choices(discord_id: int, current: str) -> list[app_commands.Choice[str]]:

    if not can(user_by_discord_id(discord_id), Capability.VIEW_GUILD):
        return []  # the pools' names are the guild's, like its standings
    wanted = current.strip().casefold()
    return [
        app_commands.Choice(name=pool.name[:100], value=pool.name[:100])
        for pool in active_pools()
        if wanted in pool.name.casefold()
    ][:25]


# --- commands ------------------------------------------------------------------------------------


@app_commands.command(name="dkp", description="Points per pool, what you may still bid, and attendance.")
@app_commands.describe(member="Someone else's points (members may look up anyone)")
@app_commands.guild_only()
async def dkp_command(interaction: discord.Interaction, member: discord.Member | None = None) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    async with answering(interaction):
        lookup = await whose(interaction, member)
        await say(interaction, await db(_points, lookup))


@app_commands.command(name="attendance", description="Attendance over 30, 60 and 90 days and lifetime, per pool.")
@app_commands.describe(member="Someone else's attendance (members may look up anyone)")
@app_commands.guild_only()
async def attendance_command(interaction: discord.Interaction, member: discord.Member | None = None) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    async with answering(interaction):
        lookup = await whose(interaction, member)
        await say(interaction, await db(_attendance, lookup.person))


@app_commands.command(name="characters", description="Characters with class, level and main/alt/box.")
@app_commands.describe(member="Someone else's characters (members may look up anyone)")
@app_commands.guild_only()
async def characters_command(interaction: discord.Interaction, member: discord.Member | None = None) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    async with answering(interaction):
        lookup = await whose(interaction, member)
        await say(interaction, await db(_characters, lookup.person))


@app_commands.command(
    name="standings", description="The top of a pool (up to 25, as many as fit), with a link to the full standings."
)
@app_commands.describe(eq_class="Only mains of this class", pool="The pool (default: the main one)")
@app_commands.rename(eq_class="class")
@app_commands.choices(eq_class=[app_commands.Choice(name=value, value=value) for value in EqClass.values])
@app_commands.guild_only()
async def standings_command(
    interaction: discord.Interaction, eq_class: app_commands.Choice[str] | None = None, pool: str | None = None
) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)  # the standings are shown to the asker only
    async with answering(interaction):
        viewer = await app_user(interaction)
        await say(interaction, await db(_standings, viewer, pool or "", eq_class.value if eq_class else ""))


@standings_command.autocomplete("pool")
async def standings_pool_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return await choices(interaction, db(_pool_choices, interaction.user.id, current))


async def setup(bot: DkpBot) -> None:
    """Add this module's commands, buttons and loops to the bot."""
    commands: tuple[app_commands.Command[Any, Any, None], ...] = (
        dkp_command,
        attendance_command,
        characters_command,
        standings_command,
    )
    for command in commands:
        bot.tree.add_command(command)
