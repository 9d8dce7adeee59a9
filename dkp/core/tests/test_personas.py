"""The ``guild`` fixture's shortcut: a guild restored from the worker's snapshot is the guild a build makes."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction

from dkp.accounts.models import User
from dkp.characters.models import CharacterOwnership
from dkp.points.models import PointEntry, UserPointsSummary
from dkp.raids.models import RaidAttendance
from dkp.testing.personas import Guild, build_guild, restore_guild

NOW = dt.datetime(2025, 6, 1, 20, 0, tzinfo=dt.UTC)


def facts(guild: Guild) -> dict[str, object]:
    """What tests read of the guild, by name rather than id (ids differ between two builds)."""
    return {
        "people": {(u.username, u.discord_id, u.role_group, str(u.main_character or "")) for u in User.objects.all()},
        "owners": {(o.character.name, o.user.username, o.ended_at) for o in CharacterOwnership.objects.all()},
        "balances": {
            (s.user.username, s.pool.name, s.balance, s.earned, s.lifetime_earned)
            for s in UserPointsSummary.objects.all()
        },
        "entries": sorted(
            (e.user.username, e.amount, e.kind, e.memo, e.occurred_at, e.character_name)
            for e in PointEntry.objects.all()
        ),
        "ticks": [(t.description, t.occurred_at, t.value) for t in guild.ticks],
        "attendance": {
            (a.tick.description, a.character_name, a.user.username if a.user else "")
            for a in RaidAttendance.objects.all()
        },
        "raid": (guild.raid.starts_at, guild.event.name, guild.pool.name),
        "objects": {key: (user.username, user.main_character_id is not None) for key, user in guild.everyone().items()},
    }


@pytest.mark.django_db
def test_a_restored_guild_is_the_guild_a_build_makes_at_that_moment(guild_snapshot) -> None:
    with time_machine.travel(NOW, tick=False):
        with transaction.atomic():
            built = facts(build_guild())
            transaction.set_rollback(True)
        restored_guild = restore_guild(guild_snapshot)
        restored = facts(restored_guild)
    assert restored == built
    assert restored_guild.ticks[0].occurred_at == NOW - dt.timedelta(days=28)
    # What the build stamped as it ran lands just before the moment, so a test's own rows sort after.
    for user in restored_guild.everyone().values():
        assert NOW - dt.timedelta(seconds=30) <= user.date_joined <= NOW
