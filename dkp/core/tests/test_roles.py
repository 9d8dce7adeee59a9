"""Who may do what: the roles table of DESIGN.md §6, written out here again and checked cell by cell.

The expected table below is copied from the design by hand, not built from ``PERMISSIONS``, so
a change to the code's table that the design does not make fails here.
"""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser

from dkp.accounts.models import User
from dkp.core.errors import Forbidden
from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, can, require

pytestmark = pytest.mark.django_db

ROLES = ("guest", "applicant", "member", "recruiter", "developer", "officer")

YES, NO, TOGGLE = "yes", "no", "toggle"

# One row per line of the design's table; TOGGLE follows GuildSettings.standings_public.
EXPECTED = {
    #                                  guest   applicant member recruiter developer officer
    Capability.VIEW_GUILD:           (TOGGLE, TOGGLE,    YES,   YES,      YES,      YES),
    Capability.APPLY:                (YES,    YES,       NO,    NO,       NO,       NO),
    Capability.BID:                  (NO,     NO,        YES,   YES,      YES,      YES),
    Capability.VOTE:                 (NO,     NO,        YES,   YES,      YES,      YES),
    Capability.READ_APPLICATIONS:    (NO,     NO,        YES,   YES,      YES,      YES),
    Capability.MOVE_APPLICATIONS:    (NO,     NO,        NO,    YES,      NO,       YES),
    Capability.OWN_API_KEYS:         (NO,     NO,        YES,   YES,      YES,      YES),
    Capability.VIEW_SYSTEM:          (NO,     NO,        NO,    NO,       YES,      YES),
    Capability.MANAGE_GUILD:         (NO,     NO,        NO,    NO,       NO,       YES),
    Capability.DECIDE_APPLICATIONS:  (NO,     NO,        NO,    NO,       NO,       YES),
}  # fmt: skip

CELLS = [
    pytest.param(role, capability, EXPECTED[capability][column], id=f"{role}-{capability.name.lower()}")
    for (column, role), capability in itertools.product(enumerate(ROLES), EXPECTED)
]


def person(role: str, **fields: object) -> User:
    """Someone signed in with that role group (unsaved: the rules read only the role)."""
    return User(username=f"a-{role}", role_group=role, **fields)


def make_standings_public(public: bool) -> None:
    guild_settings = GuildSettings.load()
    guild_settings.standings_public = public
    guild_settings.save()


def test_the_table_covers_every_capability_the_code_knows():
    assert set(EXPECTED) == set(Capability)


@pytest.mark.parametrize(("role", "capability", "cell"), CELLS)
def test_each_role_may_do_what_the_table_says_while_standings_are_private(role, capability, cell):
    make_standings_public(False)
    assert can(person(role), capability) is (cell == YES)


@pytest.mark.parametrize(("role", "capability", "cell"), CELLS)
def test_each_role_may_do_what_the_table_says_once_standings_are_public(role, capability, cell):
    make_standings_public(True)
    assert can(person(role), capability) is (cell in (YES, TOGGLE))


@pytest.mark.parametrize(("role", "article"), [("guest", "A"), ("applicant", "An")])
def test_outsiders_see_the_standings_only_while_the_guild_makes_them_public(role, article):
    outsider = person(role)
    assert GuildSettings.load().standings_public is False
    assert not can(outsider, Capability.VIEW_GUILD)
    with pytest.raises(Forbidden, match=f"{article} {role} may not view standings"):
        require(outsider, Capability.VIEW_GUILD)

    make_standings_public(True)
    assert can(outsider, Capability.VIEW_GUILD)
    require(outsider, Capability.VIEW_GUILD)

    make_standings_public(False)
    assert not can(outsider, Capability.VIEW_GUILD)


def test_making_standings_public_gives_outsiders_nothing_but_the_view():
    make_standings_public(True)
    for role in ("guest", "applicant"):
        granted = {capability for capability in Capability if can(person(role), capability)}
        assert granted == {Capability.VIEW_GUILD, Capability.APPLY}


def test_an_anonymous_visitor_is_treated_as_a_guest():
    assert not can(AnonymousUser(), Capability.VIEW_GUILD)
    assert can(AnonymousUser(), Capability.APPLY)
    assert not can(None, Capability.BID)
    make_standings_public(True)
    assert can(AnonymousUser(), Capability.VIEW_GUILD)


def test_a_deactivated_officer_keeps_no_officer_powers():
    former_officer = person("officer", is_active=False)
    assert not can(former_officer, Capability.MANAGE_GUILD)
    assert not can(former_officer, Capability.BID)
    with pytest.raises(Forbidden, match="A guest may not manage raids"):
        require(former_officer, Capability.MANAGE_GUILD)


def test_a_refusal_names_the_role_and_what_it_may_not_do():
    with pytest.raises(Forbidden, match="A member may not see Discord sync logs and system health"):
        require(person("member"), Capability.VIEW_SYSTEM)
