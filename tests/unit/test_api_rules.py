"""What every HTTP handler shares: who is calling (from the token's claims only), the one error mapping, and the
requests refused before any route sees them."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from boxoffice import api
from boxoffice.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    PerformanceIsCancelled,
    SoldOut,
)
from tests.api_events import api_event

router = APIGatewayRouter()
RAISE = {
    "sold-out": SoldOut("only 2 seats are left"),
    "cancelled": PerformanceIsCancelled("this performance has been cancelled"),
    "not-found": NotFound("no booking with this id", code="BOOKING_NOT_FOUND"),
    "forbidden": Forbidden("only organizers can do this"),
    "bad": InvalidRequest("nope", code="INVALID_TOKEN"),
    "conflict": Conflict("busy"),
    "bug": KeyError("something internal"),
}


@router.get("/raise/<what>")
def _raise(what: str) -> dict:
    raise RAISE[what]


@router.get("/whoami")
def _whoami() -> dict:
    who = api.identity(router)
    return {"user": who.user_id, "organizer": who.is_organizer, "key": api.idempotency_key(router)}


@router.get("/organizers-only")
def _organizers_only() -> dict:
    return {"user": api.organizer(router).user_id}


handler = api.api_handler(api.make_app(router))


class _Context:
    function_name = "unit"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:unit"
    aws_request_id = "req"


def _call(path: str, claims: dict | None = None, headers: dict | None = None, **kwargs) -> tuple[int, dict]:
    event = api_event(kwargs.pop("method", "GET"), path, claims=claims, headers=headers, resource=path, **kwargs)
    response = handler(event, _Context())
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize(
    ("what", "status", "code"),
    [
        ("sold-out", 409, "SOLD_OUT"),
        ("cancelled", 409, "PERFORMANCE_CANCELLED"),
        ("not-found", 404, "BOOKING_NOT_FOUND"),
        ("forbidden", 403, "FORBIDDEN"),
        ("bad", 400, "INVALID_TOKEN"),
        ("conflict", 409, "CONFLICT"),
    ],
)
def test_each_domain_error_is_its_status_and_code_with_its_message(what, status, code):
    assert _call(f"/raise/{what}") == (status, {"code": code, "message": RAISE[what].message})


def test_an_unexpected_error_is_a_500_that_tells_nothing_of_the_inside():
    status, body = _call("/raise/bug")
    assert status == 500
    assert body == {"code": "INTERNAL_ERROR", "message": "something went wrong on our side; it is safe to retry"}


def test_an_unknown_route_is_404_not_found():
    assert _call("/nowhere") == (404, {"code": "NOT_FOUND", "message": "no such resource"})


def test_identity_comes_from_the_claims_only():
    status, body = _call("/whoami", claims={"sub": "alice", "cognito:groups": "organizers"})
    assert (status, body["user"], body["organizer"]) == (200, "alice", True)


@pytest.mark.parametrize(
    ("groups", "organizer"),
    [("organizers", True), ("admins,organizers", True), ("[admins organizers]", True), (["organizers"], True),
     ("organizers-in-training", False), ("", False), (None, False)],
)  # fmt: skip
def test_the_organizers_group_is_read_in_every_shape_cognito_sends(groups, organizer):
    claims = {"sub": "alice", **({"cognito:groups": groups} if groups is not None else {})}
    assert _call("/whoami", claims=claims)[1]["organizer"] is organizer


def test_no_sub_claim_is_401_and_a_customer_on_an_organizer_route_403():
    status, body = _call("/whoami", claims={"email": "a@b.c"})
    assert (status, body["code"]) == (401, "UNAUTHORIZED")
    assert _call("/organizers-only", claims={"sub": "alice"})[0] == 403
    organizer = {"sub": "olivia", "cognito:groups": "organizers"}
    assert _call("/organizers-only", claims=organizer) == (200, {"user": "olivia"})


@pytest.mark.parametrize(
    ("key", "ok"),
    [("order-1", True), ("a:b.c_d-e", True), ("x" * 128, True),
     ("x" * 129, False), ("with space", False), ("한글", False), ("", False)],
)  # fmt: skip
def test_an_idempotency_key_is_1_to_128_safe_characters(key, ok):
    status, body = _call("/whoami", claims={"sub": "alice"}, headers={"Idempotency-Key": key})
    if ok:
        assert (status, body["key"]) == (200, key)
    else:
        assert (status, body["code"]) == (400, "INVALID_IDEMPOTENCY_KEY")


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        ("{", "application/json", 400, "VALIDATION_ERROR"),
        ("1" * 5000, "application/json", 400, "VALIDATION_ERROR"),
        ("{}", "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("{}", "application/vnd.boxoffice+json", 200, None),
        ("x" * (1024 * 1024 + 1), "application/json", 413, "PAYLOAD_TOO_LARGE"),
        ("가" * 400_000, "application/json", 413, "PAYLOAD_TOO_LARGE"),  # over 1 MB in UTF-8, not in characters
    ],
)
def test_bodies_no_route_should_parse_are_refused_first(raw, content_type, status, code):
    got, body = _call("/whoami", claims={"sub": "a"}, headers={"Content-Type": content_type}, raw_body=raw)
    assert got == status
    if code:
        assert body["code"] == code
