"""/officer/guild.json: the whole guild as a download, for officers only."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from dkp.testing.personas import Guild

pytestmark = pytest.mark.django_db

URL = "officer:guild_document"


def test_an_officer_downloads_the_whole_guild_as_an_attachment(client: Client, guild: Guild) -> None:
    client.force_login(guild.officer)
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response["Content-Disposition"].endswith('.json"')
    document = json.loads(response.content)
    assert document["format"] == "eq-dkp-guild"
    assert {member["username"] for member in document["members"]} >= {"olwen", "gwen", "pip"}
    assert len(document["raids"][0]["ticks"]) == 10


@pytest.mark.parametrize("persona", ["good_member", "recruiter", "developer", "applicant", "guest"])
def test_nobody_else_downloads_the_guild(client: Client, guild: Guild, persona: str) -> None:
    client.force_login(guild.everyone()[persona])
    response = client.get(reverse(URL))
    assert response.status_code == 403
    assert b"eq-dkp-guild" not in response.content


def test_a_visitor_who_is_not_signed_in_gets_no_guild(client: Client, guild: Guild) -> None:
    response = client.get(reverse(URL))
    assert response.status_code in (302, 403)
    assert b"eq-dkp-guild" not in response.content


def test_the_officer_index_links_the_download(client: Client, guild: Guild) -> None:
    client.force_login(guild.officer)
    page = client.get(reverse("officer:index")).content.decode()
    assert f'href="{reverse(URL)}"' in page
    assert "Download the whole guild (JSON)" in page
