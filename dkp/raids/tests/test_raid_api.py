"""The raid API: raid nights, ticks from uploads, a /who paste or names, edits, deletes, the guild dump."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dkp.characters.models import Character
from dkp.points.models import UserPointsSummary
from dkp.raids.models import Raid, RaidTick
from dkp.raids.tests.samples import FIRST, GUILD, SECOND, counts, names_in, sample
from dkp.testing.personas import TICK_VALUE, Guild

# These tests are about other rules; the dump-from-another-day rule has its own (test_other_day.py).
pytestmark = pytest.mark.usefixtures("any_day")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def upload(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, sample(name)[1] if data is None else data, content_type="text/plain")


def test_members_list_raids_and_officers_make_them(guild: Guild) -> None:
    listed = client_for(guild.poor_member).get(reverse("api:raid-list")).json()
    assert listed["results"][0]["id"] == guild.raid.pk
    assert listed["results"][0]["tick_count"] == len(guild.ticks)
    body = {"event": guild.event.pk, "starts_at": timezone.now().isoformat(), "note": "farm night"}
    made = client_for(guild.officer).post(reverse("api:raid-list"), body, format="json")
    assert made.status_code == 201, made.json()
    assert Raid.objects.get(pk=made.json()["id"]).note == "farm night"
    refused = client_for(guild.good_member).post(reverse("api:raid-list"), body, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"


def test_ticks_list_and_detail_show_attendance(guild: Guild) -> None:
    client = client_for(guild.good_member)
    listed = client.get(reverse("api:tick-list"), {"raid": guild.raid.pk}).json()
    assert listed["count"] == len(guild.ticks)
    detail = client.get(reverse("api:tick-detail", kwargs={"pk": guild.ticks[0].pk})).json()
    assert {row["character_name"] for row in detail["attendance"]} >= {"Pipperel", "Olwenna"}


def test_multipart_preview_then_confirm_with_the_token(guild: Guild) -> None:
    client = client_for(guild.officer)
    before = counts()
    preview = client.post(
        reverse("api:tick-list"),
        {"raid": guild.raid.pk, "files": [upload(FIRST), upload(SECOND)], "preview": "true"},
        format="multipart",
    )
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert counts() == before
    assert len(body["present"]) == 60
    assert len(body["new"]) == 60
    assert [f["written_at"] for f in body["files"]] == ["2026-11-13T01:03:12+00:00", "2026-11-13T02:04:55+00:00"]
    saved = client.post(
        reverse("api:tick-list"),
        {"raid": guild.raid.pk, "preview_token": body["token"], "value": 6, "description": "hour 1"},
        format="json",
    )
    assert saved.status_code == 201, saved.json()
    assert saved.json()["value"] == 6
    assert len(saved.json()["attendance"]) == 60


def test_multipart_upload_without_preview_saves_at_once_and_refuses_the_same_file_again(guild: Guild) -> None:
    client = client_for(guild.officer)
    saved = client.post(reverse("api:tick-list"), {"raid": guild.raid.pk, "files": [upload(FIRST)]}, format="multipart")
    assert saved.status_code == 201, saved.json()
    assert {row["character_name"] for row in saved.json()["attendance"]} == names_in(FIRST)
    before = counts()
    again = client.post(reverse("api:tick-list"), {"raid": guild.raid.pk, "files": [upload(FIRST)]}, format="multipart")
    assert again.status_code == 409
    assert again.json()["error"] == "duplicate_dump"
    assert FIRST in again.json()["detail"]
    assert counts() == before


def test_a_bad_upload_is_a_422_naming_the_file_and_line_and_saves_nothing(guild: Guild) -> None:
    client = client_for(guild.officer)
    before = counts()
    bad = b"1\tZelroso\t65\tRanger\tRaid Leader\t\t\tYes\t\r\n2\tCorgorno\t58\r\n"
    response = client.post(
        reverse("api:tick-list"), {"raid": guild.raid.pk, "files": [upload(FIRST, bad)]}, format="multipart"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "truncated_line"
    assert f"{FIRST}, line 2" in body["detail"]
    assert body["preview"]["problems"][0]["line"] == 2
    assert counts() == before


def test_a_guild_dump_sent_as_a_raid_dump_is_refused(guild: Guild) -> None:
    response = client_for(guild.officer).post(
        reverse("api:tick-list"), {"raid": guild.raid.pk, "files": [upload(GUILD)]}, format="multipart"
    )
    assert response.status_code == 422
    assert "guild dump" in response.json()["detail"]


def test_by_hand_json_credits_the_named_characters(guild: Guild) -> None:
    at = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    before = UserPointsSummary.objects.get(user=guild.poor_member, pool=guild.pool).balance
    response = client_for(guild.officer).post(
        reverse("api:tick-list"),
        {"raid": guild.raid.pk, "characters": ["Pipperel", "Gwendolyn"], "occurred_at": at, "value": 2},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert UserPointsSummary.objects.get(user=guild.poor_member, pool=guild.pool).balance == before + 2


def test_two_inputs_at_once_are_a_400(guild: Guild) -> None:
    response = client_for(guild.officer).post(
        reverse("api:tick-list"), {"raid": guild.raid.pk, "characters": ["Pipperel"], "who": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_input"


def test_patch_and_delete_a_tick_move_balances(guild: Guild) -> None:
    client = client_for(guild.officer)
    tick = guild.ticks[-1]
    url = reverse("api:tick-detail", kwargs={"pk": tick.pk})
    gwen = UserPointsSummary.objects.get(user=guild.good_member, pool=guild.pool).balance
    patched = client.patch(url, {"value": TICK_VALUE + 1, "remove": ["Olwenna"]}, format="json")
    assert patched.status_code == 200, patched.json()
    assert "Olwenna" not in {row["character_name"] for row in patched.json()["attendance"]}
    assert UserPointsSummary.objects.get(user=guild.good_member, pool=guild.pool).balance == gwen + 1
    assert client.delete(url).status_code == 204
    assert UserPointsSummary.objects.get(user=guild.good_member, pool=guild.pool).balance == gwen - TICK_VALUE
    assert client.get(url).status_code == 404  # a deleted tick is not listed
    assert RaidTick.objects.filter(pk=tick.pk).exists()


def test_a_member_cannot_patch_a_tick(guild: Guild) -> None:
    url = reverse("api:tick-detail", kwargs={"pk": guild.ticks[-1].pk})
    response = client_for(guild.good_member).patch(url, {"value": 99}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"]


def test_guild_dump_upload_reports_what_changed(guild: Guild) -> None:
    response = client_for(guild.officer).post(
        reverse("api:guild-dump-list"), {"file": upload(GUILD)}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    assert len(response.json()["added"]) == 80
    assert Character.objects.filter(name="Garyraa", tag="alt").exists()
    wrong = client_for(guild.officer).post(reverse("api:guild-dump-list"), {"file": upload(FIRST)}, format="multipart")
    assert wrong.status_code == 422
    assert FIRST in wrong.json()["detail"]
    missing = client_for(guild.officer).post(reverse("api:guild-dump-list"), {}, format="multipart")
    assert missing.status_code == 422
