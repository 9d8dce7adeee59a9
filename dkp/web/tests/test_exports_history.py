"""The raids and loot download in the spreadsheet importer's format, and come back through it unchanged.

The round trip is the point: an officer downloads /raids.csv and /loot.csv, renames them ticks.csv
and loot.csv (or not: raids.csv is read as ticks.csv) and ``read_spreadsheet`` finds the same
ticks, the same people at each, and the same prices as the database holds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dkp.accounts.models import User
from dkp.core.models import GuildSettings
from dkp.core.roles import RoleGroup
from dkp.core.time import guild_zone
from dkp.demo.guild import load_demo
from dkp.loot.models import LootDistribution
from dkp.loot.services import award_loot, item_named
from dkp.loot.services.awards import reverse_distribution
from dkp.points.models import DkpPool, UserPointsSummary
from dkp.raids.models import Event, Raid, RaidTick
from dkp.raids.services import Attendee, create_raid, record_tick
from dkp.sources.spreadsheet import read_spreadsheet
from dkp.testing.personas import Guild

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content)


def to_second(moment: dt.datetime) -> dt.datetime:
    """A time as a download writes it: to the second, which is as exact as a raid's clock is."""
    return moment.replace(microsecond=0)


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


@pytest.fixture
def history(guild: Guild) -> Guild:
    """The personas' guild and a second pool's raid of two ticks, with loot in both pools, one award reversed."""
    GuildSettings.objects.filter(pk=1).update(time_zone="America/New_York")
    time_raids = DkpPool.objects.create(name="Time Raids")
    tower = Event.objects.create(pool=time_raids, name="Tower of Rot", default_tick_value=3)
    night = create_raid(event=tower, starts_at=timezone.now() - dt.timedelta(days=3), actor=None)
    gwen, pip = guild.good_member.main_character, guild.poor_member.main_character
    assert gwen is not None
    assert pip is not None
    for hours, present in ((0, [gwen, pip]), (1, [gwen])):
        record_tick(
            raid=night,
            occurred_at=night.starts_at + dt.timedelta(hours=hours, seconds=17),
            attendees=[Attendee(character.name, character.eq_class, character.level) for character in present],
            actor=None,
            description="" if hours else "first pull",
        )
    award_loot(
        item=item_named("Crown of Rile", eq_item_id=2213),
        pool=guild.pool,
        winner=guild.good_member,
        character_name=gwen.name,
        price=20,
        actor=guild.officer,
        raid=guild.raid,
    )
    award_loot(
        item=item_named("Rotting Shroud"),
        pool=time_raids,
        winner=guild.poor_member,
        character_name=pip.name,
        price=2,
        actor=guild.officer,
        raid=night,
    )
    mistake = award_loot(
        item=item_named("Wrong Sword"),
        pool=guild.pool,
        winner=guild.good_member,
        character_name=gwen.name,
        price=5,
        actor=guild.officer,
    )
    reverse_distribution(distribution=mistake, actor=guild.officer, reason="given to the wrong member")
    return guild


def test_the_raids_csv_has_one_row_per_character_at_each_tick(history: Guild) -> None:
    data = rows(body(signed_in(history.officer).get(reverse("web:raids_csv"))))
    assert list(data[0]) == ["Raid", "Date", "Tick", "Value", "Character", "Pool", "Event"]
    held = RaidTick.objects.held()
    assert len(data) == sum(tick.attendance.count() for tick in held) == 4 * 10 + 3
    # The newest raid comes first, its ticks in time order; a tick shows its description and number.
    tower = [row for row in data if row["Event"] == "Tower of Rot"]
    assert data[: len(tower)] == tower
    first = RaidTick.objects.get(description="first pull")
    assert [(row["Tick"], row["Character"], row["Value"], row["Pool"]) for row in tower[:2]] == [
        (f"first pull #{first.pk}", "Gwendolyn", "3", "Time Raids"),
        (f"first pull #{first.pk}", "Pipperel", "3", "Time Raids"),
    ]
    # The time is the guild's, to the second, with its offset, so it reads back exactly.
    local = timezone.localtime(first.occurred_at, guild_zone())
    assert tower[0]["Date"] == local.isoformat(sep=" ", timespec="seconds")
    assert tower[0]["Date"].endswith(("-05:00", "-04:00"))
    assert tower[0]["Raid"] == f"Tower of Rot {local:%Y-%m-%d} #{first.raid_id}"


def test_the_loot_csv_lists_every_award_that_stands_with_its_raid(history: Guild) -> None:
    data = rows(body(signed_in(history.officer).get(reverse("web:loot_csv"))))
    assert list(data[0]) == ["Date", "Character", "Item", "Price", "Pool", "Raid", "Item ID"]
    # The reversed award gave its points back and is not loot any more.
    assert [(row["Character"], row["Item"], row["Price"], row["Pool"], row["Item ID"]) for row in data] == [
        ("Pipperel", "Rotting Shroud", "2", "Time Raids", ""),
        ("Gwendolyn", "Crown of Rile", "20", "Main", "2213"),
    ]
    assert data[1]["Raid"].startswith("Vex Thal ")
    assert data[1]["Raid"].endswith(f"#{history.raid.pk}")


def test_raids_and_loot_read_back_by_the_spreadsheet_reader_are_the_databases(history: Guild) -> None:
    client = signed_in(history.officer)
    files = {
        "raids.csv": body(client.get(reverse("web:raids_csv"))),
        "loot.csv": body(client.get(reverse("web:loot_csv"))),
    }
    back = read_spreadsheet(files, zone=guild_zone(), label="download")

    # Only the files a download does not give are missing: nothing in the rows was refused.
    assert {problem.code for problem in back.problems} == {"missing_file"}
    held = RaidTick.objects.held().select_related("raid__event__pool")
    assert sorted((to_second(tick.occurred_at), tick.value, tick.attendance.count()) for tick in held) == sorted(
        (tick.occurred_at, tick.value, len(tick.attendee_keys)) for tick in back.ticks
    )
    assert back.counts()["raids"] == 2
    assert {pool.name for pool in back.pools} == {"Main", "Time Raids"}
    assert {(event.name, event.pool_key) for event in back.events} == {
        ("Vex Thal", "main"),
        ("Tower of Rot", "time raids"),
    }
    names = {character.key: character.name for character in back.characters}
    standing = LootDistribution.objects.filter(is_reversed=False)
    assert Counter(
        (award.character_name, award.item.name, award.price, to_second(award.awarded_at)) for award in standing
    ) == Counter((names[item.character_key], item.item_name, item.price, item.occurred_at) for item in back.loot)
    # Each member's balance from the files is what they earned less what they spent, pool by pool.
    checked = 0
    for summary in UserPointsSummary.objects.select_related("user__main_character", "pool"):
        main = summary.user.main_character
        if main is None:
            continue
        checked += 1
        from_files = back.balances.get((main.name.casefold(), summary.pool.name.casefold()), Decimal(0))
        assert from_files == summary.earned - summary.spent, (names[main.name.casefold()], summary.pool.name)
    assert checked == 7  # five mains in Main, Gwen and Pip in Time Raids


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_text_there_and_itself_again_when_read_back(
    history: Guild,
) -> None:
    Event.objects.filter(name="Tower of Rot").update(name="=Tower")
    client = signed_in(history.officer)
    data = body(client.get(reverse("web:raids_csv")))
    assert {row["Event"] for row in rows(data)} == {"'=Tower", "Vex Thal"}
    back = read_spreadsheet({"ticks.csv": data}, zone=guild_zone(), label="download")
    assert {event.name for event in back.events} == {"=Tower", "Vex Thal"}


def test_only_officers_may_download_the_whole_history(history: Guild) -> None:
    GuildSettings.objects.filter(pk=1).update(standings_public=True)
    for address in (reverse("web:raids_csv"), reverse("web:loot_csv")):
        refused = Client().get(address)
        assert refused.status_code == 302
        assert refused["Location"] == f"{reverse('web:login')}?next={address}"
        for person in (history.good_member, history.recruiter, history.developer, history.guest):
            assert signed_in(person).get(address).status_code == 403
        assert signed_in(history.officer).get(address).status_code == 200


def test_the_raids_and_loot_pages_offer_the_download_to_officers_only(history: Guild) -> None:
    for page, download in (("web:raids", "web:raids_csv"), ("web:loot", "web:loot_csv")):
        assert reverse(download) in signed_in(history.officer).get(reverse(page)).content.decode()
        assert reverse(download) not in signed_in(history.good_member).get(reverse(page)).content.decode()


def test_a_download_is_named_after_the_guild_and_the_day(history: Guild) -> None:
    GuildSettings.objects.filter(pk=1).update(guild_name="Ashen Vanguard")
    client = signed_in(history.officer)
    today = timezone.localdate().isoformat()
    assert (
        client.get(reverse("web:raids_csv"))["Content-Disposition"]
        == f'attachment; filename="ashen-vanguard-raids-{today}.csv"'
    )
    assert (
        client.get(reverse("web:loot_csv"))["Content-Disposition"]
        == f'attachment; filename="ashen-vanguard-loot-{today}.csv"'
    )


def test_the_demo_guilds_raids_and_loot_read_back_unchanged(db: None) -> None:
    """Three months of raids in several pools, loot with and without a raid, reversals and odd names."""
    load_demo()
    officer = User.objects.filter(role_group=RoleGroup.OFFICER).first()
    assert officer is not None
    client = signed_in(officer)
    raids, loot = body(client.get(reverse("web:raids_csv"))), body(client.get(reverse("web:loot_csv")))
    back = read_spreadsheet({"raids.csv": raids, "loot.csv": loot}, zone=guild_zone(), label="demo")

    assert {problem.code for problem in back.problems} == {"missing_file"}
    held = RaidTick.objects.held()
    assert len(back.ticks) == held.count() > 20
    assert sorted((to_second(tick.occurred_at), tick.value, tick.attendance.count()) for tick in held) == sorted(
        (tick.occurred_at, tick.value, len(tick.attendee_keys)) for tick in back.ticks
    )
    assert back.counts()["raids"] == Raid.objects.filter(ticks__in=held).distinct().count()
    standing = LootDistribution.objects.filter(is_reversed=False)
    assert sorted(standing.values_list("price", flat=True)) == sorted(item.price for item in back.loot)
    assert len(back.loot) == standing.count() > 0
