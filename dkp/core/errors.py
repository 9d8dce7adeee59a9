"""The one error family a user can cause, and how it maps to HTTP.

Services raise a ``GuildError`` subclass; the API turns it into ``{"error": code, "detail": text}``
with its status, pages show the text, the bot answers it ephemerally. Nothing a user can cause
is allowed to surface as a 500.
"""

from __future__ import annotations


class GuildError(Exception):
    """A rule of the guild said no. ``code`` is stable for clients; ``message`` is for people."""

    status = 400
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, str]:
        return {"error": self.code, "detail": self.message}


class InvalidInput(GuildError):
    status = 422
    default_code = "invalid_input"


class NotFound(GuildError):
    status = 404
    default_code = "not_found"


class Forbidden(GuildError):
    status = 403
    default_code = "forbidden"


class Conflict(GuildError):
    status = 409
    default_code = "conflict"
