"""Limits on nonsense in attendance: at most 72 characters in a raid dump, a sane /who paste, and tick
and raid times between EverQuest's launch and now; the same at every door (page, API, bot, command)."""

from __future__ import annotations

import datetime as dt
import itertools
import string

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from simcord import InteractionResult

from dkp.core.time import EQ_LAUNCH, guild_zone
from dkp.eqlog.raid_dump import MAX_RAID_SIZE, RaidDumpRow, write_raid_dump
from dkp.points.models import PointEntry
from dkp.raids.ingest import MAX_WHO_LINES
from dkp.raids.models import Raid, RaidTick
from dkp.raids.tests.samples import counts
from dkp.testing.personas import Guild
from dkp.testing.simcord_world import World, in_discord

pytestmark = pytest.mark.usefixtures("any_day")


def names(count: int, prefix: str = "Raid") -> list[str]:
    """``count`` different character names (letters only, as the game allows)."""
    letters = itertools.product(string.ascii_lowercase, repeat=3)
    return [prefix + "".join(next(letters)) for _ in range(count)]


def dump(count: int, prefix: str = "Raid", *, minutes_ago: int = 60) -> tuple[str, bytes]:
    """A raid dump of ``count`` characters, named as the client names it, written a while ago."""
    rows = [
        RaidDumpRow(line_number=0, group=i % 12 + 1, name=name, level=60, eq_class="Warrior")
        for i, name in enumerate(names(count, prefix))
    ]
    written = (timezone.now() - dt.timedelta(minutes=minutes_ago)).astimezone(guild_zone())
    return f"RaidRoster_xegony-{written:%Y%m%d-%H%M%S}.txt", write_raid_dump(rows).encode()


def upload(file: tuple[str, bytes]) -> SimpleUploadedFile:
    return SimpleUploadedFile(file[0], file[1], content_type="text/plain")


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def who_paste(lines: int) -> str:
    at = (timezone.now() - dt.timedelta(hours=1)).astimezone(guild_zone())
    stamp = f"[{at:%a %b %d %H:%M:%S %Y}]"
    body = [f"{stamp} Players on EverQuest:", f"{stamp} ---------------------------"]
    body += [f"{stamp} [60 Warrior] {name} (Human) <Ashen Vanguard>" for name in names(lines - 3, "Who")]
    body.append(f"{stamp} There are {lines - 3} players in Vex Thal.")
    return "\n".join(body)


# --- 72 characters in a raid dump ------------------------------------------------------------


def test_the_api_refuses_a_dump_of_73_characters_with_the_count_and_takes_72(guild: Guild) -> None:
    client = api(guild.officer)
    before = counts()
    refused = client.post(
        reverse("api:tick-list"), {"raid": guild.raid.pk, "files": [upload(dump(73))]}, format="multipart"
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == "too_many_characters"
    assert "The file lists 73 characters; a raid holds at most 72." in refused.json()["detail"]
    assert counts() == before
    taken = client.post(
        reverse("api:tick-list"), {"raid": guild.raid.pk, "files": [upload(dump(72))]}, format="multipart"
    )
    assert taken.status_code == 201, taken.json()
    assert len(taken.json()["attendance"]) == MAX_RAID_SIZE == 72


def test_two_dumps_of_one_tick_may_not_hold_more_than_a_raid_between_them(guild: Guild) -> None:
    before = counts()
    refused = api(guild.officer).post(
        reverse("api:tick-list"),
        {"raid": guild.raid.pk, "files": [upload(dump(40, "Alpha")), upload(dump(40, "Beta", minutes_ago=61))]},
        format="multipart",
    )
    assert refused.status_code == 422
    assert "These dumps list 80 different characters; a raid holds at most 72." in refused.json()["detail"]
    assert counts() == before


def test_the_6000_name_dump_is_refused_at_once(guild: Guild) -> None:
    name, data = dump(6000, "Raidmember")
    assert len(data) > 195 * 1024  # the size that was once accepted as one tick
    before = counts()
    refused = api(guild.officer).post(
        reverse("api:tick-list"), {"raid": guild.raid.pk, "files": [upload((name, data))]}, format="multipart"
    )
    assert refused.status_code == 422
    assert "The file lists 6,000 characters; a raid holds at most 72." in refused.json()["detail"]
    assert counts() == before


def test_the_upload_page_refuses_73_characters_and_offers_72(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    before = counts()
    url = reverse("raids:tick_preview", args=[guild.raid.pk])
    page = client.post(url, {"source": "dump", "files": [upload(dump(73))]})
    assert page.status_code == 422
    assert "The file lists 73 characters; a raid holds at most 72." in page.text
    assert "Confirm tick" not in page.text
    assert counts() == before
    fine = client.post(url, {"source": "dump", "files": [upload(dump(72))]})
    assert fine.status_code == 200
    assert "Confirm tick" in fine.text


def test_the_bot_refuses_a_dump_of_73_characters(guild: Guild) -> None:
    before = counts()
    file = dump(73)

    async def scenario(world: World) -> InteractionResult:
        return await world.officer.slash(world.channel, "raid tick", dump=file)

    shown = in_discord(guild, scenario)
    assert shown.response is not None
    assert "The file lists 73 characters; a raid holds at most 72." in shown.response.content
    assert "Confirm" not in str(shown.response.components)
    assert counts() == before


def test_the_command_refuses_a_dump_of_73_characters(guild: Guild, tmp_path) -> None:
    name, data = dump(73)
    path = tmp_path / name
    path.write_bytes(data)
    before = counts()
    with pytest.raises(CommandError, match=r"The file lists 73 characters; a raid holds at most 72\."):
        call_command("import_raid_dump", str(path), "--raid", str(guild.raid.pk))
    assert counts() == before


# --- A /who paste ----------------------------------------------------------------------------


def test_a_who_paste_of_more_than_500_lines_is_refused_in_the_api_and_on_the_page(client, guild: Guild) -> None:
    paste = who_paste(MAX_WHO_LINES + 1)
    assert len(paste) < 256 * 1024  # within the size limit: it is the lines that are too many
    before = counts()
    refused = api(guild.officer).post(reverse("api:tick-list"), {"raid": guild.raid.pk, "who": paste}, format="json")
    assert refused.status_code == 422
    assert "The paste has 501 lines; paste at most 500 lines of log." in refused.json()["detail"]
    client.force_login(guild.officer)
    page = client.post(reverse("raids:tick_preview", args=[guild.raid.pk]), {"source": "who", "who": paste})
    assert page.status_code == 422
    assert "The paste has 501 lines; paste at most 500 lines of log." in page.text
    assert counts() == before


def test_a_who_paste_of_500_lines_is_read(guild: Guild) -> None:
    paste = who_paste(MAX_WHO_LINES)
    shown = api(guild.officer).post(
        reverse("api:tick-list"), {"raid": guild.raid.pk, "who": paste, "preview": True}, format="json"
    )
    assert shown.status_code == 200, shown.json()
    assert len(shown.json()["present"]) == MAX_WHO_LINES - 3


# --- Times between EverQuest's launch and now ------------------------------------------------


def test_a_tick_moved_to_the_year_193_is_a_400_and_writes_nothing(guild: Guild) -> None:
    tick = guild.ticks[-1]
    entries, at = PointEntry.objects.count(), tick.occurred_at
    response = api(guild.officer).patch(
        reverse("api:tick-detail", kwargs={"pk": tick.pk}), {"occurred_at": "0193-09-10T19:11:04Z"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "time_out_of_range"
    assert "0193-09-10 19:11 UTC is before EverQuest's launch" in body["detail"]
    assert "must be from 1999-03-16 to now" in body["detail"]
    assert PointEntry.objects.count() == entries
    tick.refresh_from_db()
    assert tick.occurred_at == at


@pytest.mark.parametrize(
    ("offset", "status"),
    [
        (dt.timedelta(days=1), 400),  # tomorrow
        (dt.timedelta(minutes=6), 400),  # past the clock margin
        (dt.timedelta(minutes=4), 200),  # a clock a little ahead
    ],
)
def test_a_tick_in_the_future_is_refused_past_the_clock_margin(guild: Guild, offset, status) -> None:
    tick = guild.ticks[-1]
    at = timezone.now() + offset
    response = api(guild.officer).patch(
        reverse("api:tick-detail", kwargs={"pk": tick.pk}), {"occurred_at": at.isoformat()}, format="json"
    )
    assert response.status_code == status, response.json()
    if status == 400:
        assert "is in the future" in response.json()["detail"]


@pytest.mark.parametrize(
    ("at", "status"),
    [(EQ_LAUNCH - dt.timedelta(seconds=1), 400), (EQ_LAUNCH, 200)],
)
def test_the_launch_day_is_the_first_a_tick_may_have(guild: Guild, at, status) -> None:
    response = api(guild.officer).patch(
        reverse("api:tick-detail", kwargs={"pk": guild.ticks[-1].pk}), {"occurred_at": at.isoformat()}, format="json"
    )
    assert response.status_code == status, response.json()
    if status == 200:
        assert dt.datetime.fromisoformat(response.json()["occurred_at"]) == EQ_LAUNCH


def test_the_tick_edit_page_refuses_a_time_before_launch(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    tick = guild.ticks[-1]
    entries = PointEntry.objects.count()
    page = client.post(reverse("raids:tick_edit", args=[tick.pk]), {"occurred_at": "1998-12-31T20:00", "value": ""})
    assert page.status_code == 422
    assert "1999-01-01 01:00 UTC is before EverQuest&#x27;s launch" in page.text  # 20:00 in New York
    assert PointEntry.objects.count() == entries


def test_a_raid_night_before_launch_or_tomorrow_is_refused(guild: Guild) -> None:
    client = api(guild.officer)
    raids = Raid.objects.count()
    for starts_at in ("1998-01-01T20:00:00Z", (timezone.now() + dt.timedelta(days=1)).isoformat()):
        given = {"event": guild.event.pk, "starts_at": starts_at}
        response = client.post(reverse("api:raid-list"), given, format="json")
        assert response.status_code == 400, response.json()
        assert "from 1999-03-16 to now" in response.json()["detail"]
    assert Raid.objects.count() == raids


def test_a_tick_by_hand_before_launch_is_refused(guild: Guild) -> None:
    before = counts()
    response = api(guild.officer).post(
        reverse("api:tick-list"),
        {"raid": guild.raid.pk, "characters": ["Pipperel"], "occurred_at": "1990-05-01T20:00:00Z"},
        format="json",
    )
    assert response.status_code == 422
    assert "before EverQuest's launch" in response.json()["detail"]
    assert counts() == before
    assert not RaidTick.objects.filter(occurred_at__year=1990).exists()
