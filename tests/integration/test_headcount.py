"""The headcount: bookedCount moves by each booking's and cancellation's quantity exactly once, in any order."""

import random

from tests.api_events import CUSTOMER, OTHER_CUSTOMER
from tests.helpers import book, booked_count, register
from tests.integration._support import (
    booking_data,
    booking_items,
    domain_envelope,
    failures_of,
    sqs_event,
    ticket_booked,
    ticket_cancelled,
    unknown_id,
)
from tests.stack import call_api


def _deliver(stack, *events) -> set[str]:
    return failures_of(stack, "HeadcountFunction", sqs_event(*(domain_envelope(e) for e in events)))


def test_each_booking_and_cancellation_counts_once_through_the_chain(stack):
    pid = register(stack)["performanceId"]
    quantities = [2, 5, 1]
    bookings = [book(stack, pid, q)[1] for q in quantities]
    stack.settle()
    assert booked_count(stack, pid) == 8
    call_api(stack, "POST", f"/bookings/{bookings[1]['bookingId']}/cancel", claims=CUSTOMER)
    call_api(stack, "POST", f"/bookings/{bookings[1]['bookingId']}/cancel", claims=CUSTOMER)  # repeat: no event
    stack.settle()
    assert booked_count(stack, pid) == 3
    stack.settle()
    assert booked_count(stack, pid) == 3


def test_the_same_batch_delivered_twice_counts_once(stack):
    pid = register(stack)["performanceId"]
    events = [ticket_booked(booking_data(pid, q)) for q in (1, 4, 3)]
    batch = sqs_event(*(domain_envelope(e) for e in events))
    assert failures_of(stack, "HeadcountFunction", batch) == set()
    assert booked_count(stack, pid) == 8
    assert failures_of(stack, "HeadcountFunction", batch) == set()
    assert booked_count(stack, pid) == 8


def test_a_duplicate_inside_one_batch_counts_once(stack):
    pid = register(stack)["performanceId"]
    event = ticket_booked(booking_data(pid, 3))
    assert _deliver(stack, event, event) == set()
    assert booked_count(stack, pid) == 3


def test_a_batch_with_two_performances_counts_each_on_its_own(stack):
    a = register(stack)["performanceId"]
    b = register(stack)["performanceId"]
    first_a = booking_data(a, 2)
    events = [
        ticket_booked(first_a),
        ticket_booked(booking_data(b, 5)),
        ticket_booked(booking_data(a, 1)),
        ticket_cancelled(first_a),
    ]
    assert _deliver(stack, *events) == set()
    assert booked_count(stack, a) == 1
    assert booked_count(stack, b) == 5


def test_a_cancellation_arriving_before_its_booking_converges(stack):
    pid = register(stack)["performanceId"]
    data = booking_data(pid, 4)
    booked, cancelled = ticket_booked(data), ticket_cancelled(data)
    assert _deliver(stack, ticket_booked(booking_data(pid, 2))) == set()
    assert _deliver(stack, cancelled) == set()
    assert _deliver(stack, booked) == set()
    assert _deliver(stack, cancelled, booked) == set()  # and late duplicates of both
    assert booked_count(stack, pid) == 2


def test_an_unknown_performance_fails_only_its_own_records(stack):
    pid = register(stack)["performanceId"]
    good, stray = ticket_booked(booking_data(pid, 2)), ticket_booked(booking_data(unknown_id(), 3))
    batch = sqs_event(domain_envelope(good), domain_envelope(stray), "not json at all")
    assert failures_of(stack, "HeadcountFunction", batch) == {"m1", "m2"}
    assert booked_count(stack, pid) == 2


def test_booked_count_equals_confirmed_tickets_after_a_random_mix(stack):
    rng = random.Random(20301224)
    performances = [register(stack, capacity=60)["performanceId"] for _ in range(2)]
    live: list[tuple[dict, dict]] = []
    for _ in range(40):
        if live and rng.random() < 0.3:
            booking, claims = live.pop(rng.randrange(len(live)))
            assert call_api(stack, "POST", f"/bookings/{booking['bookingId']}/cancel", claims=claims)[0] == 200
        else:
            claims = rng.choice([CUSTOMER, OTHER_CUSTOMER])
            status, booking = book(stack, rng.choice(performances), rng.randint(1, 10), claims=claims)
            assert status in (201, 409), booking  # some may find it sold out
            if status == 201:
                live.append((booking, claims))
        if rng.random() < 0.25:
            stack.settle()  # sometimes mid-way, so batches mix old and new
    stack.settle()
    for pid in performances:
        confirmed = sum(int(i["quantity"]) for i in booking_items(stack, pid) if i["status"] == "CONFIRMED")
        assert booked_count(stack, pid) == confirmed
    assert sum(b["quantity"] for b, _ in live) == sum(booked_count(stack, p) for p in performances)
