"""The loot list's filters, and an item's page: its prices per pool, the chart's data, who won it."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dkp.core.models import GuildSettings
from dkp.core.time import guild_zone
from dkp.loot.models import Item
from dkp.loot.services import award_loot, item_named, open_auction, reverse_distribution
from dkp.points.models import DkpPool
from dkp.points.services import adjust_points
from dkp.testing.personas import Guild
from dkp.web.loot import LOOT_PER_PAGE

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def days_ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def guild_day(days: int) -> str:
    """The date, in the guild's time zone, of ``days`` days ago, as a date box sends it."""
    return days_ago(days).astimezone(guild_zone()).date().isoformat()


def award(guild: Guild, item: str | Item, *, who: str = "gwen", price: int = 1, days: int = 1, pool=None):
    winner = guild.good_member if who == "gwen" else guild.poor_member
    return award_loot(
        item=item if isinstance(item, Item) else item_named(item),
        pool=pool or guild.pool,
        winner=winner,
        character_name="Gwendolyn" if who == "gwen" else "Pipperel",
        price=price,
        actor=guild.officer,
        awarded_at=days_ago(days),
    )


def part(pattern: str, text: str) -> str:
    """The first group of ``pattern`` in ``text``; the test fails when the page has no such part."""
    found = re.search(pattern, text, re.S)
    assert found is not None, f"no {pattern!r} on the page"
    return found.group(1)


def listed_items(page) -> list[str]:
    """The item names of the loot table's rows, top to bottom."""
    body = part(r"<tbody>(.*?)</tbody>", page.content.decode())
    return re.findall(r'<a class="item" href="/items/\d+/">([^<]+)</a>', body)


@pytest.fixture
def loot(guild: Guild) -> Guild:
    """Four awards: two to Gwen, one to Pip in Main, one to Gwen in a second pool, on four days."""
    legacy = DkpPool.objects.create(name="Legacy")
    adjust_points(user=guild.good_member, pool=legacy, amount=100, reason="carried over", actor=guild.officer)
    award(guild, "Cloak of Flames", days=20)
    award(guild, "Ring of the Ancients", who="pip", days=10)
    award(guild, "Flowing Black Silk Sash", days=5)
    award(guild, "Shiny Brass Idol", days=2, pool=legacy)
    return guild


def test_the_loot_list_shows_every_award_newest_first_with_links(client, loot):
    client.force_login(loot.good_member)
    page = client.get(reverse("web:loot"))
    assert page.status_code == 200
    assert listed_items(page) == [
        "Shiny Brass Idol",
        "Flowing Black Silk Sash",
        "Ring of the Ancients",
        "Cloak of Flames",
    ]
    assert '<a class="character" href="/characters/Pipperel/">Pipperel</a>' in page.text
    assert '<a class="member" href="/members/pip/">Pip</a>' in page.text


def test_filter_by_part_of_the_item_name_ignoring_case(client, loot):
    client.force_login(loot.good_member)
    page = client.get(reverse("web:loot"), {"item": "of THE"})
    assert listed_items(page) == ["Ring of the Ancients"]
    assert "1 award matches these filters." in page.text


def test_filter_by_member_name_username_or_character(client, loot):
    client.force_login(loot.good_member)
    assert listed_items(client.get(reverse("web:loot"), {"member": "pip"})) == ["Ring of the Ancients"]
    assert listed_items(client.get(reverse("web:loot"), {"member": "Pipper"})) == ["Ring of the Ancients"]
    assert len(listed_items(client.get(reverse("web:loot"), {"member": "gwen"}))) == 3


def test_filter_by_pool(client, loot):
    legacy = DkpPool.objects.get(name="Legacy")
    client.force_login(loot.good_member)
    page = client.get(reverse("web:loot"), {"pool": str(legacy.pk)})
    assert listed_items(page) == ["Shiny Brass Idol"]
    assert f'<option value="{legacy.pk}" selected>Legacy</option>' in page.text


def test_filter_by_dates_counts_whole_days_in_the_guild_time_zone(client, loot):
    client.force_login(loot.good_member)
    since = guild_day(10)
    until = guild_day(5)
    page = client.get(reverse("web:loot"), {"from": since, "to": until})
    assert listed_items(page) == ["Flowing Black Silk Sash", "Ring of the Ancients"]
    assert listed_items(client.get(reverse("web:loot"), {"from": since})) == [
        "Shiny Brass Idol",
        "Flowing Black Silk Sash",
        "Ring of the Ancients",
    ]
    assert listed_items(client.get(reverse("web:loot"), {"to": until})) == [
        "Flowing Black Silk Sash",
        "Ring of the Ancients",
        "Cloak of Flames",
    ]


def test_filters_combine(client, loot):
    client.force_login(loot.good_member)
    page = client.get(
        reverse("web:loot"),
        {"member": "gwen", "pool": str(loot.pool.pk), "from": guild_day(30), "item": "s"},
    )
    assert listed_items(page) == ["Flowing Black Silk Sash", "Cloak of Flames"]
    page = client.get(reverse("web:loot"), {"member": "pip", "item": "cloak"})
    assert listed_items(page) == []
    assert "No loot matches these filters." in page.text


def test_filters_are_kept_on_every_page(client, guild):
    for index in range(LOOT_PER_PAGE + 5):
        award(guild, f"Bone Chip {index:02d}", days=1)
    award(guild, "Not a chip", days=1)
    client.force_login(guild.good_member)
    first = client.get(reverse("web:loot"), {"item": "bone", "member": "gwen"})
    assert len(listed_items(first)) == LOOT_PER_PAGE
    assert "?item=bone&amp;member=gwen&amp;page=2" in first.text
    second = client.get(reverse("web:loot"), {"item": "bone", "member": "gwen", "page": "2"})
    assert len(listed_items(second)) == 5
    assert all(name.startswith("Bone Chip") for name in listed_items(second))
    assert "?item=bone&amp;member=gwen&amp;page=1" in second.text
    assert 'name="item" value="bone"' in second.text


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ({"from": "12/01/2026"}, "'12/01/2026' is not a date for “from”: write it as YYYY-MM-DD, such as 2026-12-01."),
        ({"to": "2026-02-30"}, "'2026-02-30' is not a date for “to”"),
        ({"to": "20261201"}, "'20261201' is not a date for “to”"),
        ({"from": "0001-01-01"}, "The “from” date must be from 1999-01-01 to 2999-12-31."),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "The “from” date (2026-12-02) is after the “to” date"),
        ({"pool": "999999"}, "There is no pool #999999; pick one from the list."),
        ({"pool": "main"}, "The pool must be a whole number"),
        ({"pool": "+5"}, "The pool must be a whole number"),
        ({"pool": "²"}, "The pool must be a whole number"),
        ({"pool": "2.5"}, "The pool must be a whole number"),
        ({"pool": "9" * 25}, "The pool must be from 1 to"),
        ({"item": "x" * 121}, "The item filter can be at most 120 characters long"),
        ({"member": "a\x00"}, "The member filter can only hold printable characters."),
    ],
)
def test_a_bad_filter_is_a_400_that_says_what_is_wrong(client, loot, query, sentence):
    client.force_login(loot.good_member)
    page = client.get(reverse("web:loot"), query)
    assert page.status_code == 400
    assert sentence in page.content.decode().replace("&#x27;", "'")
    assert "Clear filters" in page.text


def test_visitors_may_not_see_a_private_guilds_loot(client, loot):
    assert client.get(reverse("web:loot")).status_code == 403
    assert client.get(reverse("web:item", args=[Item.objects.first().pk])).status_code == 403


# --- the item page ---------------------------------------------------------------------------------


def stats_rows(page) -> list[list[str]]:
    table = part(r'<table class="item-prices">.*?<tbody>(.*?)</tbody>', page.content.decode())
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def test_an_item_page_shows_last_average_lowest_and_highest_price_per_pool(client, guild):
    legacy = DkpPool.objects.create(name="Legacy")
    adjust_points(user=guild.good_member, pool=legacy, amount=100, reason="carried over", actor=guild.officer)
    adjust_points(user=guild.good_member, pool=guild.pool, amount=100, reason="bonus", actor=guild.officer)
    item = item_named("Cloak of Flames")
    award(guild, item, price=10, days=12)
    award(guild, item, price=30, days=9)
    award(guild, item, price=20, days=3)
    refunded = award(guild, item, price=60, days=1)
    reverse_distribution(distribution=refunded, actor=guild.officer, reason="wrong winner")
    award(guild, item, price=8, days=7, pool=legacy)
    award(guild, item, price=5, days=4, pool=legacy)

    client.force_login(guild.poor_member)
    page = client.get(reverse("web:item", args=[item.pk]))
    assert page.status_code == 200
    # pool, awarded, last, average, lowest, highest; the refunded 60 counts nowhere
    assert stats_rows(page) == [["Legacy", "2", "5", "6.5", "5", "8"], ["Main", "3", "20", "20", "10", "30"]]
    chart = json.loads(part(r'id="price-chart-data"[^>]*>(.*?)</script>', page.text))
    assert chart["labels"] == [guild_day(days) for days in (12, 9, 7, 4, 3)]
    assert chart["datasets"] == [
        {"label": "Legacy", "data": [None, None, 8, 5, None]},
        {"label": "Main", "data": [10, 30, None, None, 20]},
    ]
    assert "vendor/chart.umd.min.js" in page.text
    assert "web/item_chart.js" in page.text


def test_an_item_page_lists_who_won_it_when_with_links_and_reversals(client, guild):
    item = item_named("Ring of the Ancients")
    award(guild, item, price=7, days=3)
    award_loot(
        item=item,
        pool=guild.pool,
        winner=guild.poor_member,
        character_name="Pipperel",
        price=4,
        actor=guild.officer,
        raid=guild.raid,
        awarded_at=days_ago(1),
    )
    reverse_distribution(distribution=item.distributions.get(price=7), actor=guild.officer, reason="oops")
    client.force_login(guild.good_member)
    page = client.get(reverse("web:item", args=[item.pk]))
    html = page.content.decode()
    winners = part(r'id="item-winners".*?<tbody>(.*?)</tbody>', html)
    rows = re.findall(r"<tr>(.*?)</tr>", winners, re.S)
    assert len(rows) == 2
    assert '<a class="character" href="/characters/Pipperel/">Pipperel</a>' in rows[0]
    assert '<a class="member" href="/members/pip/">Pip</a>' in rows[0]
    assert f'href="{reverse("web:raid", args=[guild.raid.pk])}">Vex Thal' in rows[0]
    assert '<a class="character" href="/characters/Gwendolyn/">Gwendolyn</a>' in rows[1]
    assert "reversed" in rows[1]
    assert "direct award" in rows[1]


def test_an_item_page_shows_its_open_auctions_and_its_database_link(client, guild):
    GuildSettings.objects.update_or_create(pk=1, defaults={"item_link_template": "https://items.example/?q={name}"})
    auction = open_auction(item="Globe of Discordant Energy", pool=guild.pool, actor=guild.officer)
    client.force_login(guild.good_member)
    page = client.get(reverse("web:item", args=[auction.item_id]))
    assert f'href="{reverse("loot:detail", args=[auction.pk])}">Main' in page.text
    assert 'href="https://items.example/?q=Globe%20of%20Discordant%20Energy"' in page.text
    assert "No price yet: it has not been awarded." in page.text
    assert "Never dropped." in page.text
    assert "price-chart" not in page.text
