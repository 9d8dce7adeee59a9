"""Reading what people type for loot: bid amounts, item lines with quantities, and the limits on both."""

from __future__ import annotations

import re

from dkp.core.errors import InvalidInput
from dkp.core.numbers import WholeNumber

MAX_BID = 1_000_000  # anything above is refused as absurd, whatever the balance
MAX_MINUTES = 24 * 60
MAX_QUANTITY = 100
# The rules every door reads (page forms, the API, the bot's commands and modal, the admin).
BID = WholeNumber("A bid", 1, MAX_BID, code="invalid_amount")
PRICE = WholeNumber("A price", 0, MAX_BID, code="invalid_amount")  # 0: an officer may give an item away
QUANTITY = WholeNumber("The quantity", 1, MAX_QUANTITY, code="invalid_quantity")
MINUTES = WholeNumber("The minutes", 1, MAX_MINUTES, code="invalid_minutes")


def parse_amount(raw: object, *, what: str = "bid") -> int:
    """A whole, positive number of points (50 or "50"), read by ``BID``; refuses the rest with why."""
    return (BID if what == "bid" else BID.named(f"A {what}")).parse(raw)


_QUANTITY = re.compile(
    r"^(?:(?P<pre>\d+)\s*[x\u00d7]\s+)?(?P<name>.+?)(?:\s+[x\u00d7]\s*(?P<post>\d+)|\s*\((?P<paren>\d+)\))?$",
    re.I | re.ASCII,  # a quantity is ASCII digits, as every number here
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
