"""Fixtures shared by every domain's tests."""

from collections.abc import Iterator
from typing import Any

import pytest

from dkp.core.personas import Guild, build_guild


@pytest.fixture
def guild(db: None) -> Guild:
    return build_guild()


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    """A Chromium page on a phone-sized screen, for tests marked with ``needs_chromium``."""
    from dkp.core.browser_testing import phone_page

    with phone_page() as browser_page:
        yield browser_page


@pytest.fixture
def demo_guild(transactional_db: None) -> None:
    """The demo guild of ``load_demo``, committed so a live server sees it."""
    from django.core.management import call_command

    call_command("load_demo")
