"""Taking a tick's attendance from raid dumps, a /who paste and names: preview, confirm, refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dkp.characters.models import Character, CharacterTag
from dkp.core.errors import Conflict, Forbidden, GuildError, InvalidInput
from dkp.eqlog.raid_dump import raid_dump_file_name
from dkp.points.models import PointEntry, UserPointsSummary
from dkp.raids import guild_dump, ingest
from dkp.raids.models import RaidAttendance, RaidTick
from dkp.raids.tests.samples import FIRST, GUILD, LOG, OLDER, SECOND, counts, names_in, sample
from dkp.testing.personas import Guild, make_character

# These tests are about other rules; the dump-from-another-day rule has its own (test_other_day.py).
pytestmark = pytest.mark.usefixtures("any_day")

GOOD_LINE = "1\tZelroso\t65\tRanger\tRaid Leader\t\t\tYes\t\r\n"


def balance(user, guild: Guild) -> int:
    return UserPointsSummary.objects.get(user=user, pool=guild.pool).balance


def dump_named(text: str, *, when: dt.datetime | None = None) -> tuple[str, bytes]:
    when = when or dt.datetime(2026, 11, 12, 20, 30, 0)
    return raid_dump_file_name(when, server="xegony"), text.encode()


def test_two_dumps_preview_merges_both_windows_and_saves_nothing(guild: Guild) -> None:
    before = counts()
    preview = ingest.preview_dumps(raid=guild.raid, files=[sample(FIRST), sample(SECOND)], actor=guild.officer)
    assert counts() == before
    assert preview.can_confirm, preview.message()
    assert {p.name for p in preview.present} == names_in(FIRST) | names_in(SECOND)
    assert len(preview.present) == 60
    assert len(preview.new) == 60  # nobody in the sample dumps is known yet
    assert {d.name for d in preview.duplicates} == names_in(FIRST) & names_in(SECOND)
    zelroso = next(p for p in preview.present if p.name == "Zelroso")
    assert (zelroso.eq_class, zelroso.level) == ("Ranger", 65)
    # 20:03:12 on Nov 12 in New York (EST, UTC-5) is 01:03:12 UTC on Nov 13.
    times = {f.file_name: f.written_at for f in preview.files}
    assert times[FIRST] == dt.datetime(2026, 11, 13, 1, 3, 12, tzinfo=dt.UTC)
    assert times[SECOND] == dt.datetime(2026, 11, 13, 2, 4, 55, tzinfo=dt.UTC)
    assert preview.occurred_at == times[FIRST]


def test_file_times_are_read_in_the_guilds_time_zone(guild: Guild) -> None:
    from dkp.core.models import GuildSettings

    GuildSettings.objects.update_or_create(pk=1, defaults={"time_zone": "Europe/Berlin"})
    preview = ingest.preview_dumps(raid=guild.raid, files=[sample(FIRST)], actor=guild.officer)
    assert preview.files[0].written_at == dt.datetime(2026, 11, 12, 19, 3, 12, tzinfo=dt.UTC)


def test_preview_tells_new_unclaimed_and_claimed_characters_apart(guild: Guild) -> None:
    make_character("Zelroso", owner=guild.good_member, eq_class="Ranger")
    make_character("Corgorno", eq_class="Shadow Knight")
    preview = ingest.preview_dumps(raid=guild.raid, files=[sample(FIRST)], actor=guild.officer)
    status = {p.name: p.status for p in preview.present}
    assert status["Zelroso"] == "claimed"
    assert status["Corgorno"] == "unclaimed"
    assert status["Drapyr"] == "new"
    assert [p.name for p in preview.unclaimed] == ["Corgorno"]


def test_confirming_saves_the_tick_creates_unclaimed_characters_and_credits_owners(guild: Guild) -> None:
    make_character("Zelroso", owner=guild.good_member, eq_class="Ranger")
    make_character("Corgorno", owner=guild.good_member, eq_class="Shadow Knight")  # Gwen's second character
    gwen_before = balance(guild.good_member, guild)
    preview = ingest.preview_dumps(raid=guild.raid, files=[sample(FIRST), sample(SECOND)], actor=guild.officer)
    tick = ingest.confirm_tick(
        raid=guild.raid, actor=guild.officer, preview_token=preview.token, value=7, description="hour 1"
    )
    assert tick.value == 7
    assert tick.occurred_at == preview.occurred_at
    assert tick.source_name == f"{FIRST}, {SECOND}"
    assert RaidAttendance.objects.filter(tick=tick).count() == 60
    drapyr = Character.objects.get(name="Drapyr")
    assert drapyr.owner is None
    assert (drapyr.eq_class, drapyr.level) == ("Monk", 59)
    # Two characters of one user in a tick count once.
    assert balance(guild.good_member, guild) == gwen_before + 7
    assert PointEntry.objects.filter(tick=tick).count() == 1


def test_unclaimed_attendance_is_credited_when_the_character_is_claimed(guild: Guild) -> None:
    from dkp.raids.ownership import transfer_character

    preview = ingest.preview_dumps(raid=guild.raid, files=[sample(FIRST)], actor=guild.officer)
    tick = ingest.confirm_tick(raid=guild.raid, actor=guild.officer, preview_token=preview.token, value=5)
    before = balance(guild.poor_member, guild)
    transfer_character(
        character=Character.objects.get(name="Drapyr"), to_user=guild.poor_member, actor=None, reason="claim"
    )
    assert balance(guild.poor_member, guild) == before + 5
    assert PointEntry.objects.get(tick=tick, user=guild.poor_member).occurred_at == tick.occurred_at


def test_confirming_with_the_same_files_instead_of_a_token(guild: Guild) -> None:
    tick = ingest.confirm_tick(raid=guild.raid, actor=guild.officer, files=[sample(OLDER)])
    assert tick.attendance.count() == len(names_in(OLDER))
    assert tick.value == guild.event.default_tick_value
    assert tick.source_digest == ingest.file_digest(*sample(OLDER))


def test_the_same_file_twice_is_refused(guild: Guild) -> None:
    ingest.confirm_tick(raid=guild.raid, actor=guild.officer, files=[sample(FIRST)])
    before = counts()
    again = ingest.preview_dumps(raid=guild.raid, files=[sample(FIRST)], actor=guild.officer)
    assert not again.can_confirm
    assert again.refusals[0].code == "duplicate_dump"
    assert FIRST in str(again.refusals[0])
    with_another = ingest.preview_dumps(raid=guild.raid, files=[sample(SECOND), sample(FIRST)], actor=guild.officer)
    assert [r.where for r in with_another.refusals] == [FIRST]
    with pytest.raises(GuildError, match="already taken"):
        ingest.confirm_tick(raid=guild.raid, actor=guild.officer, files=[sample(FIRST)])
    assert counts() == before


def test_a_file_taken_as_part_of_two_is_refused_alone(guild: Guild) -> None:
    ingest.confirm_tick(raid=guild.raid, actor=guild.officer, files=[sample(FIRST), sample(SECOND)])
    preview = ingest.preview_dumps(raid=guild.raid, files=[sample(SECOND)], actor=guild.officer)
    assert preview.refusals[0].code == "duplicate_dump"


def test_a_token_used_twice_is_refused(guild: Guild) -> None:
    preview = ingest.preview_dumps(raid=guild.raid, files=[sample(FIRST)], actor=guild.officer)
    ingest.confirm_tick(raid=guild.raid, actor=guild.officer, preview_token=preview.token)
    before = counts()
    with pytest.raises(Conflict, match="already taken"):
        ingest.confirm_tick(raid=guild.raid, actor=guild.officer, preview_token=preview.token)
    assert counts() == before


def test_a_forged_or_misdirected_token_is_refused(guild: Guild) -> None:
    from dkp.raids.services import create_raid

    preview = ingest.preview_dumps(raid=guild.raid, files=[sample(FIRST)], actor=guild.officer)
    other = create_raid(event=guild.event, starts_at=timezone.now(), actor=guild.officer)
    before = counts()
    with pytest.raises(InvalidInput, match="another raid"):
        ingest.confirm_tick(raid=other, actor=guild.officer, preview_token=preview.token)
    with pytest.raises(InvalidInput, match="not one this site made"):
        ingest.confirm_tick(raid=guild.raid, actor=guild.officer, preview_token=preview.token[:-3] + "abc")
    assert counts() == before


def _future_name() -> str:
    local_now = timezone.now().astimezone(ingest.guild_zone()).replace(tzinfo=None)
    return raid_dump_file_name(local_now + dt.timedelta(hours=3), server="xegony")


BAD_INPUTS = {
    "empty": (lambda: (FIRST, b""), "empty", None),
    "binary": (lambda: (FIRST, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "binary", None),
    "guild dump": (lambda: (FIRST, sample(GUILD)[1]), "guild dump", None),
    "truncated line": (lambda: dump_named(GOOD_LINE + "2\tCorgorno\t58\r\n"), "cut short", 2),
    "unknown class": (lambda: dump_named(GOOD_LINE + "2\tCorgorno\t58\tBard Knight\t\t\t\tNo\t\r\n"), "class", 2),
    "level out of range": (lambda: dump_named(GOOD_LINE + "2\tCorgorno\t580\tBard\t\t\t\tNo\t\r\n"), "level", 2),
    "name with digits": (lambda: dump_named(GOOD_LINE + "2\tCorg0rno\t58\tBard\t\t\t\tNo\t\r\n"), "name", 2),
    "name with a space": (lambda: dump_named(GOOD_LINE + "2\tCor gorno\t58\tBard\t\t\t\tNo\t\r\n"), "name", 2),
    "oversize": (lambda: (FIRST, GOOD_LINE.encode() * 20_000), "KiB", None),
    "future tick": (lambda: (_future_name(), GOOD_LINE.encode()), "future", None),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_with_the_file_and_line_and_saves_nothing(guild: Guild, case: str) -> None:
    make_file, words, line = BAD_INPUTS[case]
    file_name, data = make_file()
    before = counts()
    preview = ingest.preview_dumps(raid=guild.raid, files=[(file_name, data)], actor=guild.officer)
    assert not preview.can_confirm
    assert preview.token == ""
    message = preview.message()
    assert file_name in message
    assert words.lower() in message.lower()
    if line is not None:
        assert f"line {line}" in message
    with pytest.raises(GuildError) as refused:
        ingest.confirm_tick(raid=guild.raid, actor=guild.officer, files=[(file_name, data)])
    assert file_name in refused.value.message
    assert counts() == before


def test_a_bad_file_among_good_ones_refuses_the_whole_tick(guild: Guild) -> None:
    before = counts()
    with pytest.raises(InvalidInput, match="empty"):
        ingest.confirm_tick(raid=guild.raid, actor=guild.officer, files=[sample(FIRST), ("RaidRoster.txt", b"  ")])
    assert counts() == before


def test_a_member_may_not_take_attendance(guild: Guild) -> None:
    with pytest.raises(Forbidden):
        ingest.preview_dumps(raid=guild.raid, files=[sample(FIRST)], actor=guild.good_member)


# --- The one entry every door calls ----------------------------------------------------------


def test_saving_the_input_directly_records_the_tick_and_makes_no_token(guild: Guild) -> None:
    taken = ingest.take_attendance(
        raid=guild.raid, source=ingest.Dumps([sample(FIRST)]), actor=guild.officer, save=True
    )
    assert taken.tick is not None
    assert taken.tick.attendance.count() == len(names_in(FIRST))
    assert taken.preview is not None
    assert taken.preview.token == ""


def test_saving_input_that_is_refused_answers_the_preview_and_saves_nothing(guild: Guild) -> None:
    before = counts()
    taken = ingest.take_attendance(raid=guild.raid, source=ingest.Names(["Nobodyhere"]), actor=guild.officer, save=True)
    assert taken.tick is None
    assert taken.preview is not None
    assert "no character named" in taken.preview.message()
    assert counts() == before


def test_a_preview_token_is_saved_once_and_not_previewed_again(guild: Guild) -> None:
    preview = ingest.take_attendance(
        raid=guild.raid, source=ingest.Dumps([sample(FIRST)]), actor=guild.officer, save=False
    ).preview
    assert preview is not None
    assert preview.token
    token = ingest.Previewed(preview.token)
    with pytest.raises(InvalidInput, match="for saving"):
        ingest.take_attendance(raid=guild.raid, source=token, actor=guild.officer, save=False)
    taken = ingest.take_attendance(raid=guild.raid, source=token, actor=guild.officer, save=True, value=4)
    assert taken.preview is None
    assert taken.tick is not None
    assert taken.tick.value == 4
    with pytest.raises(Conflict, match="already taken"):
        ingest.take_attendance(raid=guild.raid, source=token, actor=guild.officer, save=True)


def test_a_member_may_neither_preview_nor_save_attendance(guild: Guild) -> None:
    for save in (False, True):
        with pytest.raises(Forbidden):
            ingest.take_attendance(
                raid=guild.raid, source=ingest.Dumps([sample(FIRST)]), actor=guild.good_member, save=save
            )


# --- /who and by hand -----------------------------------------------------------------------


def test_who_paste_takes_the_listed_players_with_classes_from_titles(guild: Guild) -> None:
    text = sample(LOG)[1].decode()
    make_character("Drapyr", eq_class="Monk", level=59)  # anonymous in the /who, but known here
    preview = ingest.preview_who(raid=guild.raid, text=text, actor=guild.officer)
    assert preview.can_confirm, preview.message()
    found = {p.name: (p.eq_class, p.level) for p in preview.present}
    assert found["Corgorno"] == ("Shadow Knight", 58)
    assert found["Iljax"] == ("Shaman", 45)
    assert found["Drapyr"] == ("Monk", 59)
    assert {d.name for d in preview.duplicates} == {"Zelroso"}
    assert preview.occurred_at == dt.datetime(2026, 11, 13, 2, 20, 3, tzinfo=dt.UTC)
    tick = ingest.confirm_tick(raid=guild.raid, actor=guild.officer, preview_token=preview.token)
    assert tick.attendance.count() == 7
    again = ingest.preview_who(raid=guild.raid, text=text, actor=guild.officer)
    assert again.refusals[0].code == "duplicate_dump"


def test_an_anonymous_stranger_in_a_who_paste_is_a_problem_on_its_line(guild: Guild) -> None:
    preview = ingest.preview_who(raid=guild.raid, text=sample(LOG)[1].decode(), actor=guild.officer)
    assert not preview.can_confirm
    assert "/who paste, line 6: Drapyr is anonymous" in preview.message()


def test_text_that_is_no_who_list_is_refused(guild: Guild) -> None:
    preview = ingest.preview_who(raid=guild.raid, text="hello there\nnothing here", actor=guild.officer)
    assert not preview.can_confirm
    assert preview.refusals


def test_by_hand_takes_known_characters_and_names_the_unknown(guild: Guild) -> None:
    at = timezone.now() - dt.timedelta(hours=1)
    preview = ingest.preview_by_hand(
        raid=guild.raid, names=["gwendolyn", "Pipperel", "Nobodyhere"], occurred_at=at, actor=guild.officer
    )
    assert not preview.can_confirm
    assert "names, line 3" in preview.message()
    preview = ingest.preview_by_hand(
        raid=guild.raid, names=["gwendolyn", "Pipperel"], occurred_at=at, actor=guild.officer
    )
    assert [p.name for p in preview.present] == ["Gwendolyn", "Pipperel"]
    before = balance(guild.poor_member, guild)
    tick = ingest.confirm_tick(raid=guild.raid, actor=guild.officer, preview_token=preview.token, value=3)
    assert tick.occurred_at == at
    assert balance(guild.poor_member, guild) == before + 3


def test_by_hand_without_a_time_is_refused_at_confirm(guild: Guild) -> None:
    preview = ingest.preview_by_hand(raid=guild.raid, names=["Pipperel"], actor=guild.officer)
    with pytest.raises(InvalidInput, match="time"):
        ingest.confirm_tick(raid=guild.raid, actor=guild.officer, preview_token=preview.token)


# --- Guild dump -----------------------------------------------------------------------------


def test_guild_dump_updates_levels_classes_alts_and_adds_the_missing(guild: Guild) -> None:
    make_character("Zelroso", owner=guild.good_member, eq_class="Ranger", level=60)
    make_character("Garyraa", eq_class="Warrior", level=60)  # the dump says Paladin, alt
    result = guild_dump.import_guild_dump(file_name=GUILD, data=sample(GUILD)[1], actor=guild.officer)
    assert len(result.added) == 78
    changes = {(c.name, c.what): (c.old, c.new) for c in result.changes}
    assert changes[("Zelroso", "level")] == ("60", "65")
    assert changes[("Garyraa", "class")] == ("Warrior", "Paladin")
    assert changes[("Garyraa", "tag")] == ("main", "alt")
    assert "Garyraa" in result.marked_alt
    garyraa = Character.objects.get(name="Garyraa")
    assert (garyraa.eq_class, garyraa.tag) == ("Paladin", CharacterTag.ALT)
    assert Character.objects.get(name="Ilwyno").tag == CharacterTag.ALT
    assert Character.objects.get(name="Ilwyno").owner is None
    assert result.taken_at == dt.datetime(2026, 11, 13, 0, 55, 1, tzinfo=dt.UTC)
    again = guild_dump.import_guild_dump(file_name=GUILD, data=sample(GUILD)[1], actor=guild.officer)
    assert (again.added, again.changes, again.unchanged) == ((), (), 80)


def test_a_raid_dump_uploaded_as_a_guild_dump_is_refused_and_saves_nothing(guild: Guild) -> None:
    before = counts()
    with pytest.raises(InvalidInput, match=FIRST):
        guild_dump.import_guild_dump(file_name=FIRST, data=sample(FIRST)[1], actor=guild.officer)
    text = sample(GUILD)[1].decode().splitlines(keepends=True)
    text[1] = "Corgorno\t580\tShadow Knight\tMember\t\t03/09/26\tThe Plane of Knowledge\t\r\n"
    with pytest.raises(InvalidInput, match="line 2"):
        guild_dump.import_guild_dump(file_name=GUILD, data="".join(text).encode(), actor=guild.officer)
    assert counts() == before


# --- The command ----------------------------------------------------------------------------


def test_the_command_previews_with_dry_run_and_saves_without(guild: Guild, capsys) -> None:
    files = [str(ingest_path(FIRST)), str(ingest_path(SECOND))]
    before = counts()
    call_command("import_raid_dump", *files, "--raid", str(guild.raid.pk), "--dry-run")
    out = capsys.readouterr().out
    assert "Present: 60" in out
    assert "Dry run" in out
    assert counts() == before
    call_command("import_raid_dump", *files, "--raid", str(guild.raid.pk), "--value", "4", "--description", "hour 1")
    tick = RaidTick.objects.get(description="hour 1")
    assert (tick.value, tick.attendance.count()) == (4, 60)
    with pytest.raises(CommandError, match="already taken"):
        call_command("import_raid_dump", files[0], "--raid", str(guild.raid.pk))


def test_the_command_refuses_a_missing_raid_or_file(guild: Guild) -> None:
    with pytest.raises(CommandError, match="no raid"):
        call_command("import_raid_dump", str(ingest_path(FIRST)), "--raid", "999999")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_raid_dump", "/nonexistent/RaidRoster.txt", "--raid", str(guild.raid.pk))


def ingest_path(name: str):
    from dkp.raids.tests.samples import FIXTURES

    return FIXTURES / name
