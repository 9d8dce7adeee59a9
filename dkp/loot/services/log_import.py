"""Direct awards from a pasted log: loot lines read into award rows, then awarded as one batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q

from dkp.characters.models import Character
from dkp.core.errors import GuildError, InvalidInput
from dkp.core.roles import Capability, require
from dkp.core.time import guild_zone
from dkp.loot.models import LootDistribution
from dkp.loot.services.awards import award_loot_in_transaction, item_named
from dkp.loot.services.parsing import PRICE
from dkp.points.models import DkpPool

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.raids.models import Raid


@dataclass(frozen=True)
class AwardLine:
    """One row of the direct-award form, prefilled from a pasted loot log."""

    character_name: str
    item_name: str
    user: User | None  # the character's owner, None when nobody owns that name
    looted_at: dt.datetime | None


def awards_from_log(text: str) -> tuple[list[AwardLine], list[str]]:
    """Prefill direct awards from pasted ``--Name has looted a Item.--`` lines: (rows, problems)."""
    from dkp.eqlog.errors import LogError
    from dkp.eqlog.log_lines import parse_log

    try:
        excerpt = parse_log(text or "")
    except LogError as error:
        raise InvalidInput(str(error), code="not_a_log") from None
    zone = guild_zone()
    problems = [f"Line {problem.line_number}: {problem.message}" for problem in excerpt.problems]
    looters = {line.looter for line in excerpt.loot if line.looter != "You"}
    wanted = Q()
    for name in looters:
        wanted |= Q(name__iexact=name)
    owners = (
        {character.name.lower(): character for character in Character.objects.filter(wanted).select_related("owner")}
        if looters
        else {}
    )
    rows = []
    for line in excerpt.loot:
        if line.looter == "You":
            problems.append(f'Line {line.line_number}: "You" looted {line.item}; say which character that was.')
        character = owners.get(line.looter.lower())
        for _ in range(line.quantity):
            rows.append(
                AwardLine(
                    character_name=character.name if character else line.looter,
                    item_name=line.item,
                    user=character.owner if character else None,
                    looted_at=line.at.replace(tzinfo=zone) if line.at else None,
                )
            )
    if not rows and not problems:
        problems.append("No loot lines found; paste lines like: --Aelrin has looted a Cloak of Flames.--")
    return rows, problems


@transaction.atomic
def award_loot_batch(
    *,
    lines: Sequence[tuple[str, str, int]],
    pool: DkpPool,
    actor: User,
    raid: Raid | None = None,
) -> list[LootDistribution]:
    """Officers only: direct awards (character name, item name, price), all or none."""
    require(actor, Capability.MANAGE_GUILD)
    if not lines:
        raise InvalidInput("There is nothing to award.", code="nothing_to_award")
    awards = []
    for number, (character_name, item_name, price) in enumerate(lines, start=1):
        name = " ".join((character_name or "").split())
        character = Character.objects.select_related("owner").filter(name__iexact=name).first() if name else None
        if character is None or character.owner is None:
            what = "is not a character anyone owns" if character is None else "has no owner yet; approve a claim first"
            raise InvalidInput(f"Row {number}: {name or 'a blank name'} {what}.", code="unknown_character")
        try:
            value = PRICE.parse(price)
            awards.append(
                award_loot_in_transaction(
                    item=item_named(item_name),
                    pool=pool,
                    winner=character.owner,
                    character_name=character.name,
                    price=value,
                    actor=actor,
                    raid=raid,
                )
            )
        except GuildError as error:
            raise type(error)(f"Row {number} ({character.name}): {error.message}", code=error.code) from None
    return awards
