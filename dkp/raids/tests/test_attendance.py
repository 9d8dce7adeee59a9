"""Attendance percentages: the window edges, per user not per character, per pool and overall."""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from dkp.accounts.models import User
from dkp.characters.models import Character
from dkp.points.models import DkpPool
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.raids.models import Event, MemberAttendanceSummary, Raid, RaidAttendance, RaidTick
from dkp.raids.selectors import attendance_30, attendance_for
from dkp.raids.tasks import refresh_attendance_after_commit
from dkp.testing.personas import Guild, make_character, make_user

NOW = dt.datetime(2025, 6, 1, 20, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def _event(pool_name: str = "Main") -> Event:
    pool, _ = DkpPool.objects.get_or_create(name=pool_name)
    event, _ = Event.objects.get_or_create(pool=pool, name=f"{pool_name} raid")
    return event


def _tick(at: dt.datetime, *present: Character, event: Event | None = None) -> RaidTick:
    """A tick with these characters present, attendance credited to their owners (as recorded)."""
    event = event or _event()
    raid = Raid.objects.create(event=event, starts_at=at)
    tick = RaidTick.objects.create(raid=raid, occurred_at=at, value=1)
    RaidAttendance.objects.bulk_create(
        RaidAttendance(tick=tick, character=c, user=c.owner, character_name=c.name, character_class=c.eq_class)
        for c in present
    )
    return tick


def _raider(username: str) -> tuple[User, Character]:
    user = make_user(username)
    return user, make_character(username.capitalize(), user)


def _summary(user: User, pool: DkpPool | None = None) -> MemberAttendanceSummary:
    return MemberAttendanceSummary.objects.get(user=user, pool=pool)


def _figures(summary: MemberAttendanceSummary, period: str) -> tuple[int, int, Decimal]:
    return (
        getattr(summary, f"attended_{period}"),
        getattr(summary, f"held_{period}"),
        getattr(summary, f"percent_{period}"),
    )


# --- window edges --------------------------------------------------------------------------------


def test_a_tick_exactly_30_days_old_has_left_the_30_day_window() -> None:
    gwen, main = _raider("gwen")
    _tick(NOW - 30 * DAY, main)
    _tick(NOW - 30 * DAY + dt.timedelta(seconds=1), main)

    refresh_attendance_summaries()

    overall = _summary(gwen)
    assert _figures(overall, "30") == (1, 1, Decimal("100.00"))
    assert _figures(overall, "60") == (2, 2, Decimal("100.00"))


def test_a_tick_exactly_now_is_in_every_window_and_a_later_one_in_none() -> None:
    gwen, main = _raider("gwen")
    _tick(NOW, main)
    _tick(NOW + dt.timedelta(seconds=1), main)  # not held yet

    refresh_attendance_summaries()

    overall = _summary(gwen)
    assert _figures(overall, "30") == (1, 1, Decimal("100.00"))
    assert _figures(overall, "lifetime") == (1, 1, Decimal("100.00"))


def test_windows_of_60_and_90_days_have_the_same_edge() -> None:
    gwen, main = _raider("gwen")
    for days in (60, 90):
        _tick(NOW - days * DAY, main)
        _tick(NOW - days * DAY + dt.timedelta(seconds=1), main)

    refresh_attendance_summaries()

    overall = _summary(gwen)
    assert _figures(overall, "60")[:2] == (1, 1)
    assert _figures(overall, "90")[:2] == (3, 3)
    assert _figures(overall, "lifetime")[:2] == (4, 4)


def test_a_newcomer_with_one_raid_is_not_at_100_percent_but_is_over_their_lifetime() -> None:
    _, veteran_main = _raider("olwen")
    newcomer, newcomer_main = _raider("nia")
    _tick(NOW - 20 * DAY, veteran_main)
    _tick(NOW - 10 * DAY, veteran_main)
    _tick(NOW - 1 * DAY, veteran_main, newcomer_main)

    refresh_attendance_summaries()

    overall = _summary(newcomer)
    assert _figures(overall, "30") == (1, 3, Decimal("33.33"))
    assert _figures(overall, "lifetime") == (1, 1, Decimal("100.00"))


def test_lifetime_starts_at_the_first_attended_tick_inside_the_window() -> None:
    _, veteran_main = _raider("olwen")
    joiner, joiner_main = _raider("jo")
    _tick(NOW - 25 * DAY, veteran_main)  # before the joiner's first tick: not in their lifetime
    _tick(NOW - 15 * DAY, veteran_main, joiner_main)
    _tick(NOW - 15 * DAY, veteran_main)  # the same moment as their first tick: held
    _tick(NOW - 5 * DAY, veteran_main)

    refresh_attendance_summaries()

    overall = _summary(joiner)
    assert _figures(overall, "30") == (1, 4, Decimal("25.00"))
    assert _figures(overall, "lifetime") == (1, 3, Decimal("33.33"))


def test_a_member_with_only_old_ticks_has_zero_in_the_windows_and_keeps_a_lifetime() -> None:
    _, veteran_main = _raider("olwen")
    away, away_main = _raider("pip")
    _tick(NOW - 100 * DAY, away_main)
    _tick(NOW - 95 * DAY, veteran_main)
    _tick(NOW - 50 * DAY, veteran_main)

    refresh_attendance_summaries()

    overall = _summary(away)
    assert _figures(overall, "30") == (0, 0, Decimal("0.00"))  # nothing held: 0, not a division error
    assert _figures(overall, "60") == (0, 1, Decimal("0.00"))
    assert _figures(overall, "90") == (0, 1, Decimal("0.00"))
    assert _figures(overall, "lifetime") == (1, 3, Decimal("33.33"))


# --- who counts ----------------------------------------------------------------------------------


def test_two_characters_of_one_user_at_one_tick_count_once() -> None:
    gwen, main = _raider("gwen")
    alt = make_character("Gwenalt", gwen)
    _, other_main = _raider("olwen")
    _tick(NOW - 2 * DAY, main, alt)
    _tick(NOW - 1 * DAY, other_main)

    refresh_attendance_summaries()

    assert _figures(_summary(gwen), "30") == (1, 2, Decimal("50.00"))
    assert _figures(_summary(gwen, _event().pool), "30") == (1, 2, Decimal("50.00"))


def test_unclaimed_characters_count_for_nobody_and_absent_users_get_no_rows() -> None:
    gwen, main = _raider("gwen")
    never_raided = make_user("gus")
    stranger = make_character("Stranger")  # seen in a dump, not claimed
    _tick(NOW - 1 * DAY, main, stranger)

    assert refresh_attendance_summaries() == 2  # gwen: the pool and overall

    assert not MemberAttendanceSummary.objects.filter(user=never_raided).exists()
    assert MemberAttendanceSummary.objects.filter(user=gwen).count() == 2


def test_each_pool_counts_its_own_ticks_and_overall_counts_every_pool() -> None:
    main_raids, legacy_raids = _event("Main"), _event("Legacy")
    gwen, gwen_main = _raider("gwen")
    _, olwen_main = _raider("olwen")
    _tick(NOW - 40 * DAY, olwen_main, event=legacy_raids)  # before gwen's first tick anywhere
    _tick(NOW - 20 * DAY, gwen_main, event=main_raids)
    _tick(NOW - 10 * DAY, gwen_main, event=main_raids)
    _tick(NOW - 5 * DAY, olwen_main, event=legacy_raids)
    _tick(NOW - 4 * DAY, gwen_main, olwen_main, event=legacy_raids)

    refresh_attendance_summaries()

    main_pool = _summary(gwen, main_raids.pool)
    assert _figures(main_pool, "30") == (2, 2, Decimal("100.00"))
    assert _figures(main_pool, "lifetime") == (2, 2, Decimal("100.00"))
    legacy_pool = _summary(gwen, legacy_raids.pool)
    assert _figures(legacy_pool, "30") == (1, 2, Decimal("50.00"))
    assert _figures(legacy_pool, "60") == (1, 3, Decimal("33.33"))
    assert _figures(legacy_pool, "lifetime") == (1, 1, Decimal("100.00"))  # from her first Legacy tick
    overall = _summary(gwen)
    assert _figures(overall, "30") == (3, 4, Decimal("75.00"))
    assert _figures(overall, "60") == (3, 5, Decimal("60.00"))
    assert _figures(overall, "lifetime") == (3, 4, Decimal("75.00"))  # from her first tick in any pool


def test_a_deleted_tick_with_no_attendance_left_is_not_held() -> None:
    gwen, main = _raider("gwen")
    _, other = _raider("olwen")
    _tick(NOW - 3 * DAY, main)
    deleted = _tick(NOW - 2 * DAY, other)
    RaidAttendance.objects.filter(tick=deleted).delete()  # what deleting a tick that credited points leaves

    refresh_attendance_summaries()

    assert _figures(_summary(gwen), "30") == (1, 1, Decimal("100.00"))
    assert _figures(_summary(gwen), "lifetime") == (1, 1, Decimal("100.00"))


def test_percentages_round_half_up_to_two_decimals() -> None:
    gwen, main = _raider("gwen")
    _, other = _raider("olwen")
    event = _event()
    _tick(NOW - 29 * DAY, main, event=event)
    for hours in range(159):  # 1 of 160 is 0.625%
        _tick(NOW - 29 * DAY + dt.timedelta(hours=1 + hours), other, event=event)
    _tick(NOW - 200 * DAY, other, event=event)

    refresh_attendance_summaries()

    overall = _summary(gwen)
    assert _figures(overall, "30") == (1, 160, Decimal("0.63"))
    assert _figures(overall, "lifetime") == (1, 160, Decimal("0.63"))


def test_the_personas_attendance_is_what_their_descriptions_say(guild: Guild) -> None:
    refresh_attendance_summaries()

    assert _figures(_summary(guild.good_member, guild.pool), "30") == (9, 10, Decimal("90.00"))
    assert _figures(_summary(guild.good_member), "lifetime") == (9, 9, Decimal("100.00"))
    assert _figures(_summary(guild.poor_member, guild.pool), "30") == (1, 10, Decimal("10.00"))
    assert _figures(_summary(guild.poor_member), "lifetime") == (1, 10, Decimal("10.00"))
    assert not MemberAttendanceSummary.objects.filter(user__in=[guild.applicant, guild.guest]).exists()


# --- the refresh ---------------------------------------------------------------------------------


def test_a_second_refresh_writes_the_same_rows_and_drops_rows_of_attendance_removed() -> None:
    gwen, gwen_main = _raider("gwen")
    pip, pip_main = _raider("pip")
    _tick(NOW - 3 * DAY, gwen_main, pip_main)
    _tick(NOW - 2 * DAY, gwen_main)

    def snapshot() -> list[tuple]:
        return list(
            MemberAttendanceSummary.objects.order_by("user_id", "pool_id").values_list(
                "user_id", "pool_id", "attended_30", "held_30", "percent_30", "attended_lifetime", "held_lifetime"
            )
        )

    assert refresh_attendance_summaries() == 4
    first = snapshot()
    assert refresh_attendance_summaries() == 4
    assert snapshot() == first

    RaidAttendance.objects.filter(user=pip).delete()
    assert refresh_attendance_summaries() == 2
    assert not MemberAttendanceSummary.objects.filter(user=pip).exists()
    assert MemberAttendanceSummary.objects.filter(user=gwen).count() == 2


def test_a_refresh_of_some_users_leaves_the_others_as_they_were() -> None:
    gwen, gwen_main = _raider("gwen")
    pip, pip_main = _raider("pip")
    _tick(NOW - 3 * DAY, gwen_main, pip_main)
    refresh_attendance_summaries()
    _tick(NOW - 2 * DAY, gwen_main)

    assert refresh_attendance_summaries(user_ids=[gwen.pk]) == 2

    assert _figures(_summary(gwen), "30") == (2, 2, Decimal("100.00"))
    assert _figures(_summary(pip), "30") == (1, 1, Decimal("100.00"))  # not refreshed: still says 1 of 1
    assert refresh_attendance_summaries(user_ids=[]) == 0


def test_summaries_say_when_they_were_computed() -> None:
    gwen, main = _raider("gwen")
    _tick(NOW - 1 * DAY, main)

    refresh_attendance_summaries(now=NOW + 40 * DAY)  # a refresh as of a later moment

    overall = _summary(gwen)
    assert overall.computed_at == NOW + 40 * DAY
    assert _figures(overall, "30") == (0, 0, Decimal("0.00"))
    assert _figures(overall, "60") == (1, 1, Decimal("100.00"))


def _guild_of(size: int) -> None:
    """``size`` members over two pools, each at a few of 12 ticks, some with an alt at the same tick."""
    pools = [_event("Main"), _event("Legacy")]
    letters = string.ascii_lowercase
    mains = []
    for number in range(size):
        user, main = _raider(f"raider{letters[number // 26]}{letters[number % 26]}")
        mains.append(main)
        if number % 3 == 0:
            make_character(f"Alt{letters[number // 26]}{letters[number % 26]}", user)
    for index in range(12):
        present = [m for number, m in enumerate(mains) if (number + index) % 3 != 0]
        alts = list(Character.objects.filter(owner__in=[m.owner for m in present], name__startswith="Alt"))
        _tick(NOW - (index * 9 + 1) * DAY, *present, *alts[: index % 4], event=pools[index % 2])


@pytest.mark.parametrize("size", [5, 50])
def test_the_refresh_takes_the_same_few_queries_whatever_the_guild_size(size: int, django_assert_max_num_queries):
    _guild_of(size)

    # SQLite: savepoint, delete, insert, release; PostgreSQL adds the table lock.
    with django_assert_max_num_queries(5):
        written = refresh_attendance_summaries()

    assert written == MemberAttendanceSummary.objects.count() == size * 3  # two pools and overall each


# --- doors: the command, the task, the selectors -------------------------------------------------


def test_the_command_says_how_many_rows_it_wrote_and_how_long_it_took(capsys) -> None:
    _, main = _raider("gwen")
    _tick(NOW - 1 * DAY, main)

    call_command("refresh_attendance")

    out = capsys.readouterr().out
    assert "Wrote 2 attendance summaries in" in out
    assert out.rstrip().endswith("s.")


def test_a_change_queues_a_refresh_that_runs_only_once_it_commits(django_capture_on_commit_callbacks) -> None:
    gwen, main = _raider("gwen")
    _tick(NOW - 1 * DAY, main)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        refresh_attendance_after_commit()
    assert not MemberAttendanceSummary.objects.exists()
    for callback in callbacks:  # the commit: the task runs (eagerly, in tests)
        callback()

    assert _figures(_summary(gwen), "30") == (1, 1, Decimal("100.00"))


def test_many_changes_in_one_transaction_queue_one_refresh(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        refresh_attendance_after_commit()
        refresh_attendance_after_commit()

    assert len(callbacks) == 1


def test_attendance_for_lists_overall_first_then_each_pool(guild: Guild) -> None:
    legacy = _event("Legacy")
    alt = make_character("Gwenlegacy", guild.good_member)
    _tick(NOW - 1 * DAY, alt, event=legacy)
    refresh_attendance_summaries()

    figures = attendance_for(guild.good_member)

    assert list(figures) == [None, legacy.pool_id, guild.pool.pk]  # overall, then by pool name
    assert figures[None].attended_lifetime == 10
    assert figures[guild.pool.pk].percent_30 == Decimal("90.00")
    assert attendance_for(guild.guest) == {}


def test_attendance_30_is_the_overall_figure_and_zero_without_any(guild: Guild) -> None:
    refresh_attendance_summaries()

    assert attendance_30(guild.good_member) == Decimal("90.00")
    assert attendance_30(guild.poor_member, pool=guild.pool) == Decimal("10.00")
    assert attendance_30(guild.applicant) == Decimal("0.00")
