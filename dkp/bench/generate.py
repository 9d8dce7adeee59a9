"""A large guild for benchmarks: years of raid nights, auctions, adjustments, decay and recruitment.

``generate_guild(users=500, years=10, seed=1)`` writes about 900 characters, 2,000 raid nights,
8,000 ticks, half a million attendance rows, 30,000 closed auctions with 150,000 bids, and the
ledger behind them, into an empty database, in one transaction. It refuses a database that has
any user, so it can never pollute a real guild.

How it stays fast and true at once:

- The history is simulated in memory in time order, so every balance is known when it matters:
  a bid never exceeds the bidder's available balance (balance less their live bids on the other
  auctions open in the pool), and so no loot price ever exceeds the winner's balance.
- Winners and prices come from the real auction resolver (``dkp.loot.resolver``), fed the same
  inputs ``close_auction`` gives it (live bids, each bidder's 30-day attendance in the pool, the
  auction's tie-break seed); decay amounts from ``dkp.points.services.decay_amount``; pools and
  events are made by ``create_pool`` and ``create_event``. Attendance summaries come from
  ``refresh_attendance_summaries`` at the end.
- Everything else is written in bulk from plain rows (``_TableWriter``: ``executemany`` on
  SQLite, ``COPY`` on PostgreSQL), which took the ten-year guild from over three minutes with
  ``bulk_create`` to well under one. Primary keys are chosen here, because an auction's outcome
  names its bids and awards before any of them is written, and timestamps are the guild's own
  (``created_at`` of a bid is when it was placed, not when this ran).
- The points summaries are the in-memory tallies of the same ledger, so ``reconcile_points``
  finds nothing to repair.

The same seed on the same day gives the same guild, row for row, on SQLite and PostgreSQL.
The people depend only on ``seed`` and ``users``; their comings and goings are placed at fractions
of the history, so a one-year guild has the same members in its standings as a ten-year one, with
the same kind of raid nights (about four a week, 60-70 characters at a tick): that is what lets a
benchmark compare one year of history with ten for the same standings.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import operator
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from dkp.accounts.models import User
from dkp.characters.models import Character, CharacterOwnership, CharacterTag, EqClass
from dkp.core.errors import Conflict, InvalidInput
from dkp.core.models import GuildSettings
from dkp.core.roles import RoleGroup
from dkp.core.time import guild_zone
from dkp.demo.guild import RAID_CLASS_WEIGHTS
from dkp.eqlog.raid_dump import raid_dump_file_name
from dkp.loot import resolver
from dkp.loot.models import (
    Auction,
    AuctionStatus,
    BidAction,
    BidHistory,
    BidStatus,
    Channel,
    Item,
    ItemBid,
    LootDistribution,
)
from dkp.points.models import DkpPool, EntryKind, PointAdjustment, PointEntry, PriceRule, UserPointsSummary
from dkp.points.pools import create_pool
from dkp.points.services import decay_amount
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.raids.models import Event, Raid, RaidAttendance, RaidTick
from dkp.raids.services import create_event
from dkp.recruitment.models import (
    ApplicationComment,
    ApplicationQuestion,
    ApplicationStageChange,
    ApplicationStatus,
    ApplicationVote,
    CommentVisibility,
    GuildApplication,
    VoteChoice,
)

Progress = Callable[[str], None]

MIN_USERS = 20
MAX_USERS = 5_000  # the names run out a little past that
MAX_YEARS = 30
# Rows per executemany call or INSERT statement, and pending rows that trigger a write of everything
# simulated so far, which keeps memory flat however long the history.
BATCH_SIZE = 2_000
FLUSH_AT = 60_000

RAID_HOUR = 20  # raids start at 8 pm in the guild's time zone
WINDOW_SECONDS = 30 * 24 * 3600  # the 30-day attendance window of tie-breaks and votes
AUCTION_MINUTES = 5
DECAY_HOUR = 9  # the nightly task decays a due pool in the morning

# How long a member stays, as a fraction of the history (on average; at least MIN_TENURE): about a
# sixth of the raiders are in the guild at any time, at 500 users some 95 members, of whom 55-60
# are at a tick with 60-70 characters.
MEAN_TENURE = 0.21
MIN_TENURE = 0.004
APPLICATION_SHARE = 0.1  # 50 applications at 500 users
GUEST_SHARE = 0.02
UNCLAIMED_SHARE = 0.05  # characters seen in dumps that nobody claimed
ADJUSTMENTS_PER_USER_YEAR = 1.0
ITEMS_PER_RAIDER = 1 / 11  # items dropped per kill, per member present
BIDS_PER_AUCTION = 5.0
ROT_SHARE = 0.02  # items nobody bid on

# Application stages at the end of the history, as shares of all applications.
STAGE_SHARES: tuple[tuple[str, float], ...] = (
    (ApplicationStatus.SUBMITTED, 0.08),
    (ApplicationStatus.VOTING, 0.10),
    (ApplicationStatus.TRIAL, 0.08),
    (ApplicationStatus.REJECTED, 0.20),
    (ApplicationStatus.WITHDRAWN, 0.14),
    (ApplicationStatus.ACCEPTED, 0.40),  # the rest, so the stages add up
)


@dataclass(frozen=True)
class _PoolPlan:
    name: str
    description: str
    rules: dict[str, object]


@dataclass(frozen=True)
class _EventPlan:
    pool: str
    name: str
    tick_value: int
    weekdays: tuple[int, ...]  # Monday is 0
    bosses: tuple[str, ...]
    loot: tuple[str, ...]


_POOLS = (
    _PoolPlan(
        "Main",
        "Current raids. Second-price auctions; alts and boxes capped, mains first.",
        {
            "price_rule": PriceRule.SECOND_PRICE,
            "minimum_bid": 5,
            "tag_caps": {"alt": 10, "box": 5},
            "mains_outrank": True,
        },
    ),
    _PoolPlan(
        "Legacy",
        "Old-world nights for alts and new members. First-price auctions; 10% decay a month above 50.",
        {
            "price_rule": PriceRule.FIRST_PRICE,
            "minimum_bid": 1,
            "decay_percent": 10,
            "decay_period_days": 30,
            "decay_floor": 50,
        },
    ),
)

# fmt: off
_EVENTS = (
    _EventPlan("Main", "Vex Thal", 5, (1,), ("Thall Va Xakra", "Kaas Thox Xi Aten Ha Ra", "Aten Ha Ra"), (
        "Shroud of Eternity", "Xakra's Crown of Fate", "Bracer of the Xakra", "Runed Vex Thal Cloak",
        "Shard of Ra", "Aten Ha Ra's Mantle", "Velium Infused Dagger", "Girdle of the Faithful Xakra",
        "Xakra Signet", "Thall Va Kelun's Greaves", "Vex Thal Key Fragment", "Mask of the Eclipse",
    )),
    _EventPlan("Main", "Ssraeshza Temple", 5, (2,), (
        "Rhag`Zadune", "Arch Lich Rhag`Mozdezh", "Blood of Ssraeshza", "Emperor Ssraeshza",
    ), (
        "Emperor's Crown of Scales", "Ssraeshzian Pauldrons", "Rhag`Mozdezh's Headdress", "Shissar Guardian Blade",
        "Girdle of the Emperor", "Bloodstained Shissar Cloak", "Vyemm's Fang", "Scaled Cloak of the Emperor",
        "Shissar Focus Ring", "Temple Guardian Vambraces",
    )),
    _EventPlan("Main", "Plane of Time", 6, (3,), (
        "Rallos Zek", "Tallon Zek", "Vallon Zek", "Terris Thule", "Saryrn", "Quarm",
    ), (
        "Ton Po's Mystical Pouch", "Zek's Warhelm", "Mantle of Warfare", "Thule's Nightmare Circlet",
        "Saryrn's Veil of Torment", "Quarm's Timeworn Band", "Time's Antithesis", "Cloak of the Falling Hour",
        "Gauntlets of Zealous Time", "Runed Timeshear", "Earring of Temporal Flux", "Breastplate of Ages",
    )),
    _EventPlan("Legacy", "Plane of Sky", 3, (6,), ("Keeper of Souls", "Sister of the Spire", "The Spiroc Lord"), (
        "Cloak of the Falling Stars", "Sash of the Spiroc Lord", "Stormfeather Gloves", "Ring of the Ancients",
        "Spiroc Wingblade", "Sky Sovereign's Band", "Mask of the Aviak",
    )),
    _EventPlan("Legacy", "Nagafen's Lair", 3, (6,), ("Lord Nagafen", "Magus Rokyl", "Lady Vox"), (
        "Cloak of Flames", "Flowing Black Silk Sash", "Fiery Defender", "Nagafen's Scale Bracer",
        "Crown of Rile", "Vox's Frozen Ring", "White Dragon Scale", "Red Dragon Scale",
    )),
)

_NAME_STARTS = (
    "Ae", "Al", "Ar", "Bal", "Bel", "Bran", "Cae", "Cor", "Dae", "Dor", "Dra", "El", "Eri", "Fae", "Fen",
    "Gal", "Gor", "Hal", "Hel", "Il", "Ith", "Jar", "Kae", "Kel", "Kor", "Lae", "Lor", "Mal", "Mor", "Nae",
    "Nor", "Ol", "Ory", "Pel", "Quel", "Rae", "Ral", "Sae", "Syl", "Tae", "Tor", "Ul", "Val", "Var", "Wyn",
    "Xal", "Yor", "Zae", "Zel",
)
_NAME_MIDDLES = ("", "", "", "a", "e", "i", "o", "u", "ra", "ri", "ly", "do", "ve", "the", "mi", "no")
_NAME_ENDS = (
    "dris", "wyn", "gorn", "thas", "nox", "mira", "beth", "rion", "xis", "vos", "sha", "leth", "dan",
    "roso", "wyna", "zul", "kin", "rel", "ria", "mund", "thar", "vyn", "dra", "las", "mok", "reth",
)
_RACES = (
    "Barbarian", "Dark Elf", "Dwarf", "Erudite", "Gnome", "Half Elf", "Halfling", "High Elf", "Human",
    "Iksar", "Ogre", "Troll", "Vah Shir", "Wood Elf", "Froglok", "Drakkin",
)
_RAID_NOTES = (
    "", "", "", "", "Key-holders to the front.", "Farm night, bring alts.",
    "Short night: server patch at midnight.", "Progression: full buffs at zone-in.", "Fill night, all welcome.",
)
_RAISE_REASONS = (
    "Brought a second cleric box when we were short", "Pulled the boss clean and kited the adds",
    "Came in on a night off to fill the raid", "Rezzed the raid back after the wipe",
    "Camped the key piece for three new members", "Led the Legacy night", "Corpse recovery for the whole raid",
    "Missed tick approved in Discord: crashed at zone-in", "Scouted the next tier's bosses",
    "Organised the flag raid", "Donated tradeskill gear to the guild bank",
)
_CUT_REASONS = (
    "Left mid-raid without telling an officer", "Looted an item off the books; charged after the raid",
    "AFK through the pull", "Correction: a tick counted twice", "Trained the raid at zone-in, again",
)
_CARRY_OVER = "Carried over from the old DKP sheet"
_QUESTIONS = (
    ("Tell us about your character: class, level, AAs and the raid gear you have.", True),
    ("Which of our raid nights (Sun, Tue, Wed, Thu at 8 pm) can you make?", True),
    ("Who in the guild knows you, and what guilds were you in before?", True),
    ("Anything else the officers should know?", False),
)
_ANSWERS = (
    ("{level} {eq_class}, most of the last tier's gear.", "{level} {eq_class}, working on my AAs.",
     "{level} {eq_class}, keyed and flagged.", "{level} {eq_class}, epic done."),
    ("All four.", "Tue, Wed and Thu.", "Sundays and Thursdays.", "Most weeks, all of them."),
    ("Nobody yet; I pugged with you twice.", "Met a few of you in the guild hall.",
     "My old guild folded; two of its members are here.", "A friend from work raids with you."),
    ("", "", "Happy to box a second character.", "I have a mic and I read the raid channel."),
)
_COMMENTS = (
    "Grouped with them last week: solid.", "Good player, shows up on time.", "Vouch.",
    "Not sure about the attendance they promise.", "Knows the encounters already.",
    "Asked their old guild leader: left on good terms.", "Would like to see a trial first.",
)
# fmt: on


# What the final table counts, in the order it prints.
_LABELS: dict[type[models.Model], str] = {
    User: "users",
    Character: "characters",
    CharacterOwnership: "character ownerships",
    DkpPool: "pools",
    Event: "events",
    Item: "items",
    Raid: "raid nights",
    RaidTick: "ticks",
    RaidAttendance: "attendance rows",
    Auction: "auctions",
    ItemBid: "bids",
    BidHistory: "bid history",
    LootDistribution: "loot distributions",
    PointAdjustment: "adjustments",
    PointEntry: "point entries",
    UserPointsSummary: "points summaries",
    ApplicationQuestion: "application questions",
    GuildApplication: "applications",
    ApplicationStageChange: "application stage changes",
    ApplicationVote: "application votes",
    ApplicationComment: "application comments",
}


@dataclass
class GenerationReport:
    """What ``generate_guild`` wrote: rows per table, ledger entries per kind, seconds per phase and in all."""

    users: int
    years: int
    seed: int
    first_night: dt.date | None = None
    last_night: dt.date | None = None
    counts: dict[str, int] = field(default_factory=dict)  # rows by table, e.g. "attendance rows"
    entries: dict[str, int] = field(default_factory=dict)  # point entries by kind, e.g. "attendance"
    phases: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def table(self) -> list[str]:
        """The report as lines for a terminal: the guild, rows per table, then seconds per phase."""
        lines = [
            f"Generated a guild of {self.users} users and {self.years} year(s) of raids (seed {self.seed}), "
            f"raid nights {self.first_night} to {self.last_night}, in {self.seconds:.1f} s.",
        ]
        kinds = {f"  {kind} entries": count for kind, count in self.entries.items() if count}
        width = max((len(label) for label in [*self.counts, *kinds, *self.phases]), default=10)
        lines.append(f"  {'table':<{width}}  {'rows':>10}")
        for label, count in self.counts.items():
            lines.append(f"  {label:<{width}}  {count:>10,}")
            if label == _LABELS[PointEntry]:
                lines += [f"  {kind:<{width}}  {number:>10,}" for kind, number in kinds.items()]
        lines.append(f"  {'phase':<{width}}  {'seconds':>10}")
        lines += [f"  {label:<{width}}  {seconds:>10.1f}" for label, seconds in self.phases.items()]
        return lines


def generate_guild(
    *,
    users: int,
    years: int,
    seed: int,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> GenerationReport:
    """Write a guild of ``users`` people and ``years`` of history into an empty database, in one transaction.

    ``today`` is the day the history ends (the guild's today by default): raid nights run up to
    the night before, and everything is as it stood at midnight. Refuses (``Conflict``) a
    database that already has users, and (``InvalidInput``) sizes outside
    ``MIN_USERS``-``MAX_USERS`` users and 1-``MAX_YEARS`` years.
    """
    if isinstance(users, bool) or not isinstance(users, int) or not MIN_USERS <= users <= MAX_USERS:
        raise InvalidInput(f"A generated guild has {MIN_USERS} to {MAX_USERS:,} users, not {users!r}.")
    if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= MAX_YEARS:
        raise InvalidInput(f"A generated guild has 1 to {MAX_YEARS} years of history, not {years!r}.")
    started = time.monotonic()
    with transaction.atomic():
        existing = User.objects.count()
        if existing:
            raise Conflict(
                f"generate_guild only writes into an empty database, and this one has {existing} "
                f"user{'s' if existing != 1 else ''}: point DATABASE_URL at a new database and migrate it first.",
                code="database_not_empty",
            )
        builder = _GuildBuilder(users=users, years=years, seed=seed, today=today, progress=progress or _silent)
        report = builder.build()
        committing = time.monotonic()
    # PostgreSQL checks the deferred foreign keys of every row written, at commit.
    report.phases["commit"] = time.monotonic() - committing
    (progress or _silent)(f"commit: {report.phases['commit']:.1f} s")
    report.seconds = time.monotonic() - started
    return report


def _silent(line: str) -> None:
    return None


# --- the people, independent of the length of the history -----------------------------------------


_NOT_YET = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(eq=False)
class _Char:
    id: int
    name: str
    eq_class: str
    level: int
    tag: str
    race: str
    owner: _Person | None = None
    window: tuple[float, float] = (0.0, 1.0)  # for unclaimed characters: part of the history they come in
    rate: float = 0.0  # for unclaimed characters: share of raid nights they come to


@dataclass(eq=False)
class _Person:
    id: int
    username: str
    display_name: str
    role: str  # role group at the end of the history
    raids: bool
    join: float  # when they joined (or applied), as a fraction of the history
    leave: float | None = None  # when they left, as a fraction; None while still a member
    days_ago: int | None = None  # joined this many days before today, whatever the history's length
    discord_id: str = ""
    rate: float = 0.0  # share of raid nights they come to
    chars: list[_Char] = field(default_factory=list)
    application: str | None = None  # the stage their application ended in, when they applied
    applied_name: tuple[str, str, int] | None = None  # the character named on the application
    # Set per history:
    joined_at: dt.datetime = _NOT_YET
    left_at: dt.datetime | None = None
    has_raided: bool = False

    @property
    def main(self) -> _Char:
        return self.chars[0]

    def alts(self) -> list[_Char]:
        return [char for char in self.chars if char.tag == CharacterTag.ALT]

    def boxes(self) -> list[_Char]:
        return [char for char in self.chars if char.tag == CharacterTag.BOX]


class _Names:
    """Character names in the style of EverQuest's (4-15 letters, one capital), never twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def new(self) -> str:
        while True:
            name = (
                self.rng.choice(_NAME_STARTS) + self.rng.choice(_NAME_MIDDLES) + self.rng.choice(_NAME_ENDS)
            ).capitalize()
            if 4 <= len(name) <= 15 and name.lower() not in self.used:
                self.used.add(name.lower())
                return name


def _stage_counts(applications: int) -> dict[str, int]:
    counts = {stage: max(1, round(applications * share)) for stage, share in STAGE_SHARES[:-1]}
    counts[ApplicationStatus.ACCEPTED] = max(1, applications - sum(counts.values()))
    return counts


def _plan_people(users: int, rng: random.Random) -> tuple[list[_Person], list[_Char]]:
    """Everyone who ever used the app, with their characters, and the characters nobody claimed.

    Users are ordered (and numbered) by when they joined. Only ``seed`` and ``users`` decide this.
    """
    names = _Names(rng)
    stages = _stage_counts(max(6, round(users * APPLICATION_SHARE)))
    guests = max(1, round(users * GUEST_SHARE))
    outsiders = guests + sum(
        count
        for stage, count in stages.items()
        if stage not in (ApplicationStatus.TRIAL, ApplicationStatus.ACCEPTED)  # these two raid
    )
    raiders = users - outsiders
    staff = [RoleGroup.OFFICER] * max(2, users // 60)
    staff += [RoleGroup.RECRUITER] * max(1, users // 150) + [RoleGroup.DEVELOPER] * max(1, users // 120)
    newcomers = stages[ApplicationStatus.TRIAL] + stages[ApplicationStatus.ACCEPTED]
    regulars = raiders - len(staff) - newcomers
    # With everyone staying MEAN_TENURE on average, this many founders keeps the roster steady.
    founders = round(regulars * MEAN_TENURE / (1 + MEAN_TENURE))

    people: list[_Person] = []

    def tenure_from(join: float) -> float | None:
        leave = join + max(MIN_TENURE, rng.expovariate(1 / MEAN_TENURE))
        return None if leave >= 1 else leave

    for role in staff:
        people.append(_Person(0, "", "", role, True, 0.0, None, rate=rng.uniform(0.8, 0.97)))
    for number in range(regulars):
        join = 0.0 if number < founders else rng.uniform(0.0, 0.985)
        person = _Person(0, "", "", RoleGroup.MEMBER, True, join, rate=min(0.97, max(0.12, rng.gauss(0.6, 0.2))))
        person.leave = tenure_from(join)
        people.append(person)
    for _ in range(stages[ApplicationStatus.ACCEPTED]):
        join = rng.uniform(0.02, 0.985)
        person = _Person(0, "", "", RoleGroup.MEMBER, True, join, rate=min(0.97, max(0.3, rng.gauss(0.7, 0.15))))
        person.leave, person.application = tenure_from(join), ApplicationStatus.ACCEPTED
        people.append(person)
    for _ in range(stages[ApplicationStatus.TRIAL]):
        days = rng.randint(3, 25)
        person = _Person(0, "", "", RoleGroup.MEMBER, True, 1.0, days_ago=days, rate=rng.uniform(0.75, 0.95))
        person.application = ApplicationStatus.TRIAL
        people.append(person)
    for stage in (ApplicationStatus.SUBMITTED, ApplicationStatus.VOTING):
        for _ in range(stages[stage]):
            days = rng.randint(1, 3) if stage == ApplicationStatus.SUBMITTED else rng.randint(3, 6)
            people.append(_Person(0, "", "", RoleGroup.APPLICANT, False, 1.0, days_ago=days, application=stage))
    for stage in (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN):
        for _ in range(stages[stage]):
            people.append(_Person(0, "", "", RoleGroup.GUEST, False, rng.uniform(0.02, 0.97), application=stage))
    for _ in range(guests):
        people.append(_Person(0, "", "", RoleGroup.GUEST, False, rng.uniform(0.0, 0.99)))

    # In the order they joined (those of the last weeks last), as the app would have numbered them.
    people.sort(key=lambda person: person.join if person.days_ago is None else 1.0 - person.days_ago / 10_000)
    classes = _class_choices(rng, sum(1 for person in people if person.raids), cover=EqClass.values)
    class_of_main = iter(classes)
    used_usernames: set[str] = set()
    for person in people:
        if person.leave is not None and person.role == RoleGroup.MEMBER:
            person.role = RoleGroup.GUEST  # left the guild: a guest again
        main_name = names.new()
        person.username = _username(main_name, rng, used_usernames)
        person.discord_id = _snowflake(rng)
        person.display_name = main_name if rng.random() < 0.6 else main_name[: rng.randint(3, 5)]
        if not person.raids:
            eq_class = rng.choices(list(RAID_CLASS_WEIGHTS), weights=list(RAID_CLASS_WEIGHTS.values()))[0]
            person.applied_name = (main_name, eq_class, rng.randint(55, 70))
            continue
        person.chars.append(_Char(0, main_name, next(class_of_main), rng.randint(60, 70), "main", rng.choice(_RACES)))
        alts = rng.choices((0, 1, 2), weights=(0.5, 0.38, 0.12))[0]
        boxes = rng.choices((0, 1), weights=(0.8, 0.2))[0]
        for tag in [CharacterTag.ALT] * alts + [CharacterTag.BOX] * boxes:
            eq_class = rng.choices(list(RAID_CLASS_WEIGHTS), weights=list(RAID_CLASS_WEIGHTS.values()))[0]
            level = rng.randint(55, 70) if tag == CharacterTag.ALT else rng.randint(50, 65)
            person.chars.append(_Char(0, names.new(), eq_class, level, tag, rng.choice(_RACES)))
        for char in person.chars:
            char.owner = person
        if person.application is not None:
            main = person.main
            person.applied_name = (main.name, main.eq_class, main.level)

    owned = sum(len(person.chars) for person in people)
    unclaimed = []
    for _ in range(round(owned * UNCLAIMED_SHARE / (1 - UNCLAIMED_SHARE))):
        eq_class = rng.choices(list(RAID_CLASS_WEIGHTS), weights=list(RAID_CLASS_WEIGHTS.values()))[0]
        start = rng.uniform(0.0, 0.9)
        char = _Char(0, names.new(), eq_class, rng.randint(55, 70), "main", rng.choice(_RACES))
        char.window, char.rate = (start, min(1.0, start + rng.uniform(0.05, 0.4))), rng.uniform(0.1, 0.4)
        unclaimed.append(char)
    return people, unclaimed


def _snowflake(rng: random.Random) -> str:
    """A Discord id as Discord makes them: milliseconds since 2015 shifted left, plus a counter."""
    millis = rng.randint(0, 9 * 365 * 24 * 3600 * 1000)  # an account made in Discord's first nine years
    return str((millis << 22) + rng.randint(0, (1 << 22) - 1))


def _class_choices(rng: random.Random, count: int, *, cover: Sequence[str]) -> list[str]:
    """``count`` classes: every class in ``cover`` once, the rest by raid make-up, shuffled."""
    chosen = list(cover)[:count]
    chosen += rng.choices(list(RAID_CLASS_WEIGHTS), weights=list(RAID_CLASS_WEIGHTS.values()), k=count - len(chosen))
    rng.shuffle(chosen)
    return chosen


def _username(name: str, rng: random.Random, used: set[str]) -> str:
    """A Discord handle made from the main's name, unique in the guild."""
    base = name.lower()
    for candidate in (
        rng.choice((base, base, f"{base}.eq", f"{base}_", f"the{base}", f"{base}{rng.randint(1, 99)}")),
        *(f"{base}{number}" for number in range(2, 1000)),
    ):
        if candidate not in used:
            used.add(candidate)
            return candidate
    raise RuntimeError(f"no free username for {name}")  # pragma: no cover - a thousand tries


def _percent(attended: int, held: int) -> Decimal:
    """Attended ÷ held as a percentage, half up to 2 decimals, as the attendance summaries round it."""
    if held == 0:
        return Decimal("0.00")
    return (Decimal((20000 * attended + held) // (2 * held)) / 100).quantize(Decimal("0.01"))


def _in_window(times: list[int], at: int) -> int:
    """How many of the sorted ``times`` fall in the 30 days up to ``at`` (``at - 30 days < t <= at``)."""
    return bisect.bisect_right(times, at) - bisect.bisect_right(times, at - WINDOW_SECONDS)


# --- writing rows ------------------------------------------------------------------------------------

Row = dict[str, Any]


class _TableWriter:
    """INSERTs for one model's rows, each given as ``{attname: value}`` in the field's Python type.

    ``bulk_create`` spends most of its time passing every value through its field one by one
    (``pre_save``, ``get_db_prep_save``); at a million rows that alone took longer than the whole
    target. Here only the columns that need it are converted (times, JSON, decimals, dates), with
    Django's own adapters, and the rows go in with ``executemany`` on SQLite and ``COPY`` on
    PostgreSQL (multi-row ``VALUES`` elsewhere). A row must name every column that has no
    default, timestamps included: nothing is stamped with the moment of writing, history keeps
    its own times.
    """

    def __init__(self, model: type[models.Model]) -> None:
        fields = list(model._meta.concrete_fields)
        self.model = model
        self.names = [column.attname for column in fields]
        self.known = frozenset(self.names)
        self.take = operator.itemgetter(*self.names)
        self.defaults: dict[str, Any] = {}
        self.required: set[str] = set()
        for column in fields:
            stamped = isinstance(column, models.DateField) and (column.auto_now or column.auto_now_add)
            if column.has_default() and not stamped and not callable(column.default):
                self.defaults[column.attname] = column.get_default()
            elif column.null:
                self.defaults[column.attname] = None
            elif isinstance(column, models.CharField | models.TextField):
                self.defaults[column.attname] = ""  # as Django fills a text field nobody set
            else:
                self.required.add(column.attname)
        self.converters: list[tuple[int, Callable[[Any], Any]]] = [
            (position, converter)
            for position, column in enumerate(fields)
            if (converter := _converter(column)) is not None
        ]
        quote = connection.ops.quote_name
        self.columns = ", ".join(quote(str(column.column)) for column in fields)
        self.table = quote(model._meta.db_table)
        self.placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"

    def _complete(self, row: Row) -> None:
        unknown = row.keys() - self.known
        missing = self.required - row.keys()
        if unknown or missing:
            raise ValueError(f"{self.model.__name__} row: unknown {sorted(unknown)}, missing {sorted(missing)}")
        for name, default in self.defaults.items():
            row.setdefault(name, default)

    def values(self, row: Row) -> tuple[Any, ...]:
        if len(row) != len(self.names) or row.keys() != self.known:
            self._complete(row)
        value = self.take(row)
        if not self.converters:
            return value if isinstance(value, tuple) else (value,)
        converted = list(value)
        for position, converter in self.converters:
            converted[position] = converter(converted[position])
        return tuple(converted)

    def write(self, rows: list[Row]) -> None:
        values = [self.values(row) for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                for start in range(0, len(values), BATCH_SIZE):
                    cursor.executemany(
                        f"INSERT INTO {self.table} ({self.columns}) VALUES {self.placeholders}",  # noqa: S608 - our names
                        values[start : start + BATCH_SIZE],
                    )
                return
            if connection.vendor == "postgresql":
                # COPY: no statement to parse, each value adapted once by psycopg.
                copy_rows = f"COPY {self.table} ({self.columns}) FROM STDIN"
                with cursor.cursor.copy(copy_rows) as copy:
                    for value in values:
                        copy.write_row(value)
                return
            per_statement = max(1, min(BATCH_SIZE, 60_000 // len(self.names)))
            for start in range(0, len(values), per_statement):
                chunk = values[start : start + per_statement]
                statement = f"INSERT INTO {self.table} ({self.columns}) VALUES " + ", ".join(  # noqa: S608 - our names
                    [self.placeholders] * len(chunk)
                )
                cursor.execute(statement, [value for row in chunk for value in row])


def _converter(column: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a value of this field becomes a database parameter; None when it already is one."""
    if isinstance(column, models.IntegerField | models.ForeignKey | models.BooleanField | models.CharField):
        return None
    if isinstance(column, models.TextField):
        return None
    if isinstance(column, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        cache: dict[dt.datetime, Any] = {}

        def convert_time(value: dt.datetime | None) -> Any:
            # Attendance entries share their tick's time: each distinct time is adapted once.
            if value is None:
                return None
            known = cache.get(value)
            if known is None:
                if len(cache) > 100_000:
                    cache.clear()
                known = cache[value] = adapt(value)
            return known

        return convert_time
    return lambda value: column.get_db_prep_save(value, connection)


# --- the history -----------------------------------------------------------------------------------


@dataclass(eq=False)
class _PoolState:
    pool: DkpPool
    rules: resolver.Rules
    rules_json: dict[str, object]
    tick_times: list[int] = field(default_factory=list)  # every tick held in the pool, as epoch seconds


@dataclass(eq=False)
class _EventState:
    event: Event
    plan: _EventPlan
    pool: _PoolState
    item_ids: list[int]


@dataclass(eq=False)
class _Bid:
    """A bid during the simulation of one batch of auctions."""

    row: Row
    person: _Person
    live: bool


# The order rows are written in: parents before children.
_WRITE_ORDER: tuple[type[models.Model], ...] = (
    User,
    Character,
    CharacterOwnership,
    Item,
    ApplicationQuestion,
    Raid,
    RaidTick,
    RaidAttendance,
    PointAdjustment,
    Auction,
    ItemBid,
    BidHistory,
    LootDistribution,
    PointEntry,
    UserPointsSummary,
    GuildApplication,
    ApplicationStageChange,
    ApplicationVote,
    ApplicationComment,
)


class _GuildBuilder:
    def __init__(self, *, users: int, years: int, seed: int, today: dt.date | None, progress: Progress) -> None:
        self.users, self.years, self.seed = users, years, seed
        self.progress = progress
        settings = GuildSettings.load()
        self.zone = guild_zone()
        self.server = settings.server_name
        self.vote_threshold = Decimal(settings.vote_threshold_percent)
        # The history ends at the midnight that starts ``today``, not at the clock's now: the same
        # seed on the same day gives the same guild, to the second, on any database.
        self.today = today or timezone.localdate(timezone=self.zone)
        self.now = dt.datetime.combine(self.today, dt.time(0), tzinfo=self.zone)
        first_day = self.today - dt.timedelta(days=365 * years)
        self.start = dt.datetime.combine(first_day, dt.time(0), tzinfo=self.zone)
        self.span = self.now - self.start
        self.rng = random.Random(f"generate_guild history {seed} {users} {years}")
        self.people, self.unclaimed = _plan_people(users, random.Random(f"generate_guild people {seed} {users}"))
        self.raiders = [person for person in self.people if person.raids]
        self.officers = [person for person in self.people if person.role == RoleGroup.OFFICER]
        self.recruiters = [person for person in self.people if person.role == RoleGroup.RECRUITER]
        self.next_id: dict[type[models.Model], int] = {}
        self.pending: dict[type[models.Model], list[Row]] = {}
        self.written: dict[type[models.Model], int] = {}
        self.writers: dict[type[models.Model], _TableWriter] = {}
        # Per (user id, pool id): earned, spent, adjusted, decayed, balance, lifetime earned.
        self.tally: dict[tuple[int, int], list[int]] = {}
        self.attended: dict[tuple[int, int], list[int]] = {}  # (user id, pool id or 0 for all) -> tick times
        self.all_tick_times: list[int] = []
        self.pool_tick_times: dict[int, list[int]] = {}
        self.pools: dict[str, _PoolState] = {}
        self.events: list[_EventState] = []
        self.entry_kinds: dict[str, int] = dict.fromkeys(EntryKind.values, 0)
        self.item_names: dict[int, str] = {}
        self.report = GenerationReport(users=users, years=years, seed=seed)
        self.phase_started = time.monotonic()

    # --- the whole build ------------------------------------------------------------------------------

    def build(self) -> GenerationReport:
        for model in _WRITE_ORDER:
            self.next_id[model] = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
        self._place_people_in_time()
        self._write_people()
        self._pools_events_items()
        self._phase("people", f"{len(self.people):,} users, {self._count(Character):,} characters, {len(_POOLS)} pools")
        self._history()
        self._recruitment()
        self._phase(
            "applications", f"{self._count(GuildApplication)} applications, {self._count(ApplicationVote)} votes"
        )
        self._points_summaries()
        self._phase("points summaries", f"{self._count(UserPointsSummary):,} rows from the ledger")
        written = refresh_attendance_summaries(now=self.now)
        self._reset_sequences()
        self._phase("attendance summaries", f"{written:,} rows")
        self.report.counts = {
            **{_LABELS[model]: self._count(model) for model in _LABELS},
            "attendance summaries": written,
        }
        self.report.entries = dict(self.entry_kinds)
        return self.report

    def _phase(self, name: str, detail: str) -> None:
        now = time.monotonic()
        seconds = now - self.phase_started
        self.report.phases[name] = self.report.phases.get(name, 0.0) + seconds
        self.phase_started = now
        self.progress(f"{name}: {detail} ({seconds:.1f} s)")

    def _count(self, model: type[models.Model]) -> int:
        return self.written.get(model, 0) + len(self.pending.get(model, []))

    def _key(self, model: type[models.Model]) -> int:
        key = self.next_id[model]
        self.next_id[model] = key + 1
        return key

    def _add(self, model: type[models.Model], **values: Any) -> Row:
        """A row to write, with a key chosen now unless given.

        Returned so that it can still change (an auction's outcome, a bid's status): rows stay in
        memory at least until the raid night they belong to is over.
        """
        if "id" not in values:
            values["id"] = self._key(model)
        self.pending.setdefault(model, []).append(values)
        return values

    def _flush(self) -> None:
        """Write every pending row, parents before children."""
        for model in _WRITE_ORDER:
            rows = self.pending.pop(model, [])
            if not rows:
                continue
            writer = self.writers.get(model)
            if writer is None:
                writer = self.writers[model] = _TableWriter(model)
            writer.write(rows)
            self.written[model] = self.written.get(model, 0) + len(rows)

    def _pending_rows(self) -> int:
        return sum(len(rows) for rows in self.pending.values())

    def _reset_sequences(self) -> None:
        """Keys were chosen here; move each table's sequence past them (PostgreSQL; SQLite needs nothing)."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(_WRITE_ORDER))
        if statements:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    def _at_fraction(self, fraction: float) -> dt.datetime:
        return self.start + self.span * fraction

    # --- people ---------------------------------------------------------------------------------------

    def _place_people_in_time(self) -> None:
        for person in self.people:
            if person.days_ago is not None:
                day = self.today - dt.timedelta(days=person.days_ago)
                person.joined_at = dt.datetime.combine(day, dt.time(RAID_HOUR - 2), tzinfo=self.zone)
            else:
                person.joined_at = self._at_fraction(person.join)
            person.left_at = None if person.leave is None else self._at_fraction(person.leave)
            if person.left_at is not None:
                # Everyone who joined raided at least a week, however short the history.
                person.left_at = max(person.left_at, person.joined_at + dt.timedelta(days=8))

    def _signed_up(self, person: _Person) -> dt.datetime:
        """When they first signed in: at joining, or three weeks earlier for those who applied and got in."""
        if person.application in (ApplicationStatus.ACCEPTED, ApplicationStatus.TRIAL):
            return max(self.start, person.joined_at - dt.timedelta(days=21))
        return person.joined_at

    def _write_people(self) -> None:
        for person in self.people:
            for char in person.chars:
                char.id = self._key(Character)
        for char in self.unclaimed:
            char.id = self._key(Character)
        members = (RoleGroup.OFFICER, RoleGroup.RECRUITER, RoleGroup.DEVELOPER, RoleGroup.MEMBER)
        for person in self.people:
            person.id = self._key(User)
            self._add(
                User,
                id=person.id,
                password=make_password(None),
                username=person.username,
                discord_id=person.discord_id,
                discord_username=person.username,
                display_name=person.display_name,
                role_group=person.role,
                member_since=person.joined_at.astimezone(self.zone).date() if person.role in members else None,
                main_character_id=person.main.id if person.chars else None,
                date_joined=self._signed_up(person),
            )
        officer = self.officers[0]
        for person in self.people:
            for char in person.chars:
                self._character(char, person)
                self._add(
                    CharacterOwnership,
                    character_id=char.id,
                    user_id=person.id,
                    started_at=person.joined_at,
                    changed_by_id=officer.id,
                    reason="registered by an officer",
                )
        for char in self.unclaimed:
            self._character(char, None)
        self._flush()

    def _character(self, char: _Char, owner: _Person | None) -> None:
        if owner is None:
            seen, active = self._at_fraction(char.window[0]), char.window[1] >= 1.0
        else:
            seen, active = owner.joined_at, owner.left_at is None
        self._add(
            Character,
            id=char.id,
            name=char.name,
            eq_class=char.eq_class,
            level=char.level,
            race=char.race,
            owner_id=owner.id if owner else None,
            tag=char.tag,
            is_active=active,
            created_at=seen,
            updated_at=seen,
        )

    def _pools_events_items(self) -> None:
        officer = User.objects.get(pk=self.officers[0].id)
        for pool_plan in _POOLS:
            pool = create_pool(actor=officer, name=pool_plan.name, description=pool_plan.description, **pool_plan.rules)
            DkpPool.objects.filter(pk=pool.pk).update(created_at=self.start, updated_at=self.start)
            rules_json = pool.auction_rules()
            state = self.pools[pool_plan.name] = _PoolState(pool, resolver.Rules.from_json(rules_json), rules_json)
            self.pool_tick_times[pool.pk] = state.tick_times
        self.written[DkpPool] = len(_POOLS)
        item_numbers = self.rng.sample(range(1_000, 200_000), sum(len(plan.loot) for plan in _EVENTS))
        for plan in _EVENTS:
            pool_state = self.pools[plan.pool]
            event = create_event(
                pool=pool_state.pool, name=plan.name, default_tick_value=plan.tick_value, actor=officer
            )
            Event.objects.filter(pk=event.pk).update(created_at=self.start, updated_at=self.start)
            item_ids = []
            for name in plan.loot:
                item = self._add(
                    Item, name=name, eq_item_id=item_numbers.pop(), created_at=self.start, updated_at=self.start
                )
                item_ids.append(item["id"])
                self.item_names[item["id"]] = name
            self.events.append(_EventState(event, plan, pool_state, item_ids))
        self.written[Event] = len(_EVENTS)
        for position, (text, required) in enumerate(_QUESTIONS, start=1):
            self._add(ApplicationQuestion, text=text, required=required, position=position, is_active=True)
        self._flush()

    # --- raid nights, in the order things happened -------------------------------------------------------

    def _nights(self) -> list[tuple[dt.date, _EventState]]:
        by_weekday: dict[int, list[_EventState]] = {}
        for state in self.events:
            for weekday in state.plan.weekdays:
                by_weekday.setdefault(weekday, []).append(state)
        nights = []
        held_on: dict[int, int] = {}  # weekday -> nights held on it, so a weekday's events take turns
        day = self.start.date()
        while day < self.today:
            choices = by_weekday.get(day.weekday())
            if choices and self.rng.random() >= 0.04:  # a holiday now and then
                turn = held_on[day.weekday()] = held_on.get(day.weekday(), -1) + 1
                nights.append((day, choices[turn % len(choices)]))
            day += dt.timedelta(days=1)
        return nights

    def _history(self) -> None:
        nights = self._nights()
        if nights:
            self.report.first_night, self.report.last_night = nights[0][0], nights[-1][0]
        self._carry_over(self.start + dt.timedelta(hours=12))
        decays = self._decay_times()
        adjustments_per_night = self.users * self.years * ADJUSTMENTS_PER_USER_YEAR / max(1, len(nights))
        adjustments_per_night -= self.entry_kinds[EntryKind.ADJUSTMENT] / max(1, len(nights))
        year = None
        for night, state in nights:
            starts_at = dt.datetime.combine(night, dt.time(RAID_HOUR), tzinfo=self.zone)
            while decays and decays[0][0] < starts_at:
                self._decay(*decays.pop(0))
            whole, part = divmod(max(0.0, adjustments_per_night), 1)
            for _ in range(int(whole) + (self.rng.random() < part)):
                self._adjust(starts_at - dt.timedelta(minutes=self.rng.randint(15, 240)))
            if year != night.year:
                if year is not None:
                    self._progress_year(year)
                year = night.year
            self._raid_night(starts_at, state)
            if self._pending_rows() >= FLUSH_AT:
                self._flush()
        while decays:
            self._decay(*decays.pop(0))
        for pool_state in self.pools.values():
            if pool_state.pool.last_decayed_at is not None:
                DkpPool.objects.filter(pk=pool_state.pool.pk).update(last_decayed_at=pool_state.pool.last_decayed_at)
        self._flush()
        if year is not None:
            self._progress_year(year)
        self._phase(
            "raid nights",
            f"{self._count(Raid):,} nights, {self._count(RaidTick):,} ticks, "
            f"{self._count(RaidAttendance):,} attendance rows, {self._count(Auction):,} auctions, "
            f"{self._count(ItemBid):,} bids, {self._count(PointEntry):,} ledger entries",
        )

    def _progress_year(self, year: int) -> None:
        self.progress(
            f"  {year}: {self._count(Raid):,} nights, {self._count(RaidAttendance):,} attendance rows, "
            f"{self._count(Auction):,} auctions so far ({time.monotonic() - self.phase_started:.1f} s)"
        )

    def _active(self, person: _Person, at: dt.datetime) -> bool:
        return person.joined_at <= at and (person.left_at is None or at < person.left_at)

    def _raid_night(self, starts_at: dt.datetime, state: _EventState) -> None:
        rng = self.rng
        officer = rng.choice(self.officers)
        planned = starts_at - dt.timedelta(hours=2)
        raid = self._add(
            Raid,
            event_id=state.event.pk,
            starts_at=starts_at,
            note=rng.choice(_RAID_NOTES),
            created_by_id=officer.id,
            created_at=planned,
            updated_at=planned,
        )
        legacy = state.pool.rules.price_rule == PriceRule.FIRST_PRICE
        # Who comes tonight, with which character (and which boxes). A newcomer comes to their first night.
        tonight: list[tuple[_Person, _Char, list[_Char]]] = []
        for person in self.raiders:
            if not self._active(person, starts_at):
                continue
            if person.has_raided and rng.random() >= person.rate:
                continue
            alts = person.alts()
            char = person.main
            if alts and rng.random() < (0.45 if legacy else 0.07):
                char = rng.choice(alts)
            boxes = [box for box in person.boxes() if rng.random() < 0.6]
            tonight.append((person, char, boxes))
        fraction = (starts_at - self.start) / self.span
        pugs = [c for c in self.unclaimed if c.window[0] <= fraction < c.window[1] and rng.random() < c.rate]
        ticks = rng.choices((3, 4, 5), weights=(1, 2, 1))[0]
        for number in range(ticks):
            occurred_at = starts_at + dt.timedelta(minutes=60 * number + rng.randint(0, 8), seconds=rng.randint(0, 59))
            if occurred_at > self.now:
                break
            presence = 0.88 if number == 0 else 0.85 if number == ticks - 1 else 0.95
            here = [(person, char, boxes) for person, char, boxes in tonight if rng.random() < presence]
            if not here and not pugs:
                continue
            if number == 0:
                description = "on time"
            elif number == ticks - 1:
                description = "end of night"
            else:
                description = f"{state.plan.bosses[(number - 1) % len(state.plan.bosses)]} kill"
            self._tick(raid["id"], state, occurred_at, description, here, pugs, officer)
            if number > 0:
                self._loot(raid["id"], state, occurred_at, here, officer)

    def _tick(
        self,
        raid_id: int,
        state: _EventState,
        occurred_at: dt.datetime,
        description: str,
        here: list[tuple[_Person, _Char, list[_Char]]],
        pugs: list[_Char],
        officer: _Person,
    ) -> None:
        characters: list[tuple[_Person | None, _Char]] = [
            (person, char) for person, main, boxes in here for char in (main, *boxes)
        ]
        characters += [(None, char) for char in pugs]
        names = sorted(char.name for _, char in characters)
        file_name = raid_dump_file_name(occurred_at.astimezone(self.zone).replace(tzinfo=None), server=self.server)
        recorded = occurred_at + dt.timedelta(minutes=1)
        tick = self._add(
            RaidTick,
            raid_id=raid_id,
            occurred_at=occurred_at,
            value=state.event.default_tick_value,
            description=description,
            source_name=file_name,
            source_digest=hashlib.sha256("\n".join([file_name, *names]).encode()).hexdigest(),
            created_by_id=officer.id,
            created_at=recorded,
            updated_at=recorded,
        )
        tick_id = tick["id"]
        pool = state.pool.pool
        stamp = int(occurred_at.timestamp())
        state.pool.tick_times.append(stamp)
        self.all_tick_times.append(stamp)
        credited: dict[int, tuple[_Person, str]] = {}
        for person, char in characters:
            self._add(
                RaidAttendance,
                tick_id=tick_id,
                character_id=char.id,
                user_id=person.id if person else None,
                character_name=char.name,
                character_class=char.eq_class,
                character_level=char.level,
            )
            if person is not None:
                # One credit per user, named after their alphabetically first character, as credit_tick does.
                known = credited.get(person.id)
                if known is None or char.name < known[1]:
                    credited[person.id] = (person, char.name)
        memo = f"{state.event.name}: {description}"
        for person, name in credited.values():
            person.has_raided = True
            self.attended.setdefault((person.id, pool.pk), []).append(stamp)
            self.attended.setdefault((person.id, 0), []).append(stamp)
            self._entry(
                person,
                pool,
                tick["value"],
                EntryKind.ATTENDANCE,
                occurred_at,
                character_name=name,
                memo=memo,
                tick_id=tick_id,
                actor=officer,
            )

    def _entry(
        self,
        person: _Person,
        pool: DkpPool,
        amount: int,
        kind: str,
        occurred_at: dt.datetime,
        *,
        character_name: str = "",
        memo: str = "",
        tick_id: int | None = None,
        loot_id: int | None = None,
        adjustment_id: int | None = None,
        actor: _Person | None = None,
    ) -> None:
        """One ledger entry, and the same move in the user's tally (what the summary will say)."""
        tally = self.tally.get((person.id, pool.pk))
        if tally is None:
            tally = self.tally[(person.id, pool.pk)] = [0, 0, 0, 0, 0, 0]
        if kind == EntryKind.ATTENDANCE:
            tally[0] += amount
            tally[5] += amount
        elif kind == EntryKind.LOOT:
            tally[1] -= amount
        elif kind == EntryKind.ADJUSTMENT:
            tally[2] += amount
            if amount > 0:
                tally[5] += amount
        else:
            tally[3] -= amount
        tally[4] += amount
        if tally[4] < 0:  # pragma: no cover - the simulation only spends what is there
            raise AssertionError(f"{person.username} would go below zero in {pool.name}")
        self.entry_kinds[kind] += 1
        self._add(
            PointEntry,
            user_id=person.id,
            pool_id=pool.pk,
            amount=amount,
            kind=kind,
            character_name=character_name,
            tick_id=tick_id,
            loot_id=loot_id,
            adjustment_id=adjustment_id,
            reverses_id=None,
            memo=memo,
            occurred_at=occurred_at,
            created_at=occurred_at,
            created_by_id=actor.id if actor else None,
        )

    def _balance(self, person: _Person, pool: DkpPool) -> int:
        tally = self.tally.get((person.id, pool.pk))
        return tally[4] if tally else 0

    # --- loot ---------------------------------------------------------------------------------------------

    def _loot(
        self,
        raid_id: int,
        state: _EventState,
        killed_at: dt.datetime,
        here: list[tuple[_Person, _Char, list[_Char]]],
        officer: _Person,
    ) -> None:
        """A batch of auctions after a kill: opened together, bid on by those present, closed together."""
        rng = self.rng
        pool = state.pool
        drops = max(0, round(rng.gauss(len(here) * ITEMS_PER_RAIDER, 1.2)))
        opened_at = killed_at + dt.timedelta(minutes=rng.randint(8, 20), seconds=rng.randint(0, 59))
        closes_at = opened_at + dt.timedelta(minutes=AUCTION_MINUTES)
        if not drops or closes_at > self.now:
            return
        held: dict[int, int] = {}  # user id -> points their live bids hold in this batch
        batch: list[tuple[Row, list[_Bid]]] = []
        for _ in range(drops):
            auction = self._add(
                Auction,
                item_id=rng.choice(state.item_ids),
                pool_id=pool.pool.pk,
                raid_id=raid_id,
                quantity=1,
                status=AuctionStatus.OPEN,
                opened_by_id=officer.id,
                opened_at=opened_at,
                closes_at=closes_at,
                closed_at=closes_at,
                rules=pool.rules_json,
                tie_break_seed=rng.getrandbits(62),
                outcome={},
                discord_channel_id="",
                discord_message_id="",
                created_at=opened_at,
                updated_at=opened_at,
            )
            bids: list[_Bid] = []
            if rng.random() >= ROT_SHARE:
                wanted = max(1, round(rng.gauss(BIDS_PER_AUCTION, 1.8)))
                for person, char, _ in rng.sample(here, min(wanted, len(here))):
                    bid = self._bid(auction, pool, person, char, held)
                    if bid is not None:
                        bids.append(bid)
            batch.append((auction, bids))
        # Closed in key order, as close_due_auctions does.
        for auction, bids in batch:
            self._close(auction, state, bids, officer)

    def _bid(self, auction: Row, pool: _PoolState, person: _Person, char: _Char, held: dict[int, int]) -> _Bid | None:
        """A member's bid within what they can still spend, with its history; None when they can't bid."""
        rng, rules = self.rng, pool.rules
        available = self._balance(person, pool.pool) - held.get(person.id, 0)
        minimum = max(rules.minimum_bid, 1)
        cap = rules.tag_caps.get(char.tag)
        highest = available if cap is None else min(available, cap)
        if highest < minimum:
            return None
        if cap is not None:
            amount = rng.randint(minimum, highest)
        else:
            share = rng.uniform(0.03, 0.4) if rules.price_rule == PriceRule.SECOND_PRICE else rng.uniform(0.02, 0.2)
            amount = min(max(minimum, round(available * share)), highest)
        opened_at: dt.datetime = auction["opened_at"]
        window = int((auction["closes_at"] - opened_at).total_seconds())
        moments = sorted(rng.randint(3, window - 3) for _ in range(3))
        placed_at, raised_at, withdrawn_at = (opened_at + dt.timedelta(seconds=moment) for moment in moments)
        # Game bids need a relaying officer and the tell's time; the generated history predates the companion.
        channel = rng.choices((Channel.WEB, Channel.API, Channel.DISCORD), weights=(5, 1, 4))[0]
        bid_id = self._key(ItemBid)
        history: list[tuple[str, int, dt.datetime, str]] = []
        if rng.random() < 0.02:
            # Tried more than they had first: refused, with the service's reason.
            tried = available + rng.randint(1, 40)
            reason = f"You have {available} points available in {pool.pool.name}; a bid of {tried} is more than that."
            history.append((BidAction.REJECTED, tried, placed_at - dt.timedelta(seconds=2), reason))
        first = rng.randint(minimum, amount - 1) if amount > minimum and rng.random() < 0.3 else amount
        history.append((BidAction.PLACED, first, placed_at, ""))
        set_at = placed_at
        if first != amount:
            history.append((BidAction.RAISED, amount, raised_at, ""))
            set_at = raised_at
        live = rng.random() >= 0.04
        if not live:
            history.append((BidAction.WITHDRAWN, amount, withdrawn_at, ""))
        row = self._add(
            ItemBid,
            id=bid_id,
            auction_id=auction["id"],
            user_id=person.id,
            character_name=char.name,
            amount=amount,
            tag=char.tag,
            channel=channel,
            status=BidStatus.LIVE if live else BidStatus.WITHDRAWN,
            amount_set_at=set_at,
            created_at=placed_at,
            updated_at=set_at if live else withdrawn_at,
        )
        for action, value, at, reason in history:
            self._add(
                BidHistory,
                auction_id=auction["id"],
                bid_id=None if action == BidAction.REJECTED else bid_id,
                user_id=person.id,
                action=action,
                amount=value,
                reason=reason,
                channel=channel,
                created_at=at,
            )
        if live:
            held[person.id] = held.get(person.id, 0) + amount
        return _Bid(row, person, live)

    def _attendance_30(self, person: _Person, pool_id: int, at: int) -> Decimal:
        """Their 30-day attendance in the pool at ``at`` (``pool_id`` 0: over all pools)."""
        held = self.all_tick_times if pool_id == 0 else self.pool_tick_times[pool_id]
        return _percent(_in_window(self.attended.get((person.id, pool_id), []), at), _in_window(held, at))

    def _close(self, auction: Row, state: _EventState, bids: list[_Bid], officer: _Person) -> None:
        """Resolve with the real resolver and award as close_auction does: outcome, statuses, debits."""
        pool = state.pool
        closes_at: dt.datetime = auction["closes_at"]
        at = int(closes_at.timestamp())
        live = [bid for bid in bids if bid.live]
        resolution = resolver.resolve(
            rules=pool.rules,
            quantity=auction["quantity"],
            bids=[
                resolver.Bid(
                    bid_id=bid.row["id"],
                    user_id=bid.person.id,
                    name=bid.row["character_name"],
                    amount=bid.row["amount"],
                    tag=bid.row["tag"],
                    placed_at=bid.row["amount_set_at"],
                    attendance_30=self._attendance_30(bid.person, pool.pool.pk, at),
                )
                for bid in live
            ],
            seed=auction["tie_break_seed"],
        )
        by_id = {bid.row["id"]: bid for bid in live}
        awarded_at = closes_at + dt.timedelta(seconds=self.rng.randint(0, 20))
        winners = []
        for award in resolution.awards:
            bid = by_id[award.bid_id]
            if not award.price <= bid.row["amount"] <= self._balance(bid.person, pool.pool):  # pragma: no cover
                raise AssertionError(f"auction {auction['id']} would charge more than the bid or the balance")
            distribution = self._add(
                LootDistribution,
                auction_id=auction["id"],
                raid_id=auction["raid_id"],
                pool_id=pool.pool.pk,
                item_id=auction["item_id"],
                user_id=bid.person.id,
                character_name=bid.row["character_name"],
                price=award.price,
                awarded_by_id=officer.id,
                awarded_at=awarded_at,
                is_reversed=False,
            )
            if award.price > 0:
                self._entry(
                    bid.person,
                    pool.pool,
                    -award.price,
                    EntryKind.LOOT,
                    awarded_at,
                    character_name=bid.row["character_name"],
                    memo=self.item_names[auction["item_id"]],
                    loot_id=distribution["id"],
                    actor=officer,
                )
            bid.row["status"] = BidStatus.WON
            winners.append(
                {
                    "distribution_id": distribution["id"],
                    "bid_id": bid.row["id"],
                    "name": bid.row["character_name"],
                    "price": award.price,
                }
            )
        for bid in live:
            if bid.row["status"] == BidStatus.LIVE:
                bid.row["status"] = BidStatus.LOST
            bid.row["updated_at"] = awarded_at
        auction["status"] = AuctionStatus.AWARDED if winners else AuctionStatus.ROTTED
        auction["outcome"] = {
            **resolution.as_json(),
            "winners": winners,
            "names": {str(bid.row["id"]): bid.row["character_name"] for bid in live},
            "passed_over": [],
            "closed_by": "",
        }
        auction["updated_at"] = awarded_at

    # --- adjustments and decay ------------------------------------------------------------------------

    def _carry_over(self, at: dt.datetime) -> None:
        """The founders' balances from the spreadsheet the guild kept before."""
        officer = self.officers[0]
        pool = self.pools["Main"].pool
        for person in self.raiders:
            if person.joined_at <= self.start:
                amount = 5 * round(person.rate * self.rng.randint(10, 60))
                if amount:
                    self._adjustment(person, pool, amount, _CARRY_OVER, at, officer)

    def _adjust(self, at: dt.datetime) -> None:
        """An officer's adjustment for a member in the guild at the time; a debit only when it is covered."""
        active = [person for person in self.raiders if self._active(person, at)]
        if not active:
            return
        rng = self.rng
        person = rng.choice(active)
        pool = self.pools["Main" if rng.random() < 0.75 else "Legacy"].pool
        amount = rng.choice((5, 10, 10, 15, 20, 25, 50))
        reason = rng.choice(_RAISE_REASONS)
        if rng.random() < 0.3 and self._balance(person, pool) >= amount:
            amount, reason = -amount, rng.choice(_CUT_REASONS)
        self._adjustment(person, pool, amount, reason, at, rng.choice(self.officers))

    def _adjustment(
        self, person: _Person, pool: DkpPool, amount: int, reason: str, at: dt.datetime, officer: _Person
    ) -> None:
        adjustment = self._add(
            PointAdjustment,
            user_id=person.id,
            pool_id=pool.pk,
            amount=amount,
            reason=reason,
            created_by_id=officer.id,
            created_at=at,
            updated_at=at,
        )
        self._entry(
            person,
            pool,
            amount,
            EntryKind.ADJUSTMENT,
            at,
            character_name=person.main.name,
            memo=reason,
            adjustment_id=adjustment["id"],
            actor=officer,
        )

    def _decay_times(self) -> list[tuple[dt.datetime, DkpPool]]:
        """When the nightly task decayed each decaying pool: a period after the last time, in time order."""
        times = []
        for state in self.pools.values():
            pool = state.pool
            if pool.decay_percent <= 0:
                continue
            day = self.start.date() + dt.timedelta(days=pool.decay_period_days)
            while (at := dt.datetime.combine(day, dt.time(DECAY_HOUR), tzinfo=self.zone)) <= self.now:
                times.append((at, pool))
                day += dt.timedelta(days=pool.decay_period_days)
        return sorted(times, key=lambda decay: (decay[0], decay[1].pk))

    def _decay(self, at: dt.datetime, pool: DkpPool) -> None:
        """Every balance above the floor loses its percentage, in user order, as apply_decay writes it."""
        memo = f"{pool.decay_percent}% decay (floor {pool.decay_floor})"
        for person in self.raiders:
            amount = decay_amount(
                balance=self._balance(person, pool), percent=pool.decay_percent, floor=pool.decay_floor
            )
            if amount:
                self._entry(person, pool, -amount, EntryKind.DECAY, at, memo=memo)
        pool.last_decayed_at = at

    # --- recruitment ----------------------------------------------------------------------------------

    def _recruitment(self) -> None:
        rng = self.rng
        staff = self.officers + self.recruiters
        applicants = sorted(
            (person for person in self.people if person.application is not None), key=lambda person: person.joined_at
        )
        for person in applicants:
            stage = person.application
            assert stage is not None
            assert person.applied_name is not None
            name, eq_class, level = person.applied_name
            if stage in (ApplicationStatus.ACCEPTED, ApplicationStatus.TRIAL):
                # A trial starts, or an acceptance comes, when they join the guild.
                decided = person.joined_at
                created = decided - dt.timedelta(days=rng.randint(8, 20), hours=rng.randint(0, 12))
            elif stage in (ApplicationStatus.SUBMITTED, ApplicationStatus.VOTING):
                created, decided = person.joined_at, self.now
            else:
                created = person.joined_at
                later = created + dt.timedelta(days=rng.randint(3, 15), hours=rng.randint(0, 12))
                decided = min(later, self.now - dt.timedelta(hours=1))
            created = max(created, self.start)
            # (when, from, to, by whom): the moves the application made
            moves: list[tuple[dt.datetime, str, str, _Person]] = [(created, "", ApplicationStatus.SUBMITTED, person)]
            voting_from = created + (decided - created) * rng.uniform(0.15, 0.4)
            if stage == ApplicationStatus.VOTING:
                voting_from = created + dt.timedelta(days=rng.randint(1, 2), hours=rng.randint(0, 8))
                goes_to_vote = True
            elif stage == ApplicationStatus.TRIAL:
                goes_to_vote = True
            elif stage == ApplicationStatus.SUBMITTED:
                goes_to_vote = False
            else:
                goes_to_vote = rng.random() < (0.5 if stage == ApplicationStatus.WITHDRAWN else 0.8)
            if goes_to_vote:
                moves.append((voting_from, ApplicationStatus.SUBMITTED, ApplicationStatus.VOTING, rng.choice(staff)))
            if stage in (ApplicationStatus.TRIAL, ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED):
                moves.append((decided, moves[-1][2], stage, rng.choice(self.officers)))
            elif stage == ApplicationStatus.WITHDRAWN:
                moves.append((decided, moves[-1][2], stage, person))
            voting_closes_at = voting_from + dt.timedelta(days=7) if goes_to_vote else None
            decider = moves[-1][3] if stage in (ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED) else None
            trial_ends = (decided + dt.timedelta(days=30)).astimezone(self.zone).date()
            application = self._add(
                GuildApplication,
                applicant_id=person.id,
                character_name=name,
                character_class=eq_class,
                character_level=level,
                answers=[
                    {"question": question, "answer": rng.choice(options).format(level=level, eq_class=eq_class)}
                    for (question, _), options in zip(_QUESTIONS, _ANSWERS, strict=True)
                ],
                status=stage,
                voting_closes_at=voting_closes_at,
                trial_ends_at=trial_ends if stage == ApplicationStatus.TRIAL else None,
                decided_by_id=decider.id if decider else None,
                decided_at=moves[-1][0] if decider else None,
                created_at=created,
                updated_at=moves[-1][0],
            )
            for at, from_status, to_status, by in moves:
                self._add(
                    ApplicationStageChange,
                    application_id=application["id"],
                    from_status=from_status,
                    to_status=to_status,
                    changed_by_id=by.id,
                    reason="" if by is person else rng.choice(("", "", "Looks good.", "Discussed on Discord.")),
                    created_at=at,
                )
            if voting_closes_at is not None:
                until = min(voting_closes_at, decided, self.now)
                self._votes(application["id"], person, voting_from, until, yes=stage != ApplicationStatus.REJECTED)
            for _ in range(rng.randint(1, 3)):
                self._comment(application["id"], person, created, min(decided, self.now), staff)
        self._flush()

    def _votes(
        self, application_id: int, applicant: _Person, opened: dt.datetime, until: dt.datetime, *, yes: bool
    ) -> None:
        """Members with the 30-day attendance the guild asks for vote while voting is open."""
        rng = self.rng
        wanted = rng.randint(6, 14)
        seconds = max(60, int((until - opened).total_seconds()) - 60)
        voters = [person for person in self.raiders if person is not applicant and self._active(person, opened)]
        rng.shuffle(voters)
        cast = 0
        for voter in voters:
            if cast == wanted:
                break
            at = opened + dt.timedelta(seconds=rng.randint(30, seconds))
            attendance = self._attendance_30(voter, 0, int(at.timestamp()))
            if not self._active(voter, at) or attendance < self.vote_threshold:
                continue
            self._add(
                ApplicationVote,
                application_id=application_id,
                voter_id=voter.id,
                choice=rng.choices(VoteChoice.values, weights=(7, 1, 2) if yes else (2, 6, 2))[0],
                attendance_30=attendance,
                created_at=at,
                updated_at=at,
            )
            cast += 1

    def _comment(
        self, application_id: int, applicant: _Person, since: dt.datetime, until: dt.datetime, staff: list[_Person]
    ) -> None:
        rng = self.rng
        at = since + (until - since) * rng.uniform(0.05, 0.95)
        if rng.random() < 0.3:
            author, visibility = rng.choice(staff), CommentVisibility.OFFICERS
            body = rng.choice(
                ("Trial looks good so far.", "Checked with their old guild.", "Attendance would not fit.")
            )
        else:
            members = [person for person in self.raiders if self._active(person, at) and person is not applicant]
            author, visibility = (rng.choice(members) if members else rng.choice(staff)), CommentVisibility.MEMBERS
            body = rng.choice(_COMMENTS)
        self._add(
            ApplicationComment,
            application_id=application_id,
            author_id=author.id,
            body=body,
            visibility=visibility,
            edited_at=None,
            created_at=at,
            updated_at=at,
        )

    # --- summaries ------------------------------------------------------------------------------------

    def _points_summaries(self) -> None:
        """One summary per user and pool with entries: the tallies of the very ledger just written."""
        for (user_id, pool_id), (earned, spent, adjusted, decayed, balance, lifetime) in sorted(self.tally.items()):
            self._add(
                UserPointsSummary,
                user_id=user_id,
                pool_id=pool_id,
                earned=earned,
                spent=spent,
                adjusted=adjusted,
                decayed=decayed,
                balance=balance,
                lifetime_earned=lifetime,
                updated_at=self.now,
            )
        self._flush()
