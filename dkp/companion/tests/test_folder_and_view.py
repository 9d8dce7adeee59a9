"""The EverQuest folder as a door (raid dumps become ticks, guild dumps the roster) and the live view.

The view is the real Textual app, driven headless by Textual's test pilot, its engine polling the
live server in a thread as it does on the loot master's computer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import zoneinfo
from pathlib import Path

import pytest
from textual.widgets import DataTable, RichLog, Static

from dkp.characters.models import Character
from dkp.companion.app import CompanionApp
from dkp.companion.tests.world import Night, wait_for
from dkp.core.models import GuildSettings
from dkp.loot.models import Auction, AuctionStatus, ItemBid
from dkp.points.models import UserPointsSummary
from dkp.raids.models import Raid, RaidTick
from dkp.testing.personas import TICK_VALUE

pytestmark = pytest.mark.django_db(transaction=True)


def write_dump(folder: Path, name: str, rows: list[str]) -> Path:
    """A dump as the client writes it, dated a few seconds ago so the companion takes it as whole."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes("".join(f"{row}\r\n" for row in rows).encode("cp1252"))
    past = (dt.datetime.now() - dt.timedelta(seconds=5)).timestamp()
    os.utime(path, (past, past))
    return path


def raid_row(group: int, name: str, level: int, eq_class: str) -> str:
    return f"{group}\t{name}\t{level}\t{eq_class}\t\t\t\tYes\t"


def stamp() -> str:
    """A dump's name holds the time of the computer that wrote it: the guild's clock, a minute ago."""
    guild_clock = zoneinfo.ZoneInfo(GuildSettings.load().time_zone)
    return (dt.datetime.now(guild_clock) - dt.timedelta(minutes=1)).strftime("%Y%m%d-%H%M%S")


def test_a_new_raid_dump_becomes_a_tick_preview_confirmed_with_one_key(night: Night) -> None:
    old = write_dump(night.folder, "RaidRoster_xegony-20261001-200000.txt", [raid_row(1, "Olwenna", 65, "Cleric")])
    running = night.companion()
    ticks_before = RaidTick.objects.filter(raid=night.raid).count()

    dump = write_dump(
        night.folder,
        f"RaidRoster_xegony-{stamp()}.txt",
        [
            raid_row(1, "Olwenna", 65, "Cleric"),
            raid_row(1, "Gwendolyn", 65, "Warrior"),
            raid_row(2, "Pipperel", 65, "Rogue"),
            raid_row(2, "Newcomer", 60, "Druid"),
        ],
    )
    preview = wait_for(lambda: running.engine.preview, "the tick preview")
    assert preview.path == dump
    assert sorted(row["name"] for row in preview.preview["present"]) == ["Gwendolyn", "Newcomer", "Olwenna", "Pipperel"]
    assert preview.preview["new"] == ["Newcomer"]
    assert preview.can_confirm
    assert RaidTick.objects.filter(raid=night.raid).count() == ticks_before  # a preview records nothing

    running.engine.confirm_tick()
    running.engine.confirm_tick()  # a second press has nothing left to confirm
    running.halt()

    ticks = RaidTick.objects.filter(raid=night.raid)
    assert ticks.count() == ticks_before + 1
    assert sorted(ticks.get().attendance.values_list("character_name", flat=True)) == [
        "Gwendolyn",
        "Newcomer",
        "Olwenna",
        "Pipperel",
    ]
    gwen = UserPointsSummary.objects.get(user=night.guild.good_member, pool=night.guild.pool)
    assert gwen.balance == 90 + TICK_VALUE  # the tick credits its points
    said = running.said()
    assert f"Tick recorded from {dump.name}." in said
    assert "No tick preview waits to be confirmed." in said
    assert not any(old.name in text for text in said)  # what was in the folder before the first start stays


def test_a_new_guild_dump_updates_the_roster(night: Night) -> None:
    running = night.companion()
    dump = write_dump(
        night.folder,
        f"Ashen Vanguard_xegony-{stamp()}.txt",
        [
            "Gwendolyn\t65\tWarrior\tMember\t\t09/23/26\tVex Thal\t\t\toff\toff\t0\t09/23/26\t\t",
            "Brightwing\t61\tDruid\tMember\t\t11/30/26\tThe Guild Lobby\t\t\toff\toff\t0\t11/30/26\t\t",
        ],
    )
    summary = wait_for(lambda: [t for t in running.said("info") if t.startswith("Guild roster from")], "the upload")
    running.halt()

    assert summary == [f"Guild roster from {dump.name}: 1 added, 0 changed."]
    assert Character.objects.filter(name="Brightwing").exists()


def test_the_terminal_view_shows_bids_and_refusals_and_closes_the_selected_auction(night: Night) -> None:
    app = CompanionApp(engine=night.engine(), poll=0.05)

    async def drive() -> tuple[list[str], str, str]:
        async with app.run_test(size=(200, 50)) as pilot:
            await asyncio.to_thread(app.started.wait, 30)
            night.log.raid_say("!bids open Cloak of Flames")
            night.log.tell("Gwendolyn", "Cloak of Flames 45")
            night.log.tell("Pipperel", "Cloak of Flames 50")
            table = app.query_one("#auctions", DataTable)

            async def shows(text: str) -> None:
                for _ in range(600):
                    rows = [" ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]
                    if any(text in row for row in rows):
                        return
                    await pilot.pause(0.05)
                raise AssertionError(f"the auctions table never showed {text!r}")

            await shows("Gwendolyn 45")
            rows = [" ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]
            messages = app.query_one("#messages", RichLog)
            for _ in range(600):
                logged = " ".join("".join(line.text for line in messages.lines).split())  # unwrapped
                if "Pipperel on Cloak of Flames" in logged:
                    break
                await pilot.pause(0.05)
            await pilot.press("c")
            for _ in range(600):
                if not table.row_count:
                    break
                await pilot.pause(0.05)
            night_text = str(app.query_one("#night", Static).render())
            await pilot.press("q")
        return rows, logged, night_text

    rows, logged, night_text = asyncio.run(drive())

    assert len(rows) == 1
    assert "Cloak of Flames" in rows[0]
    assert "Gwendolyn 45" in rows[0]
    assert "Pipperel on Cloak of Flames: You have 10 points available in Main; a bid of 50 is more than that." in logged
    assert "on the clipboard: /t Pipperel Cloak of Flames: You have 10 points" in logged
    assert "Vex Thal" in night_text
    auction = Auction.objects.get(item__name="Cloak of Flames")
    assert auction.status == AuctionStatus.AWARDED
    assert ItemBid.objects.filter(auction=auction).count() == 1
    assert night.clipboard.texts[-1].startswith("/rs Cloak of Flames: Gwendolyn for ")


def test_without_a_raid_night_tonight_nothing_opens_until_one_is_made(night: Night) -> None:
    Raid.objects.filter(pk=night.raid.pk).update(starts_at=night.raid.starts_at - dt.timedelta(days=2))
    running = night.companion()
    night.log.raid_say("!bids open Cloak of Flames")
    wait_for(lambda: [t for t in running.said("warning") if "not done: no raid night" in t], "the refusal")
    assert running.said("warning")[0] == (
        "No raid night started in the last 16 hours. Create tonight's on the web; until then auctions and ticks wait."
    )
    assert not Auction.objects.filter(item__name="Cloak of Flames").exists()

    Raid.objects.filter(pk=night.raid.pk).update(starts_at=night.raid.starts_at)
    running.engine.find_raid()  # what it does every minute while there is none
    night.log.raid_say("!bids open Cloak of Flames")
    auction = wait_for(lambda: Auction.objects.filter(item__name="Cloak of Flames").first(), "the auction")
    running.halt()
    assert auction.raid_id == night.raid.pk
