"""What StatusViewTable holds: a booking as its customer sees it, and a performance's summary for its organizer."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict


class BookingView(TypedDict):
    bookingId: str
    performanceId: str
    customerId: str
    quantity: int
    status: Literal["CONFIRMED", "CANCELLED"]
    createdAt: str
    title: str
    startsAt: str
    cancelReason: NotRequired[str]
    cancelledAt: NotRequired[str]


class Summary(TypedDict, total=False):
    """Absent counts are zero; the details arrive with the performance's own events."""

    performanceId: str
    title: str
    startsAt: str
    status: Literal["OPEN", "CANCELLED"]
    capacity: int
    organizerId: str
    confirmedBookings: int
    confirmedTickets: int
    cancelledBookings: int
    cancelledTickets: int


SummaryCounts = dict[str, int]
