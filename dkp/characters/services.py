"""Owning characters: the ownership history and members' claims.

A change of owner that should also credit the attendance the character earned unclaimed goes through
``dkp.raids.ownership``, which calls ``change_owner`` here inside its own transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from dkp.characters.models import Character, CharacterClaimRequest, CharacterOwnership, ClaimStatus
from dkp.core.errors import Conflict, InvalidInput
from dkp.core.roles import Capability, require

if TYPE_CHECKING:
    from dkp.accounts.models import User


def lock_character(character: Character) -> Character:
    """The character's row, locked until the transaction ends."""
    # Only the character's row: PostgreSQL cannot lock the nullable side of the outer join to its owner.
    return Character.objects.select_for_update(of=("self",)).select_related("owner").get(pk=character.pk)


def change_owner(*, character: Character, to_user: User, actor: User | None, reason: str) -> CharacterOwnership:
    """Close the current ownership row and open the next; the first character a user gets becomes their main.

    Joins the caller's transaction; no points move here (``dkp.raids.ownership`` credits what the
    character earned unclaimed).
    """
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
    return ownership


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


def lock_pending_claim(claim: CharacterClaimRequest) -> CharacterClaimRequest:
    claim = CharacterClaimRequest.objects.select_for_update().select_related("character", "requester").get(pk=claim.pk)
    if claim.status != ClaimStatus.PENDING:
        raise Conflict(f"This claim was already {claim.status}.", code="claim_decided")
    return claim


@transaction.atomic
def deny_claim(*, claim: CharacterClaimRequest, actor: User | None, reason: str) -> CharacterClaimRequest:
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    if not (reason or "").strip():
        raise InvalidInput("Say why the claim is denied.", code="reason_required")
    claim = lock_pending_claim(claim)
    claim.status = ClaimStatus.DENIED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.decision_reason = reason.strip()[:300]
    claim.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    return claim
