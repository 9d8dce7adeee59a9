"""The one way to read a whole number that a person typed or a program sent.

Every door (page forms, the API, the bot, the admin, management commands) and every service reads
whole numbers through a ``WholeNumber``: ASCII digits ``0``-``9`` only, a leading minus only where
the rule allows negatives, nothing else (no plus sign, no spaces, no fraction, no exponent, no
other script's digits, no ``True``). A limit is declared once, next to the service that enforces
it, as a ``WholeNumber`` constant; the doors' fields read that same constant, so every door refuses
the same values with the same sentence. See ``docs/input.md``.

Pure: no Django or DRF imports beyond the error type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from dkp.core.errors import InvalidInput

MAX_ID = 2**63 - 1  # the largest primary key either database can hold

_UNSIGNED = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"-?[0-9]+")
_MOST_DIGITS = 19  # more digits than any limit here can be, so no huge int() is ever built


@dataclass(frozen=True)
class WholeNumber:
    """One kind of whole number and the range the guild accepts for it.

    ``label`` starts the sentences people see ("A tick value must be ..."), so it names the field.
    """

    label: str
    minimum: int
    maximum: int
    nonzero: bool = False
    code: str = "invalid_number"

    def __post_init__(self) -> None:
        if self.minimum > self.maximum:
            raise ValueError(f"{self.label}: minimum {self.minimum} is above maximum {self.maximum}")

    @property
    def example(self) -> str:
        low = max(self.minimum, 1 if self.nonzero else 0)
        shown = min(max(50, low), self.maximum)
        return f"{shown} or -{shown}" if self.minimum < 0 and shown > 0 else str(shown)

    @property
    def not_a_number(self) -> str:
        """The sentence for anything that is not a whole number written in ASCII digits."""
        return f"{self.label} must be a whole number written with the digits 0-9, such as {self.example}."

    @property
    def out_of_range(self) -> str:
        """The sentence for a whole number outside the range."""
        text = f"{self.label} must be from {self.minimum:,} to {self.maximum:,}"
        return text + (", and not 0." if self.nonzero and self.minimum <= 0 <= self.maximum else ".")

    def named(self, label: str) -> WholeNumber:
        """The same rule under another name (e.g. an id rule for the field ``pool``)."""
        return replace(self, label=label)

    def parse(self, raw: object) -> int:
        """``raw`` as an int in range, or ``InvalidInput`` with the sentence that says why.

        Accepts a Python/JSON int (not a bool) or text that is exactly the digits (with one leading
        minus when negatives are allowed). Floats are refused even when whole (``1.0``): a client
        sending them has a bug worth hearing about.
        """
        if isinstance(raw, bool):
            raise InvalidInput(self.not_a_number, code=self.code)
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, str):
            pattern = _SIGNED if self.minimum < 0 else _UNSIGNED
            if pattern.fullmatch(raw) is None:
                if _SIGNED.fullmatch(raw) is not None:  # a minus where none is allowed: a range problem
                    raise InvalidInput(self.out_of_range, code=self.code)
                raise InvalidInput(self.not_a_number, code=self.code)
            if len(raw.lstrip("-").lstrip("0")) > _MOST_DIGITS:
                raise InvalidInput(self.out_of_range, code=self.code)
            value = int(raw)
        else:
            raise InvalidInput(self.not_a_number, code=self.code)
        if not self.minimum <= value <= self.maximum or (self.nonzero and value == 0):
            raise InvalidInput(self.out_of_range, code=self.code)
        return value


def record_id(label: str) -> WholeNumber:
    """The rule for a row's id, under the name people see (``"pool"``, ``"The id in the address"``)."""
    return WholeNumber(label, 1, MAX_ID, code="invalid_id")


# A page number or a page size in a list's query string.
PAGE_NUMBER = WholeNumber("page", 1, 1_000_000, code="invalid_page")
