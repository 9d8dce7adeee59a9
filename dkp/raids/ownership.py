"""Giving a character an owner: the ownership record and the attendance it earned while unclaimed.

The two belong together: a transfer or an approved claim and the credit of the character's waiting
attendance are one transaction, so this sits above both characters and the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from dkp.accounts.duties import require_another_officer
from dkp.characters.models import Character, CharacterClaimRequest, CharacterOwnership, ClaimStatus
from dkp.characters.services import change_owner, lock_character, lock_pending_claim
from dkp.core.errors import Conflict, InvalidInput
from dkp.core.roles import Capability, can, require, role_of
from dkp.raids.credits import credit_pending_attendance

if TYPE_CHECKING:
    from dkp.accounts.models import User
    from dkp.points.models import PointEntry


@dataclass(frozen=True)
class Given:
    """A character that found its owner, and the credits its waiting attendance brought them."""

    character: Character
    owner: User
    credits: tuple[PointEntry, ...]

    @property
    def points(self) -> int:
        return sum(entry.amount for entry in self.credits)


# What else waits for a character's owner, beyond its attendance: history brought in from another
# tool (``dkp.switching``) registers here when its app loads, so ownership hands it over in the same
# transaction without knowing it. A hook returns the ledger entries it wrote for the new owner.
OwnerHook = Callable[[Character, "User", "User | None"], Sequence["PointEntry"]]
_OWNER_HOOKS: list[OwnerHook] = []


def register_owner_hook(hook: OwnerHook) -> None:
    if hook not in _OWNER_HOOKS:
        _OWNER_HOOKS.append(hook)


def _give(*, character: Character, to_user: User, actor: User | None, reason: str) -> tuple[CharacterOwnership, Given]:
    ownership = change_owner(character=character, to_user=to_user, actor=actor, reason=reason)
    credits = credit_pending_attendance(character=character, actor=actor)
    for hook in _OWNER_HOOKS:
        credits.extend(hook(character, to_user, actor))
    return ownership, Given(character=character, owner=to_user, credits=tuple(credits))


def give_unowned(*, character: Character, to_user: User, actor: User | None, reason: str) -> Given:
    """Give a character that has no owner to a member, with everything waiting for it. Joins the
    caller's transaction; the caller has checked who may do it (an import, an officer's batch)."""
    locked = lock_character(character)
    if locked.owner is not None:
        raise Conflict(f"{locked.name} already belongs to {locked.owner.name}.", code="already_owned")
    return _give(character=locked, to_user=to_user, actor=actor, reason=reason)[1]


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
    return _give(character=character, to_user=to_user, actor=actor, reason=reason or "transfer")[0]


def approve_claim(*, claim: CharacterClaimRequest, actor: User | None, reason: str = "") -> CharacterClaimRequest:
    """Make the requester the owner and credit the attendance the character earned unclaimed."""
    return approve_claim_crediting(claim=claim, actor=actor, reason=reason)[0]


@transaction.atomic
def approve_claim_crediting(
    *, claim: CharacterClaimRequest, actor: User | None, reason: str = ""
) -> tuple[CharacterClaimRequest, Given]:
    """``approve_claim``, also saying what the approval credited (a page tells the officer the points)."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    claim = lock_pending_claim(claim)
    require_another_officer(actor=actor, subject=claim.requester, action="approve your own claim")
    character = lock_character(claim.character)
    given = Given(character=character, owner=claim.requester, credits=())
    if character.owner_id != claim.requester_id:
        _, given = _give(
            character=character, to_user=claim.requester, actor=actor, reason=reason or f"claim {claim.pk} approved"
        )
    claim.status = ClaimStatus.APPROVED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.decision_reason = reason[:300]
    claim.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    return claim, given


@transaction.atomic
def assign_owners(*, owners: Sequence[tuple[Character, User]], actor: User, reason: str = "") -> list[Given]:
    """Give several unowned characters their owners at once, each credited its waiting attendance.

    All or nothing: one character that already has an owner, or one owner who may not hold
    characters, refuses the whole batch and nothing changes. An officer assigning a character is
    claiming it on the member's behalf, so the new owner must be someone who may claim
    (``Capability.BID``), the same people ``request_claim`` accepts.
    """
    require(actor, Capability.MANAGE_GUILD)
    if not owners:
        raise InvalidInput("Pick an owner for at least one character.", code="nothing_assigned")
    seen: set[int] = set()
    for character, owner in owners:
        if character.pk in seen:
            raise InvalidInput(f"{character.name} is given an owner twice; pick one.", code="assigned_twice")
        seen.add(character.pk)
        if not can(owner, Capability.BID):
            role = role_of(owner).label.lower()
            raise InvalidInput(
                f"{owner.name} is a {role} and may not hold characters; pick a guild member for {character.name}.",
                code="owner_not_member",
            )
    for character, owner in owners:
        require_another_officer(actor=actor, subject=owner, action=f"assign {character.name} to yourself")
    given = []
    # Rows locked in one order, so two officers assigning overlapping batches cannot deadlock.
    for character, owner in sorted(owners, key=lambda pair: pair[0].pk):
        locked = lock_character(character)
        if locked.owner is not None and locked.owner_id == owner.pk and character.owner_id is None:
            continue  # an alt that came with its main earlier in this batch (dkp.switching's hand-over)
        if locked.owner is not None:
            raise Conflict(
                f"{locked.name} already belongs to {locked.owner.name}; nothing was assigned. "
                "Reload the page to see who still waits for an owner.",
                code="already_owned",
            )
        given.append(_give(character=locked, to_user=owner, actor=actor, reason=reason or "assigned by an officer")[1])
    return given
