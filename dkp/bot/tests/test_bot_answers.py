"""An answer to every click: an unexpected error in a button or a form is apologized for and logged.

Each door's service is made to fail as nothing a member does could make it fail (a ``RuntimeError``);
the member sees the apology, to them alone, and the operators find one line in the bot's log.
"""

from __future__ import annotations

import logging

import pytest
from simcord import InteractionResult, ResponseMessage

from dkp.bot import applications, raids
from dkp.bot.core import SORRY
from dkp.bot.tests.test_bot_applications import post_vote_buttons
from dkp.bot.tests.test_bot_auctions import open_and_post, post_of
from dkp.loot import selectors, services
from dkp.loot.models import ItemBid
from dkp.raids.tests.samples import FIRST, sample
from dkp.recruitment.models import ApplicationVote, GuildApplication
from dkp.testing.personas import Guild
from dkp.testing.simcord_world import World, in_discord

pytest_plugins = ["dkp.bot.tests.test_bot_applications"]  # the ``voting`` and ``questions`` fixtures


def everything_said(result: InteractionResult) -> list[ResponseMessage]:
    return [*([result.response] if result.response is not None else []), *result.followups]


def apologized(result) -> bool:
    """The member saw the apology, and only they saw it."""
    messages = everything_said(result)
    return any(message.content == SORRY for message in messages) and all(message.ephemeral for message in messages)


def logged(caplog: pytest.LogCaptureFixture, door: str) -> bool:
    return any(
        record.levelno == logging.ERROR
        and record.getMessage().startswith(f"Discord interaction failed: {door}")
        and record.exc_info is not None
        for record in caplog.records
    )


def broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("something nobody expected")


def test_an_unexpected_error_behind_the_bid_button_is_apologized_for(guild: Guild, monkeypatch, caplog) -> None:
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        post = await post_of(world, auction_id)
        monkeypatch.setattr(selectors, "auction_view", broken)
        return await world.good_member.click(post, label="Bid")

    result = in_discord(guild, scenario)
    assert result.modal is None
    assert apologized(result)
    assert logged(caplog, "component dkp:bid:")


def test_an_unexpected_error_behind_the_bid_form_is_apologized_for(guild: Guild, monkeypatch, caplog) -> None:
    async def scenario(world: World):
        auction_id = await open_and_post(world, guild)
        shown = await world.good_member.click(await post_of(world, auction_id), label="Bid")
        monkeypatch.setattr(services, "place_bid", broken)
        return await world.good_member.submit_modal(shown, {"amount": "40"})

    result = in_discord(guild, scenario)
    assert apologized(result)
    assert logged(caplog, "form dkp:bid-form:")
    assert not ItemBid.objects.exists()


def test_an_unexpected_error_behind_the_apply_form_is_apologized_for(guild: Guild, monkeypatch, caplog) -> None:
    monkeypatch.setattr(applications, "submit_application", broken)

    async def scenario(world: World):
        shown = await world.guest.slash(world.channel, "apply")
        return await world.guest.submit_modal(shown, {"character": "Gusruk", "class_level": "Bard 50"})

    result = in_discord(guild, scenario)
    assert apologized(result)
    assert logged(caplog, "form ")
    assert not GuildApplication.objects.filter(character_name="Gusruk").exists()


def test_an_unexpected_error_behind_a_vote_button_is_apologized_for(
    guild: Guild, voting: GuildApplication, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(applications, "cast_vote", broken)

    async def scenario(world: World):
        post = await post_vote_buttons(world, voting)
        return await world.good_member.click(post, label="Yes")

    result = in_discord(guild, scenario)
    assert apologized(result)
    assert logged(caplog, "component dkp:vote:")
    assert not ApplicationVote.objects.exists()


def test_an_unexpected_error_behind_a_tick_previews_cancel_is_apologized_for(guild: Guild, monkeypatch, caplog) -> None:
    async def finish_broken(self, interaction, content):
        raise RuntimeError("something nobody expected")

    async def scenario(world: World):
        shown = await world.officer.slash(world.channel, "raid tick", dump=sample(FIRST))
        monkeypatch.setattr(raids.TickConfirmView, "_finish", finish_broken)
        assert shown.response is not None
        result = await world.officer.click(shown.response, label="Cancel")
        with pytest.raises(ExceptionGroup):  # it reached the view's error handler (SimCord counts it)
            world.env.raise_errors()
        return result

    result = in_discord(guild, scenario)
    assert apologized(result)
    assert logged(caplog, "component ")


def test_an_unexpected_error_in_a_slash_command_is_apologized_for(guild: Guild, monkeypatch, caplog) -> None:
    monkeypatch.setattr(services, "open_auction", broken)

    async def scenario(world: World):
        return await world.officer.slash(world.channel, "auction start", item="Cloak of Flames")

    result = in_discord(guild, scenario)
    assert apologized(result)
    assert logged(caplog, "/auction start")
