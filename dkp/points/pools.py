"""Officers setting up pools and their events. Each function is one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from dkp.characters.models import CharacterTag
from dkp.core.audit import field_changes, record_audit
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
        longest = DkpPool._meta.get_field("name").max_length or 60
        if len(changes["name"]) > longest:
            raise InvalidInput(f"A pool's name must be at most {longest} characters.", code="name_too_long")
    if changes.get("tag_caps") is not None:
        changes["tag_caps"] = check_tag_caps(changes["tag_caps"])
    for field, rule in POOL_NUMBERS.items():
        if field in changes:
            changes[field] = rule.parse(changes[field])
    for field in set(changes) - set(POOL_NUMBERS) - {"name", "tag_caps"}:
        _check_choice_or_flag(field, changes[field])


def _check_choice_or_flag(field: str, value: Any) -> None:
    """A pool's choice (price rule, visibility) is one of its choices; a yes/no setting is a bool."""
    model_field = DkpPool._meta.get_field(field)
    assert isinstance(model_field, models.Field)  # a pool's settings are its own columns
    label = str(model_field.verbose_name).capitalize()
    if model_field.choices:
        allowed = [str(choice) for choice, _ in model_field.flatchoices]
        if value not in allowed:
            raise InvalidInput(f"{label} is one of {', '.join(allowed)}, not {value!r}.", code="invalid_choice")
    elif model_field.get_internal_type() == "BooleanField" and not isinstance(value, bool):
        raise InvalidInput(f"{label} is true or false.", code="invalid_choice")


def pool_rules_now(pool: DkpPool) -> dict[str, Any]:
    """The pool's settings as officers change them (``POOL_FIELDS``), for the audit log's before."""
    return {field: getattr(pool, field) for field in POOL_FIELDS}


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
    pool = DkpPool.objects.create(**fields)
    record_audit(actor=actor, action="pool.create", target=pool.name, changes=field_changes({}, pool_rules_now(pool)))
    return pool


@transaction.atomic
def update_pool(*, pool: DkpPool, actor: User, **changes: Any) -> DkpPool:
    """Change a pool's rules. Open auctions keep the rules they copied when they opened."""
    require(actor, Capability.MANAGE_GUILD)
    _check_pool_rules(changes)
    pool = DkpPool.objects.select_for_update().get(pk=pool.pk)
    if "name" in changes and _name_taken(changes["name"], exclude=pool.pk):
        raise Conflict(f"A pool named {changes['name']} already exists.", code="duplicate_pool")
    changed = field_changes(pool_rules_now(pool), changes)
    for field in changed:
        setattr(pool, field, changes[field])
    if changed:
        target = pool.name if "name" not in changed else f"{changed['name'][0]} → {pool.name}"
        pool.save(update_fields=[*changed, "updated_at"])
        record_audit(actor=actor, action="pool.update", target=target, changes=changed)
    return pool
