"""The status view: customers' and organizers' reads, and a projector that tolerates any order and duplicates."""

from boxoffice.contracts import PerformanceCancelled, PerformanceRegistered, new_event
from tests.api_events import CUSTOMER, ORGANIZER, OTHER_CUSTOMER, OTHER_ORGANIZER
from tests.helpers import book, register
from tests.integration._support import (
    booking_data,
    domain_envelope,
    dynamodb_operations,
    failures_of,
    performance_bookings,
    sqs_event,
    ticket_booked,
    ticket_cancelled,
    unknown_id,
)
from tests.stack import call_api


def _mine(stack, claims=CUSTOMER, limit=100):
    items, token = [], None
    while True:
        query = {"limit": str(limit), **({"nextToken": token} if token else {})}
        status, page = call_api(stack, "GET", "/bookings", claims=claims, query=query)
        assert status == 200, page
        assert len(page["items"]) <= limit
        items += page["items"]
        token = page["nextToken"]
        if not token:
            return items


def test_customers_see_only_their_own_bookings_newest_first_across_pages(stack):
    pid = register(stack, title="베토벤 교향곡 9번")["performanceId"]
    mine = [book(stack, pid, 1)[1]["bookingId"] for _ in range(5)]
    theirs = [book(stack, pid, 1, claims=OTHER_CUSTOMER)[1]["bookingId"] for _ in range(2)]
    stack.settle()
    paged = _mine(stack, limit=2)
    ids = [b["bookingId"] for b in paged]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(mine)
    created = [b["createdAt"] for b in paged]
    assert created == sorted(created, reverse=True)  # newest first (ids made in the same ms may tie)
    assert all(b["title"] == "베토벤 교향곡 9번" and b["customerId"] == CUSTOMER["sub"] for b in paged)
    assert {b["bookingId"] for b in _mine(stack, claims=OTHER_CUSTOMER)} == set(theirs)


def test_my_bookings_need_a_token_and_reject_a_foreign_paging_token(stack):
    pid = register(stack)["performanceId"]
    for _ in range(3):
        book(stack, pid, 1, claims=OTHER_CUSTOMER)
    stack.settle()
    assert call_api(stack, "GET", "/bookings")[0] == 401
    _, page = call_api(stack, "GET", "/bookings", claims=OTHER_CUSTOMER, query={"limit": "1"})
    status, body = call_api(stack, "GET", "/bookings", claims=CUSTOMER, query={"nextToken": page["nextToken"]})
    assert status == 400
    assert body["code"] == "INVALID_TOKEN"


def test_one_booking_for_its_customer_only(stack):
    perf = register(stack)
    _, booking = book(stack, perf["performanceId"], 3)
    stack.settle()
    status, view = call_api(stack, "GET", f"/bookings/{booking['bookingId']}", claims=CUSTOMER)
    assert status == 200, view
    assert {k: view[k] for k in booking} == booking
    assert view["title"] == perf["title"]
    assert view["startsAt"] == perf["startsAt"]
    status, body = call_api(stack, "GET", f"/bookings/{booking['bookingId']}", claims=OTHER_CUSTOMER)
    assert status == 404, body
    assert call_api(stack, "GET", f"/bookings/{unknown_id()}", claims=CUSTOMER)[0] == 404


def test_organizer_sees_own_performance_bookings_with_a_summary_per_grade(stack):
    grades = [{"grade": "R", "price": 150_000, "seats": 20}, {"grade": "S", "price": 90_000, "seats": 30}]
    perf = register(stack, grades=grades)
    pid = perf["performanceId"]
    bookings = [
        book(stack, pid, q, grade=g, payment_method="pm_card_visa")[1] for q, g in [(2, "R"), (3, "R"), (4, "S")]
    ]
    call_api(stack, "POST", f"/bookings/{bookings[0]['bookingId']}/cancel", claims=CUSTOMER)
    stack.settle()
    items, summary = performance_bookings(stack, pid, limit=2)
    assert sorted(i["bookingId"] for i in items) == sorted(b["bookingId"] for b in bookings)
    assert {i["bookingId"]: (i["grade"], i["amount"]) for i in items} == {
        b["bookingId"]: (b["grade"], b["quantity"] * b["unitPrice"]) for b in bookings
    }
    assert summary == {
        "performanceId": pid,
        "title": perf["title"],
        "startsAt": perf["startsAt"],
        "status": "OPEN",
        "capacity": 50,
        "teams": None,
        "confirmedBookings": 2,
        "confirmedTickets": 7,
        "cancelledBookings": 1,
        "cancelledTickets": 2,
        "pendingBookings": 0,
        "pendingTickets": 0,
        "failedBookings": 0,
        "expiredBookings": 0,
        "revenue": 3 * 150_000 + 4 * 90_000,
        "grades": [
            {"grade": "R", "price": 150_000, "seats": 20, "sold": 3, "held": 0, "remaining": 17, "revenue": 450_000},
            {"grade": "S", "price": 90_000, "seats": 30, "sold": 4, "held": 0, "remaining": 26, "revenue": 360_000},
        ],
    }


def test_performance_bookings_are_for_its_organizer_only(stack):
    pid = register(stack)["performanceId"]
    book(stack, pid)
    stack.settle()
    path = f"/performances/{pid}/bookings"
    assert call_api(stack, "GET", path, claims=OTHER_ORGANIZER)[0] == 403
    assert call_api(stack, "GET", path, claims=CUSTOMER)[0] == 403
    assert call_api(stack, "GET", f"/performances/{unknown_id()}/bookings", claims=ORGANIZER)[0] == 404


# ---------------------------------------------------------------- the projector, fed directly


def _project(stack, *events) -> set[str]:
    return failures_of(stack, "StatusViewProjectorFunction", sqs_event(*(domain_envelope(e) for e in events)))


def _registered(pid: str, organizer: str = "org-1"):
    return new_event(
        PerformanceRegistered,
        {
            "performanceId": pid,
            "organizerId": organizer,
            "title": "Mahler 2",
            "venue": "Hall",
            "startsAt": "2030-05-01T19:30:00+09:00",
            "capacity": 100,
            "grades": [{"grade": "GENERAL", "price": 0, "seats": 100}],
            "maxPerCustomer": 4,
            "createdAt": "2030-01-01T00:00:00.000Z",
        },
        correlation_id="t",
        causation_id="t",
    )


def test_projector_counts_exactly_whatever_the_order_and_duplicates(stack):
    pid = unknown_id()
    a, b, c = (booking_data(pid, q) for q in (2, 3, 5))
    booked_a, cancelled_a = ticket_booked(a), ticket_cancelled(a)
    booked_b, cancelled_b = ticket_booked(b), ticket_cancelled(b, reason="PERFORMANCE_CANCELLED")
    booked_c = ticket_booked(c)
    # cancellations before their bookings, duplicates in one batch and across batches, registration last
    assert _project(stack, cancelled_a, booked_c, cancelled_a) == set()
    assert _project(stack, booked_a, booked_b, booked_c, cancelled_b) == set()
    assert _project(stack, cancelled_b, booked_a, booked_b, cancelled_a, _registered(pid)) == set()

    items, summary = performance_bookings(stack, pid)
    assert {i["bookingId"]: (i["status"], i["cancelReason"]) for i in items} == {
        a["bookingId"]: ("CANCELLED", "CUSTOMER"),
        b["bookingId"]: ("CANCELLED", "PERFORMANCE_CANCELLED"),
        c["bookingId"]: ("CONFIRMED", None),
    }
    assert (summary["confirmedBookings"], summary["confirmedTickets"]) == (1, 5)
    assert (summary["cancelledBookings"], summary["cancelledTickets"]) == (2, 5)
    assert summary["status"] == "OPEN"


def test_a_late_registration_does_not_reopen_a_cancelled_performance(stack):
    pid = unknown_id()
    registered = _registered(pid)
    cancelled = new_event(
        PerformanceCancelled,
        {
            **{k: v for k, v in registered.data.model_dump().items() if k != "createdAt"},
            "cancelledAt": "2030-01-02T00:00:00.000Z",
        },
        correlation_id="t",
        causation_id="t",
    )
    assert _project(stack, cancelled) == set()
    assert _project(stack, registered) == set()
    _, summary = performance_bookings(stack, pid)
    assert summary["status"] == "CANCELLED"


def test_projector_fails_only_the_message_that_breaks_the_contract(stack):
    pid = unknown_id()
    good = ticket_booked(booking_data(pid, 2))
    broken = domain_envelope(ticket_booked(booking_data(pid, 1)))
    del broken["detail"]["data"]["quantity"]
    batch = sqs_event(domain_envelope(good), broken, domain_envelope(_registered(pid)))
    assert failures_of(stack, "StatusViewProjectorFunction", batch) == {"m1"}
    _, summary = performance_bookings(stack, pid)
    assert (summary["confirmedBookings"], summary["confirmedTickets"]) == (1, 2)


def test_a_batch_of_new_bookings_is_one_write_per_performance(stack):
    first, second = unknown_id(), unknown_id()
    assert _project(stack, _registered(first), _registered(second)) == set()
    bookings = [booking_data(first, 1 + n % 4) for n in range(8)] + [booking_data(second, 3) for _ in range(2)]
    operations = dynamodb_operations()
    assert _project(stack, *(ticket_booked(b) for b in bookings)) == set()
    assert operations == ["TransactWriteItems", "TransactWriteItems"]
    for pid in (first, second):
        mine = [b for b in bookings if b["performanceId"] == pid]
        items, summary = performance_bookings(stack, pid)
        assert sorted(i["bookingId"] for i in items) == sorted(b["bookingId"] for b in mine)
        assert (summary["confirmedBookings"], summary["confirmedTickets"]) == (
            len(mine),
            sum(b["quantity"] for b in mine),
        )


def test_a_batch_redelivered_after_part_of_it_was_written_counts_each_booking_once(stack):
    pid = unknown_id()
    bookings = [booking_data(pid, q) for q in (1, 2, 3, 4)]
    assert _project(stack, _registered(pid), ticket_booked(bookings[1]), ticket_booked(bookings[3])) == set()
    assert _project(stack, *(ticket_booked(b) for b in bookings)) == set()
    items, summary = performance_bookings(stack, pid)
    assert len(items) == 4
    assert (summary["confirmedBookings"], summary["confirmedTickets"]) == (4, 10)


def test_one_performance_failing_fails_only_its_own_messages(stack, monkeypatch):
    from boxoffice.statusview import store

    ok, failing = unknown_id(), unknown_id()
    real = store.insert_new_views

    def insert(performance_id, views, counts):
        if performance_id == failing:
            raise RuntimeError("throttled")
        return real(performance_id, views, counts)

    assert _project(stack, _registered(ok)) == set()
    monkeypatch.setattr(store, "insert_new_views", insert)
    batch = [
        ticket_booked(booking_data(ok, 2)),
        ticket_booked(booking_data(failing, 1)),
        ticket_booked(booking_data(ok, 1)),
    ]
    assert _project(stack, *batch) == {"m1"}
    _, summary = performance_bookings(stack, ok)
    assert (summary["confirmedBookings"], summary["confirmedTickets"]) == (2, 3)
