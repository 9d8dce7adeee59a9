"""The navigation: which pages a person may open, worked out once per request.

Every entry is shown only to someone the page would let in (the same ``can()`` the page asks), so
nobody is offered a link that ends in a refusal. Officer pages sit in their own group. Entries whose
URL name does not exist (a page not built yet) are left out rather than breaking every page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from dkp.core.roles import Capability, RoleGroup, can, role_of

# Officer pages, in menu order: (URL name, label). Add a page here to put it in the Officer group;
# a name that does not resolve (the page is not merged yet) is skipped.
OFFICER_PAGES: tuple[tuple[str, str], ...] = (
    ("raids:raid_new", "New raid night"),
    ("missed:queue", "Missed ticks"),
    ("web:claims", "Claims"),
    ("loot_officer:console", "Loot console"),
    ("points:adjust", "Adjust points"),
    ("points:decay", "Decay"),
    ("officer:events", "Events"),
    ("officer:pools", "Pools"),
    ("officer:roles", "Member roles"),
    ("officer:settings", "Guild settings"),
    ("officer:index", "All officer pages"),
)


@dataclass(frozen=True)
class NavEntry:
    label: str
    url: str
    current: str = ""  # the aria-current value: "page" on the page itself, "true" inside its section


@dataclass(frozen=True)
class Navigation:
    entries: list[NavEntry] = field(default_factory=list)
    officer: list[NavEntry] = field(default_factory=list)
    admin: NavEntry | None = None

    @property
    def officer_current(self) -> bool:
        return any(entry.current for entry in self.officer)

    @property
    def labels(self) -> list[str]:
        """Every label shown, in order (for tests and the error page's "what you can open")."""
        tail = [self.admin.label] if self.admin else []
        return [e.label for e in self.entries] + [e.label for e in self.officer] + tail


def _url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _mark(entries: list[tuple[str, str | None]], path: str) -> list[NavEntry]:
    """Entries with the one that holds ``path`` marked: exactly ("page") or as its section ("true")."""
    present = [(label, url) for label, url in entries if url]
    section = max(
        (url for _, url in present if url != "/" and path.startswith(url)),
        key=len,
        default=None,
    )
    marked = []
    for label, url in present:
        assert url is not None
        current = "page" if url == path else ("true" if url == section else "")
        marked.append(NavEntry(label, url, current))
    return marked


def navigation_for(request: HttpRequest) -> Navigation:
    """What ``request.user`` may open, with the current page marked."""
    user = request.user
    role = role_of(user)
    signed_in = bool(user.is_authenticated and user.is_active)
    path = request.path
    main: list[tuple[str, str | None]] = []
    if can(user, Capability.VIEW_GUILD):
        main += [
            ("Standings", _url("web:home")),
            ("Raids", _url("web:raids")),
            ("Loot", _url("web:loot")),
            ("Auctions", _url("loot:list")),
            ("Characters", _url("web:characters")),
        ]
        if signed_in:
            main.append(("My page", _url("web:member", user.get_username())))
    if not signed_in:
        main.append(("Apply", _url("recruitment:apply")))  # sign-in first, then the form
    elif role == RoleGroup.APPLICANT:
        main.append(("My application", _url("recruitment:mine")))
    elif can(user, Capability.APPLY):
        main.append(("Apply", _url("recruitment:mine")))
    if signed_in and can(user, Capability.READ_APPLICATIONS):
        main.append(("Applications", _url("recruitment:list")))
    officer: list[tuple[str, str | None]] = []
    if can(user, Capability.MANAGE_GUILD):
        officer = [(label, _url(name)) for name, label in OFFICER_PAGES]
    admin = None
    if signed_in and (getattr(user, "is_superuser", False) or can(user, Capability.MANAGE_GUILD)):
        admin = _mark([("Admin", _url("admin:index"))], path)[0]
    return Navigation(entries=_mark(main, path), officer=_mark(officer, path), admin=admin)
