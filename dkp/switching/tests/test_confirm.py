"""An import from the preview to the claim: balances proved, rounding visible, history waiting for owners.

The source below is small enough to check by hand. Its own balances (earned - spent + adjusted):
- Gwendolyn (owned here by Gwen):      2.5 + 0.4 - 0.5            = 2.4
- Thunderbringer (a main, unclaimed):  2.5 + 1 - 1.5              = 2
- Zapalt (Thunderbringer's alt):       2.5 + 1.25                 = 3.75
- Lonewolf (the officer maps to Pip):  2.5 + 2.5                  = 5
- Bad Name (not a name EQ DKP takes):  2.5                        = 2.5
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from dkp.accounts.models import User
from dkp.characters.models import Character
from dkp.characters.services import request_claim
from dkp.core.errors import Conflict, GuildError, InvalidInput
from dkp.core.models import GuildSettings
from dkp.loot.models import LootDistribution
from dkp.points.models import EntryKind, PointEntry, UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.raids.models import MemberAttendanceSummary, RaidAttendance, RaidTick
from dkp.raids.ownership import approve_claim_crediting, assign_owners
from dkp.sources.history import (
    SourceAdjustment,
    SourceCharacter,
    SourceEvent,
    SourceHistory,
    SourceLoot,
    SourcePool,
    SourceRaid,
    SourceSystem,
    SourceTick,
    balances_from_rows,
)
from dkp.switching.models import PendingEntry
from dkp.switching.plan import BalanceLine, Plan, build_plan
from dkp.switching.services import confirm_import
from dkp.testing.personas import Guild, make_user

NIGHT = dt.datetime(2019, 3, 1, 2, 0, tzinfo=dt.UTC)


def old_guild() -> SourceHistory:
    ticks = [
        SourceTick("t1", "r1", NIGHT, Decimal("2.5"), "first", ("1", "2", "3", "4", "5")),
        SourceTick("t2", "r1", NIGHT + dt.timedelta(hours=1), Decimal("1"), "second", ("2",)),
        SourceTick("t3", "r1", NIGHT + dt.timedelta(hours=2), Decimal("0.4"), "third", ("1",)),
        SourceTick("t4", "r1", NIGHT + dt.timedelta(hours=3), Decimal("2.5"), "fourth", ("4",)),
    ]
    loot = [
        SourceLoot("l1", "2", "Cloak of Flames", Decimal("1.5"), "p1", NIGHT + dt.timedelta(hours=1), "r1", 1234),
        SourceLoot("l2", "1", "Shiny Ring", Decimal("0.5"), "p1", NIGHT + dt.timedelta(hours=2), "r1"),
    ]
    adjustments = [SourceAdjustment("a1", "3", "p1", Decimal("1.25"), "late bonus", NIGHT + dt.timedelta(days=1))]
    return SourceHistory(
        system=SourceSystem.OPENDKP,
        source_id="opendkp:test#client=1",
        label="Old Guild",
        pools=[SourcePool("p1", "Legacy", "From the old site")],
        events=[SourceEvent("e1", "p1", "Plane of Fear", Decimal("2.5"))],
        characters=[
            SourceCharacter("1", "Gwendolyn", "Warrior", 60),
            SourceCharacter("2", "Thunderbringer", "Wizard", 60),
            SourceCharacter("3", "Zapalt", "Cleric", 50, main_key="2"),
            SourceCharacter("4", "Lonewolf", "", None),
            SourceCharacter("5", "Bad Name", "Rogue", 60),
        ],
        raids=[SourceRaid("r1", "e1", NIGHT, "fear night")],
        ticks=ticks,
        loot=loot,
        adjustments=adjustments,
        balances=balances_from_rows(
            ticks=ticks, tick_pool={tick.key: "p1" for tick in ticks}, loot=loot, adjustments=adjustments
        ),
    )


def balance(user: User, pool_name: str = "Legacy") -> int:
    summary = UserPointsSummary.objects.filter(user=user, pool__name=pool_name).first()
    return summary.balance if summary else 0


def lines_by_who(plan: Plan) -> dict[str, BalanceLine]:
    return {line.target.label: line for line in plan.balances}


def test_the_preview_proves_every_balance_and_writes_nothing(guild: Guild) -> None:
    entries_before = PointEntry.objects.count()
    plan = build_plan(old_guild(), mapping={"Lonewolf": guild.poor_member})
    by_who = lines_by_who(plan)

    gwen = by_who["Gwen"]
    # 3 (t1) + 0 (t3 is 0.4) - 1 (0.5 rounds to 1) = 2; the exact 2.4 rounds to 2: no rounding entry.
    assert (gwen.source, gwen.entries, gwen.rounding, gwen.imported, gwen.difference) == (Decimal("2.4"), 2, 0, 2, 0)
    pip = by_who["Pip"]
    # Two ticks of 2.5 each round to 3: 6, but the exact 5 is 5, so one rounding entry of -1.
    assert (pip.source, pip.entries, pip.rounding, pip.imported, pip.difference) == (Decimal(5), 6, -1, 5, 0)
    group = by_who["Thunderbringer (unclaimed)"]
    assert group.characters == ["Thunderbringer", "Zapalt"]
    # EQ DKP credits one member once per tick: t1 counts once for the pair, the source counts it twice.
    assert (group.source, group.exact, group.imported) == (Decimal("5.75"), Decimal("3.25"), 3)
    assert group.difference == 3
    assert [line.target.label for line in plan.differences] == ["Thunderbringer (unclaimed)"]

    skipped = {problem.code: problem for problem in plan.skipped}
    assert "letters only" in skipped["bad_character_name"].message
    assert "2.5" in skipped["balance_not_taken"].message
    statuses = {line.name: (line.status, line.how) for line in plan.characters}
    assert statuses == {
        "Gwendolyn": ("matched", "owner"),
        "Lonewolf": ("new", "mapped"),
        "Thunderbringer": ("new", "waits for a claim"),
        "Zapalt": ("new", "waits for a claim"),
    }
    counts = plan.counts()
    assert counts["new"] == {
        "pools": 1,
        "events": 1,
        "characters": 3,
        "raids": 1,
        "ticks": 4,
        "loot": 2,
        "adjustments": 1,
        "attendance": 7,
        "roundings": 1,
    }
    assert counts["matched"]["characters"] == 1
    assert PointEntry.objects.count() == entries_before
    assert not Character.objects.filter(name="Thunderbringer").exists()


def test_a_difference_blocks_confirm_until_an_officer_accepts_it(guild: Guild) -> None:
    entries_before = PointEntry.objects.count()
    with pytest.raises(Conflict, match="Nothing was imported: 1 balance differs") as refused:
        confirm_import(history=old_guild(), actor=guild.officer, mapping={"Lonewolf": guild.poor_member})
    assert refused.value.code == "differences"
    assert "Thunderbringer (unclaimed) in Legacy: the source says 5.75, EQ DKP would have 3" in refused.value.message
    assert PointEntry.objects.count() == entries_before
    assert not RaidTick.objects.filter(raid__event__name="Plane of Fear").exists()


def test_confirm_writes_the_history_and_claiming_the_main_brings_the_alt(guild: Guild) -> None:
    run = confirm_import(
        history=old_guild(),
        actor=guild.officer,
        mapping={"Lonewolf": guild.poor_member},
        accept_differences="OpenDKP counted Zapalt and Thunderbringer at the same tick",
    )
    assert run is not None
    assert run.differences_accepted.startswith("OpenDKP counted")
    assert balance(guild.good_member) == 2
    assert balance(guild.poor_member) == 5
    rounding = PointEntry.objects.get(user=guild.poor_member, pool__name="Legacy", kind=EntryKind.ADJUSTMENT)
    assert rounding.amount == -1
    assert rounding.memo == (
        "import rounding: the OpenDKP history comes to 5, 5 rounded; its entries rounded one by one came to 6"
    )
    ring = LootDistribution.objects.get(item__name="Shiny Ring")
    assert (ring.user, ring.price, ring.character_name) == (guild.good_member, 1, "Gwendolyn")
    charge = PointEntry.objects.get(loot=ring)
    assert charge.memo == "Shiny Ring (OpenDKP loot l2)"
    assert charge.occurred_at == NIGHT + dt.timedelta(hours=2)
    credit = PointEntry.objects.get(user=guild.good_member, tick__description="first")
    assert (credit.amount, credit.character_name, credit.occurred_at) == (3, "Gwendolyn", NIGHT)
    assert credit.memo == "Plane of Fear: first (OpenDKP tick t1)"

    thunder = Character.objects.get(name="Thunderbringer")
    assert thunder.owner is None
    assert thunder.eq_class == "Wizard"
    assert Character.objects.get(name="Lonewolf").eq_class == ""
    assert RaidAttendance.objects.filter(character=thunder, user__isnull=True).count() == 2
    assert PendingEntry.objects.filter(character=thunder, applied_at__isnull=True).count() == 1  # the cloak

    newcomer = make_user("thor")
    claim = request_claim(character=thunder, requester=newcomer)
    _, given = approve_claim_crediting(claim=claim, actor=guild.officer)
    # Thunderbringer: t1 3 + t2 1 - cloak 2; Zapalt follows: t1 again (no second credit) + bonus 1.
    assert balance(newcomer) == 3
    assert given.points == 3
    assert Character.objects.get(name="Zapalt").owner == newcomer
    cloak = LootDistribution.objects.get(item__name="Cloak of Flames")
    assert (cloak.user, cloak.price, cloak.item.eq_item_id, cloak.raid_id) == (newcomer, 2, 1234, ring.raid_id)
    bonus = PointEntry.objects.get(user=newcomer, kind=EntryKind.ADJUSTMENT)
    assert (bonus.amount, bonus.memo, bonus.character_name) == (1, "late bonus (OpenDKP adjustment a1)", "Zapalt")
    assert not PendingEntry.objects.filter(applied_at__isnull=True).exists()
    assert summary_differences() == []


def test_importing_the_same_source_again_changes_nothing(guild: Guild) -> None:
    history = old_guild()
    confirm_import(history=history, actor=None, mapping={"Lonewolf": guild.poor_member}, accept_differences="known")
    counts = (PointEntry.objects.count(), RaidTick.objects.count(), LootDistribution.objects.count())
    again = build_plan(old_guild())
    assert again.counts()["new"] == dict.fromkeys(again.counts()["new"], 0)
    assert confirm_import(history=old_guild(), actor=None, accept_differences="known") is None
    assert (PointEntry.objects.count(), RaidTick.objects.count(), LootDistribution.objects.count()) == counts
    assert balance(guild.poor_member) == 5


def test_characters_go_only_to_members(guild: Guild) -> None:
    with pytest.raises(InvalidInput, match="Gus may not hold characters") as refused:
        confirm_import(
            history=old_guild(), actor=guild.officer, mapping={"Lonewolf": guild.guest}, accept_differences="x"
        )
    assert refused.value.code == "owner_not_member"


def test_the_guild_s_pages_count_the_imported_history(client: Client, guild: Guild) -> None:
    confirm_import(
        history=old_guild(), actor=guild.officer, mapping={"Lonewolf": guild.poor_member}, accept_differences="known"
    )
    refresh_attendance_summaries()
    lifetime = MemberAttendanceSummary.objects.get(user=guild.poor_member, pool__name="Legacy")
    assert (lifetime.attended_lifetime, lifetime.held_lifetime) == (2, 4)  # Lonewolf at t1 and t4 of four
    client.force_login(guild.good_member)
    ring = LootDistribution.objects.get(item__name="Shiny Ring")
    item_page = client.get(f"/items/{ring.item_id}/").text
    assert "Gwendolyn" in item_page
    assert "Legacy" in item_page
    standings = client.get("/?pool=" + str(ring.pool_id)).text
    assert "Pip" in standings
    member_page = client.get(f"/members/{guild.poor_member.username}/").text
    assert "import rounding" in member_page
    assert "Plane of Fear: first (OpenDKP tick t1)" in member_page


def two_character_guild(main: str, alt: str) -> SourceHistory:
    """A main and its alt, each at two ticks of 2.5 of their own: 5 each in the source, 6 rounded one by one."""
    ticks = [
        SourceTick(f"t{n}", "r1", NIGHT + dt.timedelta(hours=n), Decimal("2.5"), f"tick {n}", (who,))
        for n, who in ((1, "m"), (2, "m"), (3, "a"), (4, "a"))
    ]
    return SourceHistory(
        system=SourceSystem.OPENDKP,
        source_id="opendkp:pair",
        label="Pair",
        pools=[SourcePool("p1", "Legacy")],
        events=[SourceEvent("e1", "p1", "Plane of Fear")],
        characters=[SourceCharacter("m", main, "Warrior", 60), SourceCharacter("a", alt, "Cleric", 60, main_key="m")],
        raids=[SourceRaid("r1", "e1", NIGHT)],
        ticks=ticks,
        balances={("m", "p1"): Decimal(5), ("a", "p1"): Decimal(5)},
    )


def test_a_main_and_its_alt_owned_by_two_members_each_get_their_own_rounding(guild: Guild) -> None:
    history = two_character_guild("Gwendolyn", "Pipperel")  # the guild's members already own these two
    plan = build_plan(history)
    assert [(line.target.label, line.rounding, line.imported) for line in plan.balances] == [
        ("Gwen", -1, 5),
        ("Pip", -1, 5),
    ]
    before = (balance(guild.good_member, "Legacy"), balance(guild.poor_member, "Legacy"))
    confirm_import(history=history, actor=guild.officer)
    assert (balance(guild.good_member), balance(guild.poor_member)) == (before[0] + 5, before[1] + 5)
    assert summary_differences() == []


def test_an_alt_mapped_to_its_own_member_is_not_taken_by_its_main(guild: Guild) -> None:
    history = two_character_guild("Mainguy", "Altguy")
    confirm_import(
        history=history, actor=guild.officer, mapping={"Mainguy": guild.good_member, "Altguy": guild.poor_member}
    )
    assert Character.objects.get(name="Altguy").owner == guild.poor_member
    assert Character.objects.get(name="Mainguy").owner == guild.good_member
    assert (balance(guild.good_member), balance(guild.poor_member)) == (5, 5)


def test_assigning_a_main_and_its_alt_in_one_batch_gives_both(guild: Guild) -> None:
    # The main is created first (its name sorts first), so the batch reaches it before its alt.
    confirm_import(history=two_character_guild("Amain", "Zalt"), actor=guild.officer)
    main, alt = Character.objects.get(name="Amain"), Character.objects.get(name="Zalt")
    assert main.pk < alt.pk
    given = assign_owners(owners=[(main, guild.poor_member), (alt, guild.poor_member)], actor=guild.officer)
    assert [one.character.name for one in given] == ["Amain"]  # the alt came with its main
    assert Character.objects.get(name="Zalt").owner == guild.poor_member
    assert balance(guild.poor_member) == 10


def test_an_officer_does_not_import_characters_as_their_own_while_another_could(guild: Guild) -> None:
    settings = GuildSettings.load()
    settings.separation_of_duties = GuildSettings.Separation.ON
    settings.save()
    with pytest.raises(GuildError, match="import Mainguy as your own character"):
        confirm_import(
            history=two_character_guild("Mainguy", "Altguy"), actor=guild.officer, mapping={"Mainguy": guild.officer}
        )
    assert not Character.objects.filter(name="Mainguy").exists()


def test_a_mapping_given_on_a_second_import_with_nothing_new_still_hands_over(guild: Guild) -> None:
    confirm_import(history=two_character_guild("Mainguy", "Altguy"), actor=guild.officer)
    again = confirm_import(
        history=two_character_guild("Mainguy", "Altguy"), actor=guild.officer, mapping={"Mainguy": guild.poor_member}
    )
    assert again is not None
    assert Character.objects.get(name="Altguy").owner == guild.poor_member
    assert balance(guild.poor_member) == 10
