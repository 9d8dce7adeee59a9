"""The people every test is written about, one for each role group.

``build_guild()`` makes them in the database with a pool, an event and ten ticks over the
last thirty days, so "good" and "poor" attendance and their balances are real ledger facts:
- Olwen the officer, Rhea the recruiter, Dev the developer, Gwen the member with good attendance
  (9 of 10 ticks), Pip the member with poor attendance (1 of 10), Abe the applicant, Gus the guest.

Building them goes through the real services (about 200 queries), which is too dear to repeat for
each of the hundreds of tests that want them. ``snapshot_guild()`` builds the guild once, remembers
every row it wrote and rolls the build back; ``restore_guild()`` writes those rows again in a
handful of bulk inserts, each time moved in time to "now", so a test sees the very guild
``build_guild()`` would have made at that moment (under frozen time too).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone

from dkp.accounts.models import User
from dkp.characters.models import Character, EqClass
from dkp.core.roles import RoleGroup
from dkp.points.models import DkpPool
from dkp.raids.models import Event, Raid, RaidTick
from dkp.raids.ownership import transfer_character
from dkp.raids.services import Attendee, create_raid, record_tick

TICK_VALUE = 10
TICKS = 10


@dataclass
class Guild:
    officer: User
    recruiter: User
    developer: User
    good_member: User
    poor_member: User
    applicant: User
    guest: User
    pool: DkpPool
    event: Event
    raid: Raid
    ticks: list[RaidTick]

    def everyone(self) -> dict[str, User]:
        return {
            "officer": self.officer,
            "recruiter": self.recruiter,
            "developer": self.developer,
            "good_member": self.good_member,
            "poor_member": self.poor_member,
            "applicant": self.applicant,
            "guest": self.guest,
        }

    @classmethod
    def read(cls, ids: GuildIds) -> Guild:
        """The guild's people and raid as fresh objects from the database, cached as ``build_guild`` leaves them."""
        users = User.objects.select_related("main_character").in_bulk(ids.people.values())
        for user in users.values():
            if user.main_character is not None:
                user.main_character.owner = user
        pool = DkpPool.objects.get(pk=ids.pool)
        event = Event.objects.get(pk=ids.event)
        event.pool = pool
        raid = Raid.objects.get(pk=ids.raid)
        raid.event = event
        ticks = list(RaidTick.objects.filter(pk__in=ids.ticks).order_by("occurred_at", "pk"))
        for tick in ticks:
            tick.raid = raid
        return cls(**{key: users[pk] for key, pk in ids.people.items()}, pool=pool, event=event, raid=raid, ticks=ticks)

    def ids(self) -> GuildIds:
        return GuildIds(
            people={key: user.pk for key, user in self.everyone().items()},
            pool=self.pool.pk,
            event=self.event.pk,
            raid=self.raid.pk,
            ticks=[tick.pk for tick in self.ticks],
        )


@dataclass(frozen=True)
class GuildIds:
    people: dict[str, int]
    pool: int
    event: int
    raid: int
    ticks: list[int]


_PEOPLE = [
    ("officer", "olwen", RoleGroup.OFFICER, "Olwenna", EqClass.CLERIC),
    ("recruiter", "rhea", RoleGroup.RECRUITER, "Rheanor", EqClass.ENCHANTER),
    ("developer", "dev", RoleGroup.DEVELOPER, "Devraxx", EqClass.WIZARD),
    ("good_member", "gwen", RoleGroup.MEMBER, "Gwendolyn", EqClass.WARRIOR),
    ("poor_member", "pip", RoleGroup.MEMBER, "Pipperel", EqClass.ROGUE),
    ("applicant", "abe", RoleGroup.APPLICANT, "", EqClass.RANGER),
    ("guest", "gus", RoleGroup.GUEST, "", EqClass.BARD),
]

_DISCORD_ID_BASE = 100_000_000_000_000_000


def make_user(username: str, role_group: str = RoleGroup.MEMBER, **fields: object) -> User:
    """A Discord user as login would create them."""
    count = User.objects.count()
    return User.objects.create(
        username=username,
        discord_id=str(_DISCORD_ID_BASE + count + 1),
        discord_username=username,
        display_name=username.capitalize(),
        role_group=role_group,
        **fields,
    )


def make_character(name: str, owner: User | None = None, eq_class: str = EqClass.WARRIOR, level: int = 65) -> Character:
    character = Character.objects.create(name=name, eq_class=eq_class, level=level)
    if owner is not None:
        transfer_character(character=character, to_user=owner, actor=None, reason="test setup")
        character.refresh_from_db()
    return character


def build_guild(now: dt.datetime | None = None) -> Guild:
    now = now or timezone.now()
    people: dict[str, User] = {}
    mains: dict[str, Character] = {}
    for key, username, role, character_name, eq_class in _PEOPLE:
        people[key] = make_user(username, role)
        if character_name:
            mains[key] = make_character(character_name, people[key], eq_class)
    pool = DkpPool.objects.create(name="Main", description="Current raid content")
    event = Event.objects.create(pool=pool, name="Vex Thal", default_tick_value=TICK_VALUE)
    raid = create_raid(event=event, starts_at=now - dt.timedelta(days=29), actor=None)
    ticks = []
    for index in range(TICKS):
        present: list[str] = [key for key in ("officer", "recruiter", "developer") if key in mains]
        if index != 0:
            present.append("good_member")
        if index == 0:
            present.append("poor_member")
        attendees = [Attendee(mains[k].name, mains[k].eq_class, mains[k].level) for k in present]
        ticks.append(
            record_tick(
                raid=raid,
                occurred_at=now - dt.timedelta(days=28 - index * 2),
                attendees=attendees,
                actor=None,
                description=f"tick {index + 1}",
            )
        )
    return Guild(**people, pool=pool, event=event, raid=raid, ticks=ticks)


@dataclass(frozen=True)
class GuildSnapshot:
    """Every row ``build_guild(now)`` wrote, table by table, to be written again by ``restore_guild``."""

    now: dt.datetime  # the build's "now": ticks and the raid are whole days before it
    finished: dt.datetime  # the clock when the build ended: rows stamped while it ran are before it
    rows: list[tuple[type[models.Model], list[dict[str, Any]]]]
    ids: GuildIds
    on_commit: list[tuple[Callable[[], object], bool]]  # what the build left to run when its transaction commits

    def moved(self, value: dt.datetime, to: dt.datetime) -> dt.datetime:
        """A date-time of the build as a build at ``to`` would have written it.

        The guild's history (ticks, the raid, their entries) keeps its distance from "now" exactly,
        so under frozen time a tick is still exactly 28 days back. What the build stamped while it ran
        (a join date, an ownership's start) keeps its distance from the build's end, so it lands at
        or before ``to`` and a test's own rows, stamped later, still sort after the guild's.
        """
        return value + (to - self.now) if value < self.now else value + (to - self.finished)


def _tables() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    ]


def _rows(model: type[models.Model]) -> dict[Any, dict[str, Any]]:
    return {row[model._meta.pk.attname]: row for row in model._base_manager.order_by("pk").values()}


def snapshot_guild() -> GuildSnapshot:
    """Build the guild in a transaction that is rolled back, and keep the rows it wrote.

    Call it outside any test's transaction (once per test process). The build's ids are kept free
    afterwards: PostgreSQL's sequences are not rolled back, and SQLite's are moved past them here,
    so rows a test creates before or after a restore never collide with the guild's.
    """
    now = timezone.now()
    tables = _tables()
    with transaction.atomic():
        before = {model: _rows(model) for model in tables}
        pending = len(connection.run_on_commit)
        guild = build_guild(now)
        registered: list[Any] = connection.run_on_commit[pending:]  # (savepoints, callback, robust) in Django 5
        on_commit = [(callback, robust) for _, callback, robust in registered]
        rows = []
        for model in tables:
            after = _rows(model)
            for pk, row in before[model].items():
                # The guild only adds rows; rows that were there (content types, the settings row of
                # a migration) must be left as they were, or restoring would not rebuild the guild.
                assert after.get(pk) == row, f"build_guild changed a row it did not create: {model._meta.label} {pk}"
            added = [row for pk, row in after.items() if pk not in before[model]]
            if added:
                for field in model._meta.concrete_fields:
                    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
                        assert all(row[field.attname] is None for row in added), (
                            f"{model._meta.label}.{field.name} is a date; restore_guild only moves date-times"
                        )
                rows.append((model, added))
        ids = guild.ids()
        finished = timezone.now()
        transaction.set_rollback(True)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for model, added in rows:
                if isinstance(model._meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
                    table, last = model._meta.db_table, max(row[model._meta.pk.attname] for row in added)
                    cursor.execute("UPDATE sqlite_sequence SET seq = MAX(seq, %s) WHERE name = %s", [last, table])
                    if cursor.rowcount == 0:
                        cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last])
    return GuildSnapshot(now=now, finished=finished, rows=rows, ids=ids, on_commit=on_commit)


def restore_guild(snapshot: GuildSnapshot) -> Guild:
    """Write the snapshot's rows again, moved in time to now, and return the guild read back from them.

    What ``build_guild()`` would have made at this moment: the same people, balances and ticks, the
    ticks as many days before now (see ``GuildSnapshot.moved``). Rows go in with bulk inserts (no
    signals); what the build left to run on commit is left to run on this commit, as the build
    would have; fields set on save (``auto_now``) take the current time, as in a build.
    """
    to = timezone.now()
    with transaction.atomic():  # one transaction, so foreign keys between the tables are checked at its end
        for model, rows in snapshot.rows:
            moved = [field.attname for field in model._meta.concrete_fields if isinstance(field, models.DateTimeField)]
            objects = []
            for row in copy.deepcopy(rows):
                for attname in moved:
                    if row[attname] is not None:
                        row[attname] = snapshot.moved(row[attname], to)
                objects.append(model(**row))
            model._base_manager.bulk_create(objects)
    for callback, robust in snapshot.on_commit:
        transaction.on_commit(callback, robust=robust)
    return Guild.read(snapshot.ids)
