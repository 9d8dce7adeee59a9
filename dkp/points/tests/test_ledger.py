"""The points ledger as officers and members see it: balances, refusals, reversals, reconcile."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dkp.core.errors import Conflict, Forbidden, InvalidInput
from dkp.loot.services import award_loot, item_named, reverse_distribution
from dkp.points.models import EntryKind, PointAdjustment, PointEntry, UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.points.services import adjust_points, apply_decay, reverse_entry
from dkp.testing.personas import TICK_VALUE, make_character


def summary(user, pool):
    return UserPointsSummary.objects.get(user=user, pool=pool)


def test_each_tick_credits_its_value_once_per_user(guild):
    assert summary(guild.good_member, guild.pool).balance == 9 * TICK_VALUE
    assert summary(guild.poor_member, guild.pool).balance == TICK_VALUE
    assert summary(guild.good_member, guild.pool).earned == 9 * TICK_VALUE


def test_two_characters_of_one_user_at_a_tick_earn_once(guild):
    from dkp.raids.services import Attendee, record_tick

    alt = make_character("Gwenalt", guild.good_member, "Cleric")
    main = guild.good_member.main_character
    record_tick(
        raid=guild.raid,
        occurred_at=guild.ticks[-1].occurred_at,
        attendees=[Attendee(main.name, main.eq_class, 65), Attendee(alt.name, "Cleric", 60)],
        actor=guild.officer,
    )
    assert summary(guild.good_member, guild.pool).balance == 10 * TICK_VALUE


def test_loot_is_charged_with_the_character_name_at_the_time(guild):
    item = item_named("Cloak of Flames")
    award_loot(
        item=item, pool=guild.pool, winner=guild.good_member, character_name="Gwendolyn", price=35, actor=guild.officer
    )
    row = summary(guild.good_member, guild.pool)
    assert (row.balance, row.spent) == (9 * TICK_VALUE - 35, 35)
    entry = PointEntry.objects.get(kind=EntryKind.LOOT)
    assert (entry.character_name, entry.amount, entry.created_by) == ("Gwendolyn", -35, guild.officer)


def test_loot_beyond_the_balance_is_refused_and_nothing_is_written(guild):
    item = item_named("Cloak of Flames")
    with pytest.raises(Conflict, match="has 10 points in Main; a price of 11"):
        award_loot(
            item=item,
            pool=guild.pool,
            winner=guild.poor_member,
            character_name="Pipperel",
            price=11,
            actor=guild.officer,
        )
    assert summary(guild.poor_member, guild.pool).balance == TICK_VALUE
    assert not PointEntry.objects.filter(kind=EntryKind.LOOT).exists()
    assert not item.distributions.exists()


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        (0, "bonus", "and not 0"),
        (2.5, "bonus", "whole number"),
        ("+5", "bonus", "whole number"),
        (" 5", "bonus", "whole number"),
        (5.0, "bonus", "whole number"),
        (True, "bonus", "whole number"),
        (1_000_001, "bonus", "from -1,000,000 to 1,000,000"),  # the cap holds for the admin and every caller
        (5, "   ", "needs a reason"),
    ],
)
def test_a_bad_adjustment_is_refused_and_nothing_is_written(guild, amount, reason, message):
    with pytest.raises(InvalidInput, match=message):
        adjust_points(user=guild.good_member, pool=guild.pool, amount=amount, reason=reason, actor=guild.officer)
    assert not PointAdjustment.objects.exists()
    assert summary(guild.good_member, guild.pool).adjusted == 0


def test_only_officers_adjust_points(guild):
    with pytest.raises(Forbidden, match="member may not manage"):
        adjust_points(user=guild.good_member, pool=guild.pool, amount=5, reason="self-help", actor=guild.good_member)


def test_adjustment_counts_in_adjusted_and_lifetime(guild):
    adjust_points(user=guild.poor_member, pool=guild.pool, amount=25, reason="Server-first bonus", actor=guild.officer)
    adjust_points(user=guild.poor_member, pool=guild.pool, amount=-5, reason="Late to pull", actor=guild.officer)
    row = summary(guild.poor_member, guild.pool)
    assert (row.balance, row.adjusted, row.lifetime_earned) == (30, 20, 35)


def test_reversal_restores_the_balance_and_cannot_repeat(guild):
    adjustment = adjust_points(user=guild.poor_member, pool=guild.pool, amount=25, reason="Typo", actor=guild.officer)
    entry = PointEntry.objects.get(adjustment=adjustment)
    reversal = reverse_entry(entry=entry, actor=guild.officer, reason="entered twice")
    assert reversal.amount == -25
    assert reversal.reverses == entry
    assert summary(guild.poor_member, guild.pool).balance == TICK_VALUE
    with pytest.raises(Conflict, match="already been reversed"):
        reverse_entry(entry=entry, actor=guild.officer, reason="again")
    assert PointEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1


def test_reversed_loot_refunds_the_price(guild):
    loot = award_loot(
        item=item_named("Veil"),
        pool=guild.pool,
        winner=guild.good_member,
        character_name="Gwendolyn",
        price=40,
        actor=guild.officer,
    )
    reverse_distribution(distribution=loot, actor=guild.officer, reason="wrong winner")
    row = summary(guild.good_member, guild.pool)
    assert (row.balance, row.spent) == (9 * TICK_VALUE, 0)
    loot.refresh_from_db()
    assert loot.is_reversed


def test_decay_takes_a_percentage_down_to_the_floor(guild):
    lines = apply_decay(pool=guild.pool, actor=guild.officer, percent=10, floor=85, dry_run=True)
    assert {(line.user_name, line.amount) for line in lines} == {("Gwen", 5), ("Olwen", 10), ("Rhea", 10), ("Dev", 10)}
    assert not PointEntry.objects.filter(kind=EntryKind.DECAY).exists()
    apply_decay(pool=guild.pool, actor=guild.officer, percent=10, floor=85)
    assert summary(guild.good_member, guild.pool).balance == 85
    assert summary(guild.poor_member, guild.pool).balance == TICK_VALUE
    assert summary(guild.good_member, guild.pool).decayed == 5


def test_reconcile_passes_on_a_clean_ledger_and_catches_a_tampered_summary(guild, capsys):
    call_command("reconcile_points")
    assert "matches the ledger" in capsys.readouterr().out
    UserPointsSummary.objects.filter(user=guild.good_member).update(balance=999, earned=999 - 0)
    with pytest.raises(CommandError, match="differences"):
        call_command("reconcile_points")
    out = capsys.readouterr().out
    assert "gwen in Main: balance is 999 in the summary but 90 in the ledger" in out
    call_command("reconcile_points", "--fix")
    assert summary(guild.good_member, guild.pool).balance == 90
    assert summary_differences() == []
