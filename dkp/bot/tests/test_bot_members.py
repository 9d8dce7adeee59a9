"""/dkp, /standings, /attendance and /characters in a simulated Discord server, as the personas use them."""

from __future__ import annotations

import pytest

from dkp.bot.core import db
from dkp.characters.models import CharacterTag
from dkp.core.models import GuildSettings
from dkp.loot.services import open_auction, place_bid
from dkp.points.models import DkpPool, UserPointsSummary
from dkp.raids.attendance import refresh_attendance_summaries
from dkp.testing.personas import Guild, make_character, make_user
from dkp.testing.simcord_world import World, in_discord

NOT_SIGNED_UP = "You have no EQ DKP account yet"
GUEST_REFUSED = "A guest may not view standings, raids and loot."


@pytest.fixture
def members(guild: Guild) -> Guild:
    """The personas with their attendance summaries computed (Gwen 9 of 10 ticks, Pip 1 of 10)."""
    refresh_attendance_summaries()
    return guild


def make_standings_public() -> None:
    GuildSettings.objects.update_or_create(pk=1, defaults={"standings_public": True})


def text(result) -> str:
    """What the person sees: the reply (a deferred reply's first follow-up is shown in its place)."""
    assert result.response is not None, result
    return result.response.content


# --- /dkp --------------------------------------------------------------------------------------------


def test_dkp_shows_your_own_balance_available_and_attendance_privately(members: Guild) -> None:
    async def scenario(world: World):
        return await world.good_member.slash(world.channel, "dkp")

    result = in_discord(members, scenario)
    assert result.ephemeral
    reply = text(result)
    assert reply.startswith("**Gwen** — DKP")
    assert "**Main**: 90 points, 90 available" in reply
    assert "earned 90 · spent 0" in reply
    assert "30 days 90% (9/10)" in reply
    assert "lifetime 100% (9/9)" in reply  # lifetime counts from her first tick


def test_dkp_available_balance_leaves_out_what_live_bids_hold(members: Guild) -> None:
    def bid_on_two_auctions() -> None:
        first = open_auction(item="Cloak of Flames", pool=members.pool, actor=members.officer)
        open_auction(item="Ring of the Ancients", pool=members.pool, actor=members.officer)
        place_bid(auction_id=first.pk, user=members.good_member, amount=25, channel="web")

    bid_on_two_auctions()

    async def scenario(world: World):
        return await world.good_member.slash(world.channel, "dkp")

    assert "**Main**: 90 points, 65 available (25 held by live bids)" in text(in_discord(members, scenario))


def test_a_member_looks_up_another_members_points(members: Guild) -> None:
    async def scenario(world: World):
        return await world.good_member.slash(world.channel, "dkp", member=world.poor_member)

    result = in_discord(members, scenario)
    assert result.ephemeral
    assert text(result).startswith("**Pip** — DKP")
    assert "**Main**: 10 points\n" in text(result)  # what Pip may still bid is Pip's own business
    assert "available" not in text(result)
    assert "30 days 10% (1/10)" in text(result)


def test_another_members_dkp_does_not_give_away_their_sealed_bids(members: Guild) -> None:
    auction = open_auction(item="Cloak of Flames", pool=members.pool, actor=members.officer)
    place_bid(auction_id=auction.pk, user=members.good_member, amount=25, channel="web")

    async def scenario(world: World):
        by_member = await world.poor_member.slash(world.channel, "dkp", member=world.good_member)
        by_recruiter = await world.recruiter.slash(world.channel, "dkp", member=world.good_member)
        by_herself = await world.good_member.slash(world.channel, "dkp", member=world.good_member)
        by_officer = await world.officer.slash(world.channel, "dkp", member=world.good_member)
        return by_member, by_recruiter, by_herself, by_officer

    by_member, by_recruiter, by_herself, by_officer = in_discord(members, scenario)
    for result in (by_member, by_recruiter):
        assert text(result).startswith("**Gwen** — DKP\n**Main**: 90 points\n")
        assert "available" not in text(result)
        assert "held" not in text(result)
        assert "25" not in text(result)
    for result in (by_herself, by_officer):
        assert "**Main**: 90 points, 65 available (25 held by live bids)" in text(result)


def test_a_guest_sees_their_own_numbers_but_not_a_members_unless_standings_are_public(members: Guild) -> None:
    async def scenario(world: World):
        own = await world.guest.slash(world.channel, "dkp")
        other = await world.guest.slash(world.channel, "dkp", member=world.good_member)
        await db(make_standings_public)
        public = await world.guest.slash(world.channel, "dkp", member=world.good_member)
        return own, other, public

    own, other, public = in_discord(members, scenario)
    assert text(own).startswith("**Gus** — DKP")
    assert "No points yet" in text(own)
    assert other.ephemeral
    assert text(other) == GUEST_REFUSED
    assert "**Main**: 90 points" in text(public)


def test_dkp_about_or_by_someone_who_never_signed_in_says_so(members: Guild) -> None:
    async def scenario(world: World):
        stranger = world.server.add_member(world.env.create_user("stranger", global_name="Stranger"))
        about = await world.good_member.slash(world.channel, "dkp", member=stranger)
        by = await stranger.slash(world.channel, "dkp")
        return about, by

    about, by = in_discord(members, scenario)
    assert text(about) == "Stranger has no EQ DKP account: they have never signed in with Discord."
    assert about.ephemeral
    assert text(by).startswith(NOT_SIGNED_UP)
    assert "http://dkp.test/" in text(by)
    assert by.ephemeral


# --- /standings --------------------------------------------------------------------------------------


def test_standings_list_the_pool_by_balance_with_attendance_and_a_link(members: Guild) -> None:
    async def scenario(world: World):
        return await world.good_member.slash(world.channel, "standings")

    result = in_discord(members, scenario)
    assert result.ephemeral
    lines = text(result).splitlines()
    assert lines[0] == "**Main standings** (5 members; balance, 30-day attendance)"
    assert lines[1:4] == [
        "1. Dev — Devraxx (Wizard) — 100 pts, 100%",
        "2. Olwen — Olwenna (Cleric) — 100 pts, 100%",
        "3. Rhea — Rheanor (Enchanter) — 100 pts, 100%",
    ]
    assert lines[4] == "4. Gwen — Gwendolyn (Warrior) — 90 pts, 90%"
    assert lines[5] == "5. Pip — Pipperel (Rogue) — 10 pts, 10%"
    assert lines[6] == f"Full standings: http://dkp.test/?pool={members.pool.pk}"


def test_standings_filter_by_class_and_pick_a_pool_by_name(members: Guild) -> None:
    DkpPool.objects.create(name="Legacy")

    async def scenario(world: World):
        warriors = await world.good_member.slash(world.channel, "standings", **{"class": "Warrior"})
        legacy = await world.good_member.slash(world.channel, "standings", pool="legacy")
        choices = await world.good_member.autocomplete(world.channel, "standings", "pool", "leg")
        return warriors, legacy, choices

    warriors, legacy, choices = in_discord(members, scenario)
    lines = text(warriors).splitlines()
    assert lines[0] == "**Main standings** — Warrior (1 members; balance, 30-day attendance)"
    assert lines[1] == "1. Gwen — Gwendolyn (Warrior) — 90 pts, 90%"
    assert lines[2] == f"Full standings: http://dkp.test/?pool={members.pool.pk}&class=Warrior"
    assert "Nobody has points in this pool yet." in text(legacy)
    assert [choice["value"] for choice in choices] == ["Legacy"]


def test_the_pool_list_is_offered_only_to_those_who_may_see_the_standings(members: Guild) -> None:
    async def scenario(world: World):
        stranger = world.server.add_member(world.env.create_user("stranger"))
        private = [
            await person.autocomplete(world.channel, "standings", "pool", "")
            for person in (world.guest, world.applicant, stranger)
        ]
        member = await world.poor_member.autocomplete(world.channel, "standings", "pool", "")
        await db(make_standings_public)
        public = await world.guest.autocomplete(world.channel, "standings", "pool", "")
        return private, member, public

    private, member, public = in_discord(members, scenario)
    assert private == [[], [], []]
    assert [choice["value"] for choice in member] == ["Main"]
    assert public == member


def test_standings_of_an_unknown_pool_name_the_pools_there_are(members: Guild) -> None:
    async def scenario(world: World):
        return await world.good_member.slash(world.channel, "standings", pool="Nope")

    result = in_discord(members, scenario)
    assert result.ephemeral
    assert text(result) == "There is no pool named 'Nope'; the pools are: Main."


def test_standings_are_refused_to_guests_unless_the_guild_makes_them_public(members: Guild) -> None:
    async def scenario(world: World):
        refused = await world.guest.slash(world.channel, "standings")
        stranger = world.server.add_member(world.env.create_user("stranger"))
        stranger_refused = await stranger.slash(world.channel, "standings")
        await db(make_standings_public)
        allowed = await world.applicant.slash(world.channel, "standings")
        return refused, stranger_refused, allowed

    refused, stranger_refused, allowed = in_discord(members, scenario)
    assert text(refused) == GUEST_REFUSED
    assert refused.ephemeral
    assert text(stranger_refused) == GUEST_REFUSED
    assert "4. Gwen — Gwendolyn (Warrior) — 90 pts, 90%" in text(allowed)


# --- /attendance -------------------------------------------------------------------------------------


def test_attendance_shows_every_window_overall_and_per_pool(members: Guild) -> None:
    async def scenario(world: World):
        own = await world.poor_member.slash(world.channel, "attendance")
        other = await world.officer.slash(world.channel, "attendance", member=world.good_member)
        return own, other

    own, other = in_discord(members, scenario)
    assert own.ephemeral
    assert text(own).splitlines() == [
        "**Pip** — attendance (ticks attended/held)",
        "**All pools**: 30 days 10% (1/10) · 60 days 10% (1/10) · 90 days 10% (1/10) · lifetime 10% (1/10)",
        "**Main**: 30 days 10% (1/10) · 60 days 10% (1/10) · 90 days 10% (1/10) · lifetime 10% (1/10)",
    ]
    assert "**Main**: 30 days 90% (9/10)" in text(other)


def test_attendance_of_someone_with_none_and_a_guest_looking_up_a_member(members: Guild) -> None:
    async def scenario(world: World):
        none = await world.applicant.slash(world.channel, "attendance")
        refused = await world.guest.slash(world.channel, "attendance", member=world.good_member)
        return none, refused

    none, refused = in_discord(members, scenario)
    assert text(none) == "**Abe** — attendance (ticks attended/held)\nNo attendance recorded yet."
    assert text(refused) == GUEST_REFUSED


# --- /characters -------------------------------------------------------------------------------------


def test_characters_list_class_level_and_main_alt_box(members: Guild) -> None:
    alt = make_character("Gwenalt", owner=members.good_member, eq_class="Cleric", level=60)
    alt.tag = CharacterTag.ALT
    alt.save()
    boxed = make_character("Boxbot", owner=members.good_member, eq_class="Enchanter", level=50)
    boxed.tag = CharacterTag.BOX
    boxed.is_active = False
    boxed.save()

    async def scenario(world: World):
        own = await world.good_member.slash(world.channel, "characters")
        by_officer = await world.officer.slash(world.channel, "characters", member=world.good_member)
        none = await world.guest.slash(world.channel, "characters")
        refused = await world.guest.slash(world.channel, "characters", member=world.good_member)
        return own, by_officer, none, refused

    own, by_officer, none, refused = in_discord(members, scenario)
    assert own.ephemeral
    assert text(own).splitlines() == [
        "**Gwen** — characters",
        "• Gwendolyn — level 65 Warrior, main",
        "• Gwenalt — level 60 Cleric, alt",
        "• Boxbot — level 50 Enchanter, box (inactive)",
    ]
    assert text(by_officer) == text(own)
    assert (
        text(none) == "**Gus** — characters\nNo characters yet; claim yours at http://dkp.test/characters/?unclaimed=1"
    )
    assert text(refused) == GUEST_REFUSED


def test_standings_show_the_top_25_of_a_large_pool_within_discords_limit(members: Guild) -> None:
    for number in range(30):
        user = make_user(f"raider{number:02d}")
        user.display_name = f"Raider With A Rather Long Name {number:02d}"
        user.save(update_fields=["display_name"])
        UserPointsSummary.objects.create(user=user, pool=members.pool, earned=50, balance=50, lifetime_earned=50)

    async def scenario(world: World):
        return await world.good_member.slash(world.channel, "standings")

    lines = text(in_discord(members, scenario)).splitlines()
    assert lines[0] == "**Main standings** (top 25 of 35; balance, 30-day attendance)"
    assert lines[4] == "4. Gwen — Gwendolyn (Warrior) — 90 pts, 90%"
    assert lines[5] == "5. Raider With A Rather Long Name… — no main — 50 pts, 0%"  # names are cut to fit
    assert len(lines) == 27
    assert lines[-1] == f"Full standings: http://dkp.test/?pool={members.pool.pk}"
    assert len("\n".join(lines)) <= 2000


@pytest.mark.parametrize("command", ["dkp", "attendance", "characters"])
def test_looking_up_someone_who_never_signed_in_says_so(members: Guild, command: str) -> None:
    async def scenario(world: World):
        stranger = world.server.add_member(world.env.create_user("stranger", global_name="Stranger"))
        return await world.officer.slash(world.channel, command, member=stranger)

    result = in_discord(members, scenario)
    assert result.ephemeral
    assert text(result) == "Stranger has no EQ DKP account: they have never signed in with Discord."


def test_standings_of_500_members_say_how_many_rows_they_really_show(members: Guild) -> None:
    import re

    from dkp.accounts.models import User

    users = User.objects.bulk_create(
        User(
            username=f"raider{number:03d}",
            discord_id=str(700_000_000_000_000 + number),
            display_name=f"Raider With A Rather Long Name {number:03d}",
        )
        for number in range(500)
    )
    UserPointsSummary.objects.bulk_create(
        UserPointsSummary(user=user, pool=members.pool, earned=1000 - n, balance=1000 - n, lifetime_earned=1000 - n)
        for n, user in enumerate(users)
    )
    for n, user in enumerate(users[:25]):
        make_character(f"Knightofvex{chr(97 + n)}", owner=user, eq_class="Shadow Knight")

    async def scenario(world: World):
        return await world.good_member.slash(world.channel, "standings")

    answer = text(in_discord(members, scenario))
    lines = answer.splitlines()
    head = re.fullmatch(r"\*\*Main standings\*\* \(top (\d+) of (\d+); balance, 30-day attendance\)", lines[0])
    assert head is not None, lines[0]
    rows = [line for line in lines if re.match(r"\d+\. ", line)]
    assert int(head[1]) == len(rows) < 25  # the rows that fit, and the head says so
    assert int(head[2]) == UserPointsSummary.objects.filter(pool=members.pool).count() >= 500
    assert rows[0] == "1. Raider With A Rather Long Name… — Knightofvexa (Shadow Knight) — 1000 pts, 0%"
    assert lines[-1] == f"Full standings: http://dkp.test/?pool={members.pool.pk}"
    assert len(answer) <= 2000
