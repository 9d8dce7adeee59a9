"""Loot from another tool's history, written as it happened (``dkp.switching`` calls this).

Each award is a Loot Distribution with its ledger charge, like an officer's direct award, except
that the past is taken as it was: the price is not held against the balance the winner had then
(the other tool may have allowed a balance below zero). An item given for nothing keeps its row
and moves no points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models.functions import Lower

from dkp.core.errors import InvalidInput
from dkp.core.time import require_game_time
from dkp.loot.models import Item, LootDistribution
from dkp.loot.services.parsing import PRICE
from dkp.points.models import EntryKind
from dkp.points.services import Cause, PastEntry, record_past_entries

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.points.models import DkpPool, PointEntry
    from dkp.raids.models import Raid


@dataclass(frozen=True)
class PastAward:
    user: User
    pool: DkpPool
    item_name: str
    character_name: str
    price: int
    awarded_at: dt.datetime
    raid: Raid | None = None
    eq_item_id: int | None = None
    source_ref: str = ""  # the other tool's name for the award, kept in the charge's memo


def items_named(names: Sequence[tuple[str, int | None]]) -> dict[str, Item]:
    """The items of these names (any case) by lower-case name, the missing ones created at once."""
    wanted: dict[str, tuple[str, int | None]] = {}
    for name, eq_item_id in names:
        clean = " ".join((name or "").split())[:120]
        if not clean:
            raise InvalidInput("An item needs a name.", code="item_name_required")
        wanted.setdefault(clean.lower(), (clean, eq_item_id))
    existing = Item.objects.alias(lname=Lower("name")).filter(lname__in=list(wanted))
    found: dict[str, Item] = {item.name.lower(): item for item in existing}
    missing = [Item(name=name, eq_item_id=eq_item_id) for key, (name, eq_item_id) in wanted.items() if key not in found]
    Item.objects.bulk_create(missing, batch_size=1000)
    found.update({item.name.lower(): item for item in missing})
    return found


def record_past_awards(
    *, awards: Sequence[PastAward], actor: User | None
) -> tuple[list[LootDistribution], list[PointEntry]]:
    """Write the awards (returned in the order given) and their charges. Joins the caller's transaction."""
    for award in awards:
        PRICE.parse(award.price)
        require_game_time(award.awarded_at, what="a loot award")
    items = items_named([(award.item_name, award.eq_item_id) for award in awards])
    rows = LootDistribution.objects.bulk_create(
        [
            LootDistribution(
                raid=award.raid,
                pool=award.pool,
                item=items[" ".join(award.item_name.split())[:120].lower()],
                user=award.user,
                character_name=award.character_name[:15],
                price=award.price,
                awarded_by=actor,
                awarded_at=award.awarded_at,
            )
            for award in awards
        ],
        batch_size=1000,
    )
    charges = []
    for award, row in zip(awards, rows, strict=True):
        if award.price == 0:
            continue
        memo = f"{row.item.name} ({award.source_ref})" if award.source_ref else row.item.name
        charges.append(
            PastEntry(
                user_id=award.user.pk,
                pool_id=award.pool.pk,
                kind=EntryKind.LOOT,
                amount=-award.price,
                character_name=award.character_name,
                cause=Cause(memo=memo, occurred_at=award.awarded_at, loot_id=row.pk),
            )
        )
    return rows, record_past_entries(entries=charges, actor=actor)
