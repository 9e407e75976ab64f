"""Opaque paging tokens: a DynamoDB LastEvaluatedKey out, an ExclusiveStartKey back in."""

from __future__ import annotations

import base64
import binascii
import json

from boxoffice.errors import InvalidRequest


def encode_token(key: dict | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str | None, *, must_match: dict[str, str]) -> dict | None:
    """A paging token back into an ExclusiveStartKey; it must stay inside the caller's own partition."""
    if token is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    valid = (
        isinstance(key, dict)
        and 0 < len(key) <= 6
        and all(isinstance(k, str) and isinstance(v, str) and len(v) < 512 for k, v in key.items())
        and all(key.get(k) == v for k, v in must_match.items())
    )
    if not valid:
        raise InvalidRequest("nextToken is not a token this API gave out", code="INVALID_TOKEN")
    return key
