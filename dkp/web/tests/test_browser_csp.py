"""The main pages work under the Content-Security-Policy, in a real Chromium driven by Playwright.

Each page is opened with the policy header present (asserted), does its work (htmx polls, Chart.js
draws, Swagger UI and Redoc render the schema, the admin lists its models), and the browser reports
no violation: neither a ``securitypolicyviolation`` event in the page nor a console message.
Runs where Debian's Chromium is installed (CI installs it); elsewhere it is skipped with the reason.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dkp.testing.browser import needs_chromium

pytestmark = needs_chromium

# Every page reports its violations to the test through a function the test exposes to it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.reportViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


class Watch:
    """What the browser said while the test drove it: policy violations and console errors."""

    def __init__(self, page: Any) -> None:
        self.violations: list[str] = []
        self.console: list[str] = []
        page.expose_function("reportViolation", lambda violation: self.violations.append(violation))
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"page error: {error}"))

    def _console(self, message: Any) -> None:
        # The admin's pages name no icon, so Chromium asks for /favicon.ico, which is not served:
        # a 404 that has nothing to do with the policy.
        if str(message.location.get("url", "")).endswith("/favicon.ico"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            self.console.append(f"{message.type}: {message.text} ({message.location.get('url')})")

    def assert_clean(self, where: str, *, expected_block: str = "") -> None:
        """No violation and no console error, except (once) the one block named, which is then required."""
        violations, console = self.violations, self.console
        if expected_block:
            assert [v for v in violations if expected_block in v], f"{where}: {expected_block} was not blocked"
            violations = [v for v in violations if expected_block not in v]
            console = [c for c in console if expected_block not in c]
        assert violations == [], f"{where}: {violations}"
        assert console == [], f"{where}: {console}"
        self.violations.clear()
        self.console.clear()


def visit(page: Any, url: str) -> str:
    """Open ``url`` and return its Content-Security-Policy header, which must be there."""
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, f"{url} came without the policy: {response.headers}"
    return policy


def sign_in_as(page: Any, live_server: Any, username: str) -> None:
    page.goto(live_server.url + "/sign-in/")
    page.locator(f'button.persona[data-username="{username}"]').click()
    page.wait_for_selector("header .who .badge")


def open_auction_for_the_test() -> int:
    from dkp.accounts.models import User
    from dkp.loot.services import open_auction
    from dkp.points.models import DkpPool

    officer = User.objects.get(username="zelroso")
    auction = open_auction(
        item="Shimmering Velium Ring", pool=DkpPool.objects.get(name="Main"), actor=officer, minutes=30
    )
    return auction.pk


def test_the_main_pages_run_under_the_policy_with_no_violation(page, live_server, demo_guild):
    auction_id = open_auction_for_the_test()
    watch = Watch(page)
    base = live_server.url

    sign_in_as(page, live_server, "loradino")
    visit(page, base + "/")
    page.wait_for_selector("table.standings tbody tr")
    watch.assert_clean("standings")

    # The auction page polls with htmx: a poll goes out and comes back swapped in.
    visit(page, base + reverse("loot:detail", args=[auction_id]))
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true", timeout=15_000) as poll:
        pass
    assert poll.value.status == 200
    page.wait_for_selector("#auction-live[data-status]")
    watch.assert_clean("auction page")

    # The member page draws its balance and attendance charts with the vendored Chart.js.
    visit(page, base + reverse("web:member", args=["loradino"]))
    page.wait_for_function("window.Chart && Object.keys(Chart.instances).length >= 1")
    watch.assert_clean("member page")

    # A filter that submitted itself from an onchange attribute now does so from site.js.
    visit(page, base + reverse("web:characters"))
    page.select_option("select[name=class]", index=1)
    page.wait_for_url("**class=*")
    watch.assert_clean("character filter")

    visit(page, base + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title:has-text('EQ DKP API')")
    page.wait_for_selector(".swagger-ui .opblock")
    watch.assert_clean("Swagger UI")

    redoc_policy = visit(page, base + "/api/redoc/")
    assert "style-src 'self' 'unsafe-inline'" in redoc_policy
    page.wait_for_selector("h1:has-text('EQ DKP API')")
    page.wait_for_selector("[data-section-id^='tag/']")
    # Redoc's sidebar always tries Redocly's logo from their CDN; the policy stops that one call to
    # the internet (the image hides itself when refused), and nothing else is blocked.
    watch.assert_clean("Redoc", expected_block="https://cdn.redoc.ly/redoc/logo-mini.svg")

    # The officer's pages: the admin index and the live loot console (it polls too).
    page.goto(base + "/")
    page.locator("form[action='/sign-out/'] button, header .who button.link").first.click()
    sign_in_as(page, live_server, "zelroso")
    visit(page, base + "/admin/")
    page.wait_for_selector("text=Guild administration")
    page.wait_for_selector("#content-main table")
    watch.assert_clean("admin index")

    visit(page, base + reverse("loot_officer:console"))
    page.wait_for_selector("#loot-live .auction-card")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true", timeout=15_000):
        pass
    watch.assert_clean("officer loot console")
