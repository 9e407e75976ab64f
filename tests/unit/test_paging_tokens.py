"""Paging tokens: opaque to clients, and only ever a start key we gave out, inside the caller's own partition."""

from __future__ import annotations

import base64
import json

import pytest

from boxoffice.errors import InvalidRequest
from boxoffice.paging import decode_token, encode_token

KEYS = ("gsi1pk", "gsi1sk")
MINE = {"gsi1pk": "CUSTOMER#alice"}
KEY = {"pk": "BOOKING#1", "sk": "VIEW", "gsi1pk": "CUSTOMER#alice", "gsi1sk": "2030-01-01T00:00:00.000Z#1"}


def _raw(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_a_start_key_round_trips_through_its_token():
    token = encode_token(KEY)
    assert token is not None
    assert "=" not in token
    assert decode_token(token, index_keys=KEYS, must_match=MINE) == KEY


def test_the_last_page_has_no_token_and_no_token_means_the_first_page():
    assert encode_token(None) is None
    assert encode_token({}) is None
    assert decode_token(None, index_keys=KEYS, must_match=MINE) is None


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not base64 !", id="not-base64"),
        pytest.param(_raw("a string"), id="not-an-object"),
        pytest.param(_raw([KEY]), id="a-list"),
        pytest.param(_raw({**KEY, "gsi1pk": "CUSTOMER#bob"}), id="someone-elses-partition"),
        pytest.param(_raw({k: v for k, v in KEY.items() if k != "sk"}), id="missing-a-key"),
        pytest.param(_raw({**KEY, "extra": "x"}), id="an-extra-key"),
        pytest.param(_raw({**KEY, "sk": 7}), id="a-number"),
        pytest.param(_raw({**KEY, "sk": ""}), id="empty"),
        pytest.param(_raw({**KEY, "sk": "x" * 600}), id="too-long"),
        pytest.param(base64.urlsafe_b64encode(b"\xff\xfe").decode(), id="not-utf8"),
    ],
)
def test_anything_but_a_token_we_gave_out_is_invalid_token(token):
    with pytest.raises(InvalidRequest) as caught:
        decode_token(token, index_keys=KEYS, must_match=MINE)
    assert caught.value.code == "INVALID_TOKEN"
    assert caught.value.status == 400
