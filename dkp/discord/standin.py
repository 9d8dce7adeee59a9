"""A stand-in Discord on loopback, for tests and demos: OAuth2 with PKCE and the member endpoint.

It serves, on ``http://127.0.0.1:PORT``:
- ``GET /oauth2/authorize``: checks client_id, redirect_uri, response_type, scope, state and an S256
  code challenge, then sends the browser straight back with ``code`` and ``state`` (the person
  "signed in" is ``signed_in_as``), or with ``error=access_denied`` when ``cancel`` is set;
- ``POST /api/v10/oauth2/token`` and ``/oauth2/token/revoke``: client authentication (basic or
  form), single-use codes, the PKCE verifier;
- ``GET /api/v10/users/@me`` and ``/users/@me/guilds/{guild_id}/member`` with the bearer token.

Tests arrange people, roles, failures and latency through the Python API::

    with DiscordStandin(client_id="1", client_secret="s", guild_id="9") as discord:
        olwen = discord.add_user(id="100", username="olwen", roles=["111"])
        discord.signed_in_as = olwen
        discord.fail("member", status=429, retry_after=3)
"""

from __future__ import annotations

import base64
import hashlib
import json
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

API_PREFIX = "/api/v10"
ENDPOINTS = ("authorize", "token", "revoke", "me", "member")


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
class _Failure:
    status: int
    retry_after: float | None = None


class DiscordStandin:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        guild_id: str,
        required_scopes: tuple[str, ...] = ("identify", "guilds.members.read"),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.guild_id = guild_id
        self.required_scopes = frozenset(required_scopes)
        self.users: dict[str, StandinUser] = {}
        self.signed_in_as: StandinUser | None = None
        self.cancel = False
        self.failures: dict[str, _Failure] = {}
        self.latency: dict[str, float] = {}
        self.requests: list[tuple[str, str]] = []
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

    def fail(self, endpoint: str, *, status: int, retry_after: float | None = None) -> None:
        """Make ``endpoint`` (one of ``ENDPOINTS``) answer ``status`` until ``reset()``."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        self.failures[endpoint] = _Failure(status=status, retry_after=retry_after)

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
        self.requests.append((request.method, request.path))
        delay = self.latency.get(str(endpoint))
        if delay:
            time.sleep(delay)
        failure = self.failures.get(str(endpoint))
        if failure is not None and endpoint != "authorize":
            response = _failure(failure)
        else:
            response = getattr(self, f"_{endpoint}")(request, **args)
        return response(environ, start_response)

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


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _failure(failure: _Failure) -> Response:
    messages = {
        401: "401: Unauthorized",
        403: "Missing Access",
        404: "Unknown Guild",
        429: "You are being rate limited.",
    }
    body: dict[str, Any] = {"message": messages.get(failure.status, "Internal Server Error"), "code": 0}
    if failure.status == 403:
        body["code"] = 50001
    if failure.status == 404:
        body["code"] = 10004
    response = _json(body, failure.status)
    if failure.retry_after is not None:
        body["retry_after"] = failure.retry_after
        body["global"] = False
        response = _json(body, failure.status)
        response.headers["Retry-After"] = f"{failure.retry_after:g}"
    return response
