"""Reloading, or going back to, a page that only answers a form lands on that form with a message.

Every view that takes only a submitted form is wrapped in ``dkp.core.http.form_post``: a GET (a
reload of the answer page, the back button, an address typed) is sent back to the form it belongs
to, with a message, instead of a blank "405 Method Not Allowed".
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from dkp.testing.personas import Guild

MESSAGE = "That page shows the answer to a form, so it was opened again from here."


def _lands_with_message(client, address: str, form: str) -> None:
    answer = client.get(address)
    assert answer.status_code == 302, address
    assert answer["Location"] == form
    page = client.get(form)
    assert page.status_code == 200
    assert MESSAGE in page.text


def test_reloading_the_tick_preview_or_confirm_lands_on_the_tick_form(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    form = reverse("raids:tick_new", args=[guild.raid.pk])
    _lands_with_message(client, reverse("raids:tick_preview", args=[guild.raid.pk]), form)
    _lands_with_message(client, reverse("raids:tick_confirm", args=[guild.raid.pk]), form)


def test_reloading_a_decay_run_lands_on_the_decay_page(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    _lands_with_message(client, reverse("points:decay_apply", args=[guild.pool.pk]), reverse("points:decay"))


def test_reloading_an_award_reversal_lands_on_the_loot_console(client, guild: Guild) -> None:
    from dkp.loot.services import award_loot, item_named

    award = award_loot(
        item=item_named("Cloak of Flames"),
        pool=guild.pool,
        winner=guild.good_member,
        character_name="Gwendolyn",
        price=2,
        actor=guild.officer,
    )
    client.force_login(guild.officer)
    _lands_with_message(client, reverse("loot_officer:reverse", args=[award.pk]), reverse("loot_officer:console"))
    award.refresh_from_db()
    assert not award.is_reversed  # the visit by address did nothing


@pytest.mark.parametrize(
    ("route", "args", "form"),
    [
        ("loot_officer:open", [], ("loot_officer:console", [])),
        ("loot_officer:reaward", [1], ("loot_officer:console", [])),
        ("points:decay_apply", [1], ("points:decay", [])),
        ("missed:approve", [1], ("missed:queue", [])),
        ("missed:deny", [1], ("missed:queue", [])),
        ("web:api_key_create", [], ("web:me", [])),
        ("web:api_key_revoke", [1], ("web:me", [])),
        ("web:logout", [], ("web:home", [])),
        ("web:demo_sign_in", [], ("web:login", [])),
    ],
)
def test_no_form_only_page_answers_a_visit_by_address_with_a_blank_405(client, guild: Guild, route, args, form) -> None:
    client.force_login(guild.officer)
    answer = client.get(reverse(route, args=args))
    assert answer.status_code == 302
    assert answer["Location"] == reverse(form[0], args=form[1])


def test_the_per_object_forms_go_back_to_that_objects_page(client, guild: Guild) -> None:
    from dkp.loot.services import open_auction

    auction = open_auction(item="Cloak of Flames", pool=guild.pool, actor=guild.officer)
    client.force_login(guild.officer)
    for route in ("loot:bid", "loot:withdraw", "loot_officer:close", "loot_officer:extend", "loot_officer:cancel"):
        answer = client.get(reverse(route, args=[auction.pk]))
        assert answer.status_code == 302, route
        assert answer["Location"] == reverse("loot:detail", args=[auction.pk]), route
    for route in ("recruitment:vote", "recruitment:comment", "recruitment:move"):
        answer = client.get(reverse(route, args=[7]))
        assert answer.status_code == 302, route
        assert answer["Location"] == reverse("recruitment:detail", args=[7]), route


def test_me_is_your_own_member_page(client, guild: Guild) -> None:
    assert client.get(reverse("web:me"))["Location"].startswith(reverse("web:login"))
    client.force_login(guild.good_member)
    assert client.get(reverse("web:me"))["Location"] == reverse("web:member", args=[guild.good_member.username])


def test_other_methods_are_still_not_allowed(client, guild: Guild) -> None:
    client.force_login(guild.officer)
    assert client.put(reverse("raids:tick_preview", args=[guild.raid.pk])).status_code == 405
