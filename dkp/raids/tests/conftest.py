"""Fixtures of the raids tests."""

from __future__ import annotations

import datetime as dt

import pytest

from dkp.raids import services


@pytest.fixture
def any_day(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn off the "dump from another day" rule for tests about other rules.

    The sample dumps were written on Nov 12, 2026 and the personas' raid night started 29 days before
    the test runs, so every sample tick would be from another day; the rule has its own tests
    (``test_other_day.py``), which do not use this fixture.
    """
    monkeypatch.setattr(services, "OTHER_DAY_AFTER", dt.timedelta(days=100_000))
