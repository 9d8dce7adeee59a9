"""Every command, modal submit and saving button answers Discord before it touches the database.

Discord gives a bot three seconds for its first answer; a command that queries first fails for the
person ("The application did not respond") whenever the database is slow. So each door acknowledges
(a deferred, ephemeral "thinking…" answer, or a deferred update for the tick's Confirm) before its first
``db()`` call, and its real answer follows. SimCord's ``result.deferred`` only tells a defer still
pending, so the tests read the acknowledgement from the REST calls the bot made and count, at each
``db()`` call, whether it was already sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from simcord import InteractionResult

from dkp.bot import applications, auctions, core, members, raids
from dkp.bot.tests.test_bot_applications import post_vote_buttons
from dkp.bot.tests.test_bot_auctions import open_and_post, post_of
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.raids.models import RaidTick
from dkp.raids.tests.samples import FIRST, sample
from dkp.recruitment.models import ApplicationStatus, ApplicationVote, GuildApplication
from dkp.recruitment.services import move_application, submit_application
from dkp.testing.personas import Guild, make_character
from dkp.testing.simcord_world import World, in_discord

THINKING = 5  # Discord's "deferred channel message": the person sees "thinking…" until the answer
DEFERRED_UPDATE = 6  # a button's deferred update: the clicked message is edited afterwards
EPHEMERAL = 64


@dataclass
class Watch:
    """At each ``db()`` call made by the bot: how many interaction callbacks had been sent by then."""

    world: World | None = None
    seen: list[int] = field(default_factory=list)

    def callbacks(self) -> list[dict[str, Any]]:
        if self.world is None:  # the server being set up (member updates), before the scenario
            return []
        return [
            dict(request.json or {}) for request in self.world.env.http_requests if request.path.endswith("/callback")
        ]


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Watch:
    watching = Watch()
    real_db = core.db

    async def watched_db(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        if getattr(fn, "__module__", "") not in {
            "dkp.accounts.role_sync",
            "dkp.accounts.services",
        }:  # member-join listeners answer nobody
            watching.seen.append(len(watching.callbacks()))
        return await real_db(fn, *args, **kwargs)

    for module in (core, members, auctions, raids, applications):
        monkeypatch.setattr(module, "db", watched_db)
    return watching


@dataclass(frozen=True)
class Acknowledged:
    result: InteractionResult
    callback: dict[str, Any]  # the bot's first answer to Discord
    db_calls: int
    before_first_db_call: bool


async def acknowledged(watch: Watch, action: Callable[[], Awaitable[InteractionResult]]) -> Acknowledged:
    """Run one interaction and note whether it was acknowledged before each of its database calls."""
    before = len(watch.callbacks())
    watch.seen.clear()
    result = await action()
    return Acknowledged(
        result=result,
        callback=watch.callbacks()[before],
        db_calls=len(watch.seen),
        before_first_db_call=all(count == before + 1 for count in watch.seen),
    )


def answer(result: InteractionResult) -> str:
    messages = [*([result.response] if result.response is not None else []), *result.followups]
    return "\n".join(message.content for message in messages)


def assert_thought_first(seen: Acknowledged) -> None:
    assert seen.callback == {"type": THINKING, "data": {"flags": EPHEMERAL}}
    assert seen.db_calls > 0
    assert seen.before_first_db_call
    assert seen.result.acknowledged
    assert seen.result.ephemeral
    assert answer(seen.result)  # the real answer still arrives


@pytest.mark.parametrize(
    ("persona", "command", "options", "expected"),
    [
        ("good_member", "dkp", {}, "**Gwen** — DKP"),
        ("good_member", "dkp", {"member": "poor_member"}, "**Pip** — DKP"),
        ("good_member", "attendance", {}, "**Gwen** — attendance"),
        ("good_member", "characters", {"member": "poor_member"}, "**Pip** — characters"),
        ("good_member", "standings", {}, "**Main standings**"),
        ("guest", "standings", {}, "A guest may not view standings"),
        ("officer", "auction start", {"item": "Cloak of Flames"}, "is open: Cloak of Flames in Main"),
        ("good_member", "auction start", {"item": "Cloak of Flames"}, "A member may not manage"),
        ("good_member", "bid", {"item": "Nothing Like It", "amount": "5"}, "No open auction is for"),
        ("good_member", "raid tick", {"dump": sample(FIRST)}, "A member may not manage"),
        ("officer", "raid tick", {"dump": sample(FIRST)}, "**Tick preview**"),
    ],
)
def test_commands_answer_thinking_before_any_database_work(
    guild: Guild, watch: Watch, persona: str, command: str, options: dict[str, Any], expected: str
) -> None:
    async def scenario(world: World) -> Acknowledged:
        watch.world = world
        given = {key: getattr(world, value) if key == "member" else value for key, value in options.items()}
        return await acknowledged(watch, lambda: getattr(world, persona).slash(world.channel, command, **given))

    seen = in_discord(guild, scenario)
    assert_thought_first(seen)
    assert expected in answer(seen.result)


def test_someone_never_signed_in_is_answered_thinking_first_too(guild: Guild, watch: Watch) -> None:
    async def scenario(world: World) -> list[Acknowledged]:
        watch.world = world
        stranger = world.server.add_member(world.env.create_user("stranger"))
        answers = []
        for name in ("dkp", "attendance", "characters", "standings"):

            async def ask(name: str = name) -> InteractionResult:
                return await stranger.slash(world.channel, name)

            answers.append(await acknowledged(watch, ask))
        return answers

    for seen in in_discord(guild, scenario):
        assert_thought_first(seen)
        assert "You have no EQ DKP account yet" in answer(seen.result) or "may not view" in answer(seen.result)


def test_auction_close_cancel_bid_and_the_bid_modal_answer_before_any_database_work(guild: Guild, watch: Watch) -> None:
    async def scenario(world: World) -> dict[str, Acknowledged]:
        watch.world = world
        first = await open_and_post(world, guild, "Cloak of Flames")
        second = await open_and_post(world, guild, "Jaded Electrum Bracelet")
        third = await open_and_post(world, guild, "Rusty Axe")
        seen = {
            "bid": await acknowledged(
                watch, lambda: world.good_member.slash(world.channel, "bid", item=str(first), amount="30")
            )
        }
        shown = await world.poor_member.click(await post_of(world, first), label="Bid")
        seen["modal"] = await acknowledged(watch, lambda: world.poor_member.submit_modal(shown, {"amount": "5"}))
        seen["close"] = await acknowledged(
            watch, lambda: world.officer.slash(world.channel, "auction close", auction=str(second))
        )
        seen["cancel"] = await acknowledged(
            watch, lambda: world.officer.slash(world.channel, "auction cancel", auction=str(third), reason="oops")
        )
        return seen

    seen = in_discord(guild, scenario)
    for step in seen.values():
        assert_thought_first(step)
    assert "Your bid of 30 points on Cloak of Flames" in answer(seen["bid"].result)
    assert "Your bid of 5 points on Cloak of Flames" in answer(seen["modal"].result)
    assert "is closed: nobody bid, the item rots." in answer(seen["close"].result)
    assert "is cancelled; nobody pays." in answer(seen["cancel"].result)


def test_the_apply_modal_and_the_vote_buttons_answer_before_any_database_work(guild: Guild, watch: Watch) -> None:
    refresh_attendance_summaries()
    voting = submit_application(
        applicant=guild.applicant, character_name="Abesson", character_class="Ranger", character_level=60, answers={}
    )
    move_application(application=voting, to_status=ApplicationStatus.VOTING, actor=guild.recruiter)

    async def scenario(world: World) -> tuple[Acknowledged, Acknowledged]:
        watch.world = world
        shown = await world.guest.slash(world.channel, "apply")
        applied = await acknowledged(
            watch, lambda: world.guest.submit_modal(shown, {"character": "Gusruk", "class_level": "Bard 50"})
        )
        post = await post_vote_buttons(world, voting)
        voted = await acknowledged(watch, lambda: world.good_member.click(post, label="Yes"))
        return applied, voted

    applied, voted = in_discord(guild, scenario)
    assert_thought_first(applied)
    assert answer(applied.result).startswith("Application received: Gusruk")
    assert_thought_first(voted)
    assert answer(voted.result) == "Your vote on Abesson: Yes"
    assert GuildApplication.objects.filter(applicant=guild.guest).exists()
    assert ApplicationVote.objects.get(application=voting).voter == guild.good_member


def test_confirming_a_tick_defers_before_saving_and_then_edits_the_preview(guild: Guild, watch: Watch) -> None:
    make_character("Zelroso", owner=guild.good_member, eq_class="Ranger")

    async def scenario(world: World) -> tuple[InteractionResult, Acknowledged]:
        watch.world = world
        shown = await world.officer.slash(world.channel, "raid tick", dump=sample(FIRST))
        preview = shown.response
        assert preview is not None
        confirmed = await acknowledged(watch, lambda: world.officer.click(preview, label="Confirm"))
        return shown, confirmed

    shown, confirmed = in_discord(guild, scenario)
    assert confirmed.callback == {"type": DEFERRED_UPDATE}
    assert confirmed.db_calls > 0
    assert confirmed.before_first_db_call
    assert shown.response is not None
    assert shown.response.content.startswith("Tick recorded: 54 characters, 10 points each.")
    assert RaidTick.objects.filter(source_name=FIRST).exists()
