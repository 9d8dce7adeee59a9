"""The guild as one document: exported, the database emptied, restored, and everything the same.

The guild is the personas' (ten ticks in one pool) with a season on top, made through the services:
loot awards (one reversed), an adjustment each way, a decay, a second pool, a character handed from
one member to another, an application in voting with votes and comments, an auction with its bids,
and an import's history still waiting for a character's owner.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

from dkp.accounts.models import User
from dkp.characters.models import Character
from dkp.core.errors import InvalidInput
from dkp.core.models import AuditEntry, GuildSettings
from dkp.core.roles import RoleGroup
from dkp.loot.models import Auction, BidHistory, ItemBid, LootDistribution
from dkp.loot.services.awards import award_loot, item_named, reverse_distribution
from dkp.points.models import DkpPool, PointEntry, UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.points.services import adjust_points, apply_decay
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.raids.models import MemberAttendanceSummary
from dkp.raids.ownership import transfer_character
from dkp.recruitment.models import ApplicationQuestion, GuildApplication
from dkp.recruitment.services import add_comment, cast_vote, create_question, move_application, submit_application
from dkp.switching.document import (
    FORMAT,
    LEFT_OUT,
    NOT_SECTIONS,
    SECTIONS,
    VERSION,
    all_sections,
    export_guild_document,
)
from dkp.switching.document import SETTINGS_KEYS as GUILD_KEYS
from dkp.switching.models import ImportRun, PendingEntry
from dkp.switching.restore import restore_guild_document
from dkp.testing.personas import Guild, make_character

# Rows whose every column must come back as it was (users: all but the password and last login).
SAME_ROWS = sorted(
    {model for section in SECTIONS for _, inner in section.walk() for model in [inner.model]}
    - {
        AuditEntry,
        User,
    },
    key=lambda model: model._meta.label,
)
USER_COLUMNS = next(section.keys for section in SECTIONS if section.model is User)


def season(guild: Guild) -> None:
    """A season on top of the personas' ten ticks, through the services an officer uses."""
    officer = guild.officer
    GuildSettings.objects.update_or_create(
        pk=1, defaults={"guild_name": "Ashen Vanguard", "time_zone": "Europe/Berlin"}
    )
    legacy = DkpPool.objects.create(name="Legacy", description="Old raids", decay_percent=10, tag_caps={"alt": 10})
    adjust_points(
        user=guild.poor_member, pool=legacy, amount=40, reason="Carried over from the old tool", actor=officer
    )
    sword = award_loot(
        item=item_named("Blade of Carnage", eq_item_id=20542),
        pool=guild.pool,
        winner=guild.good_member,
        character_name="Gwendolyn",
        price=25,
        actor=officer,
        raid=guild.raid,
    )
    cloak = award_loot(
        item=item_named("Cloak of Flames"),
        pool=guild.pool,
        winner=guild.good_member,
        character_name="Gwendolyn",
        price=10,
        actor=officer,
    )
    reverse_distribution(distribution=cloak, actor=officer, reason="Went to the wrong member")
    award_loot(
        item=item_named("Cloak of Flames"),
        pool=guild.pool,
        winner=guild.poor_member,
        character_name="Pipperel",
        price=5,
        actor=officer,
    )
    adjust_points(user=guild.good_member, pool=guild.pool, amount=-3, reason="Late to the pull", actor=officer)
    apply_decay(pool=guild.pool, actor=officer, percent=10, floor=0)
    boxed = make_character("Boxalot", owner=guild.good_member)
    transfer_character(character=boxed, to_user=guild.poor_member, actor=officer, reason="Sold the account")
    auction = Auction.objects.create(
        item=sword.item,
        pool=guild.pool,
        raid=guild.raid,
        status="awarded",
        opened_by=officer,
        opened_at=timezone.now() - dt.timedelta(minutes=10),
        closes_at=timezone.now() - dt.timedelta(minutes=5),
        rules=guild.pool.auction_rules(),
        tie_break_seed=12345,
    )
    bid = ItemBid.objects.create(auction=auction, user=guild.good_member, character_name="Gwendolyn", amount=25)
    BidHistory.objects.create(
        auction=auction, bid=bid, user=guild.good_member, action="placed", amount=25, channel="web"
    )
    LootDistribution.objects.filter(pk=sword.pk).update(auction=auction)
    refresh_attendance_summaries()
    question = create_question(actor=officer, text="Why do you want to raid with us?")
    application = submit_application(
        applicant=guild.applicant,
        character_name="Abeline",
        character_class="Ranger",
        character_level=65,
        answers={question.pk: "Friends of mine raid here."},
    )
    application = move_application(application=application, to_status="voting", actor=guild.recruiter)
    cast_vote(application=application, voter=guild.good_member, choice="yes")
    cast_vote(application=application, voter=officer, choice="no")
    add_comment(application=application, author=guild.good_member, body="Great ranger, pulled for us once.")
    add_comment(application=application, author=guild.recruiter, body="Check the parses.", visibility="officers")
    unclaimed = Character.objects.create(name="Thunderbringer", eq_class="Wizard", level=60)
    run = ImportRun.objects.create(system="opendkp", source_id="opendkp:c0ffee01", label="OpenDKP c0ffee01")
    PendingEntry.objects.create(
        run=run,
        character=unclaimed,
        pool=guild.pool,
        kind="adjustment",
        amount=7,
        character_name="Thunderbringer",
        occurred_at=timezone.now() - dt.timedelta(days=100),
        memo="OpenDKP adjustment 17: raid leader bonus",
        source_key="adjustment:17",
    )
    refresh_attendance_summaries()


def rows(model: type[models.Model]) -> list[dict[str, Any]]:
    return list(model._base_manager.order_by("pk").values())


def what_members_see() -> dict[str, Any]:
    """Balances, attendance, loot, ledger, applications and the other rows, by what they are."""
    return {
        "balances": {
            (s.user.username, s.pool.name): (s.balance, s.earned, s.spent, s.adjusted, s.decayed, s.lifetime_earned)
            for s in UserPointsSummary.objects.select_related("user", "pool")
        },
        "attendance": {
            (a.user.username, a.pool.name if a.pool else None): (
                a.percent_30,
                a.percent_60,
                a.percent_90,
                a.percent_lifetime,
                a.attended_lifetime,
                a.held_lifetime,
            )
            for a in MemberAttendanceSummary.objects.select_related("user", "pool")
        },
        "loot": [
            (d.item.name, d.user.username, d.character_name, d.price, d.awarded_at, d.is_reversed, d.auction_id)
            for d in LootDistribution.objects.select_related("item", "user").order_by("pk")
        ],
        "members": list(User.objects.order_by("pk").values(*USER_COLUMNS)),
        "settings": {key: value for key, value in rows(GuildSettings)[0].items() if key != "id"},
        **{model._meta.label: rows(model) for model in SAME_ROWS},
    }


def empty_the_database() -> None:
    # The id counters stay where they are, as the test database's other tests expect them.
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)
    assert not User.objects.exists()
    assert not PointEntry.objects.exists()


def rewind_id_counters() -> None:
    """A fresh instance's id counters for the document's tables (PostgreSQL; SQLite follows its rows)."""
    tables = [section.model for _, section in all_sections()]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), tables):
            cursor.execute(statement)


@pytest.fixture
def seasoned(transactional_db: None, guild: Guild) -> Guild:
    season(guild)
    return guild


def test_a_restored_guild_is_the_guild_that_was_exported(seasoned: Guild) -> None:
    before = what_members_see()
    document = json.loads(json.dumps(export_guild_document()))  # as it travels: JSON text
    empty_the_database()
    rewind_id_counters()

    counts = restore_guild_document(document, actor=None)

    after = what_members_see()
    assert after["balances"] == before["balances"]
    assert before["balances"][("gwen", "Main")][2] == 25  # the reversed cloak is not spent
    assert after["attendance"] == before["attendance"]
    assert after["loot"] == before["loot"]
    assert after["members"] == before["members"]
    assert after["settings"] == before["settings"]
    for model in SAME_ROWS:
        assert after[model._meta.label] == before[model._meta.label], model._meta.label
    assert summary_differences() == []
    assert counts["ledger"] == PointEntry.objects.count()
    assert counts["raids.ticks.attendance"] > 0
    assert GuildApplication.objects.get().votes.count() == 2
    assert AuditEntry.objects.filter(action="guild.restore").count() == 1
    # The ids counters moved past the restored rows: the next pool, character and entry are new rows.
    pip = User.objects.get(username="pip")
    adjust_points(user=pip, pool=DkpPool.objects.create(name="Next tier"), amount=5, reason="First night", actor=None)
    make_character("Newcomer", owner=pip)


def test_the_document_says_its_format_and_leaves_secrets_out(seasoned: Guild) -> None:
    seasoned.officer.set_password("hunter2")
    seasoned.officer.save()
    document = export_guild_document()
    assert (document["format"], document["version"]) == (FORMAT, VERSION)
    assert document["exported_at"].endswith("Z")
    text = json.dumps(document)
    assert "password" not in text
    assert "secret_hash" not in text
    assert "last_login" not in text
    raid = document["raids"][0]
    assert len(raid["ticks"]) == 10
    assert {"attendance", "missed_requests"} <= set(raid["ticks"][0])
    assert document["guild"]["time_zone"] == "Europe/Berlin"


def test_restoring_into_an_instance_with_a_guild_is_refused_and_writes_nothing(seasoned: Guild) -> None:
    document = export_guild_document()
    entries = PointEntry.objects.count()
    with pytest.raises(InvalidInput) as refused:
        restore_guild_document(document, actor=seasoned.officer)
    assert refused.value.code == "not_empty"
    assert "2 DKP pools" in refused.value.message
    assert "point entries" in refused.value.message
    assert PointEntry.objects.count() == entries
    assert not AuditEntry.objects.filter(action="guild.restore").exists()


def test_a_malformed_value_is_named_by_its_path_and_nothing_is_written(seasoned: Guild) -> None:
    document = export_guild_document()
    document["raids"][0]["ticks"][3]["value"] = "ten"
    document["ledger"][1]["kind"] = "bonus"
    document["ledger"][2]["tick_id"] = 999_999
    del document["members"][0]["username"]
    empty_the_database()

    with pytest.raises(InvalidInput) as refused:
        restore_guild_document(document, actor=None)

    message = refused.value.message
    assert refused.value.code == "invalid_document"
    assert "raids[0].ticks[3].value: 'ten' is not a whole number" in message
    assert "ledger[1].kind: 'bonus' is not one of attendance, loot, adjustment, decay, reversal" in message
    assert "ledger[2].tick_id: there is no raid tick 999999 in the document" in message
    assert "members[0].username: is missing" in message
    assert not DkpPool.objects.exists()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"format": "opendkp"}, "unknown_format", "not an EQ DKP guild document (its format is 'opendkp')"),
        ({"version": VERSION + 1}, "newer_version", f"version {VERSION + 1}, written by a newer EQ DKP"),
    ],
)
def test_another_format_or_a_newer_version_is_refused(
    transactional_db: None, change: dict[str, Any], code: str, words: str
) -> None:
    document = {**export_guild_document(), **change}
    with pytest.raises(InvalidInput) as refused:
        restore_guild_document(document, actor=None)
    assert refused.value.code == code
    assert words in refused.value.message


def test_the_officer_restoring_stays_and_takes_the_place_of_their_own_member(seasoned: Guild) -> None:
    before = what_members_see()
    olwen_id = seasoned.officer.pk
    document = export_guild_document()
    empty_the_database()
    # The new instance's first superuser is Olwen again, by Discord id, and another holds Gwen's old id.
    root = User.objects.create_superuser("root", pk=seasoned.good_member.pk)
    olwen = User.objects.create_superuser("olwen-admin", discord_id=seasoned.officer.discord_id, pk=olwen_id + 1000)

    restore_guild_document(document, actor=olwen)

    after = what_members_see()
    assert after["balances"] == before["balances"]
    assert after["attendance"] == before["attendance"]
    olwen.refresh_from_db()
    assert olwen.is_superuser
    assert olwen.username == "olwen"
    assert olwen.role_group == RoleGroup.OFFICER
    assert olwen.pk == olwen_id + 1000
    assert User.objects.filter(discord_id=seasoned.officer.discord_id).count() == 1
    assert User.objects.get(username="root").pk == root.pk
    gwen = User.objects.get(username="gwen")
    assert gwen.pk != root.pk
    assert gwen.main_character is not None
    assert gwen.main_character.name == "Gwendolyn"
    assert summary_differences() == []


def test_the_commands_take_the_guild_out_through_a_file_and_put_it_back(seasoned: Guild, tmp_path: Path) -> None:
    before = what_members_see()
    path = tmp_path / "guild.json"
    call_command("export_guild", "--output", str(path), stderr=io.StringIO())
    empty_the_database()

    preview = io.StringIO()
    call_command("import_guild", str(path), "--dry-run", stdout=preview)
    assert "Nothing was written" in preview.getvalue()
    assert "ledger: " in preview.getvalue()
    assert not PointEntry.objects.exists()

    done = io.StringIO()
    call_command("import_guild", str(path), "--from", "export", stdout=done)
    assert "Restored the guild" in done.getvalue()
    after = what_members_see()
    assert after["balances"] == before["balances"]
    assert after["loot"] == before["loot"]

    with pytest.raises(CommandError, match="not empty"):
        call_command("import_guild", str(path), stdout=io.StringIO())


def test_export_guild_writes_to_standard_output(seasoned: Guild) -> None:
    out = io.StringIO()
    call_command("export_guild", stdout=out)
    document = json.loads(out.getvalue())
    assert document["format"] == FORMAT
    assert [pool["name"] for pool in document["pools"]] == ["Main", "Legacy"]
    assert ApplicationQuestion.objects.count() == len(document["questions"]) == 1


def test_docs_export_names_every_key_of_the_document() -> None:
    """docs/export.md is the format for people who write tools: a key it leaves out is a key they miss."""
    text = (Path(__file__).resolve().parents[3] / "docs" / "export.md").read_text()
    keys = {"format", "version", "exported_at", "guild", *GUILD_KEYS}
    for _path, section in all_sections():
        keys.add(section.key)
        keys.update(key for key in section.keys if key != "id")
    missing = sorted(key for key in keys if f"`{key}`" not in text)
    assert missing == []


def test_every_column_of_the_guild_is_in_the_document_or_left_out_on_purpose() -> None:
    for path, section in all_sections():
        columns = {f.attname for f in section.model._meta.concrete_fields} - {section.parent}
        missing = columns - set(section.keys) - LEFT_OUT.get(section.model, frozenset())
        assert missing == set(), f"{path}: {sorted(missing)} is neither exported nor in LEFT_OUT"


def test_every_table_of_eq_dkp_is_a_section_or_left_out_on_purpose() -> None:
    sections = {section.model for _, section in all_sections()}
    tables = {model._meta.label for model in apps.get_models() if model.__module__.startswith("dkp.")}
    missing = tables - {model._meta.label for model in sections} - set(NOT_SECTIONS)
    assert missing == set(), f"{sorted(missing)}: neither a section of the document nor in NOT_SECTIONS"
