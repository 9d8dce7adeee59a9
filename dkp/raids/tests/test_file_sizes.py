"""A file over the limit is refused at every door with its real size, and nothing is written."""

from __future__ import annotations

import asyncio
import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from dkp.bot.raids import read_dumps
from dkp.characters.models import Character
from dkp.core.errors import InvalidInput
from dkp.raids import ingest
from dkp.raids.tests.samples import FIRST, GUILD, counts
from dkp.testing.personas import Guild

pytestmark = pytest.mark.usefixtures("any_day")

SIX_MB = 6 * 1024 * 1024
SAID = "The file is 6.0 MiB; a raid dump is at most 256 KiB."


def big(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"1\tZelroso\t65\tRanger\t\t\t\tNo\t\r\n".ljust(SIX_MB, b"x"))


def officer_api(guild: Guild) -> APIClient:
    client = APIClient()
    client.force_login(guild.officer)
    return client


@pytest.mark.parametrize(
    ("size", "said"),
    [(300 * 1024, "300 KiB"), (256 * 1024 + 1, "257 KiB"), (SIX_MB, "6.0 MiB"), (1536 * 1024 * 1024, "1536.0 MiB")],
)
def test_sizes_are_written_as_people_read_them(size, said):
    assert ingest.size_text(size) == said


def test_a_file_whose_size_is_not_told_is_counted_to_the_end_and_not_kept():
    read = ingest.read_upload(io.BytesIO(b"x" * SIX_MB))

    assert read == ingest.TooLarge(SIX_MB)


def test_a_file_within_the_limit_is_read_whole():
    assert ingest.read_upload(io.BytesIO(b"abc"), 3) == b"abc"


def test_the_api_refuses_a_6_mb_raid_dump_with_its_real_size(guild: Guild) -> None:
    before = counts()
    response = officer_api(guild).post(
        reverse("api:tick-list"), {"raid": guild.raid.pk, "files": [big(FIRST)]}, format="multipart"
    )

    assert response.status_code == 422
    assert response.json()["error"] == "file_too_large"
    assert SAID in response.json()["detail"]
    assert counts() == before


def test_the_api_refuses_a_6_mb_guild_dump_with_its_real_size(guild: Guild) -> None:
    characters = Character.objects.count()
    response = officer_api(guild).post(reverse("api:guild-dump-list"), {"file": big(GUILD)}, format="multipart")

    assert response.status_code == 422
    assert response.json()["detail"] == f"{GUILD}: The file is 6.0 MiB; a guild dump is at most 256 KiB."
    assert Character.objects.count() == characters


def test_the_upload_page_refuses_a_6_mb_raid_dump_with_its_real_size(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    before = counts()
    page = client.post(reverse("raids:tick_preview", args=[guild.raid.pk]), {"source": "dump", "files": [big(FIRST)]})

    assert page.status_code == 422
    assert SAID in page.text
    assert counts() == before


def test_the_guild_dump_page_refuses_a_6_mb_file_with_its_real_size(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    characters = Character.objects.count()
    page = client.post(reverse("raids:guild_dump"), {"file": big(GUILD)})

    assert page.status_code == 422
    assert "The file is 6.0 MiB; a guild dump is at most 256 KiB." in page.text
    assert Character.objects.count() == characters


def test_the_command_refuses_a_6_mb_file_with_its_real_size(guild: Guild, tmp_path) -> None:
    path = tmp_path / FIRST
    path.write_bytes(b"x" * SIX_MB)
    before = counts()

    with pytest.raises(CommandError, match=SAID.replace(".", r"\.")):
        call_command("import_raid_dump", str(path), raid=guild.raid.pk)
    assert counts() == before


def test_the_bot_refuses_a_6_mb_attachment_before_fetching_it() -> None:
    fetched = []

    async def read() -> bytes:
        fetched.append(True)
        return b""

    attachment = SimpleNamespace(filename=FIRST, size=SIX_MB, read=read)

    with pytest.raises(InvalidInput) as refused:
        asyncio.run(read_dumps([attachment]))  # type: ignore[list-item]  # an attachment's size, name and read
    assert refused.value.message == f"{FIRST}: {SAID}"
    assert fetched == []


def test_traders_and_buyers_in_a_pasted_who_are_not_counted_and_the_preview_says_why(guild: Guild) -> None:
    who = (
        "[Wed Dec 02 21:04:05 2026] [120 Warlord (Warrior)] Gorkul (Ogre) <Ashen Vanguard> ZONE: Vex Thal\n"
        "[Wed Dec 02 21:04:05 2026] TRADER [115 Oracle (Shaman)] Iljax (Troll) <Ashen Vanguard> ZONE: The Bazaar\n"
        "[Wed Dec 02 21:04:05 2026] BUYER [115 Oracle (Shaman)] Iljaxa (Troll) ZONE: The Bazaar\n"
        "[Wed Dec 02 21:04:05 2026] OFFLINE MODE [115 Oracle (Shaman)] Iljaxo (Troll) ZONE: The Bazaar\n"
    )
    preview = ingest.take_attendance(raid=guild.raid, source=ingest.WhoPaste(who), actor=guild.officer, save=False)

    assert preview.preview is not None
    assert [attendee.name for attendee in preview.preview.present] == ["Gorkul"]
    assert list(preview.preview.warnings) == [
        "Line 2: Iljax is in the Bazaar as a trader, not counted.",
        "Line 3: Iljaxa is in the Bazaar as a buyer, not counted.",
        "Line 4: Iljaxo is a trader in offline mode, not counted.",
    ]
