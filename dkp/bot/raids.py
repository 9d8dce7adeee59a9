"""``/raid tick``: an officer attaches raid dumps, sees what the tick would hold, and confirms it.

The same two steps as the web's upload, through the same entry (``dkp.raids.ingest.take_attendance``):
the command asks it for a preview of the files, which saves nothing; the preview's signed token goes
into a Confirm/Cancel view that only the officer who uploaded may press, and Confirm asks the entry to
save that token. The token names that officer, so even a click that got past the view would be refused
by the service.

The command defers before anything else (reading the files and the preview take longer than the three
seconds Discord waits for a first answer), and Confirm defers before it saves: the preview message is
then edited to say what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from django.utils import timezone

from dkp.bot.core import DkpView, answering, choices, db, say, signed_up_user, site_url, user_by_discord_id
from dkp.core.errors import GuildError, InvalidInput
from dkp.core.roles import Capability, can, require
from dkp.core.time import guild_zone
from dkp.discord.text import fit
from dkp.raids.ingest import MAX_FILE_BYTES, Dumps, Previewed, TickPreview, TooLarge, take_attendance, too_large_message
from dkp.raids.models import Raid
from dkp.raids.selectors import raid_for_tick, recent_raids
from dkp.raids.services import TICK_VALUE

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.bot.core import DkpBot

log = logging.getLogger(__name__)

# Discord lets a deferred reply be edited for 15 minutes from the interaction's creation; the preview
# gives up a little before, at a fixed moment (discord.py's view timeout restarts on every click, which
# would outlive the token), so it can still say so on the message.
PREVIEW_TIMEOUT = 14 * 60
LISTED_NAMES = 10  # new or unclaimed characters named in the preview; the rest are counted


def raid_label(raid: Raid) -> str:
    """How a raid night reads in a picker and a preview: event, local date, pool and id."""
    day = raid.starts_at.astimezone(guild_zone())
    return f"{raid.event.name} {day:%Y-%m-%d %H:%M} ({raid.event.pool.name}) #{raid.pk}"


def _names(characters: list[str]) -> str:
    shown = ", ".join(characters[:LISTED_NAMES])
    more = len(characters) - LISTED_NAMES
    return shown + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class TickPlan:
    """A preview and what Confirm will need: which raid, how many points, when."""

    preview: TickPreview
    raid_id: int
    raid_label: str
    value: int
    occurred_at: dt.datetime | None  # the upload time when the files' names tell none


def render_preview(plan: TickPlan) -> str:
    preview = plan.preview
    if not preview.can_confirm:
        return fit(f"Nothing was recorded: these raid dumps can't make a tick.\n{preview.message()}")
    files = ", ".join(f.file_name for f in preview.files)
    if preview.occurred_at is not None:
        when = f"at {discord.utils.format_dt(preview.occurred_at, 'f')}"
    else:
        when = "now (the file names tell no time)"
    lines = [
        f"**Tick preview** for {plan.raid_label}, {when}",
        f"From {files}",
        f"{len(preview.present)} characters present: {len(preview.claimed)} of members, "
        f"{len(preview.unclaimed)} unclaimed, {len(preview.new)} new.",
        f"Each owner present gets {plan.value} points.",
    ]
    if preview.new:
        lines.append(f"New (added as unclaimed characters): {_names([p.name for p in preview.new])}")
    if preview.unclaimed:
        lines.append(f"Unclaimed (credited when claimed): {_names([p.name for p in preview.unclaimed])}")
    if preview.duplicates:
        lines.append(f"Listed more than once (counted once): {_names([d.name for d in preview.duplicates])}")
    if preview.other_day:
        lines.append(f"⚠ {preview.other_day} Pressing Confirm on this message takes it into this raid night anyway.")
    lines.extend(f"⚠ {warning}" for warning in preview.warnings)
    lines.append("Nothing is saved until you press Confirm.")
    return fit("\n".join(lines))


# --- work run through db() -----------------------------------------------------------------------


def _plan(officer: User, raid_id: str, files: list[tuple[str, bytes]], typed_value: str | None) -> TickPlan:
    raid = raid_for_tick(raid_id=raid_id)
    # Text, read by the tick service's own rule, so a refusal is the page's and the API's sentence.
    value = None if typed_value is None else TICK_VALUE.parse(typed_value)
    preview = take_attendance(raid=raid, source=Dumps(files), actor=officer, save=False).preview
    assert preview is not None  # a preview was asked for
    return TickPlan(
        preview=preview,
        raid_id=raid.pk,
        raid_label=raid_label(raid),
        value=raid.event.default_tick_value if value is None else value,
        occurred_at=None if preview.occurred_at else timezone.now(),
    )


def _confirm(officer: User, plan: TickPlan) -> tuple[int, int]:
    """Save the previewed tick; the number of characters present and the points each owner got."""
    raid = Raid.objects.select_related("event").get(pk=plan.raid_id)
    tick = take_attendance(
        raid=raid,
        source=Previewed(plan.preview.token),
        actor=officer,
        save=True,
        value=plan.value,
        occurred_at=plan.occurred_at,
        # Discord has no box to tick: the warning stands above the button, so pressing it is the officer's word.
        other_day=bool(plan.preview.other_day),
    ).tick
    assert tick is not None  # a token is saved or refused
    return tick.attendance.count(), tick.value


def _raid_choices(discord_id: int, current: str) -> list[app_commands.Choice[str]]:
    if not can(user_by_discord_id(discord_id), Capability.MANAGE_GUILD):
        return []
    return [
        app_commands.Choice(name=raid_label(raid)[:100], value=str(raid.pk)) for raid in recent_raids(search=current)
    ]


# --- Discord -------------------------------------------------------------------------------------


async def read_dumps(attachments: list[discord.Attachment | None]) -> list[tuple[str, bytes]]:
    """The attached files' names and bytes; a file too big for a raid dump is refused before it is fetched."""
    files = []
    for attachment in attachments:
        if attachment is None:
            continue
        if attachment.size > MAX_FILE_BYTES:
            message = too_large_message("a raid dump", TooLarge(attachment.size))
            raise InvalidInput(f"{attachment.filename}: {message}", code="file_too_large")
        try:
            data = await attachment.read()
        except discord.HTTPException:
            raise InvalidInput(
                f"{attachment.filename}: Discord did not hand the file over; attach it again.", code="download_failed"
            ) from None
        files.append((attachment.filename, data))
    return files


class TickConfirmView(DkpView):
    """Confirm or Cancel under a tick preview; only the officer who uploaded the dumps may press them."""

    def __init__(
        self, *, officer_discord_id: int, officer_name: str, plan: TickPlan, origin: discord.Interaction | None = None
    ) -> None:
        super().__init__(timeout=None)  # the deadline below is fixed; a view's timeout restarts on clicks
        self.officer_discord_id = officer_discord_id
        self.officer_name = officer_name
        self.plan = plan
        self.origin = origin
        self.done = False
        created = origin.created_at if origin is not None else discord.utils.utcnow()
        self.deadline = created + dt.timedelta(seconds=PREVIEW_TIMEOUT)
        self._expiry = asyncio.get_running_loop().create_task(self._expire(), name="dkp-tick-preview-deadline")

    async def _expire(self) -> None:
        """At the deadline, whatever was clicked meanwhile: the preview stops and says so."""
        await asyncio.sleep(max((self.deadline - discord.utils.utcnow()).total_seconds(), 0))
        if self.is_finished():
            return
        super().stop()
        await self.on_timeout()

    def stop(self) -> None:
        if self._expiry is not asyncio.current_task():
            self._expiry.cancel()
        super().stop()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.officer_discord_id:
            return True
        await say(
            interaction, f"Only {self.officer_name}, who uploaded these raid dumps, may confirm or cancel this tick."
        )
        return False

    async def _finish(self, interaction: discord.Interaction, content: str) -> None:
        """Replace the preview (and its buttons) with what happened; the click was answered or deferred before."""
        self.stop()
        if interaction.response.is_done():
            await interaction.edit_original_response(content=content, view=None)
        else:
            await interaction.response.edit_message(content=content, view=None)

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[TickConfirmView]) -> None:
        if self.done:  # a second click while the first is saving
            await say(interaction, "This tick is already being recorded.")
            return
        self.done = True
        finished = False
        try:
            # Saving a tick of fifty characters may take longer than the 3 seconds Discord waits.
            await interaction.response.defer()
            try:
                officer = await signed_up_user(interaction)
                present, value = await db(_confirm, officer, self.plan)
            except GuildError as refused:
                finished = True
                await self._finish(interaction, f"Nothing was recorded: {refused.message}")
                return
            finished = True
            raid_page = site_url(f"/raids/{self.plan.raid_id}/")
            await self._finish(interaction, f"Tick recorded: {present} characters, {value} points each.\n{raid_page}")
        except Exception:
            log.exception("Confirming a tick of raid %s failed", self.plan.raid_id)
            if not finished:
                await say(
                    interaction,
                    "Something went wrong on our side while recording the tick; press Confirm again "
                    "(a raid dump already taken is refused, so it is never counted twice).",
                )
        finally:
            if not finished:
                self.done = False  # nothing was decided: Confirm and Cancel work again

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[TickConfirmView]) -> None:
        if self.done:
            await say(interaction, "This tick is already being recorded.")
            return
        self.done = True
        await self._finish(interaction, "Cancelled; nothing was recorded.")

    async def on_timeout(self) -> None:
        if self.done or self.origin is None:
            return
        # The reply may be gone or too old to edit; nothing was saved either way.
        with contextlib.suppress(discord.HTTPException):
            await self.origin.edit_original_response(
                content="This preview timed out; nothing was recorded. Run /raid tick again.", view=None
            )


raid_group = app_commands.Group(name="raid", description="Raid nights (officers)", guild_only=True)


@raid_group.command(name="tick", description="Take a tick's attendance from raid dumps (officers).")
@app_commands.describe(
    dump="A raid dump (RaidRoster_server-YYYYMMDD-HHMMSS.txt)",
    dump2="Another dump of the same moment, e.g. from a second window",
    dump3="A third dump",
    raid="The raid night (default: the latest that has started)",
    value="Points each owner present gets (default: the event's)",
)
async def tick_command(
    interaction: discord.Interaction,
    dump: discord.Attachment,
    dump2: discord.Attachment | None = None,
    dump3: discord.Attachment | None = None,
    raid: str | None = None,
    value: app_commands.Range[str, 1, 20] | None = None,
) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    async with answering(interaction):
        officer = await signed_up_user(interaction)
        require(officer, Capability.MANAGE_GUILD)  # before fetching anything
        files = await read_dumps([dump, dump2, dump3])
        plan = await db(_plan, officer, raid or "", files, value)
        if not plan.preview.can_confirm:
            await interaction.edit_original_response(content=render_preview(plan))
            return
        view = TickConfirmView(
            officer_discord_id=interaction.user.id, officer_name=officer.name, plan=plan, origin=interaction
        )
        await interaction.edit_original_response(content=render_preview(plan), view=view)


@tick_command.autocomplete("raid")
async def tick_raid_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return await choices(interaction, db(_raid_choices, interaction.user.id, current))


async def setup(bot: DkpBot) -> None:
    """Add this module's commands, buttons and loops to the bot."""
    bot.tree.add_command(raid_group)
