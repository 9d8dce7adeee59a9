"""Giving a character an owner: the ownership record and the attendance it earned while unclaimed.

The two belong together: a transfer or an approved claim and the credit of the character's waiting
attendance are one transaction, so this sits above both characters and the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from dkp.characters.models import Character, CharacterClaimRequest, CharacterOwnership, ClaimStatus
from dkp.characters.services import change_owner, lock_character, lock_pending_claim
from dkp.core.errors import InvalidInput
from dkp.core.roles import Capability, require
from dkp.raids.credits import credit_pending_attendance

if TYPE_CHECKING:
    from dkp.accounts.models import User


def _give(*, character: Character, to_user: User, actor: User | None, reason: str) -> CharacterOwnership:
    ownership = change_owner(character=character, to_user=to_user, actor=actor, reason=reason)
    credit_pending_attendance(character=character, actor=actor)
    return ownership


@transaction.atomic
def transfer_character(*, character: Character, to_user: User, actor: User | None, reason: str) -> CharacterOwnership:
    """Give a character to another user. No points move: past attendance and loot stay with the old owner."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    character = lock_character(character)
    if character.owner_id == to_user.pk:
        raise InvalidInput(f"{character.name} already belongs to {to_user.name}.", code="same_owner")
    previous = character.owner
    if previous is not None and previous.main_character_id == character.pk:
        previous.main_character = None
        previous.save(update_fields=["main_character"])
    return _give(character=character, to_user=to_user, actor=actor, reason=reason or "transfer")


@transaction.atomic
def approve_claim(*, claim: CharacterClaimRequest, actor: User | None, reason: str = "") -> CharacterClaimRequest:
    """Make the requester the owner and credit the attendance the character earned unclaimed."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    claim = lock_pending_claim(claim)
    character = lock_character(claim.character)
    if character.owner_id != claim.requester_id:
        _give(character=character, to_user=claim.requester, actor=actor, reason=reason or f"claim {claim.pk} approved")
    claim.status = ClaimStatus.APPROVED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.decision_reason = reason[:300]
    claim.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    return claim
