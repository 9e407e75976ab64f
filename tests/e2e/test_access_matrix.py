"""Who may do what: every route of the API x every kind of caller, over HTTP against the local stack.

Callers: no token, a tampered signature, a genuine but expired token, the customer who owns the
booking, another customer, the organizer who owns the performance, another organizer.

- API Gateway's Cognito authorizer answers 401 itself for a missing, tampered or expired token on
  every route that has it, in the API's error shape (the template's GatewayResponses).
- GET /performances and GET /performances/{id} are `Auth: Authorizer: NONE`: API Gateway does not look
  at the Authorization header at all there, so even a tampered or expired token gets 200 (as on AWS).
- Someone else's booking is 404 (indistinguishable from one that does not exist); someone else's
  performance is 403; a customer on an organizer route is 403.

Cells that change state (the two cancels) act on a resource made for that cell alone, so no cell
depends on the order the others run in.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.e2e

GRADES = [{"grade": "R", "price": 150_000, "seats": 500}, {"grade": "S", "price": 90_000, "seats": 500}]
PAYS = "pm_card_visa"  # localstripe's test card that pays
CALLERS = ["none", "bad-signature", "expired", "customer", "other-customer", "organizer", "other-organizer"]


def _starts() -> str:
    return (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%dT19:30:00+09:00")


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    flipped = "A" if signature[-5] != "A" else "B"
    return f"{head}.{payload}.{signature[:-5]}{flipped}{signature[-4:]}"


@dataclass
class Ctx:
    api: object
    tokens: dict  # caller -> token (None for "none")
    performance_id: str  # the organizer's, open for booking, in the status view
    booking_id: str  # the customer's, in the status view
    match_id: str  # the organizer's match, its tally kept

    def fresh_performance(self) -> str:
        r = self.api.call(
            "POST",
            "/performances",
            self.tokens["organizer"],
            json={"title": "Matrix (cancel cell)", "venue": "Hall", "startsAt": _starts(), "capacity": 10},
        )
        assert r.status_code == 201, r.text
        return r.json()["performanceId"]

    def fresh_booking(self) -> str:
        r = self.api.call(
            "POST",
            "/bookings",
            self.tokens["customer"],
            json={"performanceId": self.performance_id, "quantity": 1, "grade": "S", "paymentMethod": PAYS},
        )
        assert r.status_code == 201, r.text
        return r.json()["bookingId"]


@pytest.fixture(scope="module")
def ctx(api) -> Ctx:
    # The expired tokens are the owners' own: expiry must beat ownership and role.
    expired_organizer = api.expiring_token("matrix-org", organizer=True)
    expired_customer = api.expiring_token("matrix-cust")
    tokens = {
        "none": None,
        "customer": api.token("matrix-cust"),
        "other-customer": api.token("matrix-other-cust"),
        "organizer": api.token("matrix-org", organizer=True),
        "other-organizer": api.token("matrix-other-org", organizer=True),
    }
    assert "organizers" in _claims(expired_organizer).get("cognito:groups", [])
    assert _claims(expired_customer)["sub"] == _claims(tokens["customer"])["sub"]
    assert _claims(expired_organizer)["sub"] == _claims(tokens["organizer"])["sub"]
    tokens["bad-signature"] = {"customer": _tampered(tokens["customer"]), "organizer": _tampered(tokens["organizer"])}
    tokens["expired"] = {"customer": expired_customer, "organizer": expired_organizer}

    r = api.call(
        "POST",
        "/performances",
        tokens["organizer"],
        json={"title": "Access matrix", "venue": "Hall", "startsAt": _starts(), "grades": GRADES, "maxPerCustomer": 10},
    )
    assert r.status_code == 201, r.text
    pid = r.json()["performanceId"]

    def book():
        r = api.call(
            "POST",
            "/bookings",
            tokens["customer"],
            json={"performanceId": pid, "quantity": 1, "grade": "S", "paymentMethod": PAYS},
        )
        return r.json()["bookingId"] if r.status_code == 201 else None

    bid = api.wait_for(book, "the performance opening for booking")
    # Reads of bookings come from the status view: wait until it has the booking and the performance.
    api.wait_for(
        lambda: api.call("GET", f"/bookings/{bid}", tokens["customer"]).status_code == 200,
        "the booking in the status view",
    )
    api.wait_for(
        lambda: api.call("GET", f"/performances/{pid}/bookings", tokens["organizer"]).status_code == 200,
        "the performance in the status view",
    )
    r = api.call(
        "POST",
        "/performances",
        tokens["organizer"],
        json={"title": "Matrix match", "venue": "Ballpark", "startsAt": _starts(), "capacity": 10, "kind": "MATCH",
              "teams": ["두산 베어스", "LG 트윈스"]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    match_id = r.json()["performanceId"]
    api.wait_for(
        lambda: api.call("GET", f"/performances/{match_id}/tally").status_code == 200, "the match in the tally"
    )
    expires = max(_claims(expired_customer)["exp"], _claims(expired_organizer)["exp"])
    api.wait_for(lambda: time.time() > expires + 1, "the expiring tokens' expiry")
    return Ctx(api, tokens, pid, bid, match_id)


# route -> (who owns the resource the route acts on, request maker, {caller: (status, code or None)})
# "owner" picks which bad-signature / expired token is used: the owner's own, made unusable.
U401 = (401, "UNAUTHORIZED")  # API Gateway's own answer, with the template's GatewayResponse
PUBLIC = dict.fromkeys(CALLERS, (200, None))
NOT_ORGANIZER = (403, "FORBIDDEN")


def _authenticated(customer, other_customer, organizer, other_organizer) -> dict:
    return {
        "none": U401,
        "bad-signature": U401,
        "expired": U401,
        "customer": customer,
        "other-customer": other_customer,
        "organizer": organizer,
        "other-organizer": other_organizer,
    }


ROUTES = {
    "POST /performances": (
        "organizer",
        lambda c: (
            "POST",
            "/performances",
            {"title": "Matrix", "venue": "Hall", "startsAt": _starts(), "grades": GRADES},
        ),
        _authenticated(NOT_ORGANIZER, NOT_ORGANIZER, (201, None), (201, None)),
    ),
    "GET /performances": ("customer", lambda c: ("GET", "/performances?limit=5", None), PUBLIC),
    "GET /performances/{id}": ("organizer", lambda c: ("GET", f"/performances/{c.performance_id}", None), PUBLIC),
    "GET /performances/{id}/tally": ("organizer", lambda c: ("GET", f"/performances/{c.match_id}/tally", None), PUBLIC),
    "POST /performances/{id}/cancel": (
        "organizer",
        lambda c: ("POST", f"/performances/{c.fresh_performance()}/cancel", None),
        _authenticated(NOT_ORGANIZER, NOT_ORGANIZER, (200, None), (403, "NOT_YOUR_PERFORMANCE")),
    ),
    "GET /performances/{id}/bookings": (
        "organizer",
        lambda c: ("GET", f"/performances/{c.performance_id}/bookings", None),
        _authenticated(NOT_ORGANIZER, NOT_ORGANIZER, (200, None), (403, "NOT_YOUR_PERFORMANCE")),
    ),
    "POST /bookings": (
        "customer",
        lambda c: (
            "POST",
            "/bookings",
            {"performanceId": c.performance_id, "quantity": 1, "grade": "R", "paymentMethod": PAYS},
        ),
        # Anyone signed in may buy a ticket, organizers too.
        _authenticated((201, None), (201, None), (201, None), (201, None)),
    ),
    "GET /bookings": ("customer", lambda c: ("GET", "/bookings", None), _authenticated(*[(200, None)] * 4)),
    "GET /bookings/{id}": (
        "customer",
        lambda c: ("GET", f"/bookings/{c.booking_id}", None),
        _authenticated((200, None), *[(404, "BOOKING_NOT_FOUND")] * 3),
    ),
    "POST /bookings/{id}/cancel": (
        "customer",
        lambda c: ("POST", f"/bookings/{c.fresh_booking()}/cancel", None),
        _authenticated((200, None), *[(404, "BOOKING_NOT_FOUND")] * 3),
    ),
}

CELLS = [pytest.param(route, caller, id=f"{route} | {caller}") for route in ROUTES for caller in CALLERS]


def test_the_matrix_covers_every_route_of_the_template():
    from tests.api_events import routes

    declared = {
        f"{method} {path}".replace("{performanceId}", "{id}").replace("{bookingId}", "{id}")
        for _, method, path in routes()
    }
    assert declared == set(ROUTES)
    assert len(ROUTES) == 10
    assert all(set(cells) == set(CALLERS) for _, _, cells in ROUTES.values())


@pytest.mark.parametrize(("route", "caller"), CELLS)
def test_access(ctx: Ctx, route: str, caller: str):
    owner, make, cells = ROUTES[route]
    status, code = cells[caller]
    method, path, body = make(ctx)
    token = ctx.tokens[caller]
    if isinstance(token, dict):
        token = token[owner]
    r = ctx.api.call(method, path, token, json=body)
    assert r.status_code == status, f"{route} as {caller}: {r.status_code} {r.text[:300]}"
    if code:
        assert r.json()["code"] == code, r.text
    if status in (200, 201):
        payload = r.json()
        if route == "POST /performances/{id}/cancel":
            assert payload["status"] == "CANCELLED"
        if route == "POST /bookings/{id}/cancel":
            assert (payload["status"], payload["cancelReason"]) == ("CANCELLED", "CUSTOMER")
        if route in ("POST /bookings", "POST /performances"):
            owner_field = "customerId" if route == "POST /bookings" else "organizerId"
            assert payload[owner_field] == _claims(ctx.tokens[caller])["sub"]  # identity from the token only
        if route == "GET /bookings/{id}":
            assert payload["bookingId"] == ctx.booking_id
        if route == "GET /bookings":
            subs = {b["customerId"] for b in payload["items"]}
            assert subs <= {_claims(ctx.tokens[caller])["sub"]}  # only one's own


def test_someone_elses_booking_is_as_unknown_as_a_missing_one(ctx: Ctx):
    """The 404 for a foreign booking carries nothing that tells it apart from a booking that does not exist."""
    other = ctx.tokens["other-customer"]
    foreign = ctx.api.call("GET", f"/bookings/{ctx.booking_id}", other)
    missing = ctx.api.call("GET", "/bookings/01ARZ3NDEKTSV4RRFFQ69G5FAV", other)
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())


def test_a_booking_cancelled_by_another_customer_attempt_is_untouched(ctx: Ctx):
    """The other customer's refused cancel leaves the booking CONFIRMED; its owner can still cancel it."""
    bid = ctx.fresh_booking()
    assert ctx.api.call("POST", f"/bookings/{bid}/cancel", ctx.tokens["other-customer"]).status_code == 404
    assert ctx.api.call("POST", f"/bookings/{bid}/cancel", ctx.tokens["organizer"]).status_code == 404
    r = ctx.api.call("POST", f"/bookings/{bid}/cancel", ctx.tokens["customer"])
    assert (r.status_code, r.json()["status"]) == (200, "CANCELLED")


def test_another_organizers_refused_cancel_leaves_the_performance_open(ctx: Ctx):
    pid = ctx.fresh_performance()
    assert ctx.api.call("POST", f"/performances/{pid}/cancel", ctx.tokens["other-organizer"]).status_code == 403
    assert ctx.api.call("POST", f"/performances/{pid}/cancel", ctx.tokens["customer"]).status_code == 403
    assert ctx.api.call("GET", f"/performances/{pid}").json()["status"] == "OPEN"
