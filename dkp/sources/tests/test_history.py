"""The neutral form's own arithmetic: the source balances and the main/alt groups readers rely on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dkp.sources.history import (
    SourceAdjustment,
    SourceCharacter,
    SourceLoot,
    SourceTick,
    balances_from_rows,
    group_of,
)
from dkp.sources.tables import MemoryTables

WHEN = dt.datetime(2019, 3, 1, 2, 0, tzinfo=dt.UTC)


def test_balances_add_ticks_take_loot_and_keep_fractions() -> None:
    ticks = [
        SourceTick("t1", "r1", WHEN, Decimal("2.5"), attendee_keys=("a", "b")),
        SourceTick("t2", "r1", WHEN, Decimal("1"), attendee_keys=("a",)),
    ]
    loot = [SourceLoot("l1", "a", "Cloak of Flames", Decimal("1.25"), "p", WHEN)]
    adjustments = [SourceAdjustment("x1", "b", "p", Decimal("-2.5"), "late", WHEN)]
    balances = balances_from_rows(ticks=ticks, tick_pool={"t1": "p", "t2": "p"}, loot=loot, adjustments=adjustments)
    # b's 2.5 earned and 2.5 taken away come to zero and are left out.
    assert balances == {("a", "p"): Decimal("2.25")}


def test_groups_follow_alt_chains_and_survive_loops_and_dangling_links() -> None:
    characters = [
        SourceCharacter("1", "Main"),
        SourceCharacter("2", "Alt", main_key="1"),
        SourceCharacter("3", "Altofalt", main_key="2"),
        SourceCharacter("4", "Orphan", main_key="99"),
        SourceCharacter("5", "Loopa", main_key="6"),
        SourceCharacter("6", "Loopb", main_key="5"),
    ]
    assert group_of(characters) == {"1": "1", "2": "1", "3": "1", "4": "4", "5": "5", "6": "6"}


def test_memory_tables_give_text_and_name_missing_tables_and_columns() -> None:
    tables = MemoryTables({"items": [{"id": 1, "name": "Cloak", "value": 2.5, "gone": None}]})
    rows = list(tables.rows("items", ["id", "value", "gone"]))
    assert rows[0].where == "items row 1"
    assert dict(rows[0].values) == {"id": "1", "value": "2.5", "gone": None}
    with pytest.raises(Exception, match="has no table 'raids'") as missing:
        list(tables.rows("raids", ["id"]))
    assert missing.value.code == "missing_table"  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="no column 'price'") as unknown:
        list(tables.rows("items", ["id", "price"]))
    assert unknown.value.code == "unknown_columns"  # type: ignore[attr-defined]
