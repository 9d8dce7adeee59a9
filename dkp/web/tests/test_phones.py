"""Every page fits the screen: at 390 px (a phone) and 1366 px (a laptop) nothing scrolls the page sideways.

A wide table may scroll inside its own box; the page itself never does. The test opens each page of
``PAGES`` as each persona allowed there, in Debian's Chromium, at both widths, and checks that
``document.documentElement.scrollWidth`` is no more than the window's width. Pages a persona may not
open are visited too where listed: the refusal page must fit as well.

To cover a new page, add a ``Visit`` to ``PAGES``: an address (a URL name, or a function of the
``World`` for an address with ids), who opens it, and optionally the steps to take on it first
(submitting a form, for a page that only shows after a POST). One Chromium runs per persona.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dkp.accounts.models import User
from dkp.characters.models import Character
from dkp.loot.models import Auction, Item
from dkp.loot.services import award_loot, item_named, open_auction, place_bid
from dkp.points.models import UserPointsSummary
from dkp.points.services import adjust_points
from dkp.raids.missed import request_missed_tick
from dkp.raids.models import RaidTick
from dkp.raids.services import Attendee, record_tick
from dkp.recruitment.models import GuildApplication
from dkp.recruitment.services import submit_application
from dkp.testing.browser import needs_chromium
from dkp.testing.personas import Guild, make_character, make_user

pytestmark = [*needs_chromium, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1366)
HEIGHT = 844

OFFICER, MEMBER, APPLICANT, GUEST, VISITOR = "officer", "member", "applicant", "guest", "visitor"
EVERYONE = (OFFICER, MEMBER, APPLICANT, GUEST, VISITOR)
MEMBERS = (OFFICER, MEMBER)
OUTSIDERS = (APPLICANT, GUEST, VISITOR)

LONG_NAME = "Wolfgang Amadeus Thunderbringer of the Everlasting Night"  # a display name as Discord allows
LONG_ITEM = "Gleaming Ornate Ceremonial Breastplate of the Sleeper's Unwaking Tomb"
LONG_MEMO = "split the Vex Thal clear with the other half of the alliance after the third wipe on Aten Ha Ra"


@dataclass
class World:
    """The guild of the personas, plus what makes pages long: many members, a long ledger, long names."""

    guild: Guild
    long_member: User
    long_character: Character
    item: Item
    auction: Auction
    tick: RaidTick
    application: GuildApplication
    people: dict[str, User | None] = field(default_factory=dict)


Address = str | Callable[[World], str]
Steps = Callable[[Any, World, str], None]


@dataclass(frozen=True)
class Visit:
    """A page to measure: where it is, who opens it, and the steps to take on it before measuring."""

    label: str
    address: Address
    who: tuple[str, ...]
    then: Steps | None = None

    def url(self, world: World) -> str:
        return reverse(self.address) if isinstance(self.address, str) else self.address(world)


def _preview_a_tick(page: Any, world: World, base: str) -> None:
    """The tick preview is the answer to an upload: upload two raid dumps, then measure the preview."""
    from dkp.raids.tests.samples import FIRST, FIXTURES, SECOND

    page.locator("input[type=file]").set_input_files([str(FIXTURES / FIRST), str(FIXTURES / SECOND)])
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("#present-count")


def _preview_an_import(page: Any, world: World, base: str) -> None:
    """The import preview is the answer to an upload: a spreadsheet's zip, then measure the preview."""
    import tempfile
    from pathlib import Path

    from dkp.switching.tests.test_import_page import spreadsheet_zip

    folder = Path(tempfile.mkdtemp())
    (folder / "points.zip").write_bytes(spreadsheet_zip())
    page.locator("input[type=file]").set_input_files(str(folder / "points.zip"))
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("table.import-balances")


PAGES: list[Visit] = [
    # Everyone
    Visit("standings", "web:home", EVERYONE),
    Visit("standings by spent, one class", lambda w: reverse("web:home") + "?sort=spent&class=Warrior", MEMBERS),
    Visit("sign in", "web:login", (VISITOR, GUEST)),
    Visit("raids", "web:raids", EVERYONE),
    Visit("loot", "web:loot", EVERYONE),
    Visit("auctions", "loot:list", EVERYONE),
    Visit("characters", "web:characters", EVERYONE),
    Visit("search", lambda w: reverse("web:search") + "?q=Thunder", EVERYONE),
    Visit("loot filtered by item", lambda w: reverse("web:loot") + "?item=Gleaming", MEMBERS),
    # Guild pages with long content
    Visit("member with a long ledger", lambda w: reverse("web:member", args=[w.long_member.username]), EVERYONE),
    Visit("my own page", lambda w: reverse("web:member", args=[w.guild.good_member.username]), MEMBERS),
    Visit("raid night", lambda w: reverse("web:raid", args=[w.guild.raid.pk]), MEMBERS),
    Visit("tick", lambda w: reverse("web:tick", args=[w.tick.pk]), MEMBERS),
    Visit("item", lambda w: reverse("web:item", args=[w.item.pk]), MEMBERS),
    Visit("character", lambda w: reverse("web:character", args=[w.long_character.name]), MEMBERS),
    Visit("auction", lambda w: reverse("loot:detail", args=[w.auction.pk]), MEMBERS),
    Visit("ask for a missed tick", lambda w: reverse("missed:new", args=[w.tick.pk]), (MEMBER,)),
    # Recruitment
    Visit("applications", "recruitment:list", MEMBERS),
    Visit("an application", lambda w: reverse("recruitment:detail", args=[w.application.pk]), MEMBERS),
    Visit("apply", "recruitment:apply", (GUEST,)),
    Visit("my application", "recruitment:mine", (APPLICANT, GUEST)),
    # Officer pages
    Visit("loot console", "loot_officer:console", (OFFICER,)),
    Visit("direct awards", "loot_officer:award", (OFFICER,)),
    Visit("missed-ticks queue", "missed:queue", (OFFICER,)),
    Visit("adjust points", "points:adjust", (OFFICER,)),
    Visit("decay", "points:decay", (OFFICER,)),
    Visit("new raid", "raids:raid_new", (OFFICER,)),
    Visit("guild dump", "raids:guild_dump", (OFFICER,)),
    Visit("add a tick", lambda w: reverse("raids:tick_new", args=[w.guild.raid.pk]), (OFFICER,)),
    Visit("claims queue", "web:claims", (OFFICER,)),
    Visit(
        "quick assign for a raid night", lambda w: reverse("web:quick_assign") + f"?raid={w.guild.raid.pk}", (OFFICER,)
    ),
    Visit("officer pages", "officer:index", (OFFICER,)),
    Visit("events", "officer:events", (OFFICER,)),
    Visit("edit an event", lambda w: reverse("officer:event_edit", args=[w.guild.event.pk]), (OFFICER,)),
    Visit("pools", "officer:pools", (OFFICER,)),
    Visit("edit a pool", lambda w: reverse("officer:pool_edit", args=[w.guild.pool.pk]), (OFFICER,)),
    Visit("member roles", "officer:roles", (OFFICER,)),
    Visit("guild settings", "officer:settings", (OFFICER,)),
    Visit("import a guild's history", "officer:import", (OFFICER,)),
    Visit("import preview after an upload", "officer:import", (OFFICER,), then=_preview_an_import),
    Visit(
        "tick preview after an upload",
        lambda w: reverse("raids:tick_new", args=[w.guild.raid.pk]),
        (OFFICER,),
        then=_preview_a_tick,
    ),
]


def _build_world(guild: Guild) -> World:
    officer = guild.officer
    # A long standings table: forty more members who were at a tick.
    crowd = [make_user(f"crowd{index:02d}") for index in range(40)]
    mains = [
        make_character(f"Crowd{chr(97 + index // 26)}{chr(97 + index % 26)}", person)
        for index, person in enumerate(crowd)
    ]
    long_member = make_user("wolfgang")
    long_member.display_name = LONG_NAME
    long_member.save(update_fields=["display_name"])
    long_character = make_character("Thunderbringer", long_member)
    tick = record_tick(
        raid=guild.raid,
        occurred_at=timezone.now() - dt.timedelta(hours=2),
        attendees=[Attendee(c.name, c.eq_class, c.level) for c in [*mains, long_character]],
        actor=None,
        description="the long pull before the last named of the night",
    )
    # A ledger of many rows with long memos, and loot with long names.
    for index in range(60):
        adjust_points(
            user=long_member, pool=guild.pool, amount=index + 1, reason=f"{LONG_MEMO} #{index}", actor=officer
        )
    item = item_named(LONG_ITEM)
    for winner, name in ((long_member, long_character.name), (guild.good_member, "Gwendolyn")):
        award_loot(item=item, pool=guild.pool, winner=winner, character_name=name, price=3, actor=officer)
    # The loot console and auction pages with live bids.
    auctions = [open_auction(item=f"{LONG_ITEM} {index}", pool=guild.pool, actor=officer) for index in range(4)]
    for auction in auctions:
        place_bid(auction_id=auction.pk, user=guild.good_member, amount=2, channel="web")
        place_bid(auction_id=auction.pk, user=long_member, amount=1, channel="web")
    # The missed-ticks queue with long evidence.
    for person, asked_for in ((long_member, long_character), (crowd[0], mains[0])):
        request_missed_tick(
            tick=guild.ticks[-1],
            character=asked_for,
            evidence=f"[Mon Nov 30 21:04:11 2026] {LONG_MEMO}. " * 4,
            requester=person,
        )
    hopeful = make_user("hopeful", "guest")
    application = submit_application(
        applicant=hopeful, character_name="Hopefulwizard", character_class="Wizard", character_level=60, answers={}
    )
    return World(
        guild=guild,
        long_member=long_member,
        long_character=long_character,
        item=item,
        auction=auctions[0],
        tick=tick,
        application=application,
        people={
            OFFICER: officer,
            MEMBER: guild.good_member,
            APPLICANT: guild.applicant,
            GUEST: guild.guest,
            VISITOR: None,
        },
    )


# What is wider than the window, for the failure message: the outermost elements sticking out.
_TOO_WIDE = """() => {
  const width = window.innerWidth, out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 0.5 || box.width === 0) continue;
    let inside = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (['auto', 'scroll', 'hidden'].includes(style.overflowX) || out.includes(up)) { inside = true; break; }
    }
    if (!inside) out.push(el);
  }
  return out.slice(0, 4).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
    + ' ' + Math.round(el.getBoundingClientRect().right) + 'px');
}"""


def _session_cookie(user: User, url: str) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}


@pytest.mark.parametrize("persona", EVERYONE)
def test_every_page_fits_a_phone_and_a_laptop_without_sideways_scrolling(persona, page, live_server, guild) -> None:
    world = _build_world(guild)
    person = world.people[persona]
    if person is not None:
        page.context.add_cookies([_session_cookie(person, live_server.url)])
    visits = [visit for visit in PAGES if persona in visit.who]
    assert visits
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        for visit in visits:
            response = page.goto(live_server.url + visit.url(world))
            assert response is not None
            assert response.status < 500, f"{visit.label} answered {response.status}"
            if visit.then is not None:
                visit.then(page, world, live_server.url)
            scroll_width, window_width = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
            if scroll_width > window_width:
                problems.append(f"{visit.label} at {width}: {scroll_width}px wide; {page.evaluate(_TOO_WIDE)}")
    assert problems == [], f"{persona}: pages wider than the window:\n" + "\n".join(problems)


def test_the_standings_scroll_in_their_own_box_with_the_names_held_in_place(page, live_server, guild) -> None:
    world = _build_world(guild)
    page.context.add_cookies([_session_cookie(guild.good_member, live_server.url)])
    page.goto(live_server.url + reverse("web:home"))
    box = page.locator("#standings .table-wrap")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # the table is wider than a phone
    # The balance is in view beside the name before any scrolling.
    top = UserPointsSummary.objects.get(user=world.long_member, pool=guild.pool).balance
    balance = page.get_by_role("cell", name=f"{top:,}", exact=True).bounding_box()
    assert balance is not None
    assert balance["x"] + balance["width"] <= page.viewport_size["width"]
    name = page.locator("table.standings tbody th.name").first
    before = name.bounding_box()
    box.evaluate("el => el.scrollLeft = el.scrollWidth")
    page.wait_for_function("() => document.querySelector('#standings .table-wrap').scrollLeft > 0")
    after = name.bounding_box()
    assert after is not None
    assert before is not None
    assert after["x"] <= before["x"]  # it stays at the left edge instead of scrolling away
    assert after["x"] >= 0
    decayed = page.locator("table.standings thead th", has_text="Decayed")
    assert decayed.is_visible()


def test_the_missed_ticks_queue_shows_its_evidence_and_both_decisions_whole(page, live_server, guild) -> None:
    _build_world(guild)
    page.context.add_cookies([_session_cookie(guild.officer, live_server.url)])
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.goto(live_server.url + reverse("missed:queue"))
        row = page.locator("table.missed-queue tbody tr").first
        wrap = page.locator(".table-wrap:has(table.missed-queue)").bounding_box()
        assert wrap is not None
        right = min(width, wrap["x"] + wrap["width"])  # what is past the box's edge is cut off from view
        evidence = row.locator("td.evidence").bounding_box()
        assert evidence is not None
        assert evidence["width"] >= min(250, width - 60), (width, evidence)
        for name in ("Approve", "Deny"):
            button = row.get_by_role("button", name=name).bounding_box()
            assert button is not None
            assert button["x"] >= 0
            assert button["x"] + button["width"] <= right, (width, name, button)
        deny_reason = row.get_by_label("Reason for denying").bounding_box()
        assert deny_reason is not None
        assert deny_reason["width"] >= 100, (width, deny_reason)
        assert deny_reason["x"] + deny_reason["width"] <= right
