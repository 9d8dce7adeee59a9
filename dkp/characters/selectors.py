"""Reads of characters: whose they are, for the profile and the bot."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from dkp.characters.models import Character, CharacterTag

_TAG_ORDER = Case(
    When(tag=CharacterTag.MAIN, then=Value(0)),
    When(tag=CharacterTag.ALT, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def characters_of(*, user_id: int) -> QuerySet[Character]:
    """The user's characters: active ones first, then mains, alts and boxes, each by name."""
    return (
        Character.objects.filter(owner_id=user_id)
        .annotate(tag_order=_TAG_ORDER)
        .order_by("-is_active", "tag_order", "name")
    )
