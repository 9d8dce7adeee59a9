"""Giving characters owners in a batch (the quick assign) and what an approved claim credits."""

import datetime as dt

import pytest

from dkp.characters.models import Character, CharacterOwnership
from dkp.characters.services import request_claim
from dkp.core.errors import Conflict, Forbidden, InvalidInput
from dkp.points.models import PointEntry, UserPointsSummary
from dkp.raids.ownership import approve_claim_crediting, assign_owners, transfer_character
from dkp.raids.selectors_owners import might_be_yours, unowned_in_raid, waiting_for
from dkp.raids.services import Attendee, create_raid, record_tick
from dkp.testing.personas import make_character

pytestmark = pytest.mark.django_db


def night(guild, *names, values=(10, 20)):
    raid = create_raid(event=guild.event, starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=5), actor=None)
    for index, value in enumerate(values):
        record_tick(
            raid=raid,
            occurred_at=raid.starts_at + dt.timedelta(minutes=20 * (index + 1)),
            attendees=[Attendee(name, "Druid", 60) for name in names],
            value=value,
            actor=None,
        )
    return raid


def balance(user, guild):
    summary = UserPointsSummary.objects.filter(user=user, pool=guild.pool).first()
    return summary.balance if summary else 0


def test_assigning_owners_credits_each_its_waiting_ticks_once(guild):
    raid = night(guild, "Gwendolyn", "Wanderer", "Strayling")
    wanderer, strayling = Character.objects.get(name="Wanderer"), Character.objects.get(name="Strayling")
    assert set(unowned_in_raid(raid_id=raid.pk)) == {wanderer, strayling}
    assert waiting_for([wanderer.pk])[wanderer.pk].points == 30
    pip, gwen = balance(guild.poor_member, guild), balance(guild.good_member, guild)

    given = assign_owners(owners=[(wanderer, guild.poor_member), (strayling, guild.good_member)], actor=guild.officer)

    assert [(one.character.name, one.owner, one.points) for one in given] == [
        ("Wanderer", guild.poor_member, 30),
        ("Strayling", guild.good_member, 0),  # Gwen was at both ticks already: never a second credit
    ]
    assert balance(guild.poor_member, guild) == pip + 30
    assert balance(guild.good_member, guild) == gwen
    assert not unowned_in_raid(raid_id=raid.pk).exists()
    assert CharacterOwnership.objects.get(character=wanderer, ended_at__isnull=True).changed_by == guild.officer


def test_one_owned_character_refuses_the_whole_batch(guild):
    night(guild, "Wanderer", "Strayling")
    wanderer, strayling = Character.objects.get(name="Wanderer"), Character.objects.get(name="Strayling")
    transfer_character(character=strayling, to_user=guild.good_member, actor=None, reason="")
    entries = PointEntry.objects.count()
    with pytest.raises(Conflict, match="Strayling already belongs to Gwen; nothing was assigned"):
        assign_owners(owners=[(wanderer, guild.poor_member), (strayling, guild.poor_member)], actor=guild.officer)
    wanderer.refresh_from_db()
    assert wanderer.owner is None
    assert PointEntry.objects.count() == entries


@pytest.mark.parametrize("who", ["guest", "applicant"])
def test_only_someone_who_may_claim_can_be_given_a_character(guild, who):
    wanderer = make_character("Wanderer")
    with pytest.raises(InvalidInput, match="may not hold characters; pick a guild member for Wanderer"):
        assign_owners(owners=[(wanderer, getattr(guild, who))], actor=guild.officer)


def test_only_officers_assign_owners(guild):
    wanderer = make_character("Wanderer")
    with pytest.raises(Forbidden):
        assign_owners(owners=[(wanderer, guild.poor_member)], actor=guild.recruiter)


def test_a_character_given_twice_in_one_batch_is_refused(guild):
    wanderer = make_character("Wanderer")
    with pytest.raises(InvalidInput, match="Wanderer is given an owner twice"):
        assign_owners(owners=[(wanderer, guild.poor_member), (wanderer, guild.good_member)], actor=guild.officer)


def test_an_approved_claim_says_what_it_credited(guild):
    night(guild, "Wanderer", values=(15, 20))
    claim = request_claim(character=Character.objects.get(name="Wanderer"), requester=guild.poor_member)
    claim, given = approve_claim_crediting(claim=claim, actor=guild.officer)
    assert (claim.status, given.owner, given.points, len(given.credits)) == ("approved", guild.poor_member, 35, 2)


def test_might_be_yours_puts_the_character_always_seen_with_you_first(guild):
    night(guild, "Gwendolyn", "Gwenbox", "Passerby")
    night(guild, "Passerby", values=(5,))
    night(guild, "Faraway", values=(5,))
    suggestions = might_be_yours(user_id=guild.good_member.pk)
    assert [(c.name, c.together, c.apart) for c in suggestions] == [("Gwenbox", 2, 0), ("Passerby", 2, 1)]
