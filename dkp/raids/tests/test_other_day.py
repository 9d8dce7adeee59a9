"""A raid dump from another day: the preview warns, and saving it needs the officer's explicit word.

The sample dumps were written on Thu Nov 12, 2026 at 20:03 and 21:04 in New York (the guild's zone),
01:03 and 02:04 UTC on Nov 13. The personas' raid night started 29 days before the test runs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from dkp.core.errors import InvalidInput
from dkp.points.models import UserPointsSummary
from dkp.raids import ingest
from dkp.raids.models import Raid, RaidTick
from dkp.raids.services import OTHER_DAY_AFTER, create_raid
from dkp.raids.tests.samples import FIRST, FIXTURES, counts, sample
from dkp.testing.browser import skip_without_chromium
from dkp.testing.personas import Guild, make_character

FIRST_WRITTEN = dt.datetime(2026, 11, 13, 1, 3, 12, tzinfo=dt.UTC)  # 20:03:12 EST on Nov 12


def _night_of_the_samples(guild: Guild, *, starts_at: dt.datetime | None = None) -> Raid:
    """A raid night that started at 19:30 in New York on the evening the sample dumps were written."""
    return create_raid(
        event=guild.event, starts_at=starts_at or dt.datetime(2026, 11, 13, 0, 30, tzinfo=dt.UTC), actor=guild.officer
    )


def _session_cookie(user, url: str) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}


def _upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, sample(name)[1], content_type="text/plain")


def test_the_rule_is_twelve_hours_either_side_of_the_raid_nights_start() -> None:
    assert dt.timedelta(hours=12) == OTHER_DAY_AFTER


def test_a_dump_weeks_from_the_raid_night_is_previewed_with_a_warning_and_refused_without_the_officers_word(
    guild: Guild,
) -> None:
    preview = ingest.preview_dumps(raid=guild.raid, files=[sample(FIRST)], actor=guild.officer)
    assert preview.can_confirm  # everything else is fine: the officer decides
    assert "Thu Nov 12, 2026 20:03 (EST)" in preview.other_day
    assert "days after the start of this raid night" in preview.other_day

    before = counts()
    with pytest.raises(InvalidInput) as refused:
        ingest.confirm_tick(raid=guild.raid, actor=guild.officer, preview_token=preview.token)
    assert refused.value.code == "other_day"
    assert refused.value.message.startswith("Nothing was saved. The tick time Thu Nov 12, 2026 20:03 (EST)")
    assert counts() == before
    # The same files handed over at once (the API without a preview, the command line) are refused too.
    with pytest.raises(InvalidInput, match="another day"):
        ingest.confirm_tick(raid=guild.raid, actor=guild.officer, files=[sample(FIRST)])
    assert counts() == before

    tick = ingest.confirm_tick(raid=guild.raid, actor=guild.officer, preview_token=preview.token, other_day=True)
    assert tick.raid == guild.raid
    assert tick.occurred_at == FIRST_WRITTEN


def test_a_dump_of_the_raid_night_itself_needs_no_word(guild: Guild) -> None:
    night = _night_of_the_samples(guild)
    preview = ingest.preview_dumps(raid=night, files=[sample(FIRST)], actor=guild.officer)
    assert preview.other_day == ""
    assert ingest.confirm_tick(raid=night, actor=guild.officer, preview_token=preview.token).raid == night


def test_a_dump_written_before_a_raid_night_made_for_the_next_day_is_warned_about_as_before(guild: Guild) -> None:
    tomorrow = _night_of_the_samples(guild, starts_at=FIRST_WRITTEN + dt.timedelta(hours=13))
    preview = ingest.preview_dumps(raid=tomorrow, files=[sample(FIRST)], actor=guild.officer)
    assert "13 hours before the start of this raid night" in preview.other_day


def test_the_time_checked_is_the_one_the_tick_gets_so_an_officers_own_time_on_the_night_needs_no_word(
    guild: Guild,
) -> None:
    night = _night_of_the_samples(guild, starts_at=dt.datetime(2026, 11, 20, 0, 30, tzinfo=dt.UTC))
    preview = ingest.preview_dumps(raid=night, files=[sample(FIRST)], actor=guild.officer)
    assert preview.other_day  # a week before this night
    tick = ingest.confirm_tick(
        raid=night,
        actor=guild.officer,
        preview_token=preview.token,
        occurred_at=dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC),
    )
    assert tick.occurred_at == dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


def test_names_by_hand_at_a_time_far_from_the_night_are_held_to_the_same_rule(guild: Guild) -> None:
    at = guild.raid.starts_at + dt.timedelta(days=3)
    taken = ingest.take_attendance(
        raid=guild.raid, source=ingest.Names(["Gwendolyn"]), actor=guild.officer, save=False, occurred_at=at
    )
    assert taken.preview is not None
    assert "3 days after" in taken.preview.other_day
    with pytest.raises(InvalidInput, match="another day"):
        ingest.take_attendance(
            raid=guild.raid, source=ingest.Names(["Gwendolyn"]), actor=guild.officer, save=True, occurred_at=at
        )


# --- The page ------------------------------------------------------------------------------------


def test_the_preview_page_warns_shows_utc_as_utc_and_the_confirm_needs_the_box(client, guild: Guild) -> None:
    make_character("Zelroso", owner=guild.good_member, eq_class="Ranger")
    client.force_login(guild.officer)
    page = client.post(
        reverse("raids:tick_preview", args=[guild.raid.pk]), {"source": "dump", "files": [_upload(FIRST)]}
    )
    assert page.status_code == 200
    assert "From another day?" in page.text
    assert "The tick time Thu Nov 12, 2026 20:03 (EST)" in page.text
    assert 'name="other_day"' in page.text
    # One column in the guild's time, one in UTC, each what its heading says.
    assert "Written (guild time, America/New_York)" in page.text
    assert "Thu Nov 12, 2026 20:03:12" in page.text
    assert "2026-11-13 01:03:12" in page.text
    # Known characters link to their pages; new ones have no page until the tick is saved.
    assert '<a class="character" href="/characters/Zelroso/">Zelroso</a>' in page.text
    assert "<td>Drapyr</td>" in page.text
    token = page.context["preview"].token
    form = {"token": token, "value": "3", "occurred_at": page.context["occurred_at"], "description": "late upload"}

    gwen_before = UserPointsSummary.objects.get(user=guild.good_member, pool=guild.pool).balance
    refused = client.post(reverse("raids:tick_confirm", args=[guild.raid.pk]), form)
    assert refused.status_code == 422
    assert "Nothing was saved. The tick time Thu Nov 12, 2026 20:03 (EST)" in refused.text
    assert reverse("raids:tick_new", args=[guild.raid.pk]) in refused.text
    assert not RaidTick.objects.filter(description="late upload").exists()

    saved = client.post(reverse("raids:tick_confirm", args=[guild.raid.pk]), {**form, "other_day": "yes"})
    assert saved.status_code == 302
    assert RaidTick.objects.get(description="late upload").raid == guild.raid
    assert UserPointsSummary.objects.get(user=guild.good_member, pool=guild.pool).balance == gwen_before + 3


def test_the_preview_page_of_the_raid_nights_own_dump_has_no_warning_or_box(client, guild: Guild) -> None:
    night = _night_of_the_samples(guild)
    client.force_login(guild.officer)
    page = client.post(reverse("raids:tick_preview", args=[night.pk]), {"source": "dump", "files": [_upload(FIRST)]})
    assert page.status_code == 200
    assert "From another day?" not in page.text
    assert 'name="other_day"' not in page.text


# --- The API and the command line -----------------------------------------------------------------


def test_the_api_warns_in_the_preview_and_saves_only_with_other_day_true(guild: Guild) -> None:
    api = APIClient()
    api.force_authenticate(guild.officer)
    url = reverse("api:tick-list")
    preview = api.post(url, {"raid": guild.raid.pk, "files": [_upload(FIRST)], "preview": "true"}, format="multipart")
    assert preview.status_code == 200
    assert "Thu Nov 12, 2026 20:03 (EST)" in preview.json()["other_day_warning"]

    before = counts()
    refused = api.post(url, {"raid": guild.raid.pk, "preview_token": preview.json()["token"]}, format="json")
    assert refused.status_code == 422
    assert refused.json()["error"] == "other_day"
    at_once = api.post(url, {"raid": guild.raid.pk, "files": [_upload(FIRST)]}, format="multipart")
    assert at_once.status_code == 422
    assert at_once.json()["error"] == "other_day"
    assert counts() == before

    saved = api.post(
        url, {"raid": guild.raid.pk, "preview_token": preview.json()["token"], "other_day": True}, format="json"
    )
    assert saved.status_code == 201, saved.json()
    assert saved.json()["raid"] == guild.raid.pk


def test_import_raid_dump_needs_other_day_for_a_dump_from_another_day(guild: Guild) -> None:
    path = str(FIXTURES / FIRST)
    before = counts()
    with pytest.raises(CommandError, match="another day"):
        call_command("import_raid_dump", path, "--raid", str(guild.raid.pk))
    assert counts() == before
    call_command("import_raid_dump", path, "--raid", str(guild.raid.pk), "--other-day")
    assert RaidTick.objects.filter(raid=guild.raid, source_name=FIRST).exists()


# --- In a real browser ---------------------------------------------------------------------------


@pytest.mark.browser
@skip_without_chromium
def test_on_a_phone_a_dump_from_another_day_needs_the_box_and_reopening_the_preview_lands_on_the_form(
    page, live_server, transactional_db
) -> None:
    from dkp.testing.personas import build_guild

    guild = build_guild()
    form = f"{live_server.url}{reverse('raids:tick_new', args=[guild.raid.pk])}"
    page.context.add_cookies([_session_cookie(guild.officer, live_server.url)])

    def preview() -> None:
        page.locator("input[type=file]").set_input_files([str(FIXTURES / FIRST)])
        page.get_by_role("button", name="Preview").click()
        page.wait_for_selector("#present-count")
        assert "The tick time Thu Nov 12, 2026 20:03 (EST)" in page.locator(".other-day").inner_text()

    page.goto(form)
    preview()
    # A reload sends the form again: the same preview, never an error page.
    page.reload()
    page.wait_for_selector(".other-day")
    # Opening the preview's address again (a restored tab, the address bar) lands on the form, with why.
    page.goto(page.url)
    assert page.url == form
    assert "405" not in page.locator("h1").inner_text()
    assert "opened again from here" in page.locator("body").inner_text()

    preview()
    page.get_by_role("button", name="Confirm tick").click()
    page.wait_for_selector("text=Tick not saved")
    assert "Nothing was saved. The tick time Thu Nov 12, 2026 20:03 (EST)" in page.locator("[role=alert]").inner_text()
    assert not RaidTick.objects.filter(source_name=FIRST).exists()

    page.get_by_role("link", name="Add the tick again").click()
    preview()
    page.get_by_label("This attendance is from another day").check()
    page.fill("input[name=description]", "last week's")
    page.get_by_role("button", name="Confirm tick").click()
    page.wait_for_selector("text=Tick saved")
    assert RaidTick.objects.get(source_name=FIRST).raid == guild.raid
    assert page.locator("section.tick", has_text="last week's").locator("time").inner_text() == (
        "Thu Nov 12, 2026 · 20:03 EST"
    )
