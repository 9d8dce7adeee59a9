"""The companion's live view in the terminal (Textual).

Top: tonight's open auctions, one row each with its bids best first and the time left. Middle:
the raid night, its ticks and a tick preview waiting for ``t``. Bottom: what happened, newest
last (refusals in red with the tell to send back, warnings in yellow). The engine polls in a
thread of its own; the view redraws from it twice a second.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, RichLog, Static

from dkp.companion.clipboard import Clipboard, SystemClipboard
from dkp.companion.engine import AuctionView, Engine, Message

if TYPE_CHECKING:
    from dkp.companion.cli import Settings

STYLES = {"warning": "yellow", "refusal": "bold red", "chat": "dim", "info": ""}


def bids_text(auction: AuctionView) -> str:
    """``Gwendolyn 45, Aelric 30 (alt)``: standing bids, best first."""
    standing = [b for b in auction.bids if b.get("status", "active") == "active"] or auction.bids
    ordered = sorted(standing, key=lambda b: (-int(b.get("amount") or 0), str(b.get("created_at") or "")))
    parts = []
    for bid in ordered:
        name = bid.get("character_name") or bid.get("user_name") or "?"
        tag = f" ({bid['tag']})" if bid.get("tag") and bid.get("tag") != "main" else ""
        parts.append(f"{name} {bid.get('amount')}{tag}")
    return ", ".join(parts) or "no bids yet"


def left_text(auction: AuctionView, now: dt.datetime) -> str:
    left = auction.seconds_left(now)
    return "-" if left is None else f"{left // 60}:{left % 60:02d}"


class _ViewClipboard:
    """The system clipboard; where there is none (a Linux box without xclip), the terminal's (OSC 52)."""

    def __init__(self, app: App[None], system: Clipboard) -> None:
        self.app = app
        self.system = system

    def copy(self, text: str) -> bool:
        if self.system.copy(text):
            return True
        if threading.get_ident() == getattr(self.app, "_thread_id", None):
            self.app.copy_to_clipboard(text)
        else:
            self.app.call_from_thread(self.app.copy_to_clipboard, text)
        return True


class CompanionApp(App[None]):
    TITLE = "dkp-companion"
    CSS = """
    #auctions { height: 1fr; min-height: 5; }
    #night { height: auto; max-height: 12; padding: 0 1; border-top: solid $accent; }
    #messages { height: 1fr; border-top: solid $accent; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "confirm_tick", "Confirm tick"),
        Binding("c", "close", "Close auction"),
        Binding("x", "cancel", "Cancel auction"),
        Binding("y", "copy_again", "Copy again"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, settings: Settings | None = None, *, engine: Engine | None = None, poll: float = 1.0) -> None:
        super().__init__()
        if engine is None:
            from dkp.companion.cli import engine_for

            assert settings is not None
            engine = engine_for(settings, _ViewClipboard(self, SystemClipboard()))
            poll = settings.poll
        self.engine = engine
        self.poll = poll
        self.stopping = threading.Event()
        self.shown = 0
        self.started = threading.Event()

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="auctions", cursor_type="row", zebra_stripes=True)
        yield Static("", id="night")
        yield RichLog(id="messages", wrap=True, markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#auctions", DataTable)
        table.add_column("Auction", key="id")
        table.add_column("Item", key="item")
        table.add_column("Copies", key="copies")
        table.add_column("Left", key="left")
        table.add_column("Bids, best first", key="bids")
        self.run_worker(self._follow, thread=True, name="follow")
        self.set_interval(0.5, self.redraw)

    def _follow(self) -> None:
        self.engine.start()
        self.started.set()
        while not self.stopping.is_set():
            self.engine.step()
            self.stopping.wait(self.poll)

    async def action_quit(self) -> None:
        self.stopping.set()
        self.exit()

    def redraw(self) -> None:
        now = dt.datetime.now(dt.UTC)
        table = self.query_one("#auctions", DataTable)
        auctions = self.engine.open_views()
        selected = self.selected_id()
        table.clear()
        for auction in auctions:
            copies = str(auction.quantity)
            table.add_row(
                str(auction.id), auction.item, copies, left_text(auction, now), bids_text(auction), key=str(auction.id)
            )
        if selected is not None and any(a.id == selected for a in auctions):
            table.move_cursor(row=table.get_row_index(str(selected)))
        self.query_one("#night", Static).update(self.night_text())
        with self.engine.lock:
            fresh: list[Message] = self.engine.messages[self.shown :]
            self.shown = len(self.engine.messages)
        log = self.query_one("#messages", RichLog)
        for message in fresh:
            line = Text(f"{message.at:%H:%M:%S} {message.text}", style=STYLES.get(message.level, ""))
            if message.copied:
                line.append(f"\n    on the clipboard: {message.copied}", style="bold")
            log.write(line)

    def night_text(self) -> Text:
        engine = self.engine
        with engine.lock:
            raid = engine.raid
            preview = engine.preview
            ticks = len(engine.ticks)
        text = Text()
        if raid is None:
            text.append("No raid night tonight yet: create it on the web.", style="yellow")
        else:
            count = int(raid.get("tick_count") or 0) + ticks
            text.append(f"{raid.get('event_name', 'Raid')} (raid {raid['id']}): {count} ticks")
            if ticks:
                text.append(f", {ticks} from this companion")
        if preview is not None:
            data: dict[str, Any] = preview.preview
            text.append(f"\nTick preview of {preview.path.name}: ", style="bold")
            present = data.get("present") or []
            text.append(f"{len(present)} present")
            for label in ("new", "unclaimed"):
                rows = data.get(label) or []
                names = [str(row.get("name", row)) if isinstance(row, dict) else str(row) for row in rows]
                if names:
                    text.append(f"; {label}: {', '.join(names)}")
            for problem in (data.get("problems") or []) + (data.get("refusals") or []) + (data.get("warnings") or []):
                shown = problem.get("message", problem) if isinstance(problem, dict) else problem
                text.append(f"\n  {shown}", style="yellow")
            if preview.refused:
                text.append(f"\n  Cannot be confirmed: {preview.refused}", style="bold red")
            elif preview.can_confirm:
                text.append("\n  Press t to confirm it.", style="bold green")
        return text

    def selected_id(self) -> int | None:
        table = self.query_one("#auctions", DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # no row under the cursor
            return None
        return int(str(key.value)) if key.value is not None else None

    def _in_thread(self, work: Callable[[], None]) -> None:
        self.run_worker(work, thread=True, group="actions")

    def action_confirm_tick(self) -> None:
        self._in_thread(self.engine.confirm_tick)

    def action_close(self) -> None:
        if (chosen := self.selected_id()) is None:
            self.engine.say("warning", "No auction to close: none is open.")
            return
        self._in_thread(lambda: self.engine.close_auction(chosen))

    def action_cancel(self) -> None:
        if (chosen := self.selected_id()) is None:
            self.engine.say("warning", "No auction to cancel: none is open.")
            return
        self._in_thread(lambda: self.engine.cancel_auction(chosen))

    def action_copy_again(self) -> None:
        self._in_thread(self.engine.copy_again)
