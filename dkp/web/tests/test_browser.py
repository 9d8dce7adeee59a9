"""A newcomer's first minutes, in a real Chromium driven by Playwright.

Runs where Debian's Chromium is installed (CI installs it); elsewhere it is skipped with the reason.
"""

from dkp.testing.browser import nav_link, needs_chromium

pytestmark = needs_chromium


def sign_in_as(page, live_server, role_label):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign in").first.click()
    page.locator("button.persona", has_text=role_label).first.click()


def test_a_member_signs_in_on_a_phone_and_sorts_the_standings(page, live_server, demo_guild):
    from dkp.points.models import UserPointsSummary

    sign_in_as(page, live_server, "Member")
    page.wait_for_selector("table.standings tbody tr")
    assert page.locator("h1").first.inner_text().startswith("Standings")
    first_balance = int(
        page.locator("table.standings tbody tr").first.locator("td.num").first.inner_text().replace(",", "")
    )
    pool_name = page.locator("h1").first.inner_text().split("·")[-1].strip()
    top = UserPointsSummary.objects.filter(pool__name=pool_name).order_by("-balance").first()
    assert first_balance == top.balance

    page.get_by_role("link", name="Spent").click()
    page.wait_for_url("**sort=spent**")
    spent = [
        int(t.replace(",", "")) for t in page.locator("table.standings tbody tr td:nth-child(6)").all_inner_texts()
    ]
    assert spent == sorted(spent, reverse=True)
    assert page.get_by_role("link", name="Admin").count() == 0


def test_an_officer_signs_in_and_reaches_the_admin(page, live_server, demo_guild):
    sign_in_as(page, live_server, "Officer")
    nav_link(page, "Admin").click()
    page.wait_for_selector("text=Guild administration")
    page.get_by_role("link", name="Point entries").click()
    page.wait_for_selector("#result_list tbody tr")
    assert page.locator("#result_list tbody tr").count() > 0
