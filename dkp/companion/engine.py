"""The companion's work: lines of the log and files of the EverQuest folder in, EQ DKP's API out.

The engine keeps what the view shows (tonight's raid night, its open auctions with their bids, a
pending tick preview, the messages) and the state that survives a restart. Every call into it
holds one lock, so the terminal view's thread and the polling thread never see half an update.

A line of the log is handled once: each write it causes carries an ``Idempotency-Key`` made of
the log's fingerprint and the line's byte offset, and the offset past it is saved as soon as it
is handled. A companion stopped between sending and saving reads the line again on restart, sends
the same key, and EQ DKP answers what it answered the first time without doing it twice. When EQ
DKP cannot be reached the line is not passed: it is sent again on the next poll.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dkp.companion.api import Api, Refused
from dkp.companion.clipboard import Clipboard
from dkp.companion.commands import (
    BadCommand,
    CancelAuction,
    CloseAuction,
    OpenAuction,
    Words,
    announcement,
    read_raid_command,
    read_tell,
    tell_back,
)
from dkp.companion.follow import Line, LogFollower
from dkp.companion.state import State, StateFile
from dkp.eqlog import ChatLine, LootLine, read_line

# Tonight's raid night: the newest one that started at most this long ago (a night that began at
# 18:00 still counts at 10:00 the next morning; yesterday's does not count tonight).
TONIGHT = dt.timedelta(hours=16)
SERVER_EVERY = 3.0  # seconds between looks at the open auctions (closes on time, bids from the web)
RAID_EVERY = 60.0  # seconds between looks for tonight's raid night while there is none
DUMP_SETTLED = 1.0  # a dump file untouched this long is whole
MESSAGES_KEPT = 500

LOG_NAME = re.compile(r"eqlog_(?P<character>[A-Za-z]+)_(?P<server>[^.]+)\.txt\Z", re.IGNORECASE)
RAID_DUMP = re.compile(r"RaidRoster[_-].*\.txt\Z", re.IGNORECASE)
GUILD_DUMP = re.compile(r".+_[A-Za-z0-9]+-[0-9]{8}-[0-9]{6}\.txt\Z")
# Statuses with nothing more to come: the announcement can be made.
ENDED = frozenset({"awarded", "rotted", "cancelled"})


class NotNow(Exception):
    """EQ DKP cannot take the request now (unreachable, busy, the key refused): try the line again later."""


@dataclass(frozen=True)
class Message:
    level: str  # "info", "warning", "refusal" (sent back to a raider), "chat" (a tell that is no bid)
    text: str
    at: dt.datetime
    copied: str = ""  # what went on the clipboard with it


@dataclass
class AuctionView:
    id: int
    item: str
    quantity: int
    status: str
    closes_at: dt.datetime | None
    note: str = ""
    bids: list[dict[str, Any]] = field(default_factory=list)
    winners: list[dict[str, Any]] = field(default_factory=list)

    def seconds_left(self, now: dt.datetime) -> int | None:
        if self.closes_at is None:
            return None
        return max(0, int((self.closes_at - now).total_seconds()))


@dataclass
class TickPreview:
    path: Path
    raid: int
    preview: dict[str, Any]
    refused: str = ""  # why it cannot be confirmed, from EQ DKP

    @property
    def can_confirm(self) -> bool:
        return not self.refused and bool(self.preview.get("can_confirm")) and bool(self.preview.get("token"))


def character_of(log_path: Path) -> str:
    """``eqlog_Olwenna_xegony.txt`` → ``Olwenna``: the loot master, whose raid chat is the command line."""
    found = LOG_NAME.fullmatch(log_path.name)
    return found["character"].capitalize() if found else ""


def _key(*parts: object) -> str:
    """An Idempotency-Key (visible characters only) naming one action for good."""
    text = ":".join(str(part) for part in parts)
    return "dkpc-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _aware(at: dt.datetime | None) -> dt.datetime:
    """The log's naive time as this computer's local time (the client writes the PC's clock)."""
    if at is None:
        return dt.datetime.now().astimezone()
    return at.astimezone()  # a naive datetime is taken as local time


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _view(detail: dict[str, Any]) -> AuctionView:
    item = detail.get("item")
    name = item.get("name") if isinstance(item, dict) else detail.get("item_name")
    return AuctionView(
        id=int(detail["id"]),
        item=str(name or f"auction {detail['id']}"),
        quantity=int(detail.get("quantity") or 1),
        status=str(detail.get("status") or "open"),
        closes_at=_parse_time(detail.get("closes_at")),
        note=str(detail.get("note") or ""),
        bids=list(detail.get("bids") or []),
        winners=list(detail.get("winners") or []),
    )


class Engine:
    def __init__(
        self,
        *,
        api: Api,
        clipboard: Clipboard,
        state_file: StateFile,
        log_path: Path,
        eq_folder: Path | None = None,
        words: Words | None = None,
        raid_id: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.clipboard = clipboard
        self.state_file = state_file
        self.log_path = log_path
        self.eq_folder = eq_folder
        self.words = words or Words()
        self.wanted_raid = raid_id
        self.clock = clock
        self.character = character_of(log_path)
        self.lock = threading.RLock()
        self.state = State()
        self.follower = LogFollower(log_path)
        self.raid: dict[str, Any] | None = None
        self.auctions: dict[int, AuctionView] = {}
        self.preview: TickPreview | None = None
        self.ticks: list[dict[str, Any]] = []
        self.messages: list[Message] = []
        self.server_down = ""  # the last reason EQ DKP could not be reached, shown once
        self._next_server = 0.0
        self._next_raid = 0.0

    # --- what the view reads ---

    def say(self, level: str, text: str, copy: str = "") -> Message:
        copied = ""
        if copy:
            if self.clipboard.copy(copy):
                copied = copy
            else:
                text += f" No clipboard here, so type it yourself: {copy}"
        message = Message(level, text, dt.datetime.now().astimezone(), copied)
        with self.lock:
            self.messages.append(message)
            del self.messages[:-MESSAGES_KEPT]
        return message

    def open_views(self) -> list[AuctionView]:
        with self.lock:
            return sorted((a for a in self.auctions.values() if a.status == "open"), key=lambda a: a.id)

    # --- starting ---

    def start(self) -> None:
        with self.lock:
            self.state = self.state_file.load()
            first_run = not self.state.log_path
            if self.state.log_path == str(self.log_path):
                self.follower = LogFollower(self.log_path, offset=self.state.offset, head=self.state.fingerprint)
            else:
                self.follower = LogFollower(self.log_path)  # a log never read: from its end
            if first_run:
                self._mark_folder_seen()
            self.follower.read()  # settles a first run's offset at the end of the log
            self._save()
            self.find_raid()
            self.refresh_auctions()
            who = self.character or "the log's character"
            self.say("info", f"Following {self.log_path.name} as {who}, from byte {self.follower.offset}.")

    def find_raid(self) -> None:
        """Tonight's raid night: ``--raid`` or the newest that started in the last 16 hours."""
        with self.lock:
            self._next_raid = self.clock() + RAID_EVERY
            raid: dict[str, Any] | None
            try:
                if self.wanted_raid is not None:
                    raid = self.api.raid(self.wanted_raid)
                else:
                    now = dt.datetime.now(dt.UTC)
                    raid = next(
                        (
                            r
                            for r in self.api.raids()
                            if (starts := _parse_time(r.get("starts_at"))) is not None
                            and now - TONIGHT <= starts <= now + dt.timedelta(hours=1)
                        ),
                        None,
                    )
            except Refused as refused:
                self.say("warning", f"Tonight's raid night is not known yet: {refused.detail}")
                return
            if raid is None:
                if self.raid is None:
                    self.say(
                        "warning",
                        "No raid night started in the last 16 hours. Create tonight's on the web; until then "
                        "auctions and ticks wait.",
                    )
                return
            if self.raid is None or self.raid.get("id") != raid.get("id"):
                self.raid = raid
                self.say("info", f"Tonight's raid night: {raid.get('event_name', 'raid')} (raid {raid['id']}).")

    def refresh_auctions(self) -> None:
        """What is open in tonight's raid night now, with bids; an auction that ended is announced once."""
        with self.lock:
            self._next_server = self.clock() + SERVER_EVERY
            if self.raid is None:
                return
            try:
                listed = {int(a["id"]) for a in self.api.open_auctions(int(self.raid["id"]))}
                for auction_id in sorted(listed | set(self.auctions)):
                    self._update(self.api.auction(auction_id))
            except Refused as refused:
                self._server_down(refused)
                return
            self.server_down = ""

    def _update(self, detail: dict[str, Any]) -> AuctionView:
        view = _view(detail)
        self.auctions[view.id] = view
        if view.status in ENDED:
            self._ended(view)
            if view.id in self.auctions and view.id in self.state.announced:
                del self.auctions[view.id]
        return view

    def _ended(self, view: AuctionView) -> None:
        if view.id in self.state.announced:
            return
        winners = [
            (str(w.get("character_name") or w.get("user_name") or "?"), int(w.get("price") or 0))
            for w in view.winners
            if not w.get("is_reversed")
        ]
        text = announcement(view.item, view.status, winners)
        self.say("info", f"{view.item} ended ({view.status}); the announcement is for raid chat.", copy=text)
        self.state.announced.append(view.id)
        del self.state.announced[:-200]
        if winners:
            self.state.awaiting_loot[view.item.lower()] = [name for name, _ in winners]
        self._save()

    def _server_down(self, refused: Refused) -> None:
        if refused.detail != self.server_down:
            self.say("warning", refused.detail)
        self.server_down = refused.detail

    # --- one round of the polling loop ---

    def step(self) -> None:
        with self.lock:
            if self.raid is None and self.clock() >= self._next_raid:
                self.find_raid()
            self.read_log()
            self.read_folder()
            if self.clock() >= self._next_server:
                self.refresh_auctions()

    def read_log(self) -> None:
        with self.lock:
            for line in self.follower.read():
                try:
                    self.handle(line)
                except NotNow:
                    break  # this line again on the next round
                self.follower.offset = line.end
                self._save()

    def _save(self) -> None:
        self.state.log_path = str(self.log_path)
        self.state.offset = self.follower.offset
        self.state.fingerprint = self.follower.head
        self.state_file.save(self.state)

    def handle(self, line: Line) -> None:
        read = read_line(line.text)
        key = f"{self.follower.head}:{line.offset}"
        if isinstance(read, ChatLine):
            if read.channel == "raid" and read.speaker == "You":
                self._command(read, key)
            elif read.channel == "tell" and read.speaker != "You":
                self._tell(read, key)
        elif isinstance(read, LootLine):
            self._looted(read)

    def _send(self, call: Callable[..., dict[str, Any]], *args: Any, **options: Any) -> dict[str, Any]:
        """One write to EQ DKP: its answer, a ``Refused`` for good, or ``NotNow`` to try the line again."""
        try:
            answer = call(*args, **options)
        except Refused as refused:
            if (
                refused.status == 0
                or refused.status >= 500
                or refused.status in (401, 403, 429)
                or (refused.code in ("conflict", "idempotency_key_in_use"))
            ):
                self._server_down(refused)
                raise NotNow from None
            raise
        self.server_down = ""
        return answer

    def _open_named(self, item: str) -> AuctionView | None:
        wanted = item.lower()
        return next((a for a in self.open_views() if a.item.lower() == wanted), None)

    def _command(self, said: ChatLine, key: str) -> None:
        command = read_raid_command(said.text, self.words)
        if command is None:
            return
        if isinstance(command, BadCommand):
            self.say("warning", f"Raid chat '{said.text}': {command.reason}")
            return
        if self.raid is None:
            self.say("warning", f"'{said.text}' not done: no raid night tonight. Create it on the web first.")
            return
        if isinstance(command, OpenAuction):
            if key in self.state.opened:
                return  # read again after a restart: it is open already, from this very line
            if (known := self._open_named(command.item)) is not None:
                self.say(
                    "warning",
                    f"{known.item} is already open (auction {known.id}). Close it first, or open several copies "
                    "at once with !N.",
                )
                return
            raid = self.raid
            try:
                detail = self._send(
                    self.api.open_auction,
                    item=command.item,
                    pool=int(raid["pool"]),
                    raid=int(raid["id"]),
                    quantity=command.quantity,
                    note=command.note,
                    key=_key("log", key),
                )
            except Refused as refused:
                self.say("warning", f"{command.item} did not open: {refused.detail}")
                return
            view = self._update(detail)
            self.state.opened[key] = view.id
            for stale in list(self.state.opened)[:-100]:
                del self.state.opened[stale]
            copies = f" ({view.quantity} copies)" if view.quantity > 1 else ""
            left = view.seconds_left(dt.datetime.now(dt.UTC))
            closes = f", closes in {left // 60}:{left % 60:02d}" if left is not None else ""
            self.say("info", f"Opened {view.item}{copies} (auction {view.id}){closes}.")
            return
        found = self._open_named(command.item)
        if found is None:
            self.say("warning", f"No open auction for {command.item}.")
            return
        if isinstance(command, CloseAuction):
            self._close(found, _key("log", key))
        elif isinstance(command, CancelAuction):
            self._cancel(found, f"Cancelled in raid chat by {self.character or 'the loot master'}", _key("log", key))

    def _close(self, auction: AuctionView, key: str) -> None:
        try:
            detail = self._send(self.api.close_auction, auction.id, key=key)
        except Refused as refused:
            self.say("warning", f"{auction.item} did not close: {refused.detail}")
            return
        self._update(detail)

    def _cancel(self, auction: AuctionView, reason: str, key: str) -> None:
        try:
            detail = self._send(self.api.cancel_auction, auction.id, reason=reason, key=key)
        except Refused as refused:
            self.say("warning", f"{auction.item} was not cancelled: {refused.detail}")
            return
        self._update(detail)

    def _tell(self, told: ChatLine, key: str) -> None:
        by_name = {a.item: a for a in self.open_views()}
        reading = read_tell(told.text, by_name)
        if not reading.is_bid:
            self.say("chat", f"{told.speaker} tells you '{told.text}' (no bid)")
            return
        for refusal in reading.refusals:
            back = tell_back(told.speaker, refusal.item, refusal.reason)
            about = f" on {refusal.item}" if refusal.item else ""
            self.say("refusal", f"{told.speaker}{about}: {refusal.reason}", copy=back)
        told_at = _aware(told.at).isoformat()
        for number, bid in enumerate(reading.bids):
            auction = by_name[bid.item]
            try:
                answer = self._send(
                    self.api.game_bid,
                    auction.id,
                    character=told.speaker,
                    amount=bid.amount,
                    tag=bid.tag,
                    told_at=told_at,
                    key=_key("log", key, number),
                )
            except Refused as refused:
                back = tell_back(told.speaker, auction.item, refused.detail)
                self.say("refusal", f"{told.speaker} on {auction.item}: {refused.detail}", copy=back)
                continue
            tag = f" ({answer['tag']})" if answer.get("tag") and answer.get("tag") != "main" else ""
            owner = f" for {answer['user_name']}" if answer.get("user_name") else ""
            self.say("info", f"{told.speaker} bids {answer.get('amount')}{tag} on {auction.item}{owner}.")
            try:
                self._update(self.api.auction(auction.id))
            except Refused as refused:
                self._server_down(refused)

    def _looted(self, loot: LootLine) -> None:
        looter = self.character if loot.looter == "You" else loot.looter
        winners = self.state.awaiting_loot.get(loot.item.lower())
        if winners is None:
            return
        match = next((w for w in winners if w.lower() == looter.lower()), None)
        if match is not None:
            winners.remove(match)
            self.say("info", f"{looter} looted {loot.item}, as awarded.")
        else:
            awarded = ", ".join(winners) or "nobody still waiting"
            self.say(
                "warning",
                f"{looter or 'Someone'} looted {loot.item}, but it was awarded to {awarded}. Nothing is changed in "
                "EQ DKP: fix the award on the web if the wrong raider has it.",
            )
        if not winners:
            del self.state.awaiting_loot[loot.item.lower()]
        self._save()

    # --- the EverQuest folder: raid dumps and guild dumps ---

    def _dumps(self) -> list[Path]:
        if self.eq_folder is None:
            return []
        try:
            entries = sorted(self.eq_folder.iterdir())
        except OSError:
            return []
        return [p for p in entries if p.is_file() and (RAID_DUMP.match(p.name) or GUILD_DUMP.match(p.name))]

    def _mark_folder_seen(self) -> None:
        for path in self._dumps():
            self.state.dumps_seen[path.name] = path.stat().st_mtime

    def read_folder(self) -> None:
        with self.lock:
            now = time.time()
            for path in self._dumps():
                try:
                    modified = path.stat().st_mtime
                except OSError:
                    continue
                if self.state.dumps_seen.get(path.name) == modified or now - modified < DUMP_SETTLED:
                    continue
                try:
                    if RAID_DUMP.match(path.name):
                        if self.raid is None:
                            continue  # waits for tonight's raid night
                        self._raid_dump(path, modified)
                    else:
                        self._guild_dump(path, modified)
                except NotNow:
                    return
                self.state.dumps_seen[path.name] = modified
                self._save()

    def _raid_dump(self, path: Path, modified: float) -> None:
        assert self.raid is not None
        raid = int(self.raid["id"])
        try:
            preview = self._send(self.api.preview_tick, raid, path, key=_key("dump", path.name, modified))
        except Refused as refused:
            body = refused.body or {}
            self.preview = TickPreview(path, raid, dict(body.get("preview") or {}), refused=refused.detail)
            self.say("warning", f"{path.name} cannot be a tick: {refused.detail}")
            return
        self.preview = TickPreview(path, raid, preview)
        present = len(preview.get("present") or [])
        news = len(preview.get("new") or [])
        unclaimed = len(preview.get("unclaimed") or [])
        problems = len(preview.get("problems") or [])
        self.say(
            "info",
            f"Tick preview from {path.name}: {present} present, {news} new, {unclaimed} unclaimed, "
            f"{problems} problems. Press t to confirm.",
        )

    def _guild_dump(self, path: Path, modified: float) -> None:
        try:
            summary = self._send(self.api.guild_dump, path, key=_key("dump", path.name, modified))
        except Refused as refused:
            self.say("warning", f"{path.name} was not taken as a guild dump: {refused.detail}")
            return
        added = len(summary.get("added") or [])
        changes = len(summary.get("changes") or [])
        self.say("info", f"Guild roster from {path.name}: {added} added, {changes} changed.")

    # --- the loot master's keys ---

    def confirm_tick(self) -> None:
        with self.lock:
            preview = self.preview
            if preview is None:
                self.say("warning", "No tick preview waits to be confirmed.")
                return
            if not preview.can_confirm:
                self.say("warning", f"{preview.path.name} cannot be confirmed: {preview.refused or 'see its problems'}")
                return
            token = str(preview.preview["token"])
            try:
                tick = self._send(self.api.confirm_tick, preview.raid, token, key=_key("tick", token))
            except NotNow:
                return
            except Refused as refused:
                self.say("warning", f"The tick from {preview.path.name} was not recorded: {refused.detail}")
                return
            self.preview = None
            self.ticks.append(tick)
            self.say("info", f"Tick recorded from {preview.path.name}.")

    def close_auction(self, auction_id: int) -> None:
        with self.lock:
            if (auction := self.auctions.get(auction_id)) is not None:
                with contextlib.suppress(NotNow):
                    self._close(auction, _key("key", uuid.uuid4()))

    def cancel_auction(self, auction_id: int) -> None:
        with self.lock:
            if (auction := self.auctions.get(auction_id)) is not None:
                reason = f"Cancelled by {self.character or 'the loot master'} in dkp-companion"
                with contextlib.suppress(NotNow):
                    self._cancel(auction, reason, _key("key", uuid.uuid4()))

    def copy_again(self) -> None:
        with self.lock:
            last = next((m for m in reversed(self.messages) if m.copied), None)
        if last is None:
            self.say("warning", "Nothing has been on the clipboard yet.")
        elif self.clipboard.copy(last.copied):
            self.say("info", f"On the clipboard again: {last.copied}")
