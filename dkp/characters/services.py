"""Owning characters: transfers, claims, and crediting attendance a character earned unclaimed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from dkp.characters.models import Character, CharacterClaimRequest, CharacterOwnership, ClaimStatus
from dkp.core.errors import Conflict, InvalidInput
from dkp.core.roles import Capability, require

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.points.models import PointEntry


def _lock_character(character: Character) -> Character:
    # Only the character's row: PostgreSQL cannot lock the nullable side of the outer join to its owner.
    return Character.objects.select_for_update(of=("self",)).select_related("owner").get(pk=character.pk)


def credit_pending_attendance(*, character: Character, actor: User | None) -> list[PointEntry]:
    """Give the owner the attendance the character earned while unclaimed, each tick once.

    Rows stay with whoever owned the character at the time; only rows with no user are taken.
    The credit keeps the tick's own date. Joins the caller's transaction.
    """
    from dkp.points.services import credit_attendance
    from dkp.raids.models import RaidAttendance

    owner = character.owner
    if owner is None:
        return []
    pending = list(
        RaidAttendance.objects.select_for_update(of=("self",))
        .filter(character=character, user__isnull=True)
        .select_related("tick__raid__event__pool")
        .order_by("tick__occurred_at")
    )
    entries = []
    for row in pending:
        row.user = owner
        row.save(update_fields=["user"])
        entry = credit_attendance(user=owner, tick=row.tick, character_name=row.character_name, actor=actor)
        if entry is not None:
            entries.append(entry)
    return entries


def _change_owner(*, character: Character, to_user: User, actor: User | None, reason: str) -> CharacterOwnership:
    now = timezone.now()
    CharacterOwnership.objects.filter(character=character, ended_at__isnull=True).update(ended_at=now)
    ownership = CharacterOwnership.objects.create(
        character=character, user=to_user, started_at=now, changed_by=actor, reason=reason[:300]
    )
    character.owner = to_user
    character.save(update_fields=["owner", "updated_at"])
    if to_user.main_character_id is None:
        to_user.main_character = character
        to_user.save(update_fields=["main_character"])
    credit_pending_attendance(character=character, actor=actor)
    return ownership


@transaction.atomic
def transfer_character(*, character: Character, to_user: User, actor: User | None, reason: str) -> CharacterOwnership:
    """Give a character to another user. No points move: past attendance and loot stay with the old owner."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    character = _lock_character(character)
    if character.owner_id == to_user.pk:
        raise InvalidInput(f"{character.name} already belongs to {to_user.name}.", code="same_owner")
    previous = character.owner
    if previous is not None and previous.main_character_id == character.pk:
        previous.main_character = None
        previous.save(update_fields=["main_character"])
    return _change_owner(character=character, to_user=to_user, actor=actor, reason=reason or "transfer")


@transaction.atomic
def request_claim(*, character: Character, requester: User, note: str = "") -> CharacterClaimRequest:
    require(requester, Capability.BID)
    if character.owner_id == requester.pk:
        raise InvalidInput(f"{character.name} is already yours.", code="already_owner")
    if CharacterClaimRequest.objects.filter(
        character=character, requester=requester, status=ClaimStatus.PENDING
    ).exists():
        raise Conflict(f"You already asked to claim {character.name}; an officer will decide.", code="duplicate_claim")
    return CharacterClaimRequest.objects.create(character=character, requester=requester, note=note[:2000])


def _lock_pending_claim(claim: CharacterClaimRequest) -> CharacterClaimRequest:
    claim = CharacterClaimRequest.objects.select_for_update().select_related("character", "requester").get(pk=claim.pk)
    if claim.status != ClaimStatus.PENDING:
        raise Conflict(f"This claim was already {claim.status}.", code="claim_decided")
    return claim


@transaction.atomic
def approve_claim(*, claim: CharacterClaimRequest, actor: User | None, reason: str = "") -> CharacterClaimRequest:
    """Make the requester the owner and credit the attendance the character earned unclaimed."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    claim = _lock_pending_claim(claim)
    character = _lock_character(claim.character)
    if character.owner_id != claim.requester_id:
        _change_owner(
            character=character, to_user=claim.requester, actor=actor, reason=reason or f"claim {claim.pk} approved"
        )
    claim.status = ClaimStatus.APPROVED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.decision_reason = reason[:300]
    claim.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    return claim


@transaction.atomic
def deny_claim(*, claim: CharacterClaimRequest, actor: User | None, reason: str) -> CharacterClaimRequest:
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    if not (reason or "").strip():
        raise InvalidInput("Say why the claim is denied.", code="reason_required")
    claim = _lock_pending_claim(claim)
    claim.status = ClaimStatus.DENIED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.decision_reason = reason.strip()[:300]
    claim.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    return claim
