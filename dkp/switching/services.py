"""Confirming an import: everything the plan says, in one transaction through the ledger.

History of a character that has an owner here (already, or by the officer's mapping) goes to that
member at once; the rest waits (attendance as unclaimed attendance, loot and adjustments as
``PendingEntry``) and moves to whoever claims the character or is given it, in that transaction
(``hand_over_imported``, registered with ``raids.ownership``). Claiming a main brings its alts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dkp.accounts.duties import require_another_officer
from dkp.characters.models import Character
from dkp.core.audit import record_audit
from dkp.core.errors import Conflict, InvalidInput
from dkp.core.roles import Capability, can, require
from dkp.loot.services.history import PastAward, record_past_awards
from dkp.points.models import DkpPool, EntryKind
from dkp.points.services import Cause, PastEntry, record_past_entries
from dkp.raids.history import PastRaid, PastTick, record_past_raids
from dkp.raids.models import Event
from dkp.raids.ownership import give_unowned
from dkp.raids.tasks import refresh_attendance_after_commit
from dkp.sources.history import SourceHistory
from dkp.switching.models import (
    ImportedCharacter,
    ImportRun,
    PendingEntry,
    PendingKind,
    RecordKind,
    SourceRecord,
)
from dkp.switching.plan import (
    SYSTEM_NAMES,
    BalanceLine,
    CharacterLine,
    Plan,
    build_plan,
    class_of,
    level_of,
    points_text,
    record_key,
    rounding_key,
    source_ref,
    whole,
)

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.points.models import PointEntry


def check_mapping(mapping: Mapping[str, User], *, actor: User | None = None) -> None:
    """Characters are mapped to people who may hold them (members, not guests or applicants), and an
    officer maps characters to themselves only where another officer could not (separation of duties,
    as for assigning owners)."""
    for name, user in mapping.items():
        if not can(user, Capability.BID):
            raise InvalidInput(
                f"{user.name} may not hold characters; map {name} to a guild member.", code="owner_not_member"
            )
        require_another_officer(actor=actor, subject=user, action=f"import {name} as your own character")


def rounding_memo(line: BalanceLine, history: SourceHistory) -> str:
    """Why the rounding entry is there, in numbers a member can check."""
    system = SYSTEM_NAMES.get(history.system, str(history.system))
    return (
        f"import rounding: the {system} history comes to {points_text(line.exact)}, {whole(line.exact)} rounded; "
        f"its entries rounded one by one came to {line.entries + line.earlier_rounding}"
    )


def refusal_message(plan: Plan) -> str:
    """Why confirm needs an officer's reason: rows the source has that cannot come across as they
    stand, and balances that differ beyond rounding, the first few of each named."""
    parts = []
    differences = plan.differences
    if differences:
        parts.append(
            f"{len(differences)} balance{'s differ' if len(differences) != 1 else ' differs'} from the source's "
            f"beyond rounding ({difference_summary(differences)})"
        )
    lost = plan.blocking
    if lost:
        shown = "; ".join(f"{problem.where}: {problem.message}" for problem in lost[:3])
        more = f"; and {len(lost) - 3} more" if len(lost) > 3 else ""
        count = len(lost)
        parts.append(
            f"{count} row{'s' if count != 1 else ''} of the source cannot be taken as they stand ({shown}{more})"
        )
    return (
        f"Nothing was imported: {' and '.join(parts)}. Look at the preview, and accept it with a reason "
        "if the import is right as it stands."
    )


def difference_summary(lines: Sequence[BalanceLine], *, shown: int = 5) -> str:
    parts = [
        f"{line.target.label} in {line.pool_name}: the source says {points_text(line.source)}, "
        f"EQ DKP would have {line.imported}"
        for line in lines[:shown]
    ]
    more = f"; and {len(lines) - shown} more" if len(lines) > shown else ""
    return "; ".join(parts) + more


@transaction.atomic
def confirm_import(
    *,
    history: SourceHistory,
    actor: User | None,
    mapping: Mapping[str, User] | None = None,
    accept_differences: str = "",
    progress: Callable[[str], None] | None = None,
) -> ImportRun | None:
    """Write what ``build_plan`` says; None when an earlier import already brought everything.

    Refused, with nothing written, when a balance differs from the source's beyond rounding and no
    reason to accept that is given.
    """
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    mapping = dict(mapping or {})
    check_mapping(mapping, actor=actor)
    plan = build_plan(history, mapping=mapping)
    differences = plan.differences
    reason = " ".join(accept_differences.split())
    if (differences or plan.blocking) and not reason:
        raise Conflict(refusal_message(plan), code="differences" if differences else "rows_not_taken")
    counts = plan.counts()
    waiting_for_mapped = any(
        line.member is not None and line.character is not None and line.character.owner_id is None
        for line in plan.characters
    )
    if not any(counts["new"].values()) and not plan.roundings and not waiting_for_mapped:
        return None
    run = ImportRun.objects.create(
        system=history.system,
        source_id=history.source_id,
        label=history.label[:300],
        counts=counts["new"],
        known=counts["matched"],
        skipped=[{"where": p.where, "message": p.message, "code": p.code} for p in plan.skipped],
        differences=[
            {
                "who": line.target.label,
                "pool": line.pool_name,
                "source": points_text(line.source),
                "here": line.imported,
            }
            for line in differences
        ],
        differences_accepted=reason[:300] if differences or plan.blocking else "",
        created_by=actor,
    )
    _Writer(plan, run, actor, progress or (lambda step: None)).write()
    record_audit(
        actor=actor,
        action="import.confirm",
        target=f"{SYSTEM_NAMES.get(history.system, history.system)}: {history.label}",
        changes={
            **{kind: [0, count] for kind, count in counts["new"].items() if count},
            **({"accepted because": ["", run.differences_accepted]} if run.differences_accepted else {}),
        },
    )
    refresh_attendance_after_commit()
    return run


class _Writer:
    def __init__(self, plan: Plan, run: ImportRun, actor: User | None, progress: Callable[[str], None]) -> None:
        self.progress = progress
        self.plan = plan
        self.run = run
        self.actor = actor
        self.source_id = plan.history.source_id
        self.records: list[SourceRecord] = []
        self.pools: dict[str, DkpPool] = {}
        self.events: dict[str, Event] = {}
        self.characters: dict[str, Character] = {}
        self.raids: dict[str, int] = {}

    def record(self, kind: RecordKind, key: str, object_id: int | None, amount: int | None = None) -> None:
        self.records.append(
            SourceRecord(
                source_id=self.source_id,
                kind=kind,
                key=record_key(key),
                object_id=object_id,
                amount=amount,
                run=self.run,
            )
        )

    def write(self) -> None:
        counts = self.plan.counts()["new"]
        self.progress(f"pools, events and {counts['characters']} characters")
        self.write_pools_and_events()
        self.write_characters()
        self.progress(f"{counts['raids']} raids, {counts['ticks']} ticks, {counts['attendance']} attendance rows")
        self.write_raids()
        self.progress(f"{counts['loot']} loot, {counts['adjustments']} adjustments, {counts['roundings']} roundings")
        self.write_points()
        SourceRecord.objects.bulk_create(self.records, batch_size=2000)
        self.progress("history to the members who own or were given its characters")
        self.hand_over()

    def write_pools_and_events(self) -> None:
        descriptions = {pool.key: pool.description for pool in self.plan.history.pools}
        for line in self.plan.pools:
            pool = line.pool
            if pool is None:
                pool = DkpPool.objects.create(name=line.name, description=descriptions.get(line.key, ""))
                record_audit(
                    actor=self.actor, action="pool.create", target=pool.name, changes={"imported": [None, True]}
                )
            if not line.known:
                self.record(RecordKind.POOL, line.key, pool.pk)
            self.pools[line.key] = pool
        for event_line in self.plan.events:
            event = event_line.event
            if event is None:
                event = Event.objects.create(
                    pool=self.pools[event_line.pool_key],
                    name=event_line.name,
                    default_tick_value=event_line.default_tick_value,
                )
            if not event_line.known:
                self.record(RecordKind.EVENT, event_line.key, event.pk)
            self.events[event_line.key] = event

    def write_characters(self) -> None:
        new = [line for line in self.plan.characters if line.character is None]
        created = Character.objects.bulk_create(
            [
                Character(
                    name=line.name,
                    eq_class=class_of(line.source),
                    level=level_of(line.source),
                    race=line.source.race[:20],
                    is_active=line.source.active,
                )
                for line in new
            ],
            batch_size=1000,
        )
        for line, character in zip(new, created, strict=True):
            line.character = character
        for line in self.plan.characters:
            assert line.character is not None
            self.characters[line.key] = line.character
            if not line.known:
                self.record(RecordKind.CHARACTER, line.key, line.character.pk)
        already = set(
            ImportedCharacter.objects.filter(character__in=self.characters.values()).values_list(
                "character_id", flat=True
            )
        )
        ImportedCharacter.objects.bulk_create(
            [
                ImportedCharacter(
                    character=self.characters[line.key],
                    main=self.characters[line.main_key] if line.main_key != line.key else None,
                    rank=line.source.rank[:60],
                    run=self.run,
                )
                for line in self.plan.characters
                if self.characters[line.key].pk not in already
            ],
            batch_size=1000,
        )

    def write_raids(self) -> None:
        history = self.plan.history
        new = [raid for raid in self.plan.raids if not raid.known]
        past = [
            PastRaid(
                event=self.events[raid.event_key],
                starts_at=raid.source.starts_at,
                note=raid.source.note,
                ticks=tuple(
                    PastTick(
                        occurred_at=tick.source.occurred_at,
                        value=tick.value,
                        attendees=tuple(self.characters[key] for key in tick.attendees),
                        description=tick.source.description,
                        source_ref=source_ref(history, "tick", tick.source.key),
                    )
                    for tick in raid.ticks
                ),
            )
            for raid in new
        ]
        written = record_past_raids(raids=past, actor=self.actor)
        for raid, (saved, ticks) in zip(new, written, strict=True):
            self.record(RecordKind.RAID, raid.source.key, saved.pk)
            for tick, row in zip(raid.ticks, ticks, strict=True):
                self.record(RecordKind.TICK, tick.source.key, row.pk)
        # Loot names its raid by the source's key: the raids of this import and of earlier ones.
        earlier = SourceRecord.objects.filter(source_id=self.source_id, kind=RecordKind.RAID, object_id__isnull=False)
        self.raids = {key: object_id for key, object_id in earlier.values_list("key", "object_id") if object_id}
        for record in self.records:
            if record.kind == RecordKind.RAID and record.object_id is not None:
                self.raids[record.key] = record.object_id

    def write_points(self) -> None:
        # Loot for nothing is still an award; an adjustment under half a point is held by the rounding.
        rows = [row for row in self.plan.points if not row.known and (row.kind == "loot" or row.amount != 0)]
        pending = [
            PendingEntry(
                run=self.run,
                character=self.characters[row.character_key],
                pool=self.pools[row.pool_key],
                kind=PendingKind.LOOT if row.kind == "loot" else PendingKind.ADJUSTMENT,
                amount=row.amount,
                character_name=self.characters[row.character_key].name,
                item_name=row.item_name,
                eq_item_id=row.eq_item_id,
                raid_id=self.raids.get(record_key(row.raid_key)) if row.raid_key else None,
                occurred_at=row.occurred_at,
                memo=row.memo[:300],
                source_key=record_key(row.key),
            )
            for row in rows
        ]
        for line in self.plan.roundings:
            character = self._rounding_character(line)
            pending.append(
                PendingEntry(
                    run=self.run,
                    character=character,
                    pool=self.pools[line.pool_key],
                    kind=PendingKind.ROUNDING,
                    amount=line.rounding,
                    character_name=character.name,
                    occurred_at=timezone.now(),
                    memo=rounding_memo(line, self.plan.history),
                    source_key=record_key(rounding_key(line.target.key, line.pool_key)),
                )
            )
        saved = PendingEntry.objects.bulk_create(pending, batch_size=2000)
        for entry, row in zip(saved, rows, strict=False):
            self.record(RecordKind.LOOT if row.kind == "loot" else RecordKind.ADJUSTMENT, row.key, entry.pk)
        for row in self.plan.points:
            if not row.known and row.kind == "adjustment" and row.amount == 0:
                self.record(RecordKind.ADJUSTMENT, row.key, None)  # under half a point: the rounding holds it
        for line in self.plan.roundings:
            key = record_key(rounding_key(line.target.key, line.pool_key))
            earlier = SourceRecord.objects.filter(source_id=self.source_id, kind=RecordKind.ROUNDING, key=key)
            if not earlier.update(amount=F("amount") + line.rounding):
                self.record(RecordKind.ROUNDING, key, None, amount=line.rounding)

    def _rounding_character(self, line: BalanceLine) -> Character:
        """The character a rounding waits on (or is written through at once): one of the target's own,
        its main where it has one, so the rounding reaches exactly the member whose balance it rounds."""
        return self.characters[line.rounding_character]

    def hand_over(self) -> None:
        # An alt the officer mapped to its own member goes first, so its main, given next, does not take
        # it along; then the mains (bringing their unmapped alts), then anyone left.
        def order(line: CharacterLine) -> int:
            if line.main_key != line.key and line.how == "mapped":
                return 0
            return 1 if line.main_key == line.key else 2

        for line in sorted(self.plan.characters, key=order):
            if line.member is None:
                continue
            character = Character.objects.select_related("owner").get(pk=self.characters[line.key].pk)
            if character.owner_id == line.member.pk:
                hand_over_imported(character, line.member, self.actor)
            elif character.owner_id is None:
                give_unowned(character=character, to_user=line.member, actor=self.actor, reason="imported")


def hand_over_imported(character: Character, owner: User, actor: User | None) -> list[PointEntry]:
    """Write what the import left waiting for the character to its owner, and give the character's
    unowned alts (as the source linked them) to the same member. Joins the caller's transaction;
    registered with ``raids.ownership``, which calls it whenever a character gets an owner."""
    pending = list(
        PendingEntry.objects.select_for_update(of=("self",))
        .filter(character=character, applied_at__isnull=True)
        .select_related("pool", "raid")
        .order_by("occurred_at", "pk")
    )
    written: list[PointEntry] = []
    if pending:
        awards = [
            PastAward(
                user=owner,
                pool=entry.pool,
                item_name=entry.item_name,
                character_name=entry.character_name,
                price=-entry.amount,
                awarded_at=entry.occurred_at,
                raid=entry.raid,
                eq_item_id=entry.eq_item_id,
                source_ref=entry.memo,
            )
            for entry in pending
            if entry.kind == PendingKind.LOOT
        ]
        written.extend(record_past_awards(awards=awards, actor=actor)[1])
        written.extend(
            record_past_entries(
                entries=[
                    PastEntry(
                        user_id=owner.pk,
                        pool_id=entry.pool_id,
                        kind=EntryKind.ADJUSTMENT,
                        amount=entry.amount,
                        character_name=entry.character_name,
                        cause=Cause(memo=entry.memo, occurred_at=entry.occurred_at),
                    )
                    for entry in pending
                    if entry.kind != PendingKind.LOOT
                ],
                actor=actor,
            )
        )
        PendingEntry.objects.filter(pk__in=[entry.pk for entry in pending]).update(
            applied_at=timezone.now(), applied_to=owner
        )
    alts = ImportedCharacter.objects.filter(main=character, character__owner__isnull=True).select_related("character")
    for alt in alts:
        given = give_unowned(
            character=alt.character, to_user=owner, actor=actor, reason=f"alt of {character.name}, as imported"
        )
        written.extend(given.credits)
    return written
