"""Fitting text to Discord's limits: never over, never inside markup, and saying what was left out."""

from __future__ import annotations

import pytest

from dkp.discord import limits
from dkp.discord.text import PAIRED, and_more, fit, fit_items


def test_text_that_fits_is_left_alone() -> None:
    assert fit("**Cloak of Flames** <t:1700000000:R>") == "**Cloak of Flames** <t:1700000000:R>"
    assert len(fit("x" * limits.CONTENT)) == limits.CONTENT


def test_2500_characters_without_a_newline_are_cut_to_the_limit() -> None:
    cut = fit("y" * 2500)
    assert len(cut) <= limits.CONTENT
    assert cut.endswith("…")
    assert cut.startswith("y" * 1900)


def test_a_long_text_is_cut_at_the_end_of_a_line() -> None:
    lines = [f"{place}. Member{place} 100 points" for place in range(1, 200)]
    cut = fit("\n".join(lines))
    assert len(cut) <= limits.CONTENT
    kept = cut.split("\n")
    assert kept[-1] == "…"
    assert kept[:-1] == lines[: len(kept) - 1]


@pytest.mark.parametrize("shift", range(0, 40))
def test_a_cut_never_splits_bold_or_a_timestamp_or_a_mention(shift: int) -> None:
    text = "a" * shift + " ".join(["**Gwendolyn** <t:1700000000:R> <@456> __x__ `code`"] * 60)
    cut = fit(text)
    assert len(cut) <= limits.CONTENT
    for marker in PAIRED:
        assert cut.count(marker) % 2 == 0, marker
    assert cut.count("<") == cut.count(">")
    assert cut.rstrip("…").endswith((">", "**", "__", "`", "a"))


def test_a_trimmed_list_says_how_many_it_leaves_out() -> None:
    names = [f"Member{number:03d} for 40 points" for number in range(100)]

    def render(shown: int) -> str:
        return "Won by " + ", ".join(names[:shown]) + and_more(len(names) - shown) + "."

    text = fit_items(render, len(names))
    assert len(text) <= limits.CONTENT
    shown = text.count(" for 40 points")
    assert 0 < shown < 100
    assert text.endswith(f" and {100 - shown} more.")
    assert fit_items(render, 3) == render(3)  # what fits is whole
