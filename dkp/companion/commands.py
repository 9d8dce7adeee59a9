"""What the loot master types in raid chat and what raiders send by tell, read into actions.

Pure functions: nothing here talks to EQ DKP. Amounts, balances and tags are the server's to
judge; a tell is only cut into (item, amount as typed, tag) here, and refused locally only when
it cannot be cut (no amount, several amounts for one item, a number for no open item).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

TAGS = ("main", "alt", "box")
# EverQuest's chat line holds about 255 characters after "/t Name ".
TELL_LIMIT = 255


@dataclass(frozen=True)
class Words:
    """The raid chat command words; configurable, matched without regard to case."""

    prefix: str = "!bids"
    open: tuple[str, ...] = ("open",)
    close: tuple[str, ...] = ("closed", "close")
    cancel: tuple[str, ...] = ("cancel",)


@dataclass(frozen=True)
class OpenAuction:
    item: str
    quantity: int = 1
    note: str = ""


@dataclass(frozen=True)
class CloseAuction:
    item: str


@dataclass(frozen=True)
class CancelAuction:
    item: str


@dataclass(frozen=True)
class BadCommand:
    """A line that starts with the command prefix but says nothing the companion can do."""

    reason: str


RaidCommand = OpenAuction | CloseAuction | CancelAuction | BadCommand

_COPIES = re.compile(r"(?:\A|\s+)!(?P<copies>[0-9]{1,3})\s*\Z")
MAX_COPIES = 100


def read_raid_command(text: str, words: Words = Words()) -> RaidCommand | None:
    """``!bids open Cloak of Flames !2 || tanks first`` and the like; None for any other raid chat."""
    parts = text.strip().split(None, 2)
    if not parts or parts[0].lower() != words.prefix.lower():
        return None
    if len(parts) < 2:
        return BadCommand(f"Say what to do: {words.prefix} {words.open[0]} <item>.")
    verb = parts[1].lower()
    rest = parts[2].strip() if len(parts) > 2 else ""
    if verb in words.open:
        item, _, note = rest.partition("||")
        quantity = 1
        if copies := _COPIES.search(item):
            quantity = int(copies["copies"])
            item = item[: copies.start()]
            if not 1 <= quantity <= MAX_COPIES:
                return BadCommand(f"!{copies['copies']} copies: say from !1 to !{MAX_COPIES}.")
        item = " ".join(item.split())
        if not item:
            return BadCommand(f"Name the item: {words.prefix} {verb} <item> [!copies] [|| note].")
        return OpenAuction(item, quantity, " ".join(note.split()))
    if verb in (*words.close, *words.cancel):
        item = " ".join(rest.split())
        if not item:
            return BadCommand(f"Name the item: {words.prefix} {verb} <item>.")
        return CloseAuction(item) if verb in words.close else CancelAuction(item)
    known = ", ".join((*words.open, *words.close, *words.cancel))
    return BadCommand(f"{words.prefix} {parts[1]}: the words are {known}.")


@dataclass(frozen=True)
class TellBid:
    item: str  # the open auction's item name, as EQ DKP spells it
    amount: str  # as typed: the server parses it and says what is wrong with it
    tag: str | None


@dataclass(frozen=True)
class TellRefusal:
    item: str  # empty when the tell named no open item
    reason: str


@dataclass(frozen=True)
class TellReading:
    bids: tuple[TellBid, ...] = ()
    refusals: tuple[TellRefusal, ...] = ()
    is_bid: bool = True  # False: chat that is no bid at all (no open item and no number)


_SEPARATORS = re.compile(r"[\s,;:]+")


def read_tell(text: str, open_items: Iterable[str]) -> TellReading:
    """Cut a tell into one bid per open item it names: ``Cloak of Flames 45, Mask of Tinkering 30 alt``."""
    names = sorted({name for name in open_items if name.strip()}, key=len, reverse=True)
    lowered = text.lower()
    found: list[tuple[int, int, str]] = []
    taken = [False] * len(text)
    for name in names:
        start = 0
        needle = name.lower()
        while (at := lowered.find(needle, start)) >= 0:
            end = at + len(needle)
            start = end
            if any(taken[at:end]) or not _word_edge(lowered, at, end):
                continue
            taken[at:end] = [True] * (end - at)
            found.append((at, end, name))
            break
    found.sort()
    if not found:
        if any(character.isdigit() for character in text):
            if names:
                shown = ", ".join(sorted(names))
                reason = f"No auction open by that name. Open now: {shown}. Send '<item> <amount>'."
            else:
                reason = "No auction is open now."
            return TellReading(refusals=(TellRefusal("", reason),))
        return TellReading(is_bid=False)
    bids: list[TellBid] = []
    refusals: list[TellRefusal] = []
    for index, (_, end, name) in enumerate(found):
        stop = found[index + 1][0] if index + 1 < len(found) else len(text)
        words = [word for word in _SEPARATORS.split(text[end:stop]) if word]
        tags = [word.lower() for word in words if word.lower() in TAGS]
        others = [word for word in words if word.lower() not in TAGS]
        numbers = [word for word in others if any(character.isdigit() for character in word)]
        if len(numbers) > 1:
            refusals.append(
                TellRefusal(
                    name,
                    f"One bid each: EQ DKP takes one amount from you for {name}, even with several copies. "
                    f"Send one, as '{name} {numbers[0]}'.",
                )
            )
            continue
        amount = numbers[0] if numbers else (others[0] if others else "")
        if not amount:
            refusals.append(TellRefusal(name, f"Send an amount: '{name} 45' (add alt or box for that bid)."))
            continue
        bids.append(TellBid(name, amount, tags[-1] if tags else None))
    return TellReading(bids=tuple(bids), refusals=tuple(refusals))


def _word_edge(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def tell_back(character: str, item: str, reason: str) -> str:
    """The line to send a raider back: ``/t Gwendolyn Cloak of Flames: You have 30 points ...``."""
    head = f"/t {character} "
    body = f"{item}: {reason}" if item else reason
    limit = TELL_LIMIT
    if len(body) > limit:
        body = body[: limit - 3].rstrip() + "..."
    return head + body


def announcement(item: str, status: str, winners: Iterable[tuple[str, int]]) -> str:
    """The raid announcement once an auction ends: ``/rs Cloak of Flames: Gwendolyn for 45``."""
    if status == "cancelled":
        return f"/rs {item}: cancelled"
    awarded = ", ".join(f"{name} for {price}" for name, price in winners)
    return f"/rs {item}: {awarded}" if awarded else f"/rs {item}: no bids, it rots"
