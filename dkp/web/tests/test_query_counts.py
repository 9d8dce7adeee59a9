"""Every list page and every API list asks the database as often for five rows as for one.

An N+1 (a template or serializer reading a relation row by row) shows as a count that grows with
the rows. Each case below makes its list with one row of its kind and counts the queries of one
request, then with five and counts again: both counts must be the number pinned in the case, so a
change that adds a query per row fails here, and a change that adds or saves a query for the
whole page says so too (then update the pin). Each request starts with an empty cache, so both
are counted cold; the response must show the rows made, so an empty list cannot pass. The
viewer is the officer, who sees every list.

``test_every_api_list_is_counted`` reads the API's router: a new list endpoint (a viewset with
``list``, or a ``GET`` action) needs a case here.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dkp.accounts.keys import create_api_key, set_role_group
from dkp.accounts.models import User
from dkp.characters.services import request_claim
from dkp.core.models import GuildSettings
from dkp.core.roles import RoleGroup
from dkp.loot.models import Item
from dkp.loot.services import award_loot, item_named, open_auction, place_bid
from dkp.points.models import DkpPool
from dkp.points.services import adjust_points
from dkp.raids.missed import request_missed_tick
from dkp.raids.models import Event, Raid
from dkp.raids.services import Attendee, create_raid, record_tick
from dkp.recruitment.services import create_question, submit_application
from dkp.testing.personas import Guild, make_character, make_user

pytestmark = pytest.mark.django_db

_serial = itertools.count()


def _name(prefix: str) -> str:
    """A fresh name of letters only (character names are letters), unique within the test run."""
    number, letters = next(_serial), ""
    while True:
        number, digit = divmod(number, 26)
        letters = chr(97 + digit) + letters
        if number == 0:
            return prefix + letters


def _members(guild: Guild, rows: int) -> list[User]:
    """New members, each with a main who was at a new tick of the guild's raid (so each has standings)."""
    members = [make_user(_name("grow")) for _ in range(rows)]
    mains = [make_character(_name("Grow"), member) for member in members]
    record_tick(
        raid=guild.raid,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        attendees=[Attendee(main.name, main.eq_class, main.level) for main in mains],
        actor=None,
        description=_name("growth "),
    )
    return members


# Each maker makes its list with this many rows and returns the address and a text the response must show.
Maker = Callable[[Guild, int], tuple[str, str]]


def standings(guild: Guild, rows: int) -> tuple[str, str]:
    member = _members(guild, rows)[-1]
    return reverse("web:home"), member.username


def standings_csv(guild: Guild, rows: int) -> tuple[str, str]:
    member = _members(guild, rows)[-1]
    return reverse("web:standings_csv"), member.display_name


def api_standings(guild: Guild, rows: int) -> tuple[str, str]:
    member = _members(guild, rows)[-1]
    return reverse("api:pool-standings", kwargs={"pk": guild.pool.pk}), member.username


def api_users(guild: Guild, rows: int) -> tuple[str, str]:
    member = _members(guild, rows)[-1]
    return reverse("api:user-list"), member.username


def _ledger_of(guild: Guild, rows: int) -> User:
    member = make_user(_name("ledger"))
    make_character(_name("Ledger"), member)
    for index in range(rows):
        adjust_points(user=member, pool=guild.pool, amount=index + 1, reason=_name("bonus "), actor=guild.officer)
    return member


def member_page(guild: Guild, rows: int) -> tuple[str, str]:
    member = _ledger_of(guild, rows)
    for _ in range(rows):
        award_loot(
            item=item_named(_name("Shiny ")),
            pool=guild.pool,
            winner=member,
            character_name=str(member.main_character),
            price=1,
            actor=guild.officer,
        )
    return reverse("web:member", args=[member.username]), member.display_name


def member_ledger_csv(guild: Guild, rows: int) -> tuple[str, str]:
    member = _ledger_of(guild, rows)
    return reverse("web:member_ledger_csv", args=[member.username]), "bonus"


def raids_csv(guild: Guild, rows: int) -> tuple[str, str]:
    member = _members(guild, rows)[-1]
    return reverse("web:raids_csv"), str(member.main_character)


def loot_csv(guild: Guild, rows: int) -> tuple[str, str]:
    member = _ledger_of(guild, rows)  # points enough for every award
    name = ""
    for _ in range(rows):
        name = _name("Shiny ")
        award_loot(
            item=item_named(name),
            pool=guild.pool,
            winner=member,
            character_name=str(member.main_character),
            price=1,
            actor=guild.officer,
            raid=guild.raid,
        )
    return reverse("web:loot_csv"), name


def api_user_ledger(guild: Guild, rows: int) -> tuple[str, str]:
    member = _ledger_of(guild, rows)
    return reverse("api:user-ledger", kwargs={"pk": member.pk}), "bonus"


def characters(guild: Guild, rows: int) -> tuple[str, str]:
    names = [make_character(_name("Chara"), make_user(_name("owner"))).name for _ in range(rows)]
    return reverse("web:characters"), names[-1]


def character_page(guild: Guild, rows: int) -> tuple[str, str]:
    """A character at this many ticks of a new raid night, with this many items won on it."""
    owner = make_user(_name("veteran"))
    character = make_character(_name("Veteran"), owner)
    raid = create_raid(event=guild.event, starts_at=timezone.now() - dt.timedelta(hours=8), actor=None)
    for index in range(rows):
        record_tick(
            raid=raid,
            occurred_at=raid.starts_at + dt.timedelta(minutes=10 * (index + 1)),
            attendees=[Attendee(character.name, character.eq_class, character.level)],
            actor=None,
            description=_name("pull "),
        )
        award_loot(
            item=item_named(_name("Keepsake ")),
            pool=guild.pool,
            winner=owner,
            character_name=character.name,
            price=1,
            actor=guild.officer,
        )
    return reverse("web:character", args=[character.name]), "Keepsake"


def claims_queue(guild: Guild, rows: int) -> tuple[str, str]:
    """Claims on characters that waited at a tick, so each row shows its waiting points."""
    orphans = [make_character(_name("Stray")) for _ in range(rows)]
    record_tick(
        raid=guild.raid,
        occurred_at=timezone.now() - dt.timedelta(hours=1),
        attendees=[Attendee(orphan.name, orphan.eq_class, orphan.level) for orphan in orphans],
        actor=None,
        description=_name("stray "),
    )
    for orphan in orphans:
        request_claim(character=orphan, requester=make_user(_name("claimer")), note=_name("mine "))
    return reverse("web:claims"), orphans[-1].name


def quick_assign(guild: Guild, rows: int) -> tuple[str, str]:
    """A new raid night that saw this many characters nobody owns."""
    raid = create_raid(event=guild.event, starts_at=timezone.now() - dt.timedelta(hours=3), actor=None)
    names = [_name("Newface") for _ in range(rows)]
    record_tick(
        raid=raid,
        occurred_at=raid.starts_at + dt.timedelta(minutes=5),
        attendees=[Attendee(name.capitalize(), "Monk", 60) for name in names],
        actor=None,
        description=_name("newcomers "),
    )
    return reverse("web:quick_assign"), names[-1].capitalize()  # every unowned character: the raid's and earlier


def api_characters(guild: Guild, rows: int) -> tuple[str, str]:
    return reverse("api:character-list"), characters(guild, rows)[1]


def api_claims(guild: Guild, rows: int) -> tuple[str, str]:
    for _ in range(rows):
        request_claim(character=make_character(_name("Orphan")), requester=make_user(_name("claimer")))
    return reverse("api:claim-list"), "Orphan"


def api_pools(guild: Guild, rows: int) -> tuple[str, str]:
    names = [DkpPool.objects.create(name=_name("Pool ")).name for _ in range(rows)]
    return reverse("api:pool-list"), names[-1]


def api_events(guild: Guild, rows: int) -> tuple[str, str]:
    names = [Event.objects.create(pool=guild.pool, name=_name("Event ")).name for _ in range(rows)]
    return reverse("api:event-list"), names[-1]


def api_adjustments(guild: Guild, rows: int) -> tuple[str, str]:
    _ledger_of(guild, rows)
    return reverse("api:adjustment-list"), "bonus"


def api_keys(guild: Guild, rows: int) -> tuple[str, str]:
    names = [
        create_api_key(owner=guild.officer, name=_name("key "), scopes=["read"], expires_at=None, actor=guild.officer)[
            0
        ].name
        for _ in range(rows)
    ]
    return reverse("api:api-key-list"), names[-1]


def _raids(guild: Guild, rows: int) -> list[Raid]:
    """Raids of the guild's event, each with a tick two of the personas attended and an item awarded."""
    raids = []
    for index in range(rows):
        raid = create_raid(event=guild.event, starts_at=timezone.now() - dt.timedelta(hours=index + 2), actor=None)
        record_tick(
            raid=raid,
            occurred_at=raid.starts_at + dt.timedelta(minutes=30),
            attendees=[Attendee("Gwendolyn", "Warrior", 65), Attendee("Olwenna", "Cleric", 65)],
            actor=None,
            description=_name("night "),
        )
        award_loot(
            item=item_named(_name("Drop ")),
            pool=guild.pool,
            winner=guild.good_member,
            character_name="Gwendolyn",
            price=1,
            actor=guild.officer,
            raid=raid,
        )
        raids.append(raid)
    return raids


def raids(guild: Guild, rows: int) -> tuple[str, str]:
    raid = _raids(guild, rows)[-1]
    return reverse("web:raids"), reverse("web:raid", args=[raid.pk])


def api_raids(guild: Guild, rows: int) -> tuple[str, str]:
    raid = _raids(guild, rows)[-1]
    return reverse("api:raid-list"), f'"id":{raid.pk}'


def _ticks(guild: Guild, rows: int) -> tuple[Raid, str]:
    """A new raid with this many ticks, each attended by the personas' mains and a new member."""
    raid = create_raid(event=guild.event, starts_at=timezone.now() - dt.timedelta(hours=6), actor=None)
    description = ""
    for index in range(rows):
        newcomer = make_character(_name("Tickle"), make_user(_name("ticker")))
        description = _name("pull ")
        record_tick(
            raid=raid,
            occurred_at=raid.starts_at + dt.timedelta(minutes=10 * (index + 1)),
            attendees=[Attendee("Gwendolyn", "Warrior", 65), Attendee(newcomer.name, newcomer.eq_class, 65)],
            actor=None,
            description=description,
        )
    return raid, description


def raid_page(guild: Guild, rows: int) -> tuple[str, str]:
    """A raid night with this many ticks and as many items awarded, each with its character and member linked."""
    raid, description = _ticks(guild, rows)
    for _ in range(rows):
        award_loot(
            item=item_named(_name("Drop ")),
            pool=guild.pool,
            winner=guild.good_member,
            character_name="Gwendolyn",
            price=1,
            actor=guild.officer,
            raid=raid,
        )
    return reverse("web:raid", args=[raid.pk]), description


def api_ticks(guild: Guild, rows: int) -> tuple[str, str]:
    _, description = _ticks(guild, rows)
    return reverse("api:tick-list"), description


def _missed(guild: Guild, rows: int) -> str:
    evidence = ""
    for _ in range(rows):
        member = make_user(_name("misser"))
        evidence = _name("I was there ")
        request_missed_tick(
            tick=guild.ticks[-1], character=make_character(_name("Misser"), member), evidence=evidence, requester=member
        )
    return evidence


def missed_ticks(guild: Guild, rows: int) -> tuple[str, str]:
    return reverse("missed:queue"), _missed(guild, rows)


def api_missed_ticks(guild: Guild, rows: int) -> tuple[str, str]:
    return reverse("api:missed-tick-request-list"), _missed(guild, rows)


def _applications(rows: int) -> str:
    name = ""
    for _ in range(rows):
        name = _name("Hopeful")
        submit_application(
            applicant=make_user(_name("hopeful"), RoleGroup.GUEST),
            character_name=name,
            character_class="Druid",
            character_level=60,
            answers={},
        )
    return name


def applications(guild: Guild, rows: int) -> tuple[str, str]:
    return reverse("recruitment:list"), _applications(rows)


def api_applications(guild: Guild, rows: int) -> tuple[str, str]:
    return reverse("api:application-list"), _applications(rows)


def api_questions(guild: Guild, rows: int) -> tuple[str, str]:
    texts = [create_question(actor=guild.officer, text=_name("Why join ")).text for _ in range(rows)]
    return reverse("api:application-question-list"), texts[-1]


def _loot(guild: Guild, rows: int, item: Item | None = None) -> str:
    """This many awards to Gwen in the guild's raid (of one item when given, else each of its own)."""
    name = ""
    for _ in range(rows):
        won = item or item_named(_name("Loot "))
        name = won.name
        award_loot(
            item=won,
            pool=guild.pool,
            winner=guild.good_member,
            character_name="Gwendolyn",
            price=1,
            actor=guild.officer,
        )
    return name


def loot(guild: Guild, rows: int) -> tuple[str, str]:
    return reverse("web:loot"), _loot(guild, rows)


def api_loot(guild: Guild, rows: int) -> tuple[str, str]:
    return reverse("api:loot-list"), _loot(guild, rows)


def loot_filtered(guild: Guild, rows: int) -> tuple[str, str]:
    """The loot list with every filter set, each award matching them all."""
    name = _loot(guild, rows)
    today = timezone.localdate()
    week_ago = (today - dt.timedelta(days=7)).isoformat()
    query = f"item=Loot&member=gwen&pool={guild.pool.pk}&from={week_ago}&to={today.isoformat()}"
    return f"{reverse('web:loot')}?{query}", name


def search(guild: Guild, rows: int) -> tuple[str, str]:
    """A search that finds this many members (by their characters), characters and items."""
    name = ""
    for _ in range(rows):
        name = make_character(_name("Seeker"), make_user(_name("finder"))).name
        item_named(_name("Seeker's Lamp "))
    return f"{reverse('web:search')}?q=seeker", name


def item_history(guild: Guild, rows: int) -> tuple[str, str]:
    item = item_named(_name("Heirloom "))
    _loot(guild, rows, item)
    return reverse("web:item", args=[item.pk]), "Gwendolyn"


def api_item_price_history(guild: Guild, rows: int) -> tuple[str, str]:
    item = item_named(_name("Heirloom "))
    _loot(guild, rows, item)
    return reverse("api:item-price-history", kwargs={"pk": item.pk}), "Gwendolyn"


def api_items(guild: Guild, rows: int) -> tuple[str, str]:
    names = [item_named(_name("Trinket ")).name for _ in range(rows)]
    return reverse("api:item-list"), names[-1]


def _auctions(guild: Guild, rows: int) -> str:
    """Open auctions, each with bids from Gwen and Pip."""
    name = ""
    for _ in range(rows):
        name = _name("Prize ")
        auction = open_auction(item=name, pool=guild.pool, actor=guild.officer)
        place_bid(auction_id=auction.pk, user=guild.good_member, amount=2, channel="web")
        place_bid(auction_id=auction.pk, user=guild.poor_member, amount=1, channel="web")
    return name


def auctions(guild: Guild, rows: int) -> tuple[str, str]:
    return reverse("loot:list"), _auctions(guild, rows)


def officer_loot_console(guild: Guild, rows: int) -> tuple[str, str]:
    return reverse("loot_officer:console"), _auctions(guild, rows)


def api_auctions(guild: Guild, rows: int) -> tuple[str, str]:
    return reverse("api:auction-list"), _auctions(guild, rows)


def api_auction_history(guild: Guild, rows: int) -> tuple[str, str]:
    """One auction, bid on by this many bidders in turn."""
    auction = open_auction(item=_name("Contested "), pool=guild.pool, actor=guild.officer)
    bidders = _members(guild, rows)
    for bidder in bidders:
        place_bid(auction_id=auction.pk, user=bidder, amount=1, channel="web")
    return reverse("api:auction-history", kwargs={"pk": auction.pk}), bidders[-1].display_name


def officer_events(guild: Guild, rows: int) -> tuple[str, str]:
    names = [Event.objects.create(pool=guild.pool, name=_name("Event ")).name for _ in range(rows)]
    return reverse("officer:events"), names[-1]


def officer_pools(guild: Guild, rows: int) -> tuple[str, str]:
    names = [DkpPool.objects.create(name=_name("Pool "), tag_caps={"alt": 10}).name for _ in range(rows)]
    return reverse("officer:pools"), names[-1]


def officer_roles(guild: Guild, rows: int) -> tuple[str, str]:
    people = [make_user(_name("member"), main_character=make_character(_name("Main"))) for _ in range(rows)]
    return reverse("officer:roles"), people[-1].name


def officer_index(guild: Guild, rows: int) -> tuple[str, str]:
    recruits = [make_user(_name("recruit"), role_group=RoleGroup.GUEST) for _ in range(rows)]
    for recruit in recruits:
        set_role_group(user=recruit, role_group=RoleGroup.MEMBER, actor=guild.officer)
    return reverse("officer:index"), recruits[-1].name


def decay_preview(guild: Guild, rows: int) -> tuple[str, str]:
    DkpPool.objects.filter(pk=guild.pool.pk).update(decay_percent=10)
    member = _members(guild, rows)[-1]
    return reverse("points:decay"), member.display_name


def me_ledger(guild: Guild, rows: int) -> tuple[str, str]:
    for index in range(rows):
        adjust_points(
            user=guild.officer, pool=guild.pool, amount=index + 1, reason=_name("bonus "), actor=guild.officer
        )
    return reverse("api:me-ledger"), "bonus"


@dataclass(frozen=True)
class ListCase:
    make: Maker
    route: str  # the view name its address resolves to
    queries: int

    @property
    def name(self) -> str:
        return self.make.__name__

    @property
    def api(self) -> bool:
        return self.route.startswith("api:")


PAGES = [
    ListCase(standings, "web:home", 10),
    ListCase(standings_csv, "web:standings_csv", 5),
    # 17 cold: the charts' cache key (one aggregate over the ticks) and the ticks' page read as ids,
    # then rows (dkp.raids.selectors_profile.TicksAttended); 14 once the charts are cached.
    ListCase(member_page, "web:member", 17),
    ListCase(member_ledger_csv, "web:member_ledger_csv", 5),
    ListCase(raids_csv, "web:raids_csv", 4),
    ListCase(loot_csv, "web:loot_csv", 4),
    ListCase(characters, "web:characters", 7),
    ListCase(character_page, "web:character", 11),
    ListCase(claims_queue, "web:claims", 6),
    ListCase(quick_assign, "web:quick_assign", 6),
    ListCase(raids, "web:raids", 5),
    ListCase(raid_page, "web:raid", 8),  # 7, and the officer's "N characters wait for owners" count
    ListCase(loot, "web:loot", 6),
    ListCase(loot_filtered, "web:loot", 7),
    ListCase(item_history, "web:item", 9),
    ListCase(search, "web:search", 7),
    ListCase(auctions, "loot:list", 7),
    ListCase(officer_loot_console, "loot_officer:console", 9),
    ListCase(applications, "recruitment:list", 5),
    ListCase(missed_ticks, "missed:queue", 5),
    ListCase(decay_preview, "points:decay", 9),
    ListCase(officer_events, "officer:events", 4),
    ListCase(officer_pools, "officer:pools", 4),
    ListCase(officer_roles, "officer:roles", 4),
    ListCase(officer_index, "officer:index", 4),
]

API_LISTS = [
    ListCase(api_standings, "api:pool-standings", 6),
    ListCase(api_users, "api:user-list", 3),
    ListCase(api_user_ledger, "api:user-ledger", 4),
    ListCase(me_ledger, "api:me-ledger", 3),
    ListCase(api_characters, "api:character-list", 3),
    ListCase(api_claims, "api:claim-list", 3),
    ListCase(api_pools, "api:pool-list", 3),
    ListCase(api_events, "api:event-list", 3),
    ListCase(api_adjustments, "api:adjustment-list", 3),
    ListCase(api_keys, "api:api-key-list", 3),
    ListCase(api_raids, "api:raid-list", 3),
    ListCase(api_ticks, "api:tick-list", 4),
    ListCase(api_missed_ticks, "api:missed-tick-request-list", 3),
    ListCase(api_applications, "api:application-list", 3),
    ListCase(api_questions, "api:application-question-list", 2),
    ListCase(api_items, "api:item-list", 3),
    ListCase(api_item_price_history, "api:item-price-history", 4),
    ListCase(api_loot, "api:loot-list", 3),
    ListCase(api_auctions, "api:auction-list", 4),
    ListCase(api_auction_history, "api:auction-history", 4),
]


def _client(case: ListCase, officer: User) -> Client | APIClient:
    if case.api:
        api = APIClient()
        api.force_authenticate(officer)
        return api
    client = Client()
    client.force_login(officer)
    return client


@pytest.mark.parametrize("case", PAGES + API_LISTS, ids=lambda case: case.name)
def test_a_list_asks_the_same_number_of_queries_for_one_row_and_for_five(
    case: ListCase, guild: Guild, django_assert_num_queries
) -> None:
    client = _client(case, guild.officer)
    GuildSettings.load()  # made on first use; that first request would count its insert
    for rows in (1, 5):
        address, shown = case.make(guild, rows)
        assert resolve(address.partition("?")[0]).view_name == case.route
        cache.clear()
        with django_assert_num_queries(case.queries):
            response = client.get(address)
            # A download streams its rows as it is read (getvalue drains it), so reading is counted too.
            body = response.getvalue()
        assert response.status_code == 200, (rows, response.status_code)
        assert shown in body.decode(), f"{case.name} with {rows} rows does not show {shown!r}"


def test_every_api_list_is_counted() -> None:
    """Every API route that lists (a viewset's ``list``, a ``GET`` action, the user's ledger) has a case above."""
    from config.api_urls import router

    lists = {"api:me-ledger"}
    for _prefix, viewset, basename in router.registry:
        if hasattr(viewset, "list"):
            lists.add(f"api:{basename}-list")
        for action in viewset.get_extra_actions():
            if "get" in action.mapping:  # type: ignore[attr-defined]
                lists.add(f"api:{basename}-{action.url_name}")  # type: ignore[attr-defined]
    assert lists - {case.route for case in API_LISTS} == set(), "API lists without a query-count case"
