"""Opaque paging tokens: a DynamoDB LastEvaluatedKey out, an ExclusiveStartKey back in."""

from __future__ import annotations

import base64
import binascii
import json
from typing import TypedDict

from boxoffice.errors import InvalidRequest


class Page[T](TypedDict):
    """One page of a list, and the token of the next (None on the last)."""

    items: list[T]
    nextToken: str | None


def encode_token(key: dict | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str | None, *, index_keys: tuple[str, str], must_match: dict[str, str]) -> dict | None:
    """A paging token back into an ExclusiveStartKey of a GSI query.

    It must be a whole start key of that index (the table's pk/sk plus the index's two keys) and
    stay inside the caller's own partition; anything else is a token we never gave out.
    """
    if token is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    valid = (
        isinstance(key, dict)
        and set(key) == {"pk", "sk", *index_keys}
        and all(isinstance(v, str) and 0 < len(v) < 512 for v in key.values())
        and all(key.get(k) == v for k, v in must_match.items())
    )
    if not valid:
        raise InvalidRequest("nextToken is not a token this API gave out", code="INVALID_TOKEN")
    return key
