"""Writes to the points ledger. Each public function is one transaction.

The ledger takes plain facts: credit these users this many points in this pool, for this cause,
dated then (``credit_attendance``, ``debit_loot``, ``adjust_points``, ``apply_decay``). It knows
nothing of ticks or auctions: raids and loot call it from inside their own services, whose
transaction the primitives then join, and hand it ids to keep as references.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dkp.accounts.duties import require_another_officer
from dkp.core.errors import Conflict, InvalidInput, NotFound
from dkp.core.numbers import WholeNumber, record_id
from dkp.core.roles import Capability, require
from dkp.core.time import require_game_time
from dkp.points.models import DkpPool, EntryKind, PointAdjustment, PointEntry, UserPointsSummary

if TYPE_CHECKING:
    from dkp.accounts.models import User


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
    rows = UserPointsSummary.objects.select_for_update().filter(user=user, pool=pool)
    summary = rows.first()
    if summary is not None:
        return summary
    UserPointsSummary.objects.bulk_create([UserPointsSummary(user=user, pool=pool)], ignore_conflicts=True)
    return rows.get()


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


@dataclass(frozen=True)
class Cause:
    """Why an entry is written, for the record: a memo, when it happened in the guild, and what it
    points at (a tick or a loot award, by id). The ledger keeps these as facts and asks nothing of them."""

    memo: str
    occurred_at: dt.datetime | None = None
    tick_id: int | None = None
    loot_id: int | None = None


@dataclass(frozen=True)
class _Line:
    user_id: int
    pool_id: int
    amount: int
    kind: str
    character_name: str
    cause: Cause
    adjustment_id: int | None = None
    reverses: PointEntry | None = None


def _entry_time(cause: Cause) -> dt.datetime:
    """When an entry happened: the caller's time, once it is within the game's bounds, or now."""
    if cause.occurred_at is None:
        return timezone.now()
    return require_game_time(cause.occurred_at, what="a ledger entry")


def _post(line: _Line, *, actor: User | None, summary: UserPointsSummary) -> PointEntry:
    """Write one ledger entry and move its (locked) summary with it. Must run inside a transaction."""
    entry = PointEntry.objects.create(
        user_id=line.user_id,
        pool_id=line.pool_id,
        amount=line.amount,
        kind=line.kind,
        character_name=line.character_name,
        occurred_at=_entry_time(line.cause),
        memo=line.cause.memo[:300],
        tick_id=line.cause.tick_id,
        loot_id=line.cause.loot_id,
        adjustment_id=line.adjustment_id,
        reverses=line.reverses,
        created_by=actor,
    )
    reverses = line.reverses
    bucket = reverses.kind if reverses is not None else line.kind
    original = reverses.amount if reverses is not None else line.amount
    _apply_to_summary(summary, bucket=bucket, amount=line.amount, original_amount=original)
    summary.save(update_fields=["earned", "spent", "adjusted", "decayed", "balance", "lifetime_earned", "updated_at"])
    return entry


def has_live_tick_credit(*, user_id: int, tick_id: int) -> bool:
    """Whether the user already holds an unreversed attendance credit for this tick."""
    return PointEntry.objects.filter(
        user_id=user_id, tick_id=tick_id, kind=EntryKind.ATTENDANCE, reversed_by__isnull=True
    ).exists()


def credit_attendance(
    *,
    pool: DkpPool,
    amount: int,
    credits: Mapping[int, str],
    cause: Cause,
    actor: User | None,
    first_credits: bool = False,
) -> list[PointEntry]:
    """Credit ``amount`` to each user in ``credits`` (user id -> the character name to record), once
    per tick: a user who already holds a live credit for ``cause.tick_id`` is skipped.

    A raid night credits dozens of members at once, so this works in a fixed number of queries:
    the summaries are locked together (in user order, so concurrent ticks cannot deadlock), the
    entries written in one insert and the summaries moved by one UPDATE. Joins the caller's
    transaction (the raids service that took the attendance).
    """
    if cause.tick_id is None:
        raise ValueError("an attendance credit points at its tick")
    amount = require_whole_points(amount, what="tick value", allow_negative=False)
    if not credits:
        return []
    entry_time = _entry_time(cause)
    locked = UserPointsSummary.objects.select_for_update().filter(pool=pool, user_id__in=credits).order_by("user_id")
    have = set(locked.values_list("user_id", flat=True))
    if have != set(credits):  # someone's first points in this pool: their rows are made, then locked
        UserPointsSummary.objects.bulk_create(
            [UserPointsSummary(user_id=user_id, pool=pool) for user_id in credits if user_id not in have],
            ignore_conflicts=True,
        )
        list(locked.values_list("pk", flat=True))
    already: set[int] = set()
    if not first_credits:
        already = set(
            PointEntry.objects.filter(
                tick_id=cause.tick_id, kind=EntryKind.ATTENDANCE, reversed_by__isnull=True, user_id__in=credits
            ).values_list("user_id", flat=True)
        )
    entries = PointEntry.objects.bulk_create(
        PointEntry(
            user_id=user_id,
            pool=pool,
            amount=amount,
            kind=EntryKind.ATTENDANCE,
            character_name=character_name,
            occurred_at=entry_time,
            memo=cause.memo[:300],
            tick_id=cause.tick_id,
            created_by=actor,
        )
        for user_id, character_name in credits.items()
        if user_id not in already
    )
    # Everyone credited gets the same amount, so one UPDATE moves every summary: a bulk_update would
    # write a CASE per row for each column, most of a 72-character dump's ingest time.
    if entries:
        UserPointsSummary.objects.filter(pool=pool, user_id__in=[entry.user_id for entry in entries]).update(
            earned=F("earned") + amount,
            lifetime_earned=F("lifetime_earned") + amount,
            balance=F("balance") + amount,
            updated_at=timezone.now(),
        )
    return entries


def debit_loot(
    *, user: User, pool: DkpPool, price: int, character_name: str, cause: Cause, actor: User | None
) -> PointEntry:
    """Charge a loot price. Refuses a price above the winner's balance: loot never goes below zero.

    Joins the caller's transaction (the loot service that made the award).
    """
    if cause.loot_id is None:
        raise ValueError("a loot charge points at its award")
    price = require_whole_points(price, what="price", allow_negative=False)
    summary = locked_summary(user=user, pool=pool)
    if price > summary.balance:
        raise Conflict(
            f"{user.name} has {summary.balance} points in {pool.name}; "
            f"a price of {price} would take the balance below zero.",
            code="insufficient_balance",
        )
    line = _Line(
        user_id=user.pk, pool_id=pool.pk, amount=-price, kind=EntryKind.LOOT, character_name=character_name, cause=cause
    )
    return _post(line, actor=actor, summary=summary)


@dataclass(frozen=True)
class PastEntry:
    """One entry of history brought in from another tool, as it happened there.

    ``kind`` is attendance (``cause.tick_id`` set, a credit), loot (``cause.loot_id`` set, a debit) or
    adjustment; an adjustment also gets its ``PointAdjustment`` row with ``cause.memo`` as the reason.
    """

    user_id: int
    pool_id: int
    kind: str
    amount: int
    character_name: str
    cause: Cause


def _whole(amount: object, *, what: str, positive: bool) -> None:
    # Years of history are hundreds of thousands of entries: a plain int in range is checked inline,
    # anything else goes through the rule that says what is wrong.
    if type(amount) is int and amount != 0 and (1 if positive else -MAX_ENTRY_POINTS) <= amount <= MAX_ENTRY_POINTS:
        return
    require_whole_points(amount, what=what, allow_negative=not positive)


def _past_line(entry: PastEntry) -> None:
    if entry.cause.occurred_at is None:
        raise ValueError("a past entry keeps the time it happened")
    if entry.kind == EntryKind.ATTENDANCE:
        _whole(entry.amount, what="tick value", positive=True)
        if entry.cause.tick_id is None:
            raise ValueError("an attendance credit points at its tick")
    elif entry.kind == EntryKind.LOOT:
        _whole(-entry.amount, what="price", positive=True)
        if entry.cause.loot_id is None:
            raise ValueError("a loot charge points at its award")
    elif entry.kind == EntryKind.ADJUSTMENT:
        _whole(entry.amount, what="amount", positive=False)
    else:
        raise ValueError(f"{entry.kind} entries are not brought in from other tools")


def record_past_entries(*, entries: Sequence[PastEntry], actor: User | None) -> list[PointEntry]:
    """Write history from another tool into the ledger in a fixed number of statements per batch.

    The past is taken as it was: a loot price is not refused for the balance it found (the other tool
    may have let a balance go below zero), and each entry keeps the time it happened. Every entry
    moves its summary exactly as ``_post`` would. Joins the caller's transaction (the importer's).
    """
    if not entries:
        return []
    times = []
    checked: dict[dt.datetime, dt.datetime] = {}  # entries of one tick share its time: check it once
    for entry in entries:
        _past_line(entry)
        at = entry.cause.occurred_at
        assert at is not None  # _past_line refused the entry otherwise
        if at not in checked:
            checked[at] = _entry_time(entry.cause)
        times.append(checked[at])
    adjustments = PointAdjustment.objects.bulk_create(
        [
            PointAdjustment(
                user_id=entry.user_id,
                pool_id=entry.pool_id,
                amount=entry.amount,
                reason=entry.cause.memo[:300],
                created_by=actor,
            )
            for entry in entries
            if entry.kind == EntryKind.ADJUSTMENT
        ],
        batch_size=2000,
    )
    adjustment_ids = iter(adjustment.pk for adjustment in adjustments)
    rows = [
        PointEntry(
            user_id=entry.user_id,
            pool_id=entry.pool_id,
            amount=entry.amount,
            kind=entry.kind,
            character_name=entry.character_name[:15],
            occurred_at=occurred_at,
            memo=entry.cause.memo[:300],
            tick_id=entry.cause.tick_id,
            loot_id=entry.cause.loot_id,
            adjustment_id=next(adjustment_ids) if entry.kind == EntryKind.ADJUSTMENT else None,
            created_by=actor,
        )
        for entry, occurred_at in zip(entries, times, strict=True)
    ]
    written = PointEntry.objects.bulk_create(rows, batch_size=2000)
    moves: dict[tuple[int, int], UserPointsSummary] = {}
    for entry in entries:
        key = (entry.user_id, entry.pool_id)
        summary = moves.setdefault(key, UserPointsSummary(user_id=entry.user_id, pool_id=entry.pool_id))
        _apply_to_summary(summary, bucket=entry.kind, amount=entry.amount, original_amount=entry.amount)
    UserPointsSummary.objects.bulk_create(
        [UserPointsSummary(user_id=user_id, pool_id=pool_id) for user_id, pool_id in moves], ignore_conflicts=True
    )
    for (user_id, pool_id), move in sorted(moves.items()):
        UserPointsSummary.objects.filter(user_id=user_id, pool_id=pool_id).update(
            earned=F("earned") + move.earned,
            spent=F("spent") + move.spent,
            adjusted=F("adjusted") + move.adjusted,
            decayed=F("decayed") + move.decayed,
            balance=F("balance") + move.balance,
            lifetime_earned=F("lifetime_earned") + move.lifetime_earned,
            updated_at=timezone.now(),
        )
    return written


@transaction.atomic
def adjust_points(*, user: User, pool: DkpPool, amount: int, reason: str, actor: User | None) -> PointAdjustment:
    """An officer's manual credit or debit, with a reason. May take a balance below zero."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    require_another_officer(actor=actor, subject=user, action="adjust your own points")
    amount = ADJUSTMENT.parse(amount)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("An adjustment needs a reason.", code="reason_required")
    adjustment = PointAdjustment.objects.create(
        user=user, pool=pool, amount=amount, reason=reason[:300], created_by=actor
    )
    character = user.main_character
    line = _Line(
        user_id=user.pk,
        pool_id=pool.pk,
        amount=amount,
        kind=EntryKind.ADJUSTMENT,
        character_name=character.name if character else "",
        cause=Cause(memo=reason),
        adjustment_id=adjustment.pk,
    )
    _post(line, actor=actor, summary=locked_summary(user=user, pool=pool))
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
            line = _Line(
                user_id=summary.user_id,
                pool_id=pool.pk,
                amount=-amount,
                kind=EntryKind.DECAY,
                character_name="",
                cause=Cause(memo=f"{percent}% decay (floor {floor})", occurred_at=at),
            )
            _post(line, actor=actor, summary=summary)
    return lines


def reverse_entry_in_transaction(*, entry: PointEntry, actor: User | None, reason: str) -> PointEntry:
    """Reverse one entry inside the caller's transaction: an equal and opposite entry, dated now."""
    entry = PointEntry.objects.select_related("user", "pool").get(pk=entry.pk)
    if entry.kind == EntryKind.REVERSAL:
        raise InvalidInput("A reversal cannot itself be reversed; make a new entry instead.", code="cannot_reverse")
    summary = locked_summary(user=entry.user, pool=entry.pool)
    if PointEntry.objects.filter(reverses=entry).exists():
        raise Conflict(f"Entry {entry.pk} has already been reversed.", code="already_reversed")
    line = _Line(
        user_id=entry.user_id,
        pool_id=entry.pool_id,
        amount=-entry.amount,
        kind=EntryKind.REVERSAL,
        character_name=entry.character_name,
        cause=Cause(memo=reason or f"reverses entry {entry.pk}", tick_id=entry.tick_id, loot_id=entry.loot_id),
        adjustment_id=entry.adjustment_id,
        reverses=entry,
    )
    return _post(line, actor=actor, summary=summary)


# Some entries are the ledger's half of another domain's record: a loot charge belongs to a loot award,
# which must be marked reversed with it. The domain that writes such entries registers how to reverse
# them when its app loads (``LootConfig.ready``), so the ledger reverses them without knowing loot.
Reverser = Callable[[PointEntry, "User | None", str], PointEntry]
_REVERSERS: dict[str, Reverser] = {}


def register_reverser(kind: str, reverser: Reverser) -> None:
    """Route the reversal of entries of ``kind`` to the domain that owns what they record."""
    _REVERSERS[kind] = reverser


@transaction.atomic
def reverse_entry(*, entry: PointEntry, actor: User | None, reason: str) -> PointEntry:
    """Cancel an entry with an equal and opposite one; entries another domain owns go through it."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("A reversal needs a reason.", code="reason_required")
    reverser = _REVERSERS.get(entry.kind)
    if reverser is not None:
        return reverser(entry, actor, reason)
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
