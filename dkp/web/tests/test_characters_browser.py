"""Giving characters owners in a real Chromium on a phone-sized screen, driven by Playwright.

A member claims a character from its page and an officer approves from the queue; an officer takes a
raid dump full of new characters and gives some of them owners in one form. Each ends on the page a
member reads their balance on. Runs where Debian's Chromium is installed; elsewhere it is skipped.
"""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from dkp.testing.browser import needs_chromium

pytestmark = needs_chromium


def sign_in(page, user, live_server):
    """Become ``user`` in the browser: a session made by Django's test client, handed over as its cookie."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])


def has_no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def balance_card(page, pool_name: str) -> int:
    card = page.locator(".cards .card", has_text=pool_name).first
    return int(card.locator(".big").inner_text().replace(",", ""))


@pytest.mark.django_db(transaction=True)
def test_a_member_claims_from_the_character_page_and_the_officers_approval_credits_the_waiting_points(
    page, live_server, guild
):
    from dkp.raids.services import Attendee, create_raid, record_tick

    raid = create_raid(event=guild.event, starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=4), actor=None)
    for index, value in enumerate((15, 20)):
        record_tick(
            raid=raid,
            occurred_at=raid.starts_at + dt.timedelta(minutes=30 * (index + 1)),
            attendees=[Attendee("Wanderer", "Monk", 60)],
            value=value,
            actor=None,
        )
    home = f"{live_server.url}{reverse('web:member', args=['pip'])}"

    sign_in(page, guild.poor_member, live_server)
    page.goto(home)
    before = balance_card(page, guild.pool.name)
    page.goto(f"{live_server.url}{reverse('web:character', args=['Wanderer'])}")
    assert "2 ticks, up to 35 points" in page.locator("dl.facts").inner_text()
    assert has_no_sideways_scroll(page)
    page.get_by_label("A note for the officer").fill("my monk, boxed with Pipperel")
    page.get_by_role("button", name="Claim Wanderer").click()
    page.wait_for_selector("ul.messages li:has-text('You asked to claim Wanderer')")
    assert page.locator(".claim-state").inner_text() == "You asked to claim Wanderer; an officer will decide."

    sign_in(page, guild.officer, live_server)
    page.goto(f"{live_server.url}{reverse('web:claims')}")
    card = page.locator(".claim-card", has_text="Wanderer")
    assert "my monk, boxed with Pipperel" in card.inner_text()
    assert "up to 35 points" in card.inner_text()
    assert has_no_sideways_scroll(page)
    card.get_by_role("button", name="Approve").click()
    page.wait_for_selector("ul.messages li:has-text('Pip now owns Wanderer: 2 waiting ticks credited, 35 points.')")
    assert page.locator(".claim-card").count() == 0

    sign_in(page, guild.poor_member, live_server)
    page.goto(home)
    assert balance_card(page, guild.pool.name) == before + 35
    page.goto(f"{live_server.url}{reverse('web:character', args=['Wanderer'])}")
    assert "Pip" in page.locator("dl.facts").inner_text()


@pytest.mark.django_db(transaction=True)
def test_after_confirming_a_dump_an_officer_assigns_owners_from_the_raid_page_in_one_form(page, live_server, guild):
    from dkp.characters.models import Character
    from dkp.core.time import guild_zone
    from dkp.raids.services import create_raid
    from dkp.raids.tests.samples import FIRST, FIXTURES, names_in

    # A raid night that starts half an hour before the dump's own time (its file name).
    dumped = dt.datetime(2026, 11, 12, 20, 3, 12, tzinfo=guild_zone())
    raid = create_raid(event=guild.event, starts_at=dumped - dt.timedelta(minutes=30), actor=None)
    newcomers = len(names_in(FIRST))

    sign_in(page, guild.poor_member, live_server)
    page.goto(f"{live_server.url}{reverse('web:member', args=['pip'])}")
    pip_before = balance_card(page, guild.pool.name)

    sign_in(page, guild.officer, live_server)
    page.goto(f"{live_server.url}{reverse('web:raid', args=[raid.pk])}")
    page.get_by_role("link", name="Add tick").click()
    page.locator("input[type=file]").set_input_files([str(FIXTURES / FIRST)])
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("#present-count")
    for box in page.locator("form input[type=checkbox][required]").all():
        box.check()  # a confirmation the preview may ask for (a dump far from the raid night's time)
    page.get_by_role("button", name="Confirm tick").click()
    page.wait_for_selector("text=Tick saved")

    notice = page.locator(".unowned-notice")
    assert f"{newcomers} characters wait for owners" in notice.inner_text()
    notice.get_by_role("link", name="Assign owners").click()
    page.wait_for_selector("form.quick-assign")
    assert has_no_sideways_scroll(page)
    page.get_by_label(re.compile(r"^Drapyr ")).select_option(label="Pip (Pipperel)")
    page.get_by_label(re.compile(r"^Zelroso ")).select_option(label="Gwen (Gwendolyn)")
    page.get_by_role("button", name="Assign owners").click()

    page.wait_for_selector("ul.messages li:has-text('2 characters now have owners, 20 points credited')")
    assert f"{newcomers - 2} characters wait for owners" in page.locator(".unowned-notice").inner_text()
    assert Character.objects.get(name="Drapyr").owner == guild.poor_member
    assert Character.objects.get(name="Zelroso").owner == guild.good_member

    sign_in(page, guild.poor_member, live_server)
    page.goto(f"{live_server.url}{reverse('web:member', args=['pip'])}")
    assert balance_card(page, guild.pool.name) == pip_before + guild.event.default_tick_value
