"""Who sees which pages in the navigation, and what a refusal looks like (docs/access.md).

A visitor (not signed in) refused a page is sent to sign in with ``next`` back to it; a signed-in
person is told why, and what they can open instead. The guild's public toggle opens standings,
raids and loot (and auctions and characters) to guests, applicants and visitors alike.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from dkp.core.models import GuildSettings
from dkp.loot.services import award_loot, item_named
from dkp.recruitment.services import submit_application
from dkp.testing.personas import Guild

pytestmark = pytest.mark.django_db

GUILD_PAGES = ["Standings", "Raids", "Loot", "Auctions", "Characters"]
OFFICER_PAGES = [
    "New raid night",
    "Missed ticks",
    "Claims",
    "Loot console",
    "Adjust points",
    "Decay",
    "Events",
    "Pools",
    "Member roles",
    "Guild settings",
    "All officer pages",
]


def make_public(public: bool) -> None:
    GuildSettings.objects.update_or_create(pk=1, defaults={"standings_public": public})


def nav_links(html: str) -> list[str]:
    """The labels of the links in the main navigation, in order."""
    match = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)
    assert match, "the page has no main navigation"
    return [re.sub(r"<[^>]+>", "", label).strip() for label in re.findall(r"<a [^>]*>(.*?)</a>", match.group(1), re.S)]


def sign_in_next(response, header: str = "Location") -> str:
    """Where the sign-in page a response sends to will return to; fails unless it is the sign-in page."""
    target = urlsplit(response[header])
    assert target.path == reverse("web:login")
    return parse_qs(target.query)["next"][0]


def nav_for(client: Client, guild: Guild, who: str, path: str = "/") -> list[str]:
    if who != "visitor":
        client.force_login(getattr(guild, who))
    return nav_links(client.get(path).text)


@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
def test_a_visitor_is_offered_the_guild_pages_only_when_the_guild_makes_them_public(client, guild, public):
    make_public(public)
    assert nav_for(client, guild, "visitor") == ([*GUILD_PAGES, "Apply"] if public else ["Apply"])


@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
def test_a_guest_is_offered_apply_and_the_guild_pages_only_when_public(client, guild, public):
    make_public(public)
    expected = [*GUILD_PAGES, "My page", "Apply"] if public else ["Apply"]
    assert nav_for(client, guild, "guest") == expected


@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
def test_an_applicant_is_offered_their_application_and_the_guild_pages_only_when_public(client, guild, public):
    make_public(public)
    expected = [*GUILD_PAGES, "My page", "My application"] if public else ["My application"]
    assert nav_for(client, guild, "applicant") == expected


@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
@pytest.mark.parametrize("who", ["good_member", "recruiter", "developer"])
def test_members_see_the_guild_pages_and_applications_but_no_officer_pages(client, guild, who, public):
    make_public(public)
    assert nav_for(client, guild, who) == [*GUILD_PAGES, "My page", "Applications"]


def test_an_officer_sees_the_officer_group_and_the_admin(client, guild):
    html = (client.force_login(guild.officer), client.get("/"))[1].text
    assert nav_links(html) == [*GUILD_PAGES, "My page", "Applications", *OFFICER_PAGES, "Admin"]
    assert "<summary>Officer</summary>" in html


def test_every_link_in_everyones_navigation_opens(client, guild):
    for who in ["guest", "applicant", "good_member", "officer"]:
        client.force_login(getattr(guild, who))
        html = client.get("/").text
        for url in re.findall(r'<a href="([^"]+)"', re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S)[1]):
            assert client.get(url, follow=True).status_code == 200, (who, url)


@pytest.mark.parametrize(
    ("path", "label"),
    [("/", "Standings"), ("/raids/", "Raids"), ("/loot/", "Loot"), ("/auctions/", "Auctions")],
)
def test_the_current_page_is_marked_in_the_navigation(client, guild, path, label):
    client.force_login(guild.good_member)
    html = client.get(path).text
    assert re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', html) == [label]


def test_an_officer_page_is_marked_inside_the_officer_group(client, guild):
    client.force_login(guild.officer)
    html = client.get(reverse("loot_officer:console")).text
    assert re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', html) == ["Loot console"]
    assert '<summary class="current">Officer</summary>' in html


def test_a_page_inside_a_section_marks_its_section(client, guild):
    client.force_login(guild.good_member)
    html = client.get(reverse("web:raid", args=[guild.raid.pk])).text
    assert re.findall(r'<a href="[^"]+" aria-current="true">([^<]+)</a>', html) == ["Raids"]
    assert 'aria-current="page"' not in html


def test_every_page_starts_with_a_skip_link_to_the_main_content(client, guild):
    html = client.get("/").text
    body = html[html.index("<body") :]
    assert re.search(r"<a [^>]*>", body)[0] == '<a class="skip-link" href="#main">'
    assert '<main id="main" tabindex="-1">' in html


def _guild_pages(guild: Guild) -> list[str]:
    item = item_named("Fine Steel Dagger")
    award_loot(
        item=item,
        pool=guild.pool,
        winner=guild.good_member,
        price=5,
        character_name="Gwendolyn",
        actor=guild.officer,
        raid=guild.raid,
    )
    return [
        reverse("web:raids"),
        reverse("web:raid", args=[guild.raid.pk]),
        reverse("web:loot"),
        reverse("web:item", args=[item.pk]),
        reverse("loot:list"),
        reverse("web:characters"),
        reverse("web:character", args=["Gwendolyn"]),
        reverse("web:member", args=["gwen"]),
        reverse("missed:queue"),
        reverse("loot_officer:console"),
        reverse("points:adjust"),
        reverse("recruitment:list"),
    ]


def test_a_visitor_is_sent_to_sign_in_from_every_guild_page_and_comes_back_to_it(client, guild):
    for path in _guild_pages(guild):
        response = client.get(path + "?page=1")
        assert response.status_code == 302, path
        assert sign_in_next(response) == path + "?page=1"


def test_a_visitor_posting_a_refused_form_is_sent_to_sign_in_and_back_to_the_page_it_came_from(client, guild):
    response = client.post(reverse("points:adjust"), {"amount": "5"}, HTTP_REFERER="http://testserver/raids/")
    assert response.status_code == 302
    assert sign_in_next(response) == "/raids/"


def test_a_visitor_on_an_htmx_request_gets_the_whole_sign_in_page_loaded(client, guild):
    response = client.get(reverse("web:raids"), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/raids/")
    assert response.status_code == 204
    assert sign_in_next(response, header="HX-Redirect") == "/raids/"


def test_the_api_still_answers_a_visitor_with_json_not_a_redirect(client, guild):
    response = client.get(f"/api/v1/pools/{guild.pool.pk}/standings/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")


def test_with_the_guild_public_a_visitor_opens_the_guild_pages_but_not_officer_ones(client, guild):
    make_public(True)
    pages = _guild_pages(guild)
    for path in pages[:8]:
        assert client.get(path).status_code == 200, path
    for path in pages[8:]:
        assert client.get(path).status_code == 302, path


@pytest.mark.parametrize("who", ["guest", "applicant"])
def test_the_public_toggle_governs_the_guild_pages_for_guests_and_applicants(client, guild, who):
    client.force_login(getattr(guild, who))
    pages = _guild_pages(guild)[:8]
    for path in pages:
        assert client.get(path).status_code == 403, path
    make_public(True)
    for path in pages:
        assert client.get(path).status_code == 200, path


def test_a_signed_in_guest_refused_a_page_is_told_to_apply(client, guild):
    client.force_login(guild.guest)
    page = client.get(reverse("web:raids"))
    assert page.status_code == 403
    assert "A guest may not view standings, raids and loot." in page.text
    assert "As a guest you can apply to join the guild" in page.text
    assert f'href="{reverse("recruitment:mine")}">Apply to the guild' in page.text


def test_an_applicant_refused_a_page_is_pointed_to_their_application(client, guild):
    client.force_login(guild.applicant)
    page = client.get(reverse("web:loot"))
    assert page.status_code == 403
    assert "An applicant may not view standings, raids and loot." in page.text
    assert f'href="{reverse("recruitment:mine")}">Your application' in page.text


def test_a_member_refused_an_officer_page_sees_the_pages_they_can_open(client, guild):
    client.force_login(guild.good_member)
    page = client.get(reverse("loot_officer:console"))
    assert page.status_code == 403
    assert "A member may not manage raids" in page.text
    listed = re.search(r"<h2>Pages you can open</h2>(.*?)</ul>", page.text, re.S)[1]
    assert re.findall(r">([^<]+)</a>", listed) == [*GUILD_PAGES, "My page", "Applications"]


def test_a_signed_in_guest_is_told_they_can_apply_not_to_sign_in(client, guild):
    client.force_login(guild.guest)
    home = client.get("/").text
    assert "sign in with Discord" not in home.lower()
    assert "You are signed in as a guest" in home
    assert f'<a class="button" href="{reverse("recruitment:apply")}">Apply to the guild</a>' in home


def test_a_visitor_is_asked_to_sign_in_or_apply(client, guild):
    home = client.get("/").text
    assert "Sign in with Discord to see them, or to apply to join." in home
    assert reverse("web:login") + "?next=" + reverse("recruitment:apply") in home


def test_an_applicant_sees_where_their_application_stands(client, guild):
    guest = guild.guest
    submit_application(
        applicant=guest, character_name="Hopefulone", character_class="Druid", character_level=60, answers={}
    )
    guest.refresh_from_db()
    client.force_login(guest)
    home = client.get("/").text
    assert "Your application for <strong>Hopefulone</strong> is" in home
    assert "Submitted" in home
    assert "A recruiter reads it and opens it to the members&#x27; vote." in home
    assert "Apply to the guild" not in home
