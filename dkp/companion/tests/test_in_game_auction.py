"""A raid night's auction run in the game: the loot master's log, a real EQ DKP on loopback.

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

import pytest
from django.test import Client
from django.utils import timezone

from dkp.accounts.keys import create_api_key
from dkp.characters.models import Character, CharacterTag
from dkp.companion.api import Api, Refused
from dkp.companion.cli import run_plain
from dkp.companion.engine import Engine
from dkp.companion.state import StateFile
from dkp.loot.models import Auction, AuctionStatus, BidHistory, ItemBid
from dkp.points import pools
from dkp.points.models import UserPointsSummary
from dkp.raids.models import Raid
from dkp.raids.services import create_raid
from dkp.testing.personas import Guild, make_character

pytestmark = pytest.mark.django_db(transaction=True)

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

    def companion(self) -> Running:
        engine = Engine(
            api=Api(self.url, self.key),
            clipboard=self.clipboard,
            state_file=StateFile(self.state),
            log_path=self.log.path,
            eq_folder=self.folder,
        )
        self.running.append(Running(engine))
        return self.running[-1]


@pytest.fixture
def night(guild: Guild, live_server: Any, tmp_path: Path) -> Iterator[Night]:
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


def balance(user: Any, night: Night) -> int:
    return UserPointsSummary.objects.get(user=user, pool=night.guild.pool).balance


def history(auction: Auction) -> list[tuple[str, str, int | None, str]]:
    rows = BidHistory.objects.filter(auction=auction).select_related("user").order_by("pk")
    return [(row.user.username, row.action, row.amount, row.channel) for row in rows]


def test_an_auction_opened_in_raid_chat_takes_tells_refuses_what_it_must_and_awards_the_winner(night: Night) -> None:
    guild, log, clipboard = night.guild, night.log, night.clipboard
    running = night.companion()

    log.raid_say("!bids open Cloak of Flames || tanks first")
    auction = wait_for(lambda: Auction.objects.filter(item__name="Cloak of Flames").first(), "the auction to open")
    assert (auction.raid_id, auction.pool_id, auction.quantity, auction.note) == (
        night.raid.pk,
        guild.pool.pk,
        1,
        "tanks first",
    )

    log.tell("Gwendolyn", "Cloak of Flames 45")
    log.tell("Pipperel", "cloak of flames 50")  # Pip has 10
    log.tell("Gwendolyn", "Cloak of Flames")  # no amount
    log.tell("Devraxx", "Cloak of Flames 30, 35")  # two amounts for one copy
    log.tell("Strayling", "Cloak of Flames 20")  # nobody owns Strayling
    log.tell("Gwenalt", "Cloak of Flames 15 alt")  # the alt cap is 10
    log.tell("Devraxx", "Cloak of Flames 30")
    log.tell("Rheanor", "thanks for the raid!")  # chat, no bid
    wait_for(lambda: ItemBid.objects.filter(auction=auction).count() == 2, "the two good bids")
    wait_for(lambda: len([t for t in clipboard.texts if t.startswith("/t ")]) >= 5, "the refusals")
    wait_for(lambda: running.said("chat"), "the chat shown")

    assert [text for text in clipboard.texts if text.startswith("/t ")] == [
        "/t Pipperel Cloak of Flames: You have 10 points available in Main; a bid of 50 is more than that.",
        "/t Gwendolyn Cloak of Flames: Send an amount: 'Cloak of Flames 45' (add alt or box for that bid).",
        "/t Devraxx Cloak of Flames: One bid each: EQ DKP takes one amount from you for Cloak of Flames, even with "
        "several copies. Send one, as 'Cloak of Flames 30'.",
        f"/t Strayling Cloak of Flames: {refusal_of('Strayling', night)}",
        "/t Gwenalt Cloak of Flames: An alt bid can be at most 10 on this auction.",
    ]
    assert running.said("chat") == ["Rheanor tells you 'thanks for the raid!' (no bid)"]
    assert not any("Rheanor" in text for text in clipboard.texts)

    # The web's auction page shows the game's bids while it is open (sealed: an officer sees them).
    browser = Client()
    browser.force_login(guild.officer)
    page = browser.get(f"/auctions/{auction.pk}/").content.decode()
    assert "Gwendolyn" in page
    assert "Devraxx" in page
    assert page.count('title="Sent by tell in EverQuest"') == 2

    log.raid_say("!bids closed Cloak of Flames")
    wait_for(lambda: any(t.startswith("/rs ") for t in clipboard.texts), "the announcement")
    assert clipboard.texts[-1] == "/rs Cloak of Flames: Gwendolyn for 31"
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.AWARDED
    assert (balance(guild.good_member, night), balance(guild.developer, night), balance(guild.poor_member, night)) == (
        90 - 31,
        100,
        10,
    )
    assert [row for row in history(auction) if row[1] == "placed"] == [
        ("gwen", "placed", 45, "game"),
        ("dev", "placed", 30, "game"),
    ]
    refused = [row for row in history(auction) if row[1] == "rejected"]
    assert [(row[0], row[2], row[3]) for row in refused] == [("pip", 50, "game"), ("gwen", 15, "game")]

    log.write("--Gwendolyn has looted a Cloak of Flames.--")
    wait_for(lambda: "Gwendolyn looted Cloak of Flames, as awarded." in running.said("info"), "the loot confirmed")
    running.halt()

    page = browser.get(f"/auctions/{auction.pk}/").content.decode()
    assert "Gwendolyn" in page
    assert "31" in page
    printed = running.out.getvalue()
    assert "clipboard: /rs Cloak of Flames: Gwendolyn for 31" in printed
    assert "clipboard: /t Pipperel Cloak of Flames: You have 10 points available" in printed


def refusal_of(character: str, night: Night) -> str:
    """What EQ DKP answers for a character nobody owns (asked directly, to compare the tell back with)."""
    api = Api(night.url, night.key)
    auction = Auction.objects.get(item__name="Cloak of Flames")
    with pytest.raises(Refused) as refused:
        api.game_bid(auction.pk, character=character, amount="1", tag=None, told_at=None, key="probe-unowned")
    api.close()
    assert refused.value.code == "unowned_character"
    return refused.value.detail


def test_a_looter_who_did_not_win_is_flagged_and_nothing_changes(night: Night) -> None:
    running = night.companion()
    night.log.raid_say("!bids open Mask of Tinkering")
    wait_for(lambda: Auction.objects.filter(item__name="Mask of Tinkering").exists(), "the auction")
    night.log.tell("Gwendolyn", "Mask of Tinkering 20")
    wait_for(lambda: ItemBid.objects.filter(auction__item__name="Mask of Tinkering").exists(), "the bid")
    night.log.raid_say("!bids close mask of tinkering")
    wait_for(lambda: any(t.startswith("/rs Mask") for t in night.clipboard.texts), "the announcement")
    announced = night.clipboard.texts[-1]
    price = int(announced.rsplit(" ", 1)[1])

    night.log.write("--Pipperel has looted a Mask of Tinkering from a Clockwork Gnome's corpse.--")
    warning = wait_for(lambda: [t for t in running.said("warning") if "Pipperel looted" in t], "the flag")
    running.halt()

    assert announced == f"/rs Mask of Tinkering: Gwendolyn for {price}"
    assert warning == [
        "Pipperel looted Mask of Tinkering, but it was awarded to Gwendolyn. Nothing is changed in EQ DKP: fix the "
        "award on the web if the wrong raider has it."
    ]
    assert balance(night.guild.good_member, night) == 90 - price
    assert balance(night.guild.poor_member, night) == 10


def test_a_restart_in_the_middle_of_an_auction_loses_and_repeats_nothing(night: Night) -> None:
    guild, log = night.guild, night.log
    running = night.companion()
    log.raid_say("!bids open Cloak of Flames !2")
    auction = wait_for(lambda: Auction.objects.filter(item__name="Cloak of Flames").first(), "the auction")
    log.tell("Gwendolyn", "Cloak of Flames 40")
    log.tell("Pipperel", "Cloak of Flames 50")
    wait_for(lambda: len(history(auction)) == 2, "a bid and a refusal")
    running.halt()

    # While it is down the raid goes on.
    log.tell("Devraxx", "Cloak of Flames 30")
    log.tell("Rheanor", "Cloak of Flames 25")
    running = night.companion()
    wait_for(lambda: ItemBid.objects.filter(auction=auction).count() == 3, "the bids sent while it was down")
    after_restart = history(auction)
    running.halt()

    # A crash before the offset was saved: every line from the opening on is read again and sent
    # with the same keys.
    state = StateFile(night.state)
    saved = state.load()
    written = log.path.read_bytes()
    saved.offset = written.rfind(b"\n", 0, written.index(b"!bids open")) + 1
    state.save(saved)
    running = night.companion()
    log.raid_say("!bids closed Cloak of Flames")
    wait_for(lambda: any(t.startswith("/rs ") for t in night.clipboard.texts), "the announcement")
    warnings = running.said("warning")
    running.halt()

    assert Auction.objects.filter(item__name="Cloak of Flames").count() == 1
    assert warnings == []
    assert history(auction) == after_restart
    assert after_restart == [
        ("gwen", "placed", 40, "game"),
        ("pip", "rejected", 50, "game"),
        ("dev", "placed", 30, "game"),
        ("rhea", "placed", 25, "game"),
    ]
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.AWARDED
    # Two copies: the two best win, each paying one more than the best bid that did not win.
    assert night.clipboard.texts[-1] == "/rs Cloak of Flames: Gwendolyn for 26, Devraxx for 26"
    assert (balance(guild.good_member, night), balance(guild.developer, night)) == (90 - 26, 100 - 26)
    assert balance(guild.recruiter, night) == 100
