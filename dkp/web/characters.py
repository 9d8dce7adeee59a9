"""Character pages and giving characters owners on the web: the list with its Claim buttons, a
character's page, the officers' claims queue and the quick assign after a raid night.

Each view reads through selectors or calls one service (``dkp.characters.services.request_claim``,
``dkp.characters.services.deny_claim``, ``dkp.raids.ownership``) and renders; the rules are theirs.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from dkp.accounts.models import User
from dkp.characters.models import Character, CharacterClaimRequest, ClaimStatus, EqClass
from dkp.characters.services import deny_claim, request_claim
from dkp.core.errors import GuildError, InvalidInput
from dkp.core.fields import id_from_text
from dkp.core.http import form_post
from dkp.core.models import OfficerDecidedRequest
from dkp.core.roles import Capability, can, require, require_officer
from dkp.loot.models import LootDistribution
from dkp.raids.models import Raid, RaidAttendance
from dkp.raids.ownership import Given, approve_claim_crediting, assign_owners
from dkp.raids.selectors_owners import (
    Waiting,
    assignable_members,
    pending_claims,
    recently_decided_claims,
    unowned_in_raid,
    unowned_with_attendance,
    waiting_for,
)

CHARACTERS_PER_PAGE = 100
QUICK_ASSIGN_ROWS = 200  # one form; more than a raid night ever leaves unowned
REASON_MAX = OfficerDecidedRequest._meta.get_field("decision_reason").max_length
NOTE_MAX = 2000


def _pending_claim_ids(user: Any) -> set[int]:
    """The characters the viewer has already asked to claim."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(
        CharacterClaimRequest.objects.filter(requester_id=user.pk, status=ClaimStatus.PENDING).values_list(
            "character_id", flat=True
        )
    )


def character_list(request: HttpRequest) -> HttpResponse:
    """Every character seen in the guild; unclaimed ones carry a Claim button for members."""
    require(request.user, Capability.VIEW_GUILD)
    characters = Character.objects.select_related("owner").order_by("name")
    eq_class = request.GET.get("class", "")
    if eq_class:
        characters = characters.filter(eq_class=eq_class)
    unclaimed = bool(request.GET.get("unclaimed"))
    if unclaimed:
        characters = characters.filter(owner__isnull=True)
    page = Paginator(characters, CHARACTERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "characters": page,
        "classes": EqClass.choices,
        "eq_class": eq_class,
        "unclaimed": unclaimed,
        "may_claim": can(request.user, Capability.BID),
        "asked": _pending_claim_ids(request.user),
        "waiting_claims": pending_claims().count() if can(request.user, Capability.MANAGE_GUILD) else 0,
    }
    return render(request, "web/character_list.html", context)


def _character(name: str) -> Character:
    return get_object_or_404(Character.objects.select_related("owner"), name__iexact=name)


def character_detail(request: HttpRequest, name: str) -> HttpResponse:
    """One character: class, level, owner and tag, who owned it when, its attendance and its loot."""
    require(request.user, Capability.VIEW_GUILD)
    character = _character(name)
    attendance = (
        RaidAttendance.objects.filter(character=character)
        .select_related("tick__raid__event__pool", "user")
        .order_by("-tick__occurred_at", "-pk")
    )
    loot = (
        LootDistribution.objects.filter(character_name__iexact=character.name)
        .select_related("item", "user", "pool", "raid__event")
        .order_by("-awarded_at", "-pk")
    )
    officer = can(request.user, Capability.MANAGE_GUILD)
    context = {
        "character": character,
        "ownerships": character.ownerships.select_related("user", "changed_by").order_by("-started_at", "-pk"),
        "attendance": Paginator(attendance, 25).get_page(request.GET.get("ticks_page")),
        "loot": Paginator(loot, 20).get_page(request.GET.get("loot_page")),
        # An owned character's attendance went to its owner; only an unowned one has any waiting.
        "waiting": Waiting() if character.owner_id else waiting_for([character.pk]).get(character.pk, Waiting()),
        "may_claim": can(request.user, Capability.BID) and character.owner_id != request.user.pk,
        "claim_pending": character.pk in _pending_claim_ids(request.user),
        "pending_claims": list(pending_claims().filter(character=character)) if officer else [],
        "note_max": NOTE_MAX,
    }
    return render(request, "web/character_detail.html", context)


def _back_to(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=False):
        return wanted
    return default


@form_post(back="web:character")
def character_claim(request: HttpRequest, name: str) -> HttpResponse:
    """A member asks to own a character; an officer decides in the claims queue."""
    character = _character(name)
    require(request.user, Capability.BID)  # request_claim asks again; this tells mypy who is asking
    requester = cast("User", request.user)
    claim = request_claim(character=character, requester=requester, note=request.POST.get("note", ""))
    waiting = waiting_for([character.pk]).get(character.pk, Waiting())
    then = "An officer will decide."
    if waiting.ticks:
        ticks = f"{waiting.ticks} waiting tick{'s' if waiting.ticks != 1 else ''}"
        then = f"An officer will decide; its {ticks} (up to {waiting.points} points) are credited to you on approval."
    messages.success(request, f"You asked to claim {claim.character.name}. {then}")
    return redirect(_back_to(request, reverse("web:character", args=[character.name])))


# The officers' claims queue.


def _queue(request: HttpRequest, *, error: str = "", failed_id: int | None = None, status: int = 200) -> HttpResponse:
    claims = list(pending_claims())
    waiting = waiting_for(claim.character_id for claim in claims)
    context = {
        "claims": [(claim, waiting.get(claim.character_id, Waiting())) for claim in claims],
        "decided": recently_decided_claims(),
        "error": error,
        "failed_id": failed_id,
        "reason_max": REASON_MAX,
    }
    return render(request, "web/claims_queue.html", context, status=status)


def claims_queue(request: HttpRequest) -> HttpResponse:
    """Members' claims waiting for a decision, each with the attendance that waits on it."""
    require_officer(request)
    return _queue(request)


def _credited(given: Given) -> str:
    if not given.credits:
        return "no attendance was waiting for it"
    ticks = len(given.credits)
    return f"{ticks} waiting tick{'s' if ticks != 1 else ''} credited, {given.points} points"


@form_post(back="web:claims")
def claim_approve(request: HttpRequest, claim_id: int) -> HttpResponse:
    actor = require_officer(request)
    claim = get_object_or_404(CharacterClaimRequest, pk=claim_id)
    try:
        claim, given = approve_claim_crediting(claim=claim, actor=actor, reason=request.POST.get("reason", ""))
    except GuildError as refused:
        return _queue(request, error=refused.message, failed_id=claim_id, status=refused.status)
    messages.success(request, f"{claim.requester.name} now owns {claim.character.name}: {_credited(given)}.")
    return redirect("web:claims")


@form_post(back="web:claims")
def claim_deny(request: HttpRequest, claim_id: int) -> HttpResponse:
    actor = require_officer(request)
    claim = get_object_or_404(CharacterClaimRequest, pk=claim_id)
    try:
        claim = deny_claim(claim=claim, actor=actor, reason=request.POST.get("reason", ""))
    except GuildError as refused:
        return _queue(request, error=refused.message, failed_id=claim_id, status=refused.status)
    messages.success(request, f"Denied {claim.requester.name}'s claim on {claim.character.name}.")
    return redirect("web:claims")


# Quick assign: every character a raid night left without an owner, an owner picked for each, in one form.


def _raid_from(request: HttpRequest) -> Raid | None:
    raid_id = id_from_text(request.GET.get("raid", ""), label="The raid", status=400)
    if raid_id is None:
        return None
    return get_object_or_404(Raid.objects.select_related("event"), pk=raid_id)


def _picks(request: HttpRequest) -> dict[int, int]:
    """The owners picked on the form: character id → member id, blank rows left out.

    Each row is a select named ``owner-<character id>``; a value that is not an id is a 400.
    """
    picks: dict[int, int] = {}
    for field in request.POST:
        value = request.POST.get(field, "")
        if not field.startswith("owner-") or value == "":
            continue
        character_id = id_from_text(field.removeprefix("owner-"), label="The character", status=400)
        member_id = id_from_text(value, label="The member", status=400)
        if character_id is not None and member_id is not None:
            picks[character_id] = member_id
    return picks


def _owners(picks: dict[int, int]) -> list[tuple[Character, User]]:
    """The picked characters and members as rows; an id that names nobody is refused with the id."""
    characters = Character.objects.select_related("owner").in_bulk(picks.keys())
    members = User.objects.in_bulk(set(picks.values()))
    owners = []
    for character_id, member_id in sorted(picks.items()):
        character = characters.get(character_id)
        if character is None:
            raise InvalidInput(f"No character has the id {character_id}; reload the page.", code="unknown_character")
        member = members.get(member_id)
        if member is None:
            raise InvalidInput(
                f"No member has the id {member_id} (picked for {character.name}); reload the page.",
                code="unknown_member",
                status=400,
            )
        owners.append((character, member))
    return owners


@require_http_methods(["GET", "POST"])
def quick_assign(request: HttpRequest) -> HttpResponse:
    """Pick an owner for each character still without one; one submit assigns them all, or none."""
    actor = require_officer(request)
    raid = _raid_from(request)
    error, status = "", 200
    picks: dict[int, int] = {}
    if request.method == "POST":
        try:
            picks = _picks(request)
            given = assign_owners(owners=_owners(picks), actor=actor)
        except GuildError as refused:
            error, status = refused.message, refused.status
        else:
            points = sum(one.points for one in given)
            names = ", ".join(f"{one.character.name} → {one.owner.name} (+{one.points})" for one in given)
            messages.success(
                request,
                f"{len(given)} character{'s' if len(given) != 1 else ''} now have owners, {points} points credited: "
                f"{names}.",
            )
            return redirect(reverse("web:raid", args=[raid.pk]) if raid else reverse("web:quick_assign"))
    unowned = unowned_in_raid(raid_id=raid.pk) if raid else unowned_with_attendance()
    characters = list(unowned[: QUICK_ASSIGN_ROWS + 1])
    more = len(characters) > QUICK_ASSIGN_ROWS
    characters = characters[:QUICK_ASSIGN_ROWS]
    waiting = waiting_for(character.pk for character in characters)
    context = {
        "raid": raid,
        "rows": [
            {"character": c, "waiting": waiting.get(c.pk, Waiting()), "picked": picks.get(c.pk)} for c in characters
        ],
        "more": more,
        "members": list(assignable_members()),
        "error": error,
    }
    return render(request, "web/quick_assign.html", context, status=status)
