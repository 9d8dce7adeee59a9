"""A full raid's tick, preview and confirm, asks the database at most 12 statements (issue 19's
budget), the same on SQLite and PostgreSQL, and still writes every row and credit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dkp.core.models import GuildSettings
from dkp.eqlog.raid_dump import RAID_LEADER, RaidDumpRow, raid_dump_file_name, write_raid_dump
from dkp.loot.tests.test_statement_counts import statements
from dkp.points.models import PointEntry, UserPointsSummary
from dkp.raids import ingest
from dkp.raids.models import Raid, RaidAttendance
from dkp.testing.personas import Guild, make_character, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("any_day")]


def _dump(names: list[str], when: dt.datetime) -> tuple[str, bytes]:
    rows = [
        RaidDumpRow(
            line_number=i + 1, group=i // 6 + 1, name=n, level=60, eq_class="Warrior", rank=RAID_LEADER * (i == 0)
        )
        for i, n in enumerate(names)
    ]
    return raid_dump_file_name(when, server=GuildSettings.load().server_name), write_raid_dump(rows).encode()


def test_a_full_raids_tick_takes_at_most_twelve_statements_and_credits_every_owner(guild: Guild) -> None:
    names = [f"Raider{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(72)]
    owners = [make_user(f"raider{i}") for i in range(36)]
    for index, name in enumerate(names):  # half owned (one character each), half not yet claimed
        make_character(name, owner=owners[index] if index < 36 else None)
    # A steady guild: the settings row exists and the raiders already hold points in the pool (a
    # raider's first points make their summary row first, one statement more).
    GuildSettings.load()
    UserPointsSummary.objects.bulk_create([UserPointsSummary(user=owner, pool=guild.pool) for owner in owners])
    raid = Raid.objects.select_related("event__pool").get(pk=guild.raid.pk)  # as the upload page reads it
    when = timezone.localtime(guild.ticks[-1].occurred_at).replace(tzinfo=None) + dt.timedelta(minutes=20)

    with CaptureQueriesContext(connection) as captured:
        with GuildSettings.for_request():
            preview = ingest.preview_dumps(raid=raid, files=[_dump(names, when)], actor=guild.officer)
        with GuildSettings.for_request():
            tick = ingest.confirm_tick(raid=raid, actor=guild.officer, preview_token=preview.token)

    assert len(statements(captured)) <= 12, "\n".join(statements(captured))
    assert RaidAttendance.objects.filter(tick=tick).count() == 72
    assert PointEntry.objects.filter(tick=tick).count() == 36
    value = tick.value
    assert all(s.balance == value for s in UserPointsSummary.objects.filter(user__in=owners, pool=guild.pool))
