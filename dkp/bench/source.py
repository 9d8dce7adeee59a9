"""A ten-year OpenDKP guild as a mysqldump file, for measuring ``import_guild`` (issue 16).

``write_opendkp_dump()`` writes the tables OpenDKP's reader uses (the names and columns of its own
schema, as ``dkp/sources/tests/opendkp_fixture.py`` has them) the way mysqldump writes them:
``CREATE TABLE``, then the rows as multi-row ``INSERT`` lines of under a megabyte each, tables in
alphabetical order, and the ``-- Dump completed`` line last. No MySQL is needed.

The file is written as it is generated: nothing bigger than one raid night is held. Each raid night
(its ticks, who was at each, what dropped and who paid for it) comes from its own random generator
seeded by the run's seed and the raid's number, so the three tables it feeds (loot, ticks and
attendance, far apart in the dump) can each draw it again and get the same night.

The same seed and sizes give the same file, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TextIO

CLIENT_ID = "b3nch010"
GUILD_NAME = "Benchmark Brigade"
FIRST_NIGHT = dt.datetime(2016, 1, 4, 1, 0)  # 20:00 Eastern on a Sunday, stored in UTC as OpenDKP does
INSERT_LIMIT = 1_000_000  # bytes per INSERT line, as mysqldump keeps each statement under a megabyte

# OpenDKP's class names, as its characters table spells them.
_CLASSES = (
    "Warrior", "Cleric", "Paladin", "Ranger", "Shadowknight", "Druid", "Monk", "Bard", "Rogue",
    "Shaman", "Necromancer", "Wizard", "Magician", "Enchanter", "Beastlord", "Berserker",
)  # fmt: skip
_RACES = ("Human", "Barbarian", "Erudite", "Wood Elf", "High Elf", "Dark Elf", "Half Elf", "Dwarf", "Troll", "Ogre")
_SYLLABLES = (
    "ar", "bel", "cor", "dra", "el", "fen", "gar", "hal", "ith", "jor", "kal", "lor", "mor", "nar", "or",
    "pel", "quin", "ra", "sar", "tor", "ul", "vel", "wyn", "xan", "yr", "zel", "thal", "bro", "dur", "mir",
)  # fmt: skip
_ZONES = (
    ("Plane of Fear", ("Cazic-Thule", "Dread", "Fright", "Terror")),
    ("Plane of Hate", ("Innoruuk", "Maestro of Rancor", "Master of Spite")),
    ("Temple of Veeshan", ("Vulak`Aerr", "Lord Koi'Doken", "Lady Mirenilla", "Dozekar the Cursed")),
    ("Kael Drakkel", ("Avatar of War", "King Tormax", "Derakor the Vindicator")),
    ("Sleeper's Tomb", ("Ulkorruk", "Kildrukaun", "Zlexak", "Hraashna")),
    ("Vex Thal", ("Aten Ha Ra", "Kaas Thox Xi Aten Ha Ra", "Thall Va Kelun")),
)
_ITEM_WORDS = (
    "Cloak", "Gauntlets", "Crown", "Bracer", "Girdle", "Mask", "Boots", "Ring", "Tunic", "Shield",
    "Staff", "Blade", "Earring", "Amulet", "Sleeves", "Leggings", "Helm", "Wand", "Spear", "Orb",
)  # fmt: skip
_ITEM_OF = (
    "Flames", "the Void", "Ancient Might", "the Sleeper", "Rile", "Frost", "Shadows", "the Tempest",
    "Velious", "Storms", "Insight", "the Ages", "Fear", "Hate", "Veeshan", "the Deep",
)  # fmt: skip
_TICK_VALUES = ("2.5", "1.25", "3.75", "5", "2", "0.5", "1.5", "3.33")
_ADJUSTMENTS = (
    ("Bonus", "Raid leading", ("5", "10", "2.5")),
    ("Bonus", "Pulled the train", ("3.75", "1.25")),
    ("Penalty", "Left early", ("-2.5", "-5", "-1.25")),
    ("Decay", None, ("-3.5", "-7.25", "-10")),
)


@dataclass(frozen=True)
class Size:
    """How big a guild to write; the defaults are the ten years issue 16 asks the import to take."""

    characters: int = 500
    alts: int = 180  # of the characters, those linked to a main
    raids: int = 2_000
    days: int = 3_652  # the raids are spread over this many days from FIRST_NIGHT
    ticks_per_raid: int = 4
    present_per_raid: int = 70  # about how many raid each night; a tick has most of them
    loot_per_raid: float = 15.0
    adjustments: int = 1_200
    items: int = 2_500


@dataclass
class Written:
    """What the file holds, counted as it was written."""

    path: Path
    client_id: str
    characters: int = 0
    mains: int = 0
    raids: int = 0
    ticks: int = 0
    attendance: int = 0
    loot: int = 0
    adjustments: int = 0
    bytes: int = 0
    # OpenDKP's balance of every character by name, summed as the rows were written (its own sum).
    balances: dict[str, Decimal] = field(default_factory=dict, repr=False)

    def as_json(self) -> dict[str, object]:
        return {
            "file": self.path.name,
            "client_id": self.client_id,
            "characters": self.characters,
            "mains": self.mains,
            "raids": self.raids,
            "ticks": self.ticks,
            "attendance": self.attendance,
            "loot": self.loot,
            "adjustments": self.adjustments,
            "bytes": self.bytes,
        }


@dataclass(frozen=True)
class _Character:
    id: int
    name: str
    main: int  # -1 for a main
    eq_class: str
    race: str
    level: int
    joins: int  # the raid number its player starts raiding at
    leaves: int  # and stops at
    rate: float  # how often its player comes
    active: bool


@dataclass(frozen=True)
class _Night:
    ticks: list[tuple[int, str, str]]  # (tick_id, value, description)
    attendance: list[tuple[int, int]]  # (character id, tick id)
    loot: list[tuple[int, int, str]]  # (character id, item id, dkp)


class _Guild:
    def __init__(self, size: Size, seed: int) -> None:
        self.size = size
        self.seed = seed
        rng = random.Random(f"opendkp-guild:{seed}")
        self.characters = _characters(rng, size)
        self.mains = [character for character in self.characters if character.main == -1]
        self.alts_of: dict[int, list[_Character]] = {}
        for character in self.characters:
            if character.main != -1:
                self.alts_of.setdefault(character.main, []).append(character)
        self.items = [
            (2_000 + number, f"{rng.choice(_ITEM_WORDS)} of {rng.choice(_ITEM_OF)}") for number in range(size.items)
        ]
        # Raid numbers, dates and pools are drawn here; everything inside a night, from its own seed.
        self.raids = [
            (
                1 + number,
                1 if rng.random() < 0.7 else 2,
                FIRST_NIGHT + dt.timedelta(days=number * size.days // size.raids),
            )
            for number in range(size.raids)
        ]
        self.first_tick: list[int] = []
        tick = 1
        for number in range(size.raids):
            self.first_tick.append(tick)
            tick += self._tick_count(number)

    def _night_rng(self, number: int) -> random.Random:
        return random.Random(f"opendkp-night:{self.seed}:{number}")

    def _tick_count(self, number: int) -> int:
        """One more or one fewer than the usual now and then; the mean is ``ticks_per_raid``."""
        usual = max(1, round(self.size.ticks_per_raid))
        spread = random.Random(f"opendkp-ticks:{self.seed}:{number}").random()
        return usual + (1 if spread < 0.2 else -1 if spread > 0.8 and usual > 1 else 0)

    def night(self, number: int) -> _Night:
        rng = self._night_rng(number)
        _zone, bosses = _ZONES[rng.randrange(len(_ZONES))]  # the first draw: raid_name() draws it too
        mains = [main for main in self.mains if main.joins <= number < main.leaves]
        wanted = self.size.present_per_raid / max(1.0, sum(main.rate for main in mains))
        present: list[_Character] = []
        for main in mains:
            if rng.random() < main.rate * wanted:
                alts = self.alts_of.get(main.id, [])
                present.append(rng.choice(alts) if alts and rng.random() < 0.25 else main)
        ticks: list[tuple[int, str, str]] = []
        attendance: list[tuple[int, int]] = []
        first = self.first_tick[number]
        count = self._tick_count(number)
        for offset in range(count):
            tick_id = first + offset
            if offset == 0:
                description = "On time"
            elif offset == count - 1:
                description = "End of raid"
            else:
                description = rng.choice(bosses)
            ticks.append((tick_id, rng.choice(_TICK_VALUES), description))
            for character in present:
                if rng.random() < 0.9:
                    attendance.append((character.id, tick_id))
        loot: list[tuple[int, int, str]] = []
        drops = int(self.size.loot_per_raid) + (1 if rng.random() < self.size.loot_per_raid % 1 else 0)
        for _ in range(drops if present else 0):
            item_id, _name = rng.choice(self.items)
            price = Decimal(rng.randrange(4, 240)) / 4  # 1 to 59.75 in quarters
            loot.append((rng.choice(present).id, item_id, f"{price.normalize():f}"))
        return _Night(ticks, attendance, loot)

    def raid_name(self, number: int) -> str:
        zone, _bosses = _ZONES[self._night_rng(number).randrange(len(_ZONES))]
        return zone


def _characters(rng: random.Random, size: Size) -> list[_Character]:
    names: set[str] = set()
    while len(names) < size.characters:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))[:15].capitalize()
        if len(name) >= 4:
            names.add(name)
    ordered = sorted(names)
    rng.shuffle(ordered)
    main_count = size.characters - size.alts
    characters: list[_Character] = []
    for number, name in enumerate(ordered[:main_count]):
        # Players come and go over the ten years; some were there from the start, some still are.
        joins = 0 if rng.random() < 0.3 else rng.randrange(size.raids)
        leaves = size.raids if rng.random() < 0.4 else rng.randint(joins + 1, size.raids)
        characters.append(
            _Character(
                id=1_000 + number,
                name=name,
                main=-1,
                eq_class=rng.choice(_CLASSES),
                race=rng.choice(_RACES),
                level=rng.choice((60, 60, 60, 65, 70, 58)),
                joins=joins,
                leaves=leaves,
                rate=min(0.97, max(0.1, rng.gauss(0.6, 0.2))),
                active=leaves > size.raids - size.raids // 10,
            )
        )
    mains = list(characters)
    for number, name in enumerate(ordered[main_count:], start=main_count):
        main = rng.choice(mains)
        characters.append(
            _Character(
                id=1_000 + number,
                name=name,
                main=main.id,
                eq_class=rng.choice(_CLASSES),
                race=rng.choice(_RACES),
                level=rng.choice((50, 55, 60)),
                joins=main.joins,
                leaves=main.leaves,
                rate=main.rate,
                active=main.active,
            )
        )
    return characters


# --- Writing the dump --------------------------------------------------------------------------------

_HEADER = """\
-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: opendkp
-- ------------------------------------------------------
-- Server version	8.0.36

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!50503 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;
"""

_FOOTER = """\
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2026-01-01  0:00:00
"""

# The CREATE TABLE statements, in mysqldump's order (alphabetical), with OpenDKP's columns.
_TABLES = {
    "adjustments": """\
  `clientId` varchar(255) NOT NULL,
  `id_adjustment` int NOT NULL AUTO_INCREMENT,
  `id_character` int NOT NULL,
  `name` varchar(45) NOT NULL,
  `description` varchar(45) DEFAULT NULL,
  `value` double NOT NULL DEFAULT '0',
  `timestamp` datetime NOT NULL,
  PRIMARY KEY (`id_adjustment`,`clientId`),
  UNIQUE KEY `id_adjustment_UNIQUE` (`id_adjustment`),
  KEY `fk_adjust_char_id_idx` (`id_character`),
  KEY `fkey_adjust_clientid_idx` (`clientId`)""",
    "characters": """\
  `clientId` varchar(256) NOT NULL,
  `id_character` int NOT NULL AUTO_INCREMENT,
  `id_associated` int NOT NULL DEFAULT '-1',
  `active` tinyint NOT NULL DEFAULT '1',
  `name` varchar(45) NOT NULL,
  `rank` varchar(45) DEFAULT NULL,
  `class` varchar(45) DEFAULT NULL,
  `level` int DEFAULT NULL,
  `race` varchar(45) DEFAULT NULL,
  `gender` varchar(45) DEFAULT NULL,
  `guild` varchar(45) DEFAULT NULL,
  PRIMARY KEY (`id_character`,`clientId`),
  UNIQUE KEY `id_UNIQUE` (`id_character`),
  UNIQUE KEY `name_UNIQUE` (`name`),
  KEY `fkey_clientid_idx` (`clientId`)""",
    "clients": """\
  `clientId` varchar(256) NOT NULL,
  `name` varchar(256) NOT NULL,
  `subdomain` varchar(256) NOT NULL,
  `identity` varchar(256) NOT NULL,
  `userPool` varchar(256) NOT NULL,
  `webClientId` varchar(256) NOT NULL,
  `assumedRole` varchar(256) DEFAULT NULL,
  `website` varchar(256) DEFAULT NULL,
  `forums` varchar(256) DEFAULT NULL,
  PRIMARY KEY (`clientId`)""",
    "items": """\
  `id_item` int NOT NULL AUTO_INCREMENT,
  `name` varchar(45) NOT NULL,
  `lucylink` varchar(45) DEFAULT NULL,
  PRIMARY KEY (`id_item`)""",
    "items_x_characters": """\
  `transaction_id` int NOT NULL AUTO_INCREMENT,
  `clientId` varchar(255) NOT NULL,
  `character_id` int NOT NULL,
  `item_id` int NOT NULL,
  `raid_id` int NOT NULL DEFAULT '-1',
  `dkp` double NOT NULL DEFAULT '0',
  PRIMARY KEY (`transaction_id`,`clientId`,`character_id`,`item_id`,`raid_id`),
  UNIQUE KEY `transaction_id_UNIQUE` (`transaction_id`),
  KEY `fkey_items_character_idx` (`character_id`),
  KEY `fkey_items_item_idx` (`item_id`),
  KEY `fkey_items_raid_id_idx` (`raid_id`),
  KEY `fkey_items_clientId_idx` (`clientId`)""",
    "pools": """\
  `id_pool` int NOT NULL AUTO_INCREMENT,
  `name` varchar(45) NOT NULL,
  `description` varchar(45) DEFAULT NULL,
  `order` int NOT NULL DEFAULT '99',
  PRIMARY KEY (`id_pool`)""",
    "raids": """\
  `clientId` varchar(255) NOT NULL,
  `id_raid` int NOT NULL AUTO_INCREMENT,
  `id_pool` int NOT NULL,
  `name` varchar(45) NOT NULL,
  `timestamp` datetime NOT NULL,
  `updated_by` varchar(45) DEFAULT 'system',
  `updated_timestamp` datetime DEFAULT NULL,
  PRIMARY KEY (`id_raid`,`clientId`),
  UNIQUE KEY `id_raid_UNIQUE` (`id_raid`),
  KEY `fkey_raids_pool_id_idx` (`id_pool`),
  KEY `fkey_raids_clientid_idx` (`clientId`)""",
    "ticks": """\
  `clientId` varchar(255) NOT NULL,
  `tick_id` int NOT NULL AUTO_INCREMENT,
  `raid_id` int NOT NULL,
  `value` double NOT NULL DEFAULT '0',
  `description` varchar(45) DEFAULT NULL,
  PRIMARY KEY (`tick_id`,`clientId`),
  UNIQUE KEY `tick_id_UNIQUE` (`tick_id`),
  KEY `fkey_entries_raids_id_idx` (`raid_id`),
  KEY `fkey_entries_clientId_idx` (`clientId`)""",
    "ticks_x_characters": """\
  `clientId` varchar(255) NOT NULL,
  `id` int NOT NULL AUTO_INCREMENT,
  `id_character` int NOT NULL,
  `id_tick` int NOT NULL,
  PRIMARY KEY (`id`,`clientId`),
  UNIQUE KEY `id_UNIQUE` (`id`),
  KEY `fkey_tick_charId_idx` (`id_character`),
  KEY `fkey_tick_tickId_idx` (`id_tick`),
  KEY `fkey_tick_clientId_idx` (`clientId`)""",
}

_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\x00": "\\0", "\x1a": "\\Z"})

Value = str | int | Decimal | None


def _sql(value: Value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.translate(_ESCAPES) + "'"
    return str(value)


def _when(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class _Dump:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def table(self, name: str, rows: Iterable[Sequence[Value]]) -> None:
        self.out.write(
            f"\n--\n-- Table structure for table `{name}`\n--\n\n"
            f"DROP TABLE IF EXISTS `{name}`;\n"
            "/*!40101 SET @saved_cs_client     = @@character_set_client */;\n"
            "/*!50503 SET character_set_client = utf8mb4 */;\n"
            f"CREATE TABLE `{name}` (\n{_TABLES[name]}\n) ENGINE=InnoDB DEFAULT CHARSET=latin1;\n"
            "/*!40101 SET character_set_client = @saved_cs_client */;\n"
            f"\n--\n-- Dumping data for table `{name}`\n--\n\n"
            f"LOCK TABLES `{name}` WRITE;\n/*!40000 ALTER TABLE `{name}` DISABLE KEYS */;\n"
        )
        start = f"INSERT INTO `{name}` VALUES "  # noqa: S608 - a dump file written, not a query run
        line: list[str] = []
        length = len(start)
        for row in rows:
            text = "(" + ",".join(_sql(value) for value in row) + ")"
            if line and length + len(text) + 2 > INSERT_LIMIT:
                self.out.write(start + ",".join(line) + ";\n")
                line, length = [], len(start)
            line.append(text)
            length += len(text) + 1
        if line:
            self.out.write(start + ",".join(line) + ";\n")
        self.out.write(f"/*!40000 ALTER TABLE `{name}` ENABLE KEYS */;\nUNLOCK TABLES;\n")


def write_opendkp_dump(path: Path, *, size: Size | None = None, seed: int = 1) -> Written:
    """Write the guild to ``path`` (through ``path.part``, so a run cut short leaves no half file)."""
    size = size or Size()
    guild = _Guild(size, seed)
    written = Written(path=path, client_id=CLIENT_ID)
    balances: dict[int, Decimal] = {character.id: Decimal(0) for character in guild.characters}
    part = path.with_name(path.name + ".part")
    with part.open("w", encoding="utf-8", newline="\n") as out:
        out.write(_HEADER)
        dump = _Dump(out)
        dump.table("adjustments", _adjustments(guild, written, balances))
        dump.table("characters", _character_rows(guild, written))
        dump.table(
            "clients",
            [
                [
                    CLIENT_ID,
                    GUILD_NAME,
                    "brigade",
                    "us-east-1:brigade",
                    "us-east-1_brigade",
                    "web-brigade",
                    None,
                    None,
                    None,
                ]
            ],
        )
        dump.table("items", ([item_id, name, None] for item_id, name in guild.items))
        dump.table("items_x_characters", _loot(guild, written, balances))
        dump.table(
            "pools",
            [[1, "Time-locked", "Raids on the progression server", 1], [2, "Farm", "Raids on content we have", 2]],
        )
        dump.table(
            "raids",
            (
                [CLIENT_ID, raid_id, pool, guild.raid_name(n), _when(at), "Raidleader", None]
                for n, (raid_id, pool, at) in enumerate(guild.raids)
            ),
        )
        written.raids = len(guild.raids)
        dump.table("ticks", _ticks(guild, written))
        dump.table("ticks_x_characters", _attendance(guild, written, balances))
        out.write("\n" + _FOOTER)
    part.replace(path)
    written.bytes = path.stat().st_size
    written.balances = {character.name: balances[character.id] for character in guild.characters}
    return written


def _adjustments(guild: _Guild, written: Written, balances: dict[int, Decimal]) -> Iterator[list[Value]]:
    rng = random.Random(f"opendkp-adjustments:{guild.seed}")
    for number in range(guild.size.adjustments):
        raid = rng.randrange(len(guild.raids))
        raiders = [main for main in guild.mains if main.joins <= raid < main.leaves] or guild.mains
        character = rng.choice(raiders)
        name, description, values = rng.choice(_ADJUSTMENTS)
        value = rng.choice(values)
        balances[character.id] += Decimal(value)
        written.adjustments += 1
        at = guild.raids[raid][2] + dt.timedelta(hours=3)
        yield [CLIENT_ID, 1 + number, character.id, name, description, value, _when(at)]


def _character_rows(guild: _Guild, written: Written) -> Iterator[list[Value]]:
    for character in guild.characters:
        written.characters += 1
        written.mains += character.main == -1
        rank = ("Member" if character.main == -1 else "Alt") if character.active else "Retired"
        yield [
            CLIENT_ID,
            character.id,
            character.main,
            int(character.active),
            character.name,
            rank,
            character.eq_class,
            character.level,
            character.race,
            "Male" if character.id % 2 else "Female",
            None,
        ]


def _loot(guild: _Guild, written: Written, balances: dict[int, Decimal]) -> Iterator[list[Value]]:
    transaction = 0
    for number, (raid_id, _pool, _at) in enumerate(guild.raids):
        for character, item_id, dkp in guild.night(number).loot:
            transaction += 1
            balances[character] -= Decimal(dkp)
            yield [transaction, CLIENT_ID, character, item_id, raid_id, dkp]
    written.loot = transaction


def _ticks(guild: _Guild, written: Written) -> Iterator[list[Value]]:
    for number, (raid_id, _pool, _at) in enumerate(guild.raids):
        for tick_id, value, description in guild.night(number).ticks:
            written.ticks += 1
            yield [CLIENT_ID, tick_id, raid_id, value, description]


def _attendance(guild: _Guild, written: Written, balances: dict[int, Decimal]) -> Iterator[list[Value]]:
    row = 0
    for number in range(len(guild.raids)):
        night = guild.night(number)
        values = {tick_id: Decimal(value) for tick_id, value, _ in night.ticks}
        for character, tick_id in night.attendance:
            row += 1
            balances[character] += values[tick_id]
            yield [CLIENT_ID, row, character, tick_id]
    written.attendance = row
