"""The raid list's figures per night, and a raid night's page: dated ticks and linked names."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from dkp.loot.services import award_loot, item_named, reverse_distribution
from dkp.raids.models import Raid
from dkp.raids.services import Attendee, create_raid, delete_tick, record_tick
from dkp.testing.personas import Guild, make_character

# 20:03 and 21:04 on Thu Nov 12, 2026 in New York (the guild's zone), after a 19:30 start.
STARTS = dt.datetime(2026, 11, 13, 0, 30, tzinfo=dt.UTC)
FIRST_TICK = dt.datetime(2026, 11, 13, 1, 3, tzinfo=dt.UTC)
SECOND_TICK = dt.datetime(2026, 11, 13, 2, 4, tzinfo=dt.UTC)


def _night(guild: Guild) -> Raid:
    """Two ticks (5 and 3 points): Gwen with two of her characters, Pip at the first only, a newcomer
    nobody has claimed at both; two items awarded, one of them reversed."""
    make_character("Gwenalt", owner=guild.good_member, eq_class="Cleric")
    raid = create_raid(event=guild.event, starts_at=STARTS, note="Vex Thal key night", actor=guild.officer)
    everyone = [
        Attendee("Gwendolyn", "Warrior", 65),
        Attendee("Gwenalt", "Cleric", 65),
        Attendee("Pipperel", "Rogue", 65),
        Attendee("Newcomer", "Wizard", 60),
    ]
    record_tick(
        raid=raid, occurred_at=FIRST_TICK, attendees=everyone, actor=guild.officer, value=5, description="on time"
    )
    record_tick(
        raid=raid,
        occurred_at=SECOND_TICK,
        attendees=[a for a in everyone if a.name != "Pipperel"],
        actor=guild.officer,
        value=3,
        description="hour 1",
    )
    for name, winner, character in (
        ("Cloak of Flames", guild.good_member, "Gwendolyn"),
        ("Mistake", guild.poor_member, "Pipperel"),
    ):
        award = award_loot(
            item=item_named(name),
            pool=guild.pool,
            winner=winner,
            character_name=character,
            price=2,
            actor=guild.officer,
            raid=raid,
        )
    reverse_distribution(distribution=award, actor=guild.officer, reason="wrong person")
    return raid


def _row_of(page, raid: Raid) -> Any:  # a Raid with the list's annotations
    return next(r for r in page.context["raids"] if r.pk == raid.pk)


def test_the_raid_list_shows_members_characters_points_and_loot_of_each_night(client, guild: Guild) -> None:
    raid = _night(guild)
    client.force_login(guild.good_member)
    page = client.get(reverse("web:raids"))
    assert page.status_code == 200
    row = _row_of(page, raid)
    assert row.tick_count == 2
    assert row.member_count == 2  # Gwen once for her two characters, and Pip; the newcomer has no owner yet
    assert row.character_count == 4
    assert row.points_awarded == 5 + 5 + 3  # Gwen 5 + 3, Pip 5; the newcomer's points wait for a claim
    assert row.loot_count == 1  # the reversed award is not loot
    assert '<th class="num"><abbr title="Members credited' in page.text
    cells = "".join(f'<td class="num">{n}</td>' for n in (2, 2, 4, 13, 1))  # ticks, members, characters, points, loot
    assert cells in page.text

    # A deleted tick takes its points and its count with it.
    delete_tick(tick=raid.ticks.get(description="hour 1"), actor=guild.officer, reason="entered twice")
    row = _row_of(client.get(reverse("web:raids")), raid)
    assert (row.tick_count, row.member_count, row.points_awarded) == (1, 2, 10)


def test_the_raid_page_dates_each_tick_in_the_guilds_zone_and_links_every_name(client, guild: Guild) -> None:
    raid = _night(guild)
    client.force_login(guild.good_member)
    page = client.get(reverse("web:raid", args=[raid.pk]))
    assert page.status_code == 200
    text = page.text
    assert "Thu Nov 12, 2026 · 20:03 EST</time> · on time" in text
    assert "Thu Nov 12, 2026 · 21:04 EST</time> · hour 1" in text
    assert "2 ticks · 2 members credited · 4 characters · 13 points awarded · 1 item" in text
    assert '<a class="character" href="/characters/Newcomer/">Newcomer</a>' in text
    assert f'<a class="member" href="/members/{guild.good_member.username}/">{guild.good_member.name}</a>' in text
    assert "unclaimed" in text
    # Loot: the item to its page, the character to its, the member to theirs.
    cloak = item_named("Cloak of Flames")
    item = f'<a class="item" href="/items/{cloak.pk}/">Cloak of Flames</a>'
    assert f'{item} → <a class="character" href="/characters/Gwendolyn/">Gwendolyn</a>' in text
