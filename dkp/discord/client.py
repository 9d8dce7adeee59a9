"""A small, typed client for the few Discord REST calls the app makes.

Two kinds of call: with a person's OAuth2 token (sign-in: who they are, their guild membership)
and with the bot's token (``DISCORD_BOT_TOKEN``: guild members and the whole member list, their
roles, channel messages).

Every failure becomes a ``DiscordError`` that says what went wrong in words a guild officer can
act on, and carries Discord's HTTP status, JSON error code and ``retry_after`` for the sync log.
Bot calls honour Discord's rate limits: a ``429`` is waited out (``retry_after`` from the body or
the ``Retry-After`` header) and retried a few times; a wait longer than ``max_wait`` is not slept
through but given back as ``DiscordRateLimited`` so a task never blocks a worker for a minute.
The base URL comes from ``DISCORD_API_BASE_URL`` so tests and demos can point it at the stand-in.

Every call sends ``User-Agent: DiscordBot (<url>, <version>)`` (``DISCORD_USER_AGENT``), as Discord
requires. A 403 is one of two things: Discord's edge (Cloudflare) refusing the request before the
API saw it, answered without a Discord error code (HTML, or JSON with no ``code``), which no
permission in the server changes (``DiscordEdgeBlocked``); or the API's 50013 Missing Permissions,
which an officer fixes in the server's role settings (``DiscordMissingPermissions``). Each is
logged in its own words.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, NotRequired, TypedDict
from urllib.parse import quote

import httpx
from django.conf import settings

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 5.0
# Retries after a 429 before giving up, and the longest wait we sleep through inside one call.
DEFAULT_RATE_LIMIT_RETRIES = 3
DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS = 5.0
# Discord's largest page of guild members (GET /guilds/{guild}/members?limit=).
MAX_MEMBERS_PAGE_SIZE = 1000

# Discord's JSON error codes we act on (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
UNKNOWN_CHANNEL = 10003
UNKNOWN_GUILD = 10004
UNKNOWN_MEMBER = 10007
UNKNOWN_ROLE = 10011
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
INVALID_FORM_BODY = 50035


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
    """429. ``is_global``: the limit is on the whole bot (``X-RateLimit-Global``), not one route."""

    kind = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        retry_after: float | None = None,
        is_global: bool = False,
    ) -> None:
        super().__init__(message, status=status, code=code, retry_after=retry_after)
        self.is_global = is_global


class DiscordUnavailable(DiscordError):
    """Discord is down, slow (timeout) or answered with something we cannot read."""

    kind = "unavailable"


class DiscordNotConfigured(DiscordError):
    """We cannot ask: no bot token (or guild, or channel) is configured. Nothing was sent."""

    kind = "not_configured"


class DiscordMissingPermissions(DiscordForbidden):
    """403/50013: the bot lacks Manage Roles (or Send Messages), or the role sits above the bot's."""

    kind = "missing_permissions"


class DiscordEdgeBlocked(DiscordForbidden):
    """403 without a Discord error code: Discord's edge refused the request before the API read it.

    Cloudflare does this to a missing or generic User-Agent, or to an address banned for too many
    failed requests (401, 403, 429) in a short time. Every further call would be refused the same
    way, so callers stop asking until a later run instead of trying the next item.
    """

    kind = "edge_blocked"


class DiscordUnknownMember(DiscordNotFound):
    """404/10007: the person is not (or no longer) in the guild's Discord server."""

    kind = "unknown_member"


class DiscordUnknownRole(DiscordNotFound):
    """404/10011: no role with that id in the server; ``DISCORD_ROLE_IDS`` names a deleted role."""

    kind = "unknown_role"


class DiscordUnknownChannel(DiscordNotFound):
    """404/10003: no channel with that id, or the bot cannot see it."""

    kind = "unknown_channel"


class DiscordClient:
    def __init__(
        self,
        *,
        base_url: str,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        bot_token: str = "",
        rate_limit_retries: int = DEFAULT_RATE_LIMIT_RETRIES,
        max_wait: float = DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        members_page_size: int = MAX_MEMBERS_PAGE_SIZE,
        user_agent: str | None = None,
    ) -> None:
        if not 1 <= members_page_size <= MAX_MEMBERS_PAGE_SIZE:
            raise ValueError(f"members_page_size must be 1..{MAX_MEMBERS_PAGE_SIZE}, not {members_page_size}")
        self.base_url = base_url.rstrip("/")
        self.user_agent = user_agent or default_user_agent()
        self.members_page_size = members_page_size
        self.timeout = timeout
        self.bot_token = bot_token
        self.rate_limit_retries = rate_limit_retries
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        # After a global 429 every route waits, not only the one that met it.
        self._global_wait_until = 0.0

    @classmethod
    def from_settings(cls, **overrides: Any) -> DiscordClient:
        """Read the settings now, not at import, so overridden settings (tests, stand-in) apply.

        ``overrides`` go to the constructor (e.g. ``sleep=`` in tests).
        """
        timeout = float(getattr(settings, "SOCIALACCOUNT_REQUESTS_TIMEOUT", DEFAULT_TIMEOUT_SECONDS))
        options: dict[str, Any] = {
            "base_url": settings.DISCORD_API_BASE_URL,
            "timeout": timeout,
            "bot_token": getattr(settings, "DISCORD_BOT_TOKEN", "") or "",
        }
        options.update(overrides)
        return cls(**options)

    @property
    def has_bot_token(self) -> bool:
        return bool(self.bot_token)

    # -- with a person's OAuth2 token --------------------------------------------------------

    def current_user(self, *, access_token: str) -> DiscordUser:
        data = self._get("/users/@me", access_token=access_token)
        if not isinstance(data, dict) or "id" not in data or "username" not in data:
            raise DiscordUnavailable("Discord sent a profile we could not read.")
        data["id"] = str(data["id"])
        return DiscordUser(**data)  # type: ignore[typeddict-item]  # checked above; extra keys are Discord's

    def guild_member(self, *, access_token: str, guild_id: str) -> GuildMember:
        """The person's membership in the guild's Discord server; ``DiscordNotFound`` when not in it."""
        data = self._get(f"/users/@me/guilds/{guild_id}/member", access_token=access_token)
        if not isinstance(data, dict) or not isinstance(data.get("roles"), list):
            raise DiscordUnavailable("Discord sent a guild membership we could not read.")
        data["roles"] = [str(role_id) for role_id in data["roles"]]
        return GuildMember(**data)  # type: ignore[typeddict-item]  # roles checked above; extra keys are Discord's

    # -- with the bot's token ----------------------------------------------------------------

    def member(self, *, guild_id: str, user_id: str) -> GuildMember:
        """A guild member and their role ids; ``DiscordUnknownMember`` when not in the server."""
        data = self._bot("GET", f"/guilds/{guild_id}/members/{user_id}")
        if not isinstance(data, dict) or not isinstance(data.get("roles"), list):
            raise DiscordUnavailable("Discord sent a guild membership we could not read.")
        data["roles"] = [str(role_id) for role_id in data["roles"]]
        return GuildMember(**data)  # type: ignore[typeddict-item]  # roles checked above; extra keys are Discord's

    def list_members(self, *, guild_id: str) -> list[GuildMember]:
        """Every member of the guild's Discord server, with their role ids, page by page.

        Discord answers members in ascending user id; each page asks for those ``after`` the last id
        seen, until a page comes back short. Any failure (after the rate-limit waits) raises, so a
        caller never mistakes a partial list for the whole server.
        """
        members: list[GuildMember] = []
        after = "0"
        while True:
            path = f"/guilds/{guild_id}/members?limit={self.members_page_size}&after={after}"
            data = self._bot("GET", path)
            if not isinstance(data, list):
                raise DiscordUnavailable("Discord sent a member list we could not read.")
            page = [_member_from(item) for item in data]
            members.extend(page)
            if len(page) < self.members_page_size:
                return members
            last = max(int(member["user"]["id"]) for member in page)
            if last <= int(after):
                raise DiscordUnavailable("Discord sent the same page of members twice.")
            after = str(last)

    def add_member_role(self, *, guild_id: str, user_id: str, role_id: str, reason: str = "") -> None:
        """Give a member a role (idempotent on Discord's side); ``reason`` goes to the server's audit log."""
        self._bot("PUT", f"/guilds/{guild_id}/members/{user_id}/roles/{role_id}", reason=reason)

    def remove_member_role(self, *, guild_id: str, user_id: str, role_id: str, reason: str = "") -> None:
        """Take a role from a member (idempotent on Discord's side)."""
        self._bot("DELETE", f"/guilds/{guild_id}/members/{user_id}/roles/{role_id}", reason=reason)

    def post_message(self, *, channel_id: str, content: str, components: list[dict[str, Any]] | None = None) -> str:
        """Post ``content`` (and buttons) to a channel as the bot, pinging nobody; returns Discord's message id."""
        body: dict[str, Any] = {"content": content, "allowed_mentions": {"parse": []}}
        if components:
            body["components"] = components
        data = self._bot("POST", f"/channels/{channel_id}/messages", json=body)
        if not isinstance(data, dict) or not data.get("id"):
            raise DiscordUnavailable("Discord accepted the message but sent back something we could not read.")
        return str(data["id"])

    def _bot(self, method: str, path: str, *, json: Any = None, reason: str = "") -> Any:
        """One bot call, waiting out and retrying 429s a bounded number of times."""
        if not self.bot_token:
            raise DiscordNotConfigured("No Discord bot token is configured (DISCORD_BOT_TOKEN), so nothing was sent.")
        headers = {"Authorization": f"Bot {self.bot_token}", "User-Agent": self.user_agent}
        if reason:
            # Discord reads the audit log reason URL-encoded (as discord.py sends it).
            headers["X-Audit-Log-Reason"] = quote(reason[:512], safe="/ ")
        url = f"{self.base_url}{path}"
        retries_left = self.rate_limit_retries
        while True:
            self._wait_for_global_limit()
            try:
                response = httpx.request(method, url, headers=headers, json=json, timeout=self.timeout)
            except httpx.TimeoutException as exc:
                raise DiscordUnavailable(f"Discord did not answer within {self.timeout:g} seconds.") from exc
            except httpx.HTTPError as exc:
                raise DiscordUnavailable("Discord could not be reached.") from exc
            if response.is_success:
                if response.status_code == 204 or not response.content:
                    return None
                try:
                    return response.json()
                except ValueError as exc:
                    raise DiscordUnavailable("Discord sent an answer we could not read.") from exc
            error = _error_for(response, bot=True)
            _log_refusal(error, method, path, self.user_agent)
            if not isinstance(error, DiscordRateLimited):
                raise error
            wait = error.retry_after if error.retry_after is not None else 1.0
            if error.is_global:
                self._global_wait_until = self.clock() + wait
            if retries_left <= 0 or wait > self.max_wait:
                raise error
            retries_left -= 1
            self.sleep(wait)
            # the global wait, if any, has just been slept through
            self._global_wait_until = 0.0

    def _wait_for_global_limit(self) -> None:
        """Before any call: sit out a global limit met earlier, or refuse at once when it is too long.

        Refusing without asking is what keeps a run over many members from hammering Discord.
        """
        remaining = self._global_wait_until - self.clock()
        if remaining > self.max_wait:
            raise DiscordRateLimited(
                "Discord is limiting how often we may ask (a global limit on the bot). "
                f"Try again in {remaining:.0f} seconds.",
                status=429,
                retry_after=remaining,
                is_global=True,
            )
        if remaining > 0:
            self.sleep(remaining)
        self._global_wait_until = 0.0

    def _get(self, path: str, *, access_token: str) -> Any:
        url = f"{self.base_url}{path}"
        try:
            response = httpx.get(
                url,
                headers={"Authorization": f"Bearer {access_token}", "User-Agent": self.user_agent},
                timeout=self.timeout,
            )
        except httpx.TimeoutException as exc:
            raise DiscordUnavailable(f"Discord did not answer within {self.timeout:g} seconds.") from exc
        except httpx.HTTPError as exc:
            raise DiscordUnavailable("Discord could not be reached.") from exc
        if response.is_success:
            try:
                return response.json()
            except ValueError as exc:
                raise DiscordUnavailable("Discord sent an answer we could not read.") from exc
        error = _error_for(response)
        _log_refusal(error, "GET", path, self.user_agent)
        raise error


def default_user_agent() -> str:
    """``DiscordBot (<url>, <version>)``: ``DISCORD_USER_AGENT`` (the site's URL and pyproject's version)."""
    return str(getattr(settings, "DISCORD_USER_AGENT", "") or f"DiscordBot ({settings.SITE_URL}, 0)")


def _log_refusal(error: DiscordError, method: str, path: str, user_agent: str) -> None:
    """The two 403s in their own log lines: one is about how we ask, the other about the server's roles."""
    if isinstance(error, DiscordEdgeBlocked):
        log.warning(
            "Discord's edge refused %s %s with HTTP 403 and no Discord error code (User-Agent %r): "
            "a missing or generic User-Agent, or this address is banned for too many failed requests",
            method,
            path,
            user_agent,
        )
    elif isinstance(error, DiscordMissingPermissions):
        log.warning(
            "Discord refused %s %s: Missing Permissions (50013); the bot's role lacks a permission "
            "or sits below the role it manages",
            method,
            path,
        )


def _member_from(item: Any) -> GuildMember:
    """One entry of a member list; it always carries the user, whose id is the member's."""
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("roles"), list)
        or not isinstance(item.get("user"), dict)
        or not str(item["user"].get("id", "")).isdigit()
    ):
        raise DiscordUnavailable("Discord sent a member list we could not read.")
    item["roles"] = [str(role_id) for role_id in item["roles"]]
    item["user"]["id"] = str(item["user"]["id"])
    return GuildMember(**item)  # type: ignore[typeddict-item]  # roles and user checked above; extra keys are Discord's


def _error_for(response: httpx.Response, *, bot: bool = False) -> DiscordError:
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
    if status == 403 and code is None:
        return DiscordEdgeBlocked(
            "Discord's edge refused the request before Discord read it (HTTP 403 without a Discord error code): "
            "the request's User-Agent was missing or generic, or this server's address is banned for a while "
            "after too many failed requests. No permission in the Discord server changes this.",
            status=status,
        )
    if status == 400 and code == INVALID_FORM_BODY:
        where = "; ".join(_form_errors(body.get("errors"))) or "no detail"
        return DiscordError(
            f"Discord refused what we sent as over one of its limits (Invalid Form Body, 50035): {where}.",
            status=status,
            code=code,
        )
    if bot:
        known = _bot_error_for(status, code, suffix)
        if known is not None:
            return known
    if status == 401:
        return DiscordUnauthorized(f"Discord did not accept our sign-in token{suffix}.", status=status, code=code)
    if status == 403:
        return DiscordForbidden(f"Discord refused to share this information{suffix}.", status=status, code=code)
    if status == 404:
        return DiscordNotFound(f"Discord has no such thing{suffix}.", status=status, code=code)
    if status == 429:
        retry_after = _retry_after(body, response)
        is_global = bool(body.get("global")) or response.headers.get("X-RateLimit-Global", "").lower() == "true"
        wait = f" Try again in {retry_after:g} seconds." if retry_after is not None else " Try again shortly."
        scope = " (a global limit on the bot)" if is_global else ""
        return DiscordRateLimited(
            f"Discord is limiting how often we may ask{scope}.{wait}",
            status=status,
            code=code,
            retry_after=retry_after,
            is_global=is_global,
        )
    if status >= 500:
        return DiscordUnavailable(f"Discord is having trouble right now (HTTP {status}).", status=status, code=code)
    return DiscordError(f"Discord answered HTTP {status}{suffix}.", status=status, code=code)


def _bot_error_for(status: int, code: int | None, suffix: str) -> DiscordError | None:
    """The bot's own failures, in words that say what an officer should change in Discord."""
    if status == 401:
        return DiscordUnauthorized(
            f"Discord did not accept the bot token (DISCORD_BOT_TOKEN){suffix}.", status=status, code=code
        )
    if status == 403 and code == MISSING_PERMISSIONS:
        return DiscordMissingPermissions(
            "The bot lacks a permission for this: it needs Manage Roles (or Send Messages in the channel), "
            f"and its own role must sit above the roles it manages{suffix}.",
            status=status,
            code=code,
        )
    if status == 403:
        return DiscordForbidden(f"Discord refused the bot this request{suffix}.", status=status, code=code)
    if status == 404 and code == UNKNOWN_MEMBER:
        return DiscordUnknownMember(
            f"This person is not in the guild's Discord server{suffix}.", status=status, code=code
        )
    if status == 404 and code == UNKNOWN_ROLE:
        return DiscordUnknownRole(
            f"The Discord server has no such role; check DISCORD_ROLE_IDS{suffix}.", status=status, code=code
        )
    if status == 404 and code == UNKNOWN_CHANNEL:
        return DiscordUnknownChannel(
            f"Discord has no such channel, or the bot cannot see it{suffix}.", status=status, code=code
        )
    if status == 404 and code == UNKNOWN_GUILD:
        return DiscordNotFound(
            f"Discord has no such server, or the bot is not in it; check DISCORD_GUILD_ID{suffix}.",
            status=status,
            code=code,
        )
    return None


def _form_errors(errors: Any, path: str = "") -> list[str]:
    """Discord's nested 50035 ``errors`` as ``"<path>: <message>"`` lines (``embeds.0.title: …``)."""
    if not isinstance(errors, dict):
        return []
    lines = [
        f"{path or 'body'}: {item.get('message', '')}" for item in errors.get("_errors", []) if isinstance(item, dict)
    ]
    for key, child in errors.items():
        if key != "_errors":
            lines += _form_errors(child, f"{path}.{key}" if path else str(key))
    return lines


def _retry_after(body: dict[str, Any], response: httpx.Response) -> float | None:
    for value in (body.get("retry_after"), response.headers.get("Retry-After")):
        if value is None:
            continue
        try:
            return float(value)
        except (TypeError, ValueError):
            continue
    return None
