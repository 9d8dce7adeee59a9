"""Who may call the loot endpoints: collected by dkp/core/tests/test_api_matrix.py.

The matrix's detail routes act on an item, an open auction of it in the guild's pool, and a
direct award of it to Gwen (the matrix's "member"). Bidding and withdrawing let every signed-in
user through the door: the bid service refuses guests and applicants itself (403), so that the
refusal is written to the bid history like any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from dkp.loot.models import Auction, Item, LootDistribution
from dkp.testing.personas import Guild

EVERYONE_SIGNED_IN = frozenset({"guest", "applicant", "member", "recruiter", "developer", "officer"})
MEMBERS = frozenset({"member", "recruiter", "developer", "officer"})
OFFICERS = frozenset({"officer"})

RULES: dict[tuple[str, str], frozenset[str]] = {
    ("item-list", "GET"): MEMBERS,
    ("item-detail", "GET"): MEMBERS,
    ("item-price-history", "GET"): MEMBERS,
    ("auction-list", "GET"): MEMBERS,
    ("auction-list", "POST"): OFFICERS,
    ("auction-detail", "GET"): MEMBERS,
    ("auction-bid", "POST"): MEMBERS,
    ("auction-withdraw", "POST"): MEMBERS,
    ("auction-history", "GET"): MEMBERS,  # officers read every row, a bidder their own
    ("auction-close", "POST"): OFFICERS,
    ("auction-extend", "POST"): OFFICERS,
    ("auction-cancel", "POST"): OFFICERS,
    ("auction-game-bid", "POST"): OFFICERS,  # a tell relayed from the game by the loot master's tool
    ("loot-list", "GET"): MEMBERS,
    ("loot-list", "POST"): OFFICERS,
    ("loot-detail", "GET"): MEMBERS,
    ("loot-reverse", "POST"): OFFICERS,
    ("loot-reaward", "POST"): OFFICERS,
}


def _item() -> Item:
    return Item.objects.get_or_create(name="Cloak of Flames")[0]


def _open_auction(guild: Guild, fixtures: dict[str, Any]) -> int:
    now = timezone.now()
    return Auction.objects.create(
        item=_item(),
        pool=guild.pool,
        opened_by=guild.officer,
        opened_at=now,
        closes_at=now + dt.timedelta(minutes=10),
        rules=guild.pool.auction_rules(),
    ).pk


def _gwens_award(guild: Guild, fixtures: dict[str, Any]) -> int:
    return LootDistribution.objects.create(
        pool=guild.pool,
        item=_item(),
        user=guild.good_member,
        character_name="Gwendolyn",
        price=0,
        awarded_by=guild.officer,
        awarded_at=timezone.now(),
    ).pk


PKS: dict[str, Callable[[Guild, dict[str, Any]], int]] = {
    "item": lambda guild, fixtures: _item().pk,
    "item-price": lambda guild, fixtures: _item().pk,  # "item-price-history" splits at its last dash
    "auction": _open_auction,
    "loot": _gwens_award,
}
