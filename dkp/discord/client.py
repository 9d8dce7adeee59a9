"""A small, typed client for the few Discord REST calls the app makes with a person's OAuth2 token.

Every failure becomes a ``DiscordError`` that says what went wrong in words a guild officer can
act on, and carries Discord's HTTP status, JSON error code and ``retry_after`` for the sync log.
The base URL comes from ``DISCORD_API_BASE_URL`` so tests and demos can point it at the stand-in.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

import httpx
from django.conf import settings

DEFAULT_TIMEOUT_SECONDS = 5.0


class DiscordUser(TypedDict):
    id: str
    username: str
    global_name: NotRequired[str | None]
    avatar: NotRequired[str | None]


class GuildMember(TypedDict):
    roles: list[str]
    nick: NotRequired[str | None]
    user: NotRequired[DiscordUser]


class DiscordError(Exception):
    """Discord did not give us what we asked for. ``message`` is meant for people."""

    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after


class DiscordUnauthorized(DiscordError):
    kind = "unauthorized"


class DiscordForbidden(DiscordError):
    kind = "forbidden"


class DiscordNotFound(DiscordError):
    kind = "not_found"


class DiscordRateLimited(DiscordError):
    kind = "rate_limited"


class DiscordUnavailable(DiscordError):
    """Discord is down, slow (timeout) or answered with something we cannot read."""

    kind = "unavailable"


class DiscordClient:
    def __init__(self, *, base_url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> DiscordClient:
        """Read the settings now, not at import, so overridden settings (tests, stand-in) apply."""
        timeout = float(getattr(settings, "SOCIALACCOUNT_REQUESTS_TIMEOUT", DEFAULT_TIMEOUT_SECONDS))
        return cls(base_url=settings.DISCORD_API_BASE_URL, timeout=timeout)

    def current_user(self, *, access_token: str) -> DiscordUser:
        data = self._get("/users/@me", access_token=access_token)
        if not isinstance(data, dict) or "id" not in data or "username" not in data:
            raise DiscordUnavailable("Discord sent a profile we could not read.")
        data["id"] = str(data["id"])
        return DiscordUser(**data)  # type: ignore[typeddict-item]

    def guild_member(self, *, access_token: str, guild_id: str) -> GuildMember:
        """The person's membership in the guild's Discord server; ``DiscordNotFound`` when not in it."""
        data = self._get(f"/users/@me/guilds/{guild_id}/member", access_token=access_token)
        if not isinstance(data, dict) or not isinstance(data.get("roles"), list):
            raise DiscordUnavailable("Discord sent a guild membership we could not read.")
        data["roles"] = [str(role_id) for role_id in data["roles"]]
        return GuildMember(**data)  # type: ignore[typeddict-item]

    def _get(self, path: str, *, access_token: str) -> Any:
        url = f"{self.base_url}{path}"
        try:
            response = httpx.get(url, headers={"Authorization": f"Bearer {access_token}"}, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise DiscordUnavailable(f"Discord did not answer within {self.timeout:g} seconds.") from exc
        except httpx.HTTPError as exc:
            raise DiscordUnavailable("Discord could not be reached.") from exc
        if response.is_success:
            try:
                return response.json()
            except ValueError as exc:
                raise DiscordUnavailable("Discord sent an answer we could not read.") from exc
        raise _error_for(response)


def _error_for(response: httpx.Response) -> DiscordError:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = body.get("code") if isinstance(body.get("code"), int) else None
    detail = str(body.get("message") or "").strip()
    suffix = f" (Discord said: {detail})" if detail else ""
    if status == 401:
        return DiscordUnauthorized(f"Discord did not accept our sign-in token{suffix}.", status=status, code=code)
    if status == 403:
        return DiscordForbidden(f"Discord refused to share this information{suffix}.", status=status, code=code)
    if status == 404:
        return DiscordNotFound(f"Discord has no such thing{suffix}.", status=status, code=code)
    if status == 429:
        retry_after = _retry_after(body, response)
        wait = f" Try again in {retry_after:g} seconds." if retry_after is not None else " Try again shortly."
        return DiscordRateLimited(
            f"Discord is limiting how often we may ask.{wait}", status=status, code=code, retry_after=retry_after
        )
    if status >= 500:
        return DiscordUnavailable(f"Discord is having trouble right now (HTTP {status}).", status=status, code=code)
    return DiscordError(f"Discord answered HTTP {status}{suffix}.", status=status, code=code)


def _retry_after(body: dict[str, Any], response: httpx.Response) -> float | None:
    for value in (body.get("retry_after"), response.headers.get("Retry-After")):
        if value is None:
            continue
        try:
            return float(value)
        except (TypeError, ValueError):
            continue
    return None
