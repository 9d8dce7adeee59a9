"""Separation of duties: with two officers, an officer's own claim, points and missed tick need the other.

The setting (``GuildSettings.separation_of_duties``) is ``auto`` by default: on while the guild has
two or more officers. Each refusal names who may do it instead; ``off`` lets one officer do it all.
A vote on one's own application is refused by its own rule, whatever the setting.
"""

from __future__ import annotations

import datetime as dt

import discord
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from dkp.accounts.models import User
from dkp.bot.applications import vote_view
from dkp.characters.models import Character, CharacterClaimRequest, ClaimStatus
from dkp.characters.services import request_claim
from dkp.core.models import GuildSettings, RequestStatus
from dkp.core.roles import RoleGroup
from dkp.points.models import PointEntry, UserPointsSummary
from dkp.raids.missed import request_missed_tick
from dkp.raids.models import MissedTickRequest
from dkp.raids.services import Attendee, record_tick
from dkp.recruitment.models import ApplicationQuestion, ApplicationStatus, GuildApplication
from dkp.recruitment.services import move_application, submit_application
from dkp.testing.personas import Guild, make_character, make_user
from dkp.testing.simcord_world import World, in_discord

ONLY_ORLA = "another officer — Orla — must do it."


@pytest.fixture
def orla(guild: Guild) -> User:
    """A second officer: from now on the guild's default (auto) asks for two."""
    return make_user("Orla", RoleGroup.OFFICER)


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def separation(choice: str) -> None:
    settings = GuildSettings.load()
    settings.separation_of_duties = choice
    settings.save()


def balance(user: User) -> int:
    return UserPointsSummary.objects.get(user=user, pool__name="Main").balance


def olwens_claim(guild: Guild) -> CharacterClaimRequest:
    return request_claim(character=make_character("Olwyth"), requester=guild.officer, note="my alt")


def olwens_missed_tick(guild: Guild) -> MissedTickRequest:
    """Olwen asks for a tick the attendance missed (one where only Gwendolyn was listed)."""
    tick = record_tick(
        raid=guild.raid,
        occurred_at=guild.raid.starts_at + dt.timedelta(hours=3),
        attendees=[Attendee("Gwendolyn", "Cleric", 65)],
        actor=None,
    )
    olwenna = Character.objects.get(owner=guild.officer, name="Olwenna")
    return request_missed_tick(tick=tick, character=olwenna, evidence="I was in group 2", requester=guild.officer)


# --- Claims ----------------------------------------------------------------------------------


def test_an_officer_cannot_approve_their_own_claim_on_the_page_or_the_api(client, guild: Guild, orla: User) -> None:
    claim = olwens_claim(guild)
    client.force_login(guild.officer)
    page = client.post(reverse("web:claim_approve", args=[claim.pk]))
    assert page.status_code == 403
    assert f"Separation of duties: you cannot approve your own claim; {ONLY_ORLA}" in page.text
    refused = api(guild.officer).post(reverse("api:claim-approve", args=[claim.pk]))
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "separation_of_duties",
        "detail": f"Separation of duties: you cannot approve your own claim; {ONLY_ORLA}",
    }
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    assert api(orla).post(reverse("api:claim-approve", args=[claim.pk])).status_code == 200
    assert Character.objects.get(name="Olwyth").owner == guild.officer


def test_an_officer_cannot_quick_assign_a_character_to_themselves(client, guild: Guild, orla: User) -> None:
    character = make_character("Olwyth")
    client.force_login(guild.officer)
    page = client.post(reverse("web:quick_assign"), {f"owner-{character.pk}": guild.officer.pk})
    assert page.status_code == 403
    assert f"you cannot assign Olwyth to yourself; {ONLY_ORLA}" in page.text
    character.refresh_from_db()
    assert character.owner is None
    client.force_login(orla)
    client.post(reverse("web:quick_assign"), {f"owner-{character.pk}": guild.officer.pk})
    character.refresh_from_db()
    assert character.owner == guild.officer


# --- Points ----------------------------------------------------------------------------------


def test_an_officer_cannot_adjust_their_own_points_on_the_page_or_the_api(client, guild: Guild, orla: User) -> None:
    before, entries = balance(guild.officer), PointEntry.objects.count()
    client.force_login(guild.officer)
    form = {"user": guild.officer.pk, "pool": guild.pool.pk, "amount": "500", "reason": "for me"}
    page = client.post(reverse("points:adjust"), form)
    assert page.status_code == 422
    assert f"you cannot adjust your own points; {ONLY_ORLA}" in page.text
    body = {"user": guild.officer.pk, "pool": guild.pool.pk, "amount": 500, "reason": "for me"}
    refused = api(guild.officer).post(reverse("api:adjustment-list"), body, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"] == "separation_of_duties"
    assert (balance(guild.officer), PointEntry.objects.count()) == (before, entries)
    # Adjusting someone else is an officer's ordinary work, and Orla may adjust Olwen.
    for_gwen = {**body, "user": guild.good_member.pk}
    assert api(guild.officer).post(reverse("api:adjustment-list"), for_gwen, format="json").status_code == 201
    assert api(orla).post(reverse("api:adjustment-list"), body, format="json").status_code == 201
    assert balance(guild.officer) == before + 500


# --- Missed ticks ----------------------------------------------------------------------------


def test_an_officer_cannot_approve_their_own_missed_tick(client, guild: Guild, orla: User) -> None:
    asked = olwens_missed_tick(guild)
    before = balance(guild.officer)
    client.force_login(guild.officer)
    page = client.post(reverse("missed:approve", args=[asked.pk]), follow=True)
    assert f"you cannot approve your own missed tick; {ONLY_ORLA}" in page.text
    refused = api(guild.officer).post(reverse("api:missed-tick-request-approve", args=[asked.pk]))
    assert refused.status_code == 403
    assert "you cannot approve your own missed tick" in refused.json()["detail"]
    asked.refresh_from_db()
    assert (asked.status, balance(guild.officer)) == (RequestStatus.PENDING, before)
    assert api(orla).post(reverse("api:missed-tick-request-approve", args=[asked.pk])).status_code == 200
    assert balance(guild.officer) > before


# --- The setting -----------------------------------------------------------------------------


def test_with_one_officer_auto_lets_them_do_their_own(guild: Guild) -> None:
    """The personas' guild has one officer: auto is off, so nobody is locked out of their own work."""
    claim = olwens_claim(guild)
    assert api(guild.officer).post(reverse("api:claim-approve", args=[claim.pk])).status_code == 200


def test_off_lets_one_officer_of_two_do_it_and_on_needs_another_even_alone(guild: Guild, orla: User) -> None:
    separation("off")
    before = balance(guild.officer)
    body = {"user": guild.officer.pk, "pool": guild.pool.pk, "amount": 5, "reason": "off"}
    assert api(guild.officer).post(reverse("api:adjustment-list"), body, format="json").status_code == 201
    assert balance(guild.officer) == before + 5
    separation("on")
    orla.role_group = RoleGroup.MEMBER
    orla.save()
    refused = api(guild.officer).post(reverse("api:adjustment-list"), body, format="json")
    assert refused.status_code == 403
    assert "another officer must do it, and there is none" in refused.json()["detail"]


def test_the_settings_page_shows_and_saves_the_setting(client, guild: Guild, orla: User) -> None:
    client.force_login(guild.officer)
    page = client.get(reverse("officer:settings"))
    assert "Separation of duties" in page.text
    assert 'value="auto" selected' in page.text
    assert "Now on: the guild has 2 officers." in page.text
    form = {
        field: getattr(GuildSettings.load(), field)
        for field in ("guild_name", "server_name", "time_zone", "vote_threshold_percent", "auction_minutes")
    }
    form["item_link_template"] = GuildSettings.load().item_link_template
    saved = client.post(reverse("officer:settings"), {**form, "separation_of_duties": "off"}, follow=True)
    assert "Saved the guild settings." in saved.text
    assert 'value="off" selected' in saved.text
    assert "Now off: the guild has 2 officers." in saved.text
    assert GuildSettings.load().separation_of_duties == "off"
    wrong = client.post(reverse("officer:settings"), {**form, "separation_of_duties": "sometimes"})
    assert wrong.status_code == 400
    assert "Separation of duties is auto, on or off, not &#x27;sometimes&#x27;." in wrong.text


# --- One's own application -------------------------------------------------------------------


@pytest.fixture
def abes_application_with_abe_a_member(guild: Guild) -> GuildApplication:
    """Abe's application in voting, after an officer made Abe a member before it closed."""
    question = ApplicationQuestion.objects.create(text="How long have you played?", position=1)
    application = submit_application(
        applicant=guild.applicant,
        character_name="Abesson",
        character_class="Ranger",
        character_level=60,
        answers={question.pk: "Since 1999"},
    )
    application = move_application(application=application, to_status=ApplicationStatus.VOTING, actor=guild.recruiter)
    User.objects.filter(pk=guild.applicant.pk).update(role_group=RoleGroup.MEMBER)
    guild.applicant.refresh_from_db()
    return application


OWN = "You cannot vote on your own application; the guild's members decide it."


def test_a_vote_on_ones_own_application_is_refused_in_the_api(
    guild: Guild, abes_application_with_abe_a_member: GuildApplication
) -> None:
    application = abes_application_with_abe_a_member
    refused = api(guild.applicant).post(reverse("api:application-vote", args=[application.pk]), {"choice": "yes"})
    assert refused.status_code == 403
    assert refused.json() == {"error": "own_application", "detail": OWN}
    assert not application.votes.exists()


def test_a_vote_on_ones_own_application_is_refused_in_the_bot(
    guild: Guild, abes_application_with_abe_a_member: GuildApplication
) -> None:
    application = abes_application_with_abe_a_member

    async def scenario(world: World):
        channel = world.bot.get_channel(world.channel.id)
        assert isinstance(channel, discord.TextChannel)
        post = await channel.send("Voting is open on Abesson.", view=vote_view(application.pk))
        return await world.applicant.click(post, label="Yes")

    answer = in_discord(guild, scenario)
    assert answer.ephemeral
    assert answer.response is not None
    assert answer.response.content == OWN
    assert not application.votes.exists()
