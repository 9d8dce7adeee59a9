"""Officers' raid pages: a raid night, a tick from dumps, a /who paste or names, edits, deletes, the guild dump."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dkp.points.models import UserPointsSummary
from dkp.raids.models import Raid, RaidAttendance, RaidTick
from dkp.raids.tests.samples import FIRST, GUILD, LOG, SECOND, counts, names_in, sample
from dkp.testing.browser import skip_without_chromium
from dkp.testing.personas import TICK_VALUE, Guild

# These tests are about other rules; the dump-from-another-day rule has its own (test_other_day.py).
pytestmark = pytest.mark.usefixtures("any_day")


def upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, sample(name)[1] if data is None else data, content_type="text/plain")


def officer_pages(guild: Guild) -> list[str]:
    tick = guild.ticks[-1].pk
    return [
        reverse("raids:raid_new"),
        reverse("raids:tick_new", args=[guild.raid.pk]),
        reverse("raids:tick_edit", args=[tick]),
        reverse("raids:tick_delete", args=[tick]),
        reverse("raids:guild_dump"),
    ]


def test_members_get_403_with_the_reason_on_every_officer_page(client, guild: Guild) -> None:
    client.force_login(guild.good_member)
    for url in officer_pages(guild):
        page = client.get(url)
        assert page.status_code == 403, url
        assert "member may not manage raids" in page.text
    page = client.post(reverse("raids:tick_preview", args=[guild.raid.pk]), {"files": [upload(FIRST)]})
    assert page.status_code == 403


def test_officer_pages_load_and_the_raid_page_links_to_them(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    for url in officer_pages(guild):
        assert client.get(url).status_code == 200, url
    raid_page = client.get(reverse("web:raid", args=[guild.raid.pk])).text
    assert reverse("raids:tick_new", args=[guild.raid.pk]) in raid_page
    assert reverse("raids:tick_edit", args=[guild.ticks[0].pk]) in raid_page
    client.force_login(guild.good_member)
    assert (
        reverse("raids:tick_new", args=[guild.raid.pk])
        not in client.get(reverse("web:raid", args=[guild.raid.pk])).text
    )


def test_an_officer_makes_a_raid_night(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    page = client.post(
        reverse("raids:raid_new"), {"event": guild.event.pk, "starts_at": "2026-11-20T20:00", "note": "x"}
    )
    raid = Raid.objects.get(note="x")
    assert page.status_code == 302
    assert page["Location"] == reverse("raids:tick_new", args=[raid.pk])
    assert raid.starts_at == dt.datetime(2026, 11, 21, 1, 0, tzinfo=dt.UTC)  # 20:00 in New York
    refused = client.post(reverse("raids:raid_new"), {"event": "", "starts_at": "2026-11-20T20:00"})
    assert refused.status_code == 422
    assert "Choose the raid" in refused.text


def test_upload_preview_then_confirm_shows_the_attendees_on_the_raid_page(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    before = counts()
    page = client.post(
        reverse("raids:tick_preview", args=[guild.raid.pk]),
        {"source": "dump", "files": [upload(FIRST), upload(SECOND)]},
    )
    assert page.status_code == 200
    assert counts() == before
    preview = page.context["preview"]
    assert len(preview.present) == 60
    assert "New to the system" in page.text
    assert "Listed twice" in page.text
    assert "Confirm tick" in page.text
    assert page.context["occurred_at"] == "2026-11-12T20:03"  # guild time, as the file name says
    confirmed = client.post(
        reverse("raids:tick_confirm", args=[guild.raid.pk]),
        {"token": preview.token, "value": "5", "description": "hour 1", "occurred_at": "2026-11-12T20:03"},
    )
    assert confirmed.status_code == 302
    tick = RaidTick.objects.get(description="hour 1")
    assert tick.occurred_at == dt.datetime(2026, 11, 13, 1, 3, tzinfo=dt.UTC)
    raid_page = client.get(confirmed["Location"]).text
    for name in names_in(FIRST) | names_in(SECOND):
        assert name in raid_page


def test_a_refused_upload_shows_the_problems_and_no_confirm_button(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    before = counts()
    bad = b"1\tZelroso\t65\tRanger\tRaid Leader\t\t\tYes\t\r\n2\tCorg0rno\t58\tBard\t\t\t\tNo\t\r\n"
    page = client.post(
        reverse("raids:tick_preview", args=[guild.raid.pk]), {"source": "dump", "files": [upload(FIRST, bad)]}
    )
    assert page.status_code == 422
    assert "Confirm tick" not in page.text
    assert "Corg0rno" in page.text
    assert FIRST in page.text
    empty = client.post(
        reverse("raids:tick_preview", args=[guild.raid.pk]), {"source": "dump", "files": [upload(FIRST, b"")]}
    )
    assert "The file is empty" in empty.text
    assert counts() == before


def test_who_tab_and_by_hand_tab_end_in_the_same_confirm(client, guild: Guild) -> None:
    from dkp.testing.personas import make_character

    make_character("Drapyr", eq_class="Monk", level=59)
    client.force_login(guild.officer)
    page = client.post(
        reverse("raids:tick_preview", args=[guild.raid.pk]), {"source": "who", "who": sample(LOG)[1].decode()}
    )
    assert page.status_code == 200, page.context["preview"].message()
    client.post(reverse("raids:tick_confirm", args=[guild.raid.pk]), {"token": page.context["preview"].token})
    assert RaidTick.objects.filter(source_name="/who").count() == 1
    page = client.post(
        reverse("raids:tick_preview", args=[guild.raid.pk]),
        {"source": "hand", "names": "Pipperel, Gwendolyn", "occurred_at": "2026-11-20T21:00"},
    )
    assert page.status_code == 200
    pip = UserPointsSummary.objects.get(user=guild.poor_member, pool=guild.pool).balance
    client.post(
        reverse("raids:tick_confirm", args=[guild.raid.pk]), {"token": page.context["preview"].token, "value": "2"}
    )
    assert UserPointsSummary.objects.get(user=guild.poor_member, pool=guild.pool).balance == pip + 2


def test_edit_and_delete_pages_move_balances(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    tick = guild.ticks[-1]
    gwen = UserPointsSummary.objects.get(user=guild.good_member, pool=guild.pool).balance
    local = timezone.localtime(tick.occurred_at, timezone=__import__("zoneinfo").ZoneInfo("America/New_York"))
    page = client.post(
        reverse("raids:tick_edit", args=[tick.pk]),
        {
            "value": str(TICK_VALUE),
            "description": "renamed",
            "occurred_at": local.strftime("%Y-%m-%dT%H:%M"),
            "remove": ["Gwendolyn"],
            "add": "Pipperel",
        },
    )
    assert page.status_code == 302
    assert UserPointsSummary.objects.get(user=guild.good_member, pool=guild.pool).balance == gwen - TICK_VALUE
    assert RaidAttendance.objects.filter(tick=tick, character_name="Pipperel").exists()
    page = client.post(reverse("raids:tick_edit", args=[tick.pk]), {"value": "0", "occurred_at": ""})
    assert page.status_code == 422
    assert "A tick value must be from 1 to 100,000." in page.text
    page = client.post(reverse("raids:tick_delete", args=[tick.pk]), {"reason": "mistake"})
    assert page.status_code == 302
    assert not RaidAttendance.objects.filter(tick=tick).exists()


def test_guild_dump_page_shows_the_result(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    page = client.post(reverse("raids:guild_dump"), {"file": upload(GUILD)})
    assert page.status_code == 200
    assert len(page.context["result"].added) == 80
    wrong = client.post(reverse("raids:guild_dump"), {"file": upload(FIRST)})
    assert wrong.status_code == 422
    assert "not a guild dump" in wrong.text.lower() or "raid dump" in wrong.text.lower()


# --- In a real browser ------------------------------------------------------------------------


@pytest.mark.browser
@skip_without_chromium
def test_an_officer_uploads_two_dumps_on_a_phone_and_confirms_a_tick(page, live_server, transactional_db) -> None:
    from dkp.raids.tests.samples import FIXTURES
    from dkp.testing.personas import build_guild

    guild = build_guild()
    page.context.add_cookies([_session_cookie(guild.officer, live_server.url)])
    page.goto(f"{live_server.url}{reverse('web:raid', args=[guild.raid.pk])}")
    page.get_by_role("link", name="Add tick").click()
    page.locator("input[type=file]").set_input_files([str(FIXTURES / FIRST), str(FIXTURES / SECOND)])
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("#present-count")
    assert page.locator("#present-count").inner_text() == "60"
    assert page.locator("table.files tbody tr").count() == 2
    page.fill("input[name=description]", "hour 1")
    page.get_by_role("button", name="Confirm tick").click()
    page.wait_for_selector("text=Tick saved")
    attendees = page.locator("section.tick", has_text="hour 1").locator("ul.attendees li").all_inner_texts()
    assert {text.split()[0] for text in attendees} == names_in(FIRST) | names_in(SECOND)
    assert RaidTick.objects.get(description="hour 1").attendance.count() == 60


def _session_cookie(user, url: str) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}
