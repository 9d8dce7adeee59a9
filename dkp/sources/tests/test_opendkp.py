"""The OpenDKP reader: the fixture guild's balances as OpenDKP itself adds them up, its shape in the
neutral form, every problem a damaged database gives, and the raid JSON of OpenDKP's API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from dkp.sources.history import SourceError, SourceHistory, SourceSystem, balances_from_rows, group_of
from dkp.sources.opendkp import POOL_KEY, read_opendkp, read_opendkp_raid
from dkp.sources.tables import MemoryTables
from dkp.sources.tests.opendkp_fixture import GUILD, OTHER, guild, guild_rows

MARCH_1 = dt.datetime(2019, 3, 1, 20, 0, tzinfo=dt.UTC)
MARCH_8 = dt.datetime(2019, 3, 8, 20, 0, tzinfo=dt.UTC)


@pytest.fixture
def riders() -> SourceHistory:
    return read_opendkp(guild(), client_id=GUILD)


def _by_name(history: SourceHistory) -> dict[str, Decimal]:
    names = {character.key: character.name for character in history.characters}
    return {names[key]: value for (key, pool), value in history.balances.items() if pool == POOL_KEY}


def test_balances_are_opendkps_ticks_attended_minus_items_plus_adjustments_across_pools(riders: SourceHistory) -> None:
    assert _by_name(riders) == {
        # ticks 1001 + 1002 + 1002 again (listed twice) + 1004; items 501 and 506; the bonus.
        # The other guild's 100-point tick, 40-point item and 7-point bonus for Tankzor do not count.
        "Tankzor": Decimal("2.5")
        + Decimal("2.5")
        + Decimal("2.5")
        + 10
        - Decimal("12.5")
        - Decimal("0.5")
        + 10,  # 14.5
        # ticks 1001 + 1002; the Manastone; left early.
        "Healzor": Decimal("2.5") + Decimal("2.5") - Decimal("12.5") - Decimal("2.5"),  # -10
        # tick 1004 (Velious) + tick 1005, whose raid is gone but which OpenDKP still counts; the Crown.
        "Portzor": 10 + 3 - Decimal("20"),  # -7
        # inactive, still has a balance: tick 1001 + tick 1006 (raid with a zero date); the Tunic in no raid; decay.
        "Oldtimer": Decimal("2.5") + 2 - 5 - Decimal("1.25"),  # -1.75
        "Newbie": Decimal("2.5") + Decimal("2.5"),  # 5
        "Mr.Bones": Decimal(10),
        "Strangez": Decimal(10),
        "": Decimal(10),
        "Lostalt": Decimal(10),
    }
    assert riders.balances[("101", POOL_KEY)] == Decimal("14.5")
    assert riders.balances[("104", POOL_KEY)] == Decimal("-1.75")


def test_what_comes_across_differs_from_opendkp_only_where_a_problem_says_so(riders: SourceHistory) -> None:
    ticks = {tick.key: POOL_KEY for tick in riders.ticks}
    across = balances_from_rows(ticks=riders.ticks, tick_pool=ticks, loot=riders.loot, adjustments=riders.adjustments)
    differences = {
        key: riders.balances.get(key, Decimal(0)) - across.get(key, Decimal(0))
        for key in set(riders.balances) | set(across)
        if riders.balances.get(key) != across.get(key)
    }
    assert differences == {
        ("101", POOL_KEY): Decimal("2.5"),  # Tankzor listed twice at tick 1002
        ("103", POOL_KEY): Decimal("3"),  # tick 1005's raid 99 is not there
        ("104", POOL_KEY): Decimal("2"),  # tick 1006's raid 13 has a zero date
    }


def test_one_pool_named_after_the_guild_and_opendkps_pools_are_its_events(riders: SourceHistory) -> None:
    assert riders.system is SourceSystem.OPENDKP
    assert riders.source_id == f"opendkp:client={GUILD}"
    assert riders.label == "OpenDKP Riders of Rathe"
    assert [(pool.key, pool.name) for pool in riders.pools] == [(POOL_KEY, "Riders of Rathe")]
    # Luclin is only the other guild's.
    assert [(event.key, event.pool_key, event.name) for event in riders.events] == [
        ("1", POOL_KEY, "Classic"),
        ("2", POOL_KEY, "Velious"),
    ]
    assert riders.counts() == {
        "pools": 1,
        "events": 2,
        "characters": 9,
        "raids": 2,
        "ticks": 4,
        "attendance": 13,
        "loot": 5,
        "adjustments": 3,
    }


def test_raids_and_ticks_keep_opendkps_ids_times_and_fractional_values(riders: SourceHistory) -> None:
    assert [(raid.key, raid.event_key, raid.starts_at, raid.note) for raid in riders.raids] == [
        ("11", "1", MARCH_1, "Plane of Fear"),
        ("12", "2", MARCH_8, "Temple of Veeshan"),
    ]
    ticks = {tick.key: tick for tick in riders.ticks}
    assert list(ticks) == ["1001", "1002", "1003", "1004"]
    assert ticks["1001"].value == Decimal("2.5")
    assert ticks["1001"].description == "On time"
    assert ticks["1001"].occurred_at == MARCH_1
    assert ticks["1001"].attendee_keys == ("101", "102", "104", "105")
    assert ticks["1002"].attendee_keys == ("101", "102", "105")  # Tankzor once
    assert ticks["1003"].attendee_keys == ()  # nobody stayed: the tick is kept
    assert ticks["1004"].attendee_keys == ("101", "103", "106", "107", "108", "109")


def test_characters_keep_class_level_race_rank_activity_and_their_main(riders: SourceHistory) -> None:
    characters = {character.name: character for character in riders.characters}
    tank = characters["Tankzor"]
    assert (tank.key, tank.eq_class, tank.level, tank.race, tank.rank, tank.active, tank.main_key) == (
        "101",
        "Warrior",
        60,
        "Ogre",
        "Officer",
        True,
        None,
    )
    assert characters["Healzor"].main_key == "101"
    assert characters["Portzor"].main_key == "101"
    assert characters["Oldtimer"].active is False
    # OpenDKP's own placeholder for a character made from a name: no class, no race, and no problem.
    assert (characters["Newbie"].eq_class, characters["Newbie"].race, characters["Newbie"].level) == ("", "", 1)
    assert characters["Strangez"].eq_class == ""
    assert characters[""].eq_class == "Shadow Knight"  # "Shadowknight", as older tools spell it
    assert characters["Lostalt"].main_key is None
    assert group_of(riders.characters) == {
        "101": "101",
        "102": "101",
        "103": "101",
        "104": "104",
        "105": "105",
        "106": "106",
        "107": "107",
        "108": "108",
        "109": "109",
    }


def test_loot_keeps_price_buyer_raid_and_item_id_and_dates_an_item_in_no_raid(riders: SourceHistory) -> None:
    loot = {item.key: item for item in riders.loot}
    assert [
        (item.character_key, item.item_name, item.price, item.raid_key, item.occurred_at) for item in loot.values()
    ] == [
        ("101", "Cloak of Flames", Decimal("12.5"), "11", MARCH_1),
        ("102", "Manastone", Decimal("12.5"), "11", MARCH_1),
        # raid_id -1: dated with the raid of transaction 502, entered just before it
        ("104", "Fungus Covered Scale Tunic", Decimal("5"), None, MARCH_1),
        ("103", "Crown of Rile", Decimal("20"), "12", MARCH_8),
        ("101", "", Decimal("0.5"), "12", MARCH_8),
    ]
    assert loot["501"].eq_item_id == 2001
    assert {item.pool_key for item in riders.loot} == {POOL_KEY}


def test_adjustments_keep_sign_reason_and_time(riders: SourceHistory) -> None:
    assert [
        (adjustment.key, adjustment.character_key, adjustment.amount, adjustment.reason, adjustment.occurred_at)
        for adjustment in riders.adjustments
    ] == [
        ("301", "101", Decimal("10"), "Bonus: Raid leading", dt.datetime(2019, 3, 2, tzinfo=dt.UTC)),
        ("302", "102", Decimal("-2.5"), "Penalty: Left early", dt.datetime(2019, 3, 9, 1, 30, tzinfo=dt.UTC)),
        ("303", "104", Decimal("-1.25"), "Decay", dt.datetime(2019, 3, 10, tzinfo=dt.UTC)),
    ]


def test_every_damaged_row_is_a_problem_that_names_it(riders: SourceHistory) -> None:
    assert [(problem.where, problem.code) for problem in riders.problems] == [
        ("characters row 6 (id_character 106)", "not_an_eq_name"),
        ("characters row 7 (id_character 107)", "unknown_class"),
        ("characters row 8 (id_character 108)", "empty_name"),
        ("characters row 9 (id_character 109)", "missing_main"),
        ("raids row 3 (id_raid 13)", "bad_date"),
        ("ticks row 5 (tick_id 1005)", "missing_raid"),
        ("ticks row 6 (tick_id 1006)", "missing_raid"),
        ("ticks_x_characters row 8 (id 8)", "duplicate_attendance"),
        ("ticks_x_characters row 17 (id 17)", "missing_character"),
        ("ticks_x_characters row 18 (id 18)", "missing_tick"),
        ("items_x_characters row 5 (transaction_id 505)", "missing_character"),
        ("items_x_characters row 3 (transaction_id 503)", "item_without_raid"),
        ("items_x_characters row 6 (transaction_id 506)", "missing_item"),
        ("adjustments row 4 (id_adjustment 304)", "missing_character"),
    ]
    messages = {problem.where: problem.message for problem in riders.problems}
    assert messages["characters row 6 (id_character 106)"] == (
        "'Mr.Bones' is not an EverQuest character name (those are 4 to 15 letters and nothing else). "
        "It is kept as it is written."
    )
    assert messages["characters row 7 (id_character 107)"] == (
        "'Jester' is not an EverQuest class; the character is kept without a class."
    )
    assert "Lostalt is linked as an alt of character 999" in messages["characters row 9 (id_character 109)"]
    assert messages["raids row 3 (id_raid 13)"] == (
        "The timestamp column holds '0000-00-00 00:00:00', which is not a date and time; the raid is left out."
    )
    assert "belongs to raid 99" in messages["ticks row 5 (tick_id 1005)"]
    assert "OpenDKP still counts it" in messages["ticks row 5 (tick_id 1005)"]
    assert messages["ticks_x_characters row 8 (id 8)"] == (
        "Tankzor is listed twice at tick 1002. OpenDKP counts the tick's 2.5 DKP each time; the tick is credited "
        "once here, so Tankzor's balance comes across 2.5 lower than OpenDKP's."
    )
    assert "character 555" in messages["ticks_x_characters row 17 (id 17)"]
    assert "tick 7777" in messages["ticks_x_characters row 18 (id 18)"]
    assert messages["items_x_characters row 3 (transaction_id 503)"] == (
        "Oldtimer's Fungus Covered Scale Tunic for 5 DKP is in no raid (raid_id -1). OpenDKP still takes the DKP "
        "from the balance, so the item is kept, dated 2019-03-01, the raid of the item entered just before it."
    )
    assert "item 9999" in messages["items_x_characters row 6 (transaction_id 506)"]
    assert "adjustment of 3 DKP is for character 555" in messages["adjustments row 4 (id_adjustment 304)"]
    # OpenDKP's placeholder class "UNKNOWN" is not a problem.
    assert not [problem for problem in riders.problems if "Newbie" in problem.message]


def test_the_other_guild_reads_alone_and_none_of_its_rows_leak_into_the_riders() -> None:
    other = read_opendkp(guild(), client_id=OTHER)
    assert [character.name for character in other.characters] == ["Othermain", "Othertwo"]
    assert [event.name for event in other.events] == ["Luclin"]
    assert other.pools[0].name == "Other Guild"
    # Its rows for Tankzor (a Rider) point at a character it does not have.
    assert _by_name(other) == {"Othermain": Decimal("100") - Decimal("50")}
    assert [(problem.where, problem.code) for problem in other.problems] == [
        ("ticks_x_characters row 20 (id 20)", "missing_character"),
        ("items_x_characters row 8 (transaction_id 508)", "missing_character"),
        ("adjustments row 5 (id_adjustment 305)", "missing_character"),
    ]
    riders = read_opendkp(guild(), client_id=GUILD)
    assert not {"201", "202"} & {character.key for character in riders.characters}
    assert "21" not in {raid.key for raid in riders.raids}
    assert not {"507", "508"} & {item.key for item in riders.loot}


def test_a_client_id_the_database_does_not_hold_names_the_ones_it_does() -> None:
    with pytest.raises(SourceError) as unknown:
        read_opendkp(guild(), client_id="c0ffee99")
    assert unknown.value.code == "unknown_client"
    assert unknown.value.message == (
        "opendkp.sql holds no guild with the client id 'c0ffee99'. "
        "The client ids there are: 'beef0002' (Other Guild), 'c0ffee01' (Riders of Rathe)."
    )


def test_a_guild_without_a_clients_table_is_named_by_its_client_id() -> None:
    rows = guild_rows()
    del rows["clients"]
    history = read_opendkp(MemoryTables(rows, label="old.sql"), client_id=GUILD)
    assert history.label == f"OpenDKP client {GUILD}"
    assert history.pools[0].name == "DKP"
    assert _by_name(history)["Tankzor"] == Decimal("14.5")


def test_a_missing_table_stops_the_reading_with_its_name() -> None:
    rows = guild_rows()
    del rows["ticks_x_characters"]
    with pytest.raises(SourceError) as missing:
        read_opendkp(MemoryTables(rows, label="truncated.sql"), client_id=GUILD)
    assert missing.value.code == "missing_table"
    assert "truncated.sql has no table 'ticks_x_characters'" in str(missing.value)


def test_garbled_numbers_and_dates_skip_the_row_and_say_which_column_held_what() -> None:
    # Values a hand-edited dump can hold and a server cannot.
    rows = guild_rows()
    rows["characters"][2]["level"] = "sixty"
    rows["ticks"][0]["value"] = "two and a half"
    rows["items_x_characters"][0]["dkp"] = "12,5"
    rows["adjustments"][0]["timestamp"] = "last Tuesday"
    history = read_opendkp(MemoryTables(rows), client_id=GUILD)
    problems = {(problem.where, problem.code): problem.message for problem in history.problems}
    assert problems[("characters row 3 (id_character 103)", "bad_number")] == (
        "The level column holds 'sixty', which is not a whole number; the character is kept without a level."
    )
    assert problems[("ticks row 1 (tick_id 1001)", "bad_number")] == (
        "The value column holds 'two and a half', which is not a number; the tick and its attendance are left out."
    )
    assert problems[("items_x_characters row 1 (transaction_id 501)", "bad_number")] == (
        "The dkp column holds '12,5', which is not a number; the item is left out."
    )
    assert problems[("adjustments row 1 (id_adjustment 301)", "bad_date")] == (
        "The timestamp column holds 'last Tuesday', which is not a date and time; the adjustment is left out."
    )
    # The attendance at the unreadable tick is reported row by row, not dropped.
    assert ("ticks_x_characters row 1 (id 1)", "missing_tick") in problems
    portzor = next(character for character in history.characters if character.key == "103")
    assert portzor.level is None
    assert "1001" not in {tick.key for tick in history.ticks}
    assert "501" not in {item.key for item in history.loot}
    assert "301" not in {adjustment.key for adjustment in history.adjustments}


# --- the raid JSON of OpenDKP's API ---------------------------------------------------------------

# As GetRaidById answers (Newtonsoft's field names), written for these tests.
RAID_JSON = """
{
  "IdRaid": 412,
  "Pool": {"Name": "Velious", "Description": "Velious raids", "IdPool": 2},
  "Name": "Temple of Veeshan",
  "Timestamp": "2019-03-08T20:00:00",
  "UpdatedBy": "Tankzor",
  "UpdatedTimestamp": "2019-03-09T02:10:00",
  "Ticks": [
    {"Description": "Vulak`Aerr", "Value": 2.5, "RaidId": 412, "TickId": 7001,
     "Attendees": ["Tankzor", "Healzor", "tankzor", "Mr.Bones"]},
    {"Description": "Lord Yelinak", "Value": 10, "RaidId": 412, "TickId": 7002,
     "Attendees": ["Healzor"]},
    {"Description": "Nobody", "Value": 1, "RaidId": 412, "TickId": 7003, "Attendees": []}
  ],
  "Items": [
    {"CharacterName": "HEALZOR", "ItemName": "Crown of Rile", "ItemID": 2004, "DkpValue": 12.5},
    {"CharacterName": "Portzor", "ItemName": "Cloak of Flames", "ItemID": 2001, "DkpValue": 0.1}
  ]
}
"""


def test_a_raid_from_the_api_credits_each_attendee_once_and_charges_each_buyer() -> None:
    history = read_opendkp_raid(RAID_JSON, where="raid-412.json")
    assert history.source_id == "opendkp:raid-json"
    names = {character.key: character.name for character in history.characters}
    assert names == {"tankzor": "Tankzor", "healzor": "Healzor", "mr.bones": "Mr.Bones", "portzor": "Portzor"}
    assert {names[key]: value for (key, _pool), value in history.balances.items()} == {
        "Tankzor": Decimal("2.5"),  # listed twice, in two spellings: credited once, as OpenDKP saves a tick
        "Mr.Bones": Decimal("2.5"),
        "Portzor": Decimal("-0.1"),  # exactly, not the float's 0.1000000000000000055...
        # Healzor: 2.5 + 10 - 12.5 = 0, and a zero balance is left out
    }
    assert [(raid.key, raid.event_key, raid.starts_at, raid.note) for raid in history.raids] == [
        ("412", "2", MARCH_8, "Temple of Veeshan")
    ]
    assert [(event.key, event.name) for event in history.events] == [("2", "Velious")]
    assert [(tick.key, tick.value, tick.attendee_keys) for tick in history.ticks] == [
        ("7001", Decimal("2.5"), ("tankzor", "healzor", "mr.bones")),
        ("7002", Decimal("10"), ("healzor",)),
        ("7003", Decimal("1"), ()),
    ]
    assert [(item.character_key, item.item_name, item.price, item.eq_item_id) for item in history.loot] == [
        ("healzor", "Crown of Rile", Decimal("12.5"), 2004),
        ("portzor", "Cloak of Flames", Decimal("0.1"), 2001),
    ]
    assert [(problem.where, problem.code, problem.message) for problem in history.problems] == [
        (
            "raid-412.json raid 412, tick 1",
            "duplicate_attendance",
            "Tankzor is listed twice at this tick, the second time as 'tankzor'; OpenDKP saves a tick's attendees "
            "once each, so Tankzor is credited once.",
        ),
        (
            "raid-412.json raid 412, tick 1",
            "not_an_eq_name",
            "'Mr.Bones' is not an EverQuest character name (those are 4 to 15 letters and nothing else). "
            "It is kept as it is written.",
        ),
    ]


def test_a_list_of_parsed_raids_is_read_as_one_history_and_a_repeated_raid_once() -> None:
    raid = json.loads(RAID_JSON)
    second = {
        "IdRaid": 413,
        "Pool": {"Name": "Classic", "Description": None, "IdPool": 1},
        "Name": "Plane of Fear",
        "Timestamp": "2019-03-01T20:00:00Z",
        "Ticks": [{"Description": "On time", "Value": 2.5, "TickId": 7010, "Attendees": ["Tankzor"]}],
        "Items": [],
    }
    history = read_opendkp_raid([raid, second, raid], where="raids.json")
    assert [raid.key for raid in history.raids] == ["412", "413"]
    assert [event.name for event in history.events] == ["Velious", "Classic"]
    assert history.balances[("tankzor", POOL_KEY)] == Decimal("5")  # 2.5 at each raid, floats read as written
    assert ("raids.json raid 412", "duplicate_raid") in {(problem.where, problem.code) for problem in history.problems}


def test_raid_json_that_is_not_a_raid_is_refused_and_a_bad_row_is_reported() -> None:
    with pytest.raises(SourceError) as not_json:
        read_opendkp_raid("{not json", where="raid.json")
    assert not_json.value.code == "not_json"
    with pytest.raises(SourceError) as not_a_raid:
        read_opendkp_raid("[1, 2]", where="raid.json")
    assert not_a_raid.value.code == "not_a_raid"
    history = read_opendkp_raid(
        {
            "IdRaid": 9,
            "Pool": {"Name": "Classic", "IdPool": 1},
            "Name": "Nagafen",
            "Timestamp": "2019-03-01T20:00:00",
            "Ticks": [{"Value": "lots", "Attendees": ["Tankzor"]}, {"Value": 1, "Attendees": ["", "Tankzor"]}],
            "Items": [{"CharacterName": "Tankzor", "ItemName": "Cloak of Flames", "DkpValue": None}],
        }
    )
    assert [(problem.where, problem.code) for problem in history.problems] == [
        ("raid.json raid 9, tick 1", "bad_number"),
        ("raid.json raid 9, tick 2", "empty_name"),
        ("raid.json raid 9, item 1", "bad_number"),
    ]
    assert history.problems[0].message == "The tick's Value 'lots' is not a number; the tick is left out."
    assert [tick.key for tick in history.ticks] == ["9-tick-2"]


def test_an_item_in_no_raid_before_any_dated_item_takes_the_next_ones_date_and_without_raids_is_left_out() -> None:
    rows = guild_rows()
    rows["items_x_characters"][0]["raid_id"] = -1  # transaction 501, entered before every dated item
    history = read_opendkp(MemoryTables(rows), client_id=GUILD)
    first = next(item for item in history.loot if item.key == "501")
    assert (first.raid_key, first.occurred_at) == (None, MARCH_1)  # transaction 502's raid
    messages = {problem.where: problem.message for problem in history.problems}
    assert messages["items_x_characters row 1 (transaction_id 501)"].endswith(
        "dated 2019-03-01, the raid of the item entered just after it."
    )

    rows["raids"] = [raid for raid in rows["raids"] if raid["clientId"] != GUILD]
    history = read_opendkp(MemoryTables(rows), client_id=GUILD)
    assert history.loot == []
    undated = [problem for problem in history.problems if problem.code == "undated_item"]
    assert [problem.where for problem in undated] == [
        "items_x_characters row 1 (transaction_id 501)",
        "items_x_characters row 2 (transaction_id 502)",
        "items_x_characters row 3 (transaction_id 503)",
        "items_x_characters row 4 (transaction_id 504)",
        "items_x_characters row 6 (transaction_id 506)",
    ]
    assert undated[0].message == (
        "Tankzor's Cloak of Flames for 12.5 DKP is in no raid (raid_id -1), and the guild has no raid to date it by. "
        "OpenDKP still takes the DKP from the balance; the item is left out here."
    )
    # OpenDKP's balance still counts every item.
    assert history.balances[("101", POOL_KEY)] == Decimal("2.5") * 3 + 10 - Decimal("12.5") - Decimal("0.5") + 10


def test_amounts_a_server_gives_as_doubles_read_the_same_and_are_written_as_an_officer_would() -> None:
    rows = guild_rows()
    rows["items_x_characters"][2]["dkp"] = 5.0  # as PyMySQL hands over a double
    rows["ticks"][0]["value"] = 2.5
    history = read_opendkp(MemoryTables(rows), client_id=" c0ffee01 ")
    assert history.balances[("104", POOL_KEY)] == Decimal("-1.75")
    tunic = next(problem for problem in history.problems if problem.code == "item_without_raid")
    assert tunic.message.startswith("Oldtimer's Fungus Covered Scale Tunic for 5 DKP is in no raid")
