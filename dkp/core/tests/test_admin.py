"""The officers' admin: who gets in, that every page opens, and that the ledger stays append-only.

The models are taken from the admin's own registry, so a newly registered model is covered by
every parametrized test here without touching this file.
"""

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection, models
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dkp.accounts.keys import set_role_group
from dkp.accounts.models import ApiKey, User
from dkp.characters.models import Character, CharacterClaimRequest, CharacterOwnership, ClaimStatus
from dkp.characters.services import request_claim
from dkp.core.models import GuildSettings, IdempotentRequest
from dkp.core.roles import RoleGroup
from dkp.discord.models import DiscordOutbox, DiscordSyncLog
from dkp.loot.models import Auction, BidHistory, Item, ItemBid, LootDistribution
from dkp.loot.services import award_loot, item_named
from dkp.points.models import DkpPool, EntryKind, PointAdjustment, PointEntry, UserPointsSummary
from dkp.points.services import adjust_points
from dkp.raids.models import Event, MemberAttendanceSummary, MissedTickRequest, Raid, RaidAttendance, RaidTick
from dkp.raids.services import create_raid
from dkp.recruitment.models import (
    ApplicationComment,
    ApplicationQuestion,
    ApplicationStageChange,
    ApplicationVote,
    GuildApplication,
)
from dkp.switching.services import confirm_import
from dkp.switching.tests.test_confirm import old_guild
from dkp.testing.personas import TICK_VALUE, make_character

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def labels(models_):
    return [model._meta.label for model in models_]


def model_admin(model):
    return admin.site._registry[model]


def request_by(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


# An officer who is never saved: enough to ask each admin, before any database exists, what it allows.
_OFFICER = request_by(User(username="olwen", role_group=RoleGroup.OFFICER))
UNCHANGEABLE = [m for m in REGISTERED if not model_admin(m).has_change_permission(_OFFICER)]
UNDELETABLE = [m for m in REGISTERED if not model_admin(m).has_delete_permission(_OFFICER)]

# Append-only history: never added, changed or deleted by hand; read here as a record.
LEDGER = [
    PointEntry,
    UserPointsSummary,
    BidHistory,
    DiscordSyncLog,
    DiscordOutbox,
    CharacterOwnership,
    ApplicationStageChange,
    LootDistribution,
]
# Rows that carry history: officers deactivate or reverse, never delete.
KEPT_FOREVER = [
    *LEDGER,
    User,
    Character,
    CharacterClaimRequest,
    DkpPool,
    PointAdjustment,
    Event,
    Raid,
    RaidTick,
    RaidAttendance,
    MissedTickRequest,
    Item,
    Auction,
    ItemBid,
    GuildApplication,
    ApplicationVote,
    ApplicationComment,
]


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def balance(user, pool):
    return UserPointsSummary.objects.get(user=user, pool=pool).balance


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def rows(guild):
    """At least two rows of every model, made the way the guild makes them where a service exists."""
    now = timezone.now()
    gwen, pip, abe, gus = guild.good_member, guild.poor_member, guild.applicant, guild.guest

    GuildSettings.load()
    for role_group in ("applicant", "guest"):  # two audit entries, and Gus ends as he was
        set_role_group(user=gus, role_group=role_group, actor=guild.officer)
    for index, owner in enumerate((gwen, pip)):
        ApiKey.objects.create(
            owner=owner, name="phone", prefix=f"dkp{index}abcd", secret_hash=f"{index}" * 64, scopes=["read", "bid"]
        )
    strangers = [make_character(name, eq_class="Druid") for name in ("Strangeleaf", "Strangeroot")]
    for stranger in strangers:
        request_claim(character=stranger, requester=gwen, note="my old box")

    legacy = DkpPool.objects.create(name="Legacy", description="Older raids")
    hate = Event.objects.create(pool=legacy, name="Plane of Hate", default_tick_value=5)
    create_raid(event=hate, starts_at=now - dt.timedelta(days=3), note="farm night", actor=guild.officer)
    for amount, reason in ((25, "Raid leading"), (-5, "Late to pull")):
        adjust_points(user=gwen, pool=guild.pool, amount=amount, reason=reason, actor=guild.officer)

    for tick in guild.ticks[1:3]:
        MissedTickRequest.objects.create(tick=tick, user=pip, character=pip.main_character, evidence="screenshot")
    for pool in (guild.pool, None):
        MemberAttendanceSummary.objects.create(user=gwen, pool=pool, attended_30=9, held_30=10, computed_at=now)

    items = [item_named(name, eq_item_id=eq_id) for name, eq_id in (("Cloak of Flames", 1001), ("Runed Bolster", None))]
    for item, price in zip(items, (20, 15), strict=True):
        award_loot(
            item=item, pool=guild.pool, winner=gwen, character_name="Gwendolyn", price=price, actor=guild.officer
        )
    for item in items:
        auction = Auction.objects.create(
            item=item,
            pool=guild.pool,
            raid=guild.raid,
            opened_by=guild.officer,
            opened_at=now,
            closes_at=now + dt.timedelta(minutes=5),
            rules=guild.pool.auction_rules(),
        )
        for bidder, character in ((gwen, "Gwendolyn"), (pip, "Pipperel")):
            bid = ItemBid.objects.create(auction=auction, user=bidder, character_name=character, amount=5)
            BidHistory.objects.create(auction=auction, bid=bid, user=bidder, action="placed", amount=5, channel="web")

    for position, text in enumerate(("Why us?", "What is your play time?")):
        ApplicationQuestion.objects.create(text=text, position=position)
    for applicant, name in ((abe, "Abelard"), (gus, "Gusmore")):
        application = GuildApplication.objects.create(
            applicant=applicant,
            character_name=name,
            character_class="Ranger",
            character_level=60,
            answers=[{"question": "Why us?", "answer": "Friends here"}],
        )
        ApplicationStageChange.objects.create(application=application, to_status="submitted", changed_by=applicant)
        ApplicationStageChange.objects.create(
            application=application, from_status="submitted", to_status="voting", changed_by=guild.recruiter
        )
        for voter, choice in ((gwen, "yes"), (guild.recruiter, "no")):
            ApplicationVote.objects.create(application=application, voter=voter, choice=choice, attendance_30=90)
            ApplicationComment.objects.create(application=application, author=voter, body=f"{choice}, we raided")

    for result in ("ok", "failed"):
        DiscordSyncLog.objects.create(
            user=gwen,
            discord_id=gwen.discord_id,
            direction="to_discord",
            action="add_role",
            role="member",
            result=result,
        )
    DiscordOutbox.objects.create(kind="application_submitted", content="New application: Iljax, 45 Shaman")
    DiscordOutbox.objects.create(kind="application_decided", content="Iljax was accepted")
    for key in ("companion:line-1", "companion:line-2"):  # answers kept for a tool that may ask again
        IdempotentRequest.objects.create(
            caller="c" * 64, key=key, method="POST", path="/api/v1/auctions/", status=201, response=b"{}"
        )
    # Two imports of another tool's history: runs, source records, imported characters, pending entries.
    for source_id in ("opendkp:admin#1", "opendkp:admin#2"):
        history = old_guild()
        history.source_id = source_id
        confirm_import(history=history, actor=guild.officer, accept_differences="alts counted once here")
    return guild


# Who gets in


def test_every_model_of_the_guild_is_in_the_admin():
    ours = {model for model in apps.get_models() if model.__module__.startswith("dkp.")}
    assert ours - set(REGISTERED) == set()


def test_django_groups_are_not_offered_since_role_groups_decide():
    assert not admin.site.is_registered(Group)


@pytest.mark.parametrize("persona", ["recruiter", "developer", "good_member", "poor_member", "applicant", "guest"])
def test_the_admin_index_sends_everyone_but_officers_to_sign_in(client, guild, persona):
    client.force_login(getattr(guild, persona))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_the_admin_index_sends_an_anonymous_visitor_to_sign_in(client, db):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_the_admin_index_opens_for_an_officer(client, guild):
    client.force_login(guild.officer)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize("who", ["good_member", "anonymous"])
@pytest.mark.parametrize("model", REGISTERED, ids=labels(REGISTERED))
def test_every_changelist_sends_a_member_or_a_visitor_to_sign_in(client, rows, model, who):
    if who != "anonymous":
        client.force_login(getattr(rows, who))
    response = client.get(url(model, "changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


# Every page opens for an officer


@pytest.mark.parametrize("model", REGISTERED, ids=labels(REGISTERED))
def test_an_officer_opens_every_changelist(client, rows, model):
    client.force_login(rows.officer)
    assert client.get(url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=labels(REGISTERED))
def test_an_officer_searches_every_changelist(client, rows, model):
    client.force_login(rows.officer)
    for term in ("gwen", "1001"):
        assert client.get(url(model, "changelist"), {"q": term}).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=labels(REGISTERED))
def test_an_officer_opens_the_change_page_of_every_model(client, rows, model):
    row = model._default_manager.order_by("pk").first()
    assert row is not None, f"the rows fixture should make a {model._meta.verbose_name}"
    client.force_login(rows.officer)
    assert client.get(url(model, "change", row.pk)).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=labels(REGISTERED))
def test_an_officer_opens_the_add_page_only_where_adding_is_allowed(client, rows, model):
    client.force_login(rows.officer)
    addable = model_admin(model).has_add_permission(request_by(rows.officer))
    assert client.get(url(model, "add")).status_code == (200 if addable else 403)


@pytest.mark.parametrize("model", REGISTERED, ids=labels(REGISTERED))
def test_listing_every_row_costs_no_more_queries_than_listing_one(client, rows, model):
    """No N+1: both pages are filtered the same way, so they differ only in how many rows they show."""
    if model is GuildSettings:
        pytest.skip("guild settings are one row by design")
    first = model._default_manager.order_by("pk").first()
    assert model._default_manager.count() >= 2, f"the rows fixture should make two {model._meta.verbose_name_plural}"
    client.force_login(rows.officer)
    changelist = url(model, "changelist")
    with CaptureQueriesContext(connection) as one_row:
        assert client.get(changelist, {"pk__exact": first.pk}).status_code == 200
    with CaptureQueriesContext(connection) as every_row:
        assert client.get(changelist, {"pk__gte": 0}).status_code == 200
    assert len(every_row) == len(one_row), "\n".join(query["sql"] for query in every_row.captured_queries)


# The ledger and everything with history stay as they were written


@pytest.mark.parametrize("model", LEDGER, ids=labels(LEDGER))
def test_the_ledger_and_its_history_are_read_only_in_the_admin(guild, model):
    request = request_by(guild.officer)
    model_admin_ = model_admin(model)
    assert not model_admin_.has_add_permission(request)
    assert not model_admin_.has_change_permission(request)
    assert not model_admin_.has_delete_permission(request)
    assert model_admin_.has_view_permission(request)


@pytest.mark.parametrize("model", LEDGER, ids=labels(LEDGER))
def test_a_ledger_row_opens_as_a_record_with_nothing_to_save_or_delete(client, rows, model):
    row = model._default_manager.order_by("pk").first()
    client.force_login(rows.officer)
    page = client.get(url(model, "change", row.pk)).content.decode()
    assert 'name="_save"' not in page
    assert url(model, "delete", row.pk) not in page


def test_nothing_that_carries_history_can_be_deleted_in_the_admin():
    assert set(KEPT_FOREVER) <= set(UNDELETABLE)


def test_an_adjustment_can_be_added_but_never_edited(guild):
    request = request_by(guild.officer)
    assert model_admin(PointAdjustment).has_add_permission(request)
    assert not model_admin(PointAdjustment).has_change_permission(request)


def _tampered(row):
    data = {}
    for field in row._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField) and not field.choices:
            data[field.name] = "tampered"
        elif isinstance(field, models.IntegerField) and not field.is_relation:
            data[field.name] = 999
    return data


@pytest.mark.parametrize("model", UNCHANGEABLE, ids=labels(UNCHANGEABLE))
def test_a_read_only_row_cannot_be_changed_by_posting_its_form(client, rows, model):
    row = model._default_manager.order_by("pk").first()
    before = model_to_dict(row)
    client.force_login(rows.officer)
    response = client.post(url(model, "change", row.pk), _tampered(row))
    assert response.status_code == 403
    row.refresh_from_db()
    assert model_to_dict(row) == before


@pytest.mark.parametrize("model", UNDELETABLE, ids=labels(UNDELETABLE))
def test_a_row_that_carries_history_cannot_be_deleted_by_posting(client, rows, model):
    row = model._default_manager.order_by("pk").first()
    client.force_login(rows.officer)
    assert client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    client.post(url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})
    assert model._default_manager.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", LEDGER, ids=labels(LEDGER))
def test_a_ledger_row_cannot_be_added_by_posting(client, rows, model):
    count = model._default_manager.count()
    client.force_login(rows.officer)
    assert client.post(url(model, "add"), {}).status_code == 403
    assert model._default_manager.count() == count


# Reversals: the admin calls the ledger and loot services


def _run_action(client, model, action, rows_, **extra):
    data = {"action": action, "_selected_action": [row.pk for row in rows_], **extra}
    return client.post(url(model, "changelist"), data)


def test_the_ledger_changelist_offers_the_reverse_action_with_a_reason_field(client, guild):
    client.force_login(guild.officer)
    page = client.get(url(PointEntry, "changelist")).content.decode()
    assert 'value="reverse_entries"' in page
    assert 'name="reason"' in page
    assert 'value="delete_selected"' not in page


def test_reversing_entries_from_the_admin_writes_reversals_and_moves_the_balance(client, guild):
    credits = list(PointEntry.objects.filter(user=guild.good_member, kind=EntryKind.ATTENDANCE).order_by("pk")[:2])
    client.force_login(guild.officer)

    response = _run_action(client, PointEntry, "reverse_entries", credits)

    assert response.status_code == 302
    assert balance(guild.good_member, guild.pool) == 9 * TICK_VALUE - 2 * TICK_VALUE
    for credit in credits:
        reversal = PointEntry.objects.get(reverses=credit)
        assert (reversal.kind, reversal.amount, reversal.created_by) == (EntryKind.REVERSAL, -TICK_VALUE, guild.officer)
        assert reversal.memo == "Reversed from the admin by Olwen"
    assert "Reversed 2 entries." in messages_of(response)


def test_a_reversal_from_the_admin_records_the_reason_the_officer_gives(client, guild):
    credit = PointEntry.objects.filter(user=guild.poor_member).get()
    client.force_login(guild.officer)

    _run_action(client, PointEntry, "reverse_entries", [credit], reason="Pip was AFK all night")

    assert PointEntry.objects.get(reverses=credit).memo == "Pip was AFK all night"
    assert balance(guild.poor_member, guild.pool) == 0


def test_an_entry_reversed_twice_is_reported_and_nothing_more_is_written(client, guild):
    credit = PointEntry.objects.filter(user=guild.poor_member).get()
    client.force_login(guild.officer)
    _run_action(client, PointEntry, "reverse_entries", [credit])

    response = _run_action(client, PointEntry, "reverse_entries", [credit])

    assert any("has already been reversed" in message for message in messages_of(response))
    assert PointEntry.objects.filter(reverses=credit).count() == 1
    assert balance(guild.poor_member, guild.pool) == 0


def test_one_refused_reversal_does_not_stop_the_others(client, guild):
    credit = PointEntry.objects.filter(user=guild.poor_member).get()
    client.force_login(guild.officer)
    _run_action(client, PointEntry, "reverse_entries", [credit])
    reversal = PointEntry.objects.get(reverses=credit)
    gwen_credit = PointEntry.objects.filter(user=guild.good_member).order_by("pk").first()

    response = _run_action(client, PointEntry, "reverse_entries", [reversal, gwen_credit])

    assert any("cannot itself be reversed" in message for message in messages_of(response))
    assert "Reversed 1 entry." in messages_of(response)
    assert balance(guild.good_member, guild.pool) == 8 * TICK_VALUE


@pytest.mark.parametrize("persona", ["good_member", "recruiter", "developer"])
def test_a_non_officer_cannot_reverse_entries_through_the_admin(client, guild, persona):
    credit = PointEntry.objects.filter(user=guild.good_member).order_by("pk").first()
    client.force_login(getattr(guild, persona))

    response = _run_action(client, PointEntry, "reverse_entries", [credit])

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert not PointEntry.objects.filter(kind=EntryKind.REVERSAL).exists()
    assert balance(guild.good_member, guild.pool) == 9 * TICK_VALUE


def test_reversing_an_award_from_the_admin_refunds_its_price(client, guild):
    award = award_loot(
        item=item_named("Cloak of Flames"),
        pool=guild.pool,
        winner=guild.good_member,
        character_name="Gwendolyn",
        price=35,
        actor=guild.officer,
    )
    client.force_login(guild.officer)

    response = _run_action(client, LootDistribution, "reverse_awards", [award], reason="Wrong winner")

    award.refresh_from_db()
    assert award.is_reversed
    assert balance(guild.good_member, guild.pool) == 9 * TICK_VALUE
    refund = PointEntry.objects.get(kind=EntryKind.REVERSAL, loot=award)
    assert (refund.amount, refund.memo) == (35, "Wrong winner")
    assert "Reversed 1 award; its price is refunded." in messages_of(response)


def test_reversing_a_loot_entry_from_the_ledger_reverses_its_award(client, guild):
    award = award_loot(
        item=item_named("Cloak of Flames"),
        pool=guild.pool,
        winner=guild.good_member,
        character_name="Gwendolyn",
        price=35,
        actor=guild.officer,
    )
    client.force_login(guild.officer)

    _run_action(client, PointEntry, "reverse_entries", [PointEntry.objects.get(loot=award, kind=EntryKind.LOOT)])

    award.refresh_from_db()
    assert award.is_reversed
    assert balance(guild.good_member, guild.pool) == 9 * TICK_VALUE


# Adjustments go through adjust_points


def test_adding_an_adjustment_in_the_admin_writes_a_ledger_entry_and_moves_the_balance(client, guild):
    client.force_login(guild.officer)

    response = client.post(
        url(PointAdjustment, "add"),
        {"user": guild.poor_member.pk, "pool": guild.pool.pk, "amount": 25, "reason": "Brought the port"},
    )

    assert response.status_code == 302
    adjustment = PointAdjustment.objects.get()
    assert (adjustment.user, adjustment.amount, adjustment.created_by) == (guild.poor_member, 25, guild.officer)
    entry = PointEntry.objects.get(adjustment=adjustment)
    assert (entry.kind, entry.amount, entry.memo) == (EntryKind.ADJUSTMENT, 25, "Brought the port")
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE + 25


@pytest.mark.parametrize(("amount", "reason"), [(0, "Nothing"), (10, "   ")])
def test_an_adjustment_without_points_or_a_reason_is_refused_and_nothing_is_written(client, guild, amount, reason):
    client.force_login(guild.officer)

    response = client.post(
        url(PointAdjustment, "add"),
        {"user": guild.poor_member.pk, "pool": guild.pool.pk, "amount": amount, "reason": reason},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not PointAdjustment.objects.exists()
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE


def test_an_adjustment_the_service_refuses_is_reported_and_nothing_is_written(client, guild):
    # A superuser enters the admin whatever their role group, but only officers may move points.
    root = User.objects.create_superuser("root", "a-long-password", role_group=RoleGroup.GUEST)
    client.force_login(root)

    response = client.post(
        url(PointAdjustment, "add"),
        {"user": guild.poor_member.pk, "pool": guild.pool.pk, "amount": 25, "reason": "Brought the port"},
    )

    assert response.status_code == 302
    assert response.url == url(PointAdjustment, "add")
    assert "A guest may not manage raids, ticks, auctions, loot, points, characters, users and roles." in (
        messages_of(response)
    )
    assert not PointAdjustment.objects.exists()
    assert balance(guild.poor_member, guild.pool) == TICK_VALUE


def test_a_member_cannot_add_an_adjustment_through_the_admin(client, guild):
    client.force_login(guild.good_member)

    response = client.post(
        url(PointAdjustment, "add"),
        {"user": guild.good_member.pk, "pool": guild.pool.pk, "amount": 500, "reason": "Trust me"},
    )

    assert response.status_code == 302
    assert not PointAdjustment.objects.exists()
    assert balance(guild.good_member, guild.pool) == 9 * TICK_VALUE


# Users, characters and claims


def _user_form(user, **changes):
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "role_group": user.role_group,
        "is_active": "on" if user.is_active else "",
        "member_since": "",
        "main_character": user.main_character_id or "",
        "discord_id": user.discord_id or "",
        "discord_username": user.discord_username,
        "avatar": user.avatar,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_an_officer_changes_a_role_group_in_the_admin(client, guild):
    client.force_login(guild.officer)

    response = client.post(url(User, "change", guild.applicant.pk), _user_form(guild.applicant, role_group="member"))

    assert response.status_code == 302
    guild.applicant.refresh_from_db()
    assert guild.applicant.role_group == RoleGroup.MEMBER


def test_an_officer_cannot_make_anyone_a_superuser(client, guild):
    client.force_login(guild.officer)

    client.post(url(User, "change", guild.good_member.pk), _user_form(guild.good_member, is_superuser="on"))

    guild.good_member.refresh_from_db()
    assert not guild.good_member.is_superuser


def test_a_main_character_is_chosen_from_the_users_own_characters(client, guild):
    client.force_login(guild.officer)

    response = client.post(
        url(User, "change", guild.good_member.pk),
        _user_form(guild.good_member, main_character=guild.poor_member.main_character_id),
    )

    assert response.status_code == 200
    assert "main_character" in response.context["adminform"].form.errors
    guild.good_member.refresh_from_db()
    assert guild.good_member.main_character.name == "Gwendolyn"


def test_a_superuser_adds_a_user_who_can_only_sign_in_with_discord(client, guild):
    root = User.objects.create_superuser("root", "a-long-password")
    client.force_login(root)

    response = client.post(url(User, "add"), {"username": "newbie", "role_group": "guest", "is_active": "on"})

    assert response.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert not newbie.has_usable_password()


def test_an_officer_does_not_add_users_by_hand(client, guild):
    client.force_login(guild.officer)
    assert client.post(url(User, "add"), {"username": "newbie", "role_group": "officer"}).status_code == 403
    assert not User.objects.filter(username="newbie").exists()


def test_approving_a_claim_in_the_admin_gives_the_character_to_the_member(client, guild):
    stranger = make_character("Strangeleaf", eq_class="Druid")
    claim = request_claim(character=stranger, requester=guild.poor_member)
    client.force_login(guild.officer)

    _run_action(client, CharacterClaimRequest, "approve_claims", [claim])

    stranger.refresh_from_db()
    claim.refresh_from_db()
    assert (stranger.owner, claim.status, claim.decided_by) == (guild.poor_member, ClaimStatus.APPROVED, guild.officer)


def test_denying_a_claim_without_a_reason_is_reported_and_the_claim_stays_pending(client, guild):
    stranger = make_character("Strangeleaf", eq_class="Druid")
    claim = request_claim(character=stranger, requester=guild.poor_member)
    client.force_login(guild.officer)

    response = _run_action(client, CharacterClaimRequest, "deny_claims", [claim])

    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PENDING
    assert any("Say why the claim is denied." in message for message in messages_of(response))


def test_an_owner_is_not_changed_by_editing_the_character(client, guild):
    gwendolyn = guild.good_member.main_character
    client.force_login(guild.officer)

    response = client.post(
        url(Character, "change", gwendolyn.pk),
        {
            "name": "Gwendolyn",
            "eq_class": "Warrior",
            "level": 66,
            "tag": "main",
            "is_active": "on",
            "owner": guild.poor_member.pk,
            "ownerships-TOTAL_FORMS": 0,
            "ownerships-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    gwendolyn.refresh_from_db()
    assert (gwendolyn.level, gwendolyn.owner) == (66, guild.good_member)


def test_the_pool_an_event_credits_cannot_be_changed_in_the_admin(client, guild):
    legacy = DkpPool.objects.create(name="Legacy")
    client.force_login(guild.officer)

    client.post(
        url(Event, "change", guild.event.pk),
        {"name": "Vex Thal", "pool": legacy.pk, "default_tick_value": 12, "is_active": "on"},
    )

    guild.event.refresh_from_db()
    assert (guild.event.pool, guild.event.default_tick_value) == (guild.pool, 12)


def test_a_tick_keeps_the_value_it_credited_when_edited_in_the_admin(client, guild):
    tick = guild.ticks[0]
    client.force_login(guild.officer)

    client.post(
        url(RaidTick, "change", tick.pk),
        {"description": "on time", "value": 99, "attendance-TOTAL_FORMS": 0, "attendance-INITIAL_FORMS": 0},
    )

    tick.refresh_from_db()
    assert (tick.description, tick.value) == ("on time", TICK_VALUE)


def test_a_raid_added_in_the_admin_records_the_officer_who_made_it(client, guild):
    client.force_login(guild.officer)

    response = client.post(
        url(Raid, "add"),
        {
            "event": guild.event.pk,
            "starts_at_0": "2026-01-05",
            "starts_at_1": "20:00:00",
            "note": "Aten Ha Ra",
            "ticks-TOTAL_FORMS": 0,
            "ticks-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    raid = Raid.objects.get(note="Aten Ha Ra")
    assert raid.created_by == guild.officer
