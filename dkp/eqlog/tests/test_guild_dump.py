"""Guild dumps: every member with rank, alt flag and last-on date; faults line by line; what is not a guild dump."""

import contextlib
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dkp.eqlog import GuildDumpError as ReExportedGuildDumpError
from dkp.eqlog import parse_guild_dump as re_exported_parse_guild_dump
from dkp.eqlog.classes import EQ_CLASSES
from dkp.eqlog.dumps import ProblemCode
from dkp.eqlog.errors import EqLogError
from dkp.eqlog.guild_dump import GuildDumpError, GuildDumpRow, parse_guild_dump
from dkp.eqlog.raid_dump import parse_raid_dump

FIXTURES = Path(__file__).parent / "fixtures"
GUILD_DUMP = "Ashen Vanguard_xegony-20261112-195501.txt"
RAID_DUMP = "RaidRoster_xegony-20261112-200312.txt"
OLDER_RAID_DUMP = "RaidRoster-20261112-221502.txt"
LOG = "eqlog_Zelroso_xegony.txt"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def member_line(name="Loradino", level="60", eq_class="Warrior", rank="Member", alt="", last_on="04/10/26", **more):
    """A line as the current client writes it: 15 values and a trailing tab."""
    values = [name, level, eq_class, rank, alt, last_on, more.get("zone", "Sanctus Seru"), more.get("note", "")]
    values += ["", "off", "off", "0", last_on, "", more.get("public_note", "")]
    return "\t".join(values) + "\t"


# --- the sample -----------------------------------------------------------------------------------


def test_the_sample_guild_dump_gives_every_member_with_rank_alt_flag_last_on_and_zone():
    dump = parse_guild_dump(fixture_bytes(GUILD_DUMP), GUILD_DUMP)

    assert dump.is_clean
    assert len(dump.rows) == 80
    assert dump.rows[0] == GuildDumpRow(
        line_number=1,
        name="Zelroso",
        level=65,
        eq_class="Ranger",
        rank="Member",
        is_alt=False,
        last_on=dt.date(2026, 9, 23),
        zone="Vex Thal",
        note="",
        public_note="",
    )
    assert dump.rows[1].eq_class == "Shadow Knight"
    assert dump.rows[1].zone == "The Plane of Knowledge"
    assert {row.rank for row in dump.rows} == {"Member", "Officer", "Recruit"}
    assert {row.eq_class for row in dump.rows} <= set(EQ_CLASSES)
    alts = [row.name for row in dump.rows if row.is_alt]
    assert len(alts) == 12
    assert "Haleth" in alts
    assert dump.rows[-1].name == "Morrosa"
    assert dump.rows[-1].line_number == 80


def test_the_file_name_gives_guild_server_and_the_local_time_the_dump_was_taken():
    dump = parse_guild_dump(fixture_bytes(GUILD_DUMP), GUILD_DUMP)

    assert (dump.guild_name, dump.server) == ("Ashen Vanguard", "xegony")
    assert dump.taken_at == dt.datetime(2026, 11, 12, 19, 55, 1)


def test_an_older_clients_file_name_has_no_server():
    dump = parse_guild_dump(fixture_bytes(GUILD_DUMP), r"C:\EverQuest\Ashen Vanguard-20261112-195501.txt")

    assert (dump.guild_name, dump.server, dump.taken_at) == (
        "Ashen Vanguard",
        None,
        dt.datetime(2026, 11, 12, 19, 55, 1),
    )


@pytest.mark.parametrize("file_name", ["", "members.txt", "RaidRoster_xegony-20261112-200312.txt"])
def test_without_a_guild_dumps_file_name_the_members_are_read_but_guild_and_time_are_unknown(file_name):
    dump = parse_guild_dump(fixture_bytes(GUILD_DUMP), file_name)

    assert len(dump.rows) == 80
    assert (dump.guild_name, dump.server, dump.taken_at) == ("", None, None)


def test_text_bytes_and_unix_line_endings_read_the_same():
    data = fixture_bytes(GUILD_DUMP)

    assert parse_guild_dump(data) == parse_guild_dump(data.decode()) == parse_guild_dump(data.replace(b"\r\n", b"\n"))


def test_the_package_re_exports_the_guild_dump_parser():
    assert re_exported_parse_guild_dump is parse_guild_dump
    assert ReExportedGuildDumpError is GuildDumpError


# --- the columns ----------------------------------------------------------------------------------


def test_alt_flag_notes_and_last_on_are_read_from_their_columns():
    text = member_line(alt="A", last_on="12/31/25", note="main is Zelroso", public_note="Tank 2", rank="Senior Officer")

    (row,) = parse_guild_dump(text).rows

    assert row.is_alt is True
    assert row.last_on == dt.date(2025, 12, 31)
    assert row.rank == "Senior Officer"
    assert (row.note, row.public_note) == ("main is Zelroso", "Tank 2")


def test_a_year_99_is_the_year_everquest_opened():
    (row,) = parse_guild_dump(member_line(last_on="03/16/99")).rows

    assert row.last_on == dt.date(1999, 3, 16)


def test_an_empty_last_on_is_unknown_not_a_fault():
    dump = parse_guild_dump(member_line(last_on=""))

    assert dump.is_clean
    assert dump.rows[0].last_on is None


def test_a_dump_with_only_the_columns_up_to_the_note_is_read_without_a_public_note():
    text = (
        "Zelroso\t65\tRanger\tMember\t\t09/23/26\tVex Thal\tpuller\t\r\n"
        "Corgorno\t58\tShadowknight\tMember\tA\t03/09/26\tVex Thal\t\t\r\n"
    )

    dump = parse_guild_dump(text)

    assert dump.is_clean
    assert [(row.name, row.eq_class, row.is_alt, row.note, row.public_note) for row in dump.rows] == [
        ("Zelroso", "Ranger", False, "puller", ""),
        ("Corgorno", "Shadow Knight", True, "", ""),
    ]


# --- faults on single lines -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_line", "code", "message"),
    [
        (
            "Corgorno\t58\tShadow Knight\tMember\t\t03/09/26\tThe Pla",
            ProblemCode.TRUNCATED_LINE,
            "Only 7 of the 15 values",
        ),
        ("Corgorno\t58\tShad", ProblemCode.TRUNCATED_LINE, "Only 3 of the 15 values"),
        (member_line(eq_class="Warlord"), ProblemCode.UNKNOWN_CLASS, "'Warlord' is not an EverQuest class"),
        (member_line(level="0"), ProblemCode.BAD_LEVEL, "The level '0' is not a number from 1 to 130"),
        (member_line(level="131"), ProblemCode.BAD_LEVEL, "The level '131' is not a number from 1 to 130"),
        (member_line(name="Lorad1no"), ProblemCode.BAD_NAME, "'Lorad1no' is not a character name"),
        (member_line(name="Zelroso"), ProblemCode.DUPLICATE_NAME, "Zelroso is listed twice (first on line 1)"),
        (member_line(alt="Y"), ProblemCode.BAD_ALT_FLAG, "The alt flag 'Y' is neither 'A' nor empty"),
        (member_line(last_on="02/30/26"), ProblemCode.BAD_DATE, "'02/30/26' is not a date written MM/DD/YY"),
        (member_line(last_on="2026-04-10"), ProblemCode.BAD_DATE, "'2026-04-10' is not a date"),
        (member_line() + "extra\t", ProblemCode.EXTRA_COLUMNS, "16 values where this dump's lines have 15"),
    ],
)
def test_a_bad_line_is_reported_with_its_number_and_the_good_lines_are_kept(bad_line, code, message):
    text = "\r\n".join([member_line(name="Zelroso"), bad_line, member_line(name="Peljax")]) + "\r\n"

    dump = parse_guild_dump(text)

    assert [(problem.line_number, problem.code) for problem in dump.problems] == [(2, code)]
    assert message in dump.problems[0].message
    assert str(dump.problems[0]).startswith("Line 2: ")
    assert [row.name for row in dump.rows] == ["Zelroso", "Peljax"]
    assert not dump.is_clean


def test_every_fault_on_a_line_is_reported_and_blank_lines_keep_their_numbers():
    text = "\r\n".join([member_line(name="Zelroso"), "", member_line(name="x", level="lvl", eq_class="Titan")])

    dump = parse_guild_dump(text)

    assert [(p.line_number, p.code) for p in dump.problems] == [
        (3, ProblemCode.BAD_NAME),
        (3, ProblemCode.BAD_LEVEL),
        (3, ProblemCode.UNKNOWN_CLASS),
    ]
    assert [row.name for row in dump.rows] == ["Zelroso"]


# --- files that are not guild dumps ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (b"", "empty_file", "The file is empty"),
        ("\r\n \t\r\n", "empty_file", "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary_file", "binary file"),
        ("Dear officers,\r\nmy alt is Haleth.\r\n", "not_a_guild_dump", "line 1 reads 'Dear officers,'"),
        ("Zelroso\t65\tRanger\r\n", "not_a_guild_dump", "no line has the name, level, class, rank"),
    ],
)
def test_a_file_that_is_not_a_guild_dump_is_refused_as_a_whole(data, code, message):
    with pytest.raises(GuildDumpError, match=message) as refused:
        parse_guild_dump(data)

    assert refused.value.code == code
    assert isinstance(refused.value, EqLogError)


@pytest.mark.parametrize("name", [RAID_DUMP, OLDER_RAID_DUMP])
def test_a_raid_dump_given_as_a_guild_dump_is_named_as_such(name):
    with pytest.raises(GuildDumpError, match=r"This is a raid dump \(/outputfile raid\), not a guild dump"):
        parse_guild_dump(fixture_bytes(name), name)


def test_a_log_given_as_a_guild_dump_is_named_as_such():
    with pytest.raises(GuildDumpError, match="This is an EverQuest log file, not a guild dump"):
        parse_guild_dump(fixture_bytes(LOG))


def test_a_guild_dump_given_as_a_raid_dump_is_named_as_such_even_when_its_first_line_is_cut_short():
    data = b"Zelroso\t65\tRan\r\n" + fixture_bytes(GUILD_DUMP)

    with pytest.raises(EqLogError, match=r"This is a guild dump \(/outputfile guild\), not a raid dump"):
        parse_raid_dump(data)


@given(st.text(max_size=400))
def test_any_text_reads_as_a_guild_dump_or_raises_only_an_eqlog_error(text):
    with contextlib.suppress(EqLogError):
        parse_guild_dump(text, text[:60])


@given(st.binary(max_size=400))
def test_any_bytes_read_as_a_guild_dump_or_raise_only_an_eqlog_error(data):
    with contextlib.suppress(EqLogError):
        parse_guild_dump(data)


guild_values = st.one_of(
    st.sampled_from(["Zelroso", "zel", "65", "0", "131", "Ranger", "Shadowknight", "Warlord", "A", "", "Member"]),
    st.sampled_from(["09/23/26", "13/45/26", "02/30/26", "99/99/99", "off", " ", "\uff16\uff10", "\u0661\u0662"]),
    st.text(max_size=12),
)


@given(st.lists(st.lists(guild_values, max_size=17).map("\t".join), max_size=20).map("\r\n".join))
def test_any_almost_guild_dump_reads_or_raises_only_an_eqlog_error(text):
    try:
        dump = parse_guild_dump(text)
    except EqLogError:
        return
    for row in dump.rows:
        assert row.eq_class in EQ_CLASSES
        assert 1 <= row.level <= 130
    assert len({row.name.lower() for row in dump.rows}) == len(dump.rows)
    assert all(problem.line_number >= 1 for problem in dump.problems)
