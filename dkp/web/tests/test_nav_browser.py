"""The navigation in a real Chromium: folded into a menu on a phone, inline on a laptop, a skip link first.

Runs where Debian's Chromium is installed (CI installs it); elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dkp.testing.browser import nav_link, needs_chromium
from dkp.testing.personas import make_user

pytestmark = [*needs_chromium, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def test_on_a_phone_the_navigation_is_a_menu_that_opens_and_its_links_work(page, live_server, guild):
    sign_in(page, live_server, guild.officer)
    page.goto(live_server.url + "/")
    header = page.locator("header.top")
    menu = header.locator("details.menu > summary")
    assert menu.is_visible()
    assert not header.get_by_role("link", name="Raids", exact=True).is_visible()
    assert header.bounding_box()["height"] < 120  # was 245 px of the 844 with the links laid out
    assert page.evaluate("document.querySelector('header.top').scrollWidth <= window.innerWidth")

    assert menu.inner_text().endswith("Menu")
    menu.click()
    page.screenshot(path="/tmp/nav-phone-open.png")
    header.get_by_role("link", name="Raids", exact=True).click()
    page.wait_for_url("**/raids/")
    assert page.locator("h1").first.inner_text().startswith("Raid")

    console = nav_link(page, "Loot console")  # Menu, then the Officer group
    assert console.is_visible()
    console.click()
    page.wait_for_selector("h1:has-text('Loot console')")
    assert header.locator("a[aria-current=page]").text_content() == "Loot console"
    assert header.locator("details.nav-group > summary.current").count() == 1  # the group shows it holds the page


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_main_content(page, live_server, guild):
    sign_in(page, live_server, guild.good_member)
    page.goto(live_server.url + reverse("web:raids"))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    assert page.get_by_role("link", name="Skip to main content").is_visible()  # shown while focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the main content, not back in the header
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")


def test_on_a_laptop_the_links_are_inline_and_the_officer_group_drops_down(page, live_server, guild):
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server, guild.officer)
    page.goto(live_server.url + "/")
    header = page.locator("header.top")
    assert not header.locator("details.menu > summary").is_visible()
    boxes = [
        header.get_by_role("link", name=name, exact=True).bounding_box() for name in ("Standings", "Loot", "Admin")
    ]
    assert all(box is not None for box in boxes)
    assert len({round(box["y"]) for box in boxes}) == 1  # one row of links
    assert not header.get_by_role("link", name="Loot console").is_visible()
    header.locator("details.nav-group > summary").click()
    page.screenshot(path="/tmp/nav-laptop-officer.png")
    header.get_by_role("link", name="Missed ticks").click()
    page.wait_for_url("**/missed-ticks/")
    assert page.evaluate("document.querySelector('header.top').scrollWidth <= window.innerWidth")


def test_a_visitor_sent_to_sign_in_comes_back_to_the_page_after_the_demo_sign_in(page, live_server, guild):
    make_user("zelroso", "officer")
    page.goto(live_server.url + reverse("web:raid", args=[guild.raid.pk]))
    page.wait_for_url("**/sign-in/?next=**")
    page.locator('button.persona[data-username="zelroso"]').click()
    page.wait_for_url(f"**{reverse('web:raid', args=[guild.raid.pk])}")
    assert nav_link(page, "Raids").get_attribute("aria-current") == "true"
