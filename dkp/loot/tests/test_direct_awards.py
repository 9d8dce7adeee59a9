"""Direct awards from a pasted loot log: "You" is the log's owner, every row's problem at once, the paste kept.

Balances from the personas: Gwen holds 90 points, Pip 10, Dev 100 and Olwen (the officer, whose
character is Olwenna) 100 in the pool "Main".
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dkp.accounts.models import User
from dkp.loot.models import LootDistribution
from dkp.loot.services import AwardRowsRefused, award_loot_batch, awards_from_log
from dkp.points.models import EntryKind, PointEntry, UserPointsSummary
from dkp.testing.browser import skip_without_chromium
from dkp.testing.personas import Guild

AWARD = reverse("loot_officer:award")
LOG = """\
[Thu Nov 20 21:14:07 2025] --You have looted a Cloak of Flames.--
[Thu Nov 20 21:14:09 2025] Devraxx tells the raid, 'grats'
[Thu Nov 20 21:15:30 2025] --Gwendolyn has looted a Shiny Brass Idol.--
"""


def balance(user: User, guild: Guild) -> int:
    return UserPointsSummary.objects.get(user=user, pool=guild.pool).balance


def officer(client: Client, guild: Guild) -> Client:
    client.force_login(guild.officer)
    return client


# --- the service ---------------------------------------------------------------------------------


def test_you_in_a_log_is_the_character_whose_log_it_is(guild: Guild) -> None:
    rows, problems = awards_from_log(LOG, log_owner="olwenna")
    assert [(row.character_name, row.item_name, row.user) for row in rows] == [
        ("Olwenna", "Cloak of Flames", guild.officer),
        ("Gwendolyn", "Shiny Brass Idol", guild.good_member),
    ]
    assert problems == []


def test_without_saying_whose_log_it_is_you_rows_say_what_to_do(guild: Guild) -> None:
    rows, problems = awards_from_log(LOG)
    assert [row.character_name for row in rows] == ["You", "Gwendolyn"]
    assert problems == [
        'Line 1: "You" looted Cloak of Flames; say whose log this is and fill the rows again, '
        "or type the character in its row."
    ]


def test_a_batch_reports_every_rows_problem_and_awards_nothing(guild: Guild) -> None:
    with pytest.raises(AwardRowsRefused) as refused:
        award_loot_batch(
            lines=[
                ("You", "Cloak of Flames", "5"),
                ("Gwendolyn", "Shiny Brass Idol", "40"),
                ("Pipperel", "Ring", "11"),
                ("Zzyzxar", "Idol", "1"),
                ("Devraxx", "Veil", "lots"),
                ("Gwendolyn", "Bracer", "60"),  # 40 + 60 is more than Gwen's 90
            ],
            pool=guild.pool,
            actor=guild.officer,
        )
    rows = refused.value.rows
    assert sorted(rows) == [1, 3, 4, 5, 6]
    assert rows[1].startswith('Row 1: "You" is whoever wrote the log')
    assert rows[3] == "Row 3 (Pipperel): Pip has 10 points in Main; a price of 11 would take the balance below zero."
    assert rows[4] == "Row 4: Zzyzxar is not a character anyone owns."
    assert rows[5].startswith("Row 5 (Devraxx's Veil): A price must be a whole number")
    assert rows[6].startswith("Row 6 (Gwendolyn): Gwen has 50 points in Main")
    assert refused.value.message.startswith("Nothing was awarded: 5 rows need fixing. Row 1:")
    assert not LootDistribution.objects.exists()
    assert not PointEntry.objects.filter(kind=EntryKind.LOOT).exists()
    assert balance(guild.good_member, guild) == 90


# --- the page ------------------------------------------------------------------------------------


def test_the_officer_says_whose_log_it_is_and_you_becomes_that_character(client: Client, guild: Guild) -> None:
    officer(client, guild)
    page = client.post(AWARD, {"action": "prefill", "log": LOG, "log_owner": "Olwenna"})
    assert page.status_code == 200
    rows = [row for row in page.context["rows"] if row.from_log]
    assert [(row.character, row.owner) for row in rows] == [
        ("Olwenna", guild.officer),
        ("Gwendolyn", guild.good_member),
    ]
    assert "say whose log this is" not in page.text
    # remembered for the next paste
    again = client.get(AWARD)
    assert 'name="log_owner" value="Olwenna"' in again.text


def test_a_paste_without_whose_log_flags_the_you_rows(client: Client, guild: Guild) -> None:
    officer(client, guild)
    page = client.post(AWARD, {"action": "prefill", "log": LOG, "log_owner": ""})
    assert "⚠ say whose log this is" in page.text
    assert "&quot;You&quot; looted Cloak of Flames; say whose log this is" in page.text


def test_a_refused_batch_shows_every_rows_problem_and_keeps_the_paste(client: Client, guild: Guild) -> None:
    officer(client, guild)
    page = client.post(
        AWARD,
        {
            "action": "award",
            "pool": guild.pool.pk,
            "log": LOG,
            "log_owner": "Olwenna",
            "character": ["Olwenna", "Pipperel", "Zzyzxar", ""],
            "item": ["Cloak of Flames", "Shiny Brass Idol", "Ring", ""],
            "price": ["10", "50", "3", ""],
        },
    )
    assert page.status_code == 409  # the first problem is a balance
    assert "Nothing was awarded: 2 rows need fixing." in page.text
    assert page.text.count('class="error" id="row-problem-') == 2
    assert "⚠ Row 2 (Pipperel): Pip has 10 points in Main" in page.text
    assert "⚠ Row 3: Zzyzxar is not a character anyone owns." in page.text
    textarea = page.text.split('<textarea name="log"', 1)[1].split("</textarea>", 1)[0]
    assert "--You have looted a Cloak of Flames.--" in textarea
    assert "--Gwendolyn has looted a Shiny Brass Idol.--" in textarea
    assert 'name="log_owner" value="Olwenna"' in page.text
    assert [row.character for row in page.context["rows"]] == ["Olwenna", "Pipperel", "Zzyzxar", ""]
    assert not LootDistribution.objects.exists()
    assert balance(guild.officer, guild) == 100


def test_fixing_the_rows_awards_them_all(client: Client, guild: Guild) -> None:
    officer(client, guild)
    response = client.post(
        AWARD,
        {
            "action": "award",
            "pool": guild.pool.pk,
            "character": ["Olwenna", "Pipperel"],
            "item": ["Cloak of Flames", "Shiny Brass Idol"],
            "price": ["10", "10"],
        },
    )
    assert response.status_code == 302
    assert balance(guild.officer, guild) == 90
    assert balance(guild.poor_member, guild) == 0
    assert PointEntry.objects.filter(kind=EntryKind.LOOT).count() == 2


# --- in a browser --------------------------------------------------------------------------------


@pytest.mark.browser
@skip_without_chromium
def test_in_a_browser_an_officer_awards_their_own_loot_from_a_pasted_log(page, live_server, transactional_db) -> None:
    from dkp.testing.personas import build_guild

    guild = build_guild()
    page.context.add_cookies([_session_cookie(guild.officer, live_server.url)])
    page.goto(live_server.url + AWARD)
    page.get_by_label("Whose log is it?").fill("Olwenna")
    page.get_by_label("Loot log lines").fill(LOG)
    page.get_by_role("button", name="Fill rows from the log").click()
    page.wait_for_selector("table.award-rows")
    assert page.get_by_label("Character, row 1").input_value() == "Olwenna"
    assert page.get_by_label("Character, row 2").input_value() == "Gwendolyn"
    page.get_by_label("Price, row 1").fill("12")
    page.get_by_label("Price, row 2").fill("200")  # more than Gwen has: refused, nothing awarded
    page.get_by_role("button", name="Award all").click()
    page.wait_for_selector("#row-problem-2")
    assert "Gwen has 90 points in Main" in page.locator("#row-problem-2").inner_text()
    assert "--You have looted a Cloak of Flames.--" in page.get_by_label("Loot log lines").input_value()
    assert not LootDistribution.objects.exists()
    page.get_by_label("Price, row 2").fill("20")
    page.get_by_role("button", name="Award all").click()
    page.wait_for_selector("text=Awarded 2 items")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert balance(guild.officer, guild) == 88
    assert balance(guild.good_member, guild) == 70


def _session_cookie(user: User, url: str) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}
