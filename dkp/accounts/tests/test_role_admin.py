"""Changing a role group in the officers' admin goes through ``set_role_group``, as on the user's page:
the change is the app's (pushed to Discord, not pulled back), and the officer's rules apply."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from dkp.accounts import keys
from dkp.accounts.models import User
from dkp.core.roles import RoleGroup
from dkp.testing.personas import Guild


def change_url(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def form_data(user: User, **changes: object) -> dict[str, Any]:
    """What the admin's change form posts for ``user``, with ``changes`` made."""
    data: dict[str, Any] = {
        "username": user.username,
        "display_name": user.display_name,
        "role_group": user.role_group,
        "is_active": "on",
        "member_since": user.member_since.isoformat() if user.member_since else "",
        "main_character": user.main_character_id or "",
        "discord_id": user.discord_id or "",
        "discord_username": user.discord_username,
        "avatar": user.avatar,
    }
    if not user.is_active:
        del data["is_active"]  # an unticked box is not posted
    data.update(changes)
    return data


@pytest.fixture
def pushed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The users whose role group was queued for a push to Discord."""
    queued: list[int] = []
    monkeypatch.setattr(keys, "push_role_group_after_commit", lambda *, user: queued.append(user.pk))
    return queued


def test_an_officer_promoting_in_the_admin_marks_the_change_and_pushes_it(
    client: Client, guild: Guild, pushed: list[int]
) -> None:
    gwen = guild.good_member
    client.force_login(guild.officer)

    response = client.post(change_url(gwen), form_data(gwen, role_group=RoleGroup.RECRUITER, display_name="Gwen R"))

    assert response.status_code == 302, response.content
    gwen.refresh_from_db()
    assert gwen.role_group == RoleGroup.RECRUITER
    assert gwen.display_name == "Gwen R"  # the rest of the form is saved too
    assert gwen.role_group_changed_at is not None  # the app's change: not pulled back before Discord has it
    assert pushed == [gwen.pk]


def test_an_officer_editing_other_fields_in_the_admin_pushes_nothing(
    client: Client, guild: Guild, pushed: list[int]
) -> None:
    gwen = guild.good_member
    client.force_login(guild.officer)

    response = client.post(change_url(gwen), form_data(gwen, display_name="Gwendolyn"))

    assert response.status_code == 302
    gwen.refresh_from_db()
    assert gwen.display_name == "Gwendolyn"
    assert gwen.role_group_changed_at is None
    assert pushed == []


def test_an_officer_cannot_demote_themselves_in_the_admin_and_nothing_is_saved(
    client: Client, guild: Guild, pushed: list[int]
) -> None:
    olwen = guild.officer
    client.force_login(olwen)

    response = client.post(change_url(olwen), form_data(olwen, role_group=RoleGroup.MEMBER, display_name="Olly"))

    assert response.status_code == 302
    assert response["Location"] == change_url(olwen)
    errors = [str(message) for message in get_messages(response.wsgi_request)]
    assert errors == ["Nothing was saved: Officers cannot demote themselves; ask another officer."]
    olwen.refresh_from_db()
    assert (olwen.role_group, olwen.display_name) == (RoleGroup.OFFICER, "Olwen")
    assert olwen.role_group_changed_at is None
    assert pushed == []


def test_a_superuser_adding_an_account_in_the_admin_gets_its_role_group_pushed(
    client: Client, db: None, pushed: list[int]
) -> None:
    root = User.objects.create_superuser("root", None)  # an officer too
    client.force_login(root)
    data = {"username": "newbie", "role_group": RoleGroup.MEMBER, "is_active": "on", "discord_id": "123456789"}

    response = client.post(reverse("admin:accounts_user_add"), data)

    assert response.status_code == 302, response.content
    newbie = User.objects.get(username="newbie")
    assert newbie.role_group == RoleGroup.MEMBER
    assert newbie.role_group_changed_at is not None
    assert not newbie.has_usable_password()
    assert pushed == [newbie.pk]
