"""The clipboard the announcements and refusals wait on."""

from __future__ import annotations

from typing import Protocol


class Clipboard(Protocol):
    def copy(self, text: str) -> bool:
        """Put ``text`` on the clipboard; False when there is none to put it on."""
        ...


class SystemClipboard:
    """The computer's clipboard through pyperclip (Windows and macOS natively; Linux needs xclip, xsel or wl-copy)."""

    def copy(self, text: str) -> bool:
        import pyperclip

        try:
            pyperclip.copy(text)
        except pyperclip.PyperclipException:
            return False
        return True
