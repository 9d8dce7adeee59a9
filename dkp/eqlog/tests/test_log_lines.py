"""Log lines and pasted /who lists: who was there, who joined and left the raid, who looted what, and where."""

import contextlib
import datetime as dt
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dkp import eqlog
from dkp.eqlog.classes import EQ_CLASSES, class_of_title
from dkp.eqlog.dumps import ProblemCode
from dkp.eqlog.errors import EqLogError
from dkp.eqlog.log_lines import (
    LogError,
    LootLine,
    RaidEvent,
    WhoRow,
    ZoneLine,
    parse_log,
    parse_timestamp,
    parse_who,
)

FIXTURES = Path(__file__).parent / "fixtures"
LOG = "eqlog_Zelroso_xegony.txt"
RAID_DUMP = "RaidRoster_xegony-20261112-200312.txt"
GUILD_DUMP = "Ashen Vanguard_xegony-20261112-195501.txt"
AT = "[Thu Nov 12 20:44:02 2026] "
WHO_TIME = dt.datetime(2026, 11, 12, 19, 59, 40)

# The class titles /who shows, from the samples' README, written out here so the parser's own
# table is checked against it rather than against itself.
TITLES = {
    "Warrior": ("Champion", "Myrmidon", "Warlord", "Overlord", "Vanquisher", "Imperator"),
    "Cleric": ("Vicar", "Templar", "High Priest", "Archon", "Prelate", "Exemplar"),
    "Paladin": ("Cavalier", "Knight", "Crusader", "Lord Protector", "Lord", "Holy Defender"),
    "Ranger": ("Pathfinder", "Outrider", "Warder", "Forest Stalker", "Plainswalker", "Huntmaster"),
    "Shadow Knight": ("Reaver", "Revenant", "Grave Lord", "Dread Lord", "Scourge Knight", "Bloodreaver"),
    "Druid": ("Wanderer", "Preserver", "Hierophant", "Storm Warden", "Natureguard", "Storm Caller"),
    "Monk": ("Disciple", "Master", "Grandmaster", "Transcendent", "Stone Fist", "Ashenhand"),
    "Bard": ("Minstrel", "Troubadour", "Virtuoso", "Maestro", "Performer", "Lyricist"),
    "Rogue": ("Rake", "Blackguard", "Assassin", "Deceiver", "Nemesis", "Shadowblade"),
    "Shaman": ("Mystic", "Luminary", "Oracle", "Prophet", "Soothsayer", "Spiritwatcher"),
    "Necromancer": ("Heretic", "Defiler", "Warlock", "Arch Lich", "Wraith", "Deathcaller"),
    "Wizard": ("Channeler", "Evoker", "Sorcerer", "Arcanist", "Grand Arcanist", "Pyromancer"),
    "Magician": ("Elementalist", "Conjurer", "Arch Mage", "Arch Convoker", "Arch Magus", "Grand Summoner"),
    "Enchanter": ("Illusionist", "Beguiler", "Phantasmist", "Coercer", "Bedazzler", "Entrancer"),
    "Beastlord": ("Primalist", "Animist", "Savage Lord", "Feral Lord", "Wildblood", "Frostblood"),
    "Berserker": ("Brawler", "Vehement", "Rager", "Fury", "Ravager", "Juggernaut"),
}
TITLE_LEVELS = (51, 55, 60, 65, 70, 75)
TITLE_CASES = [
    (eq_class, level, title)
    for eq_class, titles in TITLES.items()
    for level, title in zip(TITLE_LEVELS, titles, strict=True)
]
ALTERNATIVE_SPELLINGS = [
    ("Stormcaller", 75, "Druid"),
    ("Herald", 70, "Bard"),
    ("Sorceror", 60, "Wizard"),
    ("Arch Arcanist", 75, "Wizard"),
    ("Arch Animist", 75, "Beastlord"),
    ("Saint", 70, "Paladin"),
    ("Shadowknight", 50, "Shadow Knight"),
]


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def who_row(line_number, name, level, eq_class, race, **fields):
    values = {"at": None, "guild": "Ashen Vanguard", "anonymous": False, "afk": False, "linkdead": False, "zone": ""}
    return WhoRow(line_number, name=name, level=level, eq_class=eq_class, race=race, **{**values, **fields})


def one_who_row(line):
    rows, problems = parse_who(line)
    assert problems == ()
    (row,) = rows
    return row


# --- timestamps -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "at", "rest"),
    [
        (
            "[Wed Nov 25 19:44:24 2026] You have entered Vex Thal.",
            dt.datetime(2026, 11, 25, 19, 44, 24),
            "You have entered Vex Thal.",
        ),
        ("[Thu Nov 12 19:59:40 2026]  AFK [60 Warlord]", dt.datetime(2026, 11, 12, 19, 59, 40), " AFK [60 Warlord]"),
        ("[Sun Feb 29 00:00:00 2032] x", dt.datetime(2032, 2, 29), "x"),
        ("[Mon Jan  5 23:59:59 2026] x", dt.datetime(2026, 1, 5, 23, 59, 59), "x"),
        ("[Tue Jan 01 00:00:00 2030]", dt.datetime(2030, 1, 1), ""),
    ],
)
def test_a_log_lines_time_is_read_as_naive_local_time_and_the_rest_is_kept(line, at, rest):
    assert parse_timestamp(line) == (at, rest)
    assert at.tzinfo is None


@pytest.mark.parametrize(
    "line",
    [
        "[60 Warlord] Loradino (Barbarian) <Ashen Vanguard>",
        "[Wed Feb 30 19:44:24 2026] no such day",
        "[Wed Nov 25 25:44:24 2026] no such hour",
        "[Wed Foo 25 19:44:24 2026] no such month",
        "Wed Nov 25 19:44:24 2026 no brackets",
        "",
    ],
)
def test_a_line_without_a_real_time_keeps_all_its_text(line):
    assert parse_timestamp(line) == (None, line)


# --- the sample log -------------------------------------------------------------------------------


def test_the_sample_log_gives_both_who_lists_with_their_zones_and_marks():
    excerpt = parse_log(fixture_bytes(LOG))

    assert excerpt.is_clean
    assert excerpt.who == (
        who_row(4, "Zelroso", 65, "Ranger", "Wood Elf", at=WHO_TIME, zone="Vex Thal"),
        who_row(5, "Corgorno", 58, "Shadow Knight", "Dark Elf", at=WHO_TIME, zone="Vex Thal"),
        who_row(6, "Drapyr", None, None, "", at=WHO_TIME, zone="Vex Thal", anonymous=True),
        who_row(7, "Loradino", 60, "Warrior", "Barbarian", at=WHO_TIME, zone="Vex Thal", afk=True),
        who_row(8, "Kalwyna", 60, "Monk", "Human", at=WHO_TIME, zone="Vex Thal", linkdead=True),
        who_row(9, "Raldrisa", 60, "Bard", "Half Elf", at=WHO_TIME, zone="Vex Thal"),
        who_row(25, "Zelroso", 65, "Ranger", "Wood Elf", at=dt.datetime(2026, 11, 12, 21, 20, 3), zone="vexthal"),
        who_row(26, "Iljax", 45, "Shaman", "Troll", at=dt.datetime(2026, 11, 12, 21, 20, 3), zone="vexthal"),
    )


def test_the_sample_log_gives_raid_joins_and_leaves_loot_and_zoning():
    excerpt = parse_log(fixture_bytes(LOG))

    assert excerpt.raid_events == (
        RaidEvent(12, dt.datetime(2026, 11, 12, 20, 5, 44), "Haleth", "joined"),
        RaidEvent(19, dt.datetime(2026, 11, 12, 20, 50, 3), "Drapyr", "left"),
    )
    assert excerpt.loot == (
        LootLine(15, dt.datetime(2026, 11, 12, 20, 43, 55), "Zelroso", "Cloak of the Falling Stars", 1),
        LootLine(16, dt.datetime(2026, 11, 12, 20, 44, 2), "You", "Shard of Ra", 1),
        LootLine(17, dt.datetime(2026, 11, 12, 20, 44, 10), "Raldrisa", "Velium Infused Dagger", 2),
        LootLine(18, dt.datetime(2026, 11, 12, 20, 44, 31), "Corgorno", "Vyemm's Fang", 1),
    )
    assert excerpt.zones == (ZoneLine(1, dt.datetime(2026, 11, 12, 19, 58, 2), "Vex Thal"),)


def test_text_bytes_and_unix_line_endings_read_the_same():
    data = fixture_bytes(LOG)

    assert parse_log(data) == parse_log(data.decode()) == parse_log(data.replace(b"\r\n", b"\n"))


def test_the_package_re_exports_the_log_parsers():
    assert eqlog.parse_log is parse_log
    assert eqlog.parse_who is parse_who
    assert eqlog.parse_timestamp is parse_timestamp
    assert eqlog.WhoRow is WhoRow


# --- /who: classes and titles ---------------------------------------------------------------------


def test_the_title_table_covers_every_class():
    assert set(TITLES) == set(EQ_CLASSES)


@pytest.mark.parametrize(("eq_class", "level", "title"), TITLE_CASES)
def test_every_title_in_the_older_who_form_maps_back_to_its_class(eq_class, level, title):
    row = one_who_row(f"[{level} {title}] Loradino (Barbarian) <Ashen Vanguard>")

    assert (row.level, row.eq_class) == (level, eq_class)
    assert class_of_title(title) == eq_class


@pytest.mark.parametrize(("eq_class", "level", "title"), TITLE_CASES)
def test_every_title_in_the_current_who_form_gives_the_class_it_names(eq_class, level, title):
    row = one_who_row(f"[{level} {title} ({eq_class})] Loradino (Barbarian) <Ashen Vanguard> ZONE: vexthal")

    assert (row.level, row.eq_class, row.zone) == (level, eq_class, "vexthal")


@pytest.mark.parametrize("eq_class", sorted(TITLES))
def test_below_level_51_the_class_name_itself_is_shown(eq_class):
    assert one_who_row(f"[45 {eq_class}] Iljax(Troll) <Ashen Vanguard>").eq_class == eq_class


@pytest.mark.parametrize("level", [75, 80, 100, 125])
def test_from_level_75_up_the_75_title_stays(level):
    assert one_who_row(f"[{level} Imperator] Loradino (Barbarian) <Ashen Vanguard>").eq_class == "Warrior"


@pytest.mark.parametrize(("title", "level", "eq_class"), ALTERNATIVE_SPELLINGS)
def test_spellings_seen_in_the_wild_map_back_to_their_class(title, level, eq_class):
    row = one_who_row(f"[{level} {title}] Loradino (Barbarian) <Ashen Vanguard>")

    assert row.eq_class == eq_class


# --- /who: the line's other parts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "[60 Warlord] Loradino (Barbarian) <Ashen Vanguard>",
            who_row(1, "Loradino", 60, "Warrior", "Barbarian"),
        ),
        (
            "[45 Shaman] Iljax(Troll) <Ashen Vanguard>",
            who_row(1, "Iljax", 45, "Shaman", "Troll"),
        ),
        (
            "[65 Forest Stalker (Ranger)] Zelroso (Wood Elf) <Ashen Vanguard> ZONE: vexthal",
            who_row(1, "Zelroso", 65, "Ranger", "Wood Elf", zone="vexthal"),
        ),
        (
            "[ANONYMOUS] Drapyr  <Ashen Vanguard>",
            who_row(1, "Drapyr", None, None, "", anonymous=True),
        ),
        (
            "[ANONYMOUS] Drapyr",
            who_row(1, "Drapyr", None, None, "", anonymous=True, guild=""),
        ),
        (
            " AFK [60 Warlord] Loradino (Barbarian) <Ashen Vanguard>",
            who_row(1, "Loradino", 60, "Warrior", "Barbarian", afk=True),
        ),
        (
            " <LINKDEAD>[60 Grandmaster] Kalwyna (Human) <Ashen Vanguard>",
            who_row(1, "Kalwyna", 60, "Monk", "Human", linkdead=True),
        ),
        (
            " AFK  <LINKDEAD>[60 Grandmaster] Kalwyna (Human) <Ashen Vanguard>",
            who_row(1, "Kalwyna", 60, "Monk", "Human", afk=True, linkdead=True),
        ),
        (
            "OFFLINE MODE [60 Virtuoso] Raldrisa (Half Elf) <Ashen Vanguard>",
            who_row(1, "Raldrisa", 60, "Bard", "Half Elf", offline=True),
        ),
        (
            " AFK [ANONYMOUS] Drapyr  <Ashen Vanguard>",
            who_row(1, "Drapyr", None, None, "", anonymous=True, afk=True),
        ),
        (
            "[60 Warlord] Loradino (Barbarian)",
            who_row(1, "Loradino", 60, "Warrior", "Barbarian", guild=""),
        ),
        (
            "[60 Warlord] Loradino (Barbarian) <Ashen Vanguard> LFG",
            who_row(1, "Loradino", 60, "Warrior", "Barbarian"),
        ),
        (
            "[Thu Nov 12 19:59:40 2026] [60 Warlord] Loradino (Vah Shir) <Ashen Vanguard>",
            who_row(1, "Loradino", 60, "Warrior", "Vah Shir", at=WHO_TIME),
        ),
    ],
)
def test_a_who_line_gives_name_level_class_race_guild_and_marks(line, expected):
    assert one_who_row(line) == expected


def test_a_pasted_who_list_ignores_header_and_footer_and_takes_the_zone_from_the_footer():
    paste = "\n".join(
        [
            "Players on EverQuest:",
            "---------------------------",
            "[60 Warlord] Loradino (Barbarian) <Ashen Vanguard>",
            " AFK [60 Virtuoso] Raldrisa (Half Elf) <Ashen Vanguard>",
            "There are 2 players in Vex Thal.",
        ]
    )

    rows, problems = parse_who(paste)

    assert problems == ()
    assert [(row.line_number, row.name, row.zone, row.afk) for row in rows] == [
        (3, "Loradino", "Vex Thal", False),
        (4, "Raldrisa", "Vex Thal", True),
    ]


def test_a_who_all_list_names_no_zone_and_one_player_lists_read_too():
    paste = (
        "Players in EverQuest:\r\n---------------------------\r\n"
        "[60 Warlord] Loradino (Barbarian) <Ashen Vanguard>\r\nThere are 1 players in EverQuest.\r\n"
        "Players on EverQuest:\r\n---------------------------\r\n"
        "[60 Virtuoso] Raldrisa (Half Elf) <Ashen Vanguard>\r\nThere is 1 player in The Plane of Knowledge.\r\n"
    )

    rows, problems = parse_who(paste)

    assert problems == ()
    assert [(row.name, row.zone) for row in rows] == [("Loradino", ""), ("Raldrisa", "The Plane of Knowledge")]


def test_an_empty_who_list_is_read_as_no_one():
    rows, problems = parse_who(
        "Players on EverQuest:\n---------------------------\n"
        "There are no players in EverQuest that match those who filters.\n"
    )

    assert (rows, problems) == ((), ())


def test_the_sample_logs_who_lines_read_the_same_as_a_paste():
    lines = fixture_bytes(LOG).decode().splitlines()

    rows, _ = parse_who("\n".join(lines[1:10]))

    assert [(row.name, row.eq_class, row.zone, row.at) for row in rows] == [
        (row.name, row.eq_class, row.zone, row.at) for row in parse_log(fixture_bytes(LOG)).who[:6]
    ]


# --- /who: faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_line", "code", "message"),
    [
        (
            "[60 Overseer] Loradino (Barbarian) <Ashen Vanguard>",
            ProblemCode.UNKNOWN_CLASS,
            "'Overseer' is not an EverQuest class",
        ),
        (
            "[65 Forest Stalker (Hunter)] Zelroso (Wood Elf) <AV>",
            ProblemCode.UNKNOWN_CLASS,
            "'Hunter' is not an EverQuest class",
        ),
        (
            "[0 Warrior] Loradino (Barbarian) <Ashen Vanguard>",
            ProblemCode.BAD_LEVEL,
            "The level '0' is not a number from 1 to 130",
        ),
        (
            "[131 Imperator] Loradino (Barbarian) <AV>",
            ProblemCode.BAD_LEVEL,
            "The level '131' is not a number from 1 to 130",
        ),
        (
            "[60 Warlord] Lorad1no (Barbarian) <Ashen Vanguard>",
            ProblemCode.BAD_NAME,
            "'Lorad1no' is not a character name",
        ),
        ("[60 Warlord] Lo (Barbarian) <Ashen Vanguard>", ProblemCode.BAD_NAME, "'Lo' is not a character name"),
        ("[60 Warl", ProblemCode.UNREADABLE_LINE, "is not a /who line the client writes"),
        ("Loradino tells the raid,  'brb'", ProblemCode.UNREADABLE_LINE, "is not a line of a /who list"),
    ],
)
def test_a_bad_who_line_is_a_problem_with_its_number_and_the_other_lines_are_kept(bad_line, code, message):
    paste = "\r\n".join(
        [
            "[Thu Nov 12 19:59:40 2026] [65 Forest Stalker] Zelroso (Wood Elf) <Ashen Vanguard>",
            f"[Thu Nov 12 19:59:40 2026] {bad_line}",
            "[Thu Nov 12 19:59:40 2026] [58 Revenant] Corgorno (Dark Elf) <Ashen Vanguard>",
        ]
    )

    rows, problems = parse_who(paste)

    assert [(problem.line_number, problem.code) for problem in problems] == [(2, code)]
    assert message in problems[0].message
    assert [row.name for row in rows] == ["Zelroso", "Corgorno"]


def test_bad_who_lines_in_a_log_are_problems_while_chat_is_skipped_silently():
    log = "\r\n".join(
        [
            "[Thu Nov 12 19:59:40 2026] [60 Overseer] Loradino (Barbarian) <Ashen Vanguard>",
            "[Thu Nov 12 19:59:41 2026] Loradino tells the raid,  'brb'",
            "[Thu Nov 12 19:59:42 2026] [200 Warlord] Loradino (Barbarian) <Ashen Vanguard>",
            "[Thu Nov 12 19:59:43 2026] You tell your raid, 'ok'",
        ]
    )

    excerpt = parse_log(log)

    assert [(p.line_number, p.code) for p in excerpt.problems] == [
        (1, ProblemCode.UNKNOWN_CLASS),
        (3, ProblemCode.BAD_LEVEL),
    ]
    assert excerpt.who == ()


# --- raid joins and leaves ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "kind"),
    [
        ("Haleth joined the raid.", "Haleth", "joined"),
        ("Haleth has joined the raid.", "Haleth", "joined"),
        ("You have joined the raid.", "You", "joined"),
        ("Drapyr has left the raid.", "Drapyr", "left"),
        ("You have left the raid.", "You", "left"),
    ],
)
def test_raid_joins_and_leaves_are_read_with_their_time(line, name, kind):
    excerpt = parse_log(AT + line)

    assert excerpt.raid_events == (RaidEvent(1, dt.datetime(2026, 11, 12, 20, 44, 2), name, kind),)


@pytest.mark.parametrize(
    "line",
    [
        "Zelroso tells the raid,  'Haleth joined the raid.'",
        "You tell your raid, 'Drapyr has left the raid.'",
        "Haleth joined the raid",
        "Haleth joined the guild.",
    ],
)
def test_raid_chat_about_joining_is_not_a_join(line):
    excerpt = parse_log(AT + line)

    assert excerpt.raid_events == ()
    assert excerpt.is_clean


def test_a_join_by_a_name_with_digits_is_a_problem():
    excerpt = parse_log(AT + "Hal3th joined the raid.")

    assert excerpt.raid_events == ()
    assert [(p.line_number, p.code) for p in excerpt.problems] == [(1, ProblemCode.BAD_NAME)]


# --- loot -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "looter", "item", "quantity"),
    [
        ("--Zelroso has looted a Cloak of the Falling Stars.--", "Zelroso", "Cloak of the Falling Stars", 1),
        ("--Zelroso has looted an Ethereal Mist Flask.--", "Zelroso", "Ethereal Mist Flask", 1),
        ("--You have looted a Shard of Ra.--", "You", "Shard of Ra", 1),
        ("--You have looted 20 Bone Chips.--", "You", "Bone Chips", 20),
        ("--Raldrisa has looted 2 Velium Infused Dagger.--", "Raldrisa", "Velium Infused Dagger", 2),
        ("--Corgorno has looted a Vyemm's Fang from a cracked coffer .--", "Corgorno", "Vyemm's Fang", 1),
        ("--Corgorno has looted an Idol from an ancient chest .--", "Corgorno", "Idol", 1),
        ("--Kalwyna has looted a Gnarled Staff of St. Kobold.--", "Kalwyna", "Gnarled Staff of St. Kobold", 1),
        ("--Kalwyna has looted a Ring of the Ancients v.2.--", "Kalwyna", "Ring of the Ancients v.2", 1),
        ("--Kalwyna has looted 3 Mr. Wiz's Gem. from a crate .--", "Kalwyna", "Mr. Wiz's Gem.", 3),
    ],
)
def test_loot_lines_give_looter_item_and_count(line, looter, item, quantity):
    excerpt = parse_log(AT + line)

    assert excerpt.is_clean
    assert excerpt.loot == (LootLine(1, dt.datetime(2026, 11, 12, 20, 44, 2), looter, item, quantity),)


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("--Z3lroso has looted a Shard of Ra.--", ProblemCode.BAD_NAME),
        ("--Zelroso has looted 0 Shard of Ra.--", ProblemCode.BAD_QUANTITY),
        ("--Zelroso has looted a Shard of Ra--", ProblemCode.UNREADABLE_LINE),
        ("--Zelroso has looted some Shard of Ra.--", ProblemCode.UNREADABLE_LINE),
    ],
)
def test_a_loot_line_that_cannot_be_read_is_a_problem(line, code):
    excerpt = parse_log("[Thu Nov 12 20:44:01 2026] You have entered Vex Thal.\r\n" + AT + line)

    assert excerpt.loot == ()
    assert [(p.line_number, p.code) for p in excerpt.problems] == [(2, code)]


def test_loot_mentioned_in_chat_is_not_loot():
    excerpt = parse_log(AT + "Zelroso tells the raid,  '--Zelroso has looted a Shard of Ra.--'")

    assert excerpt.loot == ()


# --- zones and the log as a whole -----------------------------------------------------------------


def test_entering_a_zone_is_read_but_entering_a_no_levitation_area_is_not():
    excerpt = parse_log(
        "[Thu Nov 12 19:58:02 2026] You have entered The Plane of Knowledge.\n"
        "[Thu Nov 12 19:58:09 2026] You have entered an area where levitation effects do not function.\n"
    )

    assert excerpt.zones == (ZoneLine(1, dt.datetime(2026, 11, 12, 19, 58, 2), "The Plane of Knowledge"),)


def test_a_line_with_an_impossible_time_is_a_problem_and_the_rest_is_read():
    excerpt = parse_log(
        "[Thu Nov 12 19:58:02 2026] You have entered Vex Thal.\n"
        "[Thu Feb 30 19:58:09 2026] Haleth joined the raid.\n"
        "[Thu Nov 12 19:58:10 2026] Drapyr joined the raid.\n"
    )

    assert [(p.line_number, p.code) for p in excerpt.problems] == [(2, ProblemCode.BAD_TIMESTAMP)]
    assert "'[Thu Feb 30 19:58:09 2026]' is not a date and time" in excerpt.problems[0].message
    assert [event.name for event in excerpt.raid_events] == ["Drapyr"]


def test_lines_without_a_time_inside_a_log_are_read_without_one():
    excerpt = parse_log("[Thu Nov 12 19:58:02 2026] You have entered Vex Thal.\nHaleth joined the raid.\n")

    assert excerpt.raid_events == (RaidEvent(2, None, "Haleth", "joined"),)


# --- text that is not a log or a /who list --------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (b"", "empty_file", "The text is empty; it is not an EverQuest log"),
        ("\r\n  \r\n", "empty_file", "The text is empty"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary_file", "This is a binary file, not an EverQuest log"),
        ("Haleth joined the raid.\n", "not_an_eq_log", "no line starts with the time the client writes"),
        (fixture_bytes(RAID_DUMP), "not_an_eq_log", r"This is a raid dump \(/outputfile raid\), not an EverQuest log"),
        (
            fixture_bytes(GUILD_DUMP),
            "not_an_eq_log",
            r"This is a guild dump \(/outputfile guild\), not an EverQuest log",
        ),
    ],
)
def test_text_that_is_not_a_log_is_refused_as_a_whole(data, code, message):
    with pytest.raises(LogError, match=message) as refused:
        parse_log(data)

    assert refused.value.code == code
    assert isinstance(refused.value, EqLogError)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "The text is empty; it is not a /who list"),
        ("Dear officers,\nI was there.\n", "line 1 reads 'Dear officers,'"),
        (fixture_bytes(RAID_DUMP), r"This is a raid dump \(/outputfile raid\), not a /who list"),
        (fixture_bytes(GUILD_DUMP), r"This is a guild dump \(/outputfile guild\), not a /who list"),
    ],
)
def test_text_with_no_who_line_is_refused_as_a_whole(data, message):
    with pytest.raises(LogError, match=message):
        parse_who(data)


@pytest.mark.parametrize(
    "line",
    [
        "[60 Warlord] Loradino" + " " * 20_000 + "!",
        "[60 Warlord] Loradino <Ashen Vanguard>" + " LFG" * 20_000 + "!",
        "--Zelroso has looted a" + " " * 20_000 + "Shard.--",
        "--" + " looted " * 20_000 + "x",
    ],
)
def test_a_hostile_long_line_is_read_in_linear_time(line):
    started = time.perf_counter()

    parse_log(AT + line)
    with contextlib.suppress(LogError):
        parse_who(line)

    # Backtracking regular expressions took minutes on these; the parsers take milliseconds.
    assert time.perf_counter() - started < 2


# --- fuzzing: nothing but EqLogError, ever -------------------------------------------------------


@given(st.text(max_size=300))
def test_any_text_gives_a_time_or_none_without_raising(line):
    at, rest = parse_timestamp(line)

    if at is None:
        assert rest == line
    else:
        assert line.startswith("[")
        assert line.endswith(rest)
        assert len(rest) < len(line)


@given(st.text(max_size=400))
def test_any_text_reads_as_a_log_or_raises_only_an_eqlog_error(text):
    with contextlib.suppress(EqLogError):
        parse_log(text)


@given(st.binary(max_size=400))
def test_any_bytes_read_as_a_log_or_raise_only_an_eqlog_error(data):
    with contextlib.suppress(EqLogError):
        parse_log(data)


@given(st.text(max_size=400))
def test_any_text_reads_as_a_who_list_or_raises_only_an_eqlog_error(text):
    with contextlib.suppress(EqLogError):
        parse_who(text)


@given(st.binary(max_size=400))
def test_any_bytes_read_as_a_who_list_or_raise_only_an_eqlog_error(data):
    with contextlib.suppress(EqLogError):
        parse_who(data)


log_parts = st.one_of(
    st.sampled_from(
        ["[Thu Nov 12 19:59:40 2026] ", "[Thu Feb 30 19:59:40 2026] ", "", " AFK ", " <LINKDEAD>", "OFFLINE MODE"]
    ),
    st.sampled_from(
        ["[60 Warlord] ", "[65 Forest Stalker (Ranger)] ", "[ANONYMOUS] ", "[0 Warlord] ", "[45 Shaman]", "["]
    ),
    st.sampled_from(["Loradino", "Iljax(Troll)", " (Wood Elf)", " <Ashen Vanguard>", " ZONE: vexthal", "Lo", "Z3l"]),
    st.sampled_from(["--", "You have", "Zelroso has", " looted ", "a ", "an ", "2 ", "0 ", "Shard of Ra", ".", ".--"]),
    st.sampled_from([" from a coffer ", "joined the raid.", " has left the raid.", "You have entered ", "Vex Thal."]),
    st.sampled_from(["There are 2 players in Vex Thal.", "Players on EverQuest:", "-----", "\t", "\r\n", "\n"]),
    st.text(max_size=6),
)


@given(st.lists(log_parts, max_size=60).map("".join))
def test_any_almost_log_reads_or_raises_only_an_eqlog_error(text):
    for parse in (parse_log, parse_who):
        try:
            result = parse(text)
        except EqLogError:
            continue
        rows = result.who if parse is parse_log else result[0]
        for row in rows:
            assert row.anonymous or (row.eq_class in EQ_CLASSES and 1 <= row.level <= 130)
            assert row.line_number >= 1
