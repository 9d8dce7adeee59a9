"""The API's JSON body parser: a size limit and a nesting limit before anything reads the body.

No request body of this API nests deeper than a few levels, so a body deeper than
``MAX_JSON_DEPTH`` is refused before ``json`` can recurse on it (5,000 levels would be a
RecursionError, a 500). The depth is counted on the raw text, outside strings, in one pass.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.parsers import JSONParser

from dkp.core.errors import InvalidInput

MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 1_000_000  # a guild dump of a thousand members is a tenth of this


def json_depth_within(text: str, limit: int) -> bool:
    """True when no array or object in ``text`` nests deeper than ``limit`` (strings skipped)."""
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


class GuildJSONParser(JSONParser):
    """DRF's JSON parser behind a size and a depth limit; refusals in the one error shape (400)."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        context = parser_context or {}
        encoding = context.get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read(MAX_JSON_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_JSON_BYTES:
            raise InvalidInput(
                f"A request body can be at most {MAX_JSON_BYTES:,} bytes.", code="body_too_large", status=400
            )
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError):
            raise InvalidInput(
                f"The request body is not valid {encoding} text.", code="parse_error", status=400
            ) from None
        if not json_depth_within(text, MAX_JSON_DEPTH):
            raise InvalidInput(
                f"A request body can nest at most {MAX_JSON_DEPTH} levels of arrays and objects.",
                code="body_too_deep",
                status=400,
            )
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as error:
            raise InvalidInput(f"The request body is not valid JSON: {error}", code="parse_error", status=400) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
