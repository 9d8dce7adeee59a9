"""The officers' corrections after a reversal, beside re-award to the next bidder: give the copy to a member
they name, or put it up for bids again. Officers only; each view reads its form and calls one service."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from dkp.accounts.models import User
from dkp.core.http import form_post
from dkp.loot import services
from dkp.loot.models import LootDistribution
from dkp.loot.views_officer import _distribution_action, _minutes, _reason, officer_only


@form_post(back="loot_officer:console")  # outside: a reload lands on the console, which refuses non-officers
@officer_only
def award_elsewhere(request: HttpRequest, distribution_id: int) -> HttpResponse:
    """Take the award back (when it is not already) and give the copy to the character named, at the price typed."""

    def act(actor: User, distribution: LootDistribution) -> str:
        given = services.award_to_someone_else(
            distribution_id=distribution.pk,
            character_name=request.POST.get("character", ""),
            price=request.POST.get("price", ""),
            actor=actor,
            reason=_reason(request, what="give it to someone else"),
        )
        return f"Gave {distribution.item.name} to {given.character_name} for {given.price}."

    return _distribution_action(request, distribution_id, act)


@form_post(back="loot_officer:console")  # outside: a reload lands on the console, which refuses non-officers
@officer_only
def reopen(request: HttpRequest, distribution_id: int) -> HttpResponse:
    """Take the award back (when it is not already) and open a new auction for the copy in the same pool."""

    def act(actor: User, distribution: LootDistribution) -> str:
        reopened = services.reopen_for_bids(
            distribution_id=distribution.pk,
            actor=actor,
            reason=_reason(request, what="re-open it"),
            minutes=_minutes(request.POST.get("minutes", "")),
        )
        return f"{distribution.item.name} is up for bids again in {reopened.pool.name} (auction #{reopened.pk})."

    return _distribution_action(request, distribution_id, act)
