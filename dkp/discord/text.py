"""Fitting outgoing text to Discord's limits without breaking its markup; pure, for the bot and the worker.

- ``fit(text)`` keeps a text within ``limits.CONTENT`` (or another limit): it cuts at the end of a
  line where it can, else at a space, and never inside ``**``, ``__``, ``~~``, ``||``, a backtick
  span or a ``<…>`` token (``<t:…>``, ``<@…>``, ``<#…>``, a link in angle brackets); what is cut is
  marked with "…".
- ``fit_items(render, count)`` shows as many of a list's ``count`` items as fit: ``render(n)`` is the
  whole text with the first ``n`` items, saying ``and_more(count - n)`` where it trims.
"""

from __future__ import annotations

from collections.abc import Callable

from dkp.discord import limits

CUT = "…"
PAIRED = ("**", "__", "~~", "||", "`")  # markers Discord pairs up; an odd one out would run to the end


def and_more(hidden: int) -> str:
    """What a trimmed list says about the items it leaves out ("" when none are)."""
    return f" and {hidden} more" if hidden > 0 else ""


def _whole_markup(head: str) -> str:
    """``head`` shortened until no ``<…>`` token is open and every paired marker is closed."""
    while True:
        opened = head.rfind("<")
        if opened > head.rfind(">"):
            head = head[:opened]
            continue
        for marker in PAIRED:
            if head.count(marker) % 2:
                head = head[: head.rfind(marker)]
                break
        else:
            return head


def fit(text: str, limit: int = limits.CONTENT) -> str:
    """``text`` as it is when it fits in ``limit`` characters, else its longest whole head and "…"."""
    if len(text) <= limit:
        return text
    head = text[: limit - len(CUT) - 1]  # room for a newline and the mark
    line_end = head.rfind("\n")
    if line_end > 0:
        return _whole_markup(head[:line_end]).rstrip() + "\n" + CUT
    space = head.rfind(" ")
    if space > limit // 2:  # a word is not split when a space is near the end
        head = head[:space]
    return _whole_markup(head).rstrip() + CUT


def fit_items(render: Callable[[int], str], count: int, limit: int = limits.CONTENT) -> str:
    """The text ``render(n)`` with the most of ``count`` items that fits in ``limit``, cut by ``fit`` at worst.

    ``render(n)`` shows the first ``n`` items and says how many it leaves out (``and_more``), so the
    text the person reads always counts what it does not show.
    """
    whole = render(count)
    if len(whole) <= limit:
        return whole
    low, high, best = 0, count - 1, 0
    while low <= high:  # a text grows with the items it shows
        middle = (low + high) // 2
        if len(render(middle)) <= limit:
            best, low = middle, middle + 1
        else:
            high = middle - 1
    return fit(render(best), limit)
