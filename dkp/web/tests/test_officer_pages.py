"""The officers' setup pages: events, pools, member roles, guild settings, and the officer index.

Each page: the officer may open it and members may not; a change is saved and written to the audit
log; a refused value answers 400 with the service's sentence on the form, and nothing changes.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dkp.accounts import tasks as account_tasks
from dkp.accounts.models import User
from dkp.core.guild_settings import AUCTION_MINUTES
from dkp.core.models import AuditEntry, GuildSettings
from dkp.core.roles import RoleGroup
from dkp.loot.services import MINUTES
from dkp.points.models import DkpPool
from dkp.points.pools import POOL_FIELDS
from dkp.raids.models import Event
from dkp.testing.personas import Guild

pytestmark = pytest.mark.django_db

OFFICER_PAGES = ["officer:index", "officer:events", "officer:event_new", "officer:pools", "officer:pool_new"]
OFFICER_PAGES += ["officer:roles", "officer:settings"]


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def officer(client: Client, guild: Guild) -> Client:
    return signed_in(client, guild.officer)


def pool_form(pool: DkpPool, **changes: Any) -> dict[str, str]:
    """The pool page's form as the officer's browser would send it, with some values changed."""
    form: dict[str, str] = {}
    for field in POOL_FIELDS:
        value = getattr(pool, field)
        if field == "tag_caps":
            form.update({f"tag_cap_{tag}": str(cap) for tag, cap in (value or {}).items()})
        elif isinstance(value, bool):
            if value:
                form[field] = "on"
        else:
            form[field] = str(value)
    for key, value in changes.items():
        if value is None:
            form.pop(key, None)
        else:
            form[key] = value
    return form


def settings_form(**changes: str | None) -> dict[str, str]:
    current = GuildSettings.load()
    form = {
        "guild_name": current.guild_name,
        "server_name": current.server_name,
        "time_zone": current.time_zone,
        "vote_threshold_percent": str(current.vote_threshold_percent),
        "item_link_template": current.item_link_template,
        "discord_announce_channel_id": current.discord_announce_channel_id,
        "discord_auction_channel_id": current.discord_auction_channel_id,
        "auction_minutes": str(current.auction_minutes),
        "separation_of_duties": current.separation_of_duties,
    }
    if current.standings_public:
        form["standings_public"] = "on"
    if current.uses_trials:
        form["uses_trials"] = "on"
    for key, value in changes.items():
        if value is None:
            form.pop(key, None)
        else:
            form[key] = value
    return form


# --- who may open them ---------------------------------------------------------------------------


@pytest.mark.parametrize("page", OFFICER_PAGES)
def test_officers_open_every_officer_page(officer: Client, page: str) -> None:
    assert officer.get(reverse(page)).status_code == 200


@pytest.mark.parametrize("persona", ["good_member", "recruiter", "developer", "applicant", "guest"])
@pytest.mark.parametrize("page", OFFICER_PAGES)
def test_nobody_else_opens_an_officer_page(client: Client, guild: Guild, persona: str, page: str) -> None:
    response = signed_in(client, guild.everyone()[persona]).get(reverse(page))
    assert response.status_code == 403


def test_members_cannot_change_anything_by_posting(client: Client, guild: Guild) -> None:
    member = signed_in(client, guild.good_member)
    assert member.post(reverse("officer:event_new"), {"name": "Sneaky", "pool": guild.pool.pk}).status_code == 403
    edit = reverse("officer:pool_edit", args=[guild.pool.pk])
    assert member.post(edit, pool_form(guild.pool, minimum_bid="999")).status_code == 403
    role = reverse("officer:role_set", args=[guild.good_member.pk])
    assert member.post(role, {"role_group": "officer"}).status_code == 403
    assert member.post(reverse("officer:settings"), settings_form(guild_name="Mine now")).status_code == 403
    assert not Event.objects.filter(name="Sneaky").exists()
    assert DkpPool.objects.get(pk=guild.pool.pk).minimum_bid == guild.pool.minimum_bid
    assert User.objects.get(pk=guild.good_member.pk).role_group == RoleGroup.MEMBER
    assert GuildSettings.load().guild_name != "Mine now"
    assert not AuditEntry.objects.exists()


def test_the_index_links_every_officer_page(officer: Client) -> None:
    page = officer.get(reverse("officer:index")).content.decode()
    for name in ["missed:queue", "loot_officer:console", "officer:events", "officer:pools", "officer:roles"]:
        assert f'href="{reverse(name)}"' in page, name
    assert f'href="{reverse("officer:settings")}"' in page


# --- events --------------------------------------------------------------------------------------


def test_an_officer_creates_an_event_and_the_audit_log_keeps_it(officer: Client, guild: Guild) -> None:
    response = officer.post(
        reverse("officer:event_new"), {"name": "Temple of Veeshan", "pool": guild.pool.pk, "default_tick_value": "12"}
    )
    assert response.status_code == 302
    event = Event.objects.get(name="Temple of Veeshan")
    assert (event.pool, event.default_tick_value, event.is_active) == (guild.pool, 12, True)
    entry = AuditEntry.objects.get(action="event.create")
    assert entry.actor == guild.officer
    assert entry.changes["default_tick_value"] == [None, 12]
    listing = officer.get(reverse("officer:events")).content.decode()
    assert "Temple of Veeshan" in listing
    assert "Temple of Veeshan (Main)" in officer.get(reverse("officer:index")).content.decode()


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        ("0", "A tick value must be from 1 to 100,000."),
        ("ten", "A tick value must be a whole number written with the digits 0-9"),
        ("100001", "A tick value must be from 1 to 100,000."),
    ],
)
def test_a_bad_tick_value_is_refused_on_the_form(officer: Client, guild: Guild, value: str, sentence: str) -> None:
    response = officer.post(
        reverse("officer:event_new"), {"name": "Temple of Veeshan", "pool": guild.pool.pk, "default_tick_value": value}
    )
    assert response.status_code == 400
    assert sentence in response.content.decode()
    assert 'value="Temple of Veeshan"' in response.content.decode()  # the form keeps what was typed
    assert not Event.objects.filter(name="Temple of Veeshan").exists()
    assert not AuditEntry.objects.exists()


def test_an_officer_edits_an_event(officer: Client, guild: Guild) -> None:
    edit = reverse("officer:event_edit", args=[guild.event.pk])
    form = {"name": "Plane of Time", "pool": guild.pool.pk, "default_tick_value": "7"}
    assert officer.post(edit, form).status_code == 302  # no is_active: retired
    event = Event.objects.get(pk=guild.event.pk)
    assert (event.name, event.default_tick_value, event.is_active) == ("Plane of Time", 7, False)
    entry = AuditEntry.objects.get(action="event.update")
    assert entry.changes["is_active"] == [True, False]
    assert entry.changes["name"] == [guild.event.name, "Plane of Time"]


def test_an_event_with_raid_nights_keeps_its_pool(officer: Client, guild: Guild) -> None:
    other = DkpPool.objects.create(name="Legacy")
    edit = reverse("officer:event_edit", args=[guild.event.pk])
    form = {"name": guild.event.name, "pool": other.pk, "default_tick_value": "5", "is_active": "on"}
    response = officer.post(edit, form)
    assert response.status_code == 409
    assert "stays in that pool" in response.content.decode()
    assert Event.objects.get(pk=guild.event.pk).pool == guild.pool
    assert not AuditEntry.objects.exists()


def test_a_duplicate_event_name_is_refused(officer: Client, guild: Guild) -> None:
    form = {"name": guild.event.name.upper(), "pool": guild.pool.pk, "default_tick_value": "5"}
    response = officer.post(reverse("officer:event_new"), form)
    assert response.status_code == 409
    assert "already has an event named" in response.content.decode()


# --- pools ---------------------------------------------------------------------------------------


def test_the_pool_form_shows_every_setting_officers_may_change(officer: Client, guild: Guild) -> None:
    page = officer.get(reverse("officer:pool_edit", args=[guild.pool.pk])).content.decode()
    for field in POOL_FIELDS:
        shown = ["tag_cap_main", "tag_cap_alt", "tag_cap_box"] if field == "tag_caps" else [field]
        for name in shown:
            assert f'name="{name}"' in page, field


def test_an_officer_changes_a_pools_auction_rules(officer: Client, guild: Guild) -> None:
    edit = reverse("officer:pool_edit", args=[guild.pool.pk])
    form = pool_form(
        guild.pool, minimum_bid="5", bid_increment="5", tag_cap_alt="10", tag_cap_box="3", mains_outrank="on"
    )
    assert officer.post(edit, form).status_code == 302
    pool = DkpPool.objects.get(pk=guild.pool.pk)
    assert (pool.minimum_bid, pool.bid_increment, pool.mains_outrank) == (5, 5, True)
    assert pool.tag_caps == {"alt": 10, "box": 3}
    entry = AuditEntry.objects.get(action="pool.update")
    assert entry.actor == guild.officer
    assert entry.changes["minimum_bid"] == [guild.pool.minimum_bid, 5]
    assert entry.changes["tag_caps"] == [guild.pool.tag_caps, {"alt": 10, "box": 3}]
    assert "name" not in entry.changes  # only what changed
    listing = officer.get(reverse("officer:pools")).content.decode()
    assert "Alt 10, Box 3" in listing


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"minimum_bid": "-1"}, "The minimum bid must be from 0 to 1,000,000."),
        ({"bid_increment": "5 "}, "The bid increment must be a whole number"),
        ({"tag_cap_alt": "2000000"}, "A tag cap must be from 0 to 1,000,000."),
        ({"decay_percent": "101"}, "The decay percentage must be from 0 to 100."),
        ({"decay_period_days": "0"}, "The decay period in days must be from 1 to 3,650."),
        ({"price_rule": "lowest"}, "is one of second_price, first_price"),
        ({"name": ""}, "A pool needs a name."),
    ],
)
def test_a_bad_pool_rule_is_refused_and_nothing_changes(
    officer: Client, guild: Guild, changes: dict[str, str], sentence: str
) -> None:
    before = DkpPool.objects.values().get(pk=guild.pool.pk)
    response = officer.post(reverse("officer:pool_edit", args=[guild.pool.pk]), pool_form(guild.pool, **changes))
    assert response.status_code == 400
    assert sentence in response.content.decode()
    assert DkpPool.objects.values().get(pk=guild.pool.pk) == before
    assert not AuditEntry.objects.exists()


def test_an_officer_creates_a_pool(officer: Client) -> None:
    form = pool_form(DkpPool(), name="Legacy", minimum_bid="2", is_active="on")
    assert officer.post(reverse("officer:pool_new"), form).status_code == 302
    assert DkpPool.objects.get(name="Legacy").minimum_bid == 2
    assert AuditEntry.objects.get(action="pool.create").target == "Legacy"


# --- member roles --------------------------------------------------------------------------------


def test_an_officer_sets_a_members_role_which_is_audited_and_pushed_to_discord(
    officer: Client, guild: Guild, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    pushed: list[int] = []
    monkeypatch.setattr(account_tasks.push_role_group, "delay", pushed.append)
    listing = officer.get(reverse("officer:roles")).content.decode()
    assert guild.poor_member.name in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(reverse("officer:role_set", args=[guild.poor_member.pk]), {"role_group": "recruiter"})
    assert response.status_code == 302
    assert User.objects.get(pk=guild.poor_member.pk).role_group == RoleGroup.RECRUITER
    assert pushed == [guild.poor_member.pk]
    entry = AuditEntry.objects.get(action="role.set")
    assert (entry.actor, entry.target, entry.changes) == (
        guild.officer,
        guild.poor_member.name,
        {"role_group": ["member", "recruiter"]},
    )
    page = officer.get(response["Location"]).content.decode()
    assert "is now recruiter (was member)" in page


def test_an_officer_cannot_demote_themselves_on_the_roles_page(officer: Client, guild: Guild) -> None:
    response = officer.post(reverse("officer:role_set", args=[guild.officer.pk]), {"role_group": "member"})
    assert response.status_code == 400
    assert "Officers cannot demote themselves" in response.content.decode()
    assert User.objects.get(pk=guild.officer.pk).role_group == RoleGroup.OFFICER
    assert not AuditEntry.objects.exists()


def test_an_unknown_role_group_is_refused(officer: Client, guild: Guild) -> None:
    response = officer.post(reverse("officer:role_set", args=[guild.good_member.pk]), {"role_group": "king"})
    assert response.status_code == 400
    assert "&#x27;king&#x27; is not a role group." in response.content.decode()
    assert User.objects.get(pk=guild.good_member.pk).role_group == RoleGroup.MEMBER


def test_the_roles_page_filters_by_role_group(officer: Client, guild: Guild) -> None:
    page = officer.get(reverse("officer:roles"), {"role": "applicant"}).content.decode()
    assert guild.applicant.name in page
    assert guild.good_member.name not in page


def test_opening_the_role_change_by_address_goes_back_to_the_roles_page(officer: Client, guild: Guild) -> None:
    response = officer.get(reverse("officer:role_set", args=[guild.good_member.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("officer:roles")


# --- guild settings ------------------------------------------------------------------------------


def test_an_officer_changes_the_guild_settings_and_the_audit_log_keeps_before_and_after(
    officer: Client, guild: Guild
) -> None:
    form = settings_form(
        guild_name="Ashen Dawn",
        time_zone="Europe/London",
        standings_public="on",
        vote_threshold_percent="25",
        item_link_template="https://lucy.allakhazam.com/item.html?id={id}",
        discord_announce_channel_id="123456789012345678",
        auction_minutes="3",
    )
    assert officer.post(reverse("officer:settings"), form).status_code == 302
    saved = GuildSettings.objects.get(pk=1)
    assert (saved.guild_name, saved.time_zone, saved.standings_public) == ("Ashen Dawn", "Europe/London", True)
    assert (saved.vote_threshold_percent, saved.auction_minutes) == (25, 3)
    assert saved.discord_announce_channel_id == "123456789012345678"
    entry = AuditEntry.objects.get(action="settings.update")
    assert entry.changes["standings_public"] == [False, True]
    assert entry.changes["time_zone"] == ["America/New_York", "Europe/London"]
    assert "server_name" not in entry.changes
    assert "Ashen Dawn" in officer.get(reverse("officer:settings")).content.decode()


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"time_zone": "Mars/Olympus"}, "is not a time zone name"),
        ({"time_zone": "america/new_york"}, "is not a time zone name"),
        ({"item_link_template": "https://example.com/item"}, "needs {id}"),
        ({"item_link_template": "https://example.com/?item={item}"}, "not {item}"),
        ({"item_link_template": "javascript:alert(1)//{id}"}, "starting with https://"),
        ({"vote_threshold_percent": "101"}, "The vote threshold must be from 0 to 100."),
        ({"vote_threshold_percent": "ten"}, "The vote threshold must be a whole number"),
        ({"auction_minutes": "0"}, "The auction length in minutes must be from 1 to 1,440."),
        ({"discord_auction_channel_id": "general"}, "The auction channel must be a Discord channel id"),
        ({"guild_name": "  "}, "The guild name cannot be empty."),
    ],
)
def test_a_bad_setting_is_refused_on_the_form_and_nothing_is_saved(
    officer: Client, changes: dict[str, str], sentence: str
) -> None:
    before = GuildSettings.objects.values().get(pk=GuildSettings.load().pk)
    response = officer.post(reverse("officer:settings"), settings_form(**{"guild_name": "Renamed", **changes}))
    assert response.status_code == 400
    assert sentence in response.content.decode().replace("&#x27;", "'")
    assert GuildSettings.objects.values().get(pk=1) == before
    assert not AuditEntry.objects.exists()


def test_the_default_auction_length_has_the_range_of_an_auctions_own_minutes() -> None:
    assert (AUCTION_MINUTES.minimum, AUCTION_MINUTES.maximum) == (MINUTES.minimum, MINUTES.maximum)


def test_the_admins_settings_page_goes_through_the_same_rules_and_audit(officer: Client, guild: Guild) -> None:
    change = reverse("admin:core_guildsettings_change", args=[GuildSettings.load().pk])
    refused = officer.post(
        change, settings_form(time_zone="Europe/Berlin", item_link_template="https://x/item"), follow=True
    )
    assert "Nothing was saved: The item link needs {id}" in refused.content.decode()
    assert GuildSettings.objects.get(pk=1).time_zone == "America/New_York"
    assert not AuditEntry.objects.exists()
    assert officer.post(change, settings_form(time_zone="Europe/Berlin")).status_code == 302
    assert GuildSettings.objects.get(pk=1).time_zone == "Europe/Berlin"
    assert AuditEntry.objects.get().changes == {"time_zone": ["America/New_York", "Europe/Berlin"]}
