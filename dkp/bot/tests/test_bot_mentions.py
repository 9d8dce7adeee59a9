"""No mention storms: whatever a name or a reason holds, the bot's messages ping nobody."""

from __future__ import annotations

from dkp.bot.core import db
from dkp.bot.tests.test_bot_auctions import _latest_auction_id, post_of, said
from dkp.testing.personas import Guild
from dkp.testing.simcord_world import World, in_discord

PINGS = "@everyone @here <@&123> <@456>"


def _writes(world: World) -> list[dict]:
    """Every message body the bot sent or edited: posts, edits, replies and follow-ups."""
    return [
        request.json
        for request in world.env.http_requests
        if request.method in ("POST", "PATCH")
        and isinstance(request.json, dict)
        and ("content" in request.json or "content" in (request.json.get("data") or {}))
    ]


def _allowed(body: dict) -> object:
    return (body.get("data") or body).get("allowed_mentions")


def test_an_item_named_like_mentions_is_posted_and_closed_pinging_nobody(guild: Guild) -> None:
    async def scenario(world: World):
        started = await world.officer.slash(world.channel, "auction start", item=PINGS)
        auction_id = await db(_latest_auction_id)
        cancelled = await world.officer.slash(world.channel, "auction cancel", auction=str(auction_id), reason=PINGS)
        return started, cancelled, await post_of(world, auction_id), _writes(world)

    started, cancelled, post, writes = in_discord(guild, scenario)
    assert "<@&123> <@456>" in said(started)
    assert "is cancelled; nobody pays." in said(cancelled)
    assert "<@&123> <@456>" in post.content
    assert len(writes) >= 4  # the post, its edit, and the officer's two answers
    assert all(_allowed(body) == {"parse": []} for body in writes), writes
    assert not post.mention_everyone
    assert not post.mentions
    assert not post.role_mentions
