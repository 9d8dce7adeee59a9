"""The benchmark guild: true proportions, a ledger that reconciles, prices by the pool's rule, one guild per seed."""

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q

from dkp.accounts.models import User
from dkp.bench.generate import generate_guild
from dkp.characters.models import Character, CharacterTag, EqClass
from dkp.core.roles import RoleGroup
from dkp.loot.models import Auction, AuctionStatus, BidAction, BidHistory, BidStatus, ItemBid, LootDistribution
from dkp.points.models import DkpPool, EntryKind, PointAdjustment, PointEntry, PriceRule, UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.raids.models import MemberAttendanceSummary, Raid, RaidAttendance, RaidTick
from dkp.recruitment.models import ApplicationStatus, ApplicationVote, GuildApplication

USERS = 40


@pytest.fixture(scope="class")
def generated(django_db_setup, django_db_blocker):
    """A 40-user, one-year guild made by the command, once for the class of tests that read it, rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = StringIO()
        call_command("generate_guild", "--users", str(USERS), "--years", "1", "--seed", "3", stdout=output)
        yield output.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def guild(generated, db):
    return generated


def _effective(bid: ItemBid, caps: dict[str, int]) -> int:
    """A bid as the resolver counts it: clamped to its tag's cap."""
    return min(bid.amount, caps.get(bid.tag, bid.amount))


@pytest.mark.usefixtures("guild")
class TestAGuildOfFortyOverOneYear:
    """Read-only checks of one generated guild."""

    def test_the_command_prints_each_phase_and_a_table_of_rows_and_seconds(self, guild):
        assert "raid nights: " in guild
        assert "attendance summaries: " in guild
        assert f"Generated a guild of {USERS} users and 1 year(s) of raids (seed 3)" in guild
        rows = {line.split()[0]: line.split()[-1] for line in guild.splitlines() if line.startswith("  ticks ")}
        assert rows["ticks"] == f"{RaidTick.objects.count():,}"
        assert any(line.split() == ["phase", "seconds"] for line in guild.splitlines())

    def test_people_and_characters_come_in_a_raiding_guilds_proportions(self):
        assert User.objects.count() == USERS
        roles = Counter(User.objects.values_list("role_group", flat=True))
        assert roles[RoleGroup.OFFICER] >= 2
        assert roles[RoleGroup.APPLICANT] >= 1
        assert roles[RoleGroup.GUEST] >= 1  # left the guild, or were turned down
        characters = Character.objects.count()
        assert 1.4 * USERS <= characters <= 2.2 * USERS
        assert set(Character.objects.values_list("eq_class", flat=True)) == set(EqClass.values)
        assert set(Character.objects.values_list("tag", flat=True)) == set(CharacterTag.values)
        unclaimed = Character.objects.filter(owner__isnull=True).count()
        assert 0 < unclaimed <= 0.1 * characters
        # Every member's main is one of their own characters.
        assert not User.objects.exclude(main_character__isnull=True).exclude(main_character__owner=F("pk")).exists()

    def test_about_four_raid_nights_a_week_with_about_four_ticks_each(self):
        nights, ticks = Raid.objects.count(), RaidTick.objects.count()
        assert 180 <= nights <= 215
        assert 3.5 <= ticks / nights <= 4.5
        per_tick = RaidAttendance.objects.values("tick").annotate(n=Count("id")).aggregate(low=Min("n"), high=Max("n"))
        assert per_tick["low"] >= 1
        assert per_tick["high"] <= USERS * 2  # never more characters than there are
        # Members come and go: fewer raided in the last 30 days than ever did.
        last_tick = RaidTick.objects.aggregate(last=Max("occurred_at"))["last"]
        recent = RaidAttendance.objects.filter(
            tick__occurred_at__gt=last_tick - dt.timedelta(days=30), user__isnull=False
        )
        ever = RaidAttendance.objects.filter(user__isnull=False).values("user").distinct().count()
        assert 0 < recent.values("user").distinct().count() < 0.6 * ever

    def test_auctions_bids_and_history_come_in_the_expected_proportions(self):
        auctions = Auction.objects.count()
        assert 1 <= auctions / Raid.objects.count() <= 4
        assert set(Auction.objects.values_list("status", flat=True)) <= {AuctionStatus.AWARDED, AuctionStatus.ROTTED}
        assert Auction.objects.filter(status=AuctionStatus.AWARDED).count() == LootDistribution.objects.count()
        assert not Auction.objects.filter(closed_at__isnull=True).exists()
        bids = ItemBid.objects.count()
        assert 3 <= bids / auctions <= 6
        statuses = Counter(ItemBid.objects.values_list("status", flat=True))
        assert set(statuses) == {BidStatus.WON, BidStatus.LOST, BidStatus.WITHDRAWN}
        actions = Counter(BidHistory.objects.values_list("action", flat=True))
        assert actions[BidAction.PLACED] == bids
        assert actions[BidAction.WITHDRAWN] == statuses[BidStatus.WITHDRAWN]
        assert actions[BidAction.RAISED] > 0
        # Every bid and every history row happened while its auction was open.
        for model, moment in ((ItemBid, "amount_set_at"), (BidHistory, "created_at")):
            outside = model.objects.filter(
                Q(**{f"{moment}__lt": F("auction__opened_at")}) | Q(**{f"{moment}__gt": F("auction__closes_at")})
            )
            assert not outside.exists()

    def test_the_ledger_reconciles_and_no_balance_ever_went_below_zero(self):
        assert summary_differences() == []
        assert UserPointsSummary.objects.count() > 0
        assert not UserPointsSummary.objects.filter(balance__lt=0).exists()
        running: dict[tuple[int, int], int] = defaultdict(int)
        for user_id, pool_id, amount in PointEntry.objects.order_by("occurred_at", "id").values_list(
            "user_id", "pool_id", "amount"
        ):
            running[(user_id, pool_id)] += amount
            assert running[(user_id, pool_id)] >= 0

    def test_every_ledger_entry_names_what_caused_it(self):
        connection.check_constraints()  # every foreign key points at a row
        kinds = Counter(PointEntry.objects.values_list("kind", flat=True))
        assert set(kinds) == {EntryKind.ATTENDANCE, EntryKind.LOOT, EntryKind.ADJUSTMENT, EntryKind.DECAY}
        # Attendance: one credit per user per tick, worth the tick, to someone with a character there.
        credits = PointEntry.objects.filter(kind=EntryKind.ATTENDANCE)
        assert credits.values("user", "tick").distinct().count() == kinds[EntryKind.ATTENDANCE]
        assert not credits.exclude(amount=F("tick__value")).exists()
        present = set(RaidAttendance.objects.filter(user__isnull=False).values_list("user_id", "tick_id"))
        assert set(credits.values_list("user_id", "tick_id")) == present
        # Loot: the price of the award; adjustments: the adjustment's amount and its reason.
        assert not PointEntry.objects.filter(kind=EntryKind.LOOT).exclude(amount=-F("loot__price")).exists()
        adjustments = PointEntry.objects.filter(kind=EntryKind.ADJUSTMENT)
        assert adjustments.count() == PointAdjustment.objects.count()
        assert not adjustments.exclude(amount=F("adjustment__amount"), memo=F("adjustment__reason")).exists()
        assert not PointAdjustment.objects.filter(reason="").exists()
        # Decay only where the pool decays, and its last run recorded on the pool.
        decaying = DkpPool.objects.get(decay_percent__gt=0)
        assert set(PointEntry.objects.filter(kind=EntryKind.DECAY).values_list("pool_id", flat=True)) == {decaying.pk}
        assert decaying.last_decayed_at is not None

    def test_every_loot_price_follows_its_pools_rule_and_stays_within_the_winners_bid(self):
        checked = Counter()
        for auction in Auction.objects.filter(status=AuctionStatus.AWARDED).select_related("pool"):
            rules = auction.rules
            caps = rules["tag_caps"]
            bids = list(auction.bids.exclude(status=BidStatus.WITHDRAWN))
            (winner,) = [bid for bid in bids if bid.status == BidStatus.WON]
            (award,) = LootDistribution.objects.filter(auction=auction)
            assert (award.user_id, award.character_name) == (winner.user_id, winner.character_name)
            assert award.price <= winner.amount

            losers = [_effective(bid, caps) for bid in bids if bid.status == BidStatus.LOST]
            if rules["price_rule"] == PriceRule.FIRST_PRICE:
                assert award.price == winner.amount
            elif losers:
                increment = rules["bid_increment"] or 1
                assert award.price == max(min(max(losers) + increment, _effective(winner, caps)), rules["minimum_bid"])
            else:
                assert award.price == rules["minimum_bid"]
            assert auction.outcome["winners"] == [
                {"distribution_id": award.pk, "bid_id": winner.pk, "name": winner.character_name, "price": award.price}
            ]
            assert auction.outcome["awards"][0]["bid_id"] == winner.pk
            checked[rules["price_rule"]] += 1
        assert checked[PriceRule.SECOND_PRICE] > 0
        assert checked[PriceRule.FIRST_PRICE] > 0

    def test_attendance_summaries_exist_for_every_raider_with_percentages_from_0_to_100(self):
        raiders = set(RaidAttendance.objects.filter(user__isnull=False).values_list("user_id", flat=True))
        overall = MemberAttendanceSummary.objects.filter(pool__isnull=True)
        assert set(overall.values_list("user_id", flat=True)) == raiders
        for column in ("percent_30", "percent_60", "percent_90", "percent_lifetime"):
            bounds = MemberAttendanceSummary.objects.aggregate(low=Min(column), high=Max(column))
            assert 0 <= bounds["low"] <= bounds["high"] <= 100
        assert overall.filter(percent_30__gt=0).exists()
        assert overall.filter(percent_30=0).exists()  # those who left

    def test_applications_reach_every_stage_and_votes_carry_the_voters_attendance(self):
        stages = set(GuildApplication.objects.values_list("status", flat=True))
        assert stages == set(ApplicationStatus.values)
        assert ApplicationVote.objects.exists()
        assert not ApplicationVote.objects.filter(attendance_30__lt=15).exists()
        decided = GuildApplication.objects.filter(status__in=[ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED])
        assert not decided.filter(decided_by__isnull=True).exists()


def _digest() -> str:
    """What a person would compare between two guilds: every ledger line, every balance, every outcome."""
    ledger = PointEntry.objects.order_by("occurred_at", "id").values_list(
        "user__username", "pool__name", "amount", "kind", "occurred_at", "character_name"
    )
    balances = UserPointsSummary.objects.order_by("user__username", "pool__name").values_list(
        "user__username", "pool__name", "balance", "earned", "spent", "decayed"
    )
    outcomes = [sorted(outcome.items()) for outcome in Auction.objects.order_by("id").values_list("outcome", flat=True)]
    text = repr((list(ledger), list(balances), outcomes, RaidAttendance.objects.count()))
    return hashlib.sha256(text.encode()).hexdigest()


def _generated_digest(seed: int) -> str:
    with transaction.atomic():
        generate_guild(users=USERS, years=1, seed=seed, today=dt.date(2026, 3, 14))
        digest = _digest()
        transaction.set_rollback(True)
    return digest


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_guild_and_another_seed_another():
    first = _generated_digest(11)

    assert _generated_digest(11) == first
    assert _generated_digest(12) != first


@pytest.mark.django_db
def test_a_database_with_users_is_refused_and_left_as_it_was():
    User.objects.create(username="alice", role_group=RoleGroup.MEMBER)

    with pytest.raises(CommandError, match="generate_guild only writes into an empty database"):
        call_command("generate_guild", "--users", str(USERS), "--years", "1", "--quiet", stdout=StringIO())

    assert User.objects.count() == 1
    assert not DkpPool.objects.exists()
    assert not Raid.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("option", "value", "message"), [("--users", "5", "20 to 5,000 users"), ("--years", "0", "1 to 30 years")]
)
def test_sizes_outside_the_range_are_refused(option, value, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_guild", option, value, "--quiet", stdout=StringIO())

    assert not User.objects.exists()
