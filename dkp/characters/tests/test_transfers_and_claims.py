"""Characters change hands, points do not: transfers, claims, and attendance earned while unclaimed."""

import datetime as dt

import pytest

from dkp.characters.models import Character, CharacterClaimRequest, CharacterOwnership, ClaimStatus, EqClass
from dkp.characters.services import deny_claim, request_claim
from dkp.core.errors import Conflict, Forbidden, InvalidInput
from dkp.loot.services import award_loot, item_named
from dkp.points.models import EntryKind, PointEntry, UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.raids.models import RaidAttendance
from dkp.raids.ownership import approve_claim, transfer_character
from dkp.raids.services import Attendee, record_tick
from dkp.testing.personas import TICK_VALUE, make_character


def all_summaries():
    """Every standings row as (user, pool) → its six numbers."""
    return {
        (row[0], row[1]): row[2:]
        for row in UserPointsSummary.objects.values_list(
            "user__username", "pool__name", "earned", "spent", "adjusted", "decayed", "balance", "lifetime_earned"
        )
    }


def balance(user, pool):
    return UserPointsSummary.objects.get(user=user, pool=pool).balance


def attendee(character):
    return Attendee(character.name, character.eq_class, character.level)


def ticks_with(guild, *characters, values=(10, 15, 20)):
    """Ticks on the guild's raid after the personas' own, one per value, three days apart."""
    start = guild.ticks[-1].occurred_at + dt.timedelta(days=1)
    return [
        record_tick(
            raid=guild.raid,
            occurred_at=start + dt.timedelta(days=3 * index, hours=index),
            attendees=[attendee(character) for character in characters],
            value=value,
            description=f"later tick {index + 1}",
            actor=guild.officer,
        )
        for index, value in enumerate(values)
    ]


@pytest.fixture
def wanderer(guild):
    """A character seen at raids before anyone claimed it."""
    return make_character("Wanderer", owner=None, eq_class=EqClass.MONK, level=60)


# Transfers ------------------------------------------------------------------------------------


def test_a_transfer_moves_no_points_for_either_user(guild):
    before = all_summaries()
    gwendolyn = guild.good_member.main_character
    transfer_character(character=gwendolyn, to_user=guild.poor_member, actor=guild.officer, reason="account sold")
    assert all_summaries() == before
    assert balance(guild.good_member, guild.pool) == 9 * TICK_VALUE
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE
    assert summary_differences() == []


def test_a_transfer_closes_the_old_ownership_and_opens_exactly_one_new_one(guild):
    gwendolyn = guild.good_member.main_character
    transfer_character(character=gwendolyn, to_user=guild.poor_member, actor=guild.officer, reason="account sold")

    history = list(CharacterOwnership.objects.filter(character=gwendolyn).order_by("started_at", "id"))
    assert [row.user for row in history] == [guild.good_member, guild.poor_member]
    old, new = history
    assert old.ended_at is not None
    assert old.ended_at <= new.started_at
    assert new.ended_at is None
    assert (new.changed_by, new.reason) == (guild.officer, "account sold")
    assert CharacterOwnership.objects.filter(character=gwendolyn, ended_at__isnull=True).count() == 1
    gwendolyn.refresh_from_db()
    assert gwendolyn.owner == guild.poor_member


def test_after_a_transfer_the_new_owner_earns_and_the_old_one_keeps_the_past(guild):
    gwendolyn = guild.good_member.main_character
    loot = award_loot(
        item=item_named("Cloak of Flames"),
        pool=guild.pool,
        winner=guild.good_member,
        character_name="Gwendolyn",
        price=30,
        actor=guild.officer,
    )
    transfer_character(character=gwendolyn, to_user=guild.poor_member, actor=guild.officer, reason="account sold")
    # The character is renamed and levels up under its new owner; the past keeps what it was.
    Character.objects.filter(pk=gwendolyn.pk).update(name="Gwenhilda", level=70)
    gwendolyn.refresh_from_db()

    past = RaidAttendance.objects.filter(character=gwendolyn)
    assert past.count() == 9
    assert set(past.values_list("user", "character_name", "character_level")) == {
        (guild.good_member.pk, "Gwendolyn", 65)
    }
    loot.refresh_from_db()
    assert (loot.user, loot.character_name) == (guild.good_member, "Gwendolyn")
    assert PointEntry.objects.get(kind=EntryKind.LOOT).user == guild.good_member

    record_tick(
        raid=guild.raid,
        occurred_at=guild.ticks[-1].occurred_at + dt.timedelta(hours=1),
        attendees=[attendee(gwendolyn)],
        actor=guild.officer,
    )
    assert balance(guild.good_member, guild.pool) == 9 * TICK_VALUE - 30
    assert balance(guild.poor_member, guild.pool) == 2 * TICK_VALUE
    assert RaidAttendance.objects.filter(character=gwendolyn, user=guild.poor_member).get().character_name == (
        "Gwenhilda"
    )


def test_a_transfer_to_the_current_owner_is_refused_and_writes_nothing(guild):
    gwendolyn = guild.good_member.main_character
    history_before = list(CharacterOwnership.objects.filter(character=gwendolyn).values())
    summaries_before = all_summaries()
    with pytest.raises(InvalidInput, match="Gwendolyn already belongs to Gwen"):
        transfer_character(character=gwendolyn, to_user=guild.good_member, actor=guild.officer, reason="oops")
    assert list(CharacterOwnership.objects.filter(character=gwendolyn).values()) == history_before
    assert all_summaries() == summaries_before
    guild.good_member.refresh_from_db()
    assert guild.good_member.main_character == gwendolyn


def test_a_member_cannot_transfer_a_character(guild):
    gwendolyn = guild.good_member.main_character
    with pytest.raises(Forbidden, match="A member may not manage"):
        transfer_character(character=gwendolyn, to_user=guild.poor_member, actor=guild.good_member, reason="gift")
    gwendolyn.refresh_from_db()
    assert gwendolyn.owner == guild.good_member
    assert CharacterOwnership.objects.filter(character=gwendolyn).count() == 1


def test_the_new_owner_gets_the_character_as_main_only_when_they_have_none(guild):
    gwendolyn = guild.good_member.main_character
    transfer_character(character=gwendolyn, to_user=guild.applicant, actor=guild.officer, reason="new account")
    guild.good_member.refresh_from_db()
    guild.applicant.refresh_from_db()
    assert guild.good_member.main_character is None
    assert guild.applicant.main_character == gwendolyn

    transfer_character(character=gwendolyn, to_user=guild.poor_member, actor=guild.officer, reason="sold on")
    guild.poor_member.refresh_from_db()
    assert guild.poor_member.main_character.name == "Pipperel"


# Claims ---------------------------------------------------------------------------------------


def test_approving_a_claim_credits_each_unclaimed_tick_once_with_its_own_date(guild, wanderer):
    ticks = ticks_with(guild, wanderer)
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE
    assert not PointEntry.objects.filter(tick__in=ticks).exists()

    claim = request_claim(character=wanderer, requester=guild.poor_member, note="my monk")
    approve_claim(claim=claim, actor=guild.officer)

    credits = PointEntry.objects.filter(tick__in=ticks).order_by("occurred_at")
    assert [(entry.user, entry.kind, entry.amount) for entry in credits] == [
        (guild.poor_member, EntryKind.ATTENDANCE, 10),
        (guild.poor_member, EntryKind.ATTENDANCE, 15),
        (guild.poor_member, EntryKind.ATTENDANCE, 20),
    ]
    assert [entry.occurred_at for entry in credits] == [tick.occurred_at for tick in ticks]
    assert {entry.character_name for entry in credits} == {"Wanderer"}
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE + 45
    assert set(RaidAttendance.objects.filter(character=wanderer).values_list("user", flat=True)) == {
        guild.poor_member.pk
    }
    wanderer.refresh_from_db()
    assert wanderer.owner == guild.poor_member
    assert summary_differences() == []


def test_approving_the_same_claim_twice_is_refused_and_credits_once(guild, wanderer):
    ticks_with(guild, wanderer)
    claim = request_claim(character=wanderer, requester=guild.poor_member)
    approve_claim(claim=claim, actor=guild.officer)
    with pytest.raises(Conflict, match="already approved"):
        approve_claim(claim=claim, actor=guild.officer)
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE + 45
    assert PointEntry.objects.filter(user=guild.poor_member).count() == 1 + 3


def test_a_later_claim_by_someone_else_takes_the_character_but_not_its_past_points(guild, wanderer):
    ticks_with(guild, wanderer)
    pip_claim = request_claim(character=wanderer, requester=guild.poor_member)
    gwen_claim = request_claim(character=wanderer, requester=guild.good_member)
    approve_claim(claim=pip_claim, actor=guild.officer)
    approve_claim(claim=gwen_claim, actor=guild.officer, reason="it was Gwen's box all along")

    wanderer.refresh_from_db()
    assert wanderer.owner == guild.good_member
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE + 45
    assert balance(guild.good_member, guild.pool) == 9 * TICK_VALUE
    assert set(RaidAttendance.objects.filter(character=wanderer).values_list("user", flat=True)) == {
        guild.poor_member.pk
    }


def test_a_claim_approved_after_an_officer_already_handed_over_the_character_credits_nothing_more(guild, wanderer):
    ticks_with(guild, wanderer)
    claim = request_claim(character=wanderer, requester=guild.poor_member)
    transfer_character(character=wanderer, to_user=guild.poor_member, actor=guild.officer, reason="asked in chat")
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE + 45

    approve_claim(claim=claim, actor=guild.officer)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE + 45
    assert PointEntry.objects.filter(user=guild.poor_member, kind=EntryKind.ATTENDANCE).count() == 1 + 3


def test_a_claimed_alt_adds_nothing_for_ticks_its_owner_was_already_credited_for(guild):
    gwendolyn = guild.good_member.main_character
    gwenbox = make_character("Gwenbox", owner=None, eq_class=EqClass.SHAMAN, level=62)
    both = ticks_with(guild, gwendolyn, gwenbox, values=(10, 15))
    box_alone = ticks_with(guild, gwenbox, values=(20,))[0]
    assert balance(guild.good_member, guild.pool) == 9 * TICK_VALUE + 25

    claim = request_claim(character=gwenbox, requester=guild.good_member)
    approve_claim(claim=claim, actor=guild.officer)

    assert balance(guild.good_member, guild.pool) == 9 * TICK_VALUE + 25 + 20
    for tick in [*both, box_alone]:
        assert PointEntry.objects.filter(user=guild.good_member, tick=tick).count() == 1
    assert PointEntry.objects.get(tick=box_alone).character_name == "Gwenbox"
    assert summary_differences() == []


def test_a_denied_claim_needs_a_reason_and_credits_nothing(guild, wanderer):
    ticks = ticks_with(guild, wanderer)
    claim = request_claim(character=wanderer, requester=guild.poor_member)
    with pytest.raises(InvalidInput, match="Say why"):
        deny_claim(claim=claim, actor=guild.officer, reason="   ")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING

    deny_claim(claim=claim, actor=guild.officer, reason="That monk is Rhea's box")
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by, claim.decision_reason) == (
        ClaimStatus.DENIED,
        guild.officer,
        "That monk is Rhea's box",
    )
    wanderer.refresh_from_db()
    assert wanderer.owner is None
    assert not PointEntry.objects.filter(tick__in=ticks).exists()
    assert not RaidAttendance.objects.filter(character=wanderer, user__isnull=False).exists()
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE
    with pytest.raises(Conflict, match="already denied"):
        approve_claim(claim=claim, actor=guild.officer)
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE


def test_a_second_pending_claim_for_the_same_character_is_refused(guild, wanderer):
    request_claim(character=wanderer, requester=guild.poor_member, note="mine")
    with pytest.raises(Conflict, match="already asked to claim Wanderer"):
        request_claim(character=wanderer, requester=guild.poor_member, note="mine, really")
    assert CharacterClaimRequest.objects.filter(character=wanderer).count() == 1


def test_outsiders_cannot_claim_characters(guild, wanderer):
    for outsider in (guild.applicant, guild.guest):
        with pytest.raises(Forbidden, match="may not bid, claim characters"):
            request_claim(character=wanderer, requester=outsider)
    assert not CharacterClaimRequest.objects.exists()


def test_only_officers_decide_claims(guild, wanderer):
    ticks_with(guild, wanderer)
    claim = request_claim(character=wanderer, requester=guild.poor_member)
    with pytest.raises(Forbidden):
        approve_claim(claim=claim, actor=guild.recruiter)
    with pytest.raises(Forbidden):
        approve_claim(claim=claim, actor=guild.poor_member)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE
