"""Template tags for characters waiting for owners, so pages owned by others include them with one line.

``{% include "web/_unowned_notice.html" %}`` on a raid page and ``{% include "web/_claimable.html" %}``
on a member's page read through these; each is one query, and none for a viewer it is not for.
"""

from __future__ import annotations

from typing import Any

from django import template

from dkp.characters.models import Character
from dkp.core.roles import Capability, can
from dkp.raids.selectors_owners import might_be_yours as suggestions_for
from dkp.raids.selectors_owners import unowned_in_raid

register = template.Library()


@register.simple_tag
def unowned_count(raid: Any) -> int:
    """How many characters at this raid's ticks still have no owner."""
    if raid is None:
        return 0
    return unowned_in_raid(raid_id=raid.pk).count()


@register.simple_tag(takes_context=True)
def might_be_yours(context: template.Context, person: Any) -> list[Character]:
    """Unclaimed characters that may be this member's, for the member's own page only."""
    viewer = context.get("user")
    if person is None or viewer is None or getattr(viewer, "pk", None) != person.pk:
        return []
    if not can(viewer, Capability.BID):
        return []
    return suggestions_for(user_id=person.pk)
