"""/officer/: every officer page in one list, and the latest setup changes from the audit log."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from dkp.core.models import AuditEntry
from dkp.core.roles import require_officer

# (url name, label, what it is for). A page another change has not brought yet is left out.
OFFICER_PAGES = (
    ("raids:raid_new", "New raid night", "Start a raid night, then upload its dumps as ticks."),
    ("missed:queue", "Missed ticks", "Members' requests for ticks they were at but the dump missed."),
    ("web:claims", "Claims queue", "Approve or deny members' claims on characters."),
    ("loot_officer:console", "Loot console", "Open auctions, close them, award and correct loot."),
    ("points:adjust", "Adjust points", "Give or take a member's points, with a reason."),
    ("points:decay", "Decay", "Preview and apply a pool's decay."),
    ("raids:guild_dump", "Guild dump", "Update characters' class and level from a guild dump."),
    ("officer:events", "Events", "Raid events, their pool and points per tick."),
    ("officer:pools", "Pools", "DKP pools and their auction and decay rules."),
    ("officer:roles", "Member roles", "Each member's role group, kept in step with Discord."),
    (
        "officer:settings",
        "Guild settings",
        "Name, server, time zone, public pages, voting, links, Discord channels.",
    ),
    (
        "officer:import",
        "Import a guild's history",
        "Bring raids, loot and points in from OpenDKP, EQdkp Plus or a spreadsheet.",
    ),
    (
        "officer:guild_document",
        "Download the whole guild (JSON)",
        "Members, characters, raids, the ledger, loot and applications in one file, to keep or to restore "
        "into another EQ DKP (import_guild guild.json).",
    ),
)
RECENT_CHANGES = 20
ACTIONS = {
    "event.create": "New event",
    "event.update": "Event changed",
    "pool.create": "New pool",
    "pool.update": "Pool changed",
    "role.set": "Role changed",
    "settings.update": "Settings changed",
    "import.confirm": "History imported",
    "guild.restore": "Guild restored",
}


def officer_pages() -> list[dict[str, str]]:
    pages = []
    for name, label, about in OFFICER_PAGES:
        try:
            pages.append({"url": reverse(name), "label": label, "about": about})
        except NoReverseMatch:
            continue
    return pages


def index(request: HttpRequest) -> HttpResponse:
    require_officer(request)
    changes = [
        {"entry": entry, "label": ACTIONS.get(entry.action, entry.action)}
        for entry in AuditEntry.objects.select_related("actor")[:RECENT_CHANGES]
    ]
    return render(request, "officer/index.html", {"pages": officer_pages(), "changes": changes})
