"""What the browser tests share: Debian's Chromium driven by Playwright, on a phone-sized screen.

Chromium comes from Debian (CI installs it); Playwright never downloads a browser of its own.
Where Chromium is missing the tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# The background-networking flags keep Chromium from calling out to the internet, which this
# machine's closed network would refuse many times over.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

PHONE_WIDTH, PHONE_HEIGHT = 390, 844

skip_without_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
needs_chromium = [pytest.mark.browser, skip_without_chromium]


@contextmanager
def phone_page() -> Iterator[Any]:
    """A fresh Chromium page at a phone's size, closed afterwards."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
    # around it are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT})
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def nav_link(page: Any, name: str) -> Any:
    """The navigation's link called ``name``, made visible first: at phone widths the navigation is
    folded into a "Menu" and officer pages sit in an "Officer" group, each opened here when closed."""
    header = page.locator("header.top")
    link = header.get_by_role("link", name=name, exact=True)
    menu = header.locator("details.menu")
    if not link.is_visible() and menu.locator("> summary").is_visible() and not menu.evaluate("d => d.open"):
        menu.locator("> summary").click()
    group = header.locator("details.nav-group")
    if not link.is_visible() and group.count() and not group.evaluate("d => d.open"):
        group.locator("> summary").click()
    return link
