"""How the benchmark pages write figures: numbers, milliseconds, ratios and Markdown tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

NONE = "\u2013"  # an en dash: a figure that was not taken
TIMES = "\u00d7"  # the multiplication sign of ratios, 2.4x read as "2.4 times"
VENDORS = (("sqlite", "SQLite"), ("postgresql", "PostgreSQL"))


def machine_line(info: dict[str, str]) -> str:
    return f"{info['cores']} cores, {info['memory']}, {info['cpu']}"


def ms(value: float | None) -> str:
    if value is None:
        return NONE
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def number(value: Any) -> str:
    if value is None:
        return NONE
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def times(ratio: float) -> str:
    """A ratio as people read it: 2.4, 0.31 or 120 times, with the multiplication sign."""
    if ratio >= 10:
        return f"{ratio:,.0f}{TIMES}"
    # Two decimals under 1.1 too, so a near miss such as 1.03 does not read as an even 1.0.
    return f"{ratio:.1f}{TIMES}" if ratio >= 1.1 else f"{ratio:.2f}{TIMES}"


def table(header: list[str], rows: list[list[str]], *, align: str = "") -> list[str]:
    """A Markdown table; ``align`` gives one letter per column (l or r), default left then right."""
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    return ["| " + " | ".join(cells) + " |" for cells in [header, rule, *rows]]


def both(values: list[Any], render: Callable[[Any], str] = ms) -> str:
    return " / ".join(render(value) for value in values)
