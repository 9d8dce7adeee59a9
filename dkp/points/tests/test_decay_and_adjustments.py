"""Officers adjusting points, and decay: the command, the nightly task and the officer pages.

The guild fixture's balances in pool Main: Olwen, Rhea and Dev 100, Gwen 90, Pip 10.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import zoneinfo
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dkp.points import tasks
from dkp.points.decay import decay_pool_if_due
from dkp.points.models import DkpPool, EntryKind, PointAdjustment, PointEntry, UserPointsSummary
from dkp.testing.personas import Guild, build_guild

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")  # the guild's default time zone
NOW = dt.datetime(2026, 11, 25, 14, 0, tzinfo=NEW_YORK)
START = {"Olwen": 100, "Rhea": 100, "Dev": 100, "Gwen": 90, "Pip": 10}


def balances(pool: DkpPool) -> dict[str, int]:
    rows = UserPointsSummary.objects.filter(pool=pool).select_related("user")
    return {row.user.name: row.balance for row in rows}


def decay_entries(pool: DkpPool) -> dict[str, int]:
    rows = PointEntry.objects.filter(pool=pool, kind=EntryKind.DECAY).select_related("user")
    return {row.user.name: row.amount for row in rows}


def set_decay(pool: DkpPool, *, percent: int, floor: int = 0, period: int = 7, last: dt.datetime | None = None) -> None:
    DkpPool.objects.filter(pk=pool.pk).update(
        decay_percent=percent, decay_floor=floor, decay_period_days=period, last_decayed_at=last
    )
    pool.refresh_from_db()


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("decay_points", *args, stdout=out)
    return out.getvalue()


PRINTED_LINE = re.compile(r"^\s+(\w+)\s+balance\s+(\d+) -> (\d+)\s+loses (\d+)$", re.MULTILINE)


def printed(output: str) -> dict[str, tuple[int, int, int]]:
    """Each member line of the command's output: name → (balance before, balance after, loss)."""
    return {name: (int(before), int(after), int(loss)) for name, before, after, loss in PRINTED_LINE.findall(output)}


# The command ---------------------------------------------------------------------------------------


def test_decay_command_dry_run_shows_every_loss_and_writes_nothing(guild: Guild) -> None:
    set_decay(guild.pool, percent=10)
    output = run_command("--dry-run")
    assert printed(output) == {
        "Olwen": (100, 90, 10),
        "Rhea": (100, 90, 10),
        "Dev": (100, 90, 10),
        "Gwen": (90, 81, 9),
        "Pip": (10, 9, 1),
    }
    assert "Total: 5 members would lose 40 points in Main." in output
    assert "Dry run: nothing was written." in output
    assert balances(guild.pool) == START
    assert decay_entries(guild.pool) == {}
    guild.pool.refresh_from_db()
    assert guild.pool.last_decayed_at is None


def test_decay_command_writes_one_decay_entry_per_member_and_prints_the_balances_left(guild: Guild) -> None:
    set_decay(guild.pool, percent=10)
    with time_machine.travel(NOW, tick=False):
        output = run_command()
    lines = printed(output)
    assert {name: after for name, (_, after, _) in lines.items()} == balances(guild.pool)
    assert balances(guild.pool) == {"Olwen": 90, "Rhea": 90, "Dev": 90, "Gwen": 81, "Pip": 9}
    assert decay_entries(guild.pool) == {name: -loss for name, (_, _, loss) in lines.items()}
    assert "Total: 5 members lost 40 points in Main." in output
    assert "Dry run" not in output
    entry = PointEntry.objects.get(kind=EntryKind.DECAY, user=guild.good_member)
    assert (entry.memo, entry.created_by) == ("10% decay (floor 0)", None)
    guild.pool.refresh_from_db()
    assert guild.pool.last_decayed_at == NOW


def test_decay_command_never_takes_a_balance_below_the_floor(guild: Guild) -> None:
    set_decay(guild.pool, percent=10, floor=85)
    output = run_command()
    assert printed(output) == {
        "Olwen": (100, 90, 10),
        "Rhea": (100, 90, 10),
        "Dev": (100, 90, 10),
        "Gwen": (90, 85, 5),
    }
    assert balances(guild.pool) == {"Olwen": 90, "Rhea": 90, "Dev": 90, "Gwen": 85, "Pip": 10}


def test_decay_command_options_override_the_pools_own_percent_and_floor(guild: Guild) -> None:
    output = run_command("--pool", "main", "--percent", "50", "--floor", "60")
    assert printed(output) == {
        "Olwen": (100, 60, 40),
        "Rhea": (100, 60, 40),
        "Dev": (100, 60, 40),
        "Gwen": (90, 60, 30),
    }
    assert "Main: 50% decay, floor 60" in output
    assert balances(guild.pool)["Pip"] == 10


def test_decay_command_only_decays_active_pools_with_a_percentage(guild: Guild) -> None:
    legacy = DkpPool.objects.create(name="Legacy", decay_percent=0)
    retired = DkpPool.objects.create(name="Retired", decay_percent=50, is_active=False)
    set_decay(guild.pool, percent=10)
    output = run_command()
    assert "Main: 10% decay" in output
    assert "Legacy" not in output
    assert "Retired" not in output
    assert not PointEntry.objects.filter(pool__in=[legacy, retired]).exists()


def test_decay_command_names_an_unknown_pool_and_lists_the_real_ones(guild: Guild) -> None:
    set_decay(guild.pool, percent=10)
    with pytest.raises(CommandError, match=r"There is no DKP pool 'Nope'\. Pools: Main\."):
        run_command("--pool", "Nope")
    assert decay_entries(guild.pool) == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--percent", "10.5"], "--percent must be a whole number written with the digits 0-9, such as 50."),
        (["--percent", "150"], "--percent must be from 0 to 100."),
        (["--percent", "ten"], "--percent must be a whole number written with the digits 0-9, such as 50."),
        (["--percent", " 5"], "--percent must be a whole number written with the digits 0-9, such as 50."),
        (["--floor", "-5"], "--floor must be from 0 to 1,000,000."),
    ],
)
def test_decay_command_refuses_bad_numbers_and_writes_nothing(guild: Guild, args: list[str], message: str) -> None:
    set_decay(guild.pool, percent=10)
    with pytest.raises(CommandError) as refused:
        run_command(*args)
    assert str(refused.value) == message
    assert balances(guild.pool) == START


def test_decay_command_on_a_pool_without_decay_asks_for_a_percentage(guild: Guild) -> None:
    with pytest.raises(
        CommandError, match="Main has no decay percentage set; set one on the pool or give a percentage"
    ):
        run_command("--pool", "Main")
    assert decay_entries(guild.pool) == {}


# The nightly task -----------------------------------------------------------------------------------


def test_decay_task_is_scheduled_daily_under_its_name() -> None:
    entries = [entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == "points.decay_due_pools"]
    assert len(entries) == 1
    assert tasks.decay_due_pools.name == "points.decay_due_pools"


def test_decay_task_decays_a_pool_that_never_decayed_and_records_when(guild: Guild) -> None:
    set_decay(guild.pool, percent=10)
    with time_machine.travel(NOW, tick=False):
        assert tasks.decay_due_pools.delay().get() == 1
    assert balances(guild.pool) == {"Olwen": 90, "Rhea": 90, "Dev": 90, "Gwen": 81, "Pip": 9}
    guild.pool.refresh_from_db()
    assert guild.pool.last_decayed_at == NOW


def test_decay_task_run_twice_on_one_day_decays_once(guild: Guild) -> None:
    set_decay(guild.pool, percent=10, period=1)
    with time_machine.travel(NOW, tick=False):
        assert tasks.decay_due_pools() == 1
    with time_machine.travel(NOW + dt.timedelta(hours=9), tick=False):  # 23:00, still the same guild day
        assert tasks.decay_due_pools() == 0
    assert balances(guild.pool)["Gwen"] == 81
    assert PointEntry.objects.filter(kind=EntryKind.DECAY).count() == 5
    guild.pool.refresh_from_db()
    assert guild.pool.last_decayed_at == NOW


def test_decay_task_waits_for_the_pools_period(guild: Guild) -> None:
    set_decay(guild.pool, percent=10, period=7, last=NOW - dt.timedelta(days=6))
    with time_machine.travel(NOW, tick=False):
        assert tasks.decay_due_pools() == 0
    assert balances(guild.pool) == START
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        assert tasks.decay_due_pools() == 1
    assert balances(guild.pool)["Gwen"] == 81
    guild.pool.refresh_from_db()
    assert guild.pool.last_decayed_at == NOW + dt.timedelta(days=1)


def test_decay_is_due_by_guild_calendar_days_so_a_run_a_little_early_does_not_skip_a_period(guild: Guild) -> None:
    # Last decayed at 23:50 on the 18th (guild time); the run at 00:10 on the 25th is 20 minutes
    # short of seven full days but on the seventh guild day, so it decays.
    last = dt.datetime(2026, 11, 18, 23, 50, tzinfo=NEW_YORK)
    set_decay(guild.pool, percent=10, period=7, last=last)
    with time_machine.travel(dt.datetime(2026, 11, 24, 23, 59, tzinfo=NEW_YORK), tick=False):
        assert tasks.decay_due_pools() == 0
    with time_machine.travel(dt.datetime(2026, 11, 25, 0, 10, tzinfo=NEW_YORK), tick=False):
        assert tasks.decay_due_pools() == 1
    assert balances(guild.pool)["Gwen"] == 81


def test_decay_task_leaves_pools_without_decay_and_inactive_pools_alone(guild: Guild) -> None:
    set_decay(guild.pool, percent=0)
    DkpPool.objects.filter(pk=guild.pool.pk).update(decay_percent=0)
    retired = DkpPool.objects.create(name="Retired", decay_percent=50, is_active=False)
    with time_machine.travel(NOW, tick=False):
        assert tasks.decay_due_pools() == 0
    assert balances(guild.pool) == START
    retired.refresh_from_db()
    assert retired.last_decayed_at is None


def test_a_second_decay_of_the_same_pool_and_moment_finds_nothing_due(guild: Guild) -> None:
    set_decay(guild.pool, percent=10)
    now = timezone.now()
    first = decay_pool_if_due(pool=guild.pool, now=now)
    second = decay_pool_if_due(pool=guild.pool, now=now)  # the pool object still says "never decayed"
    assert first is not None
    assert first.total == 40
    assert second is None
    assert PointEntry.objects.filter(kind=EntryKind.DECAY).count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_the_nightly_decay_decay_once() -> None:
    guild = build_guild()
    set_decay(guild.pool, percent=10)
    now = timezone.now()
    start = threading.Barrier(2)
    results: list[object] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(decay_pool_if_due(pool=guild.pool, now=now))
        except Exception as error:  # surfaced by the assertion below
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(1 for r in results if r is not None) == 1
    assert balances(guild.pool) == {"Olwen": 90, "Rhea": 90, "Dev": 90, "Gwen": 81, "Pip": 9}
    assert PointEntry.objects.filter(kind=EntryKind.DECAY).count() == 5


# The adjust page --------------------------------------------------------------------------------------


def adjust(client: Client, guild: Guild, **fields: object) -> Any:
    data: dict[str, object] = {
        "user": guild.good_member.pk,
        "pool": guild.pool.pk,
        "amount": "-15",
        "reason": "Left the raid early",
    }
    data.update(fields)
    return client.post(reverse("points:adjust"), data)


def test_officer_adjusts_a_member_and_lands_on_their_page_with_the_new_balance(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    response = adjust(client, guild)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:member", args=["gwen"])
    page = client.get(response["Location"]).text
    assert "Gwen: -15 points in Main (Left the raid early). Balance now 75." in page
    assert balances(guild.pool)["Gwen"] == 75
    entry = PointEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    assert (entry.user, entry.amount, entry.memo, entry.created_by) == (
        guild.good_member,
        -15,
        "Left the raid early",
        guild.officer,
    )
    assert PointAdjustment.objects.get().reason == "Left the raid early"
    assert "Left the raid early" in page  # the ledger on the member page shows the reason


def test_a_plus_sign_is_refused_as_everywhere_else(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    page = adjust(client, guild, user=guild.poor_member.pk, amount="+25", reason="Bank loan")
    assert page.status_code == 422
    assert "An adjustment must be a whole number written with the digits 0-9, such as 50 or -50." in page.text
    assert balances(guild.pool)["Pip"] == 10


def test_adjustment_without_a_reason_shows_the_error_on_the_form_and_changes_nothing(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    response = adjust(client, guild, reason="   ")
    assert response.status_code == 422
    assert "An adjustment needs a reason." in response.text
    assert 'value="-15"' in response.text  # what the officer typed is kept
    assert balances(guild.pool)["Gwen"] == 90
    assert not PointAdjustment.objects.exists()
    assert not PointEntry.objects.filter(kind=EntryKind.ADJUSTMENT).exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "An adjustment must be from -1,000,000 to 1,000,000, and not 0."),
        ("2.5", "An adjustment must be a whole number written with the digits 0-9, such as 50 or -50."),
        ("-0.5", "An adjustment must be a whole number written with the digits 0-9, such as 50 or -50."),
        ("ten", "An adjustment must be a whole number written with the digits 0-9, such as 50 or -50."),
        ("+5", "An adjustment must be a whole number written with the digits 0-9, such as 50 or -50."),
        ("", "Give the number of points (negative to take points away)."),
        ("99999999999999", "An adjustment must be from -1,000,000 to 1,000,000, and not 0."),
    ],
)
def test_zero_fractional_and_nonsense_amounts_are_refused(client, guild: Guild, amount: str, message: str) -> None:
    client.force_login(guild.officer)
    response = adjust(client, guild, amount=amount)
    assert response.status_code == 422
    assert message in response.text
    assert balances(guild.pool) == START
    assert not PointAdjustment.objects.exists()


def test_adjustment_needs_a_member_and_a_pool(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    assert "Choose the member whose points change." in adjust(client, guild, user="").text
    assert "Choose the pool the points are in." in adjust(client, guild, pool="999").text
    assert not PointAdjustment.objects.exists()


def test_member_page_offers_officers_the_adjust_form_for_that_member(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    link = f"{reverse('points:adjust')}?user={guild.good_member.pk}"
    assert link in client.get(reverse("web:member", args=["gwen"])).text
    form = client.get(link).text
    assert f'<option value="{guild.good_member.pk}" selected>' in form
    client.force_login(guild.good_member)
    assert reverse("points:adjust") not in client.get(reverse("web:member", args=["gwen"])).text


@pytest.mark.parametrize("who", ["good_member", "recruiter", "developer", "applicant", "anonymous"])
def test_only_officers_may_adjust_or_decay(client, guild: Guild, who: str) -> None:
    if who != "anonymous":
        client.force_login(getattr(guild, who))
    set_decay(guild.pool, percent=10)
    refused = 302 if who == "anonymous" else 403  # a visitor is sent to sign in (docs/access.md)
    assert client.get(reverse("points:adjust")).status_code == refused
    assert adjust(client, guild, amount="500").status_code == refused
    assert client.get(reverse("points:decay")).status_code == refused
    apply = client.post(
        reverse("points:decay_apply", args=[guild.pool.pk]),
        {"confirm": "yes", "previewed_at": timezone.now().isoformat()},
    )
    assert apply.status_code == refused
    if who != "anonymous":
        assert "may not manage raids, ticks, auctions, loot, points" in apply.text
    assert balances(guild.pool) == START


# The decay page ---------------------------------------------------------------------------------------


def preview_row(name: str, balance: int, loss: int, after: int) -> str:
    return (
        f'<tr><td>{name}</td><td class="num">{balance}</td><td class="num neg">-{loss}</td>'
        f'<td class="num">{after}</td></tr>'
    )


def test_decay_page_previews_who_would_lose_what_in_each_pool(client, guild: Guild) -> None:
    set_decay(guild.pool, percent=10, floor=85)
    DkpPool.objects.create(name="Legacy")
    client.force_login(guild.officer)
    page = client.get(reverse("points:decay")).text
    assert preview_row("Olwen", 100, 10, 90) in page
    assert preview_row("Gwen", 90, 5, 85) in page
    assert "<td>Pip</td>" not in page  # at the floor already
    assert "Decay Main now: 4 members lose 35 points" in page
    assert "No decay set for this pool" in page  # Legacy
    assert decay_entries(guild.pool) == {}


def test_applying_decay_from_the_page_writes_the_previewed_entries(client, guild: Guild) -> None:
    set_decay(guild.pool, percent=10, floor=85)
    client.force_login(guild.officer)
    client.get(reverse("points:decay"))
    form = {"confirm": "yes", "previewed_at": timezone.now().isoformat()}
    response = client.post(reverse("points:decay_apply", args=[guild.pool.pk]), form, follow=True)
    assert response.redirect_chain == [(reverse("points:decay"), 302)]
    assert "Main decayed 10% (floor 85): 4 members lost 35 points." in response.text
    assert decay_entries(guild.pool) == {"Olwen": -10, "Rhea": -10, "Dev": -10, "Gwen": -5}
    assert set(PointEntry.objects.filter(kind=EntryKind.DECAY).values_list("created_by", flat=True)) == {
        guild.officer.pk
    }
    assert balances(guild.pool) == {"Olwen": 90, "Rhea": 90, "Dev": 90, "Gwen": 85, "Pip": 10}
    guild.pool.refresh_from_db()
    assert guild.pool.last_decayed_at is not None

    again = client.post(reverse("points:decay_apply", args=[guild.pool.pk]), form)  # the same form, sent twice
    assert again.status_code == 409
    assert "Main already decayed at" in again.text
    assert "look at the new preview before decaying it again" in again.text
    assert balances(guild.pool)["Gwen"] == 85


def test_decay_is_not_applied_without_the_confirmation(client, guild: Guild) -> None:
    set_decay(guild.pool, percent=10)
    client.force_login(guild.officer)
    response = client.post(
        reverse("points:decay_apply", args=[guild.pool.pk]), {"previewed_at": timezone.now().isoformat()}
    )
    assert response.status_code == 422
    assert "Tick the box to confirm decaying Main." in response.text
    assert decay_entries(guild.pool) == {}
    assert balances(guild.pool) == START
