"""Auctions in Discord: ``/auction start|close|cancel``, ``/bid``, and the auction posts with their Bid button.

Each auction has one post (the channel where an officer opened it, else the guild's auction channel,
else the announcement channel). ``refresh_auction_posts`` keeps posts current: it closes auctions
whose time is up, posts open auctions that have none, and edits a post only when what it would say
changed (a digest of the text is kept on the auction). After an edit a post rests ``EDIT_SECONDS``; changes
meanwhile go out in one trailing edit when the rest is over. The post shows the closing time as a Discord
timestamp, so Discord counts it down with no edits. Sealed pools never show amounts while open.

The Bid button is a ``DynamicItem`` whose custom id carries the auction number (``dkp:bid:12``), so a
button on any post works after a restart without the bot remembering anything about it.

Every command and modal submit defers before it touches the database (Discord waits three seconds for
the first answer; a busy database must not turn into "the application did not respond"). The Bid
button cannot defer, as it answers with a modal: its pre-fill lookup gets two seconds, after which the
modal opens empty and the submit checks everything.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import re
import secrets
import weakref
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands, tasks
from django.utils import timezone

from dkp.bot.core import DkpModal, answering, choices, db, say, signed_up_user, user_by_discord_id, within
from dkp.core.errors import GuildError
from dkp.core.models import GuildSettings
from dkp.core.time import guild_zone
from dkp.discord import limits
from dkp.discord.text import and_more, fit, fit_items
from dkp.loot import selectors, services
from dkp.loot.models import Auction, AuctionStatus, BidStatus, Channel, ItemBid
from dkp.loot.resolver import Rules

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.bot.core import DkpBot

log = logging.getLogger(__name__)

REFRESH_SECONDS = 10
# After an edit a post rests this long; what changes meanwhile goes out in one trailing edit at the end of
# the rest, drafted then, so the post always ends on its latest state. Discord limits message edits per
# channel (it does not publish the number; about five per five seconds is what bots meet) and discord.py
# waits out each 429, so editing on every bid queued one edit per bid and ten busy auctions in a channel
# lagged ever further behind. Resting caps a post at one edit per 3 s whatever the bids, each edit already
# the latest state; 3 s is short enough that a member sees their bid on the post almost at once.
EDIT_SECONDS = 3.0
TRAILING_SECONDS = 0.5  # how often stale posts are looked at: a trailing edit comes at most this late
MAX_BIDS_SHOWN = 10  # an open pool's post lists the best bids; the rest are counted
TIMES = "\N{MULTIPLICATION SIGN}"  # between an item and its number of copies
PREFILL_SECONDS = 2.0  # the Bid button must answer within Discord's 3 seconds; the pre-fill is a nicety
# What a post that did not go through raises besides Discord's own errors: the connection, or no answer in
# time (asyncio.TimeoutError is the builtin TimeoutError since Python 3.11).
POST_FAILURES = (discord.HTTPException, aiohttp.ClientError, TimeoutError)


# --- what a post says --------------------------------------------------------------------------------


def _stamp(moment: dt.datetime, style: str) -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


def _points(amount: int) -> str:
    return f"{amount} point" if amount == 1 else f"{amount} points"


def _item_title(auction: Auction, link: str) -> str:
    name = discord.utils.escape_markdown(auction.item.name)
    shown = f"[{name}](<{link}>)" if link else f"**{name}**"
    return f"{shown} {TIMES}{auction.quantity}" if auction.quantity > 1 else shown


def render_post(post: selectors.AuctionView, *, bidders: int, link: str) -> str:
    """The text of an auction's post, as anyone in the channel may see it (the view is for nobody in particular)."""
    auction = post.auction
    rules = auction.rules or {}
    sealed = rules.get("visibility") != "open"
    lines = [f"**Auction #{auction.pk}**: {_item_title(auction, link)}"]
    pool_line = f"Pool: {discord.utils.escape_markdown(auction.pool.name)}"
    if auction.status == AuctionStatus.OPEN:
        pool_line += " · sealed bids" if sealed else " · open bids"
        if int(rules.get("minimum_bid") or 1) > 1:
            pool_line += f" · minimum {rules['minimum_bid']}"
        if rules.get("bid_increment"):
            pool_line += f" · steps of {rules['bid_increment']}"
    lines.append(pool_line)
    people = "1 bidder" if bidders == 1 else f"{bidders} bidders"
    if auction.status == AuctionStatus.OPEN:
        lines.append(f"Closes {_stamp(auction.closes_at, 'R')} (at {_stamp(auction.closes_at, 't')}) · {people}")
        if not sealed and post.bids:
            shown = [
                f"{discord.utils.escape_markdown(bid.character_name)} {bid.amount}"
                for bid in post.bids[:MAX_BIDS_SHOWN]
            ]
            more = len(post.bids) - len(shown)
            lines.append("Bids: " + ", ".join(shown) + (f" and {more} more" if more > 0 else ""))
        lines.append("Press **Bid** or use `/bid` to bid.")
        return fit("\n".join(lines))
    ended = auction.closed_at or auction.closes_at
    if auction.status == AuctionStatus.CANCELLED:
        cancelled = (auction.outcome or {}).get("cancelled", {})
        reason = discord.utils.escape_markdown(str(cancelled.get("reason") or "no reason given"))
        lines.append(f"**Cancelled** {_stamp(ended, 'R')}: {reason}")
        return fit("\n".join(lines))
    lines.append(f"Closed {_stamp(ended, 'R')} · {people}")
    won_lines = []
    for line in post.winners:
        name = discord.utils.escape_markdown(line.distribution.character_name)
        won = f"Won by **{name}** for {_points(line.distribution.price)}"
        won_lines.append(f"~~{won}~~ (reversed)" if line.distribution.is_reversed else won)
    if not won_lines:
        lines.append(
            "No bids: the item rots."
            if auction.status == AuctionStatus.ROTTED
            else "Bidding is over; nothing was awarded."
        )

    # ``post.passed_over`` stays off: "X's bid counted as 40, all they had left" tells the channel X's balance.
    def render(shown: int) -> str:
        hidden = len(won_lines) - shown
        more = [f"…{and_more(hidden)} winners (all on the auction's web page)"] if hidden else []
        return "\n".join([*lines, *won_lines[:shown], *more, *post.tie_breaks])

    return fit_items(render, len(won_lines))


@dataclass(frozen=True)
class PostDraft:
    """One auction's post as it should read now, and where it is (or may go)."""

    auction_id: int
    content: str
    is_open: bool
    digest: str
    channel_id: str  # where the post is (or the officer opened it); "" when not posted yet
    message_id: str  # "" when not posted yet
    fallback_channel_ids: tuple[str, ...]  # the guild's auction channel, then its announcement channel


def _digest(content: str, is_open: bool) -> str:
    return hashlib.sha256(f"{content}\x00{'bid' if is_open else 'over'}".encode()).hexdigest()


def _draft(auction: Auction, settings: GuildSettings) -> PostDraft:
    post = selectors.auction_view(auction=auction, viewer=None)
    content = render_post(post, bidders=selectors.bidder_count(auction=auction), link=auction.item.link())
    is_open = auction.status == AuctionStatus.OPEN
    return PostDraft(
        auction_id=auction.pk,
        content=content,
        is_open=is_open,
        digest=_digest(content, is_open),
        channel_id=auction.discord_channel_id,
        message_id=auction.discord_message_id,
        fallback_channel_ids=tuple(
            channel
            for channel in (settings.discord_auction_channel_id, settings.discord_announce_channel_id)
            if channel
        ),
    )


def _drafts_to_write(auction_id: int | None = None) -> list[PostDraft]:
    """Close what is due, then every post that is missing or out of date (unchanged ones are left out)."""
    settings = GuildSettings.load()
    drafts = []
    for auction in selectors.auctions_for_discord(auction_id=auction_id):
        try:
            auction = services.close_if_due(auction)
        except GuildError as error:  # a close that cannot happen now is retried on the next round
            log.warning("Could not close auction %s: %s", auction.pk, error.message)
        if auction.status != AuctionStatus.OPEN and not auction.discord_message_id:
            continue  # over before it was ever posted: the web shows the result
        draft = _draft(Auction.objects.select_related("item", "pool").get(pk=auction.pk), settings)
        if draft.message_id and draft.digest == auction.discord_post_digest:
            continue
        drafts.append(draft)
    return drafts


# --- writing posts -----------------------------------------------------------------------------------


class _PostWriters:
    """One bot's writers of auction posts: a lock per auction, and which posts rest after an edit.

    Each auction's post has its own lock, so a slow edit of one post holds up no other post and no
    ``/auction start``. Putting up a post that has none takes ``opening`` as well, which
    ``/auction start`` holds from opening its auction until it is posted: the round must not post it
    elsewhere in between.
    """

    def __init__(self) -> None:
        self.locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self.opening = asyncio.Lock()
        self.edited_at: dict[int, dt.datetime] = {}  # Discord's clock, at the end of each post's last edit
        self.stale: set[int] = set()  # changed while resting: the trailing edit writes it
        self.trailing: set[asyncio.Task[bool]] = set()

    def lock(self, auction_id: int) -> asyncio.Lock:
        lock = self.locks.get(auction_id)
        if lock is None:
            lock = self.locks[auction_id] = asyncio.Lock()
        return lock

    def resting(self, auction_id: int) -> bool:
        edited = self.edited_at.get(auction_id)
        return edited is not None and (discord.utils.utcnow() - edited).total_seconds() < EDIT_SECONDS


_writers: weakref.WeakKeyDictionary[discord.Client, _PostWriters] = weakref.WeakKeyDictionary()


def _post_writers(bot: discord.Client) -> _PostWriters:
    writers = _writers.get(bot)
    if writers is None:
        writers = _writers[bot] = _PostWriters()
    return writers


def _bid_view(auction_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(BidButton(auction_id))
    return view


@dataclass(frozen=True)
class Posting:
    """Where a new post went ("" when nowhere) and why the channels tried before it did not take it."""

    channel_id: str
    failures: tuple[str, ...]


def _failure(error: BaseException) -> str:
    if isinstance(error, discord.HTTPException):
        return f"Discord answered {error.status}" + (f" ({error.text})" if error.text else "")
    if isinstance(error, TimeoutError):
        return "Discord did not answer in time"
    return f"no connection to Discord ({type(error).__name__})"


async def _send_new(bot: discord.Client, draft: PostDraft, channel_ids: list[str]) -> Posting:
    """Post in the first channel that takes it; any failure in one channel moves on to the next."""
    failures: list[str] = []
    for channel_id in dict.fromkeys(channel for channel in channel_ids if channel):
        if not channel_id.isascii() or not channel_id.isdigit():
            log.warning("Auction %s: %r is not a Discord channel id", draft.auction_id, channel_id)
            failures.append(f"{channel_id!r} is not a Discord channel id")
            continue
        channel = bot.get_partial_messageable(int(channel_id))
        try:
            message = await channel.send(draft.content, view=_bid_view(draft.auction_id))
        except POST_FAILURES as error:
            log.warning("Auction %s: cannot post in channel %s (%r)", draft.auction_id, channel_id, error)
            failures.append(f"<#{channel_id}>: {_failure(error)}")
            continue
        await db(
            services.record_auction_post,
            auction_id=draft.auction_id,
            channel_id=channel_id,
            message_id=str(message.id),
            digest=draft.digest,
        )
        return Posting(channel_id, tuple(failures))
    return Posting("", tuple(failures))


async def _write(bot: discord.Client, draft: PostDraft, *, prefer_channel_id: str = "") -> bool:
    """Edit the post, or post it when it has none (or it was deleted). True when Discord was written to."""
    if draft.message_id and draft.channel_id.isdigit() and draft.message_id.isdigit():
        message = bot.get_partial_messageable(int(draft.channel_id)).get_partial_message(int(draft.message_id))
        try:
            await message.edit(content=draft.content, view=_bid_view(draft.auction_id) if draft.is_open else None)
        except discord.NotFound:
            log.info("Auction %s: its post was deleted in Discord", draft.auction_id)
            if not draft.is_open:  # a finished auction's post that someone removed stays removed
                await db(
                    services.record_auction_post,
                    auction_id=draft.auction_id,
                    channel_id=draft.channel_id,
                    message_id="",
                    digest=draft.digest,
                )
                return False
        except discord.Forbidden as error:
            log.warning("Auction %s: may not edit its post (%s)", draft.auction_id, error)
            return False
        else:
            await db(
                services.record_auction_post,
                auction_id=draft.auction_id,
                channel_id=draft.channel_id,
                message_id=draft.message_id,
                digest=draft.digest,
            )
            return True
    if not draft.is_open:
        return False
    posting = await _send_new(bot, draft, [prefer_channel_id, draft.channel_id, *draft.fallback_channel_ids])
    if not posting.channel_id and (prefer_channel_id or draft.channel_id or draft.fallback_channel_ids):
        log.warning("Auction %s: no channel took its post", draft.auction_id)
    return bool(posting.channel_id)


async def refresh_auction_posts(bot: discord.Client, *, auction_id: int | None = None) -> int:
    """Bring the auction posts up to date (one auction's, when ``auction_id`` is given); how many were written now.

    A post edited less than ``EDIT_SECONDS`` ago is not written now: it is marked stale, and its
    trailing edit writes what it says by then.
    """
    if auction_id is not None:
        return int(await _bring_up_to_date(bot, auction_id))
    due = [draft.auction_id for draft in await db(_drafts_to_write, None)]
    # Each post under its own lock, side by side: one slow or refused edit holds up no other post.
    return sum(await asyncio.gather(*(_bring_up_to_date(bot, each) for each in due)))


async def _bring_up_to_date(bot: discord.Client, auction_id: int) -> bool:
    """Write one auction's post if it changed, unless it rests after an edit. True when Discord was written to."""
    writers = _post_writers(bot)
    if writers.resting(auction_id):
        writers.stale.add(auction_id)
        return False
    async with writers.lock(auction_id):
        if writers.resting(auction_id):  # edited while this waited for the lock
            writers.stale.add(auction_id)
            return False
        writers.stale.discard(auction_id)  # what is drafted now is the latest state
        # Drafted under the lock, so what is written is never older than what was written before it.
        drafts = await db(_drafts_to_write, auction_id)
        if not drafts:
            return False
        if not drafts[0].message_id:
            async with writers.opening:  # an auction being opened by /auction start is posted by it
                drafts = await db(_drafts_to_write, auction_id)
                return bool(drafts) and await _write_logged(bot, drafts[0])
        try:
            return await _write_logged(bot, drafts[0])
        finally:  # a refused edit rests too: it was a request all the same
            writers.edited_at[auction_id] = discord.utils.utcnow()


async def _write_logged(bot: discord.Client, draft: PostDraft) -> bool:
    try:
        return await _write(bot, draft)
    except POST_FAILURES as error:  # the next round, or the trailing edit, tries again
        log.warning("Auction %s: the post did not go through (%r)", draft.auction_id, error)
        return False


def _start_trailing_edits(bot: discord.Client) -> None:
    """Write every stale post whose rest is over, each in its own task (none waits on another)."""
    writers = _post_writers(bot)
    due = [auction_id for auction_id in writers.stale if not writers.resting(auction_id)]
    writers.stale.difference_update(due)
    for auction_id in [each for each in writers.edited_at if not writers.resting(each)]:
        del writers.edited_at[auction_id]
    for auction_id in due:
        task = asyncio.create_task(_trailing_edit(bot, auction_id))
        writers.trailing.add(task)
        task.add_done_callback(writers.trailing.discard)


async def _trailing_edit(bot: discord.Client, auction_id: int) -> bool:
    try:
        return await _bring_up_to_date(bot, auction_id)
    except Exception:  # the next round tries again
        log.exception("Auction %s: the trailing edit of its post failed", auction_id)
        return False


def _stop_trailing_edits(bot: discord.Client) -> None:
    """On shutdown the trailing edits are dropped: the next start's first round catches the posts up."""
    writers = _post_writers(bot)
    for task in writers.trailing:
        task.cancel()
    writers.stale.clear()


async def _refresh_quietly(bot: discord.Client, auction_id: int) -> None:
    """After a command changed an auction: its post follows now rather than on the next round."""
    try:
        await refresh_auction_posts(bot, auction_id=auction_id)
    except Exception:  # the answer was given; the loop will catch the post up
        log.exception("Refreshing the post of auction %s failed", auction_id)


# --- choosing an auction or a pool ------------------------------------------------------------------


def _choice_label(auction: Auction, zone: zoneinfo.ZoneInfo) -> str:
    closes = timezone.localtime(auction.closes_at, zone).strftime("%H:%M")
    copies = f" {TIMES}{auction.quantity}" if auction.quantity > 1 else ""
    tail = f"{copies} — #{auction.pk}, closes {closes}"
    return auction.item.name[: limits.CHOICE_NAME - len(tail)] + tail


def _auction_choices(discord_id: int, typed: str) -> list[app_commands.Choice[str]]:
    viewer = user_by_discord_id(discord_id)
    zone = guild_zone()
    return [
        app_commands.Choice(name=_choice_label(auction, zone), value=str(auction.pk))
        for auction in selectors.open_auction_choices(viewer=viewer, typed=typed)
    ]


async def open_auction_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return await choices(interaction, db(_auction_choices, interaction.user.id, current))


def _pool_choices(discord_id: int, typed: str) -> list[app_commands.Choice[str]]:
    viewer = user_by_discord_id(discord_id)
    return [
        app_commands.Choice(name=pool.name, value=pool.name)
        for pool in selectors.pool_choices(viewer=viewer, typed=typed)
    ]


async def pool_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return await choices(interaction, db(_pool_choices, interaction.user.id, current))


# --- officers: /auction start|close|cancel ----------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """An auction just opened: its post to send, and what the officer is told about it."""

    draft: PostDraft
    summary: str


def _open(*, actor: User, item: str, quantity: int, minutes: int | None, pool_name: str | None) -> Opened:
    pool = selectors.auction_pool(pool_name)
    auction = services.open_auction(item=item, pool=pool, actor=actor, quantity=quantity, minutes=minutes)
    auction = Auction.objects.select_related("item", "pool").get(pk=auction.pk)
    return Opened(_draft(auction, GuildSettings.load()), _opened_summary(auction))


def _where_posted(posting: Posting, here: str, fallbacks: tuple[str, ...]) -> str:
    """The end of the officer's answer: where the post is, or why there is none."""
    if posting.channel_id:
        where = "posted here" if posting.channel_id == here else f"posted in <#{posting.channel_id}>"
        return where + (f" (could not post it in {'; '.join(posting.failures)})" if posting.failures else "")
    if not posting.failures:
        return "but I could not post it anywhere: set the auction channel on the guild settings page"
    retry = (
        "I will keep trying the auction channel"
        if fallbacks
        else "set the auction channel on the guild settings page so I can retry"
    )
    return (
        f"but I could not post it: {'; '.join(posting.failures)}. "
        f"Members can bid with /bid or on the web meanwhile; {retry}"
    )


def _close(*, actor: User, picked: str) -> Auction:
    with timezone.override(guild_zone()):  # "This auction closed at 21:40:00" in the guild's time
        auction = services.close_auction(auction_id=selectors.auction_picked(picked).pk, actor=actor, early=True)
    return Auction.objects.select_related("item").get(pk=auction.pk)


def _cancel(*, actor: User, picked: str, reason: str) -> Auction:
    with timezone.override(guild_zone()):
        auction = services.cancel_auction(auction_id=selectors.auction_picked(picked).pk, actor=actor, reason=reason)
    return Auction.objects.select_related("item").get(pk=auction.pk)


def _closed_summary(auction: Auction) -> str:
    winners = (auction.outcome or {}).get("winners", [])
    if not winners:
        return f"Auction #{auction.pk} ({auction.item.name}) is closed: nobody bid, the item rots."
    each = [f"{line['name']} for {_points(int(line['price']))}" for line in winners]

    def render(shown: int) -> str:
        won = ", ".join(each[:shown]) + and_more(len(each) - shown)
        return f"Auction #{auction.pk} ({auction.item.name}) is closed. Won by {won}."

    return fit_items(render, len(each))


class AuctionCommands(app_commands.Group):
    """``/auction``: officers open, close and cancel auctions; the services say no to everyone else."""

    def __init__(self) -> None:
        super().__init__(name="auction", description="Open, close or cancel an auction (officers).", guild_only=True)

    @app_commands.command(name="start", description="Open an auction and post it in this channel.")
    @app_commands.describe(
        item="The item's name",
        quantity="How many copies dropped (default 1)",
        minutes="How long bidding runs (default: the guild's setting)",
        pool="The DKP pool (default: the first active pool)",
    )
    @app_commands.autocomplete(pool=pool_autocomplete)
    async def start(
        self,
        interaction: discord.Interaction,
        item: app_commands.Range[str, 1, 120],
        quantity: app_commands.Range[int, 1, services.MAX_QUANTITY] = 1,
        minutes: app_commands.Range[int, 1, services.MAX_MINUTES] | None = None,
        pool: str | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with answering(interaction):
            actor = await signed_up_user(interaction)
            bot = interaction.client
            here = str(interaction.channel_id or "")
            # The opening lock only, so the round cannot post it elsewhere between opening and posting; edits of
            # other posts go on meanwhile, and this answer does not wait on them.
            async with _post_writers(bot).opening:
                opened = await db(_open, actor=actor, item=item, quantity=quantity, minutes=minutes, pool_name=pool)
                draft = opened.draft
                # From here on the auction exists: whatever goes wrong, the officer hears its number, or a
                # retry would open a second auction for the same drop.
                try:
                    posting = await _send_new(bot, draft, [here, *draft.fallback_channel_ids])
                except Exception as error:
                    log.exception("Auction %s: posting it failed", draft.auction_id)
                    posting = Posting(
                        "",
                        (
                            _failure(error)
                            if isinstance(error, POST_FAILURES)
                            else "an unexpected error (see the bot's log)",
                        ),
                    )
            await say(interaction, f"{opened.summary}; {_where_posted(posting, here, draft.fallback_channel_ids)}.")

    @app_commands.command(name="close", description="Close an open auction now and award it.")
    @app_commands.describe(auction="The open auction (pick from the list, or give its number)")
    @app_commands.autocomplete(auction=open_auction_autocomplete)
    async def close(self, interaction: discord.Interaction, auction: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with answering(interaction):
            actor = await signed_up_user(interaction)
            closed = await db(_close, actor=actor, picked=auction)
            await say(interaction, _closed_summary(closed))
            await _refresh_quietly(interaction.client, closed.pk)

    @app_commands.command(name="cancel", description="Cancel an open auction: nobody wins, nobody pays.")
    @app_commands.describe(auction="The open auction (pick from the list, or give its number)", reason="Why")
    @app_commands.autocomplete(auction=open_auction_autocomplete)
    async def cancel(
        self, interaction: discord.Interaction, auction: str, reason: app_commands.Range[str, 1, 300]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with answering(interaction):
            actor = await signed_up_user(interaction)
            cancelled = await db(_cancel, actor=actor, picked=auction, reason=reason)
            await say(interaction, f"Auction #{cancelled.pk} ({cancelled.item.name}) is cancelled; nobody pays.")
            await _refresh_quietly(interaction.client, cancelled.pk)


def _opened_summary(auction: Auction) -> str:
    copies = f" {TIMES}{auction.quantity}" if auction.quantity > 1 else ""
    return (
        f"Auction #{auction.pk} is open: {auction.item.name}{copies} in {auction.pool.name}, "
        f"closing {_stamp(auction.closes_at, 't')} ({_stamp(auction.closes_at, 'R')})"
    )


# --- members: /bid, the Bid button and its modal ----------------------------------------------------


@dataclass(frozen=True)
class BidAnswer:
    auction_id: int
    text: str


def _bid(*, user: User, auction_id: int, amount: str, tag: str | None, character_name: str | None) -> BidAnswer:
    with timezone.override(guild_zone()):
        bid = services.place_bid(
            auction_id=auction_id,
            user=user,
            amount=amount,
            channel=Channel.DISCORD,
            tag=tag,
            character_name=character_name,
        )
    return BidAnswer(bid.auction_id, _bid_confirmation(bid, user))


def _bid_confirmation(bid: ItemBid, user: User) -> str:
    auction = Auction.objects.select_related("item", "pool").get(pk=bid.auction_id)
    left = selectors.available_balance(user_id=user.pk, pool_id=auction.pool_id)
    return (
        f"Your bid of {_points(bid.amount)} on {auction.item.name} (#{auction.pk}) for {bid.character_name} "
        f"({bid.tag}) is in. You have {_points(left)} available in {auction.pool.name} after it."
    )


def _bid_from_command(
    *, user: User, picked: str, amount: str, tag: str | None, character_name: str | None
) -> BidAnswer:
    auction = selectors.auction_picked(picked)
    return _bid(user=user, auction_id=auction.pk, amount=amount, tag=tag, character_name=character_name)


async def _answer_bid(interaction: discord.Interaction, answer: BidAnswer) -> None:
    await say(interaction, answer.text)
    await _refresh_quietly(interaction.client, answer.auction_id)


def _make_bid_command() -> app_commands.Command[Any, ..., None]:
    """``/bid``, made for each bot (a restarted bot gets its own command objects)."""

    @app_commands.command(name="bid", description="Bid on an open auction.")
    @app_commands.describe(
        item="The open auction (pick from the list, type the item's name, or give its number)",
        amount="Points, a whole number",
        tag="Leave out: a bid is tagged as its character is. main from an alt or box only where the pool allows",
        character="Which of your characters (default: your main)",
    )
    @app_commands.autocomplete(item=open_auction_autocomplete)
    @app_commands.guild_only()
    async def bid_command(
        interaction: discord.Interaction,
        item: str,
        amount: app_commands.Range[str, 1, 40],
        tag: Literal["main", "alt", "box"] | None = None,
        character: app_commands.Range[str, 1, 15] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with answering(interaction):
            user = await signed_up_user(interaction)
            answer = await db(
                _bid_from_command, user=user, picked=item, amount=amount, tag=tag, character_name=character
            )
            await _answer_bid(interaction, answer)

    return bid_command


@dataclass(frozen=True)
class BidForm:
    """What the Bid modal starts with, or why the person cannot bid."""

    refusal: str
    item_name: str
    amount: str
    tag: str
    character_name: str
    available: int | None
    pool_name: str
    main_from_alts: bool = False  # the auction's rules let an alt or box bid as main: the modal offers it


def _bid_form(*, auction_id: int, user: User) -> BidForm:
    auction = selectors.auctions().filter(pk=auction_id).first()
    if auction is None:
        return BidForm(f"There is no auction #{auction_id}.", "", "", "", "", None, "")
    view = selectors.auction_view(auction=auction, viewer=user)
    mine = view.my_bid if view.my_bid is not None and view.my_bid.status == BidStatus.LIVE else None
    return BidForm(
        refusal=view.cannot_bid_reason,
        item_name=auction.item.name,
        amount=str(mine.amount) if mine else "",
        tag=mine.tag if mine else "",
        character_name=mine.character_name if mine else "",
        available=view.my_available,
        pool_name=auction.pool.name,
        main_from_alts=Rules.from_json(auction.rules or {}).main_bids_from_alts,
    )


def bid_form_id(auction_id: int) -> str:
    """A custom id for one opened Bid form: the auction and a nonce of this opening.

    discord.py keeps open modals by custom id alone, so two members' forms on one auction need two
    ids, or the second form opened replaces the first and the first submit is thrown away.
    """
    return f"dkp:bid-form:{auction_id}:{secrets.token_hex(8)}"  # at most 49 characters of limits.CUSTOM_ID


class BidModal(DkpModal):
    """Amount, tag and character for a bid on one auction; each opening is its own form."""

    def __init__(self, auction_id: int, form: BidForm) -> None:
        super().__init__(
            title=f"Bid on {form.item_name}"[: limits.MODAL_TITLE], timeout=600, custom_id=bid_form_id(auction_id)
        )
        self.auction_id = auction_id
        hint = (
            f"You have {_points(form.available)} available in {form.pool_name}." if form.available is not None else None
        )
        self.amount: discord.ui.TextInput[BidModal] = discord.ui.TextInput(
            custom_id="amount", placeholder="e.g. 25", default=form.amount or None, max_length=12
        )
        # A bid is tagged as its character is; only where the pool lets an alt or box bid as main is
        # there anything to choose, so only then does the modal ask.
        self.tag: discord.ui.Select[BidModal] | None = None
        if form.main_from_alts:
            self.tag = discord.ui.Select(
                custom_id="tag",
                required=False,
                min_values=0,
                max_values=1,
                placeholder="The character's own tag",
                options=[discord.SelectOption(label="main", value="main", default=form.tag == "main")],
            )
        self.character: discord.ui.TextInput[BidModal] = discord.ui.TextInput(
            custom_id="character",
            required=False,
            placeholder="Your main character",
            default=form.character_name or None,
            max_length=15,
        )
        self.add_item(discord.ui.Label(text="Amount (points)", description=hint, component=self.amount))
        if self.tag is not None:
            self.add_item(
                discord.ui.Label(
                    text="Bid as main?", description="This pool lets an alt or box bid as main", component=self.tag
                )
            )
        self.add_item(
            discord.ui.Label(
                text="Character (optional)",
                description="The bid is tagged as this character is: main, alt or box",
                component=self.character,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # What this submit says is read before the first await: another submit reaching this form
        # meanwhile must not change the amount this one stores.
        amount = self.amount.value
        tag = self.tag.values[0] if self.tag is not None and self.tag.values else None
        character_name = self.character.value.strip() or None
        async with answering(interaction):
            await interaction.response.defer(ephemeral=True, thinking=True)
            user = await signed_up_user(interaction)
            answer = await db(
                _bid, user=user, auction_id=self.auction_id, amount=amount, tag=tag, character_name=character_name
            )
            await _answer_bid(interaction, answer)


class BidButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"dkp:bid:(?P<auction_id>[0-9]{1,19})",
):
    """The Bid button of an auction post; its custom id names the auction, so it outlives restarts."""

    def __init__(self, auction_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="Bid", style=discord.ButtonStyle.primary, custom_id=f"dkp:bid:{auction_id}")
        )
        self.auction_id = auction_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> BidButton:
        return cls(int(match["auction_id"]))

    async def _form(self, interaction: discord.Interaction) -> BidForm:
        user = await signed_up_user(interaction)
        return await db(_bid_form, auction_id=self.auction_id, user=user)

    async def callback(self, interaction: discord.Interaction) -> None:
        # A modal must be the first answer, so this cannot defer: the lookup gets PREFILL_SECONDS from the click
        # (Discord's clock), then the modal opens empty (the submit defers and checks who bids on what, as /bid does).
        async with answering(interaction):
            try:
                form = await within(interaction, PREFILL_SECONDS, self._form(interaction))
            except TimeoutError:
                log.warning("Auction %s: the Bid form's pre-fill took too long; opening it empty", self.auction_id)
                form = BidForm("", f"auction #{self.auction_id}", "", "", "", None, "")
            if form.refusal:
                await say(interaction, form.refusal)
                return
            await interaction.response.send_modal(BidModal(self.auction_id, form))


# --- the loop -----------------------------------------------------------------------------------------


class AuctionPosts(commands.Cog):
    """Every ten seconds (and first when the bot is ready): posts catch up with what happened."""

    def __init__(self, bot: DkpBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        # Trailing edits are the tail of edits that commands asked for, not a poll: they run in every bot.
        self.trailing_edits.start()
        if self.bot.background:
            self.keep_current.start()

    async def cog_unload(self) -> None:
        self.keep_current.cancel()
        self.trailing_edits.cancel()
        _stop_trailing_edits(self.bot)

    @tasks.loop(seconds=REFRESH_SECONDS)
    async def keep_current(self) -> None:
        try:
            await refresh_auction_posts(self.bot)
        except Exception:  # one bad round must not stop the loop for good
            log.exception("Refreshing the auction posts failed")

    @tasks.loop(seconds=TRAILING_SECONDS)
    async def trailing_edits(self) -> None:
        try:
            _start_trailing_edits(self.bot)
        except Exception:
            log.exception("Starting the trailing edits of auction posts failed")

    @keep_current.before_loop
    async def _when_ready(self) -> None:
        await self.bot.wait_until_ready()


async def setup(bot: DkpBot) -> None:
    """Add this module's commands, buttons and loops to the bot."""
    bot.tree.add_command(AuctionCommands())
    bot.tree.add_command(_make_bid_command())
    bot.add_dynamic_items(BidButton)
    await bot.add_cog(AuctionPosts(bot))
