"""Retries are safe over HTTP: POST /bookings and POST /bookings/{id}/cancel honour an `Idempotency-Key`.

The key is scoped to the customer and the operation; the body is part of the check. A retry gets
the first answer back and changes nothing; a key reused for a different request is 422; duplicates
in flight at the same moment still book once; another customer's identical key is their own request.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.e2e.conftest import stored_bookings

pytestmark = pytest.mark.e2e

DUPLICATES = 8


def _starts() -> str:
    return (datetime.now(UTC) + timedelta(days=50)).strftime("%Y-%m-%dT20:00:00+09:00")


def _key() -> str:
    return f"retry-{uuid.uuid4()}"


def _customer(api, name: str) -> str:
    # A fresh customer per test, so "the customer's bookings" are only what this test made.
    return api.token(f"idem-{name}-{uuid.uuid4().hex[:8]}")


def _inventory(local_stack, performance_id: str) -> dict | None:
    return (
        local_stack.client("dynamodb")
        .get_item(
            TableName=local_stack.resources["BookingsTable"],
            Key={"pk": {"S": f"PERF#{performance_id}"}, "sk": {"S": "INVENTORY"}},
            ConsistentRead=True,
        )
        .get("Item")
    )


def _available(local_stack, performance_id: str) -> int:
    return int(_inventory(local_stack, performance_id)["avail_GENERAL"]["N"])


@pytest.fixture
def performance(api, local_stack):
    """A performance of 10 seats, open for booking (its inventory item is there; no probe ticket booked)."""
    organizer = api.token("idem-org", organizer=True)
    r = api.call(
        "POST",
        "/performances",
        organizer,
        json={
            "title": "Idempotent Requiem",
            "venue": "IBK Hall",
            "startsAt": _starts(),
            "capacity": 10,
            "maxPerCustomer": 10,
        },
    )
    assert r.status_code == 201, r.text
    pid = r.json()["performanceId"]

    def is_open():
        item = _inventory(local_stack, pid)
        return bool(item) and item.get("status", {}).get("S") == "OPEN" and "capacity" in item

    api.wait_for(is_open, "the performance opening for booking (its inventory item)", timeout=60)
    return pid


def _book(api, token, pid, quantity, key, session=None):
    headers = {"Idempotency-Key": key} if key else None
    if session is None:
        return api.call("POST", "/bookings", token, json={"performanceId": pid, "quantity": quantity}, headers=headers)
    return session.post(
        f"{api.stack.url}/bookings",
        json={"performanceId": pid, "quantity": quantity},
        headers={**(headers or {}), "Authorization": f"Bearer {token}"},
        timeout=30,
    )


def _my_bookings(api, token) -> list[dict]:
    r = api.call("GET", "/bookings?limit=100", token)
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _booked_count(api, pid) -> int:
    return api.call("GET", f"/performances/{pid}").json()["bookedCount"]


def test_a_retried_booking_returns_the_same_answer_and_books_once(api, local_stack, performance):
    pid, alice, key = performance, _customer(api, "alice"), _key()
    first = _book(api, alice, pid, 2, key)
    assert first.status_code == 201, first.text
    booking = first.json()
    for _ in range(2):
        again = _book(api, alice, pid, 2, key)
        assert again.status_code == 201, again.text
        assert again.json() == booking  # the very same answer: same bookingId, same createdAt
    assert _available(local_stack, pid) == 8
    assert [(b["bookingId"], b["quantity"]) for b in stored_bookings(local_stack, pid)] == [(booking["bookingId"], 2)]

    # The same key for a different request is refused, and changes nothing.
    for body in ({"performanceId": pid, "quantity": 3}, {"performanceId": pid, "quantity": 1}):
        r = api.call("POST", "/bookings", alice, json=body, headers={"Idempotency-Key": key})
        assert (r.status_code, r.json()["code"]) == (422, "IDEMPOTENCY_KEY_REUSED"), r.text
    assert _available(local_stack, pid) == 8
    assert len(stored_bookings(local_stack, pid)) == 1

    # ... and the chain sees one booking of 2 tickets.
    api.wait_for(lambda: _booked_count(api, pid) == 2, "bookedCount 2")
    mine = api.wait_for(lambda: _my_bookings(api, alice) or None, "alice's booking in the status view")
    assert [(b["bookingId"], b["quantity"], b["status"]) for b in mine] == [(booking["bookingId"], 2, "CONFIRMED")]
    # Without a key, the same body is a new booking: the key is what makes a retry a retry.
    assert _book(api, alice, pid, 2, None).status_code == 201
    assert _available(local_stack, pid) == 6


def test_concurrent_duplicates_book_once(api, local_stack, performance):
    pid, bob, key = performance, _customer(api, "bob"), _key()

    def all_at_once(body, headers):
        start = threading.Barrier(DUPLICATES)

        def attempt(_):
            with requests.Session() as session:
                start.wait()
                r = session.post(
                    f"{api.stack.url}/bookings",
                    json=body,
                    headers={"Authorization": f"Bearer {bob}", **headers},
                    timeout=30,
                )
                return r.status_code, r.json()

        with ThreadPoolExecutor(max_workers=DUPLICATES) as pool:
            return list(pool.map(attempt, range(DUPLICATES)))

    # Warm one BookTicket environment per duplicate first (a booking for no performance: 404, no seats),
    # so the duplicates really run side by side rather than queue behind cold starts.
    api.wait_for(
        lambda: all(status == 404 for status, _ in all_at_once({"performanceId": "0" * 26, "quantity": 1}, {})),
        "BookTicket warm",
        timeout=120,
    )
    answers = all_at_once({"performanceId": pid, "quantity": 3}, {"Idempotency-Key": key})

    created = [body for status, body in answers if status == 201]
    in_progress = [body for status, body in answers if status == 409]
    assert len(created) + len(in_progress) == DUPLICATES, answers
    assert created, f"no duplicate got the booking: {answers}"
    assert all(body == created[0] for body in created), answers
    assert all(body["code"] == "REQUEST_IN_PROGRESS" for body in in_progress), answers
    booking = created[0]

    stored = stored_bookings(local_stack, pid)
    assert [(b["bookingId"], b["quantity"], b["status"]) for b in stored] == [(booking["bookingId"], 3, "CONFIRMED")]
    assert _available(local_stack, pid) == 7
    # Once the first has finished, a retry gets its answer.
    r = _book(api, bob, pid, 3, key)
    assert (r.status_code, r.json()) == (201, booking)
    api.wait_for(lambda: _booked_count(api, pid) == 3, "bookedCount 3")
    mine = api.wait_for(lambda: _my_bookings(api, bob) or None, "bob's booking in the status view")
    assert [b["bookingId"] for b in mine] == [booking["bookingId"]]
    print(f"\nconcurrent duplicates: {len(created)} x 201 (one booking), {len(in_progress)} x 409 REQUEST_IN_PROGRESS")


def test_the_same_key_from_another_customer_is_a_separate_booking(api, local_stack, performance):
    pid, carol, dave, key = performance, _customer(api, "carol"), _customer(api, "dave"), _key()
    mine = _book(api, carol, pid, 1, key)
    theirs = _book(api, dave, pid, 1, key)
    assert (mine.status_code, theirs.status_code) == (201, 201), (mine.text, theirs.text)
    assert mine.json()["bookingId"] != theirs.json()["bookingId"]
    assert mine.json()["customerId"] != theirs.json()["customerId"]
    # Each retry still gets its own customer's answer.
    assert _book(api, carol, pid, 1, key).json() == mine.json()
    assert _book(api, dave, pid, 1, key).json() == theirs.json()
    stored = {b["bookingId"]: b["customerId"] for b in stored_bookings(local_stack, pid)}
    assert stored == {
        mine.json()["bookingId"]: mine.json()["customerId"],
        theirs.json()["bookingId"]: theirs.json()["customerId"],
    }
    assert _available(local_stack, pid) == 8
    # A different body from the other customer is theirs to send: no 422 across customers.
    r = _book(api, dave, pid, 2, _key())
    assert r.status_code == 201, r.text
    api.wait_for(lambda: _booked_count(api, pid) == 4, "bookedCount 1 + 1 + 2")


def test_a_retried_cancellation_returns_the_same_answer(api, local_stack, performance):
    pid, erin = performance, _customer(api, "erin")
    first_booking = _book(api, erin, pid, 4, _key()).json()
    other_booking = _book(api, erin, pid, 1, _key()).json()
    assert _available(local_stack, pid) == 5
    bid, key = first_booking["bookingId"], _key()

    first = api.call("POST", f"/bookings/{bid}/cancel", erin, headers={"Idempotency-Key": key})
    assert (first.status_code, first.json()["status"], first.json()["cancelReason"]) == (
        200,
        "CANCELLED",
        "CUSTOMER",
    ), first.text
    again = api.call("POST", f"/bookings/{bid}/cancel", erin, headers={"Idempotency-Key": key})
    assert (again.status_code, again.json()) == (200, first.json())
    assert _available(local_stack, pid) == 9  # the 4 seats came back once

    # The same key to cancel another booking is a different request: refused, and that booking stays.
    r = api.call("POST", f"/bookings/{other_booking['bookingId']}/cancel", erin, headers={"Idempotency-Key": key})
    assert (r.status_code, r.json()["code"]) == (422, "IDEMPOTENCY_KEY_REUSED"), r.text
    assert {b["bookingId"]: b["status"] for b in stored_bookings(local_stack, pid)} == {
        bid: "CANCELLED",
        other_booking["bookingId"]: "CONFIRMED",
    }
    assert _available(local_stack, pid) == 9
    api.wait_for(lambda: _booked_count(api, pid) == 1, "bookedCount 4 + 1 - 4")
