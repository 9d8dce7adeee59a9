"""The header's search: members, characters and items, as each viewer may see them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dkp.core.models import GuildSettings
from dkp.loot.services import item_named
from dkp.testing.personas import make_character, make_user
from dkp.web.search import MAX_SEARCH_LENGTH, SEARCH_LIMIT

pytestmark = pytest.mark.django_db


def group(page, heading: str) -> list[str]:
    """The link texts listed under one heading of the results ("Members", "Characters", "Items")."""
    html = page.content.decode()
    found = re.search(rf'<h2 id="found-{heading.lower()}">.*?</section>', html, re.S)
    if found is None:
        return []
    return re.findall(r'<li><a class="[a-z]+" href="[^"]+">([^<]+)</a>', found.group(0))


def test_the_header_holds_a_labelled_search_box_for_members(client, guild):
    client.force_login(guild.good_member)
    html = client.get(reverse("web:home")).content.decode()
    assert 'role="search"' in html
    assert '<label for="site-search-q" class="sr-only">Search members, characters and items</label>' in html
    assert f'action="{reverse("web:search")}"' in html


def test_a_search_finds_a_member_by_display_name_username_or_a_characters_name(client, guild):
    client.force_login(guild.good_member)
    assert group(client.get(reverse("web:search"), {"q": "OLW"}), "Members") == ["Olwen"]
    assert group(client.get(reverse("web:search"), {"q": "pip"}), "Members") == ["Pip"]
    by_character = client.get(reverse("web:search"), {"q": "endoly"})
    assert group(by_character, "Members") == ["Gwen"]
    assert group(by_character, "Characters") == ["Gwendolyn"]
    assert 'href="/characters/Gwendolyn/"' in by_character.text


def test_a_search_finds_characters_and_items_by_part_of_the_name_ignoring_case(client, guild):
    item_named("Cloak of Flames")
    item_named("Flame Kissed Cape")
    make_character("Flamer")
    client.force_login(guild.good_member)
    page = client.get(reverse("web:search"), {"q": "fLaM"})
    assert page.status_code == 200
    assert group(page, "Items") == ["Flame Kissed Cape", "Cloak of Flames"]  # a name starting with it first
    assert group(page, "Characters") == ["Flamer"]
    assert "unclaimed" in page.text
    assert group(page, "Members") == []


def test_names_that_start_with_the_text_come_before_names_that_only_contain_it(client, guild):
    for name in ("Ancient Sword", "Sword of Ages", "Broadsword"):
        item_named(name)
    client.force_login(guild.good_member)
    page = client.get(reverse("web:search"), {"q": "sword"})
    assert group(page, "Items") == ["Sword of Ages", "Ancient Sword", "Broadsword"]


def test_applicants_and_guests_are_not_found_as_members(client, guild):
    client.force_login(guild.officer)
    assert group(client.get(reverse("web:search"), {"q": "abe"}), "Members") == []
    assert group(client.get(reverse("web:search"), {"q": "gus"}), "Members") == []


def test_a_long_list_shows_the_first_ones_and_says_how_many_more(client, guild):
    for index in range(SEARCH_LIMIT + 3):
        item_named(f"Rusty Dagger {index:02d}")
    client.force_login(guild.good_member)
    page = client.get(reverse("web:search"), {"q": "rusty"})
    assert len(group(page, "Items")) == SEARCH_LIMIT
    assert "and 3 more" in page.text
    assert f"{SEARCH_LIMIT + 3} found" in page.text


def test_exactly_one_thing_found_goes_straight_to_its_page(client, guild):
    item = item_named("Globe of Discordant Energy")
    client.force_login(guild.good_member)
    page = client.get(reverse("web:search"), {"q": "discordant"})
    assert page.status_code == 302
    assert page["Location"] == reverse("web:item", args=[item.pk])
    to_character = client.get(reverse("web:search"), {"q": "rheanor"})
    # Rheanor is Rhea's character: a member and a character, so two things and a list.
    assert to_character.status_code == 200
    make_character("Zorblax")
    assert client.get(reverse("web:search"), {"q": "zorbl"})["Location"] == reverse("web:character", args=["Zorblax"])


def test_nothing_found_says_so(client, guild):
    client.force_login(guild.good_member)
    page = client.get(reverse("web:search"), {"q": "qqqq"})
    assert page.status_code == 200
    assert "Nothing matches “qqqq”" in page.text


def test_an_empty_search_asks_for_a_name(client, guild):
    client.force_login(guild.good_member)
    for query in ({}, {"q": ""}, {"q": "   "}):
        page = client.get(reverse("web:search"), query)
        assert page.status_code == 200
        assert "Type part of a member's name" in page.text


def test_a_search_longer_than_any_name_is_a_400_that_says_so(client, guild):
    client.force_login(guild.good_member)
    page = client.get(reverse("web:search"), {"q": "x" * (MAX_SEARCH_LENGTH + 1)})
    assert page.status_code == 400
    assert f"A search can be at most {MAX_SEARCH_LENGTH} characters long; this one is 121." in page.text


@pytest.mark.parametrize("text", ["a\x00b", "\x07bell"])
def test_control_characters_are_a_400_not_a_database_error(client, guild, text):
    client.force_login(guild.good_member)
    page = client.get(reverse("web:search"), {"q": text})
    assert page.status_code == 400
    assert "A search can only hold printable characters." in page.text


def test_visitors_and_guests_may_not_search_a_private_guild_and_see_no_box(client, guild):
    visit = client.get(reverse("web:search"), {"q": "gwen"})
    assert visit.status_code == 302  # visitors are sent to sign in, and back here after
    assert visit["Location"] == "/sign-in/?next=/search/%3Fq%3Dgwen"
    assert 'id="site-search-q"' not in client.get(reverse("web:home")).text
    client.force_login(guild.guest)
    assert client.get(reverse("web:search"), {"q": "gwen"}).status_code == 403


def test_everyone_may_search_a_public_guild(client, guild):
    GuildSettings.objects.update_or_create(pk=1, defaults={"standings_public": True})
    page = client.get(reverse("web:search"), {"q": "gwen"})
    assert page.status_code == 200
    assert group(page, "Members") == ["Gwen"]
    assert 'id="site-search-q"' in page.text


def test_the_search_text_stays_in_the_header_box_on_the_results_page(client, guild):
    make_user("flint")
    client.force_login(guild.good_member)
    page = client.get(reverse("web:search"), {"q": "  Gw  "})
    assert 'id="site-search-q" type="search" name="q" value="Gw"' in page.text


def test_wildcard_characters_are_searched_for_as_themselves(client, guild):
    item_named("Sash of 100% Silk")
    item_named("Plain Sash")
    client.force_login(guild.good_member)
    page = client.get(reverse("web:search"), {"q": "sash"})
    assert group(page, "Items") == ["Sash of 100% Silk", "Plain Sash"]
    assert client.get(reverse("web:search"), {"q": "%"}).status_code == 302  # only the one with a % in it
    assert group(client.get(reverse("web:search"), {"q": "_"}), "Items") == []
