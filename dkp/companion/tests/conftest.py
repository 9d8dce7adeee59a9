"""The companion's tests: ``night`` is tonight's raid night on a live server, with a log to write."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dkp.companion.tests.world import Night, night_of
from dkp.testing.personas import Guild


@pytest.fixture
def night(guild: Guild, live_server: Any, tmp_path: Path) -> Iterator[Night]:
    yield from night_of(guild, live_server, tmp_path)
