"""The demo guild: Ashen Vanguard on xegony, three months of raiding that makes every page worth a look.

``load_demo()`` builds it through the same services officers use: raids and ticks from raid dumps
written in the client's format and parsed back (``dkp.eqlog``), loot and adjustments through the
ledger, claims and a transfer through the character services. Recruitment is written with the ORM
until its services exist. The same seed gives the same guild; ``demo_guild_exists()`` lets the
command load it once.

The people it makes for the demo sign-in page to offer are named in ``dkp.web.demo.DEMO_PERSONAS``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.utils import timezone

from dkp.accounts.models import User
from dkp.characters.models import Character, CharacterClaimRequest, CharacterOwnership, CharacterTag, EqClass
from dkp.characters.services import request_claim
from dkp.core.errors import GuildError
from dkp.core.models import GuildSettings
from dkp.core.roles import GUILD_MEMBERS, RoleGroup
from dkp.eqlog.classes import EQ_CLASSES
from dkp.eqlog.dumps import is_character_name
from dkp.eqlog.raid_dump import (
    GROUP_LEADER,
    RAID_LEADER,
    RaidDumpRow,
    parse_raid_dump,
    raid_dump_file_name,
    write_raid_dump,
)
from dkp.loot.models import Channel
from dkp.loot.selectors import available_balance
from dkp.loot.services import MAX_MINUTES, award_loot, close_auction, item_named, open_auction, place_bid
from dkp.points.models import DkpPool, PointAdjustment, PointEntry, PriceRule, UserPointsSummary
from dkp.points.services import adjust_points, apply_decay
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.raids.models import Event, MissedTickRequest, Raid, RaidTick
from dkp.raids.ownership import approve_claim, transfer_character
from dkp.raids.services import Attendee, create_raid, record_tick
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

DEFAULT_SEED = 20261112
GUILD_NAME = "Ashen Vanguard"
SERVER = "xegony"
TIME_ZONE = "America/New_York"
# The demo is there when its raid leader is: a user with this name and this fake Discord id.
DEMO_MARKER_USERNAME = "zelroso"
DEMO_MARKER_DISCORD_ID = "412093845760917505"


RAID_WEEKS = 13
RAID_HOUR = 20  # 8 pm in the guild's time zone


@dataclass(frozen=True)
class _Person:
    username: str
    display_name: str
    role: RoleGroup
    attendance: float  # share of raid nights they come to
    main: tuple[str, str, int] | None = None  # fixed main (name, class, level); generated when None
    joined_days_ago: int = 400


# The 40 people of the guild. Members of long standing come first; the new ones say when they joined.
_PEOPLE: tuple[_Person, ...] = (
    _Person("zelroso", "Zel", RoleGroup.OFFICER, 0.95, ("Zelroso", EqClass.RANGER, 65), 1400),
    _Person("eluxa.sk", "Eluxa", RoleGroup.OFFICER, 0.9, ("Eluxa", EqClass.SHADOW_KNIGHT, 65), 1200),
    _Person("corshaa", "Corshaa", RoleGroup.OFFICER, 0.85, ("Corshaa", EqClass.WIZARD, 65), 1100),
    _Person("kalwyna", "Kally", RoleGroup.RECRUITER, 0.8, ("Kalwyna", EqClass.MONK, 62), 900),
    _Person("sylzula", "Syl", RoleGroup.RECRUITER, 0.75, ("Sylzula", EqClass.DRUID, 64), 700),
    _Person("bytewyrm", "byte", RoleGroup.DEVELOPER, 0.7, ("Bytheron", EqClass.ENCHANTER, 63), 650),
    _Person("peldris_", "Peldris", RoleGroup.DEVELOPER, 0.55, ("Peldris", EqClass.WARRIOR, 65), 500),
    _Person("loradino", "Lora", RoleGroup.MEMBER, 0.93, ("Loradino", EqClass.WARRIOR, 65), 800),
    _Person("drapyr", "Drapyr", RoleGroup.MEMBER, 0.2, ("Drapyr", EqClass.MONK, 59), 600),
    _Person("tankmom", "Tank Mom", RoleGroup.MEMBER, 0.9),
    _Person("raldrisa", "Ral", RoleGroup.MEMBER, 0.85),
    _Person("varhild.nec", "Varhild", RoleGroup.MEMBER, 0.8),
    _Person("zeloth", "Zeloth", RoleGroup.MEMBER, 0.75),
    _Person("wynmiren", "Wyn", RoleGroup.MEMBER, 0.7),
    _Person("haleth", "Haleth", RoleGroup.MEMBER, 0.7),
    _Person("narnox_ber", "Narnox", RoleGroup.MEMBER, 0.65),
    _Person("gartaro", "Gar", RoleGroup.MEMBER, 0.65),
    _Person("joruxius", "Jorux", RoleGroup.MEMBER, 0.6),
    _Person("oryraen", "Ory", RoleGroup.MEMBER, 0.6),
    _Person("lortara", "Lortara", RoleGroup.MEMBER, 0.55),
    _Person("belhild", "Bel", RoleGroup.MEMBER, 0.55),
    _Person("morbeth", "Mo", RoleGroup.MEMBER, 0.5),
    _Person("quinnox", "Quinn", RoleGroup.MEMBER, 0.5),
    _Person("ulbeth", "Ulbeth", RoleGroup.MEMBER, 0.45),
    _Person("fendrisa", "Fen", RoleGroup.MEMBER, 0.45),
    _Person("yorkin", "Yorkin", RoleGroup.MEMBER, 0.4),
    _Person("kaletho", "Kal", RoleGroup.MEMBER, 0.35),
    _Person("sleepytroll", "sleepy troll", RoleGroup.MEMBER, 0.25),
    _Person("xanotha", "Xan", RoleGroup.MEMBER, 0.3),
    _Person("pelnox", "Pelnox", RoleGroup.MEMBER, 0.6),
    _Person("arsha.monk", "Arsha", RoleGroup.MEMBER, 0.7),
    # Joined six weeks ago and raided with a character nobody had claimed; the claim is approved at the end.
    _Person("thornwick", "Thorn", RoleGroup.MEMBER, 0.85, ("Thornwick", EqClass.SHAMAN, 61), 42),
    # Applied, went through a trial and was accepted.
    _Person("vaelith", "Vae", RoleGroup.MEMBER, 0.8, ("Vaelith", EqClass.CLERIC, 62), 36),
    _Person("iljax", "Iljax", RoleGroup.APPLICANT, 0.0, None, 9),
    _Person("quelvara", "Quel", RoleGroup.APPLICANT, 0.0, None, 3),
    _Person("morrigant", "Morri", RoleGroup.APPLICANT, 0.85, None, 24),  # on trial: raids, cannot claim
    _Person("brannoc", "Brannoc", RoleGroup.APPLICANT, 0.0, None, 24),
    _Person("freshspawn", "fresh spawn", RoleGroup.APPLICANT, 0.0, None, 1),
    _Person("wanderingbard", "wandering bard", RoleGroup.GUEST, 0.0, None, 14),
    _Person("fizzlecog", "Fizzle", RoleGroup.GUEST, 0.0, None, 5),
)

_EVENTS = (
    # pool, name, points per tick, bosses, loot
    (
        "Main",
        "Vex Thal",
        5,
        ("Thall Va Xakra", "Kaas Thox Xi Aten Ha Ra", "Aten Ha Ra"),
        (
            "Shroud of Eternity",
            "Xakra's Crown of Fate",
            "Bracer of the Xakra",
            "Runed Vex Thal Cloak",
            "Shard of Ra",
            "Aten Ha Ra's Mantle",
            "Velium Infused Dagger",
            "Girdle of the Faithful Xakra",
        ),
    ),
    (
        "Main",
        "Ssraeshza Temple",
        5,
        ("Rhag`Zadune", "Arch Lich Rhag`Mozdezh", "Blood of Ssraeshza", "Emperor Ssraeshza"),
        (
            "Emperor's Crown of Scales",
            "Ssraeshzian Pauldrons",
            "Rhag`Mozdezh's Headdress",
            "Shissar Guardian Blade",
            "Girdle of the Emperor",
            "Bloodstained Shissar Cloak",
            "Vyemm's Fang",
        ),
    ),
    (
        "Legacy",
        "Plane of Sky",
        3,
        ("Keeper of Souls", "Sister of the Spire", "The Spiroc Lord"),
        ("Cloak of the Falling Stars", "Sash of the Spiroc Lord", "Stormfeather Gloves", "Ring of the Ancients"),
    ),
    (
        "Legacy",
        "Nagafen's Lair",
        3,
        ("Lord Nagafen", "Magus Rokyl"),
        ("Cloak of Flames", "Flowing Black Silk Sash", "Fiery Defender", "Nagafen's Scale Bracer"),
    ),
)

_RAID_NOTES = (
    "",
    "",
    "Key-holders to the front.",
    "Farm night, bring alts.",
    "Short night: server patch at midnight.",
    "Progression: full buffs at zone-in.",
)

_QUESTIONS = (
    ("Tell us about your character: class, level, AAs and the raid gear you have.", True),
    ("Which of our raid nights (Sun, Tue, Thu at 8 pm Eastern) can you make?", True),
    ("Who in the guild knows you, and what guilds were you in before?", True),
    ("Anything else the officers should know?", False),
)

# Syllables of character names in the style of the guild's sample dumps (Zelroso, Corgorno, Sylzula).
# fmt: off
_NAME_STARTS = (
    "Ar", "Bel", "Bran", "Cael", "Cor", "Dra", "El", "Fen", "Gar", "Hal", "Il", "Jor", "Kel",
    "Lor", "Mor", "Nar", "Ory", "Pel", "Quin", "Ral", "Syl", "Tor", "Ul", "Var", "Wyn", "Xan",
    "Yor", "Zan",
)
_NAME_MIDDLES = ("", "", "", "a", "e", "i", "o", "ra", "ri", "ly", "do", "ve", "the")
_NAME_ENDS = (
    "dris", "wyn", "gorn", "thas", "nox", "mira", "beth", "rion", "xis", "vos", "sha", "leth",
    "dan", "roso", "wyna", "zul", "kin", "rel", "ria", "mund",
)
# fmt: on

# Raid make-up: many of what raids need most, at least one of everything.
RAID_CLASS_WEIGHTS = {
    EqClass.WARRIOR: 5,
    EqClass.CLERIC: 6,
    EqClass.ENCHANTER: 3,
    EqClass.SHAMAN: 3,
    EqClass.DRUID: 3,
    EqClass.WIZARD: 3,
    EqClass.MAGICIAN: 2,
    EqClass.NECROMANCER: 2,
    EqClass.BARD: 3,
    EqClass.ROGUE: 4,
    EqClass.MONK: 3,
    EqClass.RANGER: 2,
    EqClass.PALADIN: 3,
    EqClass.SHADOW_KNIGHT: 3,
    EqClass.BEASTLORD: 2,
    EqClass.BERSERKER: 2,
}
EXTRA_CHARACTERS = 31  # alts and boxes owned from the start


@dataclass
class _Raider:
    """A character as the simulation sees it: who plays it, and how often it comes when nobody in the app does."""

    name: str
    eq_class: str
    level: int
    player: str | None  # username of who plays it; None for characters of people outside the app
    tag: str = CharacterTag.MAIN
    rate: float = 1.0  # for characters without a player: share of nights they come
    last_night: dt.date | None = None


@dataclass
class DemoReport:
    """What was loaded, for the command to print."""

    seed: int
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [f"{label}: {count}" for label, count in self.counts.items()]


def demo_guild_exists() -> bool:
    return User.objects.filter(username=DEMO_MARKER_USERNAME, discord_id=DEMO_MARKER_DISCORD_ID).exists()


@transaction.atomic
def load_demo(*, seed: int = DEFAULT_SEED, today: dt.date | None = None) -> DemoReport | None:
    """Build the demo guild in one transaction; None, and nothing written, when it is already there."""
    if demo_guild_exists():
        return None
    zone = zoneinfo.ZoneInfo(TIME_ZONE)
    return _DemoBuilder(seed=seed, today=today or timezone.localdate(timezone=zone), zone=zone).build()


class _DemoBuilder:
    def __init__(self, *, seed: int, today: dt.date, zone: zoneinfo.ZoneInfo) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.today = today
        self.zone = zone
        self.first_night = today - dt.timedelta(weeks=RAID_WEEKS)
        self.users: dict[str, User] = {}
        self.raiders: dict[str, _Raider] = {}
        self.used_names: set[str] = set()
        self.owner: dict[str, User | None] = {}  # character name → its owner in the database
        self.ticks_held: list[dt.datetime] = []
        self.ticks_attended: dict[str, list[dt.datetime]] = {}  # by player: times of the ticks they were at
        self.digests: set[str] = set()
        self.pending_claims: list[tuple[str, str]] = []  # (player, character) they will ask to claim
        self.officer: User
        self.pools: dict[str, DkpPool] = {}
        self.events: dict[str, Event] = {}
        self.event_bosses: dict[str, tuple[str, ...]] = {}
        self.event_loot: dict[str, tuple[str, ...]] = {}

    # --- the whole build, in the order things happened --------------------------------------------

    def build(self) -> DemoReport:
        self._settings()
        self._people()
        self.officer = self.users["zelroso"]
        self._pools_and_events()
        self._characters()
        self._carry_over_balances()
        self._raid_nights()
        self._claims()
        self._missed_tick_requests()
        self._recruitment()
        refresh_attendance_summaries()  # so the standings show real attendance from the first page
        self._auctions()
        return self._report()

    def _settings(self) -> None:
        settings = GuildSettings.load()
        settings.guild_name = GUILD_NAME
        settings.server_name = SERVER
        settings.time_zone = TIME_ZONE
        settings.save()

    def _at(self, day: dt.date, hour: int = RAID_HOUR, minute: int = 0, second: int = 0) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=self.zone)

    def _person(self, username: str) -> _Person:
        return next(p for p in _PEOPLE if p.username == username)

    def _joined(self, username: str) -> dt.date:
        return self.today - dt.timedelta(days=self._person(username).joined_days_ago)

    # --- people and characters -------------------------------------------------------------------

    def _people(self) -> None:
        for person in _PEOPLE:
            joined = self._joined(person.username)
            is_member = person.role in GUILD_MEMBERS
            if person.username == DEMO_MARKER_USERNAME:
                discord_id = DEMO_MARKER_DISCORD_ID
            else:
                discord_id = self._snowflake(joined - dt.timedelta(days=self.rng.randint(200, 1500)))
            user = User(
                username=person.username,
                discord_id=discord_id,
                discord_username=person.username,
                display_name=person.display_name,
                role_group=person.role,
                member_since=joined if is_member else None,
                date_joined=self._at(joined, 19, self.rng.randint(0, 59)),
            )
            user.set_unusable_password()
            user.save()
            self.users[person.username] = user

    def _snowflake(self, created: dt.date) -> str:
        """A Discord id as Discord makes them: milliseconds since 2015 shifted left, plus a counter."""
        millis = int(self._at(created, 12).timestamp() * 1000) - 1_420_070_400_000
        return str((millis << 22) + self.rng.randint(0, (1 << 22) - 1))

    def _new_name(self) -> str:
        while True:
            name = (
                self.rng.choice(_NAME_STARTS) + self.rng.choice(_NAME_MIDDLES) + self.rng.choice(_NAME_ENDS)
            ).capitalize()
            if is_character_name(name) and name.lower() not in self.used_names:
                self.used_names.add(name.lower())
                return name

    def _class_choices(self, count: int, *, cover: Iterable[str] = ()) -> list[str]:
        """``count`` classes: first every class in ``cover``, then by raid make-up."""
        chosen = list(cover)[:count]
        weights = list(RAID_CLASS_WEIGHTS.values())
        chosen += self.rng.choices(list(RAID_CLASS_WEIGHTS), weights=weights, k=count - len(chosen))
        self.rng.shuffle(chosen)
        return chosen

    def _add_raider(self, raider: _Raider) -> _Raider:
        self.used_names.add(raider.name.lower())
        self.raiders[raider.name] = raider
        return raider

    def _characters(self) -> None:
        """Mains, alts and boxes owned from the start, and the characters dumps will bring in unclaimed."""
        raiders = [p for p in _PEOPLE if p.role in GUILD_MEMBERS]
        for person in _PEOPLE:
            if person.main:
                self.used_names.add(person.main[0].lower())
        self.used_names.update(["quelvara", "iljax", "morrigant", "brannoc"])  # applicants' characters
        fixed = {p.main[1] for p in raiders if p.main}
        generated = [p for p in raiders if p.main is None]
        classes = self._class_choices(len(generated), cover=[c for c in EQ_CLASSES if c not in fixed])
        for person, eq_class in zip(generated, classes, strict=True):
            self._add_raider(_Raider(self._new_name(), eq_class, self.rng.randint(60, 65), person.username))
        for person in raiders:
            if person.main:
                name, eq_class, level = person.main
                self._add_raider(_Raider(name, eq_class, level, person.username))
        # Alts and boxes, more of them with the people who raid most.
        owners = [p.username for p in raiders if p.username not in {"thornwick", "vaelith"}]
        weights = [self._person(username).attendance for username in owners]
        for number, eq_class in enumerate(self._class_choices(EXTRA_CHARACTERS)):
            if number == 0:  # the box Corshaa will hand over to Quinn
                player, tag = "corshaa", CharacterTag.BOX
            else:
                player = self.rng.choices(owners, weights=weights)[0]
                tag = self.rng.choice([CharacterTag.ALT, CharacterTag.ALT, CharacterTag.BOX])
            level = self.rng.randint(55, 65) if tag == CharacterTag.ALT else self.rng.randint(50, 62)
            self._add_raider(_Raider(self._new_name(), eq_class, level, player, tag))

        # Registered in the app now: every raider above except Thornwick, who never claimed his main.
        reason = "registered by an officer"
        for raider in sorted(self.raiders.values(), key=lambda r: r.tag != CharacterTag.MAIN):
            assert raider.player is not None
            if raider.player == "thornwick":
                self.owner[raider.name] = None
                continue
            character = Character.objects.create(
                name=raider.name, eq_class=raider.eq_class, level=raider.level, tag=raider.tag
            )
            user = self.users[raider.player]
            ownership = transfer_character(character=character, to_user=user, actor=self.officer, reason=reason)
            started = self._at(max(self._joined(raider.player), self.first_night - dt.timedelta(days=7)), 21)
            CharacterOwnership.objects.filter(pk=ownership.pk).update(started_at=started)
            self.owner[raider.name] = user

        # Seen in dumps but never claimed: two characters whose players will ask for them, two friends
        # from an allied guild, a member who left, and the trial applicant's main.
        for player in ("tankmom", "gartaro"):
            eq_class = self._class_choices(1)[0]
            box = self._add_raider(_Raider(self._new_name(), eq_class, self.rng.randint(55, 62), player, "box"))
            self.pending_claims.append((player, box.name))
        for rate in (0.15, 0.1):
            eq_class = self._class_choices(1)[0]
            self._add_raider(_Raider(self._new_name(), eq_class, self.rng.randint(60, 65), None, rate=rate))
        left_on = self.first_night + dt.timedelta(days=35)
        self._add_raider(
            _Raider(self._new_name(), EqClass.PALADIN, 63, None, rate=0.7, last_night=left_on),
        )
        self._add_raider(_Raider("Morrigant", EqClass.PALADIN, 63, "morrigant"))
        for name in self.raiders:
            self.owner.setdefault(name, None)

    # --- pools, events, starting balances ----------------------------------------------------------

    def _pools_and_events(self) -> None:
        self.pools = {
            "Main": DkpPool.objects.create(
                name="Main",
                description="Current raids: Vex Thal and Ssraeshza Temple. Second-price auctions.",
                price_rule=PriceRule.SECOND_PRICE,
                minimum_bid=5,
                tag_caps={"alt": 10, "box": 5},
                mains_outrank=True,
            ),
            "Legacy": DkpPool.objects.create(
                name="Legacy",
                description="Old-world nights for alts and gear for the new: Plane of Sky, Nagafen's Lair.",
                price_rule=PriceRule.FIRST_PRICE,
                minimum_bid=1,
                decay_percent=10,
                decay_period_days=30,
                decay_floor=50,
            ),
        }
        for pool_name, name, value, bosses, loot in _EVENTS:
            self.events[name] = Event.objects.create(pool=self.pools[pool_name], name=name, default_tick_value=value)
            self.event_bosses[name] = bosses
            self.event_loot[name] = loot
        for position, (text, required) in enumerate(_QUESTIONS, start=1):
            ApplicationQuestion.objects.create(text=text, required=required, position=position)

    def _adjust(self, user: User, pool: DkpPool, amount: int, reason: str, at: dt.datetime) -> None:
        """An officer's adjustment, dated when it happened in the guild's story.

        ``adjust_points`` dates entries now; the demo moves its own rows back to the night they
        belong to, so balance charts read true.
        """
        # Separation of duties (two or more officers): another officer adjusts the raid leader's own points.
        actor = self.users["eluxa.sk"] if user.pk == self.officer.pk else self.officer
        adjustment = adjust_points(user=user, pool=pool, amount=amount, reason=reason, actor=actor)
        PointAdjustment.objects.filter(pk=adjustment.pk).update(created_at=at)
        PointEntry.objects.filter(adjustment=adjustment).update(occurred_at=at)

    def _carry_over_balances(self) -> None:
        at = self._at(self.first_night - dt.timedelta(days=1), 12)
        for person in _PEOPLE:
            if person.role in GUILD_MEMBERS and self._joined(person.username) < self.first_night:
                amount = 5 * round(person.attendance * self.rng.randint(10, 40))
                if amount:
                    self._adjust(
                        self.users[person.username],
                        self.pools["Main"],
                        amount,
                        "Carried over from the old DKP sheet",
                        at,
                    )

    # --- raid nights -------------------------------------------------------------------------------

    def _nights(self) -> list[tuple[dt.date, str]]:
        nights = []
        legacy = ("Plane of Sky", "Nagafen's Lair")
        day = self.first_night
        while day < self.today:
            weekday = day.weekday()
            if weekday == 1:
                nights.append((day, "Vex Thal"))
            elif weekday == 3:
                nights.append((day, "Ssraeshza Temple"))
            elif weekday == 6:
                nights.append((day, legacy[len(nights) % 2]))
            day += dt.timedelta(days=1)
        # A holiday or two with no raid.
        for _ in range(2):
            nights.pop(self.rng.randrange(1, len(nights) - 1))
        return nights

    def _raid_nights(self) -> None:
        nights = self._nights()
        transfer_on = self.first_night + dt.timedelta(days=45)
        decay_on = self.first_night + dt.timedelta(days=60)
        adjustments = self._adjustment_plan(nights)
        transferred = decayed = False
        for night, event_name in nights:
            if not transferred and night >= transfer_on:
                self._transfer(self._at(night, 12))
                transferred = True
            if not decayed and night >= decay_on:
                apply_decay(pool=self.pools["Legacy"], actor=self.officer, at=self._at(night, 12))
                decayed = True
            self._raid_night(night, self.events[event_name])
            for username, pool_name, amount, reason in adjustments.get(night, []):
                self._adjust_if_covered(username, pool_name, amount, reason, self._at(night, 23, 45))

    def _adjustment_plan(self, nights: list[tuple[dt.date, str]]) -> dict[dt.date, list[tuple[str, str, int, str]]]:
        plan: dict[dt.date, list[tuple[str, str, int, str]]] = {}
        reasons = (
            ("tankmom", "Main", 10, "Pulled the Emperor clean and kited the adds"),
            ("drapyr", "Main", -15, "Left mid-raid without telling an officer"),
            ("raldrisa", "Main", 5, "Rezzed the raid back after the wipe at Aten"),
            ("corshaa", "Legacy", 20, "Led Legacy night"),
            ("loradino", "Main", 15, "Camped the key piece for three new members"),
            ("yorkin", "Main", -10, "Looted an item off the books; charged after the raid"),
            ("wynmiren", "Legacy", 10, "Brought a second cleric box when we were short"),
            ("zeloth", "Main", 5, "Came in on a night off to fill the raid"),
        )
        for index, adjustment in enumerate(reasons):
            night = nights[4 + index * (len(nights) - 6) // len(reasons)][0]
            plan.setdefault(night, []).append(adjustment)
        return plan

    def _adjust_if_covered(self, username: str, pool_name: str, amount: int, reason: str, at: dt.datetime) -> None:
        """Adjust, but never take a demo balance below zero."""
        user, pool = self.users[username], self.pools[pool_name]
        balance = UserPointsSummary.objects.filter(user=user, pool=pool).values_list("balance", flat=True).first()
        if amount < 0 and (balance or 0) + amount < 0:
            return
        self._adjust(user, pool, amount, reason, at)

    def _transfer(self, at: dt.datetime) -> None:
        """Corshaa hands his box to Quinn, who shares the account now: no points move."""
        name = next(r.name for r in self.raiders.values() if r.player == "corshaa" and r.tag == CharacterTag.BOX)
        character = Character.objects.get(name=name)
        to_user = self.users["quinnox"]
        ownership = transfer_character(
            character=character, to_user=to_user, actor=self.officer, reason="Corshaa gave the account to Quinn"
        )
        CharacterOwnership.objects.filter(character=character, ended_at__isnull=False).update(ended_at=at)
        CharacterOwnership.objects.filter(pk=ownership.pk).update(started_at=at)
        self.raiders[name].player = "quinnox"
        self.owner[name] = to_user

    def _present(self, night: dt.date) -> dict[str, list[_Raider]]:
        """Who comes tonight, by player (characters of outsiders under their own name)."""
        by_player: dict[str, list[_Raider]] = {}
        for person in _PEOPLE:
            if person.attendance == 0 or night < self._joined(person.username):
                continue
            if self.rng.random() >= person.attendance:
                continue
            characters = [r for r in self.raiders.values() if r.player == person.username]
            main = next((r for r in characters if r.tag == CharacterTag.MAIN), None)
            alts = [r for r in characters if r.tag == CharacterTag.ALT]
            boxes = [r for r in characters if r.tag == CharacterTag.BOX]
            playing = [self.rng.choice(alts)] if alts and self.rng.random() < 0.12 else []
            if not playing:
                playing = [main] if main else characters[:1]
            playing += [box for box in boxes if self.rng.random() < 0.7]
            if playing:
                by_player[person.username] = playing
        for raider in self.raiders.values():
            still_around = raider.last_night is None or night <= raider.last_night
            if raider.player is None and still_around and self.rng.random() < raider.rate:
                by_player[raider.name] = [raider]
        return by_player

    def _raid_night(self, night: dt.date, event: Event) -> None:
        ticks = self.rng.randint(3, 5)
        bosses = self.event_bosses[event.name]
        boss_tick = self.rng.randint(1, ticks - 1)
        raid = create_raid(
            event=event,
            starts_at=self._at(night),
            note=self.rng.choice(_RAID_NOTES),
            actor=self.officer,
        )
        by_player = self._present(night)
        stays: dict[str, tuple[int, int]] = {}
        for player in by_player:
            first = 0 if self.rng.random() < 0.85 else self.rng.randint(1, ticks - 1)
            last = ticks - 1 if self.rng.random() < 0.85 else self.rng.randint(first, ticks - 1)
            stays[player] = (first, last)
        for index in range(ticks):
            if index == 0:
                description = "on time"
            elif index == boss_tick:
                description = f"{self.rng.choice(bosses)} kill"
            elif index == ticks - 1:
                description = "end of raid"
            else:
                description = f"hour {index + 1}"
            here = {p: chars for p, chars in by_player.items() if stays[p][0] <= index <= stays[p][1]}
            if not here:
                continue
            tick = self._tick(raid, night, index, description, here)
            if index in (boss_tick, ticks - 1):
                self._loot(raid, event, tick, here, count=self.rng.randint(1, 3 if event.pool.name == "Main" else 2))

    def _dump_rows(self, here: dict[str, list[_Raider]]) -> list[RaidDumpRow]:
        """The raid window as the client would dump it: groups of six, a raid leader, group leaders."""
        characters = [raider for chars in here.values() for raider in chars]
        self.rng.shuffle(characters)
        leaders = [r for r in characters if r.player in ("zelroso", "eluxa.sk", "corshaa") and r.tag == "main"]
        raid_leader = leaders[0] if leaders else characters[0]
        characters.remove(raid_leader)
        characters.insert(0, raid_leader)
        grouped = len(characters) - (self.rng.randint(0, 2) if len(characters) > 12 else 0)
        looter = self.rng.randrange(1, len(characters)) if len(characters) > 1 else 0
        placed = []
        for position, raider in enumerate(characters):
            group = position // 6 + 1 if position < min(grouped, 72) else 0
            rank = RAID_LEADER if position == 0 else GROUP_LEADER if group and position % 6 == 0 else ""
            placed.append((group, raider, rank, position in (0, looter)))
        placed.sort(key=lambda place: (place[0] == 0, place[0]))  # the client lists the ungrouped last
        return [
            RaidDumpRow(line, group, raider.name, raider.level, raider.eq_class, rank=rank, looter=looter)
            for line, (group, raider, rank, looter) in enumerate(placed, start=1)
        ]

    def _tick(
        self, raid: Raid, night: dt.date, index: int, description: str, here: dict[str, list[_Raider]]
    ) -> RaidTick:
        """Write the tick's raid dump, read it back with the parser, and record the tick from what it read."""
        written_at = dt.datetime.combine(night, dt.time(RAID_HOUR)) + dt.timedelta(
            minutes=60 * index + self.rng.randint(0, 8), seconds=self.rng.randint(0, 59)
        )
        file_name = raid_dump_file_name(written_at, server=SERVER)
        while True:
            text = write_raid_dump(self._dump_rows(here))
            digest = hashlib.sha256(text.encode()).hexdigest()
            if digest not in self.digests:  # the same roster twice is refused as the same file
                self.digests.add(digest)
                break
        dump = parse_raid_dump(text, file_name=file_name)
        if not dump.is_clean or dump.file_name is None:
            raise RuntimeError(f"The demo wrote a raid dump its own parser refuses: {dump.problems}")
        occurred_at = dump.file_name.written_at.replace(tzinfo=self.zone)
        tick = record_tick(
            raid=raid,
            occurred_at=occurred_at,
            attendees=[Attendee(row.name, row.eq_class, row.level) for row in dump.rows],
            actor=self.officer,
            description=description,
            source_name=file_name,
            source_digest=digest,
        )
        self.ticks_held.append(occurred_at)
        for player in here:
            self.ticks_attended.setdefault(player, []).append(occurred_at)
        return tick

    def _loot(self, raid: Raid, event: Event, tick: RaidTick, here: dict[str, list[_Raider]], *, count: int) -> None:
        """Items from the kill, each to a bidder who can pay: the ledger refuses a price above the balance."""
        pool = event.pool
        bidders: dict[int, tuple[User, _Raider]] = {}  # by user: the user and the character they bid with
        for chars in here.values():
            for raider in chars:
                owner = self.owner[raider.name]
                if owner is not None:
                    bidders.setdefault(owner.pk, (owner, raider))
        for number in range(count):
            if self.rng.random() < 0.12:
                continue  # nobody wanted it: it rots
            balances = dict(UserPointsSummary.objects.filter(pool=pool).values_list("user_id", "balance"))
            able = [(user, raider) for user, raider in bidders.values() if balances.get(user.pk, 0) >= pool.minimum_bid]
            if not able:
                return
            weights = [balances[user.pk] for user, _ in able]
            winner, raider = self.rng.choices(able, weights=weights)[0]
            balance = balances[winner.pk]
            price = self._price(pool, raider.tag, balance)
            award_loot(
                item=item_named(self.rng.choice(self.event_loot[event.name])),
                pool=pool,
                winner=winner,
                character_name=raider.name,
                price=price,
                actor=self.officer,
                raid=raid,
                awarded_at=tick.occurred_at + dt.timedelta(minutes=3 + 2 * number),
            )

    def _price(self, pool: DkpPool, tag: str, balance: int) -> int:
        caps = pool.tag_caps or {}
        if tag in caps:
            return min(balance, max(pool.minimum_bid, self.rng.randint(pool.minimum_bid, caps[tag])))
        if pool.price_rule == PriceRule.SECOND_PRICE and self.rng.random() < 0.2:
            return pool.minimum_bid  # the only bidder pays the minimum
        share = self.rng.uniform(0.1, 0.5) if pool.price_rule == PriceRule.SECOND_PRICE else self.rng.uniform(0.05, 0.3)
        price = max(pool.minimum_bid, 5 * round(balance * share / 5))
        return min(price, balance)

    # --- after the raids: claims, requests, recruitment -----------------------------------------------

    def _claims(self) -> None:
        """Thornwick's claim on the main he raided with unclaimed is approved, which credits his attendance.

        Two members' claims on their boxes wait for an officer.
        """
        claims = [
            ("thornwick", "Thornwick", "My main. I raided six weeks before linking Discord.", 2),
            (*self.pending_claims[0], "My box, I play it beside my main.", 1),
            (*self.pending_claims[1], "My box from the old guild, same account as my main.", 4),
        ]
        for player, name, note, days_ago in claims:
            character = Character.objects.filter(name=name).first()
            if character is None:  # never seen in a dump with this seed
                continue
            claim = request_claim(character=character, requester=self.users[player], note=note)
            CharacterClaimRequest.objects.filter(pk=claim.pk).update(
                created_at=timezone.now() - dt.timedelta(days=days_ago)
            )
            if player == "thornwick":
                approve_claim(claim=claim, actor=self.officer, reason="Seen him on every raid since he joined.")
                self.owner[name] = self.users[player]

    def _missed_tick_requests(self) -> None:
        """Two members ask for a tick the dump missed; an officer has not decided yet."""
        recent = list(RaidTick.objects.filter(raid__event__pool=self.pools["Main"]).order_by("-occurred_at")[:12])
        for username, evidence in (
            ("haleth", "Crashed at zone-in and was back in two minutes; the dump was taken while I was loading."),
            ("belhild", "I was in the raid but in a second window; my log has the tick message at 21:02."),
        ):
            user = self.users[username]
            main = user.main_character
            missed = next((t for t in recent if not t.attendance.filter(user=user).exists()), None)
            if main is None or missed is None:
                continue
            MissedTickRequest.objects.create(tick=missed, user=user, character=main, evidence=evidence)

    def _attendance_30(self, username: str, at: dt.datetime) -> Decimal:
        since = at - dt.timedelta(days=30)
        held = sum(1 for t in self.ticks_held if since < t <= at)
        attended = sum(1 for t in self.ticks_attended.get(username, []) if since < t <= at)
        if not held:
            return Decimal("0.00")
        return (Decimal(attended * 100) / held).quantize(Decimal("0.01"))

    def _recruitment(self) -> None:
        now = self._at(self.today, 12)
        questions = list(ApplicationQuestion.objects.order_by("position"))
        stories: tuple[tuple[str, str, int, str, int, list[tuple[str, str]]], ...] = (
            # applicant, class, level, final status, days ago applied, moves (status, by)
            ("quelvara", EqClass.BARD, 62, ApplicationStatus.SUBMITTED, 2, []),
            ("iljax", EqClass.SHAMAN, 60, ApplicationStatus.VOTING, 8, [(ApplicationStatus.VOTING, "kalwyna")]),
            (
                "morrigant",
                EqClass.PALADIN,
                63,
                ApplicationStatus.TRIAL,
                33,
                [(ApplicationStatus.VOTING, "sylzula"), (ApplicationStatus.TRIAL, "zelroso")],
            ),
            (
                "vaelith",
                EqClass.CLERIC,
                62,
                ApplicationStatus.ACCEPTED,
                45,
                [
                    (ApplicationStatus.VOTING, "kalwyna"),
                    (ApplicationStatus.TRIAL, "zelroso"),
                    (ApplicationStatus.ACCEPTED, "zelroso"),
                ],
            ),
            (
                "brannoc",
                EqClass.ROGUE,
                58,
                ApplicationStatus.REJECTED,
                24,
                [(ApplicationStatus.VOTING, "kalwyna"), (ApplicationStatus.REJECTED, "eluxa.sk")],
            ),
        )
        answers_by_applicant = {
            "quelvara": (
                "62 bard, 40 AAs, most of my Luclin set.",
                "Tue and Thu.",
                "Raldrisa, from our old guild.",
                "",
            ),
            "iljax": ("60 shaman, canni 4, epic done.", "All three.", "Nobody yet; I pugged with you twice.", "Troll."),
            "morrigant": ("63 paladin, 55 AAs, VT keyed.", "All three.", "Eluxa and Haleth.", "I can tank Legacy."),
            "vaelith": ("62 cleric, 70 AAs.", "All three.", "Wynmiren.", "Happy to box a second cleric."),
            "brannoc": ("58 rogue, no epic.", "Sundays only.", "Yorkin.", "Looking for loot, mostly."),
        }
        for username, eq_class, level, status, days_ago, moves in stories:
            applied = now - dt.timedelta(days=days_ago, hours=self.rng.randint(0, 6))
            applicant = self.users[username]
            application = GuildApplication.objects.create(
                applicant=applicant,
                character_name=username.capitalize(),
                character_class=eq_class,
                character_level=level,
                answers=[
                    {"question": q.text, "answer": a}
                    for q, a in zip(questions, answers_by_applicant[username], strict=True)
                ],
                status=status,
            )
            changes: list[tuple[dt.datetime, str, str, str, str]] = [
                (applied, "", ApplicationStatus.SUBMITTED, username, "Application sent.")
            ]
            when = applied
            for index, (to_status, by) in enumerate(moves):
                when = applied + dt.timedelta(days=2 + 7 * index, hours=self.rng.randint(1, 5))
                changes.append((when, changes[-1][2], to_status, by, _move_reason(to_status)))
            for at, from_status, to_status, by, reason in changes:
                change = ApplicationStageChange.objects.create(
                    application=application,
                    from_status=from_status,
                    to_status=to_status,
                    changed_by=self.users[by],
                    reason=reason,
                )
                ApplicationStageChange.objects.filter(pk=change.pk).update(created_at=at)
            fields: dict[str, object] = {"created_at": applied, "updated_at": when}
            voting_opened = next((at for at, _, to, _, _ in changes if to == ApplicationStatus.VOTING), None)
            if voting_opened:
                fields["voting_closes_at"] = voting_opened + dt.timedelta(days=7)
            if status == ApplicationStatus.TRIAL:
                fields["trial_ends_at"] = (when + dt.timedelta(days=30)).date()
            if status in (ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED):
                fields["decided_by"] = self.users[changes[-1][3]]
                fields["decided_at"] = when
            GuildApplication.objects.filter(pk=application.pk).update(**fields)
            if voting_opened:
                self._votes(application, voting_opened, leaning_yes=status != ApplicationStatus.REJECTED)
            self._comments(application, applied, username)

    def _votes(self, application: GuildApplication, opened: dt.datetime, *, leaning_yes: bool) -> None:
        voters = [
            p.username for p in _PEOPLE if p.role in GUILD_MEMBERS and p.username != application.applicant.username
        ]
        self.rng.shuffle(voters)
        threshold = GuildSettings.load().vote_threshold_percent
        cast = 0
        for username in voters:
            at = opened + dt.timedelta(hours=self.rng.randint(2, 140))
            attendance = self._attendance_30(username, at)
            if self._joined(username) > at.date() or attendance < threshold or self.rng.random() < 0.4:
                continue
            weights = (7, 1, 2) if leaning_yes else (2, 6, 2)
            choice = self.rng.choices([VoteChoice.YES, VoteChoice.NO, VoteChoice.ABSTAIN], weights=weights)[0]
            vote = ApplicationVote.objects.create(
                application=application, voter=self.users[username], choice=choice, attendance_30=attendance
            )
            ApplicationVote.objects.filter(pk=vote.pk).update(created_at=at, updated_at=at)
            cast += 1
            if cast == 12:
                break

    def _comments(self, application: GuildApplication, applied: dt.datetime, username: str) -> None:
        lines: dict[str, list[tuple[str, str, str]]] = {
            "quelvara": [("raldrisa", CommentVisibility.MEMBERS, "Good bard, twists well. Vouch.")],
            "iljax": [
                ("haleth", CommentVisibility.MEMBERS, "Grouped with him in Ssra last week, solid slows."),
                ("kalwyna", CommentVisibility.OFFICERS, "Asked his old guild leader: left on good terms."),
                ("iljax", CommentVisibility.MEMBERS, "Thanks all! Happy to answer anything."),
            ],
            "morrigant": [
                ("eluxa.sk", CommentVisibility.MEMBERS, "Tanked the Legacy night fine."),
                ("zelroso", CommentVisibility.OFFICERS, "Trial looks good so far; attendance is great."),
            ],
            "vaelith": [
                ("wynmiren", CommentVisibility.MEMBERS, "Known her for years. Great healer."),
                ("zelroso", CommentVisibility.OFFICERS, "Accepted after trial, 90% attendance."),
            ],
            "brannoc": [
                ("yorkin", CommentVisibility.MEMBERS, "Only on Sundays, and wants rogue loot first."),
                ("eluxa.sk", CommentVisibility.OFFICERS, "Rejected: attendance would not fit. Told him kindly."),
            ],
        }
        for index, (author, visibility, body) in enumerate(lines[username]):
            comment = ApplicationComment.objects.create(
                application=application, author=self.users[author], body=body, visibility=visibility
            )
            at = applied + dt.timedelta(days=1 + index, hours=self.rng.randint(0, 12))
            ApplicationComment.objects.filter(pk=comment.pk).update(created_at=at, updated_at=at)

    # --- what was made ------------------------------------------------------------------------------

    def _auctions(self) -> None:
        """Tonight's loot: three auctions already closed (winners, prices, a tie-break) and four still open.

        The open ones run for a day so the demo has live auctions to bid on whenever it is opened.
        Bids go through the same service as the web, each within the bidder's available balance.
        """
        pool = self.pools["Main"]
        raid = Raid.objects.filter(event__pool=pool).order_by("-starts_at").first()
        loot = self.event_loot[raid.event.name] if raid is not None else ("Cloak of Flames",)
        bidders = list(
            User.objects.filter(
                role_group__in=GUILD_MEMBERS,
                point_summaries__pool=pool,
                point_summaries__balance__gte=pool.minimum_bid * 4,
            )
            .exclude(username=DEMO_MARKER_USERNAME)
            .order_by("username")
        )
        items = self.rng.sample(list(loot), k=min(len(loot), 7))
        for number, item in enumerate(items):
            still_open = number >= 3
            auction = open_auction(
                item=item,
                pool=pool,
                actor=self.officer,
                quantity=2 if number == 4 else 1,
                minutes=MAX_MINUTES if still_open else 5,
                raid=raid,
            )
            for bidder in self.rng.sample(bidders, k=min(len(bidders), self.rng.randint(1 if still_open else 2, 5))):
                available = available_balance(user_id=bidder.pk, pool_id=pool.pk, excluding_auction_id=auction.pk)
                if available < pool.minimum_bid:
                    continue
                amount = 5 * round(self.rng.uniform(pool.minimum_bid, available * 0.4) / 5)
                amount = min(max(amount, pool.minimum_bid), available)
                try:
                    place_bid(auction_id=auction.pk, user=bidder, amount=amount, channel=Channel.WEB, tag="main")
                except GuildError:
                    continue  # a cap or an alt-only bidder: the demo simply skips them
            if not still_open:
                close_auction(auction_id=auction.pk, actor=self.officer, early=True)

    def _report(self) -> DemoReport:
        counted: tuple[tuple[str, type[models.Model]], ...] = (
            ("users", User),
            ("characters", Character),
            ("pools", DkpPool),
            ("events", Event),
            ("raids", Raid),
            ("ticks", RaidTick),
        )
        counts = {label: model._default_manager.count() for label, model in counted}
        counts["unclaimed characters"] = Character.objects.filter(owner__isnull=True).count()
        counts["applications"] = GuildApplication.objects.count()
        return DemoReport(seed=self.seed, counts=counts)


def _move_reason(status: str) -> str:
    reasons: dict[str, str] = {
        ApplicationStatus.VOTING: "Interview done; over to the members.",
        ApplicationStatus.TRIAL: "Vote passed; a month of trial raids.",
        ApplicationStatus.ACCEPTED: "Trial went well.",
        ApplicationStatus.REJECTED: "Vote failed.",
    }
    return reasons.get(status, "")
