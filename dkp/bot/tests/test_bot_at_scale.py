"""The bot in a 500-member guild, where its answers are longest: standings, points, a big tick, a 100-copy auction.

Every payload the bot sends here goes through the Discord limits check (``dkp/testing/discord_limits.py``,
on for every test in ``dkp/bot``), so a test fails at teardown if an answer or a post breaks one of
Discord's limits. The tests themselves check what a member reads where a list is trimmed: the true
counts ("top 25 of 504"), "and N more", and how many people won.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.utils import timezone

from dkp.accounts.models import User
from dkp.bot.auctions import EDIT_SECONDS, TIMES, TRAILING_SECONDS, refresh_auction_posts
from dkp.bot.core import db
from dkp.bot.raids import LISTED_NAMES
from dkp.characters.models import Character, CharacterOwnership, EqClass
from dkp.core.models import GuildSettings
from dkp.core.roles import RoleGroup
from dkp.discord import limits
from dkp.loot import services
from dkp.loot.models import Auction, AuctionStatus, ItemBid, LootDistribution
from dkp.points.models import DkpPool, UserPointsSummary
from dkp.raids.models import RaidTick
from dkp.testing.personas import Guild
from dkp.testing.simcord_world import World, in_discord

pytestmark = pytest.mark.discord_limits  # on already for dkp/bot; said here because it is the point

MEMBERS = 500
POOLS = ("Legacy", "Classic Era", "Planes of Power")  # besides the personas' Main
LETTERS = "abcdefghijklmnopqrstuvwxyz"
CLASSES = [choice for choice, _ in EqClass.choices if choice]


def character_name(number: int, prefix: str = "Scale") -> str:
    """A valid EverQuest name for the ``number``-th of a crowd: ``Scaleaaa``, ``Scaleaab``…"""
    return prefix + LETTERS[number // 676 % 26] + LETTERS[number // 26 % 26] + LETTERS[number % 26]


@dataclass
class Crowd:
    guild: Guild
    members: list[User]  # the 500, best balance first in every pool
    pools: list[DkpPool]  # Main and the three others


def _crowd(guild: Guild) -> Crowd:
    """500 members with a main each and points in four pools, written in a few bulk inserts."""
    now = timezone.now()
    pools = [guild.pool, *DkpPool.objects.bulk_create(DkpPool(name=name) for name in POOLS)]
    members = User.objects.bulk_create(
        User(
            username=f"scale{number:03d}",
            discord_username=f"scale{number:03d}",
            display_name=f"Raider With A Rather Long Name {number:03d}",
            role_group=RoleGroup.MEMBER,
        )
        for number in range(MEMBERS)
    )
    mains = Character.objects.bulk_create(
        Character(name=character_name(number), eq_class=CLASSES[number % len(CLASSES)], level=65, owner=user)
        for number, user in enumerate(members)
    )
    CharacterOwnership.objects.bulk_create(
        CharacterOwnership(character=main, user=user, started_at=now, reason="test setup")
        for main, user in zip(mains, members, strict=True)
    )
    for user, main in zip(members, mains, strict=True):
        user.main_character = main
    User.objects.bulk_update(members, ["main_character"])
    UserPointsSummary.objects.bulk_create(
        UserPointsSummary(user=user, pool=pool, earned=2000 - n, balance=2000 - n, lifetime_earned=2000 - n)
        for pool in pools
        for n, user in enumerate(members)
    )
    return Crowd(guild=guild, members=members, pools=pools)


@pytest.fixture
def crowd(guild: Guild) -> Crowd:
    return _crowd(guild)


def text(result) -> str:
    """Everything the bot answered to one interaction, as the person saw it."""
    messages = [*([result.response] if result.response is not None else []), *result.followups]
    return "\n".join(message.content for message in messages)


def _link(pairs: list[tuple[int, int]]) -> None:
    for user_id, discord_id in pairs:
        User.objects.filter(pk=user_id).update(discord_id=str(discord_id))


async def join(world: World, users: list[User]) -> list:
    """The users as members of the Discord server, their accounts linked as a Discord sign-in links them."""
    handles = [(user, world.env.create_user(user.username, global_name=user.display_name)) for user in users]
    await db(_link, [(user.pk, handle.id) for user, handle in handles])
    return [world.server.add_member(handle) for _, handle in handles]


# --- /standings and /dkp ---------------------------------------------------------------------------


def test_standings_of_every_pool_of_a_500_member_guild_show_the_rows_that_fit_and_the_true_count(crowd):
    async def scenario(world: World):
        return [await world.good_member.slash(world.channel, "standings", pool=pool.name) for pool in crowd.pools]

    answers = [text(result) for result in in_discord(crowd.guild, scenario)]
    total = {pool.name: UserPointsSummary.objects.filter(pool=pool).count() for pool in crowd.pools}
    assert total["Main"] == MEMBERS + 5
    assert total["Legacy"] == MEMBERS
    for pool, answer in zip(crowd.pools, answers, strict=True):
        assert len(answer) <= limits.CONTENT
        lines = answer.splitlines()
        head = re.fullmatch(
            rf"\*\*{re.escape(pool.name)} standings\*\* \(top (\d+) of (\d+); balance, 30-day attendance\)", lines[0]
        )
        assert head is not None, lines[0]
        rows = [line for line in lines if re.match(r"\d+\. ", line)]
        assert 10 <= int(head[1]) == len(rows) <= 25  # the head counts the rows really shown
        assert int(head[2]) == total[pool.name]
        assert rows[0] == "1. Raider With A Rather Long Name… — Scaleaaa (Bard) — 2000 pts, 0%"
        assert rows[-1].startswith(f"{len(rows)}. Raider With A Rather Long Name… — {character_name(len(rows) - 1)} ")
        assert lines[-1] == f"Full standings: http://dkp.test/?pool={pool.pk}"


def test_standings_of_one_class_count_that_class(crowd):
    async def scenario(world: World):
        return await world.good_member.slash(world.channel, "standings", pool="Legacy", **{"class": "Warrior"})

    answer = text(in_discord(crowd.guild, scenario))
    warriors = sum(1 for number in range(MEMBERS) if CLASSES[number % len(CLASSES)] == "Warrior")
    head = re.fullmatch(r"\*\*Legacy standings\*\* — Warrior \(top (\d+) of (\d+); .*\)", answer.splitlines()[0])
    assert head is not None, answer.splitlines()[0]
    assert int(head[2]) == warriors
    assert all(" (Warrior) — " in line for line in answer.splitlines() if re.match(r"\d+\. ", line))
    assert len(answer) <= limits.CONTENT


def test_dkp_of_a_member_in_every_pool_lists_each_pool(crowd):
    member = crowd.members[0]

    async def scenario(world: World):
        (them,) = await join(world, [member])
        own = await them.slash(world.channel, "dkp")
        looked_up = await world.good_member.slash(world.channel, "dkp", member=them)
        return own, looked_up

    own, looked_up = (text(result) for result in in_discord(crowd.guild, scenario))
    for answer in (own, looked_up):
        assert answer.startswith("**Raider With A Rather Long Name 000** — DKP")
        for pool in crowd.pools:
            assert f"**{pool.name}**: 2000 points" in answer
        assert len(answer) <= limits.CONTENT
    assert "2000 available" in own
    assert "available" not in looked_up  # another member's live bids are theirs


# --- /raid tick with three full raid dumps ------------------------------------------------------------


def dump(rows: list[tuple[str, str]]) -> bytes:
    """A raid dump as the client writes it: group, name, level, class, rank, two empty columns, looter."""
    lines = [
        f"{index // 6 % 12 + 1}\t{name}\t65\t{eq_class}\t{'Raid Leader' if index == 0 else ''}\t\t\t"
        f"{'Yes' if index == 0 else 'No'}\t"
        for index, (name, eq_class) in enumerate(rows)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_a_full_raid_in_three_dumps_previews_counts_and_names_the_first_ten(crowd):
    """A full raid (72 characters, EverQuest's most) in three windows' dumps, 35 of them in two dumps."""
    unclaimed = Character.objects.bulk_create(
        Character(name=character_name(number, "Lost"), eq_class="Cleric", level=65) for number in range(12)
    )
    mains = [(m.main_character.name, m.main_character.eq_class) for m in crowd.members[:36]]
    lost = [(character.name, "Cleric") for character in unclaimed]
    new = [(character_name(number, "Fresh"), "Monk") for number in range(24)]
    name = "RaidRoster_xegony-20261112-200312.txt"
    first, second, third = dump(mains + lost + new), dump(mains[:20]), dump(new[:15])
    ticks = RaidTick.objects.count()

    async def scenario(world: World):
        shown = await world.officer.slash(
            world.channel,
            "raid tick",
            dump=(name, first),
            dump2=(name.replace(".txt", "-2.txt"), second),
            dump3=(name.replace(".txt", "-3.txt"), third),
            raid=str(crowd.guild.raid.pk),
        )
        preview = text(shown)
        assert shown.response is not None
        await world.officer.click(shown.response, label="Confirm")
        return preview, text(shown)

    preview, after = in_discord(crowd.guild, scenario)
    assert len(preview) <= limits.CONTENT
    assert "72 characters present: 36 of members, 12 unclaimed, 24 new." in preview, preview
    new_names = re.search(r"New \(added as unclaimed characters\): ((?:Fresh\w+, )*Fresh\w+) and (\d+) more", preview)
    assert new_names is not None, preview
    assert len(new_names[1].split(", ")) == LISTED_NAMES
    assert int(new_names[2]) == 24 - LISTED_NAMES
    lost_names = re.search(r"Unclaimed \(credited when claimed\): ((?:Lost\w+, )*Lost\w+) and (\d+) more", preview)
    assert lost_names is not None, preview
    assert len(lost_names[1].split(", ")) == LISTED_NAMES
    assert int(lost_names[2]) == 12 - LISTED_NAMES
    twice = re.search(r"Listed more than once \(counted once\): ((?:\w+, )*\w+) and (\d+) more", preview)
    assert twice is not None, preview
    assert len(twice[1].split(", ")) == LISTED_NAMES
    assert int(twice[2]) == 35 - LISTED_NAMES
    assert after.startswith("Tick recorded: 72 characters, 10 points each.")
    assert RaidTick.objects.count() == ticks + 1
    balances = UserPointsSummary.objects.filter(pool=crowd.guild.pool, user__in=crowd.members[35:37])
    assert sorted(balances.values_list("balance", flat=True)) == [1964, 1965 + 10]  # the 36th was there, the 37th not


# --- a 100-copy auction with 100 bidders -----------------------------------------------------------


def _open_for_a_hundred(guild: Guild, channel_id: int) -> int:
    settings = GuildSettings.load()
    settings.discord_auction_channel_id = str(channel_id)
    settings.save()
    return services.open_auction(item="Cloak of Flames", pool=guild.pool, actor=guild.officer, quantity=100).pk


def _post_id(auction_id: int) -> str:
    return Auction.objects.get(pk=auction_id).discord_message_id


async def post_of(world: World, auction_id: int):
    message_id = await db(_post_id, auction_id)
    for message in world.channel.history():
        if str(message.id) == message_id:
            return message
    raise AssertionError(f"no post {message_id} in #raid")


def test_a_100_copy_auction_bid_on_by_100_members_through_the_bid_form_and_closed(crowd):
    bidders = crowd.members[:100]

    async def scenario(world: World):
        auction_id = await db(_open_for_a_hundred, crowd.guild, world.channel.id)
        await refresh_auction_posts(world.bot)
        answers = []
        for number, member in enumerate(await join(world, bidders)):
            form = await member.click(await post_of(world, auction_id), label="Bid")
            answers.append(text(await member.submit_modal(form, {"amount": str(10 + number)})))
        # A post rests after each edit; its trailing edit shows the last state.
        await world.env.advance_time(EDIT_SECONDS + TRAILING_SECONDS)
        await refresh_auction_posts(world.bot)
        open_post = (await post_of(world, auction_id)).content
        closed = await world.officer.slash(world.channel, "auction close", auction=str(auction_id))
        await world.env.advance_time(EDIT_SECONDS + TRAILING_SECONDS)
        return auction_id, answers, open_post, text(closed), (await post_of(world, auction_id)).content

    auction_id, answers, open_post, closed, closed_post = in_discord(crowd.guild, scenario)
    assert answers[0] == (
        f"Your bid of 10 points on Cloak of Flames (#{auction_id}) for Scaleaaa (main) is in. "
        "You have 1990 points available in Main after it."
    )
    assert all(f"(#{auction_id}) for {character_name(n)} (main) is in." in a for n, a in enumerate(answers))
    stored = dict(ItemBid.objects.filter(auction_id=auction_id).values_list("character_name", "amount"))
    assert stored == {character_name(number): 10 + number for number in range(100)}

    assert f"**Auction #{auction_id}**: **Cloak of Flames** {TIMES}100" in open_post
    assert "· 100 bidders" in open_post
    assert len(open_post) <= limits.CONTENT

    assert len(closed) <= limits.CONTENT
    assert closed.startswith(f"Auction #{auction_id} (Cloak of Flames) is closed. Won by ")
    hidden = re.search(r" and (\d+) more\.$", closed)
    assert hidden is not None, closed[-80:]
    assert closed.count(" for ") + int(hidden[1]) == 100  # every winner is named or counted

    assert len(closed_post) <= limits.CONTENT
    assert "· 100 bidders" in closed_post
    more = re.search(r"… and (\d+) more winners \(all on the auction's web page\)", closed_post)
    assert more is not None, closed_post[-200:]
    assert closed_post.count("Won by **") + int(more[1]) == 100
    assert Auction.objects.get(pk=auction_id).status == AuctionStatus.AWARDED
    assert LootDistribution.objects.filter(auction_id=auction_id).count() == 100


def _open_bids_by_a_hundred(crowd: Crowd, channel_id: int) -> int:
    legacy = crowd.pools[1]
    legacy.visibility = "open"
    legacy.save(update_fields=["visibility"])
    settings = GuildSettings.load()
    settings.discord_auction_channel_id = str(channel_id)
    settings.save()
    auction = services.open_auction(item="Cloak of Flames", pool=legacy, actor=crowd.guild.officer, quantity=100)
    for number, user in enumerate(crowd.members[:100]):
        services.place_bid(auction_id=auction.pk, user=user, amount=10 + number, channel="web")
    return auction.pk


def test_the_post_of_an_open_bid_auction_with_100_bids_shows_the_best_and_counts_the_rest(crowd):
    async def scenario(world: World):
        auction_id = await db(_open_bids_by_a_hundred, crowd, world.channel.id)
        await refresh_auction_posts(world.bot)
        return (await post_of(world, auction_id)).content

    post = in_discord(crowd.guild, scenario)
    assert len(post) <= limits.CONTENT
    assert "Pool: Legacy · open bids" in post
    assert "· 100 bidders" in post
    bids = re.search(r"^Bids: (.*) and (\d+) more$", post, re.MULTILINE)
    assert bids is not None, post
    shown = bids[1].split(", ")
    assert len(shown) + int(bids[2]) == 100
    assert shown[0] == f"{character_name(99)} 109"  # the best bid first
