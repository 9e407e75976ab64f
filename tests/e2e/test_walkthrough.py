"""The seven core requirements end to end over HTTP, through stream, bus, queues and consumers, nothing mocked."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.e2e


def _starts() -> str:
    return (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%dT20:00:00+09:00")


def _register(api, organizer, capacity=20, title="Mahler 2"):
    r = api.call(
        "POST",
        "/performances",
        organizer,
        json={"title": title, "venue": "Hall", "startsAt": _starts(), "capacity": capacity, "maxPerCustomer": 10},
    )
    assert r.status_code == 201, r.text
    return r.json()


def _open_for_booking(api, customer, performance_id):
    """Booking opens once PerformanceRegistered has reached the inventory: book 1 ticket when it does."""

    def attempt():
        r = api.call("POST", "/bookings", customer, json={"performanceId": performance_id, "quantity": 1})
        return r.json() if r.status_code == 201 else None

    return api.wait_for(attempt, "the performance opening for booking")


def _performance(api, performance_id):
    r = api.call("GET", f"/performances/{performance_id}")
    assert r.status_code == 200, r.text
    return r.json()


def test_book_cancel_and_cancel_performance_flow_through_the_chain(api):
    organizer, alice, bob = api.token("e2e-org", organizer=True), api.token("e2e-alice"), api.token("e2e-bob")
    perf = _register(api, organizer, capacity=10, title="말러 교향곡 2번 «부활»")
    pid = perf["performanceId"]
    assert (perf["status"], perf["bookedCount"]) == ("OPEN", 0)
    # 1. listed and readable by anyone
    assert _performance(api, pid)["title"] == "말러 교향곡 2번 «부활»"
    assert pid in [p["performanceId"] for p in api.call("GET", "/performances?limit=100").json()["items"]]

    # 2. booking, capacity enforced
    first = _open_for_booking(api, alice, pid)
    r = api.call("POST", "/bookings", bob, json={"performanceId": pid, "quantity": 9})
    assert r.status_code == 201, r.text
    bobs = r.json()
    r = api.call("POST", "/bookings", alice, json={"performanceId": pid, "quantity": 1})
    assert (r.status_code, r.json()["code"]) == (409, "SOLD_OUT")

    # 6. headcount follows, 7. status view shows it
    api.wait_for(lambda: _performance(api, pid)["bookedCount"] == 10, "bookedCount 10")
    mine = api.wait_for(
        lambda: api.call("GET", "/bookings", alice).json()["items"] or None, "alice's booking in the status view"
    )
    assert [(b["bookingId"], b["status"], b["title"]) for b in mine] == [
        (first["bookingId"], "CONFIRMED", perf["title"])
    ]
    assert api.call("GET", f"/bookings/{bobs['bookingId']}", alice).status_code == 404  # someone else's

    # 3. customer cancels: seats back at once, headcount follows
    r = api.call("POST", f"/bookings/{bobs['bookingId']}/cancel", bob)
    assert (r.status_code, r.json()["status"], r.json()["cancelReason"]) == (200, "CANCELLED", "CUSTOMER")
    assert api.call("POST", f"/bookings/{bobs['bookingId']}/cancel", bob).json()["status"] == "CANCELLED"
    r = api.call("POST", "/bookings", alice, json={"performanceId": pid, "quantity": 4})
    assert r.status_code == 201, r.text
    api.wait_for(lambda: _performance(api, pid)["bookedCount"] == 5, "bookedCount 1 + 4")

    # 4. organizer cancels; 5. every booking follows
    assert (
        api.call("POST", f"/performances/{pid}/cancel", api.token("e2e-other-org", organizer=True)).status_code == 403
    )
    r = api.call("POST", f"/performances/{pid}/cancel", organizer)
    assert (r.status_code, r.json()["status"]) == (200, "CANCELLED")

    def all_cancelled():
        items = api.call("GET", f"/performances/{pid}/bookings", organizer).json()
        return items if all(b["status"] == "CANCELLED" for b in items["items"]) and len(items["items"]) == 3 else None

    page = api.wait_for(all_cancelled, "every booking cancelled in the organizer's view")
    reasons = {b["bookingId"]: b["cancelReason"] for b in page["items"]}
    assert reasons[bobs["bookingId"]] == "CUSTOMER"
    assert sorted(reasons.values()) == ["CUSTOMER", "PERFORMANCE_CANCELLED", "PERFORMANCE_CANCELLED"]
    assert page["summary"]["confirmedTickets"] == 0
    assert page["summary"]["status"] == "CANCELLED"
    api.wait_for(lambda: _performance(api, pid)["bookedCount"] == 0, "bookedCount back to 0")
    r = api.call("POST", "/bookings", alice, json={"performanceId": pid, "quantity": 1})
    assert (r.status_code, r.json()["code"]) == (409, "PERFORMANCE_CANCELLED")


def _claims(token: str) -> dict:
    import base64
    import json

    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_an_expired_token_is_refused(api):
    token = api.expiring_token("e2e-dave", seconds=1)
    assert api.call("GET", "/bookings", token).status_code == 200
    expires = _claims(token)["exp"]
    api.wait_for(lambda: time.time() > expires + 1, "the token's expiry")
    r = api.call("GET", "/bookings", token)
    assert r.status_code == 401, r.text


def test_tokens_carry_cognito_claims(api):
    claims = _claims(api.token("e2e-erin", organizer=True))
    assert claims["cognito:username"] == "e2e-erin"
    assert claims["cognito:groups"] == ["organizers"]
    assert claims["token_use"] == "id"
    assert claims["sub"]


def test_tokens_are_checked_as_on_aws(api):
    customer = api.token("e2e-carol")
    assert api.call("GET", "/bookings", customer).status_code == 200
    # (The body of API Gateway's own 401 is the template's {code, message} on AWS; the emulator
    # does not apply SAM's GatewayResponses - see README, Local stack.)
    assert api.call("GET", "/bookings").status_code == 401
    head, payload, signature = customer.split(".")
    assert api.call("GET", "/bookings", f"{head}.{payload}.{signature[:-4]}AAAA").status_code == 401
    assert api.call("POST", "/performances", customer, json={}).status_code in (400, 403)
    r = api.call(
        "POST", "/performances", customer, json={"title": "x", "venue": "y", "startsAt": _starts(), "capacity": 5}
    )
    assert (r.status_code, r.json()["code"]) == (403, "FORBIDDEN")
