"""How the API reads a JSON body: bounded in size and in depth before `json` sees it.

The size is capped for every request by formscore.request_body; the parser reads no more anyway.

Python's json parser recurses once per level of nesting, so 100,000 `[` raise RecursionError
(a 500) long before any field is judged; a body is a handful of answers, never deep. The depth
is counted over the raw bytes, strings skipped, without recursing.
"""

import re

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser, get_encoding
from rest_framework.utils import json

from formscore.request_body import body_too_large_message

MAX_JSON_DEPTH = 32
# A JSON string (escapes included): what is inside one is text, not nesting.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether arrays and objects nest deeper than limit anywhere in raw, strings aside."""
    depth = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub(b'""', raw)):
        depth += 1 if bracket in b"[{" else -1
        if depth > limit:
            return True
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser, refusing bodies above the request cap or nested deeper than
    MAX_JSON_DEPTH with a message that says so."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.FORMSCORE_MAX_REQUEST_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(body_too_large_message(limit))
        if json_depth_exceeds(raw, MAX_JSON_DEPTH):
            raise ParseError(
                f"JSON parse error - arrays and objects nested deeper than {MAX_JSON_DEPTH} "
                "levels: send answers as one flat object."
            )
        try:
            text = raw.decode(get_encoding(parser_context or {}))
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise ParseError(f"JSON parse error - {exc}") from None


# What every API view reads: JSON, bounded; forms as DRF reads them (the browsable API).
API_PARSERS = [BoundedJSONParser, FormParser, MultiPartParser]
