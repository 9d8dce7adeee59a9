"""Pages as members, officers and visitors see them."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from dkp.core.models import GuildSettings
from dkp.loot.services import award_loot, item_named
from dkp.testing.personas import TICK_VALUE
from dkp.web.demo import DEMO_PERSONAS

STANDING_ROW = re.compile(
    r'href="/members/(?P<username>[^/]+)/".*?<td class="num strong">(?P<balance>[\d,]+)</td>', re.S
)


def standings_rows(page) -> list[tuple[str, int]]:
    """(username, balance) of every row of the standings table, top to bottom, as the page shows them."""
    html = page.content.decode() if page.get("HX-Request") else page.context["standings_html"]
    return [(m["username"], int(m["balance"].replace(",", ""))) for m in STANDING_ROW.finditer(html)]


def test_home_shows_a_member_the_standings_with_balances(client, guild):
    client.force_login(guild.good_member)
    page = client.get(reverse("web:home"))
    assert page.status_code == 200
    rows = standings_rows(page)
    balances = dict(rows)
    assert balances["gwen"] == 9 * TICK_VALUE
    assert balances["pip"] == TICK_VALUE
    assert rows[0][1] >= rows[-1][1]
    assert "Gwendolyn" in page.text


def test_standings_filter_by_class_and_sort_by_spent(client, guild):
    award_loot(
        item=item_named("Shiny"),
        pool=guild.pool,
        winner=guild.poor_member,
        character_name="Pipperel",
        price=7,
        actor=guild.officer,
    )
    client.force_login(guild.good_member)
    page = client.get(reverse("web:home"), {"class": "Rogue"})
    assert [username for username, _ in standings_rows(page)] == ["pip"]
    page = client.get(reverse("web:home"), {"sort": "spent"})
    assert standings_rows(page)[0][0] == "pip"


def test_standings_take_a_fixed_number_of_queries_however_many_members(client, guild, django_assert_max_num_queries):
    from dkp.raids.services import Attendee, record_tick
    from dkp.testing.personas import make_character, make_user

    client.force_login(guild.good_member)
    extra = [make_character(f"Extra{chr(97 + i)}", make_user(f"extra{i}"), "Druid") for i in range(15)]
    record_tick(
        raid=guild.raid,
        occurred_at=guild.ticks[-1].occurred_at,
        attendees=[Attendee(c.name, "Druid", 60) for c in extra],
        actor=None,
    )
    with django_assert_max_num_queries(14):
        page = client.get(reverse("web:home"))
    assert len(standings_rows(page)) >= 20


def test_standings_are_rendered_once_and_show_every_change_at_once(client, guild, django_assert_max_num_queries):
    from dkp.points.services import adjust_points

    client.force_login(guild.good_member)
    first = client.get(reverse("web:home")).context["standings_html"]
    with django_assert_max_num_queries(10):  # the second reader gets the cached table
        again = client.get(reverse("web:home")).context["standings_html"]
    assert again == first
    adjust_points(user=guild.poor_member, pool=guild.pool, amount=500, reason="bench test", actor=guild.officer)
    changed = client.get(reverse("web:home")).context["standings_html"]
    assert changed != first
    assert ">510<" in changed  # Pip's 10 points and the 500 just given
    api = client.get(f"/api/v1/pools/{guild.pool.pk}/standings/").json()
    assert {row["username"]: row["balance"] for row in api["results"]}["pip"] == 510


def test_guests_see_a_welcome_instead_of_standings_unless_the_guild_makes_them_public(client, guild):
    page = client.get(reverse("web:home"))
    assert "standings_html" not in page.context
    assert "Sign in" in page.text
    GuildSettings.objects.update_or_create(pk=1, defaults={"standings_public": True})
    page = client.get(reverse("web:home"))
    assert "Gwendolyn" in page.text


def test_an_applicant_is_refused_a_member_page_with_a_reason(client, guild):
    client.force_login(guild.applicant)
    page = client.get(reverse("web:member", args=["gwen"]))
    assert page.status_code == 403
    assert "applicant may not view standings" in page.text


@pytest.mark.parametrize("name", ["web:raids", "web:loot", "web:characters"])
def test_guild_pages_load_for_a_member(client, guild, name):
    client.force_login(guild.poor_member)
    assert client.get(reverse(name)).status_code == 200


def test_member_page_shows_balance_characters_and_ledger(client, guild):
    client.force_login(guild.poor_member)
    page = client.get(reverse("web:member", args=["gwen"]))
    assert page.status_code == 200
    assert "Gwendolyn" in page.text
    assert page.context["summaries"][0].balance == 9 * TICK_VALUE
    assert len(page.context["entries"]) == 9


def test_raid_page_lists_ticks_and_who_was_there(client, guild):
    client.force_login(guild.poor_member)
    page = client.get(reverse("web:raid", args=[guild.raid.pk]))
    assert page.status_code == 200
    # Each character present is a link to its page, once per tick attended.
    assert page.text.count('<a class="character" href="/characters/Pipperel/">Pipperel</a>') == 1
    assert page.text.count('<a class="character" href="/characters/Gwendolyn/">Gwendolyn</a>') == 9


def test_demo_sign_in_logs_in_as_a_demo_person(client, guild):
    from dkp.testing.personas import make_user

    username = DEMO_PERSONAS[0][0]
    make_user(username, "officer")
    response = client.post(reverse("web:demo_sign_in"), {"username": username})
    assert response.status_code == 302
    assert client.get(reverse("web:home")).context["user"].username == username


def test_demo_sign_in_refuses_anyone_who_is_not_a_demo_person(client, guild):
    response = client.post(reverse("web:demo_sign_in"), {"username": "olwen"})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


@override_settings(DKP_DEMO=False)
def test_demo_sign_in_does_not_exist_outside_demo_mode(client, guild):
    from dkp.testing.personas import make_user

    make_user(DEMO_PERSONAS[0][0], "officer")
    response = client.post(reverse("web:demo_sign_in"), {"username": DEMO_PERSONAS[0][0]})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session
    assert "Demo sign-in" not in client.get(reverse("web:login")).text


def test_demo_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, guild):
    from dkp.testing.personas import make_user

    username = DEMO_PERSONAS[0][0]
    make_user(username, "officer")
    response = client.post(reverse("web:demo_sign_in"), {"username": username, "next": "/raids/"})
    assert response["Location"] == "/raids/"
    response = client.post(reverse("web:demo_sign_in"), {"username": username, "next": "https://evil.example/"})
    assert response["Location"] == reverse("web:home")


def test_raid_list_counts_only_ticks_that_were_held(client, guild):
    from dkp.raids.services import delete_tick

    client.force_login(guild.good_member)
    page = client.get(reverse("web:raids"))
    assert [raid.tick_count for raid in page.context["raids"]] == [10]
    delete_tick(tick=guild.ticks[0], actor=guild.officer, reason="entered by mistake")
    page = client.get(reverse("web:raids"))
    assert [raid.tick_count for raid in page.context["raids"]] == [9]
    assert client.get(reverse("web:home")).context["recent_raids"][0].tick_count == 9
