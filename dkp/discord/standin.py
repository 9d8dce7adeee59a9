"""A stand-in Discord on loopback, for tests and demos: OAuth2 with PKCE, members, roles, messages.

It serves, on ``http://127.0.0.1:PORT``:
- ``GET /oauth2/authorize``: checks client_id, redirect_uri, response_type, scope, state and an S256
  code challenge, then sends the browser straight back with ``code`` and ``state`` (the person
  "signed in" is ``signed_in_as``), or with ``error=access_denied`` when ``cancel`` is set;
- ``POST /api/v10/oauth2/token`` and ``/oauth2/token/revoke``: client authentication (basic or
  form), single-use codes, the PKCE verifier;
- ``GET /api/v10/users/@me`` and ``/users/@me/guilds/{guild_id}/member`` with the bearer token;
- with the bot token (``Authorization: Bot <bot_token>``): ``GET /guilds/{g}/members`` (the
  member list in ascending user id, paged by ``limit`` (1-1000) and ``after``), ``GET /guilds/{g}/members/{u}``,
  ``PUT``/``DELETE /guilds/{g}/members/{u}/roles/{r}`` (changing the person's ``roles``, and
  keeping each ``X-Audit-Log-Reason`` in ``audit_log``) and ``POST /channels/{c}/messages``
  (kept in ``messages``), answering 10004/10007/10011/10003 and 50013 as Discord does.

Like Discord's edge, every API call our client makes (the bot's, and ``/users/@me`` and the guild
membership with a person's token) must carry ``User-Agent: DiscordBot (<url>, <version>)``; one
without is refused with an HTML 403 that carries no Discord error code, and kept in
``edge_refusals``. The OAuth2 token exchange (django-allauth's own HTTP call) and the browser's
``/oauth2/authorize`` are not checked. The User-Agent of every request is kept in ``user_agents``.

Every message body is checked against Discord's documented limits (``dkp.discord.payloads``); one
over a limit is answered as Discord does, 400 with code 50035 "Invalid Form Body" and the path of
each problem in ``errors``, and kept in ``refused_payloads`` as (path, problems).

Tests arrange people, roles, failures and latency through the Python API::

    with DiscordStandin(client_id="1", client_secret="s", guild_id="9", bot_token="b") as discord:
        olwen = discord.add_user(id="100", username="olwen", roles=["111"])
        discord.signed_in_as = olwen
        discord.fail("member", status=429, retry_after=3)
        discord.fail("add_role", status=429, retry_after=0.01, times=1)   # once, then fine
        discord.rate_limit_globally(retry_after=0.02)  # the next bot call, whatever the route: global 429
        discord.roles_above_bot = {"111"}     # changing role 111 answers 403/50013
        discord.guild_role_ids = {"444"}      # any other role id answers 404/10011
        discord.unknown_member_ids = {"100"}  # listed, but per-member calls answer 404/10007 (left mid-run)
        olwen.roles                           # the roles after a push
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import Authorization
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from dkp.discord.payloads import form_body_errors, request_problems

API_PREFIX = "/api/v10"
ENDPOINTS = (
    "authorize",
    "token",
    "revoke",
    "me",
    "member",
    "list_members",
    "guild_member",
    "add_role",
    "remove_role",
    "post_message",
)
DEFAULT_BOT_TOKEN = "standin-bot-token"
# The endpoints our client calls, where Discord's edge wants ``DiscordBot (<url>, <version>)``.
USER_AGENT_CHECKED = frozenset(
    {"me", "member", "list_members", "guild_member", "add_role", "remove_role", "post_message"}
)
BOT_USER_AGENT = re.compile(r"^DiscordBot \([^,()\s]+, [^()\s]+\)")
# What Cloudflare answers a request it will not pass on: HTML, no Discord JSON, no code.
EDGE_REFUSAL_HTML = (
    "<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center>"
    "<hr><center>cloudflare</center></body></html>"
)
BOT_ENDPOINTS = frozenset({"list_members", "guild_member", "add_role", "remove_role", "post_message"})
# Discord's JSON error codes for the failures a test can ask for.
UNKNOWN_CHANNEL, UNKNOWN_GUILD, UNKNOWN_MEMBER, UNKNOWN_ROLE = 10003, 10004, 10007, 10011
MISSING_ACCESS, MISSING_PERMISSIONS, INVALID_FORM_BODY = 50001, 50013, 50035
_ERROR_MESSAGES = {
    UNKNOWN_CHANNEL: "Unknown Channel",
    INVALID_FORM_BODY: "Invalid Form Body",
    UNKNOWN_GUILD: "Unknown Guild",
    UNKNOWN_MEMBER: "Unknown Member",
    UNKNOWN_ROLE: "Unknown Role",
    MISSING_ACCESS: "Missing Access",
    MISSING_PERMISSIONS: "Missing Permissions",
}


@dataclass
class StandinUser:
    id: str
    username: str
    global_name: str | None = None
    avatar: str | None = None
    roles: list[str] = field(default_factory=list)
    in_guild: bool = True

    def profile(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "global_name": self.global_name,
            "avatar": self.avatar,
            "discriminator": "0",
        }


@dataclass
class _Grant:
    user_id: str
    redirect_uri: str
    code_challenge: str


@dataclass
class StandinMessage:
    id: str
    channel_id: str
    content: str
    allowed_mentions: Any = None
    components: Any = None


@dataclass
class _Failure:
    status: int
    retry_after: float | None = None
    code: int | None = None
    is_global: bool = False
    times: int | None = None  # None: until reset()
    edge: bool = False  # refused by Discord's edge: HTML, no Discord code


class DiscordStandin:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        guild_id: str,
        required_scopes: tuple[str, ...] = ("identify", "guilds.members.read"),
        bot_token: str = DEFAULT_BOT_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.client_id = client_id
        self.bot_token = bot_token
        self.client_secret = client_secret
        self.guild_id = guild_id
        self.required_scopes = frozenset(required_scopes)
        self.users: dict[str, StandinUser] = {}
        self.signed_in_as: StandinUser | None = None
        self.cancel = False
        self.failures: dict[str, _Failure] = {}
        self.latency: dict[str, float] = {}
        self.requests: list[tuple[str, str]] = []
        self.user_agents: list[tuple[str, str]] = []  # (endpoint, User-Agent) of every request
        self.edge_refusals: list[tuple[str, str, str]] = []  # (method, path, User-Agent) refused at the edge
        self.refused_payloads: list[tuple[str, list[str]]] = []  # (path, problems) answered 400/50035
        # Every message body received, refused or not, as (method, path, body): the tests' limits
        # check (dkp.testing.discord_limits) reads it after a test, so reset() leaves it alone.
        self.payload_log: list[tuple[str, str, Any]] = []
        # Bot side: None means "any id exists"; a set limits them, like a real server's lists.
        self.guild_role_ids: set[str] | None = None
        self.roles_above_bot: set[str] = set()
        # Still in the member list, but gone for per-member calls: someone who left mid-run.
        self.unknown_member_ids: set[str] = set()
        self._global_failure: _Failure | None = None
        self.channel_ids: set[str] | None = None
        self.messages: list[StandinMessage] = []
        self.audit_log: list[tuple[str, str, str]] = []  # (method, path, X-Audit-Log-Reason)
        self._hits: dict[str, int] = {}
        self._grants: dict[str, _Grant] = {}
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()
        self._host = host
        self._port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._urls = Map(
            [
                Rule("/oauth2/authorize", endpoint="authorize", methods=["GET"]),
                Rule(f"{API_PREFIX}/oauth2/token", endpoint="token", methods=["POST"]),
                Rule(f"{API_PREFIX}/oauth2/token/revoke", endpoint="revoke", methods=["POST"]),
                Rule(f"{API_PREFIX}/users/@me", endpoint="me", methods=["GET"]),
                Rule(f"{API_PREFIX}/users/@me/guilds/<guild_id>/member", endpoint="member", methods=["GET"]),
                Rule(f"{API_PREFIX}/guilds/<guild_id>/members", endpoint="list_members", methods=["GET"]),
                Rule(f"{API_PREFIX}/guilds/<guild_id>/members/<user_id>", endpoint="guild_member", methods=["GET"]),
                Rule(
                    f"{API_PREFIX}/guilds/<guild_id>/members/<user_id>/roles/<role_id>",
                    endpoint="add_role",
                    methods=["PUT"],
                ),
                Rule(
                    f"{API_PREFIX}/guilds/<guild_id>/members/<user_id>/roles/<role_id>",
                    endpoint="remove_role",
                    methods=["DELETE"],
                ),
                Rule(f"{API_PREFIX}/channels/<channel_id>/messages", endpoint="post_message", methods=["POST"]),
            ]
        )

    # -- arranging ---------------------------------------------------------------------------

    def add_user(
        self,
        *,
        id: str,
        username: str,
        global_name: str | None = None,
        avatar: str | None = None,
        roles: list[str] | None = None,
        in_guild: bool = True,
    ) -> StandinUser:
        person = StandinUser(
            id=id, username=username, global_name=global_name, avatar=avatar, roles=list(roles or []), in_guild=in_guild
        )
        self.users[id] = person
        return person

    def fail(
        self,
        endpoint: str,
        *,
        status: int,
        retry_after: float | None = None,
        code: int | None = None,
        is_global: bool = False,
        times: int | None = None,
        edge: bool = False,
    ) -> None:
        """Make ``endpoint`` (one of ``ENDPOINTS``) answer ``status`` ``times`` times, or until ``reset()``.

        ``edge``: answer as Discord's edge (Cloudflare) does, an HTML 403 with no Discord error code.

        ``code`` is Discord's JSON error code (default: 50001 for 403, 10004 for 404, 0 otherwise);
        ``is_global`` marks a 429 as the bot-wide limit (``X-RateLimit-Global: true``).
        """
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        self.failures[endpoint] = _Failure(
            status=status, retry_after=retry_after, code=code, is_global=is_global, times=times, edge=edge
        )

    def rate_limit_globally(self, *, retry_after: float, times: int = 1) -> None:
        """The next ``times`` bot requests, whatever their route, answer Discord's global 429.

        The body says ``"global": true`` and the headers ``X-RateLimit-Global: true`` and
        ``X-RateLimit-Scope: global``, as Discord does when the bot as a whole asks too often.
        """
        self._global_failure = _Failure(status=429, retry_after=retry_after, is_global=True, times=times)

    def member_roles(self, user_id: str) -> list[str]:
        """The role ids a person holds in the stand-in's server now."""
        return list(self.users[user_id].roles)

    def messages_in(self, channel_id: str) -> list[str]:
        return [message.content for message in self.messages if message.channel_id == channel_id]

    def hits(self, endpoint: str) -> int:
        """How many requests reached ``endpoint`` (failed ones included)."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        return self._hits.get(endpoint, 0)

    def slow(self, endpoint: str, *, seconds: float) -> None:
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        self.latency[endpoint] = seconds

    def reset(self) -> None:
        """Forget people, failures and grants; keep serving on the same port."""
        with self._lock:
            self.users.clear()
            self.signed_in_as = None
            self.cancel = False
            self.failures.clear()
            self.latency.clear()
            self.requests.clear()
            self.user_agents.clear()
            self.edge_refusals.clear()
            self.refused_payloads.clear()
            self.guild_role_ids = None
            self.roles_above_bot = set()
            self.unknown_member_ids = set()
            self._global_failure = None
            self.channel_ids = None
            self.messages.clear()
            self.audit_log.clear()
            self._hits.clear()
            self._grants.clear()
            self._tokens.clear()

    # -- serving -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("The stand-in is not running; call start().")
        return f"http://{self._host}:{self._server.server_port}"

    @property
    def oauth_base_url(self) -> str:
        return self.base_url

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}{API_PREFIX}"

    def start(self) -> DiscordStandin:
        self._server = make_server(self._host, self._port, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="discord-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Run in the foreground (the management command)."""
        self._server = make_server(self._host, self._port, self._wsgi, threaded=True)
        self._server.serve_forever()

    def __enter__(self) -> DiscordStandin:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        adapter = self._urls.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException:
            return _json({"message": "404: Not Found", "code": 0}, 404)(environ, start_response)
        name = str(endpoint)
        user_agent = request.headers.get("User-Agent", "")
        with self._lock:
            self.requests.append((request.method, request.path))
            self.user_agents.append((name, user_agent))
            self._hits[name] = self._hits.get(name, 0) + 1
        delay = self.latency.get(name)
        if delay:
            time.sleep(delay)
        if name in USER_AGENT_CHECKED and not BOT_USER_AGENT.match(user_agent):
            with self._lock:
                self.edge_refusals.append((request.method, request.path, user_agent))
            return Response(EDGE_REFUSAL_HTML, status=403, mimetype="text/html")(environ, start_response)
        if name in BOT_ENDPOINTS and request.headers.get("Authorization") != f"Bot {self.bot_token}":
            return _json({"message": "401: Unauthorized", "code": 0}, 401)(environ, start_response)
        failure = self._take_global_failure() if name in BOT_ENDPOINTS else None
        failure = failure or self._take_failure(name)
        if failure is not None and endpoint != "authorize":
            response = _failure(failure)
        else:
            response = getattr(self, f"_{endpoint}")(request, **args)
        return response(environ, start_response)

    def _take_failure(self, endpoint: str) -> _Failure | None:
        with self._lock:
            failure = self.failures.get(endpoint)
            if failure is not None and failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    del self.failures[endpoint]
            return failure

    def _take_global_failure(self) -> _Failure | None:
        with self._lock:
            failure = self._global_failure
            if failure is not None and failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    self._global_failure = None
            return failure

    # -- endpoints ---------------------------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        params = request.args
        redirect_uri = params.get("redirect_uri", "")
        problems = []
        if params.get("client_id") != self.client_id:
            problems.append("unknown client_id")
        if not redirect_uri.startswith(("http://", "https://")):
            problems.append("redirect_uri missing")
        if params.get("response_type") != "code":
            problems.append("response_type must be code")
        if not self.required_scopes <= set(params.get("scope", "").split()):
            problems.append(f"scope must include {' '.join(sorted(self.required_scopes))}")
        if not params.get("state"):
            problems.append("state missing")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            problems.append("PKCE S256 code_challenge missing")
        if problems:
            return _json({"message": "Invalid OAuth2 request: " + "; ".join(problems)}, 400)
        back = {"state": params["state"]}
        failure = self.failures.get("authorize")
        if self.cancel:
            back["error"] = "access_denied"
            back["error_description"] = "The resource owner or authorization server denied the request"
        elif failure is not None:
            back["error"] = "server_error"
        else:
            if self.signed_in_as is None:
                return _json({"message": "Stand-in: nobody is signed in (set signed_in_as)."}, 400)
            code = secrets.token_urlsafe(16)
            with self._lock:
                self._grants[code] = _Grant(
                    user_id=self.signed_in_as.id, redirect_uri=redirect_uri, code_challenge=params["code_challenge"]
                )
            back["code"] = code
        separator = "&" if "?" in redirect_uri else "?"
        return Response(status=302, headers={"Location": f"{redirect_uri}{separator}{urlencode(back)}"})

    def _client_authenticated(self, request: Request) -> bool:
        auth: Authorization | None = request.authorization
        if auth is not None and auth.type == "basic":
            return auth.username == self.client_id and auth.password == self.client_secret
        form = request.form
        return form.get("client_id") == self.client_id and form.get("client_secret") == self.client_secret

    def _token(self, request: Request) -> Response:
        if not self._client_authenticated(request):
            return _json({"error": "invalid_client"}, 401)
        form = request.form
        if form.get("grant_type") != "authorization_code":
            return _json({"error": "unsupported_grant_type"}, 400)
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)
        if grant is None:
            return _json({"error": "invalid_grant", "error_description": 'Invalid "code" in request.'}, 400)
        if form.get("redirect_uri") != grant.redirect_uri:
            return _json({"error": "invalid_grant", "error_description": "Invalid redirect_uri"}, 400)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or challenge != grant.code_challenge:
            return _json({"error": "invalid_grant", "error_description": "Invalid code_verifier"}, 400)
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = grant.user_id
        return _json(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": 604800,
                "refresh_token": secrets.token_urlsafe(24),
                "scope": " ".join(sorted(self.required_scopes)),
            },
            200,
        )

    def _revoke(self, request: Request) -> Response:
        if not self._client_authenticated(request):
            return _json({"error": "invalid_client"}, 401)
        with self._lock:
            self._tokens.pop(request.form.get("token", ""), None)
        return _json({}, 200)

    def _bearer_user(self, request: Request) -> StandinUser | None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        user_id = self._tokens.get(header.removeprefix("Bearer "))
        return self.users.get(user_id) if user_id else None

    def _me(self, request: Request) -> Response:
        person = self._bearer_user(request)
        if person is None:
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        return _json(person.profile(), 200)

    def _member(self, request: Request, guild_id: str) -> Response:
        person = self._bearer_user(request)
        if person is None:
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        if guild_id != self.guild_id or not person.in_guild:
            return _json({"message": "Unknown Guild", "code": 10004}, 404)
        return _json({"user": person.profile(), "nick": None, "roles": list(person.roles), "joined_at": None}, 200)

    # -- bot endpoints -----------------------------------------------------------------------

    def _guild_person(self, guild_id: str, user_id: str) -> StandinUser | Response:
        if guild_id != self.guild_id:
            return _discord_error(UNKNOWN_GUILD, 404)
        person = self.users.get(user_id)
        if person is None or not person.in_guild or user_id in self.unknown_member_ids:
            return _discord_error(UNKNOWN_MEMBER, 404)
        return person

    def _list_members(self, request: Request, guild_id: str) -> Response:
        if guild_id != self.guild_id:
            return _discord_error(UNKNOWN_GUILD, 404)
        try:
            limit = int(request.args.get("limit", "1"))
            after = int(request.args.get("after", "0"))
        except ValueError:
            return _discord_error(INVALID_FORM_BODY, 400)
        if not 1 <= limit <= 1000:
            return _discord_error(INVALID_FORM_BODY, 400)
        with self._lock:
            people = sorted(
                (person for person in self.users.values() if person.in_guild and int(person.id) > after),
                key=lambda person: int(person.id),
            )[:limit]
            page = [
                {"user": person.profile(), "nick": None, "roles": list(person.roles), "joined_at": None}
                for person in people
            ]
        return Response(json.dumps(page), status=200, mimetype="application/json")

    def _guild_member(self, request: Request, guild_id: str, user_id: str) -> Response:
        person = self._guild_person(guild_id, user_id)
        if isinstance(person, Response):
            return person
        return _json({"user": person.profile(), "nick": None, "roles": list(person.roles), "joined_at": None}, 200)

    def _role_change(self, request: Request, guild_id: str, user_id: str, role_id: str, *, add: bool) -> Response:
        person = self._guild_person(guild_id, user_id)
        if isinstance(person, Response):
            return person
        if self.guild_role_ids is not None and role_id not in self.guild_role_ids:
            return _discord_error(UNKNOWN_ROLE, 404)
        if role_id in self.roles_above_bot:
            return _discord_error(MISSING_PERMISSIONS, 403)
        with self._lock:
            if add and role_id not in person.roles:
                person.roles.append(role_id)
            if not add and role_id in person.roles:
                person.roles.remove(role_id)
            self.audit_log.append((request.method, request.path, request.headers.get("X-Audit-Log-Reason", "")))
        return Response(status=204)

    def _add_role(self, request: Request, guild_id: str, user_id: str, role_id: str) -> Response:
        return self._role_change(request, guild_id, user_id, role_id, add=True)

    def _remove_role(self, request: Request, guild_id: str, user_id: str, role_id: str) -> Response:
        return self._role_change(request, guild_id, user_id, role_id, add=False)

    def _post_message(self, request: Request, channel_id: str) -> Response:
        if self.channel_ids is not None and channel_id not in self.channel_ids:
            return _discord_error(UNKNOWN_CHANNEL, 404)
        body = request.get_json(silent=True)
        with self._lock:
            self.payload_log.append((request.method, request.path, body))
        content = body.get("content") if isinstance(body, dict) else None
        if not isinstance(content, str) or not content.strip():
            return _json({"message": "Cannot send an empty message", "code": 50006}, 400)
        problems = [problem for problem in request_problems(request.method, request.path, body) if problem.refused]
        if problems:
            with self._lock:
                self.refused_payloads.append((request.path, [str(problem) for problem in problems]))
            return _json(
                {"message": "Invalid Form Body", "code": INVALID_FORM_BODY, "errors": form_body_errors(problems)}, 400
            )
        with self._lock:
            message = StandinMessage(
                id=str(1_300_000_000_000_000_000 + len(self.messages) + 1),
                channel_id=channel_id,
                content=content,
                allowed_mentions=body.get("allowed_mentions") if isinstance(body, dict) else None,
                components=body.get("components") if isinstance(body, dict) else None,
            )
            self.messages.append(message)
        return _json({"id": message.id, "channel_id": channel_id, "content": content, "type": 0}, 200)


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _discord_error(code: int, status: int) -> Response:
    return _json({"message": _ERROR_MESSAGES[code], "code": code}, status)


def _failure(failure: _Failure) -> Response:
    if failure.edge:
        return Response(EDGE_REFUSAL_HTML, status=403, mimetype="text/html")
    messages = {
        401: "401: Unauthorized",
        403: "Missing Access",
        404: "Unknown Guild",
        429: "You are being rate limited.",
    }
    code = failure.code
    if code is None:
        code = {403: MISSING_ACCESS, 404: UNKNOWN_GUILD}.get(failure.status, 0)
    message = _ERROR_MESSAGES.get(code) or messages.get(failure.status, "Internal Server Error")
    body: dict[str, Any] = {"message": message, "code": code}
    headers: dict[str, str] = {}
    if failure.retry_after is not None:
        body["retry_after"] = failure.retry_after
        body["global"] = failure.is_global
        headers["Retry-After"] = f"{failure.retry_after:g}"
    if failure.status == 429:
        headers["X-RateLimit-Scope"] = "global" if failure.is_global else "user"
        if failure.is_global:
            headers["X-RateLimit-Global"] = "true"
    response = _json(body, failure.status)
    response.headers.extend(headers)
    return response
