"""The header's search box in a real Chromium on a phone: a member finds a member, a character and an
item by typing into it, sees the grouped results and clicks through.

Runs where Debian's Chromium is installed (CI installs it); elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from dkp.loot.services import item_named
from dkp.testing.browser import PHONE_WIDTH, needs_chromium

pytestmark = [*needs_chromium, pytest.mark.django_db(transaction=True)]


def signed_in(page, live_server, user) -> None:
    """The browser carries a session of ``user``, as if they had signed in with Discord."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def search_from_the_header(page, text: str) -> None:
    box = page.get_by_role("searchbox", name="Search members, characters and items")
    box.fill(text)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_the_header_search_finds_a_member_a_character_and_an_item(page, live_server, guild):
    item_named("Cloak of Flames")
    item_named("Cloak of the Ages")
    signed_in(page, live_server, guild.poor_member)
    page.goto(live_server.url + "/")

    search_from_the_header(page, "gwen")
    members = page.get_by_role("region", name="Members")
    assert members.get_by_role("link", name="Gwen", exact=True).is_visible()
    assert page.get_by_role("region", name="Characters").get_by_role("link", name="Gwendolyn").is_visible()
    assert fits_the_phone(page)
    members.get_by_role("link", name="Gwen", exact=True).click()
    page.wait_for_url("**/members/gwen/")
    assert page.locator("h1").first.inner_text().startswith("Gwen")

    search_from_the_header(page, "rheanor")
    page.get_by_role("region", name="Characters").get_by_role("link", name="Rheanor").click()
    page.wait_for_url("**/characters/Rheanor/")
    assert page.locator("h1").inner_text() == "Rheanor"

    search_from_the_header(page, "CLOAK")
    items = page.get_by_role("region", name="Items")
    assert items.locator("a.item").all_inner_texts() == ["Cloak of Flames", "Cloak of the Ages"]
    items.get_by_role("link", name="Cloak of Flames", exact=True).click()
    page.wait_for_url(re.compile(r"/items/\d+/$"))
    assert page.locator("h1").inner_text().startswith("Cloak of Flames")
    assert fits_the_phone(page)
