"""Reads for giving characters owners: what waits for an owner, who might own it, the claims queue.

Attendance a character earned unclaimed is kept as rows with no user (``RaidAttendance.user`` is
empty) until someone owns the character; these reads count those rows, so they live with raids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from dkp.accounts.models import User
from dkp.characters.models import Character, CharacterClaimRequest, ClaimStatus
from dkp.core.roles import GUILD_MEMBERS
from dkp.raids.models import RaidAttendance

SUGGESTIONS = 8  # characters offered in "might be yours"


@dataclass(frozen=True)
class Waiting:
    """A character's attendance that waits for an owner: how many ticks, worth how many points at most.

    "At most": a tick the owner was already credited for through another character is not credited
    twice, so the credit on approval can be less.
    """

    ticks: int = 0
    points: int = 0


def waiting_for(character_ids: Iterable[int]) -> dict[int, Waiting]:
    """The waiting attendance of each of these characters, in one query (missing: nothing waits)."""
    rows = (
        RaidAttendance.objects.filter(character_id__in=list(character_ids), user__isnull=True)
        .values("character_id")
        .annotate(ticks=Count("pk"), points=Sum("tick__value"))
        .order_by()
    )
    return {row["character_id"]: Waiting(ticks=row["ticks"], points=row["points"] or 0) for row in rows}


def unowned_in_raid(*, raid_id: int) -> QuerySet[Character]:
    """Characters at a tick of this raid that still have no owner, by name."""
    seen = RaidAttendance.objects.filter(character=OuterRef("pk"), tick__raid_id=raid_id)
    return Character.objects.filter(Exists(seen), owner__isnull=True).order_by("name")


def unowned_with_attendance() -> QuerySet[Character]:
    """Every character with no owner that has attendance waiting, by name."""
    waiting = RaidAttendance.objects.filter(character=OuterRef("pk"), user__isnull=True)
    return Character.objects.filter(Exists(waiting), owner__isnull=True).order_by("name")


def assignable_members() -> QuerySet[User]:
    """The people an officer may give a character to: active guild members, by display name."""
    return (
        User.objects.filter(is_active=True, role_group__in=[role.value for role in GUILD_MEMBERS])
        .select_related("main_character")
        .order_by("display_name", "username")
    )


def might_be_yours(*, user_id: int, limit: int = SUGGESTIONS) -> list[Character]:
    """Unclaimed characters that were at the same ticks as this user's characters, likeliest first.

    A member's box or alt is logged in when the member is, so its attendance lies inside theirs:
    ranked first are characters seen at fewest ticks without the member (``apart``), then at most
    ticks with them (``together``). A character never at a tick with the member is not offered.
    Each row carries ``together``, ``apart`` and ``claim_pending`` (the user already asked for it).
    One query.
    """
    their_ticks = RaidAttendance.objects.filter(user_id=user_id).values("tick_id")
    pending = CharacterClaimRequest.objects.filter(
        character=OuterRef("pk"), requester_id=user_id, status=ClaimStatus.PENDING
    )
    return list(
        Character.objects.filter(owner__isnull=True, is_active=True)
        .annotate(
            together=Count("attendance", filter=Q(attendance__tick_id__in=their_ticks)),
            seen=Count("attendance"),
        )
        .filter(together__gt=0)
        .annotate(apart=F("seen") - F("together"), claim_pending=Exists(pending))
        .order_by("apart", "-together", "name")[:limit]
    )


def pending_claims() -> QuerySet[CharacterClaimRequest]:
    """Claims waiting for an officer, oldest first, with the character, its owner and the requester."""
    return (
        CharacterClaimRequest.objects.filter(status=ClaimStatus.PENDING)
        .select_related("character__owner", "requester")
        .order_by("created_at", "pk")
    )


def recently_decided_claims(*, limit: int = 10) -> QuerySet[CharacterClaimRequest]:
    return (
        CharacterClaimRequest.objects.exclude(status=ClaimStatus.PENDING)
        .select_related("character", "requester", "decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )
