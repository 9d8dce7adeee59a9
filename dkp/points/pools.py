"""Officers setting up pools and their events. Each function is one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from dkp.characters.models import CharacterTag
from dkp.core.errors import Conflict, InvalidInput
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
    "visibility",
    "decay_percent",
    "decay_period_days",
    "decay_floor",
)


def _check_pool_rules(changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(POOL_FIELDS)
    if unknown:
        raise InvalidInput(f"Pools have no {', '.join(sorted(unknown))}.", code="invalid_field")
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
        if not changes["name"]:
            raise InvalidInput("A pool needs a name.", code="name_required")
    caps = changes.get("tag_caps")
    if caps is not None:
        bad = [tag for tag in caps if tag not in CharacterTag.values]
        if bad:
            raise InvalidInput(f"Tag caps name unknown tags: {', '.join(bad)}.", code="invalid_tag_caps")
    if not 0 <= int(changes.get("decay_percent", 0)) <= 100:
        raise InvalidInput("Decay is a percentage from 0 to 100.", code="invalid_decay")
    if int(changes.get("decay_period_days", 1)) < 1:
        raise InvalidInput("The decay period is at least one day.", code="invalid_decay")


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
