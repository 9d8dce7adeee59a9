"""/raid tick in a simulated Discord server: an officer attaches raid dumps, previews, confirms or cancels."""

from __future__ import annotations

import discord
from simcord import InteractionResult, ResponseMessage

from dkp.bot import raids
from dkp.bot.core import db
from dkp.core.roles import RoleGroup
from dkp.points.models import UserPointsSummary
from dkp.raids.models import RaidTick
from dkp.raids.tests.samples import FIRST, GUILD, SECOND, counts, sample
from dkp.testing.personas import Guild, make_character, make_user
from dkp.testing.simcord_world import World, in_discord

MEMBER_REFUSED = "A member may not manage raids, ticks, auctions, loot, points, characters, users and roles."


def balance(user) -> int:
    return UserPointsSummary.objects.get(user=user, pool__name="Main").balance


def reply(result: InteractionResult) -> ResponseMessage:
    """The message the person sees in answer (a deferred reply's first follow-up is shown in its place)."""
    assert result.response is not None, result
    return result.response


def text(result: InteractionResult) -> str:
    return reply(result).content


def last_post(world: World) -> discord.Message:
    message = world.channel.last_message
    assert message is not None
    return message


def buttons(message) -> list[str]:
    """The labels of the buttons on a message (SimCord's reply JSON, or a discord.py Message)."""
    if isinstance(message, discord.Message):
        rows = [row for row in message.components if isinstance(row, discord.ActionRow)]
        return [str(getattr(child, "label", "")) for row in rows for child in row.children]
    return [c["label"] for row in message.components for c in row.get("components", [])]


def test_an_officer_confirms_a_dump_and_the_owners_present_are_credited(guild: Guild) -> None:
    make_character("Zelroso", owner=guild.good_member, eq_class="Ranger")  # Gwen's alt is in the dump
    before_gwen, before_pip = balance(guild.good_member), balance(guild.poor_member)
    ticks_before = RaidTick.objects.count()

    async def scenario(world: World):
        shown = await world.officer.slash(world.channel, "raid tick", dump=sample(FIRST))
        preview = text(shown)
        offered = buttons(reply(shown))
        await world.officer.click(reply(shown), label="Confirm")
        return shown, preview, offered

    shown, preview, offered = in_discord(guild, scenario)
    assert shown.ephemeral
    assert preview.startswith("**Tick preview** for Vex Thal ")
    assert f"(Main) #{guild.raid.pk}" in preview
    assert f"From {FIRST}" in preview
    assert "54 characters present: 1 of members, 0 unclaimed, 53 new." in preview
    assert "Each owner present gets 10 points." in preview
    assert "Nothing is saved until you press Confirm." in preview
    # The sample dump is weeks from this raid night's start: the warning stands above the button.
    assert "⚠ The tick time Thu Nov 12, 2026 20:03 (EST) is " in preview
    assert "Pressing Confirm on this message takes it into this raid night anyway." in preview
    assert offered == ["Confirm", "Cancel"]
    tick = RaidTick.objects.latest("pk")
    assert text(shown) == f"Tick recorded: 54 characters, 10 points each.\nhttp://dkp.test/raids/{guild.raid.pk}/"
    assert buttons(reply(shown)) == []  # nothing left to press twice
    assert RaidTick.objects.count() == ticks_before + 1
    assert tick.raid == guild.raid
    assert balance(guild.good_member) == before_gwen + 10
    assert balance(guild.poor_member) == before_pip


def test_two_dumps_and_a_chosen_value_make_one_tick(guild: Guild) -> None:
    make_character("Zelroso", owner=guild.good_member, eq_class="Ranger")
    before = balance(guild.good_member)

    async def scenario(world: World):
        shown = await world.officer.slash(
            world.channel, "raid tick", dump=sample(FIRST), dump2=sample(SECOND), raid=str(guild.raid.pk), value="3"
        )
        preview = text(shown)
        await world.officer.click(reply(shown), label="Confirm")
        return shown, preview

    shown, preview = in_discord(guild, scenario)
    assert "60 characters present" in preview
    assert "Each owner present gets 3 points." in preview
    assert text(shown).startswith("Tick recorded: 60 characters, 3 points each.")
    assert balance(guild.good_member) == before + 3


def test_cancel_records_nothing(guild: Guild) -> None:
    make_character("Zelroso", owner=guild.good_member, eq_class="Ranger")
    before, gwen = counts(), balance(guild.good_member)

    async def scenario(world: World):
        shown = await world.officer.slash(world.channel, "raid tick", dump=sample(FIRST))
        await world.officer.click(reply(shown), label="Cancel")
        return shown

    shown = in_discord(guild, scenario)
    assert text(shown) == "Cancelled; nothing was recorded."
    assert buttons(reply(shown)) == []
    assert counts() == before
    assert balance(guild.good_member) == gwen


def test_a_broken_dump_is_a_clear_error_and_records_nothing(guild: Guild) -> None:
    before = counts()
    name, data = sample(FIRST)
    broken = data.replace(b"\tRanger\t", b"\tSpellsword\t", 1)

    async def scenario(world: World):
        bad_line = await world.officer.slash(world.channel, "raid tick", dump=(name, broken))
        empty = await world.officer.slash(
            world.channel, "raid tick", dump=("RaidRoster_xegony-20261112-230000.txt", b"")
        )
        wrong_file = await world.officer.slash(world.channel, "raid tick", dump=sample(GUILD))
        return bad_line, empty, wrong_file

    bad_line, empty, wrong_file = in_discord(guild, scenario)
    for result in (bad_line, empty, wrong_file):
        assert result.ephemeral
        assert text(result).startswith("Nothing was recorded: these raid dumps can't make a tick.\n")
        assert buttons(reply(result)) == []
    assert f"{name}, line " in text(bad_line)
    assert "Spellsword" in text(bad_line)
    assert counts() == before


def test_the_same_dump_twice_is_refused_the_second_time(guild: Guild) -> None:
    async def scenario(world: World):
        first = await world.officer.slash(world.channel, "raid tick", dump=sample(FIRST))
        await world.officer.click(reply(first), label="Confirm")
        return await world.officer.slash(world.channel, "raid tick", dump=sample(FIRST))

    again = in_discord(guild, scenario)
    assert "This file was already taken for the tick of" in text(again)
    assert buttons(reply(again)) == []
    assert RaidTick.objects.filter(source_name=FIRST).count() == 1


def test_a_member_may_not_take_a_tick(guild: Guild) -> None:
    before = counts()

    async def scenario(world: World):
        member = await world.good_member.slash(world.channel, "raid tick", dump=sample(FIRST))
        applicant = await world.applicant.slash(world.channel, "raid tick", dump=sample(FIRST))
        choices = await world.good_member.autocomplete(world.channel, "raid tick", "raid", "")
        return member, applicant, choices

    member, applicant, choices = in_discord(guild, scenario)
    assert member.ephemeral
    assert text(member) == MEMBER_REFUSED
    assert text(applicant).startswith("An applicant may not manage raids")
    assert choices == []  # members are not offered raids to tick
    assert counts() == before


def test_an_unknown_raid_is_a_clear_error(guild: Guild) -> None:
    before = counts()

    async def scenario(world: World):
        return await world.officer.slash(world.channel, "raid tick", dump=sample(FIRST), raid="999999")

    result = in_discord(guild, scenario)
    assert result.ephemeral
    assert text(result) == "There is no raid night '999999'; pick one from the list."
    assert counts() == before


def test_officers_pick_the_raid_from_recent_raids(guild: Guild) -> None:
    async def scenario(world: World):
        every = await world.officer.autocomplete(world.channel, "raid tick", "raid", "")
        by_event = await world.officer.autocomplete(world.channel, "raid tick", "raid", "vex")
        none = await world.officer.autocomplete(world.channel, "raid tick", "raid", "Plane of Fear")
        return every, by_event, none

    every, by_event, none = in_discord(guild, scenario)
    assert [c["value"] for c in every] == [str(guild.raid.pk)]
    assert every[0]["name"].startswith("Vex Thal ")
    assert every[0]["name"].endswith(f"(Main) #{guild.raid.pk}")
    assert by_event == every
    assert none == []


def test_only_the_officer_who_uploaded_may_confirm(guild: Guild) -> None:
    make_character("Zelroso", owner=guild.good_member, eq_class="Ranger")
    before, gwen = counts(), balance(guild.good_member)

    def second_officer(discord_id: int) -> None:
        oona = make_user("oona", RoleGroup.OFFICER)
        oona.discord_id = str(discord_id)
        oona.save(update_fields=["discord_id"])

    async def scenario(world: World):
        # The preview is ephemeral (nobody else sees it), so the same view is posted where another officer can reach it.
        oona = world.server.add_member(world.env.create_user("oona", global_name="Oona"))
        await db(second_officer, oona.id)
        plan = await db(raids._plan, guild.officer, "", [sample(FIRST)], None)
        view = raids.TickConfirmView(officer_discord_id=world.officer.id, officer_name="Olwen", plan=plan)
        channel = world.bot.get_channel(world.channel.id)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send(raids.render_preview(plan), view=view)
        refused = await oona.click(message, label="Confirm")
        cancel_refused = await oona.click(message, label="Cancel")
        still_offered = buttons(last_post(world))
        after_refusal = await db(counts)
        await world.officer.click(message, label="Confirm")
        return refused, cancel_refused, still_offered, after_refusal, last_post(world).content

    refused, cancel_refused, still_offered, after_refusal, final = in_discord(guild, scenario)
    assert refused.ephemeral
    assert text(refused) == "Only Olwen, who uploaded these raid dumps, may confirm or cancel this tick."
    assert text(cancel_refused) == text(refused)
    assert still_offered == ["Confirm", "Cancel"]
    assert after_refusal == before
    assert final.startswith("Tick recorded: 54 characters, 10 points each.")
    assert balance(guild.good_member) == gwen + 10


def test_a_preview_left_alone_times_out_and_records_nothing(guild: Guild) -> None:
    before = counts()

    async def scenario(world: World):
        shown = await world.officer.slash(world.channel, "raid tick", dump=sample(FIRST))
        await world.env.advance_time(raids.PREVIEW_TIMEOUT + 1)
        return shown

    shown = in_discord(guild, scenario)
    assert text(shown) == "This preview timed out; nothing was recorded. Run /raid tick again."
    assert buttons(reply(shown)) == []
    assert counts() == before


def test_an_unexpected_failure_while_confirming_leaves_confirm_usable(guild: Guild, monkeypatch) -> None:
    make_character("Zelroso", owner=guild.good_member, eq_class="Ranger")
    before_gwen = balance(guild.good_member)
    real_confirm = raids._confirm
    failures: list[str] = []

    def confirm_failing_once(officer, plan):
        if not failures:
            failures.append("database went away")
            raise RuntimeError("database went away")
        return real_confirm(officer, plan)

    monkeypatch.setattr(raids, "_confirm", confirm_failing_once)

    async def scenario(world: World):
        shown = await world.officer.slash(world.channel, "raid tick", dump=sample(FIRST))
        failed = await world.officer.click(reply(shown), label="Confirm")
        still_offered = buttons(reply(shown))
        again = await world.officer.click(reply(shown), label="Confirm")
        return shown, failed, still_offered, again

    shown, failed, still_offered, again = in_discord(guild, scenario)
    [told] = failed.followups  # the click was deferred: the apology follows, to the officer only
    assert told.ephemeral
    assert told.content.startswith("Something went wrong on our side while recording the tick; press Confirm again")
    assert still_offered == ["Confirm", "Cancel"]  # not stuck on "already being recorded"
    assert not again.followups  # no "This tick is already being recorded."
    assert text(shown).startswith("Tick recorded: 54 characters, 10 points each.")
    assert balance(guild.good_member) == before_gwen + 10


def test_a_failed_confirm_does_not_keep_the_preview_past_its_fixed_deadline(guild: Guild, monkeypatch) -> None:
    """The preview ends 14 minutes after /raid tick, clicks or not: Discord's token lasts 15."""
    before = counts()

    def confirm_failing(officer, plan):
        raise RuntimeError("database went away")

    monkeypatch.setattr(raids, "_confirm", confirm_failing)

    async def scenario(world: World):
        shown = await world.officer.slash(world.channel, "raid tick", dump=sample(FIRST))
        await world.env.advance_time(10 * 60)
        failed = await world.officer.click(reply(shown), label="Confirm")  # at minute 10: fails, buttons stay
        still_offered = buttons(reply(shown))
        await world.env.advance_time(5 * 60)  # minute 15: a timeout restarted by the click would still run
        return shown, failed, still_offered

    shown, failed, still_offered = in_discord(guild, scenario)
    assert failed.followups[0].content.startswith("Something went wrong on our side while recording the tick")
    assert still_offered == ["Confirm", "Cancel"]
    assert text(shown) == "This preview timed out; nothing was recorded. Run /raid tick again."
    assert buttons(reply(shown)) == []
    assert counts() == before
