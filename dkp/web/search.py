"""The site's search: one box in the header that finds members, characters and items.

``/search/?q=`` looks for the text, ignoring case, anywhere in a member's display name, username or
Discord name or in one of their characters' names; in a character's name; and in an item's name.
Each group shows its best ``SEARCH_LIMIT`` (exact names first, then names that start with the text,
then the rest by name) and says how many more there are. When the whole search finds exactly one
thing, the page goes straight to it. See docs/pages.md.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from dkp.accounts.models import User
from dkp.characters.models import Character
from dkp.core.errors import InvalidInput
from dkp.core.roles import GUILD_MEMBERS, Capability, require
from dkp.loot.models import Item

# The longest name anything searchable has (an item's); a longer text cannot match anything.
MAX_SEARCH_LENGTH = 120
SEARCH_LIMIT = 20


def search_text(raw: str, *, what: str = "A search") -> str:
    """Text typed into a search or filter box: runs of spaces become one, ends trimmed.

    Refused with a 400 when longer than ``MAX_SEARCH_LENGTH`` or when it holds control characters (a NUL
    is not text, and PostgreSQL would refuse it mid-query).
    """
    text = " ".join(raw.split())
    if len(text) > MAX_SEARCH_LENGTH:
        raise InvalidInput(
            f"{what} can be at most {MAX_SEARCH_LENGTH} characters long; this one is {len(text):,}.",
            code="search_too_long",
            status=400,
        )
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") for char in text):
        raise InvalidInput(f"{what} can only hold printable characters.", code="search_not_text", status=400)
    return text


@dataclass
class Found:
    """One group of results: the best rows and how many matched in all."""

    rows: list[Any] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass
class SearchResults:
    members: Found
    characters: Found
    items: Found

    @property
    def total(self) -> int:
        return self.members.total + self.characters.total + self.items.total

    def only_hit_url(self) -> str | None:
        """The address of the one thing found, when the search found exactly one."""
        if self.total != 1:
            return None
        if self.members.rows:
            return reverse("web:member", args=[self.members.rows[0].username])
        if self.characters.rows:
            return reverse("web:character", args=[self.characters.rows[0].name])
        return reverse("web:item", args=[self.items.rows[0].pk])


def _ranked(rows: QuerySet[Any], text: str, *fields: str) -> QuerySet[Any]:
    """Exact names first (0), then names starting with the text (1), then the rest (2)."""
    exact = Q()
    starts = Q()
    for name in fields:
        exact |= Q(**{f"{name}__iexact": text})
        starts |= Q(**{f"{name}__istartswith": text})
    rank = Case(When(exact, then=Value(0)), When(starts, then=Value(1)), default=Value(2), output_field=IntegerField())
    return rows.annotate(search_rank=rank)


def _found(rows: QuerySet[Any], limit: int) -> Found:
    """The first ``limit`` rows, and the count of all only when there are more than that (one query less)."""
    first = list(rows[: limit + 1])
    if len(first) <= limit:
        return Found(rows=first, total=len(first))
    return Found(rows=first[:limit], total=rows.count())


def search_guild(*, text: str, limit: int = SEARCH_LIMIT) -> SearchResults:
    """Members, characters and items whose names hold ``text`` (ignoring case), best first.

    Members are the guild's (member, recruiter, developer, officer; active): applicants and guests have
    no standing here. Each member found carries ``matching_characters``, their characters whose names
    hold the text, so the page can say why a member was found.
    """
    matching_characters = Character.objects.filter(name__icontains=text).order_by("name")
    members = _ranked(
        User.objects.filter(is_active=True, role_group__in=GUILD_MEMBERS).filter(
            Q(display_name__icontains=text)
            | Q(username__icontains=text)
            | Q(discord_username__icontains=text)
            | Q(pk__in=matching_characters.filter(owner__isnull=False).values("owner_id"))
        ),
        text,
        "display_name",
        "username",
    ).order_by("search_rank", "display_name", "username")
    members = members.prefetch_related(
        Prefetch("characters", queryset=matching_characters, to_attr="matching_characters")
    )
    characters = _ranked(matching_characters.select_related("owner"), text, "name").order_by("search_rank", "name")
    items = _ranked(Item.objects.filter(name__icontains=text), text, "name").order_by("search_rank", "name")
    return SearchResults(
        members=_found(members, limit), characters=_found(characters, limit), items=_found(items, limit)
    )


def search(request: HttpRequest) -> HttpResponse:
    """``/search/?q=``: the header box's results, grouped; straight to the one thing when only one is found."""
    require(request.user, Capability.VIEW_GUILD)
    raw = request.GET.get("q", "")
    try:
        text = search_text(raw)
    except InvalidInput as refused:
        context = {"query": raw[:MAX_SEARCH_LENGTH], "error": refused.message}
        return render(request, "web/search.html", context, status=refused.status)
    if not text:
        return render(request, "web/search.html", {"query": "", "prompt": True})
    results = search_guild(text=text)
    target = results.only_hit_url()
    if target is not None:
        return redirect(target)
    return render(request, "web/search.html", {"query": text, "results": results})
