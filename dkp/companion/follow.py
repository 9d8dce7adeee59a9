"""Following an EverQuest log as the client writes it, from where the companion stopped.

The client appends lines ending in CRLF in the Windows code page (cp1252); a line may be half
written when it is read, so a last line without its newline waits for the next read. The file is
known by its first line (the client's time and a message): a file shorter than the saved offset,
or whose first line changed, is a new log (rotated, archived, truncated) and is read from its
start. On a first run (no saved offset) it starts at the end: an evening's old tells are not bids
of tonight's auctions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 512
READ_LIMIT = 1 << 20  # at most this much a read; the rest follows on the next


@dataclass(frozen=True)
class Line:
    offset: int  # where the line starts in the file: with the fingerprint, the line's identity
    end: int  # where the next line starts
    text: str


def fingerprint(path: Path) -> str:
    """A short hash of the file's first line; empty while it has no whole line."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return ""
    newline = head.find(b"\n")
    if newline < 0:
        return "" if len(head) < HEAD_BYTES else hashlib.sha256(head).hexdigest()[:16]
    return hashlib.sha256(head[:newline]).hexdigest()[:16]


class LogFollower:
    """New whole lines of one log file since ``offset``."""

    def __init__(self, path: Path, *, offset: int = -1, head: str = "") -> None:
        self.path = path
        self.offset = offset
        self.head = head

    def read(self) -> list[Line]:
        """The whole lines written since ``offset``; the caller moves ``offset`` as it handles them."""
        try:
            size = self.path.stat().st_size
        except OSError:
            return []
        head = fingerprint(self.path)
        if self.offset < 0:
            self.offset, self.head = size, head  # first run: from the end
            return []
        if size < self.offset or (self.head and head and head != self.head):
            self.offset = 0  # another file under this name
        if head:
            self.head = head
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            data = handle.read(READ_LIMIT)
        lines: list[Line] = []
        start = 0
        while (newline := data.find(b"\n", start)) >= 0:
            raw = data[start:newline].removesuffix(b"\r")
            lines.append(Line(self.offset + start, self.offset + newline + 1, raw.decode("cp1252", errors="replace")))
            start = newline + 1
        return lines
