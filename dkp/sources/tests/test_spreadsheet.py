"""The spreadsheet reader: what an officer's CSV files become, and what it tells them about each row it
could not take. Balances are worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from dkp.sources.history import SourceError, SourceHistory, SourceProblem, SourceSystem
from dkp.sources.spreadsheet import read_spreadsheet

NEW_YORK = ZoneInfo("America/New_York")

CHARACTERS = """name,class,level,race,main,active,rank
Gwendolyn,Warrior,65,Barbarian,,yes,Officer
Gwenalt,Cleric,60,Dwarf,Gwendolyn,yes,Alt
Pipperel,Rogue,62,Halfling,,no,Member
"""

TICKS = """raid,date,tick,value,character,pool,event
Fear 1,2024-03-01 20:00,start,2.5,Gwendolyn,Main,Plane of Fear
Fear 1,2024-03-01 20:00,start,2.5,Pipperel,Main,Plane of Fear
Fear 1,2024-03-01 21:00,boss,1,Gwendolyn,Main,Plane of Fear
Fear 1,2024-03-01 21:00,boss,1,Gwenalt,Main,Plane of Fear
Hate 1,2024-03-02,,3,Gwendolyn,Time,
"""

LOOT = """date,character,item,price,pool,raid,item_id
2024-03-01 21:30,Gwendolyn,Cloak of Flames,1.25,Main,Fear 1,2213
2024-03-02,Pipperel,Hateful Dagger,0.5,Main,,
"""

ADJUSTMENTS = """date,character,amount,reason,pool
2024-03-03,Pipperel,-1.5,late,Main
2024-03-03,Nobodyelse,4,signup bonus,Time
"""


def files(**contents: str) -> dict[str, bytes]:
    return {f"{name}.csv": text.encode() for name, text in contents.items()}


def guild(**changes: str) -> dict[str, bytes]:
    """The four files of a small guild, any of them replaced."""
    base = {"characters": CHARACTERS, "ticks": TICKS, "loot": LOOT, "adjustments": ADJUSTMENTS}
    base.update(changes)
    return files(**base)


def read(contents: dict[str, bytes] | Path) -> SourceHistory:
    return read_spreadsheet(contents, zone=NEW_YORK, label="guild sheet")


def problems(history: SourceHistory) -> list[tuple[str, str]]:
    return [(problem.where, problem.code) for problem in history.problems]


def only_problem(history: SourceHistory) -> SourceProblem:
    assert len(history.problems) == 1, history.problems
    return history.problems[0]


def when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=NEW_YORK).astimezone(dt.UTC)


def test_a_guilds_spreadsheet_becomes_its_history_with_balances_summed_by_hand() -> None:
    history = read(guild())
    assert history.problems == []
    assert (history.system, history.source_id, history.label) == (
        SourceSystem.SPREADSHEET,
        "csv",
        "guild sheet",
    )
    assert history.counts() == {
        "pools": 2,
        "events": 2,
        "characters": 4,
        "raids": 2,
        "ticks": 3,
        "attendance": 5,
        "loot": 2,
        "adjustments": 2,
    }
    # Main: Gwendolyn 2.5 + 1 - 1.25 = 2.25; Gwenalt 1; Pipperel 2.5 - 0.5 - 1.5 = 0.5.
    # Time: Gwendolyn 3; Nobodyelse 4 (an adjustment for a character in no roster, who is made).
    assert history.balances == {
        ("gwendolyn", "main"): Decimal("2.25"),
        ("gwenalt", "main"): Decimal("1"),
        ("pipperel", "main"): Decimal("0.5"),
        ("gwendolyn", "time"): Decimal("3"),
        ("nobodyelse", "time"): Decimal("4"),
    }
    by_name = {character.name: character for character in history.characters}
    assert by_name["Gwenalt"].main_key == by_name["Gwendolyn"].key
    gwen = by_name["Gwendolyn"]
    assert (gwen.eq_class, gwen.level, gwen.race, gwen.rank, gwen.active, gwen.main_key) == (
        "Warrior",
        65,
        "Barbarian",
        "Officer",
        True,
        None,
    )
    assert by_name["Pipperel"].active is False
    assert (by_name["Nobodyelse"].eq_class, by_name["Nobodyelse"].level) == ("", None)


def test_raids_ticks_events_and_pools_are_made_by_name() -> None:
    history = read(guild())
    pools = {pool.key: pool.name for pool in history.pools}
    assert pools == {"main": "Main", "time": "Time"}
    events = {event.name: event.pool_key for event in history.events}
    # Hate 1 names no event: its event is the raid's name.
    assert events == {"Plane of Fear": "main", "Hate 1": "time"}
    fear = next(raid for raid in history.raids if raid.note == "Fear 1")
    assert fear.starts_at == when("2024-03-01 20:00")  # its first tick
    ticks = {tick.description: tick for tick in history.ticks if tick.raid_key == fear.key}
    assert [(tick.value, tick.occurred_at, len(tick.attendee_keys)) for tick in ticks.values()] == [
        (Decimal("2.5"), when("2024-03-01 20:00"), 2),
        (Decimal("1"), when("2024-03-01 21:00"), 2),
    ]
    cloak = history.loot[0]
    assert (cloak.item_name, cloak.price, cloak.raid_key, cloak.eq_item_id, cloak.key) == (
        "Cloak of Flames",
        Decimal("1.25"),
        fear.key,
        2213,
        "loot\t2024-03-02t02:30:00+00:00\tgwendolyn\tcloak of flames\t1.25",
    )
    assert history.loot[1].raid_key is None


def test_without_pool_and_event_columns_everything_is_in_the_pool_dkp() -> None:
    history = read(
        files(ticks="raid,date,value,character\nFear,2024-03-01,2,Gwendolyn\n", loot="date,character,item,price\n")
    )
    assert [(pool.key, pool.name) for pool in history.pools] == [("dkp", "DKP")]
    assert [event.name for event in history.events] == ["Fear"]
    assert history.balances == {("gwendolyn", "dkp"): Decimal("2")}


def test_columns_come_in_any_order_with_any_case_and_spaces() -> None:
    history = read(
        files(
            ticks="Character, VALUE ,Date,Raid\nGwendolyn,2,2024-03-01,Fear\n",
            loot="Item ID,Price,Item,Character,Date,Raid\n2213,1,Cloak,Gwendolyn,2024-03-01,Fear\n",
        )
    )
    assert problems(history) == [("characters.csv", "missing_file"), ("adjustments.csv", "missing_file")]
    assert history.loot[0].eq_item_id == 2213
    assert history.balances == {("gwendolyn", "dkp"): Decimal("1")}


def test_an_unknown_column_is_named_and_left_out() -> None:
    history = read(guild(loot="date,character,item,price,Notes\n2024-03-01,Gwendolyn,Cloak,1,from the chest\n"))
    problem = only_problem(history)
    assert problem.where == "loot.csv line 1"
    assert problem.code == "unknown_column"
    assert "'Notes'" in problem.message
    assert history.loot[0].item_name == "Cloak"


def test_a_missing_required_column_stops_the_reading_naming_the_file_and_column() -> None:
    with pytest.raises(SourceError) as missing:
        read(guild(loot="date,character,item\n2024-03-01,Gwendolyn,Cloak\n"))
    assert missing.value.code == "missing_column"
    assert str(missing.value).startswith("loot.csv: ")
    assert "no column 'price'" in str(missing.value)


def test_a_column_named_twice_stops_the_reading() -> None:
    with pytest.raises(SourceError, match="'price' is named twice") as twice:
        read(guild(loot="date,character,item,price,Price\n"))
    assert twice.value.where == "loot.csv"


@pytest.mark.parametrize(
    ("price", "hint"),
    [
        ('"1,5"', "Write decimals with a point"),
        ('"1 000"', "without spaces between the digits"),
        ("twelve", "digits and a point"),
        ("", "The price is empty"),
    ],
)
def test_a_price_that_is_not_a_plain_number_leaves_its_row_out_and_says_so(price: str, hint: str) -> None:
    history = read(
        guild(loot=f"date,character,item,price\n2024-03-01,Gwendolyn,Cloak,2\n2024-03-01,Gwendolyn,Sword,{price}\n")
    )
    problem = only_problem(history)
    assert (problem.where, problem.code) == ("loot.csv line 3", "bad_number" if price else "missing_value")
    assert hint in problem.message
    assert "The row was left out." in problem.message
    if price:
        assert repr(price.strip('"')) in problem.message
    assert [item.item_name for item in history.loot] == ["Cloak"]


def test_negative_prices_and_tick_values_are_refused_but_adjustments_may_take_away() -> None:
    history = read(
        guild(
            ticks="raid,date,value,character\nFear,2024-03-01,-2,Gwendolyn\n",
            loot="date,character,item,price\n2024-03-01,Gwendolyn,Cloak,-1\n",
            adjustments="date,character,amount\n2024-03-01,Gwendolyn,-7\n",
        )
    )
    assert problems(history) == [("ticks.csv line 2", "negative_amount"), ("loot.csv line 2", "negative_amount")]
    assert "take points away in adjustments.csv" in history.problems[0].message
    assert history.balances == {("gwendolyn", "dkp"): Decimal("-7")}


def test_dates_without_an_offset_are_the_guilds_and_with_one_are_kept() -> None:
    history = read(
        guild(
            adjustments="date,character,amount\n"
            "2024-07-01,Gwendolyn,1\n"
            "2024-07-01 20:30,Gwendolyn,1\n"
            "2024-07-01T20:30:00+00:00,Gwendolyn,1\n"
            "2024-07-01T20:30Z,Gwendolyn,1\n"
        )
    )
    assert [adjustment.occurred_at for adjustment in history.adjustments] == [
        dt.datetime(2024, 7, 1, 4, 0, tzinfo=dt.UTC),  # midnight in New York, summer time
        dt.datetime(2024, 7, 2, 0, 30, tzinfo=dt.UTC),
        dt.datetime(2024, 7, 1, 20, 30, tzinfo=dt.UTC),
        dt.datetime(2024, 7, 1, 20, 30, tzinfo=dt.UTC),
    ]


@pytest.mark.parametrize("date", ["3/1/2024", "01.03.2024", "March 1", "1024-03-01"])
def test_a_date_that_is_not_iso_8601_leaves_its_row_out(date: str) -> None:
    history = read(guild(adjustments=f"date,character,amount\n{date},Gwendolyn,1\n2024-03-01,Gwendolyn,2\n"))
    problem = only_problem(history)
    assert (problem.where, problem.code) == ("adjustments.csv line 2", "bad_date")
    assert repr(date) in problem.message
    assert [adjustment.amount for adjustment in history.adjustments] == [Decimal("2")]


NO_LOOT = "date,character,item,price\n"


def test_a_tick_has_one_value_and_one_time_on_all_its_rows() -> None:
    history = read(
        guild(
            loot=NO_LOOT,
            ticks="raid,date,tick,value,character\n"
            "Fear,2024-03-01 20:00,1,2,Gwendolyn\n"
            "Fear,2024-03-01 20:00,1,3,Pipperel\n"
            "Fear,2024-03-01 20:05,1,2,Gwenalt\n"
            "Fear,2024-03-01 20:00,1,2,gwendolyn\n",
        )
    )
    assert problems(history) == [
        ("ticks.csv line 3", "tick_value_conflict"),
        ("ticks.csv line 4", "tick_date_conflict"),
        ("ticks.csv line 5", "duplicate_attendee"),
    ]
    assert "is worth 2 on ticks.csv line 2 but 3 here" in history.problems[0].message
    [tick] = history.ticks
    assert tick.attendee_keys == ("gwendolyn",)
    assert history.balances[("gwendolyn", "dkp")] == Decimal("2")


def test_a_raid_keeps_one_event_and_pool() -> None:
    history = read(
        guild(
            loot=NO_LOOT,
            ticks="raid,date,tick,value,character,pool,event\n"
            "Fear,2024-03-01,1,2,Gwendolyn,Main,Plane of Fear\n"
            "Fear,2024-03-01,2,2,Gwendolyn,Time,Plane of Fear\n",
        )
    )
    problem = only_problem(history)
    assert (problem.where, problem.code) == ("ticks.csv line 3", "raid_conflict")
    assert "'Plane of Fear' in the pool 'Main' on ticks.csv line 2" in problem.message


def test_loot_in_a_raid_that_is_not_in_ticks_csv_is_left_out() -> None:
    history = read(guild(loot="date,character,item,price,raid\n2024-03-01,Gwendolyn,Cloak,1,Fear 9\n"))
    problem = only_problem(history)
    assert (problem.where, problem.code) == ("loot.csv line 2", "unknown_raid")
    assert problem.message == "The raid 'Fear 9' is not in ticks.csv. The row was left out."
    assert history.loot == []


def test_names_match_across_files_whatever_their_case() -> None:
    history = read(guild(loot="date,character,item,price\n2024-03-01,GWENDOLYN,Cloak,1\n"))
    assert [character.name for character in history.characters].count("Gwendolyn") == 1
    assert history.loot[0].character_key == "gwendolyn"


@pytest.mark.parametrize(
    ("line", "code", "says"),
    [
        ("Gwendolyn,Warrior,65,,", "duplicate_character", "already on characters.csv line 2"),
        ("Bobbin,Plumber,65,,", "bad_class", "'Plumber' is not an EverQuest class"),
        ("Bobbin,Warrior,200,,", "bad_level", "'200' is not a level"),
        ("Bobbin,Warrior,65,,maybe", "bad_active", "'maybe' is neither yes nor no"),
    ],
)
def test_a_character_row_with_a_value_that_is_not_one_is_left_out(line: str, code: str, says: str) -> None:
    history = read(guild(characters=f"name,class,level,main,active\nGwendolyn,Warrior,65,,\n{line}\n"))
    problem = only_problem(history)
    assert (problem.where, problem.code) == ("characters.csv line 3", code)
    assert says in problem.message
    assert "Bobbin" not in {character.name for character in history.characters}


def test_an_alt_whose_main_is_nowhere_is_kept_as_a_main() -> None:
    history = read(guild(characters="name,main\nGwendolyn,Gwendolyn\nGwenalt,Gwenmain\n"))
    problem = only_problem(history)
    assert (problem.where, problem.code) == ("characters.csv line 3", "unknown_main")
    assert "'Gwenmain'" in problem.message
    assert {character.name: character.main_key for character in history.characters}["Gwenalt"] is None
    # A character naming itself as main is a main, nothing to say.
    assert {character.name: character.main_key for character in history.characters}["Gwendolyn"] is None


def test_a_name_that_is_not_an_everquest_name_is_kept_and_named() -> None:
    history = read(guild(adjustments="date,character,amount\n2024-03-01,Sir Gwen 2,5\n"))
    problem = only_problem(history)
    assert (problem.where, problem.code) == ("adjustments.csv line 2", "not_an_eq_name")
    assert history.balances[("sir gwen 2", "dkp")] == Decimal("5")


def test_balances_csv_gives_the_spreadsheets_own_totals() -> None:
    history = read(
        {
            **guild(),
            "balances.csv": b"character,pool,balance\nGwendolyn,Main,2.25\nPipperel,Main,0\nGwendolyn,Time,10\n"
            b"Gwendolyn,main,1\nOldtimer,Main,7\n",
        }
    )
    problem = only_problem(history)
    assert (problem.where, problem.code) == ("balances.csv line 5", "duplicate_balance")
    # The spreadsheet's word, not the rows' sum (Gwendolyn's Time is 3 by the rows): the importer
    # holds one against the other. A zero is left out as the rows' sums leave it out.
    assert history.balances == {
        ("gwendolyn", "main"): Decimal("2.25"),
        ("gwendolyn", "time"): Decimal("10"),
        ("oldtimer", "main"): Decimal("7"),
    }
    assert "Oldtimer" in {character.name for character in history.characters}


def test_a_missing_file_is_said_but_a_spreadsheet_with_nothing_in_it_is_refused() -> None:
    history = read(files(ticks=TICKS))
    assert problems(history) == [
        ("characters.csv", "missing_file"),
        ("loot.csv", "missing_file"),
        ("adjustments.csv", "missing_file"),
    ]
    with pytest.raises(SourceError, match="nothing to import") as nothing:
        read(files(characters=CHARACTERS))
    assert nothing.value.code == "no_spreadsheet_files"


def test_an_empty_file_and_an_unknown_file_are_said() -> None:
    history = read({**guild(adjustments=""), "notes.txt": b"remember the raid on friday", ".DS_Store": b"\x00"})
    assert problems(history) == [("notes.txt", "unknown_file"), ("adjustments.csv", "empty_file")]


def test_raids_csv_is_read_as_ticks_csv() -> None:
    contents = guild()
    contents["raids.csv"] = contents.pop("ticks.csv")
    assert read(contents).counts()["ticks"] == 3


def test_two_files_for_one_kind_are_refused() -> None:
    with pytest.raises(SourceError, match=r"two files for ticks\.csv") as two:
        read({**guild(), "raids.csv": TICKS.encode()})
    assert two.value.code == "duplicate_file"


def test_a_bom_is_not_part_of_the_first_column() -> None:
    history = read(guild(characters="\ufeffname,class\nGwendolyn,Warrior\n"))
    assert history.problems == []
    assert {character.name: character.eq_class for character in history.characters}["Gwendolyn"] == "Warrior"


def test_windows_1252_is_read_and_said() -> None:
    contents = guild()
    contents["adjustments.csv"] = (
        "date,character,amount,reason\n2024-03-01,Gwendolyn,1,Zoë\N{RIGHT SINGLE QUOTATION MARK}s raid\n".encode(
            "cp1252"
        )
    )
    history = read(contents)
    problem = only_problem(history)
    assert (problem.where, problem.code) == ("adjustments.csv", "windows_1252")
    assert "CSV UTF-8" in problem.message
    assert history.adjustments[0].reason == "Zoë\N{RIGHT SINGLE QUOTATION MARK}s raid"


def test_a_bom_before_windows_1252_text_is_not_part_of_the_first_column() -> None:
    contents = guild()
    contents["characters.csv"] = b"\xef\xbb\xbf" + "name,race\nGwendolyn,Ogre\nZoë,Erudite\n".encode("cp1252")
    history = read(contents)
    assert problems(history) == [("characters.csv", "windows_1252"), ("characters.csv line 3", "not_an_eq_name")]
    assert {character.name: character.race for character in history.characters}["Gwendolyn"] == "Ogre"


def test_an_excel_workbook_is_refused_with_what_to_do() -> None:
    with pytest.raises(SourceError, match="Excel workbook") as workbook:
        read(guild(loot="") | {"loot.csv": b"PK\x03\x04 rest of a workbook"})
    assert workbook.value.where == "loot.csv"


def test_semicolons_from_a_comma_decimal_excel_are_columns_too() -> None:
    history = read(guild(loot='date;character;item;price\n2024-03-01;Gwendolyn;"Cloak, Fine";1.5\n'))
    assert history.problems == []
    assert (history.loot[0].item_name, history.loot[0].price) == ("Cloak, Fine", Decimal("1.5"))


def test_a_quote_before_a_formula_sign_is_taken_away_as_eq_dkps_download_adds_it() -> None:
    history = read(guild(adjustments="date,character,amount,reason\n2024-03-01,Gwendolyn,1,'+1 for trying\n"))
    assert history.adjustments[0].reason == "+1 for trying"


def test_a_row_with_more_values_than_columns_is_left_out_not_shifted() -> None:
    history = read(
        guild(loot="date,character,item,price\n2024-03-01,Gwendolyn,Cloak,1,5\n2024-03-01,Gwendolyn,Sword,2,\n")
    )
    problem = only_problem(history)
    assert (problem.where, problem.code) == ("loot.csv line 2", "extra_values")
    assert "comma inside a number" in problem.message
    assert [(item.item_name, item.price) for item in history.loot] == [("Sword", Decimal("2"))]


def test_a_value_under_an_empty_heading_is_said_once() -> None:
    history = read(
        guild(loot="date,character,,item,price\n2024-03-01,Gwendolyn,x,Cloak,1\n2024-03-01,Gwendolyn,y,Sword,2\n")
    )
    assert problems(history) == [("loot.csv line 2", "unnamed_column")]
    assert [item.item_name for item in history.loot] == ["Cloak", "Sword"]


def test_blank_lines_are_not_rows_but_keep_the_line_numbers_a_spreadsheet_shows() -> None:
    history = read(
        guild(loot="date,character,item,price\n\n2024-03-01,Gwendolyn,Cloak,1\n,,,\n2024-03-01,Gwendolyn,Sword,x\n")
    )
    assert problems(history) == [("loot.csv line 5", "bad_number")]
    assert [item.item_name for item in history.loot] == ["Cloak"]


def test_rows_are_known_by_what_they_say_so_a_row_added_above_changes_no_key() -> None:
    first = read(guild(loot="date,character,item,price\n2024-03-01,Gwendolyn,Cloak,1\n"))
    grown = read(
        guild(
            loot="date,character,item,price\n2024-02-01,Pipperel,Ring,2\n2024-03-01,Gwendolyn,Cloak,1\n"
            "2024-03-01,Gwendolyn,Cloak,1\n"
        )
    )
    cloak = first.loot[0].key
    assert [item.key for item in grown.loot][1:] == [cloak, f"{cloak}#2"]  # the same row twice is two rows
    assert grown.loot[0].key not in {cloak, f"{cloak}#2"}


def test_a_folder_and_a_zip_read_the_same(tmp_path: Path) -> None:
    folder = tmp_path / "sheet"
    folder.mkdir()
    for name, data in guild().items():
        (folder / name).write_bytes(data)
    archive = tmp_path / "sheet.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, data in guild().items():
            zipped.writestr(f"Guild export/{name}", data)  # a zip of a folder keeps the folder's name
        zipped.writestr("__MACOSX/Guild export/._ticks.csv", b"\x00\x05")
    from_folder, from_zip = read(folder), read(archive)
    assert from_folder.problems == from_zip.problems == []
    assert from_folder.balances == from_zip.balances == read(guild()).balances
    assert from_zip.counts() == from_folder.counts()


def test_a_path_that_is_nothing_or_not_a_zip_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as nothing:
        read(tmp_path / "missing.zip")
    assert nothing.value.code == "missing_source"
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip at all")
    with pytest.raises(SourceError) as not_zip:
        read(broken)
    assert not_zip.value.code == "not_a_zip"


def test_a_zip_that_unpacks_to_far_more_than_a_spreadsheet_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dkp.sources.spreadsheet.MAX_UNPACKED_BYTES", 1000)
    archive = tmp_path / "sheet.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("ticks.csv", TICKS + "Fear 1,2024-03-01 20:00,start,2.5,Gwendolyn,Main,Plane of Fear\n" * 50)
    with pytest.raises(SourceError, match="is it the right file") as large:
        read(archive)
    assert large.value.code == "too_large"
