"""Whose bids each persona may see: the one rule behind the member page, the API's bid history and `/dkp`."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from dkp.loot.selectors import may_see_bids_of
from dkp.testing.personas import Guild


@pytest.mark.parametrize(
    ("viewer", "person", "sees"),
    [
        ("good_member", "good_member", True),  # your own
        ("poor_member", "good_member", False),  # another member's would give sealed bids away
        ("recruiter", "good_member", False),
        ("developer", "good_member", False),
        ("applicant", "good_member", False),
        ("guest", "good_member", False),
        ("officer", "good_member", True),  # officers run the auctions
        ("officer", "poor_member", True),
    ],
)
def test_bids_are_for_the_bidder_and_officers(guild: Guild, viewer: str, person: str, sees: bool) -> None:
    people = guild.everyone()
    assert may_see_bids_of(viewer=people[viewer], person=people[person]) is sees


def test_nobody_signed_in_sees_no_ones_bids(guild: Guild) -> None:
    assert may_see_bids_of(viewer=None, person=guild.good_member) is False
    assert may_see_bids_of(viewer=AnonymousUser(), person=guild.good_member) is False
