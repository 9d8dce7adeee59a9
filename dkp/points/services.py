"""Writes to the points ledger. Each public function is one transaction.

The ledger primitives (``credit_attendance``, ``debit_loot``, ...) are also called from inside
other domains' services (raids, loot, characters), whose transaction they then join.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dkp.core.errors import Conflict, InvalidInput, NotFound
from dkp.core.numbers import WholeNumber, record_id
from dkp.core.roles import Capability, require
from dkp.points.models import DkpPool, EntryKind, PointAdjustment, PointEntry, UserPointsSummary

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.loot.models import LootDistribution
    from dkp.raids.models import RaidTick


# The most one officer's adjustment may move, either way; the page, API, bot and admin read it.
MAX_ADJUSTMENT = 1_000_000
ADJUSTMENT = WholeNumber("An adjustment", -MAX_ADJUSTMENT, MAX_ADJUSTMENT, nonzero=True, code="invalid_amount")
# No single ledger entry is ever larger: a sanity bound far above any real price or credit.
MAX_ENTRY_POINTS = 1_000_000_000


def require_whole_points(amount: object, *, what: str = "amount", allow_negative: bool = True) -> int:
    """Points are whole numbers: refuse zero, fractions, booleans and text with a message that says so."""
    low = -MAX_ENTRY_POINTS if allow_negative else 1
    rule = WholeNumber(f"The {what}", low, MAX_ENTRY_POINTS, nonzero=True, code="invalid_amount")
    return rule.parse(amount)


def locked_summary(*, user: User, pool: DkpPool) -> UserPointsSummary:
    """The user's summary row in the pool, created if missing, locked until the transaction ends."""
    summary = UserPointsSummary.objects.select_for_update().filter(user=user, pool=pool).first()
    if summary is not None:
        return summary
    UserPointsSummary.objects.bulk_create([UserPointsSummary(user=user, pool=pool)], ignore_conflicts=True)
    return UserPointsSummary.objects.select_for_update().get(user=user, pool=pool)


def _apply_to_summary(summary: UserPointsSummary, *, bucket: str, amount: int, original_amount: int) -> None:
    """Move one entry's amount into the summary column its kind (or its reversed entry's kind) feeds."""
    if bucket == EntryKind.ATTENDANCE:
        summary.earned += amount
        summary.lifetime_earned += amount
    elif bucket == EntryKind.LOOT:
        summary.spent -= amount
    elif bucket == EntryKind.ADJUSTMENT:
        summary.adjusted += amount
        if original_amount > 0:
            summary.lifetime_earned += amount
    elif bucket == EntryKind.DECAY:
        summary.decayed -= amount
    else:  # pragma: no cover - reversals are mapped to their entry's kind before this
        raise ValueError(f"unknown ledger bucket {bucket}")
    summary.balance += amount


def _post(
    *,
    user: User,
    pool: DkpPool,
    amount: int,
    kind: EntryKind,
    actor: User | None,
    character_name: str = "",
    occurred_at: dt.datetime | None = None,
    memo: str = "",
    tick: RaidTick | None = None,
    loot: LootDistribution | None = None,
    adjustment: PointAdjustment | None = None,
    reverses: PointEntry | None = None,
    summary: UserPointsSummary | None = None,
) -> PointEntry:
    """Write one ledger entry and move the summary with it. Must run inside a transaction."""
    summary = summary or locked_summary(user=user, pool=pool)
    entry = PointEntry.objects.create(
        user=user,
        pool=pool,
        amount=amount,
        kind=kind,
        character_name=character_name,
        occurred_at=occurred_at or timezone.now(),
        memo=memo[:300],
        tick=tick,
        loot=loot,
        adjustment=adjustment,
        reverses=reverses,
        created_by=actor,
    )
    bucket = reverses.kind if reverses is not None else kind
    original = reverses.amount if reverses is not None else amount
    _apply_to_summary(summary, bucket=bucket, amount=amount, original_amount=original)
    summary.save(update_fields=["earned", "spent", "adjusted", "decayed", "balance", "lifetime_earned", "updated_at"])
    return entry


def has_live_tick_credit(*, user: User, tick: RaidTick) -> bool:
    """Whether the user already holds an unreversed attendance credit for this tick."""
    return PointEntry.objects.filter(user=user, tick=tick, kind=EntryKind.ATTENDANCE, reversed_by__isnull=True).exists()


def credit_attendance(*, user: User, tick: RaidTick, character_name: str, actor: User | None) -> PointEntry | None:
    """Credit a tick's value to a user once, however many of their characters were there.

    Returns None when the user already holds a live credit for the tick. Joins the caller's
    transaction; the summary lock taken first makes the check-then-write safe.
    """
    pool = tick.raid.event.pool
    summary = locked_summary(user=user, pool=pool)
    if has_live_tick_credit(user=user, tick=tick):
        return None
    return _post(
        user=user,
        pool=pool,
        amount=tick.value,
        kind=EntryKind.ATTENDANCE,
        actor=actor,
        character_name=character_name,
        occurred_at=tick.occurred_at,
        memo=f"{tick.raid.event.name}: {tick.description or 'tick'}",
        tick=tick,
        summary=summary,
    )


@transaction.atomic
def credit_tick(*, tick: RaidTick, actor: User | None) -> list[PointEntry]:
    """Credit everyone with a claimed character at the tick who has not been credited for it.

    A raid night credits dozens of members at once, so this works in a fixed number of queries:
    the summaries are locked together (in user order, so concurrent ticks cannot deadlock),
    the entries written in one insert and the summaries moved by one UPDATE.
    """
    from dkp.raids.models import RaidAttendance

    pool = tick.raid.event.pool
    first_character: dict[int, str] = {}
    present = RaidAttendance.objects.filter(tick=tick, user__isnull=False).order_by("character_name")
    for user_id, character_name in present.values_list("user_id", "character_name"):
        first_character.setdefault(user_id, character_name)
    if not first_character:
        return []
    UserPointsSummary.objects.bulk_create(
        [UserPointsSummary(user_id=user_id, pool=pool) for user_id in first_character], ignore_conflicts=True
    )
    # Lock the rows in user order, so concurrent ticks cannot deadlock.
    list(
        UserPointsSummary.objects.select_for_update()
        .filter(pool=pool, user_id__in=first_character)
        .order_by("user_id")
        .values_list("pk", flat=True)
    )
    already = set(
        PointEntry.objects.filter(
            tick=tick, kind=EntryKind.ATTENDANCE, reversed_by__isnull=True, user_id__in=first_character
        ).values_list("user_id", flat=True)
    )
    memo = f"{tick.raid.event.name}: {tick.description or 'tick'}"
    entries = PointEntry.objects.bulk_create(
        PointEntry(
            user_id=user_id,
            pool=pool,
            amount=tick.value,
            kind=EntryKind.ATTENDANCE,
            character_name=character_name,
            occurred_at=tick.occurred_at,
            memo=memo,
            tick=tick,
            created_by=actor,
        )
        for user_id, character_name in first_character.items()
        if user_id not in already
    )
    # Everyone credited gets the same value, so one UPDATE moves every summary: a bulk_update would
    # write a CASE per row for each column, most of a 72-character dump's ingest time.
    if entries:
        UserPointsSummary.objects.filter(pool=pool, user_id__in=[entry.user_id for entry in entries]).update(
            earned=F("earned") + tick.value,
            lifetime_earned=F("lifetime_earned") + tick.value,
            balance=F("balance") + tick.value,
            updated_at=timezone.now(),
        )
    return entries


def debit_loot(*, distribution: LootDistribution, actor: User | None) -> PointEntry:
    """Charge a loot price. Refuses a price above the winner's balance: loot never goes below zero.

    Joins the caller's transaction (the loot service that created the distribution).
    """
    price = require_whole_points(distribution.price, what="price", allow_negative=False)
    summary = locked_summary(user=distribution.user, pool=distribution.pool)
    if price > summary.balance:
        raise Conflict(
            f"{distribution.user.name} has {summary.balance} points in {distribution.pool.name}; "
            f"a price of {price} would take the balance below zero.",
            code="insufficient_balance",
        )
    return _post(
        user=distribution.user,
        pool=distribution.pool,
        amount=-price,
        kind=EntryKind.LOOT,
        actor=actor,
        character_name=distribution.character_name,
        occurred_at=distribution.awarded_at,
        memo=str(distribution.item.name),
        loot=distribution,
        summary=summary,
    )


@transaction.atomic
def adjust_points(*, user: User, pool: DkpPool, amount: int, reason: str, actor: User | None) -> PointAdjustment:
    """An officer's manual credit or debit, with a reason. May take a balance below zero."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    amount = ADJUSTMENT.parse(amount)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("An adjustment needs a reason.", code="reason_required")
    adjustment = PointAdjustment.objects.create(
        user=user, pool=pool, amount=amount, reason=reason[:300], created_by=actor
    )
    character = user.main_character
    _post(
        user=user,
        pool=pool,
        amount=amount,
        kind=EntryKind.ADJUSTMENT,
        actor=actor,
        character_name=character.name if character else "",
        memo=reason,
        adjustment=adjustment,
    )
    return adjustment


@dataclass(frozen=True)
class DecayLine:
    user_id: int
    user_name: str
    balance: int
    amount: int


def decay_amount(*, balance: int, percent: int, floor: int) -> int:
    """Points a balance loses to one period of decay: a whole percentage, never below the floor."""
    if balance <= floor or percent <= 0:
        return 0
    return min(balance * percent // 100, balance - floor)


@transaction.atomic
def apply_decay(
    *,
    pool: DkpPool,
    actor: User | None,
    percent: int | None = None,
    floor: int | None = None,
    dry_run: bool = False,
    at: dt.datetime | None = None,
) -> list[DecayLine]:
    """Decay every balance in the pool by its percentage, as ledger entries. ``dry_run`` writes nothing."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    percent = pool.decay_percent if percent is None else percent
    floor = pool.decay_floor if floor is None else floor
    if not 0 <= percent <= 100:
        raise InvalidInput(f"Decay must be between 0 and 100 percent, not {percent}.", code="invalid_percent")
    if floor < 0:
        raise InvalidInput("The decay floor cannot be negative.", code="invalid_floor")
    summaries = (
        UserPointsSummary.objects.filter(pool=pool, balance__gt=floor).select_related("user").order_by("user_id")
    )
    if not dry_run:
        summaries = summaries.select_for_update(of=("self",))
    lines = []
    for summary in summaries:
        amount = decay_amount(balance=summary.balance, percent=percent, floor=floor)
        if amount == 0:
            continue
        lines.append(DecayLine(summary.user_id, summary.user.name, summary.balance, amount))
        if not dry_run:
            _post(
                user=summary.user,
                pool=pool,
                amount=-amount,
                kind=EntryKind.DECAY,
                actor=actor,
                occurred_at=at,
                memo=f"{percent}% decay (floor {floor})",
                summary=summary,
            )
    return lines


def reverse_entry_in_transaction(*, entry: PointEntry, actor: User | None, reason: str) -> PointEntry:
    """Reverse one entry inside the caller's transaction."""
    entry = PointEntry.objects.select_related("user", "pool").get(pk=entry.pk)
    if entry.kind == EntryKind.REVERSAL:
        raise InvalidInput("A reversal cannot itself be reversed; make a new entry instead.", code="cannot_reverse")
    summary = locked_summary(user=entry.user, pool=entry.pool)
    if PointEntry.objects.filter(reverses=entry).exists():
        raise Conflict(f"Entry {entry.pk} has already been reversed.", code="already_reversed")
    return _post(
        user=entry.user,
        pool=entry.pool,
        amount=-entry.amount,
        kind=EntryKind.REVERSAL,
        actor=actor,
        character_name=entry.character_name,
        occurred_at=timezone.now(),
        memo=reason or f"reverses entry {entry.pk}",
        tick=entry.tick,
        loot=entry.loot,
        adjustment=entry.adjustment,
        reverses=entry,
        summary=summary,
    )


@transaction.atomic
def reverse_entry(*, entry: PointEntry, actor: User | None, reason: str) -> PointEntry:
    """Cancel an entry with an equal and opposite one. Loot reversals go through the loot service."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("A reversal needs a reason.", code="reason_required")
    if entry.kind == EntryKind.LOOT:
        from dkp.loot.services import reverse_distribution

        assert entry.loot is not None
        reverse_distribution(distribution=entry.loot, actor=actor, reason=reason)
        return PointEntry.objects.get(reverses=entry)
    return reverse_entry_in_transaction(entry=entry, actor=actor, reason=reason)


def get_pool(name_or_id: str | int) -> DkpPool:
    try:
        if isinstance(name_or_id, int) or (str(name_or_id).isascii() and str(name_or_id).isdigit()):
            return DkpPool.objects.get(pk=record_id("The pool").parse(name_or_id))
        return DkpPool.objects.get(name__iexact=str(name_or_id))
    except DkpPool.DoesNotExist:
        raise NotFound(f"There is no DKP pool {name_or_id!r}.") from None


@transaction.atomic
def repair_summaries() -> int:
    """Rewrite every summary that disagrees with the ledger; returns how many rows changed."""
    from dkp.points.selectors import SUMMARY_COLUMNS, ledger_totals, summary_differences

    keys = {(d.user_id, d.pool_id) for d in summary_differences()}
    expected = ledger_totals()
    for user_id, pool_id in keys:
        values = expected.get((user_id, pool_id), dict.fromkeys(SUMMARY_COLUMNS, 0))
        UserPointsSummary.objects.update_or_create(user_id=user_id, pool_id=pool_id, defaults=values)
    return len(keys)
