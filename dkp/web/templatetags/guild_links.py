"""Links every page writes the same way: a character's name to its page, an item's name to its page
and to the guild's item database, a member's name to their page."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def character_link(character: Any) -> str:
    """A character's name (a Character, or a name as it was written down) linked to its page."""
    name = getattr(character, "name", character)
    if not name:
        return ""
    return format_html('<a class="character" href="{}">{}</a>', reverse("web:character", args=[str(name)]), name)


@register.simple_tag
def item_link(item: Any) -> str:
    """An item's name linked to its page here, followed by its link in the guild's item database."""
    if item is None:
        return ""
    page = format_html('<a class="item" href="{}">{}</a>', reverse("web:item", args=[item.pk]), item.name)
    outside = item.link()
    if not outside:
        return page
    return format_html(
        '{} <a class="item-db" href="{}" rel="noopener noreferrer" target="_blank" '
        'aria-label="{} in the item database">↗</a>',
        page,
        outside,
        item.name,
    )


@register.simple_tag
def member_link(person: Any) -> str:
    """A member's display name linked to their page."""
    if person is None:
        return ""
    return format_html('<a class="member" href="{}">{}</a>', reverse("web:member", args=[person.username]), person.name)
