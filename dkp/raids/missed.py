"""Missed-tick requests: a member says they were at a tick the dump missed; an officer decides.

Approving adds the character to the tick's attendance and credits the tick through the ledger,
dated to the tick, exactly as if the dump had seen them. Denying needs a reason the member reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from dkp.accounts.duties import require_another_officer
from dkp.core.errors import Conflict, InvalidInput
from dkp.core.models import RequestStatus
from dkp.core.roles import Capability, can, require
from dkp.points.services import has_live_tick_credit
from dkp.raids.credits import credit_user
from dkp.raids.models import MissedTickRequest, RaidAttendance, RaidTick
from dkp.raids.tasks import refresh_attendance_after_commit

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.characters.models import Character

EVIDENCE_MAX = 2000
REASON_MAX = 300


def may_ask_for_missed_tick(*, user: User | Any, attendance: Iterable[RaidAttendance]) -> bool:
    """The rule for who may say "I was there": a member none of whose characters is in the tick's attendance.

    Per user, not per character: points and attendance belong to the user, so a member whose alt was
    seen has been credited already. ``attendance`` is the tick's rows (a raid page hands its prefetched
    ones, so asking costs no query); anyone may be asked about, signed in or not.
    """
    return can(user, Capability.BID) and all(row.user_id != user.pk for row in attendance)


def _duplicate(tick: RaidTick) -> Conflict:
    return Conflict(
        f"You already asked for {tick.description or 'this tick'}; an officer will decide.", code="duplicate_request"
    )


@transaction.atomic
def request_missed_tick(*, tick: RaidTick, character: Character, evidence: str, requester: User) -> MissedTickRequest:
    """Ask to be credited for a tick the attendance missed, as one of your own characters."""
    require(requester, Capability.BID)
    if character.owner_id != requester.pk:
        raise InvalidInput(f"{character.name} is not your character.", code="not_your_character")
    evidence = (evidence or "").strip()
    if not evidence:
        raise InvalidInput(
            "Say how you know you were there: a log line, your group, who you were with.", code="evidence_required"
        )
    if len(evidence) > EVIDENCE_MAX:
        raise InvalidInput(f"Keep the evidence under {EVIDENCE_MAX} characters.", code="evidence_too_long")
    if tick.occurred_at > timezone.now():
        raise InvalidInput("That tick has not happened yet.", code="tick_in_future")
    if RaidAttendance.objects.filter(tick=tick, character=character).exists():
        raise Conflict(f"{character.name} is already in this tick's attendance.", code="already_present")
    # The rule the raid page offers "I was there" by; a member credited another way (a claim) is refused too.
    seen = RaidAttendance.objects.filter(tick=tick, user=requester)
    credited = has_live_tick_credit(user_id=requester.pk, tick_id=tick.pk)
    if credited or not may_ask_for_missed_tick(user=requester, attendance=seen):
        raise Conflict("You were already credited for this tick.", code="already_credited")
    if MissedTickRequest.objects.filter(tick=tick, user=requester, status=RequestStatus.PENDING).exists():
        raise _duplicate(tick)
    try:
        with transaction.atomic():  # a savepoint: a concurrent duplicate loses to the partial unique constraint
            return MissedTickRequest.objects.create(tick=tick, user=requester, character=character, evidence=evidence)
    except IntegrityError:
        raise _duplicate(tick) from None


def _lock_pending(request: MissedTickRequest) -> MissedTickRequest:
    locked = (
        MissedTickRequest.objects.select_for_update(of=("self",))
        .select_related("tick__raid__event__pool", "character", "user")
        .get(pk=request.pk)
    )
    if locked.status != RequestStatus.PENDING:
        raise Conflict(f"This request was already {locked.get_status_display().lower()}.", code="request_decided")
    return locked


def _decide(request: MissedTickRequest, *, status: RequestStatus, actor: User | None, reason: str) -> None:
    request.status = status
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_reason = reason[:REASON_MAX]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])


@transaction.atomic
def approve_missed_tick(*, request: MissedTickRequest, actor: User | None, reason: str = "") -> MissedTickRequest:
    """Put the character in the tick's attendance and credit the tick once, dated to the tick."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    request = _lock_pending(request)
    require_another_officer(actor=actor, subject=request.user, action="approve your own missed tick")
    character = request.character
    if character.owner_id != request.user_id:
        raise Conflict(
            f"{character.name} no longer belongs to {request.user.name}; deny the request instead.",
            code="character_changed_owner",
        )
    tick = request.tick
    # An officer may have added the character by hand meanwhile: then only the credit is missing, if that.
    RaidAttendance.objects.get_or_create(
        tick=tick,
        character=character,
        defaults={
            "user": request.user,
            "character_name": character.name,
            "character_class": character.eq_class,
            "character_level": character.level,
        },
    )
    credit_user(user=request.user, tick=tick, character_name=character.name, actor=actor)
    _decide(request, status=RequestStatus.APPROVED, actor=actor, reason=(reason or "").strip())
    refresh_attendance_after_commit()
    return request


@transaction.atomic
def deny_missed_tick(*, request: MissedTickRequest, actor: User | None, reason: str) -> MissedTickRequest:
    """Refuse the request; the member sees the reason on their page."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the request is denied; the member will read it.", code="reason_required")
    request = _lock_pending(request)
    _decide(request, status=RequestStatus.DENIED, actor=actor, reason=reason)
    return request


# --- Reads ---------------------------------------------------------------------------------------


def _with_tick(requests: QuerySet[MissedTickRequest]) -> QuerySet[MissedTickRequest]:
    return requests.select_related("tick__raid__event__pool", "character", "user", "decided_by")


def pending_missed_ticks() -> QuerySet[MissedTickRequest]:
    """The officers' queue: oldest first, so nobody waits behind newer requests."""
    return _with_tick(MissedTickRequest.objects.filter(status=RequestStatus.PENDING)).order_by("created_at", "pk")


def recently_decided_missed_ticks(*, limit: int = 20) -> QuerySet[MissedTickRequest]:
    return _with_tick(MissedTickRequest.objects.exclude(status=RequestStatus.PENDING)).order_by("-decided_at", "-pk")[
        :limit
    ]


def missed_ticks_of(*, user_id: int) -> QuerySet[MissedTickRequest]:
    """A member's own requests, newest first, with their outcome."""
    return _with_tick(MissedTickRequest.objects.filter(user_id=user_id)).order_by("-created_at", "-pk")


def visible_missed_ticks(*, viewer: User) -> QuerySet[MissedTickRequest]:
    """Every request for officers, only their own for everyone else."""
    requests = _with_tick(MissedTickRequest.objects.all()).order_by("-created_at", "-pk")
    if can(viewer, Capability.MANAGE_GUILD):
        return requests
    return requests.filter(user_id=viewer.pk)
