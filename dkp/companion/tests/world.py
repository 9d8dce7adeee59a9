"""The world a companion test runs in: a real EQ DKP on loopback, a log the test writes, a fake clipboard.

The companion follows a real log file that the test writes line by line while it runs, as the
EverQuest client would, and talks to the live server over HTTP with an officer's API key; only the
clipboard is a fake that keeps what was put on it. Balances from the personas: Gwen 90, Pip 10,
Olwen, Rhea, Dev 100.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone

from dkp.accounts.keys import create_api_key
from dkp.characters.models import Character, CharacterTag
from dkp.companion.api import Api
from dkp.companion.cli import run_plain
from dkp.companion.engine import Engine
from dkp.companion.state import StateFile
from dkp.points import pools
from dkp.raids.models import Raid
from dkp.raids.services import create_raid
from dkp.testing.personas import Guild, make_character

WAIT = 30.0  # seconds: generous, for a loaded CI machine; the test goes on as soon as it is so


@dataclass
class FakeClipboard:
    texts: list[str] = field(default_factory=list)

    def copy(self, text: str) -> bool:
        self.texts.append(text)
        return True


class GameLog:
    """The loot master's log as the client writes it: CRLF lines, cp1252, appended and flushed one by one."""

    def __init__(self, folder: Path) -> None:
        (folder / "Logs").mkdir(parents=True, exist_ok=True)
        self.path = folder / "Logs" / "eqlog_Olwenna_xegony.txt"
        self.write("Welcome to EverQuest!")

    def write(self, text: str) -> None:
        stamp = dt.datetime.now().strftime("[%a %b %d %H:%M:%S %Y]")
        with self.path.open("ab") as log:
            log.write(f"{stamp} {text}\r\n".encode("cp1252"))

    def raid_say(self, text: str) -> None:
        self.write(f"You tell your raid, '{text}'")

    def tell(self, name: str, text: str) -> None:
        self.write(f"{name} tells you, '{text}'")


class Running:
    """The companion's plain loop in a thread of its own, stopped as a loot master stops it (Ctrl-C)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.stop = threading.Event()
        self.out = io.StringIO()
        self.thread = threading.Thread(target=run_plain, args=(engine, self.stop, self.out, 0.05), daemon=True)
        self.thread.start()
        wait_for(lambda: any("Following" in m.text for m in engine.messages), "the companion to start")

    def halt(self) -> None:
        if self.stop.is_set():
            return
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()
        self.engine.api.close()

    def said(self, level: str | None = None) -> list[str]:
        with self.engine.lock:
            return [m.text for m in self.engine.messages if level is None or m.level == level]


def wait_for(condition: Callable[[], Any], what: str) -> Any:
    stop = threading.Event()
    deadline = dt.datetime.now() + dt.timedelta(seconds=WAIT)
    while dt.datetime.now() < deadline:
        if found := condition():
            return found
        stop.wait(0.05)
    raise AssertionError(f"Waited {WAIT:.0f} s for {what}.")


@dataclass
class Night:
    guild: Guild
    raid: Raid
    key: str
    folder: Path
    log: GameLog
    clipboard: FakeClipboard
    state: Path
    url: str
    running: list[Running] = field(default_factory=list)

    def engine(self, transport: Any = None) -> Engine:
        """A companion as the loot master starts it, on this night's log, folder and state."""
        return Engine(
            api=Api(self.url, self.key, transport=transport),
            clipboard=self.clipboard,
            state_file=StateFile(self.state),
            log_path=self.log.path,
            eq_folder=self.folder,
        )

    def companion(self, transport: Any = None) -> Running:
        self.running.append(Running(self.engine(transport)))
        return self.running[-1]


def night_of(guild: Guild, live_server: Any, tmp_path: Path) -> Iterator[Night]:
    """Tonight's raid night 40 minutes in, an officer's key, an alt cap of 10, Gwen's alt and a stray."""
    raid = create_raid(event=guild.event, starts_at=timezone.now() - dt.timedelta(minutes=40), actor=guild.officer)
    _, secret = create_api_key(
        owner=guild.officer, name="companion", scopes=["read", "write"], expires_at=None, actor=guild.officer
    )
    pools.update_pool(pool=guild.pool, actor=guild.officer, tag_caps={"alt": 10})
    alt = make_character("Gwenalt", guild.good_member)
    Character.objects.filter(pk=alt.pk).update(tag=CharacterTag.ALT)
    make_character("Strayling")  # a character nobody owns
    folder = tmp_path / "EverQuest"
    night = Night(
        guild, raid, secret, folder, GameLog(folder), FakeClipboard(), tmp_path / "state.json", live_server.url
    )
    yield night
    for running in night.running:  # a failed test leaves none polling into the next one
        running.halt()
