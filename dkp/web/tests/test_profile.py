"""The member profile: balance and attendance charts from a known ledger, paginated history, bounded queries."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from dkp.core.time import guild_zone
from dkp.loot.services import award_loot, item_named
from dkp.points.models import DkpPool
from dkp.points.selectors import balance_over_time
from dkp.points.services import adjust_points
from dkp.raids.models import RaidAttendance
from dkp.raids.selectors_profile import MonthAttendance, attendance_by_month
from dkp.raids.services import Attendee, record_tick
from dkp.testing.personas import TICK_VALUE, Guild, GuildSnapshot, make_character, restore_guild

NOW = dt.datetime(2025, 3, 20, 16, 0, tzinfo=dt.UTC)
# build_guild puts ticks every two days from 28 days ago: Feb 20, 22, 24, 26, 28, Mar 2, 4, 6, 8, 10.
# Gwen was at all but the first; Pip only at the first.
GWEN_TICK_DAYS = [dt.date(2025, 2, d) for d in (22, 24, 26, 28)] + [dt.date(2025, 3, d) for d in (2, 4, 6, 8, 10)]


@pytest.fixture
def march_guild(db: None, guild_snapshot: GuildSnapshot):
    with time_machine.travel(NOW, tick=False):
        yield restore_guild(guild_snapshot)  # build_guild() on Mar 20, from the worker's snapshot


def _chart(page, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page.text, re.S)
    assert match, f"no {element_id} on the page"
    return json.loads(match.group(1))


def _spend_and_adjust(guild: Guild) -> None:
    """On Mar 20: Gwen wins an item for 30 and gets a +5 adjustment, both in the main pool."""
    award_loot(
        item=item_named("Shiny Brass Idol"),
        pool=guild.pool,
        winner=guild.good_member,
        character_name="Gwendolyn",
        price=30,
        actor=guild.officer,
    )
    adjust_points(user=guild.good_member, pool=guild.pool, amount=5, reason="kept the raid fed", actor=guild.officer)


def test_balance_over_time_is_the_running_balance_at_the_end_of_each_day(march_guild):
    guild = march_guild
    _spend_and_adjust(guild)
    expected = [(day, TICK_VALUE * (i + 1)) for i, day in enumerate(GWEN_TICK_DAYS)]
    expected.append((dt.date(2025, 3, 20), 9 * TICK_VALUE - 30 + 5))  # two entries on one day: one point
    assert balance_over_time(user_id=guild.good_member.pk, pool=guild.pool) == expected


def test_balance_over_time_is_per_pool(march_guild):
    guild = march_guild
    legacy = DkpPool.objects.create(name="Legacy")
    adjust_points(user=guild.good_member, pool=legacy, amount=7, reason="old points", actor=guild.officer)
    assert balance_over_time(user_id=guild.good_member.pk, pool=legacy) == [(dt.date(2025, 3, 20), 7)]
    assert len(balance_over_time(user_id=guild.good_member.pk, pool=guild.pool)) == 9
    assert balance_over_time(user_id=guild.applicant.pk, pool=guild.pool) == []


def test_attendance_by_month_counts_ticks_attended_against_ticks_held(march_guild):
    guild = march_guild
    feb, mar = dt.date(2025, 2, 1), dt.date(2025, 3, 1)
    assert attendance_by_month(user_id=guild.good_member.pk) == [MonthAttendance(feb, 4, 5), MonthAttendance(mar, 5, 5)]
    # Pip stopped coming after the first tick: March still counts the ticks he missed.
    assert attendance_by_month(user_id=guild.poor_member.pk) == [MonthAttendance(feb, 1, 5), MonthAttendance(mar, 0, 5)]
    assert attendance_by_month(user_id=guild.applicant.pk) == []


def test_attendance_by_month_counts_two_characters_at_one_tick_once(march_guild):
    guild = march_guild
    make_character("Gwenbox", guild.good_member, "Cleric")
    with time_machine.travel(NOW, tick=False):
        record_tick(
            raid=guild.raid,
            occurred_at=NOW - dt.timedelta(days=1),
            attendees=[Attendee("Gwendolyn", "Warrior", 65), Attendee("Gwenbox", "Cleric", 65)],
            actor=None,
        )
    march = attendance_by_month(user_id=guild.good_member.pk)[-1]
    assert (march.attended, march.held, march.percent) == (6, 6, 100)


def test_profile_page_carries_the_chart_data(client, march_guild):
    guild = march_guild
    _spend_and_adjust(guild)
    legacy = DkpPool.objects.create(name="Legacy")
    adjust_points(user=guild.good_member, pool=legacy, amount=7, reason="old points", actor=guild.officer)
    client.force_login(guild.poor_member)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("web:member", args=["gwen"]))
    assert page.status_code == 200

    balance = _chart(page, "balance-chart-data")
    assert balance["labels"] == [d.isoformat() for d in [*GWEN_TICK_DAYS, dt.date(2025, 3, 20)]]
    by_pool = {d["label"]: d["data"] for d in balance["datasets"]}
    assert by_pool["Main"] == [10, 20, 30, 40, 50, 60, 70, 80, 90, 65]
    assert by_pool["Legacy"] == [None] * 9 + [7]  # nothing before its first entry

    attendance = _chart(page, "attendance-chart-data")
    assert attendance == {
        "labels": ["2025-02", "2025-03"],
        "attended": [4, 5],
        "held": [5, 5],
        "percent": [80, 100],
    }
    assert "vendor/chart.umd.min.js" in page.text
    assert "cdn" not in page.text.lower()


def test_profile_history_is_paginated_ticks_loot_and_ledger(client, guild):
    gwen = guild.good_member
    extra_ticks = 30
    for i in range(extra_ticks):
        record_tick(
            raid=guild.raid,
            occurred_at=guild.ticks[-1].occurred_at - dt.timedelta(minutes=i + 1),
            attendees=[Attendee("Gwendolyn", "Warrior", 65)],
            actor=None,
            description=f"extra {i}",
        )
    for i in range(25):
        award_loot(
            item=item_named(f"Trinket {i}"),
            pool=guild.pool,
            winner=gwen,
            character_name="Gwendolyn",
            price=1,
            actor=None,
        )
    client.force_login(gwen)
    first = client.get(reverse("web:member", args=["gwen"]))
    assert len(first.context["ticks"]) == 25
    assert first.context["ticks"].paginator.count == 9 + extra_ticks
    assert len(first.context["loot"]) == 20
    assert len(first.context["entries"]) == 25
    assert "ticks_page=2" in first.text
    assert "loot_page=2" in first.text

    second = client.get(reverse("web:member", args=["gwen"]), {"ticks_page": 2, "loot_page": 2})
    assert len(second.context["ticks"]) == 9 + extra_ticks - 25
    assert len(second.context["loot"]) == 5
    assert second.context["entries"].number == 1  # the other lists keep their own page

    loot_only = client.get(reverse("web:member", args=["gwen"]), {"kind": "loot"})
    assert {e.kind for e in loot_only.context["entries"]} == {"loot"}
    assert loot_only.context["entries"].paginator.count == 25


def test_profile_query_count_does_not_grow_with_history(client, guild, django_assert_max_num_queries):
    gwen = guild.good_member
    legacy = DkpPool.objects.create(name="Legacy")

    def add_history(count: int, start: int) -> None:
        for i in range(start, start + count):
            record_tick(
                raid=guild.raid,
                occurred_at=guild.ticks[0].occurred_at - dt.timedelta(days=7 * i + 40),
                attendees=[Attendee("Gwendolyn", "Warrior", 65)],
                actor=None,
            )
            award_loot(
                item=item_named(f"Relic {i}"),
                pool=guild.pool,
                winner=gwen,
                character_name="Gwendolyn",
                price=1,
                actor=None,
            )
            adjust_points(user=gwen, pool=legacy, amount=1, reason=f"bonus {i}", actor=None)

    add_history(1, 0)
    client.force_login(gwen)
    client.get(reverse("web:member", args=["gwen"]))  # warm the session and the guild settings cache
    cache.clear()  # both counts cold: the charts computed, as after a change
    with django_assert_max_num_queries(22) as small:
        client.get(reverse("web:member", args=["gwen"]))

    add_history(60, 1)  # a weekly raid for over a year, with loot and adjustments
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("web:member", args=["gwen"]))
    assert page.status_code == 200
    assert len(_chart(page, "attendance-chart-data")["labels"]) >= 12
    assert len(_chart(page, "balance-chart-data")["datasets"]) == 2


def _gwen_page(client, guild):
    client.force_login(guild.good_member)
    return client.get(reverse("web:member", args=["gwen"]))


def test_the_cached_charts_change_with_the_next_ledger_write_and_the_next_tick(client, guild):
    """The charts are cached by what they are made of: a ledger entry or a tick shows on the next view."""
    first = _gwen_page(client, guild)
    balances = _chart(first, "balance-chart-data")
    assert _chart(_gwen_page(client, guild), "balance-chart-data") == balances  # the cached series, the same

    adjust_points(user=guild.good_member, pool=guild.pool, amount=7, reason="spot check", actor=guild.officer)
    after_write = _chart(_gwen_page(client, guild), "balance-chart-data")
    main_before = next(d for d in balances["datasets"] if d["label"] == guild.pool.name)["data"][-1]
    main_after = next(d for d in after_write["datasets"] if d["label"] == guild.pool.name)["data"][-1]
    assert main_after == main_before + 7

    held_before = sum(_chart(_gwen_page(client, guild), "attendance-chart-data")["held"])
    record_tick(
        raid=guild.raid,
        occurred_at=guild.ticks[-1].occurred_at + dt.timedelta(minutes=30),
        attendees=[Attendee("Pipperel", "Rogue", 60)],  # Pip's tick, not Gwen's: her "held" grows
        actor=None,
    )
    assert sum(_chart(_gwen_page(client, guild), "attendance-chart-data")["held"]) == held_before + 1


def test_ticks_attended_are_listed_newest_tick_first_across_pages(client, guild):
    """The page walks the ticks by time, not by id: a tick recorded later for an earlier time sorts by its time."""
    gwen = guild.good_member
    earliest = min(tick.occurred_at for tick in guild.ticks)
    for days in range(1, 51):  # recorded after the raid's ticks, held before them
        record_tick(
            raid=guild.raid,
            occurred_at=earliest - dt.timedelta(days=days),
            attendees=[Attendee("Gwendolyn", "Warrior", 65)],
            actor=None,
        )
    client.force_login(gwen)
    shown = []
    for page in (1, 2):
        body = client.get(reverse("web:member", args=["gwen"]), {"ticks_page": page}).content.decode()
        section = body.split('id="ticks"')[1].split("</table>")[0]
        shown += re.findall(r"<tr><td>(\d{4}-\d\d-\d\d \d\d:\d\d)</td>", section)
    expected = sorted(
        (row.tick.occurred_at for row in RaidAttendance.objects.filter(user=gwen).select_related("tick")),
        reverse=True,
    )
    assert len(shown) == min(len(expected), 50) == 50
    assert shown == [at.astimezone(guild_zone()).strftime("%Y-%m-%d %H:%M") for at in expected[:50]]
