"""Editing and deleting ticks: every change of credit goes through the ledger, nothing leaves it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dkp.core.errors import Conflict, Forbidden, InvalidInput
from dkp.points.models import EntryKind, PointEntry, UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.raids import ingest
from dkp.raids.models import RaidAttendance, RaidTick
from dkp.raids.services import Attendee, create_raid, delete_tick, edit_tick, record_tick
from dkp.raids.tests.samples import FIRST, sample
from dkp.testing.personas import TICK_VALUE, Guild, make_character

# These tests are about other rules; the dump-from-another-day rule has its own (test_other_day.py).
pytestmark = pytest.mark.usefixtures("any_day")


def balance(user, guild: Guild) -> int:
    return UserPointsSummary.objects.get(user=user, pool=guild.pool).balance


def test_a_new_value_reverses_and_credits_again(guild: Guild) -> None:
    tick = guild.ticks[-1]
    gwen, olwen = balance(guild.good_member, guild), balance(guild.officer, guild)
    edit_tick(tick=tick, actor=guild.officer, value=TICK_VALUE + 5)
    assert balance(guild.good_member, guild) == gwen + 5
    assert balance(guild.officer, guild) == olwen + 5
    entries = PointEntry.objects.filter(tick=tick, user=guild.good_member).order_by("pk")
    assert [(e.kind, e.amount) for e in entries] == [
        (EntryKind.ATTENDANCE, TICK_VALUE),
        (EntryKind.REVERSAL, -TICK_VALUE),
        (EntryKind.ATTENDANCE, TICK_VALUE + 5),
    ]
    assert not list(summary_differences())


def test_a_new_time_moves_the_credit_to_that_time(guild: Guild) -> None:
    tick = guild.ticks[-1]
    at = tick.occurred_at - dt.timedelta(hours=2)
    edit_tick(tick=tick, actor=guild.officer, occurred_at=at, description="moved")
    live = PointEntry.objects.get(tick=tick, user=guild.good_member, kind=EntryKind.ATTENDANCE, reversed_by=None)
    assert live.occurred_at == at
    tick.refresh_from_db()
    assert (tick.occurred_at, tick.description) == (at, "moved")


def test_only_the_description_changes_no_credit(guild: Guild) -> None:
    tick = guild.ticks[-1]
    before = PointEntry.objects.count()
    edit_tick(tick=tick, actor=guild.officer, description="Aten Ha Ra kill")
    assert PointEntry.objects.count() == before


def test_removing_a_character_reverses_the_owners_credit(guild: Guild) -> None:
    tick = guild.ticks[-1]
    gwen = balance(guild.good_member, guild)
    edit_tick(tick=tick, actor=guild.officer, remove_names=["gwendolyn"])
    assert balance(guild.good_member, guild) == gwen - TICK_VALUE
    assert not RaidAttendance.objects.filter(tick=tick, character_name="Gwendolyn").exists()
    assert PointEntry.objects.filter(tick=tick, user=guild.good_member).count() == 2  # credit and its reversal


def test_removing_one_of_two_characters_of_a_user_keeps_the_credit(guild: Guild) -> None:
    tick = guild.ticks[-1]
    make_character("Gwenalt", owner=guild.good_member)
    edit_tick(tick=tick, actor=guild.officer, add_names=["Gwenalt"])
    gwen = balance(guild.good_member, guild)  # the second character added no second credit
    assert PointEntry.objects.filter(tick=tick, user=guild.good_member, reversed_by=None).count() == 1
    edit_tick(tick=tick, actor=guild.officer, remove_names=["Gwendolyn"])
    assert balance(guild.good_member, guild) == gwen
    live = PointEntry.objects.get(tick=tick, user=guild.good_member, kind=EntryKind.ATTENDANCE, reversed_by=None)
    assert live.character_name == "Gwenalt"


def test_adding_a_character_credits_its_owner(guild: Guild) -> None:
    tick = guild.ticks[-1]
    pip = balance(guild.poor_member, guild)
    edit_tick(tick=tick, actor=guild.officer, add_names=["Pipperel"])
    assert balance(guild.poor_member, guild) == pip + TICK_VALUE


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"add_names": ["Nobodyhere"]}, "No character named"),
        ({"add_names": ["Gwendolyn"]}, "Already at this tick"),
        ({"remove_names": ["Pipperel"]}, "Not at this tick"),
        ({"value": 0}, "from 1 to 100,000"),
        ({"occurred_at": timezone.now() + dt.timedelta(days=1)}, "future"),
        ({"remove_names": ["Gwendolyn", "Olwenna", "Rheanor", "Devraxx"]}, "delete the tick"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(guild: Guild, change: dict, message: str) -> None:
    tick = guild.ticks[-1]
    before = (PointEntry.objects.count(), RaidAttendance.objects.filter(tick=tick).count(), tick.value)
    with pytest.raises(InvalidInput, match=message):
        edit_tick(tick=tick, actor=guild.officer, **change)
    tick.refresh_from_db()
    assert (PointEntry.objects.count(), RaidAttendance.objects.filter(tick=tick).count(), tick.value) == before


def test_a_member_may_not_edit_or_delete_a_tick(guild: Guild) -> None:
    with pytest.raises(Forbidden):
        edit_tick(tick=guild.ticks[-1], actor=guild.good_member, value=99)
    with pytest.raises(Forbidden):
        delete_tick(tick=guild.ticks[-1], actor=guild.good_member)


def test_deleting_a_tick_reverses_every_credit_and_keeps_the_ledger(guild: Guild) -> None:
    tick = guild.ticks[-1]
    gwen, olwen = balance(guild.good_member, guild), balance(guild.officer, guild)
    credits = PointEntry.objects.filter(tick=tick).count()
    delete_tick(tick=tick, actor=guild.officer, reason="wrong raid")
    assert balance(guild.good_member, guild) == gwen - TICK_VALUE
    assert balance(guild.officer, guild) == olwen - TICK_VALUE
    assert PointEntry.objects.filter(tick=tick).count() == 2 * credits
    assert set(PointEntry.objects.filter(tick=tick, kind=EntryKind.REVERSAL).values_list("memo", flat=True)) == {
        "wrong raid"
    }
    assert RaidTick.objects.filter(pk=tick.pk).exists()  # the ledger points at it
    assert not RaidAttendance.objects.filter(tick=tick).exists()
    assert not list(summary_differences())
    with pytest.raises(Conflict):
        delete_tick(tick=tick, actor=guild.officer)


def test_a_tick_that_credited_nobody_is_deleted_outright(guild: Guild) -> None:
    raid = create_raid(event=guild.event, starts_at=timezone.now(), actor=guild.officer)
    tick = record_tick(
        raid=raid,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        attendees=[Attendee("Strangerone", "Bard", 60)],
        actor=guild.officer,
    )
    delete_tick(tick=tick, actor=guild.officer)
    assert not RaidTick.objects.filter(pk=tick.pk).exists()


def test_a_deleted_ticks_dump_can_be_taken_again(guild: Guild) -> None:
    make_character("Zelroso", owner=guild.good_member, eq_class="Ranger")
    tick = ingest.confirm_tick(raid=guild.raid, actor=guild.officer, files=[sample(FIRST)])
    gwen = balance(guild.good_member, guild)
    delete_tick(tick=tick, actor=guild.officer)
    assert balance(guild.good_member, guild) == gwen - tick.value
    again = ingest.confirm_tick(raid=guild.raid, actor=guild.officer, files=[sample(FIRST)])
    assert again.pk != tick.pk
    assert balance(guild.good_member, guild) == gwen
