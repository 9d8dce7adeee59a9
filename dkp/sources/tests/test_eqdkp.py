"""The EQdkp Plus reader on the fixture guild: balances as EQdkp Plus computes them, what comes across,
and every row that cannot, with where it is and why."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dkp.sources.eqdkp import read_eqdkp
from dkp.sources.history import SourceError, SourceHistory, SourceSystem, balances_from_rows, group_of
from dkp.sources.tables import MemoryTables
from dkp.sources.tests.eqdkp_fixture import guild, rows

D = Decimal
TANKSALOT, HEALSALOT, BUFFSALOT, OLDTIMER, NEWBIE = "1", "2", "3", "4", "5"
POWER, ELEMENTAL = "1", "2"  # multi-DKP pools "Planes of Power" and "Elemental"


@pytest.fixture(scope="module")
def history() -> SourceHistory:
    return read_eqdkp(guild())


def test_balances_are_eqdkp_plus_arithmetic_per_character_and_pool(history: SourceHistory) -> None:
    # Pool 1 (Planes of Power) counts events 1 and 3 and item pools 1 and 4;
    # pool 2 (Elemental) counts events 2 and 3 and item pools 2 and 4.
    assert history.balances == {
        # raid 1 listed twice (2.5 + 2.5) + raid 3 (2.5) - Cloak of Flames (12.5) + adjustment 1 (10)
        (TANKSALOT, POWER): D("2.5") + D("2.5") + D("2.5") - D("12.5") + D("10"),  # 5
        # raid 2 (10) + raid 3 (2.5)
        (TANKSALOT, ELEMENTAL): D("10") + D("2.5"),  # 12.5
        # raid 1 (2.5) + raid 7, undated (5) - Dateless Dagger, undated (3) + adjustment 3 (10)
        (HEALSALOT, POWER): D("2.5") + D("5") - D("3") + D("10"),  # 14.5
        # adjustment 3 again: its event 3 is in both pools
        (HEALSALOT, ELEMENTAL): D("10"),
        # raid 2 (10) - Time's Antithesis (30)
        (BUFFSALOT, ELEMENTAL): D("10") - D("30"),  # -20
        # inactive, still counted: raid 1 (2.5) - Shared Gem (4, its item pool is in both pools)
        (OLDTIMER, POWER): D("2.5") - D("4"),  # -1.5
        # Shared Gem again (4) + adjustment 2 (-2.5)
        (OLDTIMER, ELEMENTAL): -D("4") + D("-2.5"),  # -6.5
        # raid 3 (2.5) - Lost Sword (1.5; its raid 60 is not there, EQdkp Plus charges it anyway)
        (NEWBIE, POWER): D("2.5") - D("1.5"),  # 1
        # raid 3 again (2.5)
        (NEWBIE, ELEMENTAL): D("2.5"),
    }


def test_the_rows_fall_short_of_the_balances_exactly_by_what_eqdkp_plus_counts_but_cannot_come_across(
    history: SourceHistory,
) -> None:
    event_pool = {event.key: event.pool_key for event in history.events}
    raid_pool = {raid.key: event_pool[raid.event_key] for raid in history.raids}
    from_rows = balances_from_rows(
        ticks=history.ticks,
        tick_pool={tick.key: raid_pool[tick.raid_key] for tick in history.ticks},
        loot=history.loot,
        adjustments=history.adjustments,
    )
    differences = {
        key: history.balances.get(key, D(0)) - from_rows.get(key, D(0))
        for key in set(history.balances) | set(from_rows)
        if history.balances.get(key, D(0)) != from_rows.get(key, D(0))
    }
    assert differences == {
        (TANKSALOT, POWER): D("2.5"),  # raid 1 counted a second time for the duplicate attendance row
        (HEALSALOT, POWER): D("5") - D("3"),  # raid 7 and the Dateless Dagger have no date
    }


def test_counts_name_what_comes_across(history: SourceHistory) -> None:
    assert history.system is SourceSystem.EQDKP_PLUS
    assert history.source_id == "eqdkp:eqdkp_"
    assert history.counts() == {
        "pools": 2,
        "events": 4,  # Guild Event once in each pool
        "characters": 8,
        "raids": 5,  # raids 1, 2, 4 and raid 3 once in each pool
        "ticks": 5,
        "attendance": 9,  # 3 + 2 + 2 + 2 + 0
        "loot": 5,  # Shared Gem once in each pool
        "adjustments": 4,  # adjustment 3 once in each pool
    }


def test_pools_follow_eqdkp_plus_sort_order_and_an_event_in_two_pools_is_one_event_in_each(
    history: SourceHistory,
) -> None:
    assert [(pool.key, pool.name) for pool in history.pools] == [(POWER, "Planes of Power"), (ELEMENTAL, "Elemental")]
    assert [(event.key, event.pool_key, event.name, event.default_value) for event in history.events] == [
        ("1@1", POWER, "Plane of Fear", D("2.5")),
        ("2@2", ELEMENTAL, "Plane of Time", D("10")),
        ("3@1", POWER, "Guild Event", D("2.5")),
        ("3@2", ELEMENTAL, "Guild Event", D("2.5")),
    ]


def test_pools_come_in_eqdkp_plus_sort_order_not_id_order() -> None:
    data = rows()
    data["multidkp"][0]["multidkp_sortid"] = 5  # Planes of Power after Elemental
    history = read_eqdkp(MemoryTables({f"eqdkp_{table}": table_rows for table, table_rows in data.items()}))
    assert [pool.name for pool in history.pools] == ["Elemental", "Planes of Power"]
    assert [event.key for event in history.events if event.name == "Guild Event"] == ["3@2", "3@1"]


def test_characters_keep_class_race_level_rank_status_and_twinks(history: SourceHistory) -> None:
    by_name = {character.name: character for character in history.characters}
    tank = by_name["Tanksalot"]
    assert (tank.eq_class, tank.race, tank.level, tank.rank, tank.active) == ("Warrior", "Human", 65, "Officer", True)
    assert (by_name["Healsalot"].eq_class, by_name["Healsalot"].main_key) == ("Cleric", TANKSALOT)
    assert (by_name["Buffsalot"].eq_class, by_name["Buffsalot"].main_key) == ("Enchanter", TANKSALOT)
    assert by_name["Tanksalot"].main_key is None  # member_main_id pointing at itself: a main
    assert (by_name["Oldtimer"].eq_class, by_name["Oldtimer"].active, by_name["Oldtimer"].main_key) == (
        "Druid",
        False,
        None,
    )
    assert (by_name["Newbie"].eq_class, by_name["Newbie"].level, by_name["Newbie"].rank) == ("", None, "Recruit")
    assert by_name["Strayalt"].main_key is None
    assert (by_name["Oddclass"].eq_class, by_name["Oddclass"].rank) == ("", "")
    groups = group_of(history.characters)
    assert {key for key, main in groups.items() if main == TANKSALOT} == {TANKSALOT, HEALSALOT, BUFFSALOT}


def test_each_raid_is_one_tick_of_its_value_at_its_time_in_each_pool_of_its_event(history: SourceHistory) -> None:
    ticks = {tick.key: tick for tick in history.ticks}
    assert ticks["1@1"].value == D("2.5")
    assert ticks["1@1"].occurred_at == dt.datetime(2019, 3, 1, 2, 0, tzinfo=dt.UTC)
    assert ticks["1@1"].attendee_keys == (TANKSALOT, HEALSALOT, OLDTIMER)  # Tanksalot once, not twice
    assert ticks["1@1"].description == "Plane of Fear"
    assert ticks["3@1"].attendee_keys == ticks["3@2"].attendee_keys == (TANKSALOT, NEWBIE)
    assert ticks["4@1"].attendee_keys == ()  # nobody attended raid 4; it still comes across
    raids = {raid.key: raid for raid in history.raids}
    assert (raids["1@1"].event_key, raids["1@1"].note) == ("1@1", "Cazic-Thule")
    assert raids["4@1"].starts_at == dt.datetime(2019, 3, 22, 2, 0, tzinfo=dt.UTC)


def test_loot_is_charged_in_each_pool_of_its_item_pool(history: SourceHistory) -> None:
    loot = {item.key: item for item in history.loot}
    assert set(loot) == {"1@1", "2@2", "4@1", "4@2", "6@1"}
    cloak = loot["1@1"]
    assert (cloak.item_name, cloak.character_key, cloak.price, cloak.pool_key) == (
        "Cloak of Flames",
        TANKSALOT,
        D("12.5"),
        POWER,
    )
    assert (cloak.raid_key, cloak.eq_item_id) == ("1@1", 13339)
    assert cloak.occurred_at == dt.datetime(2019, 3, 1, 3, 0, tzinfo=dt.UTC)
    assert (loot["4@1"].raid_key, loot["4@2"].raid_key) == ("3@1", "3@2")
    assert loot["6@1"].raid_key is None  # its raid 60 is not there


def test_adjustments_find_their_pool_through_their_event(history: SourceHistory) -> None:
    assert [(a.key, a.character_key, a.pool_key, a.amount, a.reason) for a in history.adjustments] == [
        ("1@1", TANKSALOT, POWER, D("10"), "Early arrival"),
        ("2@2", OLDTIMER, ELEMENTAL, D("-2.5"), "Left early"),
        ("3@1", HEALSALOT, POWER, D("10"), "Guild event prize"),
        ("3@2", HEALSALOT, ELEMENTAL, D("10"), "Guild event prize"),
    ]


def test_every_row_that_cannot_come_across_as_it_stands_is_a_problem(history: SourceHistory) -> None:
    assert [(problem.where, problem.code) for problem in history.problems] == [
        ("eqdkp_multidkp2event row 3 (multidkp2event_multi_id 1, multidkp2event_event_id 99)", "unknown_event"),
        ("eqdkp_multidkp2event row 6 (multidkp2event_multi_id 7, multidkp2event_event_id 1)", "unknown_pool"),
        ("eqdkp_members row 5 (member_id 5)", "bad_number"),
        ("eqdkp_members row 6 (member_id 6)", "unknown_member"),
        ("eqdkp_members row 7 (member_id 7)", "unknown_rank"),
        ("eqdkp_members row 7 (member_id 7)", "unknown_class"),
        ("eqdkp_members row 8 (member_id 8)", "bad_profile"),
        ("eqdkp_members", "no_class"),
        ("eqdkp_raids row 7 (raid_id 7)", "bad_date"),
        ("eqdkp_raid_attendees row 4 (raid_id 1, member_id 1)", "duplicate_attendee"),
        ("eqdkp_raid_attendees row 7 (raid_id 2, member_id 50)", "unknown_member"),
        ("eqdkp_raid_attendees row 13 (raid_id 60, member_id 1)", "unknown_raid"),
        ("eqdkp_raids row 5 (raid_id 5)", "unpooled_event"),
        ("eqdkp_raids row 6 (raid_id 6)", "unknown_event"),
        ("eqdkp_items row 3 (item_id 3)", "unpooled_itempool"),
        ("eqdkp_items row 5 (item_id 5)", "unknown_member"),
        ("eqdkp_items row 6 (item_id 6)", "unknown_raid"),
        ("eqdkp_items row 7 (item_id 7)", "missing_value"),
        ("eqdkp_items row 8 (item_id 8)", "bad_date"),
        ("eqdkp_adjustments row 4 (adjustment_id 4)", "unpooled_adjustment"),
        ("eqdkp_adjustments row 5 (adjustment_id 5)", "unknown_member"),
        ("eqdkp_adjustments row 6 (adjustment_id 6)", "unpooled_adjustment"),
        ("eqdkp_adjustments row 7 (adjustment_id 7)", "missing_value"),
    ]
    messages = {(problem.where, problem.code): problem.message for problem in history.problems}
    assert messages[("eqdkp_items row 3 (item_id 3)", "unpooled_itempool")] == (
        "The item 'Shiny Pebble' is in the item pool 'Unpooled', which is in no multi-DKP pool, "
        "so EQdkp Plus charges it to nobody; it does not come across."
    )
    assert messages[("eqdkp_raids row 5 (raid_id 5)", "unpooled_event")] == (
        "Raid 5 is of the event 'Tradeskill Night', which is in no multi-DKP pool, "
        "so EQdkp Plus counts it for nobody; it does not come across."
    )
    assert messages[("eqdkp_adjustments row 4 (adjustment_id 4)", "unpooled_adjustment")] == (
        "Adjustment 4 has no event, so EQdkp Plus counts it in no multi-DKP pool; it does not come across."
    )
    assert messages[("eqdkp_raid_attendees row 4 (raid_id 1, member_id 1)", "duplicate_attendee")] == (
        "This row lists character 1 in raid 1 a second time; "
        "EQdkp Plus counts the raid twice for them, the import counts it once."
    )
    assert messages[("eqdkp_members", "no_class")] == (
        "3 characters have no EverQuest class in EQdkp Plus (Newbie, Oddclass, Badjson); they come across without one."
    )
    assert messages[("eqdkp_raids row 7 (raid_id 7)", "bad_date")] == "Raid 7 has no date; it does not come across."
    assert messages[("eqdkp_items row 6 (item_id 6)", "unknown_raid")] == (
        "The item 'Lost Sword' names raid 60, which is not there; it comes across without a raid."
    )


def test_another_prefix_reads_the_same_guild() -> None:
    other = read_eqdkp(guild(prefix="eqdkp23_"), prefix="eqdkp23_")
    assert other.source_id == "eqdkp:eqdkp23_"
    assert other.balances == read_eqdkp(guild()).balances
    assert other.problems[0].where.startswith("eqdkp23_multidkp2event row 3")


def test_a_wrong_prefix_says_which_was_tried_and_which_the_tables_suggest() -> None:
    with pytest.raises(SourceError) as wrong:
        read_eqdkp(guild(prefix="eqdkp23_"))
    assert wrong.value.code == "missing_table"
    assert wrong.value.message == (
        "guild.sql has no EQdkp Plus tables with the prefix 'eqdkp_'. The tables there suggest the prefix 'eqdkp23_'."
    )


def test_a_missing_table_is_named_and_another_database_is_recognised() -> None:
    data = {f"eqdkp_{table}": table_rows for table, table_rows in rows().items() if table != "itempool"}
    with pytest.raises(SourceError) as missing:
        read_eqdkp(MemoryTables(data, label="guild.sql"))
    assert missing.value.code == "missing_table"
    assert missing.value.message.startswith("guild.sql has no table 'eqdkp_itempool' (tried the prefix 'eqdkp_').")
    with pytest.raises(SourceError) as opendkp:
        read_eqdkp(MemoryTables({"characters": [], "ticks": []}, label="opendkp.sql"))
    assert opendkp.value.message == (
        "opendkp.sql has no EQdkp Plus tables with the prefix 'eqdkp_'. "
        "No other prefix has all the EQdkp Plus tables either; is this an EQdkp Plus database?"
    )


def test_values_that_are_not_numbers_or_times_are_problems_not_guesses() -> None:
    data = rows()
    data["raids"][3]["raid_value"] = "five"  # raid 4
    data["raids"][1]["raid_date"] = "next friday"  # raid 2
    data["items"][0]["item_value"] = "12,5"  # Cloak of Flames
    data["adjustments"][0]["adjustment_date"] = "-5"
    data["raid_attendees"][0]["member_id"] = "one"
    history = read_eqdkp(MemoryTables({f"eqdkp_{table}": table_rows for table, table_rows in data.items()}))
    problems = {problem.where: (problem.code, problem.message) for problem in history.problems}
    assert problems["eqdkp_raids row 4 (raid_id 4)"] == (
        "bad_number",
        "The value 'five' of raid 4 is not a number; it does not come across.",
    )
    assert problems["eqdkp_raids row 2 (raid_id 2)"] == (
        "bad_date",
        "Raid 2 has the date 'next friday', which is not a time; it does not come across.",
    )
    assert problems["eqdkp_items row 1 (item_id 1)"] == (
        "bad_number",
        "The value '12,5' of the item 'Cloak of Flames' is not a number; it does not come across.",
    )
    assert problems["eqdkp_adjustments row 1 (adjustment_id 1)"][0] == "bad_date"
    assert problems["eqdkp_raid_attendees row 1 (raid_id 1, member_id one)"] == (
        "bad_number",
        "The member_id 'one' is not a whole number; the row does not come across.",
    )
    assert {raid.key for raid in history.raids} == {"1@1", "3@1", "3@2"}
    # Raid 2 has a value, so EQdkp Plus still credits it; the undated raid shows as the difference.
    assert history.balances[(BUFFSALOT, ELEMENTAL)] == D("10") - D("30")


def test_a_site_for_another_game_brings_no_classes() -> None:
    data = rows()
    data["config"][0]["config_value"] = "wow"
    history = read_eqdkp(MemoryTables({f"eqdkp_{table}": table_rows for table, table_rows in data.items()}))
    assert {character.eq_class for character in history.characters} == {""}
    other_game = [problem for problem in history.problems if problem.code == "other_game"]
    assert [(problem.where, problem.message) for problem in other_game] == [
        (
            "eqdkp_config row 1",
            "This EQdkp Plus is set up for the game 'wow', not EverQuest, so its class numbers mean other classes; "
            "characters come across without a class or race.",
        )
    ]


def test_a_nameless_character_stays_behind_with_its_points_and_a_shared_name_is_reported() -> None:
    data = rows()
    data["members"][4]["member_name"] = ""  # Newbie
    data["members"][7]["member_name"] = "tanksalot"  # Badjson
    history = read_eqdkp(MemoryTables({f"eqdkp_{table}": table_rows for table, table_rows in data.items()}))
    problems = {(problem.where, problem.code): problem.message for problem in history.problems}
    assert problems[("eqdkp_members row 5 (member_id 5)", "missing_value")] == (
        "Character 5 has no name, so it cannot come across."
    )
    assert problems[("eqdkp_members row 8 (member_id 8)", "duplicate_name")] == (
        "Character 8, tanksalot, has the same name as character 1; "
        "both come across, and an officer decides which is which."
    )
    assert NEWBIE not in {character.key for character in history.characters}
    # Newbie's attendance of raid 3 now names a character that is not there, in both of its pools.
    assert ("eqdkp_raid_attendees row 9 (raid_id 3, member_id 5)", "unknown_member") in problems
    assert all(tick.attendee_keys.count(NEWBIE) == 0 for tick in history.ticks)
    assert not any(key[0] == NEWBIE for key in history.balances)
