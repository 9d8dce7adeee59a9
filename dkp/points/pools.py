"""Officers setting up pools and their events. Each function is one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from dkp.characters.models import CharacterTag
from dkp.core.errors import Conflict, InvalidInput
from dkp.core.numbers import WholeNumber
from dkp.core.roles import Capability, require
from dkp.points.models import DkpPool

if TYPE_CHECKING:
    from dkp.accounts.models import User

# The settings officers may change on a pool, in the order the API shows them.
POOL_FIELDS = (
    "name",
    "description",
    "is_active",
    "price_rule",
    "minimum_bid",
    "bid_increment",
    "tag_caps",
    "mains_outrank",
    "main_bids_from_alts",
    "visibility",
    "decay_percent",
    "decay_period_days",
    "decay_floor",
)


# A pool's numbers and their ranges; the API's and the admin's fields read these same rules.
MAX_POOL_POINTS = 1_000_000  # the largest bid, so no minimum, step, cap or floor beyond it means anything
MINIMUM_BID = WholeNumber("The minimum bid", 0, MAX_POOL_POINTS)
BID_INCREMENT = WholeNumber("The bid increment", 0, MAX_POOL_POINTS)
TAG_CAP = WholeNumber("A tag cap", 0, MAX_POOL_POINTS)
DECAY_PERCENT = WholeNumber("The decay percentage", 0, 100, code="invalid_decay")
DECAY_PERIOD_DAYS = WholeNumber("The decay period in days", 1, 3650, code="invalid_decay")
DECAY_FLOOR = WholeNumber("The decay floor", 0, MAX_POOL_POINTS, code="invalid_decay")
POOL_NUMBERS = {
    "minimum_bid": MINIMUM_BID,
    "bid_increment": BID_INCREMENT,
    "decay_percent": DECAY_PERCENT,
    "decay_period_days": DECAY_PERIOD_DAYS,
    "decay_floor": DECAY_FLOOR,
}


def check_tag_caps(caps: object) -> dict[str, int]:
    """A pool's caps by tag, e.g. ``{"alt": 10}``: known tags, each cap read by ``TAG_CAP``."""
    if not isinstance(caps, dict):
        raise InvalidInput('Tag caps are a mapping of tag to points, e.g. {"alt": 10}.', code="invalid_tag_caps")
    bad = [str(tag) for tag in caps if tag not in CharacterTag.values]
    if bad:
        raise InvalidInput(f"Tag caps name unknown tags: {', '.join(bad)}.", code="invalid_tag_caps")
    return {tag: TAG_CAP.parse(cap) for tag, cap in caps.items()}


def _check_pool_rules(changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(POOL_FIELDS)
    if unknown:
        raise InvalidInput(f"Pools have no {', '.join(sorted(unknown))}.", code="invalid_field")
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
        if not changes["name"]:
            raise InvalidInput("A pool needs a name.", code="name_required")
    if changes.get("tag_caps") is not None:
        changes["tag_caps"] = check_tag_caps(changes["tag_caps"])
    for field, rule in POOL_NUMBERS.items():
        if field in changes:
            changes[field] = rule.parse(changes[field])


def _name_taken(name: str, exclude: int | None = None) -> bool:
    pools = DkpPool.objects.filter(name__iexact=name)
    if exclude is not None:
        pools = pools.exclude(pk=exclude)
    return pools.exists()


@transaction.atomic
def create_pool(*, actor: User, **fields: Any) -> DkpPool:
    require(actor, Capability.MANAGE_GUILD)
    _check_pool_rules(fields)
    if _name_taken(fields.get("name", "")):
        raise Conflict(f"A pool named {fields['name']} already exists.", code="duplicate_pool")
    return DkpPool.objects.create(**fields)


@transaction.atomic
def update_pool(*, pool: DkpPool, actor: User, **changes: Any) -> DkpPool:
    """Change a pool's rules. Open auctions keep the rules they copied when they opened."""
    require(actor, Capability.MANAGE_GUILD)
    _check_pool_rules(changes)
    pool = DkpPool.objects.select_for_update().get(pk=pool.pk)
    if "name" in changes and _name_taken(changes["name"], exclude=pool.pk):
        raise Conflict(f"A pool named {changes['name']} already exists.", code="duplicate_pool")
    for field, value in changes.items():
        setattr(pool, field, value)
    if changes:
        pool.save(update_fields=[*changes, "updated_at"])
    return pool
