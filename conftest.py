"""Fixtures shared by every domain's tests."""

import pytest

from dkp.core.personas import Guild, build_guild


@pytest.fixture
def guild(db: None) -> Guild:
    return build_guild()
