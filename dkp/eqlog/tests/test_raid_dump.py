"""Raid dumps from both EverQuest clients: what is taken, what is refused line by line, and what is not a dump."""

import ast
import contextlib
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dkp.eqlog.classes import EQ_CLASSES, class_named
from dkp.eqlog.dumps import ProblemCode, parse_dump_file_name
from dkp.eqlog.errors import EqLogError, RaidDumpError
from dkp.eqlog.raid_dump import (
    GROUP_LEADER,
    RAID_LEADER,
    RaidDumpFormat,
    RaidDumpRow,
    parse_raid_dump,
    parse_raid_dump_file_name,
    raid_dump_file_name,
    write_raid_dump,
)

FIXTURES = Path(__file__).parent / "fixtures"
CURRENT = "RaidRoster_xegony-20261112-200312.txt"
CURRENT_HOUR_LATER = "RaidRoster_xegony-20261112-210455.txt"
OLDER = "RaidRoster-20261112-221502.txt"
GUILD_DUMP = "Ashen Vanguard_xegony-20261112-195501.txt"
LOG = "eqlog_Zelroso_xegony.txt"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse_fixture(name: str):
    return parse_raid_dump(fixture_bytes(name), file_name=name)


# --- the two client formats ---------------------------------------------------------------------


def test_current_client_dump_gives_every_character_with_group_level_class_and_rank():
    dump = parse_fixture(CURRENT)

    assert dump.is_clean
    assert dump.format is RaidDumpFormat.CURRENT
    assert len(dump.rows) == 54
    assert dump.rows[0] == RaidDumpRow(1, 1, "Zelroso", 65, "Ranger", rank=RAID_LEADER, looter=True)
    assert dump.rows[1] == RaidDumpRow(2, 1, "Corgorno", 58, "Shadow Knight", looter=True)
    assert dump.rows[2].looter is False
    assert dump.rows[-1] == RaidDumpRow(54, 0, "Feneth", 60, "Necromancer", looter=False)
    assert sum(1 for row in dump.rows if row.rank == GROUP_LEADER) == 8
    assert {row.eq_class for row in dump.rows} <= set(EQ_CLASSES)


def test_current_client_dump_file_name_gives_server_and_local_time():
    dump = parse_fixture(CURRENT)

    assert dump.file_name is not None
    assert dump.file_name.server == "xegony"
    assert dump.file_name.written_at == dt.datetime(2026, 11, 12, 20, 3, 12)


def test_older_client_dump_has_five_values_and_no_server_in_its_name():
    dump = parse_fixture(OLDER)

    assert dump.is_clean
    assert dump.format is RaidDumpFormat.OLDER
    assert len(dump.rows) == 30
    assert dump.rows[0] == RaidDumpRow(1, 1, "Varotha", 59, "Enchanter", rank=RAID_LEADER)
    assert all(row.looter is None and row.extra == () for row in dump.rows)
    assert dump.file_name is not None
    assert dump.file_name.server is None
    assert dump.file_name.written_at == dt.datetime(2026, 11, 12, 22, 15, 2)


def test_dump_an_hour_later_shows_who_joined_and_who_left():
    before = {row.name for row in parse_fixture(CURRENT).rows}
    after = {row.name for row in parse_fixture(CURRENT_HOUR_LATER).rows}

    # The sample log: "Haleth joined the raid." at 20:05, "Drapyr has left the raid." at 20:50.
    assert "Haleth" in after - before
    assert "Drapyr" in before - after


@pytest.mark.parametrize("name", [CURRENT, OLDER])
def test_unix_line_endings_read_the_same_as_the_clients_crlf(name):
    crlf = parse_raid_dump(fixture_bytes(name))
    lf = parse_raid_dump(fixture_bytes(name).replace(b"\r\n", b"\n"))

    assert lf == crlf


def test_text_and_bytes_read_the_same():
    assert parse_raid_dump(fixture_bytes(CURRENT).decode()) == parse_raid_dump(fixture_bytes(CURRENT))


def test_a_line_without_the_trailing_tab_is_still_taken():
    dump = parse_raid_dump(
        "1\tZelroso\t65\tRanger\tRaid Leader\t\t\tYes\r\n2\tCorgorno\t58\tShadow Knight\t\t\t\tNo\r\n"
    )

    assert dump.is_clean
    assert [row.name for row in dump.rows] == ["Zelroso", "Corgorno"]


def test_classic_one_word_shadowknight_is_read_as_shadow_knight():
    dump = parse_raid_dump("1\tCorfaxo\t58\tShadowknight\t\t\r\n")

    assert dump.rows[0].eq_class == "Shadow Knight"


def test_blank_lines_are_skipped_but_keep_the_line_numbers_an_editor_shows():
    dump = parse_raid_dump("1\tVarotha\t59\tEnchanter\tRaid Leader\t\r\n\r\n\r\n2\tPeljax\t60\tDruid\t\t\r\n")

    assert [(row.line_number, row.name) for row in dump.rows] == [(1, "Varotha"), (4, "Peljax")]


# --- writing the client's format ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "older_client"), [(CURRENT, False), (CURRENT_HOUR_LATER, False), (OLDER, True)])
def test_writing_the_parsed_rows_gives_back_the_clients_file_byte_for_byte(name, older_client):
    dump = parse_fixture(name)

    assert write_raid_dump(dump.rows, older_client=older_client).encode("ascii") == fixture_bytes(name)


def test_a_value_with_a_tab_cannot_be_written():
    with pytest.raises(ValueError, match="no tabs or newlines"):
        write_raid_dump([RaidDumpRow(1, 1, "Zelroso", 65, "Ranger", rank="Raid\tLeader")])


names = st.from_regex(r"[A-Z][a-z]{3,14}", fullmatch=True)
row_values = st.tuples(
    st.integers(0, 12),
    st.integers(1, 130),
    st.sampled_from(EQ_CLASSES),
    st.sampled_from(["", RAID_LEADER, GROUP_LEADER]),
    st.booleans(),
)


@given(
    st.dictionaries(names.map(str.lower), st.tuples(names, row_values), min_size=1, max_size=72),
    st.booleans(),
)
def test_any_roster_written_reads_back_the_same(roster, older_client):
    rows = [
        RaidDumpRow(
            line_number,
            group,
            name,
            level,
            eq_class,
            rank=rank,
            looter=None if older_client else looter,
        )
        for line_number, (name, (group, level, eq_class, rank, looter)) in enumerate(roster.values(), start=1)
    ]

    dump = parse_raid_dump(write_raid_dump(rows, older_client=older_client))

    assert dump.is_clean
    assert list(dump.rows) == rows
    assert dump.format is (RaidDumpFormat.OLDER if older_client else RaidDumpFormat.CURRENT)


# --- faults on single lines -----------------------------------------------------------------------

GOOD_LINE = "1\tZelroso\t65\tRanger\tRaid Leader\t\t\tYes\t"


@pytest.mark.parametrize(
    ("bad_line", "code", "message"),
    [
        ("2\tCorgorno\t58", ProblemCode.TRUNCATED_LINE, "Only 3 of the 8 values"),
        ("2\tCorgorno\t58\tWarlord\t\t\t\tNo\t", ProblemCode.UNKNOWN_CLASS, "'Warlord' is not an EverQuest class"),
        ("2\tCorgorno\tsixty\tWarrior\t\t\t\tNo\t", ProblemCode.BAD_LEVEL, "The level 'sixty' is not a number"),
        ("2\tCorgorno\t\uff15\uff18\tWarrior\t\t\t\tNo\t", ProblemCode.BAD_LEVEL, "is not a number from 1 to 130"),
        ("2\tCorgorno\t0\tWarrior\t\t\t\tNo\t", ProblemCode.BAD_LEVEL, "The level '0' is not a number"),
        ("2\tcorGorno\t58\tWarrior\t\t\t\tNo\t", ProblemCode.BAD_NAME, "'corGorno' is not a character name"),
        ("2\tCor\t58\tWarrior\t\t\t\tNo\t", ProblemCode.BAD_NAME, "'Cor' is not a character name"),
        ("2\tCor Gorno\t58\tWarrior\t\t\t\tNo\t", ProblemCode.BAD_NAME, "'Cor Gorno' is not a character name"),
        ("13\tCorgorno\t58\tWarrior\t\t\t\tNo\t", ProblemCode.BAD_GROUP, "The group '13' is not a number from 0 to 12"),
        ("1\tZELROSO\t65\tRanger\t\t\t\tNo\t", ProblemCode.BAD_NAME, "'ZELROSO' is not a character name"),
        ("1\tZelroso\t65\tRanger\t\t\t\tNo\t", ProblemCode.DUPLICATE_NAME, "Zelroso is listed twice (first on line 1)"),
        ("2\tCorgorno\t58\tWarrior\t\t\t\tNo\tX\tY\t", ProblemCode.EXTRA_COLUMNS, "10 values where this dump's lines"),
    ],
)
def test_a_bad_line_is_reported_with_its_number_and_the_good_lines_are_kept(bad_line, code, message):
    text = "\r\n".join([GOOD_LINE, bad_line, "3\tLoradino\t60\tWarrior\t\t\t\tNo\t"]) + "\r\n"

    dump = parse_raid_dump(text)

    assert [(problem.line_number, problem.code) for problem in dump.problems] == [(2, code)]
    assert message in dump.problems[0].message
    assert str(dump.problems[0]).startswith("Line 2: ")
    assert [row.name for row in dump.rows] == ["Zelroso", "Loradino"]
    assert not dump.is_clean


def test_a_duplicate_name_is_found_whatever_its_case_and_only_the_first_line_is_taken():
    dump = parse_raid_dump(
        GOOD_LINE + "\r\n2\tLoradino\t60\tWarrior\t\t\t\tNo\t\r\n3\tZelroso\t60\tWizard\t\t\t\tNo\t\r\n"
    )

    assert [(p.line_number, p.code) for p in dump.problems] == [(3, ProblemCode.DUPLICATE_NAME)]
    assert dump.rows[0].eq_class == "Ranger"


def test_every_fault_on_every_line_is_reported_in_line_order():
    text = "\r\n".join(
        [
            GOOD_LINE,
            "1\tx\tlevel\tTitan\t\t\t\tNo\t",  # three faults on one line
            "2\tVarcorius\t58\tWarrior\t\t\t\tNo\t",
            "4\tYork",
            "2\tVarcorius\t58\tWarrior\t\t\t\tNo\t",
        ]
    )

    dump = parse_raid_dump(text)

    assert [(p.line_number, p.code) for p in dump.problems] == [
        (2, ProblemCode.BAD_NAME),
        (2, ProblemCode.BAD_LEVEL),
        (2, ProblemCode.UNKNOWN_CLASS),
        (4, ProblemCode.TRUNCATED_LINE),
        (5, ProblemCode.DUPLICATE_NAME),
    ]
    assert [row.name for row in dump.rows] == ["Zelroso", "Varcorius"]


def test_a_current_line_cut_after_the_rank_is_truncated_not_read_as_an_older_client_line():
    text = GOOD_LINE + "\r\n2\tCorgorno\t58\tShadow Knight\tGroup Leader\r\n3\tLoradino\t60\tWarrior\t\t\t\tNo\t\r\n"

    dump = parse_raid_dump(text)

    assert [(p.line_number, p.code) for p in dump.problems] == [(2, ProblemCode.TRUNCATED_LINE)]


# --- files that are not raid dumps ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (b"", "empty_file", "The file is empty"),
        ("  \r\n\r\n\t\r\n", "empty_file", "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary_file", "binary file"),
        ("\x01\x02\x03\x04 some \x05\x06", "binary_file", "binary file"),
        ("Dear officers,\r\nplease give me the cloak.\r\n", "not_a_raid_dump", "line 1 reads 'Dear officers,'"),
        ("Zelroso\t65\tRanger\r\n", "not_a_raid_dump", "no line has the group, name, level, class and rank"),
    ],
)
def test_a_file_that_is_not_a_raid_dump_is_refused_as_a_whole(data, code, message):
    with pytest.raises(RaidDumpError, match=message) as refused:
        parse_raid_dump(data)

    assert refused.value.code == code
    assert isinstance(refused.value, EqLogError)


def test_a_guild_dump_given_as_a_raid_dump_is_named_as_such():
    with pytest.raises(RaidDumpError, match=r"This is a guild dump \(/outputfile guild\)"):
        parse_fixture(GUILD_DUMP)


def test_a_log_file_given_as_a_raid_dump_is_named_as_such():
    with pytest.raises(RaidDumpError, match="This is an EverQuest log file"):
        parse_fixture(LOG)


def test_bytes_that_are_not_utf8_are_still_read():
    dump = parse_raid_dump(
        "1\tZelroso\t65\tRanger\tRaid Leader\t\t\tYes\t\r\n2\tCorgorno\t58\tW\xe4rrior\t\t\t\tNo\t\r\n".encode("cp1252")
    )

    assert [p.code for p in dump.problems] == [ProblemCode.UNKNOWN_CLASS]
    assert "'Wärrior'" in dump.problems[0].message


@given(st.text(max_size=400))
def test_any_text_reads_as_a_dump_or_raises_only_an_eqlog_error(text):
    with contextlib.suppress(EqLogError):
        parse_raid_dump(text, file_name=text[:60])


@given(st.binary(max_size=400))
def test_any_bytes_read_as_a_dump_or_raise_only_an_eqlog_error(data):
    with contextlib.suppress(EqLogError):
        parse_raid_dump(data)


dump_values = st.one_of(
    st.sampled_from(["0", "1", "12", "13", "-1", "Zelroso", "zel", "65", "131", "Ranger", "Shadowknight", "Yes", ""]),
    st.sampled_from([RAID_LEADER, GROUP_LEADER, "No", " ", "Warlord", "\u0661\u0662", "\uff16\uff10"]),
    st.text(max_size=12),
)


@given(st.lists(st.lists(dump_values, max_size=11).map("\t".join), max_size=20).map("\r\n".join))
def test_any_almost_dump_reads_as_a_dump_or_raises_only_an_eqlog_error(text):
    try:
        dump = parse_raid_dump(text)
    except EqLogError:
        return
    for row in dump.rows:
        assert row.eq_class in EQ_CLASSES
        assert 1 <= row.level <= 130
        assert 0 <= row.group <= 12
    assert len({row.name.lower() for row in dump.rows}) == len(dump.rows)


# --- file names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "server", "written_at"),
    [
        ("RaidRoster_xegony-20261112-200312.txt", "xegony", dt.datetime(2026, 11, 12, 20, 3, 12)),
        ("RaidRoster-20261112-221502.txt", None, dt.datetime(2026, 11, 12, 22, 15, 2)),
        (r"C:\EverQuest\RaidRoster_xegony-20260101-000000.txt", "xegony", dt.datetime(2026, 1, 1)),
        ("/home/zel/eq/RaidRoster_firiona-20251231-235959.TXT", "firiona", dt.datetime(2025, 12, 31, 23, 59, 59)),
    ],
)
def test_raid_dump_file_name_gives_server_and_naive_local_time(file_name, server, written_at):
    parsed = parse_raid_dump_file_name(file_name)

    assert parsed is not None
    assert (parsed.server, parsed.written_at) == (server, written_at)
    assert parsed.written_at.tzinfo is None


@pytest.mark.parametrize(
    "file_name",
    [
        "tick1.txt",
        "RaidRoster_xegony-20261312-200312.txt",  # month 13
        "RaidRoster_xegony-20261112-250312.txt",  # hour 25
        "RaidRoster_xegony-2026111-200312.txt",
        "RaidRoster_xegony-20261112-200312.log",
        "Ashen Vanguard_xegony-20261112-195501.txt",  # a guild dump's name
        "",
    ],
)
def test_a_name_that_is_not_a_raid_dumps_gives_nothing(file_name):
    assert parse_raid_dump_file_name(file_name) is None


def test_a_guild_dumps_name_reads_as_a_dump_of_that_kind():
    parsed = parse_dump_file_name(GUILD_DUMP)

    assert parsed is not None
    assert (parsed.kind, parsed.server) == ("Ashen Vanguard", "xegony")


def test_a_dump_whose_name_is_not_a_dumps_is_read_without_file_name_facts():
    dump = parse_raid_dump(fixture_bytes(CURRENT), file_name="tuesday.txt")

    assert dump.file_name is None
    assert len(dump.rows) == 54


@given(st.datetimes(min_value=dt.datetime(1999, 1, 1), max_value=dt.datetime(9999, 12, 31)), st.booleans())
def test_a_written_file_name_reads_back_to_the_same_second(written_at, with_server):
    written_at = written_at.replace(microsecond=0)
    server = "xegony" if with_server else None

    parsed = parse_raid_dump_file_name(raid_dump_file_name(written_at, server=server))

    assert parsed is not None
    assert (parsed.server, parsed.written_at) == (server, written_at)


@given(st.text(max_size=80))
def test_any_file_name_is_read_or_refused_without_raising(file_name):
    parse_raid_dump_file_name(file_name)


# --- classes and the package's rule -------------------------------------------------------------


def test_there_are_sixteen_classes_and_spelling_variants_find_them():
    assert len(set(EQ_CLASSES)) == 16
    assert class_named("Shadowknight") == "Shadow Knight"
    assert class_named("shadow  knight") == "Shadow Knight"
    assert class_named("WIZARD") == "Wizard"
    assert class_named("Warlord") is None
    assert class_named("") is None


def test_the_eqlog_package_imports_nothing_from_django_or_other_domains():
    package = Path(__file__).parent.parent
    for source in package.rglob("*.py"):
        if "tests" in source.relative_to(package).parts:
            continue
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert not module.startswith("django"), f"{source.name} imports {module}"
                assert not module.startswith("dkp.") or module.startswith("dkp.eqlog"), (
                    f"{source.name} imports {module}"
                )
