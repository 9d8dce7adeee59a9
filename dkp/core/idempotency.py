"""``Idempotency-Key``: an API write sent twice with the same key is done once.

A tool that sends a request and loses the answer (it was restarted, the network dropped) cannot
know whether the request was done. With an ``Idempotency-Key: <up to 100 visible characters>``
header on a POST, PATCH or DELETE under ``/api/``, the first request is done and its answer kept
for a day; a repeat of the key by the same caller (the same API key, or the same session) gets
that answer again, with ``Idempotent-Replayed: true``, and nothing is done twice. dkp-companion
sends one for every line of the log it acts on.

Kept: an answer that settles the request, done (2xx) or refused for good (4xx). Not kept, so a
repeat is tried again: 5xx, 401, 403 and 429 (nothing was done, and a later try may pass), and a
409 race ("conflict": someone else changed it at the same moment). A repeat while the first is
still being answered gets 409 ``idempotency_key_in_use``; the same key for another request (another
path or method, or another body) gets 422 ``idempotency_key_reused``; one left unanswered for two
minutes (its worker stopped) is done afresh. A body over 1 MiB (an upload)
is not compared, only its path and method.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from dkp.core.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY = re.compile(r"[\x21-\x7e]{1,100}")
KEPT_FOR = dt.timedelta(days=1)
# A request still marked as being answered after this long was cut off (its worker stopped).
ABANDONED_AFTER = dt.timedelta(minutes=2)
COMPARED_BODY_BYTES = 1024 * 1024
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_NOT_KEPT = frozenset({401, 403, 429})


def _caller(request: HttpRequest) -> str | None:
    """A digest of who is asking: the credentials of an API call, or the session of a signed-in browser."""
    authorization = request.headers.get("Authorization", "")
    if authorization:
        return hashlib.sha256(b"auth:" + authorization.encode()).hexdigest()
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if session is not None and session.session_key and user is not None and user.is_authenticated:
        return hashlib.sha256(f"session:{session.session_key}:{user.pk}".encode()).hexdigest()
    return None


def _body_digest(request: HttpRequest) -> str:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return ""
    if length > COMPARED_BODY_BYTES:
        return ""
    return hashlib.sha256(request.body).hexdigest()


def _refusal(status: int, code: str, detail: str) -> HttpResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


def _kept(response: HttpResponse) -> bool:
    if not 200 <= response.status_code < 500 or response.status_code in _NOT_KEPT:
        return False
    if not response.get("Content-Type", "").startswith("application/json") and response.status_code != 204:
        return False
    if response.status_code == 409:
        try:
            return json.loads(response.content).get("error") != "conflict"
        except (ValueError, AttributeError):
            return False
    return True


def _replay(row: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(bytes(row.response), status=row.status, content_type=row.content_type or None)
    response[REPLAYED] = "true"
    return response


class IdempotencyMiddleware:
    """Answers a repeated ``Idempotency-Key`` from what the first request got (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITES or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not KEY.fullmatch(key):
            return _refusal(
                400, "invalid_idempotency_key", f"An {HEADER} is 1 to 100 visible characters, without spaces."
            )
        caller = _caller(request)
        if caller is None:  # nobody to keep it for: the view refuses the request as it is
            return self.get_response(request)
        method, path, digest = request.method or "", request.path[:300], _body_digest(request)
        found = IdempotentRequest.objects.filter(caller=caller, key=key).first()
        if found is None:
            try:
                with transaction.atomic():
                    found = IdempotentRequest.objects.create(
                        caller=caller, key=key, method=method, path=path, body_digest=digest
                    )
            except IntegrityError:  # the same key arrived at the same moment
                return _refusal(409, "idempotency_key_in_use", f"A request with this {HEADER} is still being answered.")
            return self._first(request, found)
        if (found.method, found.path) != (method, path) or (
            found.body_digest and digest and found.body_digest != digest
        ):
            return _refusal(
                422, "idempotency_key_reused", f"This {HEADER} was used for another request; send a new key."
            )
        if found.status == 0:
            if found.created_at > timezone.now() - ABANDONED_AFTER:
                return _refusal(409, "idempotency_key_in_use", f"A request with this {HEADER} is still being answered.")
            # Its worker stopped before answering. Almost always that was inside the service's
            # transaction, which rolled back; so it is done now rather than refused for a day.
            found.created_at = timezone.now()
            found.save(update_fields=["created_at"])
            return self._first(request, found)
        return _replay(found)

    def _first(self, request: HttpRequest, row: IdempotentRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotentRequest.objects.filter(pk=row.pk).delete()
            raise
        if _kept(response) and not getattr(response, "streaming", False):
            IdempotentRequest.objects.filter(pk=row.pk).update(
                status=response.status_code,
                content_type=response.get("Content-Type", ""),
                response=bytes(response.content),
            )
        else:
            IdempotentRequest.objects.filter(pk=row.pk).delete()
        IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEPT_FOR).delete()
        return response
