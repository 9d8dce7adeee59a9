"""Reading what people type for loot: bid amounts, item lines with quantities, and the limits on both."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from dkp.core.errors import InvalidInput

if TYPE_CHECKING:
    pass


MAX_BID = 1_000_000  # anything above is refused as absurd, whatever the balance


MAX_MINUTES = 24 * 60


MAX_QUANTITY = 100


def parse_amount(raw: object, *, what: str = "bid") -> int:
    """A whole, positive number of points from an int or text ("50", " 50 "); refuses the rest with why."""
    if isinstance(raw, bool) or raw is None:
        raise InvalidInput(f"A {what} must be a whole number of points.", code="invalid_amount")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float | Decimal):
        if raw != raw or raw in (float("inf"), float("-inf")) or raw != int(raw):
            raise InvalidInput(f"A {what} must be a whole number of points, not {raw}.", code="invalid_amount")
        value = int(raw)
    elif isinstance(raw, str):
        text = raw.strip().replace(",", "")
        if not text:
            raise InvalidInput(f"Enter your {what} as a whole number of points.", code="invalid_amount")
        if re.fullmatch(r"[+-]?[0-9]+", text) is None:
            if re.fullmatch(r"[+-]?[0-9]*\.[0-9]+", text):
                raise InvalidInput(
                    f"A {what} must be a whole number of points, not {text[:20]}.", code="invalid_amount"
                )
            raise InvalidInput(f"{text[:20]!r} is not a number of points.", code="invalid_amount")
        if len(text.lstrip("+-")) > 12:
            raise InvalidInput(f"A {what} can be at most {MAX_BID:,} points.", code="invalid_amount")
        value = int(text)
    else:
        raise InvalidInput(f"A {what} must be a whole number of points.", code="invalid_amount")
    if value <= 0:
        shown = value if value > -MAX_BID else "a negative number"
        raise InvalidInput(f"A {what} must be at least 1 point, not {shown}.", code="invalid_amount")
    if value > MAX_BID:
        raise InvalidInput(f"A {what} can be at most {MAX_BID:,} points.", code="invalid_amount")
    return value


_QUANTITY = re.compile(
    r"^(?:(?P<pre>\d+)\s*[x\u00d7]\s+)?(?P<name>.+?)(?:\s+[x\u00d7]\s*(?P<post>\d+)|\s*\((?P<paren>\d+)\))?$", re.I
)


def parse_item_lines(text: str) -> list[tuple[str, int]]:
    """Items to auction, one per line, an optional quantity as "x2"/"2x"/"(2)": [(name, quantity)]."""
    lines: list[tuple[str, int]] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = " ".join(line.split())
        if not line:
            continue
        match = _QUANTITY.match(line)
        assert match is not None  # the name group takes any non-empty line
        quantity = int(match["pre"] or match["post"] or match["paren"] or 1)
        name = match["name"].strip(" -")
        if not name:
            raise InvalidInput(f"Line {number} has a quantity but no item name.", code="item_name_required")
        if not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"Line {number}: a quantity is between 1 and {MAX_QUANTITY}, not {quantity}.", code="invalid_quantity"
            )
        lines.append((name, quantity))
    if not lines:
        raise InvalidInput("List at least one item to auction, one per line.", code="item_name_required")
    return lines


def whole_in_range(value: object, *, what: str, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            f"The {what} must be a whole number from {low} to {high}, not {value!r}.", code=f"invalid_{what}"
        )
    return value
