"""/apply (a modal) and the vote buttons on application posts, in a simulated Discord server."""

from __future__ import annotations

import re

import discord
import pytest

from dkp.accounts.models import User
from dkp.bot.applications import VoteButton, parse_class_level, vote_view
from dkp.bot.core import db
from dkp.core.roles import RoleGroup
from dkp.discord.components import VOTE_CHOICES, parse_vote_custom_id, vote_components, vote_custom_id
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.recruitment.models import (
    ApplicationQuestion,
    ApplicationStatus,
    ApplicationVote,
    GuildApplication,
    VoteChoice,
)
from dkp.recruitment.services import move_application, submit_application
from dkp.testing.personas import Guild
from dkp.testing.simcord_world import World, in_discord

NOT_SIGNED_UP = "You have no EQ DKP account yet"


@pytest.fixture
def questions(guild: Guild) -> list[ApplicationQuestion]:
    return [
        ApplicationQuestion.objects.create(text="How long have you played?", position=1),
        ApplicationQuestion.objects.create(
            text="Which raid nights can you make, and what time zone are you in? Tell us about weekends too.",
            position=2,
            required=False,
        ),
    ]


@pytest.fixture
def voting(guild: Guild, questions: list[ApplicationQuestion]) -> GuildApplication:
    """Abe's application, in voting; attendance refreshed so Gwen (90%) may vote and Pip (10%) may not."""
    refresh_attendance_summaries()
    application = submit_application(
        applicant=guild.applicant,
        character_name="Abesson",
        character_class="Ranger",
        character_level=60,
        answers={questions[0].pk: "Since 1999"},
    )
    return move_application(application=application, to_status=ApplicationStatus.VOTING, actor=guild.recruiter)


def text(result) -> str:
    assert result.response is not None, result
    return result.response.content


def modal_inputs(modal: dict) -> dict[str, str]:
    """The modal's inputs by custom id, with the label each is shown under."""
    return {label["component"]["custom_id"]: label["label"] for label in modal["components"]}


# --- /apply ------------------------------------------------------------------------------------------


def test_a_guest_applies_through_the_modal_and_becomes_an_applicant(
    guild: Guild, questions: list[ApplicationQuestion]
) -> None:
    first, second = questions

    async def scenario(world: World):
        shown = await world.guest.slash(world.channel, "apply")
        submitted = await world.guest.submit_modal(
            shown,
            {
                "character": "gusruk",
                "class_level": "SHD 60",
                f"question-{first.pk}": "Since Kunark",
                f"question-{second.pk}": "Tuesdays and Thursdays, EST",
            },
        )
        return shown, submitted

    shown, submitted = in_discord(guild, scenario)
    assert shown.modal["title"] == "Apply to Ashen Vanguard"
    inputs = modal_inputs(shown.modal)
    assert inputs == {
        "character": "Your main character's name",
        "class_level": "Class and level",
        f"question-{first.pk}": "How long have you played?",
        f"question-{second.pk}": "Which raid nights can you make, and what…",
    }
    long_question = next(c for c in shown.modal["components"] if c["component"]["custom_id"].endswith(str(second.pk)))
    assert long_question["description"] == second.text  # the whole question, under its shortened label
    assert submitted.ephemeral
    assert text(submitted) == (
        "Application received: Gusruk (level 60 Shadow Knight). The officers and members will look at it; "
        "follow it at http://dkp.test/applications/mine/"
    )
    application = GuildApplication.objects.get(applicant=guild.guest)
    assert (application.character_name, application.character_class, application.character_level) == (
        "Gusruk",
        "Shadow Knight",
        60,
    )
    assert [a["answer"] for a in application.answers] == ["Since Kunark", "Tuesdays and Thursdays, EST"]
    assert User.objects.get(pk=guild.guest.pk).role_group == RoleGroup.APPLICANT


@pytest.mark.parametrize(
    ("class_level", "told"),
    [
        ("Spellsword 60", "'Spellsword' is not an EverQuest class; choose one of: Bard, Beastlord,"),
        ("Ranger", "Write your class and level, e.g. “Shadow Knight 65”, not 'Ranger'."),
        ("60 61", "Write your class and level, e.g. “Shadow Knight 65”, not '60 61'."),
        ("Ranger 200", "The level must be from 1 to 130."),
    ],
)
def test_a_bad_class_or_level_is_told_and_nothing_is_saved(guild: Guild, class_level: str, told: str) -> None:
    async def scenario(world: World):
        shown = await world.guest.slash(world.channel, "apply")
        return await world.guest.submit_modal(shown, {"character": "Gusruk", "class_level": class_level})

    result = in_discord(guild, scenario)
    assert result.ephemeral
    assert text(result).startswith(told)
    assert not GuildApplication.objects.exists()
    assert User.objects.get(pk=guild.guest.pk).role_group == RoleGroup.GUEST


def test_a_bad_character_name_is_told(guild: Guild) -> None:
    async def scenario(world: World):
        shown = await world.guest.slash(world.channel, "apply")
        return await world.guest.submit_modal(shown, {"character": "Gus the 2nd", "class_level": "Bard 50"})

    result = in_discord(guild, scenario)
    assert text(result) == "'Gus the 2nd' is not an EverQuest character name: letters only, at most 15."
    assert not GuildApplication.objects.exists()


def test_a_member_may_not_apply(guild: Guild) -> None:
    async def scenario(world: World):
        return await world.good_member.slash(world.channel, "apply")

    result = in_discord(guild, scenario)
    assert result.modal is None
    assert result.ephemeral
    assert text(result) == "A member may not apply and follow your own application."


def test_someone_who_never_signed_in_is_sent_to_sign_in_first(guild: Guild) -> None:
    async def scenario(world: World):
        stranger = world.server.add_member(world.env.create_user("stranger"))
        return await stranger.slash(world.channel, "apply")

    result = in_discord(guild, scenario)
    assert result.modal is None
    assert text(result).startswith(NOT_SIGNED_UP)


def test_applying_again_with_an_open_application_is_refused(guild: Guild, voting: GuildApplication) -> None:
    async def scenario(world: World):
        return await world.applicant.slash(world.channel, "apply")

    result = in_discord(guild, scenario)
    assert result.modal is None
    assert text(result) == (
        "You already have an open application (Abesson, voting); follow it at http://dkp.test/applications/mine/"
    )


def test_a_second_form_submitted_after_the_first_is_refused_by_the_service(guild: Guild) -> None:
    async def scenario(world: World):
        first = await world.guest.slash(world.channel, "apply")
        second = await world.guest.slash(world.channel, "apply")
        await world.guest.submit_modal(first, {"character": "Gusruk", "class_level": "Bard 50"})
        return await world.guest.submit_modal(second, {"character": "Gusalt", "class_level": "Bard 40"})

    result = in_discord(guild, scenario)
    assert result.ephemeral
    assert text(result).startswith("You already have an open application")
    assert list(GuildApplication.objects.values_list("character_name", flat=True)) == ["Gusruk"]


def test_more_questions_than_a_modal_holds_send_the_applicant_to_the_web_form(
    guild: Guild, questions: list[ApplicationQuestion]
) -> None:
    ApplicationQuestion.objects.create(text="Which expansions did you raid?", position=3)
    ApplicationQuestion.objects.create(text="Who in the guild knows you?", position=4)

    async def scenario(world: World):
        return await world.guest.slash(world.channel, "apply")

    result = in_discord(guild, scenario)
    assert result.modal is None
    assert result.ephemeral
    assert text(result) == (
        "Ashen Vanguard asks more than fits in a Discord form; apply on the web at http://dkp.test/applications/apply/"
    )


def test_class_and_level_are_read_in_the_ways_players_write_them() -> None:
    assert parse_class_level("Shadow Knight 65") == ("Shadow Knight", 65)
    assert parse_class_level("65 shd") == ("Shadow Knight", 65)
    assert parse_class_level("Ranger, level 60") == ("Ranger", 60)
    assert parse_class_level("enc 70") == ("Enchanter", 70)


# --- vote buttons ------------------------------------------------------------------------------------


async def post_vote_buttons(world: World, application: GuildApplication) -> discord.Message:
    """The announcement as the bot posts it: the vote buttons under the text."""
    channel = world.bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    return await channel.send(f"Voting is open on {application.character_name}.", view=vote_view(application.pk))


def test_an_eligible_member_votes_and_may_change_the_vote(guild: Guild, voting: GuildApplication) -> None:
    async def scenario(world: World):
        post = await post_vote_buttons(world, voting)
        yes = await world.good_member.click(post, label="Yes")
        no = await world.good_member.click(post, label="No")
        return yes, no

    yes, no = in_discord(guild, scenario)
    assert yes.ephemeral
    assert text(yes) == "Your vote on Abesson: Yes"
    assert text(no) == "Your vote on Abesson: No"
    vote = ApplicationVote.objects.get(application=voting)
    assert (vote.voter_id, vote.choice, vote.attendance_30) == (guild.good_member.pk, VoteChoice.NO, 90)


def test_voting_is_refused_to_poor_attendance_the_applicant_and_guests(guild: Guild, voting: GuildApplication) -> None:
    async def scenario(world: World):
        post = await post_vote_buttons(world, voting)
        pip = await world.poor_member.click(post, label="Yes")
        abe = await world.applicant.click(post, label="Yes")
        gus = await world.guest.click(post, label="No")
        stranger = world.server.add_member(world.env.create_user("stranger"))
        unknown = await stranger.click(post, label="Abstain")
        return pip, abe, gus, unknown

    pip, abe, gus, unknown = in_discord(guild, scenario)
    assert all(result.ephemeral for result in (pip, abe, gus, unknown))
    assert text(pip) == "You need 15% attendance over the last 30 days to vote; yours is 10.00%."
    assert text(abe) == "An applicant may not vote on applications."
    assert text(gus) == "A guest may not vote on applications."
    assert text(unknown).startswith(NOT_SIGNED_UP)
    assert not ApplicationVote.objects.exists()


def test_a_closed_application_takes_no_votes(guild: Guild, voting: GuildApplication) -> None:
    move_application(application=voting, to_status=ApplicationStatus.REJECTED, actor=guild.officer)

    async def scenario(world: World):
        post = await post_vote_buttons(world, voting)
        return await world.good_member.click(post, label="Yes")

    result = in_discord(guild, scenario)
    assert result.ephemeral
    assert text(result) == "This application is not in voting (it is rejected)."
    assert not ApplicationVote.objects.exists()


def test_a_vote_on_an_application_that_is_gone_is_told(guild: Guild, voting: GuildApplication) -> None:
    async def scenario(world: World):
        post = await post_vote_buttons(world, voting)
        await db(GuildApplication.objects.filter(pk=voting.pk).delete)
        return await world.good_member.click(post, label="Yes")

    assert text(in_discord(guild, scenario)) == "That application is no longer there."


def test_the_rest_posters_buttons_work_in_the_bot_also_after_a_restart(guild: Guild, voting: GuildApplication) -> None:
    async def scenario(world: World):
        # What the Celery task sends over Discord's REST API: plain JSON, no view in any bot's memory.
        route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=world.channel.id)
        await world.bot.http.request(
            route,
            json={
                "content": "Voting is open",
                "components": vote_components(voting.pk),
                "allowed_mentions": {"parse": []},  # as dkp.discord.client sends every message
            },
        )
        post = world.channel.last_message
        assert post is not None
        before = await world.good_member.click(post, label="Abstain")
        await world.restart()
        reposted = world.channel.last_message
        assert reposted is not None
        after = await world.good_member.click(reposted, label="Yes")
        return before, after

    before, after = in_discord(guild, scenario)
    assert text(before) == "Your vote on Abesson: Abstain"
    assert text(after) == "Your vote on Abesson: Yes"
    assert ApplicationVote.objects.get(application=voting).choice == VoteChoice.YES


def test_vote_components_carry_the_custom_ids_the_bots_button_answers() -> None:
    assert set(VOTE_CHOICES) == set(VoteChoice.values)
    [row] = vote_components(42)
    assert row["type"] == 1
    assert [button["label"] for button in row["components"]] == ["Yes", "No", "Abstain"]
    template = re.compile(VoteButton.__discord_ui_compiled_template__.pattern)
    for button, choice in zip(row["components"], VOTE_CHOICES, strict=True):
        assert button["type"] == 2
        assert button["custom_id"] == f"dkp:vote:42:{choice}" == vote_custom_id(42, choice)
        match = template.fullmatch(button["custom_id"])
        assert match is not None
        assert (int(match["application_id"]), match["choice"]) == (42, choice)
        assert parse_vote_custom_id(button["custom_id"]) == (42, choice)
    # The bot's own view renders the same buttons.
    rendered = vote_view(42).to_components()[0]["components"]
    assert [(b["custom_id"], b["label"], b["style"]) for b in rendered] == [
        (b["custom_id"], b["label"], b["style"]) for b in row["components"]
    ]
    assert parse_vote_custom_id("dkp:bid:42") is None
    assert parse_vote_custom_id("dkp:vote:42:maybe") is None
    with pytest.raises(ValueError, match="not a vote choice"):
        vote_custom_id(42, "maybe")


def test_when_the_form_is_too_slow_to_load_apply_points_to_the_web_form(
    guild: Guild, questions: list[ApplicationQuestion], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dkp.bot import applications

    # No time at all for the lookup: given up at once, as after FORM_SECONDS of a slow database.
    monkeypatch.setattr(applications, "FORM_SECONDS", 0)

    async def scenario(world: World):
        return await world.guest.slash(world.channel, "apply")

    result = in_discord(guild, scenario)
    assert result.modal is None
    assert result.ephemeral
    assert text(result) == (
        "The application form is slow to load right now; try /apply again in a moment, or apply on the web at "
        "http://dkp.test/applications/apply/"
    )
    assert not GuildApplication.objects.exists()
