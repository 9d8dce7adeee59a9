"""/officer/import/: an officer uploads a spreadsheet, sees every balance, maps a main, and confirms."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client, override_settings

from dkp.characters.models import Character
from dkp.points.models import UserPointsSummary
from dkp.switching.models import ImportRun
from dkp.testing.personas import Guild

CHARACTERS = "name,class,level,main\nTankalot,Warrior,60,\nHealalot,Cleric,60,Tankalot\nSoloist,Rogue,55,\n"
TICKS = (
    "raid,date,tick,value,character,pool,event\n"
    "2024-03-01 Fear,2024-03-01 20:00,start,2.5,Tankalot,Old DKP,Plane of Fear\n"
    "2024-03-01 Fear,2024-03-01 20:00,start,2.5,Healalot,Old DKP,Plane of Fear\n"
    "2024-03-01 Fear,2024-03-01 20:00,start,2.5,Soloist,Old DKP,Plane of Fear\n"
    "2024-03-01 Fear,2024-03-01 21:00,boss,2.5,Soloist,Old DKP,Plane of Fear\n"
)
LOOT = "date,character,item,price,pool,raid\n2024-03-01 21:30,Soloist,Cloak of Flames,1,Old DKP,2024-03-01 Fear\n"


def spreadsheet_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("characters.csv", CHARACTERS)
        archive.writestr("ticks.csv", TICKS)
        archive.writestr("loot.csv", LOOT)
    return buffer.getvalue()


def upload(client: Client, content: bytes, name: str = "points.zip") -> object:
    file = io.BytesIO(content)
    file.name = name
    return client.post("/officer/import/preview/", {"file": file, "kind": ""})


@pytest.fixture(autouse=True)
def _uploads_in_tmp(tmp_path: object, settings: object) -> None:
    settings.VAR_DIR = tmp_path  # type: ignore[attr-defined]


def test_only_officers_may_import(client: Client, guild: Guild) -> None:
    client.force_login(guild.good_member)
    assert client.get("/officer/import/").status_code == 403
    assert upload(client, spreadsheet_zip()).status_code == 403  # type: ignore[attr-defined]
    assert not Character.objects.filter(name="Tankalot").exists()


def test_upload_preview_map_and_confirm(client: Client, guild: Guild) -> None:
    client.force_login(guild.officer)
    assert "Import a guild's history" in client.get("/officer/import/").text
    preview = upload(client, spreadsheet_zip())
    assert preview.status_code == 200  # type: ignore[attr-defined]
    html = preview.text  # type: ignore[attr-defined]
    # The pair Tankalot + Healalot: 2.5 each in the source (5), one credit of 3 here: a difference.
    assert "Tankalot (unclaimed)" in html
    assert "1 balance differs" in html
    assert not Character.objects.filter(name="Tankalot").exists()
    token = preview.context["token"]  # type: ignore[attr-defined]

    refused = client.post("/officer/import/confirm/", {"token": token})
    assert refused.status_code == 409
    assert "Nothing was imported" in refused.text
    assert not ImportRun.objects.exists()

    soloist_field = next(row for row in refused.context["mappable"] if row["line"].name == "Soloist")["line"].key
    assert f'name="map-{soloist_field}"' in refused.text
    done = client.post(
        "/officer/import/confirm/",
        {"token": token, f"map-{soloist_field}": guild.poor_member.pk, "accept_differences": "boxed healer"},
    )
    assert done.status_code == 302
    assert done["Location"] == "/officer/"
    run = ImportRun.objects.get()
    assert (run.created_by, run.differences_accepted) == (guild.officer, "boxed healer")
    # Soloist: 2.5 + 2.5 - 1 = 4 exactly; entries 3 + 3 - 1 = 5, so a rounding of -1.
    assert UserPointsSummary.objects.get(user=guild.poor_member, pool__name="Old DKP").balance == 4
    assert Character.objects.get(name="Soloist").owner == guild.poor_member
    assert Character.objects.get(name="Tankalot").owner is None
    again = client.post("/officer/import/confirm/", {"token": token})
    assert again.status_code == 302  # the token is used up: back to the start, nothing written twice
    assert ImportRun.objects.count() == 1


def test_a_file_that_is_no_source_is_refused_with_its_reason(client: Client, guild: Guild) -> None:
    client.force_login(guild.officer)
    answer = upload(client, b"hello, this is not a dump", name="notes.sql")
    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert "notes.sql" in answer.text  # type: ignore[attr-defined]
    nothing = client.post("/officer/import/preview/", {"kind": ""})
    assert nothing.status_code == 400
    assert "Choose a file to upload" in nothing.text


@override_settings()
def test_reloading_the_preview_lands_on_the_form(client: Client, guild: Guild) -> None:
    client.force_login(guild.officer)
    assert client.get("/officer/import/preview/")["Location"] == "/officer/import/"
