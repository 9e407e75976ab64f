"""What a booking's view adds to its performance's summary, and what the organizer reads of it."""

from __future__ import annotations

from boxoffice.statusview import service

VIEW = {
    "bookingId": "B", "performanceId": "P", "customerId": "c", "grade": "R", "quantity": 3, "unitPrice": 1000,
    "amount": 3000, "currency": "KRW", "status": "CONFIRMED", "createdAt": "t", "title": "t", "startsAt": "s",
}  # fmt: skip
CANCELLED = {**VIEW, "status": "CANCELLED", "cancelReason": "CUSTOMER", "cancelledAt": "t2"}


def test_a_confirmed_booking_counts_its_tickets_and_revenue_in_its_grade():
    assert service.change(None, VIEW) == {
        "confirmedBookings": 1, "confirmedTickets": 3, "sold_R": 3, "revenue_R": 3000, "revenue": 3000,
    }  # fmt: skip


def test_cancelling_moves_the_booking_out_of_sold_and_revenue_into_cancelled():
    assert service.change(VIEW, CANCELLED) == {
        "confirmedBookings": -1, "confirmedTickets": -3, "sold_R": -3, "revenue_R": -3000, "revenue": -3000,
        "cancelledBookings": 1, "cancelledTickets": 3,
    }  # fmt: skip


def test_a_cancellation_seen_before_its_booking_counts_only_as_cancelled():
    assert service.change(None, CANCELLED) == {"cancelledBookings": 1, "cancelledTickets": 3}


def test_the_organizer_reads_per_grade_sold_remaining_and_revenue():
    summary = {
        "performanceId": "P", "title": "t", "status": "OPEN", "capacity": 30, "confirmedBookings": 2,
        "confirmedTickets": 5, "revenue": 7000,
        "grades": [{"grade": "R", "price": 2000, "seats": 10}, {"grade": "S", "price": 1000, "seats": 20}],
    }  # fmt: skip
    counters = {"sold_R": 3, "revenue_R": 6000, "sold_S": 2, "revenue_S": 1000, "held_S": 4}
    view = service.summary_view(summary, counters)
    assert view["grades"] == [
        {"grade": "R", "price": 2000, "seats": 10, "sold": 3, "held": 0, "remaining": 7, "revenue": 6000},
        {"grade": "S", "price": 1000, "seats": 20, "sold": 2, "held": 4, "remaining": 14, "revenue": 1000},
    ]
    assert (view["cancelledTickets"], view["revenue"], view["startsAt"]) == (0, 7000, None)
