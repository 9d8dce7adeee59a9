"""The demo guild: loaded once into an empty database, believable on every page, and never loaded twice."""

import datetime as dt
import re
import zoneinfo
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum

from dkp.accounts.models import User
from dkp.characters.models import Character, CharacterClaimRequest, CharacterOwnership, ClaimStatus, EqClass
from dkp.core.models import GuildSettings
from dkp.core.roles import RoleGroup
from dkp.demo.guild import GUILD_NAME, TIME_ZONE
from dkp.eqlog.classes import EQ_CLASSES
from dkp.eqlog.dumps import is_character_name
from dkp.eqlog.raid_dump import parse_raid_dump_file_name
from dkp.loot.models import LootDistribution
from dkp.points.models import DkpPool, EntryKind, PointAdjustment, PointEntry, PriceRule, UserPointsSummary
from dkp.raids.models import Event, Raid, RaidAttendance, RaidTick
from dkp.recruitment.models import (
    ApplicationComment,
    ApplicationQuestion,
    ApplicationStageChange,
    ApplicationStatus,
    ApplicationVote,
    CommentVisibility,
    GuildApplication,
)
from dkp.web.demo import DEMO_PERSONAS


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Load the demo once for this module (it takes seconds) and roll it back when the module is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = StringIO()
        call_command("load_demo", "--if-empty", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_output, db):
    return demo_output


def model_counts():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.startswith("dkp.")
    }


def test_load_demo_into_an_empty_database_says_what_it_loaded(demo):
    assert "Loaded the demo guild" in demo
    assert "users: 40" in demo
    assert "zelroso (officer)" in demo


@pytest.mark.usefixtures("demo")
def test_guild_settings_are_the_demo_guilds():
    settings = GuildSettings.load()

    assert (settings.guild_name, settings.server_name, settings.time_zone) == (GUILD_NAME, "xegony", TIME_ZONE)


@pytest.mark.usefixtures("demo")
def test_there_are_about_forty_people_in_every_role_group():
    by_role = dict(User.objects.values_list("role_group").annotate(n=Count("id")))

    assert 38 <= sum(by_role.values()) <= 42
    assert (by_role[RoleGroup.OFFICER], by_role[RoleGroup.RECRUITER], by_role[RoleGroup.DEVELOPER]) == (3, 2, 2)
    assert 24 <= by_role[RoleGroup.MEMBER] <= 28
    assert (by_role[RoleGroup.APPLICANT], by_role[RoleGroup.GUEST]) == (5, 2)
    discord_ids = list(User.objects.values_list("discord_id", flat=True))
    assert all(re.fullmatch(r"[0-9]{17,20}", discord_id) for discord_id in discord_ids)
    assert all(User.objects.exclude(display_name="").values_list("display_name", flat=True))


@pytest.mark.usefixtures("demo")
def test_every_demo_persona_exists_in_the_role_it_is_offered_as():
    for username, role_label, blurb in DEMO_PERSONAS:
        user = User.objects.get(username=username)
        assert user.get_role_group_display() == role_label
        assert blurb
    roles = {role for _, role, _ in DEMO_PERSONAS}
    assert roles == {"Officer", "Recruiter", "Developer", "Member", "Applicant", "Guest"}


@pytest.mark.usefixtures("demo")
def test_about_seventy_characters_cover_all_sixteen_classes_with_mains_alts_and_boxes():
    characters = Character.objects.all()

    assert 65 <= characters.count() <= 75
    assert set(characters.values_list("eq_class", flat=True)) == set(EqClass.values) == set(EQ_CLASSES)
    assert set(characters.filter(owner__isnull=False).values_list("tag", flat=True)) == {"main", "alt", "box"}
    assert all(is_character_name(name) for name in characters.values_list("name", flat=True))
    members_without_a_main = User.objects.filter(
        role_group__in=[RoleGroup.OFFICER, RoleGroup.RECRUITER, RoleGroup.DEVELOPER, RoleGroup.MEMBER],
        main_character__isnull=True,
    )
    assert not members_without_a_main.exists()


@pytest.mark.usefixtures("demo")
def test_a_few_characters_seen_in_dumps_are_unclaimed_and_keep_their_attendance():
    unclaimed = Character.objects.filter(owner__isnull=True)

    assert 5 <= unclaimed.count() <= 7
    assert RaidAttendance.objects.filter(character__in=unclaimed, user__isnull=True).exists()


@pytest.mark.usefixtures("demo")
def test_two_pools_with_their_rules_and_four_events():
    main, legacy = DkpPool.objects.get(name="Main"), DkpPool.objects.get(name="Legacy")

    assert (main.price_rule, main.minimum_bid, main.tag_caps) == (PriceRule.SECOND_PRICE, 5, {"alt": 10, "box": 5})
    assert (legacy.price_rule, legacy.decay_percent, legacy.decay_period_days, legacy.decay_floor) == (
        PriceRule.FIRST_PRICE,
        10,
        30,
        50,
    )
    assert set(Event.objects.values_list("pool__name", "name")) == {
        ("Main", "Vex Thal"),
        ("Main", "Ssraeshza Temple"),
        ("Legacy", "Plane of Sky"),
        ("Legacy", "Nagafen's Lair"),
    }


@pytest.mark.usefixtures("demo")
def test_three_months_of_raid_nights_with_three_to_five_ticks_each():
    raids = Raid.objects.annotate(ticks_held=Count("ticks"))

    assert 33 <= raids.count() <= 42
    assert {raid.ticks_held for raid in raids} <= {3, 4, 5}
    first, last = raids.order_by("starts_at").first(), raids.order_by("starts_at").last()
    assert 85 <= (last.starts_at - first.starts_at).days <= 92


@pytest.mark.usefixtures("demo")
def test_every_tick_was_taken_from_a_raid_dump_named_and_timed_like_the_clients():
    settings = GuildSettings.load()
    ticks = list(RaidTick.objects.all())

    assert len({tick.source_digest for tick in ticks}) == len(ticks)
    for tick in ticks:
        parsed = parse_raid_dump_file_name(tick.source_name)
        assert parsed is not None
        assert parsed.server == "xegony"
        local = tick.occurred_at.astimezone(zoneinfo.ZoneInfo(settings.time_zone))
        assert local.replace(tzinfo=None) == parsed.written_at
        assert re.fullmatch(r"[0-9a-f]{64}", tick.source_digest)


@pytest.mark.usefixtures("demo")
def test_attendance_differs_from_the_faithful_to_the_rare():
    held = RaidTick.objects.count()

    def share(username):
        attended = RaidTick.objects.filter(attendance__user__username=username).distinct().count()
        return attended / held

    assert share("loradino") >= 0.75
    assert share("drapyr") <= 0.35
    sizes = sorted(RaidAttendance.objects.values("tick").annotate(n=Count("id")).values_list("n", flat=True))
    assert sizes[0] >= 10
    assert sizes[len(sizes) // 2] >= 18


@pytest.mark.usefixtures("demo")
def test_loot_was_bought_with_points_and_no_balance_went_below_zero():
    loot = LootDistribution.objects.all()

    assert loot.count() >= 50
    assert loot.filter(price__gt=0).count() == PointEntry.objects.filter(kind=EntryKind.LOOT).count()
    assert not UserPointsSummary.objects.filter(balance__lt=0).exists()
    main_loot = loot.filter(pool__name="Main")
    assert not main_loot.filter(price__lt=5).exists()


@pytest.mark.usefixtures("demo")
def test_adjustments_have_reasons_and_legacy_decayed_once():
    assert PointAdjustment.objects.count() >= 5
    assert not PointAdjustment.objects.filter(reason="").exists()
    assert PointAdjustment.objects.filter(amount__lt=0).exists()
    decay = PointEntry.objects.filter(kind=EntryKind.DECAY)
    assert decay.exists()
    assert set(decay.values_list("pool__name", flat=True)) == {"Legacy"}
    assert len(set(decay.values_list("occurred_at", flat=True))) == 1


@pytest.mark.usefixtures("demo")
def test_a_claim_was_approved_with_its_attendance_two_wait_and_one_character_changed_hands():
    approved = CharacterClaimRequest.objects.get(status=ClaimStatus.APPROVED)
    claimant = approved.requester

    assert approved.character.owner == claimant
    credits = PointEntry.objects.filter(user=claimant, kind=EntryKind.ATTENDANCE)
    assert credits.count() > 3
    assert credits.order_by("occurred_at").first().occurred_at < approved.created_at
    assert CharacterClaimRequest.objects.filter(status=ClaimStatus.PENDING).count() == 2
    transferred = Character.objects.annotate(owners=Count("ownerships")).filter(owners=2)
    assert transferred.count() == 1
    history = list(CharacterOwnership.objects.filter(character=transferred.get()).order_by("started_at"))
    assert history[0].ended_at == history[1].started_at
    assert history[0].user != history[1].user


@pytest.mark.usefixtures("demo")
def test_applications_in_five_stages_with_votes_and_comments():
    applications = GuildApplication.objects.all()

    assert set(applications.values_list("status", flat=True)) == {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.VOTING,
        ApplicationStatus.TRIAL,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.REJECTED,
    }
    assert ApplicationQuestion.objects.count() == 4
    assert all(len(answers) == 4 for answers in applications.values_list("answers", flat=True))
    for application in applications:
        changes = list(application.stage_changes.order_by("created_at").values_list("to_status", flat=True))
        assert changes[0] == ApplicationStatus.SUBMITTED
        assert changes[-1] == application.status
    votes = ApplicationVote.objects.all()
    assert votes.count() >= 10
    assert all(isinstance(vote.attendance_30, Decimal) and vote.attendance_30 >= 15 for vote in votes)
    assert {c.visibility for c in ApplicationComment.objects.all()} == {
        CommentVisibility.MEMBERS,
        CommentVisibility.OFFICERS,
    }
    decided = applications.filter(status__in=[ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED])
    assert all(a.decided_by is not None and a.decided_at is not None for a in decided)
    assert ApplicationStageChange.objects.count() >= 10


@pytest.mark.usefixtures("demo")
def test_reconcile_points_finds_every_summary_equal_to_the_ledger():
    output = StringIO()

    call_command("reconcile_points", stdout=output)

    assert "matches the ledger" in output.getvalue()


@pytest.mark.usefixtures("demo")
def test_loading_the_demo_again_changes_nothing():
    before = model_counts(), UserPointsSummary.objects.aggregate(total=Sum("balance"))["total"]
    output = StringIO()

    call_command("load_demo", stdout=output)

    assert "already loaded; nothing to do" in output.getvalue()
    assert (model_counts(), UserPointsSummary.objects.aggregate(total=Sum("balance"))["total"]) == before


def test_if_empty_leaves_a_database_that_has_users_alone(db):
    User.objects.create(username="someone")
    before = model_counts()
    output = StringIO()

    call_command("load_demo", "--if-empty", stdout=output)

    assert "already has users" in output.getvalue()
    assert model_counts() == before


def test_the_demo_has_live_auctions_to_bid_on_and_closed_ones_with_winners(demo):
    from dkp.loot.models import Auction, AuctionStatus, BidStatus, ItemBid
    from dkp.points.selectors import summary_differences

    open_auctions = Auction.objects.filter(status=AuctionStatus.OPEN)
    assert open_auctions.count() == 4
    assert all(auction.closes_at - auction.opened_at >= dt.timedelta(hours=23) for auction in open_auctions)
    assert ItemBid.objects.filter(auction__in=open_auctions, status=BidStatus.LIVE).exists()
    awarded = Auction.objects.filter(status=AuctionStatus.AWARDED)
    assert awarded.count() == 3
    for auction in awarded:
        assert auction.distributions.count() == 1
        winner = auction.distributions.get()
        assert winner.price <= auction.bids.get(user=winner.user).amount
    assert summary_differences() == []
