"""The people every test is written about, one for each role group.

``build_guild()`` makes them in the database with a pool, an event and ten ticks over the
last thirty days, so "good" and "poor" attendance and their balances are real ledger facts:
- Olwen the officer, Rhea the recruiter, Dev the developer, Gwen the member with good attendance
  (9 of 10 ticks), Pip the member with poor attendance (1 of 10), Abe the applicant, Gus the guest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
