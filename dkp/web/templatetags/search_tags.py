"""The header's search box, shown to those who may see what it finds (the guild's members, and
everyone when the guild makes its standings public)."""

from __future__ import annotations

from typing import Any

from django import template

from dkp.core.roles import Capability, can

register = template.Library()


@register.inclusion_tag("web/_search_box.html", takes_context=True)
def search_box(context: template.Context) -> dict[str, Any]:
    """The box, holding the search's text on the search page itself."""
    request = context.get("request")
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    on_search = match is not None and match.view_name == "web:search"
    query = context.get("query", "") if on_search else ""
    return {"shown": can(user, Capability.VIEW_GUILD), "query": query}
