"""Shapes real clients write that the parsers once read wrong: Live's /who, named and chest loot,
removal from the raid, Live's 14-value guild dump, empty raid slots, and a live log read line by line."""

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dkp import eqlog
from dkp.eqlog import ChatLine, LootLine, RaidEvent, ZoneLine, parse_guild_dump, parse_log, parse_raid_dump, parse_who
from dkp.eqlog.errors import EqLogError

AT = "[Wed Dec 02 21:04:05 2026] "
WHEN = dt.datetime(2026, 12, 2, 21, 4, 5)


def one_row(line: str) -> eqlog.WhoRow:
    rows, problems = parse_who(line)
    assert problems == ()
    (row,) = rows
    return row


# --- Live /who ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "race", "guild", "zone"),
    [
        (
            "[125 Arch Mage (Magician)] Zelroso (Erudite) <Ashen Vanguard> ZONE: The Plane of Knowledge, 2nd floor",
            "Zelroso",
            "Erudite",
            "Ashen Vanguard",
            "The Plane of Knowledge, 2nd floor",
        ),
        (
            "[120 Warlord (Warrior)] Gorkul(Ogre) < Ashen Vanguard> ZONE: Plane of Time B",
            "Gorkul",
            "Ogre",
            "Ashen Vanguard",
            "Plane of Time B",
        ),
        ("[115 Oracle (Shaman)] Iljax(Troll) ZONE: The Overthere 3", "Iljax", "Troll", "", "The Overthere 3"),
        (
            "[115 Oracle (Shaman)] Iljaxa (Troll) <Ashen Vanguard> ZONE: vexthal  LFG",
            "Iljaxa",
            "Troll",
            "Ashen Vanguard",
            "vexthal",
        ),
    ],
)
def test_live_who_lines_with_a_whole_zone_name_read_name_race_guild_and_zone(line, name, race, guild, zone):
    row = one_row(line)

    assert (row.name, row.race, row.guild, row.zone) == (name, race, guild, zone)


@pytest.mark.parametrize(
    ("line", "race", "group"),
    [
        ("[120 Warlord (Warrior)] Gorkul (Group: 3) <Ashen Vanguard> ZONE: vexthal", "", "3"),
        ("[120 Warlord (Warrior)] Gorkul (Group: None) (Ogre) <Ashen Vanguard>", "Ogre", "None"),
        ("[120 Warlord (Warrior)] Gorkul (Ogre) (Group: 12) <Ashen Vanguard>", "Ogre", "12"),
    ],
)
def test_a_group_marker_is_not_a_race(line, race, group):
    row = one_row(line)

    assert (row.race, row.group, row.eq_class, row.level) == (race, group, "Warrior", 120)


@pytest.mark.parametrize("mark", ["TRADER", "BUYER"])
def test_trader_and_buyer_marks_are_read_and_flagged(mark):
    row = one_row(f"{mark} [120 Warlord (Warrior)] Gorkul (Ogre) <Ashen Vanguard> ZONE: The Bazaar")

    assert (row.name, row.trader, row.offline, row.zone) == ("Gorkul", mark, False, "The Bazaar")


def test_a_who_row_at_the_keyboard_is_no_trader():
    assert one_row("[120 Warlord (Warrior)] Gorkul (Ogre) <Ashen Vanguard>").trader == ""


# --- loot and the raid ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "looter", "item"),
    [
        ("--Gwendolyn has looted a Cloak of Flames from Lord Nagafen's corpse.--", "Gwendolyn", "Cloak of Flames"),
        ("--You have looted a Cloak of Flames from Lord Nagafen's corpse.--", "You", "Cloak of Flames"),
        ("--You have looted an Orb of the Sky from Vyemm's corpse.--", "You", "Orb of the Sky"),
        ("--Gwendolyn has looted a Fang of Vyemm from a cracked coffer.--", "Gwendolyn", "Fang of Vyemm"),
        ("Gwendolyn grabbed a Cloak of Flames from an icebound chest .", "Gwendolyn", "Cloak of Flames"),
        ("You grabbed a Mask of Tinkering from a dusty chest.", "You", "Mask of Tinkering"),
    ],
)
def test_loot_from_a_named_creature_or_a_chest_keeps_only_the_items_name(line, looter, item):
    excerpt = parse_log(AT + line)

    assert excerpt.problems == ()
    assert excerpt.loot == (LootLine(1, WHEN, looter, item, 1),)


@pytest.mark.parametrize(
    ("line", "name"),
    [("You were removed from the raid.", "You"), ("Gwendolyn was removed from the raid.", "Gwendolyn")],
)
def test_being_removed_from_the_raid_is_leaving_it(line, name):
    assert parse_log(AT + line).raid_events == (RaidEvent(1, WHEN, name, "left"),)


# --- dumps --------------------------------------------------------------------------------------------


def live_guild_line(name: str, public_note: str) -> str:
    """Fourteen values, the public note last, and the client's trailing tab."""
    values = [name, "120", "Warrior", "Member", "", "11/30/26", "The Plane of Knowledge", "main tank"]
    values += ["", "off", "off", "0", "11/30/26", public_note]
    assert len(values) == 14
    return "\t".join(values) + "\t\r\n"


def test_a_live_guild_dump_of_14_values_keeps_the_public_note():
    dump = parse_guild_dump(live_guild_line("Gorkul", "Tank 2") + live_guild_line("Iljax", ""))

    assert dump.is_clean
    assert [(row.name, row.note, row.public_note) for row in dump.rows] == [
        ("Gorkul", "main tank", "Tank 2"),
        ("Iljax", "main tank", ""),
    ]


@pytest.mark.parametrize("empty_slot", ["3\t\t\t\t\t\t\t\t\r\n", "3\t\r\n", "3\r\n"])
def test_a_raid_dumps_empty_group_slots_are_skipped_without_a_problem(empty_slot):
    text = "1\tGorkul\t120\tWarrior\tRaid Leader\t\t\tYes\t\r\n" + empty_slot + "3\tIljax\t115\tShaman\t\t\t\tNo\t\r\n"

    dump = parse_raid_dump(text)

    assert dump.problems == ()
    assert [(row.group, row.name) for row in dump.rows] == [(1, "Gorkul"), (3, "Iljax")]


def test_a_group_number_out_of_range_alone_on_a_line_is_still_a_problem():
    dump = parse_raid_dump("1\tGorkul\t120\tWarrior\tRaid Leader\t\t\tYes\t\r\n13\t\t\t\t\t\t\t\t\r\n")

    assert {problem.line_number for problem in dump.problems} == {2}
    assert "The group '13' is not a number from 0 to 12." in [problem.message for problem in dump.problems]


# --- one line at a time -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Gwendolyn tells you, 'Cloak of Flames 45'", ChatLine(7, WHEN, "Gwendolyn", "tell", "Cloak of Flames 45")),
        (
            "Gwendolyn tells you, 'Cloak of Flames 45, it's mine, 'honest''",
            ChatLine(7, WHEN, "Gwendolyn", "tell", "Cloak of Flames 45, it's mine, 'honest'"),
        ),
        (
            "You tell your raid, '!bids open Cloak of Flames !2 || tanks first'",
            ChatLine(7, WHEN, "You", "raid", "!bids open Cloak of Flames !2 || tanks first"),
        ),
        ("Aelric tells the raid,  'grats'", ChatLine(7, WHEN, "Aelric", "raid", "grats")),
        ("Merchant Joe tells you, 'That'll be 5p'", ChatLine(7, WHEN, "Merchant Joe", "tell", "That'll be 5p")),
        ("Gwendolyn has joined the raid.\r", RaidEvent(7, WHEN, "Gwendolyn", "joined")),
        ("You were removed from the raid.", RaidEvent(7, WHEN, "You", "left")),
        ("--Gwendolyn has looted a Cloak of Flames.--", LootLine(7, WHEN, "Gwendolyn", "Cloak of Flames", 1)),
        ("You have entered Vex Thal.", ZoneLine(7, WHEN, "Vex Thal")),
    ],
)
def test_read_line_gives_what_the_companion_acts_on(line, expected):
    assert eqlog.read_line(AT + line, 7) == expected


@pytest.mark.parametrize(
    "line",
    [
        "You told Gwendolyn, 'Cloak of Flames 45'",
        "Gwendolyn tells the guild, 'Cloak of Flames 45'",
        "Gwendolyn tells the group, 'Cloak of Flames 45'",
        "Gwendolyn says, 'Cloak of Flames 45'",
        "Gwendolyn shouts, 'Cloak of Flames 45'",
        "Gwendolyn auctions, 'WTS Cloak of Flames 45'",
        "You tell your party, 'hi'",
        "Gw3ndolyn has joined the raid.",
        "You hit a frost giant for 45 points of damage.",
        "",
    ],
)
def test_read_line_passes_over_everything_else(line):
    assert eqlog.read_line(AT + line) is None


def test_read_line_reads_a_line_without_a_time():
    assert eqlog.read_line("Gwendolyn tells you, 'Cloak 3'") == ChatLine(0, None, "Gwendolyn", "tell", "Cloak 3")


def test_parse_log_and_read_line_agree_on_a_log():
    lines = [
        "Gwendolyn has joined the raid.",
        "--You have looted a Cloak of Flames from Lord Nagafen's corpse.--",
        "You have entered Vex Thal.",
        "Gwendolyn was removed from the raid.",
    ]
    excerpt = parse_log("\n".join(AT + line for line in lines))
    read = [eqlog.read_line(AT + line, number) for number, line in enumerate(lines, start=1)]

    assert read == sorted([*excerpt.raid_events, *excerpt.loot, *excerpt.zones], key=lambda event: event.line_number)


# --- fuzzing ----------------------------------------------------------------------------------------

live_parts = st.one_of(
    st.sampled_from([AT, "[Wed Feb 30 21:04:05 2026] ", "", "TRADER ", "BUYER ", " AFK ", "\r", "\n"]),
    st.sampled_from(["[125 Arch Mage (Magician)] ", "[120 Warlord (Warrior)] ", "[ANONYMOUS] ", "["]),
    st.sampled_from(["Zelroso", "(Erudite)", " (Group: 3)", " (Group: None)", "< Ashen Vanguard>", " ZONE: ", "2nd,"]),
    st.sampled_from([" tells you, '", "You tell your raid, '", " tells the raid,  '", "'", "You told ", ", "]),
    st.sampled_from(["--", " has looted a ", " grabbed a ", " from ", "Lord Nagafen's corpse", " .", ".--"]),
    st.sampled_from(["You were removed from the raid.", " was removed from the raid.", "Cloak of Flames 45 alt"]),
    st.text(max_size=6),
)


@given(st.lists(live_parts, max_size=40).map("".join))
def test_any_almost_live_line_reads_or_is_passed_over_without_raising(text):
    read = eqlog.read_line(text)
    assert read is None or isinstance(read, ChatLine | RaidEvent | LootLine | ZoneLine)
    for parse in (parse_log, parse_who, parse_guild_dump, parse_raid_dump):
        with contextlib.suppress(EqLogError):
            parse(text)


@given(st.text(max_size=300))
def test_read_line_never_raises(text):
    eqlog.read_line(text)
