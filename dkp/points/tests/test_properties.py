"""Property tests of the points ledger: whatever officers do, in any order, the books stay honest.

A state machine drives the real services (ticks with claimed and unclaimed characters, loot,
adjustments, decay, reversals, transfers, claims) and keeps its own account of what every
summary should hold, by the rules of DESIGN.md §6. After every step:
- every summary equals its ledger (``summary_differences() == []``);
- every summary equals the account kept here, column by column;
- the step wrote exactly the ledger entries the account expected, and a refused step wrote none;
- loot never took a balance below zero, and a transfer moved no points at all.

Each example runs inside a savepoint that is rolled back at its end, so it works the same on
SQLite and PostgreSQL without truncating tables between examples.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from dkp.accounts.models import User
from dkp.characters.models import Character, CharacterOwnership, EqClass
from dkp.characters.services import approve_claim, request_claim, transfer_character
from dkp.core.errors import Conflict, Forbidden, InvalidInput
from dkp.core.personas import make_character, make_user
from dkp.loot.models import LootDistribution
from dkp.loot.services import award_loot, item_named
from dkp.points.models import DkpPool, EntryKind, PointEntry, UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.points.services import adjust_points, apply_decay, reverse_entry
from dkp.raids.models import Event, Raid
from dkp.raids.services import Attendee, create_raid, record_tick

POOLS = ("Main", "Legacy")
USERNAMES = ("olwen", "rhea", "dev", "gwen", "pip", "kit", "abe", "gus")
# Who may claim a character, from the roles table: everyone but the applicant (abe) and the guest (gus).
MAY_CLAIM = frozenset({"olwen", "rhea", "dev", "gwen", "pip", "kit"})
# Strangers are seen at ticks before anyone owns them; the others belong to the personas.
STRANGERS = {"Wanderer": EqClass.MONK, "Drifter": EqClass.BARD, "Lurker": EqClass.NECROMANCER}
CLASS_OF = {
    "Olwenna": EqClass.CLERIC,
    "Rheanor": EqClass.ENCHANTER,
    "Devraxx": EqClass.WIZARD,
    "Gwendolyn": EqClass.WARRIOR,
    "Gwenalt": EqClass.CLERIC,
    "Pipperel": EqClass.ROGUE,
    **STRANGERS,
}
ITEMS = ("Cloak of Flames", "Veil of Lost Hopes", "Shiny Brass Idol")
COLUMNS = ("earned", "spent", "adjusted", "decayed", "balance", "lifetime_earned")


@dataclass(frozen=True)
class Entry:
    """A ledger entry as the account expects it: who, where, what kind, how much, and what it points at."""

    user_id: int
    pool_id: int
    kind: str
    amount: int
    tick_id: int | None = None
    loot_id: int | None = None
    reverses_id: int | None = None

    @classmethod
    def of(cls, row: PointEntry) -> "Entry":
        return cls(row.user_id, row.pool_id, row.kind, row.amount, row.tick_id, row.loot_id, row.reverses_id)


class GuildLedger(RuleBasedStateMachine):
    """The guild's ledger under random officer actions, beside an account of what it should say."""

    def __init__(self, raid_ids: dict[str, int]) -> None:
        super().__init__()
        self.raid_ids = raid_ids
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        try:
            self.read_the_guild()
        except BaseException:
            self.teardown()
            raise

    def read_the_guild(self) -> None:
        self.officer = User.objects.get(username="olwen")
        self.pool_ids = dict(DkpPool.objects.values_list("name", "pk"))
        self.owner: dict[str, int | None] = dict(Character.objects.values_list("name", "owner_id"))
        self.unclaimed_ticks: dict[str, list[int]] = {}
        self.ticks: dict[int | None, tuple[int, int, dt.datetime]] = {}  # tick → pool, value, when
        self.account: dict[tuple[int, int], dict[str, int]] = {}
        self.entries: dict[int, Entry] = {}
        self.reversed: set[int] = set()
        self.live_credits: set[tuple[int, int | None]] = set()  # (user, tick) holding an unreversed credit
        self.last_entry_id = 0
        self.take_written_entries(expected=None)
        self.clock = timezone.now() - dt.timedelta(days=5)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    # The account -------------------------------------------------------------------------------

    def book(self, entry_id: int, entry: Entry) -> None:
        """Move the account as the rules say this entry moves a summary."""
        self.entries[entry_id] = entry
        kind, original_amount = entry.kind, entry.amount
        if entry.reverses_id is not None:
            original = self.entries[entry.reverses_id]
            kind, original_amount = original.kind, original.amount
            self.reversed.add(entry.reverses_id)
            if original.kind == EntryKind.ATTENDANCE:
                self.live_credits.discard((original.user_id, original.tick_id))
        elif kind == EntryKind.ATTENDANCE:
            self.live_credits.add((entry.user_id, entry.tick_id))
        row = self.account.setdefault((entry.user_id, entry.pool_id), dict.fromkeys(COLUMNS, 0))
        row["balance"] += entry.amount
        if kind == EntryKind.ATTENDANCE:
            row["earned"] += entry.amount
            row["lifetime_earned"] += entry.amount
        elif kind == EntryKind.LOOT:
            row["spent"] -= entry.amount
        elif kind == EntryKind.ADJUSTMENT:
            row["adjusted"] += entry.amount
            if original_amount > 0:
                row["lifetime_earned"] += entry.amount
        elif kind == EntryKind.DECAY:
            row["decayed"] -= entry.amount
        else:
            raise AssertionError(f"a reversal of a reversal was booked: {entry}")

    def take_written_entries(self, expected: list[Entry] | None) -> list[PointEntry]:
        """Book what the last step wrote, after checking it is exactly what was expected."""
        written = list(PointEntry.objects.filter(pk__gt=self.last_entry_id).order_by("pk"))
        if expected is not None:
            assert Counter(Entry.of(row) for row in written) == Counter(expected)
        for row in written:
            self.book(row.pk, Entry.of(row))
            self.last_entry_id = row.pk
        return written

    def balance(self, user_id: int, pool_id: int) -> int:
        return self.account.get((user_id, pool_id), {"balance": 0})["balance"]

    def user(self, username: str) -> User:
        return User.objects.get(username=username)  # fresh: a transfer may have changed their main

    # Rules -----------------------------------------------------------------------------------------

    @rule(
        pool=st.sampled_from(POOLS),
        names=st.sets(st.sampled_from(sorted(CLASS_OF)), min_size=1, max_size=4),
        value=st.integers(min_value=1, max_value=25),
    )
    def record_a_tick(self, pool: str, names: set[str], value: int) -> None:
        self.clock += dt.timedelta(hours=1)
        present = sorted(names)
        tick = record_tick(
            raid=self.raid_for(pool),
            occurred_at=self.clock,
            attendees=[Attendee(name, CLASS_OF[name], 60) for name in present],
            value=value,
            actor=self.officer,
        )
        pool_id = self.pool_ids[pool]
        self.ticks[tick.pk] = (pool_id, value, tick.occurred_at)
        owners = set()
        for name in present:
            owner = self.owner.setdefault(name, None)  # a stranger seen for the first time is created unclaimed
            if owner is None:
                self.unclaimed_ticks.setdefault(name, []).append(tick.pk)
            else:
                owners.add(owner)
        self.take_written_entries(
            [Entry(owner, pool_id, EntryKind.ATTENDANCE, value, tick_id=tick.pk) for owner in owners]
        )

    @rule(
        winner=st.sampled_from(USERNAMES),
        pool=st.sampled_from(POOLS),
        affordable=st.booleans(),
        data=st.data(),
        item=st.sampled_from(ITEMS),
    )
    def award_loot_directly(self, winner: str, pool: str, affordable: bool, data: st.DataObject, item: str) -> None:
        user, pool_id = self.user(winner), self.pool_ids[pool]
        balance = self.balance(user.pk, pool_id)
        # Half the awards are priced within the balance (free when there is none), half beyond it.
        within = max(balance, 0)
        prices = st.integers(min(1, within), within) if affordable else st.integers(within + 1, within + 60)
        price = data.draw(prices, label="price")

        def award() -> LootDistribution:
            return award_loot(
                item=item_named(item),
                pool=DkpPool.objects.get(pk=pool_id),
                winner=user,
                character_name=user.main_character.name if user.main_character else user.username,
                price=price,
                actor=self.officer,
            )

        if price > 0 and price > balance:
            event("loot above the balance refused")
            distributions = LootDistribution.objects.count()
            with pytest.raises(Conflict, match="would take the balance below zero"):
                award()
            assert LootDistribution.objects.count() == distributions
            self.take_written_entries([])
            return
        loot = award()
        self.take_written_entries([Entry(user.pk, pool_id, EntryKind.LOOT, -price, loot_id=loot.pk)] if price else [])
        summary = UserPointsSummary.objects.filter(user=user, pool_id=pool_id).values_list("balance", flat=True)
        balance_after = summary.first() or 0
        assert balance_after == balance - price
        if price > 0:
            assert balance_after >= 0, "loot took a balance below zero"

    @rule(
        username=st.sampled_from(USERNAMES),
        pool=st.sampled_from(POOLS),
        amount=st.integers(min_value=-40, max_value=40).filter(bool),
    )
    def adjust_points_by_hand(self, username: str, pool: str, amount: int) -> None:
        user, pool_id = self.user(username), self.pool_ids[pool]
        adjust_points(
            user=user, pool=DkpPool.objects.get(pk=pool_id), amount=amount, reason="officer's call", actor=self.officer
        )
        self.take_written_entries([Entry(user.pk, pool_id, EntryKind.ADJUSTMENT, amount)])

    @rule(
        pool=st.sampled_from(POOLS),
        percent=st.integers(min_value=0, max_value=100),
        floor=st.integers(min_value=0, max_value=60),
    )
    def decay_the_pool(self, pool: str, percent: int, floor: int) -> None:
        pool_id = self.pool_ids[pool]
        expected = []
        for (user_id, row_pool_id), row in self.account.items():
            if row_pool_id != pool_id or row["balance"] <= floor:
                continue
            # A whole percentage, rounded down, and never past the floor.
            amount = min(row["balance"] * percent // 100, row["balance"] - floor)
            if amount:
                expected.append(Entry(user_id, pool_id, EntryKind.DECAY, -amount))
        apply_decay(pool=DkpPool.objects.get(pk=pool_id), actor=self.officer, percent=percent, floor=floor)
        self.take_written_entries(expected)

    @rule(data=st.data(), back=st.integers(min_value=0, max_value=10))
    def reverse_a_recent_entry(self, data: st.DataObject, back: int) -> None:
        candidates: dict[str, list[int]] = {"a reversed entry": sorted(self.reversed)}
        for entry_id, entry in sorted(self.entries.items()):
            which = "a reversal" if entry.kind == EntryKind.REVERSAL else f"unreversed {entry.kind}"
            if entry_id not in self.reversed:
                candidates.setdefault(which, []).append(entry_id)
        which = data.draw(st.sampled_from(sorted(name for name, ids in candidates.items() if ids)), label="which")
        entry_id = candidates[which][-1 - back % len(candidates[which])]
        entry = self.entries[entry_id]
        target = PointEntry.objects.get(pk=entry_id)
        if entry.kind == EntryKind.REVERSAL:
            event("reversing a reversal refused")
            with pytest.raises(InvalidInput, match="cannot itself be reversed"):
                reverse_entry(entry=target, actor=self.officer, reason="second thoughts")
            self.take_written_entries([])
            return
        if entry_id in self.reversed:
            event("reversing twice refused")
            with pytest.raises(Conflict, match="already"):
                reverse_entry(entry=target, actor=self.officer, reason="second thoughts")
            self.take_written_entries([])
            return
        event(f"{entry.kind} reversed")
        reverse_entry(entry=target, actor=self.officer, reason="entered by mistake")
        self.take_written_entries(
            [
                Entry(
                    entry.user_id,
                    entry.pool_id,
                    EntryKind.REVERSAL,
                    -entry.amount,
                    tick_id=entry.tick_id,
                    loot_id=entry.loot_id,
                    reverses_id=entry_id,
                )
            ]
        )
        if entry.kind == EntryKind.LOOT:
            assert entry.loot_id is not None
            assert LootDistribution.objects.get(pk=entry.loot_id).is_reversed, "reversed loot is marked reversed"

    @precondition(lambda self: any(owner is not None for owner in self.owner.values()))
    @rule(data=st.data())
    def transfer_a_character(self, data: st.DataObject) -> None:
        owned = sorted(name for name, owner in self.owner.items() if owner is not None)
        name = data.draw(st.sampled_from(owned), label="character")
        to_user = self.user(data.draw(st.sampled_from(USERNAMES), label="to"))
        character = Character.objects.get(name=name)
        standings_before = list(UserPointsSummary.objects.order_by("pk").values_list("pk", *COLUMNS))
        if to_user.pk == self.owner[name]:
            event("transfer to the owner refused")
            with pytest.raises(InvalidInput, match="already belongs"):
                transfer_character(character=character, to_user=to_user, actor=self.officer, reason="hand-over")
        else:
            transfer_character(character=character, to_user=to_user, actor=self.officer, reason="hand-over")
            self.owner[name] = to_user.pk
        assert CharacterOwnership.objects.get(character=character, ended_at__isnull=True).user_id == self.owner[name]
        assert list(UserPointsSummary.objects.order_by("pk").values_list("pk", *COLUMNS)) == standings_before
        self.take_written_entries([])

    @precondition(lambda self: any(owner is None for owner in self.owner.values()))
    @rule(data=st.data())
    def claim_an_unclaimed_character(self, data: st.DataObject) -> None:
        unclaimed = sorted(name for name, owner in self.owner.items() if owner is None)
        name = data.draw(st.sampled_from(unclaimed), label="character")
        username = data.draw(st.sampled_from(USERNAMES), label="requester")
        requester, character = self.user(username), Character.objects.get(name=name)
        if username not in MAY_CLAIM:
            with pytest.raises(Forbidden):
                request_claim(character=character, requester=requester)
            self.take_written_entries([])
            return
        expected = []
        for tick_id in self.unclaimed_ticks.get(name, []):
            if (requester.pk, tick_id) not in self.live_credits:
                pool_id, value, _ = self.ticks[tick_id]
                expected.append(Entry(requester.pk, pool_id, EntryKind.ATTENDANCE, value, tick_id=tick_id))
        claim = request_claim(character=character, requester=requester)
        approve_claim(claim=claim, actor=self.officer)
        self.owner[name] = requester.pk
        self.unclaimed_ticks.pop(name, None)
        event(f"claim credited {'some' if expected else 'no'} ticks")
        for credit in self.take_written_entries(expected):
            assert credit.occurred_at == self.ticks[credit.tick_id][2], "a late credit keeps the tick's own date"
        with pytest.raises(Conflict, match="already approved"):
            approve_claim(claim=claim, actor=self.officer)
        self.take_written_entries([])

    def raid_for(self, pool: str) -> Raid:
        return Raid.objects.select_related("event__pool").get(pk=self.raid_ids[pool])

    # Invariants ------------------------------------------------------------------------------------

    @invariant()
    def every_summary_equals_its_ledger(self) -> None:
        assert summary_differences() == []

    @invariant()
    def every_summary_equals_the_account_kept_beside_it(self) -> None:
        stored = {
            (row["user_id"], row["pool_id"]): {column: row[column] for column in COLUMNS}
            for row in UserPointsSummary.objects.values("user_id", "pool_id", *COLUMNS)
        }
        nothing = dict.fromkeys(COLUMNS, 0)
        for key in stored.keys() | self.account.keys():
            assert stored.get(key, nothing) == self.account.get(key, nothing), f"user {key[0]} in pool {key[1]}"

    @invariant()
    def characters_belong_to_whom_the_account_says(self) -> None:
        assert dict(Character.objects.values_list("name", "owner_id")) == self.owner


@pytest.fixture
def guild_with_two_pools(guild):
    """The personas, plus a second pool with its own raid, a member with no character, and Gwen's alt."""
    legacy = DkpPool.objects.create(name="Legacy", description="Last expansion's raids")
    fear = Event.objects.create(pool=legacy, name="Plane of Fear", default_tick_value=5)
    legacy_raid = create_raid(event=fear, starts_at=timezone.now() - dt.timedelta(days=6), actor=guild.officer)
    make_user("kit")
    make_character("Gwenalt", guild.good_member, EqClass.CLERIC)
    return {"Main": guild.raid.pk, "Legacy": legacy_raid.pk}


def test_any_sequence_of_officer_actions_keeps_every_balance_equal_to_its_ledger(guild_with_two_pools):
    run_state_machine_as_test(
        lambda: GuildLedger(guild_with_two_pools),
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
