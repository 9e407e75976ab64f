"""What StatusViewTable holds: a booking as its customer sees it, and a performance's summary for its organizer."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict


class BookingView(TypedDict):
    bookingId: str
    performanceId: str
    customerId: str
    grade: str
    quantity: int
    unitPrice: int
    amount: int
    currency: Literal["KRW"]
    status: Literal["CONFIRMED", "CANCELLED"]
    createdAt: str
    title: str
    startsAt: str
    cancelReason: NotRequired[str]
    cancelledAt: NotRequired[str]


class GradeTerms(TypedDict):
    grade: str
    price: int
    seats: int


class GradeSummary(TypedDict):
    grade: str
    price: int
    seats: int
    sold: int
    remaining: int
    revenue: int


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
    revenue: int
    grades: list[GradeTerms]


class SummaryView(TypedDict):
    """The summary as its organizer reads it: the counts, and per grade what is sold, what remains and the revenue."""

    performanceId: str
    title: str | None
    startsAt: str | None
    status: str | None
    capacity: int | None
    confirmedBookings: int
    confirmedTickets: int
    cancelledBookings: int
    cancelledTickets: int
    revenue: int
    grades: list[GradeSummary]


SummaryCounts = dict[str, int]
