"""An officer sets a member's role and a pool's rule on the officer pages, on a phone, in Chromium.

Runs where Debian's Chromium is installed (CI installs it); elsewhere it is skipped with the reason.
"""

from dkp.testing.browser import needs_chromium

pytestmark = needs_chromium


def sign_in_as(page, live_server, username):
    page.goto(live_server.url + "/sign-in/")
    page.locator(f'button.persona[data-username="{username}"]').click()
    page.wait_for_selector("header .who .badge")


def has_no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_officer_changes_a_members_role_and_a_pools_rule_without_the_admin(page, live_server, demo_guild):
    from dkp.accounts.models import User
    from dkp.core.models import AuditEntry
    from dkp.points.models import DkpPool

    member = User.objects.filter(role_group="member").order_by("username").first()
    sign_in_as(page, live_server, "zelroso")
    page.goto(live_server.url + "/officer/")
    assert has_no_sideways_scroll(page)

    page.get_by_role("link", name="Member roles").click()
    page.wait_for_selector("h1:has-text('Member roles')")
    assert has_no_sideways_scroll(page)
    row = page.locator(f"tr#member-{member.pk}")
    row.get_by_label(f"Role group for {member.name}").select_option("recruiter")
    row.get_by_role("button", name="Set role").click()
    page.wait_for_selector(f"text={member.name} is now recruiter (was member)")
    assert User.objects.get(pk=member.pk).role_group == "recruiter"
    assert page.locator(f"tr#member-{member.pk} select").input_value() == "recruiter"  # the page after the change

    page.goto(live_server.url + "/officer/")
    page.get_by_role("link", name="Pools").click()
    page.get_by_role("link", name="Main", exact=True).click()
    page.wait_for_selector("h1:has-text('Pool Main')")
    assert has_no_sideways_scroll(page)
    page.fill("#pool-minimum_bid", "3")
    page.fill("#pool-tag_cap_alt", "7")
    page.get_by_role("button", name="Save pool").click()
    page.wait_for_selector("text=Saved pool Main")
    pool = DkpPool.objects.get(name="Main")
    assert pool.minimum_bid == 3
    assert pool.tag_caps.get("alt") == 7
    assert page.locator("table tbody tr", has_text="Main").first.inner_text().count("Alt 7") == 1

    # A refused rule shows its sentence and saves nothing.
    page.goto(live_server.url + f"/officer/pools/{pool.pk}/")
    page.fill("#pool-minimum_bid", "-5")
    page.get_by_role("button", name="Save pool").click()
    page.wait_for_selector("text=The minimum bid must be from 0 to 1,000,000.")
    assert DkpPool.objects.get(name="Main").minimum_bid == 3
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {"role.set", "pool.update"}

    for address in ("/officer/settings/", "/officer/events/", "/officer/events/new/", "/officer/pools/"):
        page.goto(live_server.url + address)
        assert has_no_sideways_scroll(page), address
