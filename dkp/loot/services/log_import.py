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


YOU = "You"  # how the log's own character appears in its loot lines


class AwardRowsRefused(GuildError):
    """Some rows of a direct-award batch cannot be awarded; nothing was. ``rows`` maps row number to why.

    The status and code are the first problem's (one bad row reads as it always did: a balance is a 409),
    the message lists every row's problem.
    """

    def __init__(self, problems: dict[int, GuildError]) -> None:
        first = problems[min(problems)]
        count = len(problems)
        summary = f"Nothing was awarded: {count} rows need fixing. " if count > 1 else ""
        super().__init__(
            summary + " ".join(error.message for _, error in sorted(problems.items())),
            code=first.code,
            status=first.status,
        )
        self.rows = {number: error.message for number, error in problems.items()}


def awards_from_log(text: str, *, log_owner: str = "") -> tuple[list[AwardLine], list[str]]:
    """Prefill direct awards from pasted ``--Name has looted a Item.--`` lines: (rows, problems).

    ``--You have looted …--`` lines are the log owner's: ``log_owner`` names that character (the
    officer says whose log it is). Without it those rows keep "You" and a problem says so.
    """
    from dkp.eqlog.errors import LogError
    from dkp.eqlog.log_lines import parse_log

    try:
        excerpt = parse_log(text or "")
    except LogError as error:
        raise InvalidInput(str(error), code="not_a_log") from None
    zone = guild_zone()
    log_owner = " ".join((log_owner or "").split())[:15]
    problems = [f"Line {problem.line_number}: {problem.message}" for problem in excerpt.problems]
    looters = {line.looter for line in excerpt.loot if line.looter != YOU}
    if log_owner:
        looters.add(log_owner)
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
        looter = line.looter
        if looter == YOU and log_owner:
            looter = log_owner
        elif looter == YOU:
            problems.append(
                f'Line {line.line_number}: "You" looted {line.item}; say whose log this is and fill the rows again, '
                "or type the character in its row."
            )
        character = owners.get(looter.lower())
        for _ in range(line.quantity):
            rows.append(
                AwardLine(
                    character_name=character.name if character else looter,
                    item_name=line.item,
                    user=character.owner if character else None,
                    looted_at=line.at.replace(tzinfo=zone) if line.at else None,
                )
            )
    if not rows and not problems:
        problems.append("No loot lines found; paste lines like: --Aelrin has looted a Cloak of Flames.--")
    return rows, problems


def _awarded_character(number: int, character_name: str) -> tuple[Character, User]:
    name = " ".join((character_name or "").split())
    if not name:
        raise InvalidInput(f"Row {number}: name the character.", code="award_row_incomplete")
    if name.lower() == YOU.lower():
        raise InvalidInput(
            f'Row {number}: "You" is whoever wrote the log: type that character, or say whose log it is and '
            "fill the rows again.",
            code="unknown_character",
        )
    character = Character.objects.select_related("owner").filter(name__iexact=name).first()
    if character is None or character.owner is None:
        what = "is not a character anyone owns" if character is None else "has no owner yet; approve a claim first"
        raise InvalidInput(f"Row {number}: {name} {what}.", code="unknown_character")
    return character, character.owner


def _row_price(number: int, character: Character, item_name: str, price: object) -> int:
    what = f"{character.name}'s {item_name}"
    if price is None or (isinstance(price, str) and not price.strip()):
        raise InvalidInput(f"Row {number}: give a price for {what} (0 for free).", code="price_required")
    try:
        return PRICE.parse(price)
    except InvalidInput as refused:
        raise InvalidInput(f"Row {number} ({what}): {refused.message}", code=refused.code) from None


@transaction.atomic
def award_loot_batch(
    *,
    lines: Sequence[tuple[str, str, object]],
    pool: DkpPool,
    actor: User,
    raid: Raid | None = None,
) -> list[LootDistribution]:
    """Officers only: direct awards (character name, item name, price as typed), all or none.

    Every row is checked, each award in its own savepoint so the rows after a refused one are still
    tried against the balances the rows before them left; when any row fails, ``AwardRowsRefused``
    names each failing row and the whole batch rolls back.
    """
    require(actor, Capability.MANAGE_GUILD)
    if not lines:
        raise InvalidInput("There is nothing to award: fill in a character, an item and a price.", code="no_awards")
    awards = []
    problems: dict[int, GuildError] = {}
    for number, (character_name, item_name, price) in enumerate(lines, start=1):
        try:
            character, owner = _awarded_character(number, character_name)
            item_name = " ".join((item_name or "").split())
            if not item_name:
                raise InvalidInput(f"Row {number}: name the item.", code="award_row_incomplete")
            value = _row_price(number, character, item_name, price)
        except GuildError as error:
            problems[number] = error
            continue
        try:
            with transaction.atomic():
                awards.append(
                    award_loot_in_transaction(
                        item=item_named(item_name),
                        pool=pool,
                        winner=owner,
                        character_name=character.name,
                        price=value,
                        actor=actor,
                        raid=raid,
                    )
                )
        except GuildError as error:
            problems[number] = type(error)(f"Row {number} ({character.name}): {error.message}", code=error.code)
    if problems:
        raise AwardRowsRefused(problems)
    return awards
