"""What StatusViewTable holds: a booking as its customer sees it, and a performance's summary for its organizer."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

ViewStatus = Literal["PAYMENT_PENDING", "CONFIRMED", "CANCELLED", "PAYMENT_FAILED", "EXPIRED"]
RefundStatus = Literal["PENDING", "FAILED", "REFUNDED"]


class Refund(TypedDict):
    status: RefundStatus


class BookingView(TypedDict):
    bookingId: str
    performanceId: str
    customerId: str
    grade: str
    quantity: int
    unitPrice: int
    amount: int
    currency: Literal["KRW"]
    status: ViewStatus
    createdAt: str
    title: str
    startsAt: str
    team: NotRequired[str]
    stake: NotRequired[int]
    cancelReason: NotRequired[str]
    cancelledAt: NotRequired[str]
    holdExpiresAt: NotRequired[str]
    paymentId: NotRequired[str]
    failureReason: NotRequired[str]
    refund: NotRequired[Refund]


class GradeTerms(TypedDict):
    grade: str
    price: int
    seats: int


class GradeSummary(TypedDict):
    grade: str
    price: int
    seats: int
    sold: int
    held: int
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
    pendingBookings: int
    pendingTickets: int
    failedBookings: int
    expiredBookings: int
    revenue: int
    grades: list[GradeTerms]
    kind: Literal["CONCERT", "MATCH"]
    teams: list[str] | None


class TeamCount(TypedDict):
    team: str
    tickets: int
    bookings: int
    stake: int


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
    pendingBookings: int
    pendingTickets: int
    failedBookings: int
    expiredBookings: int
    revenue: int
    grades: list[GradeSummary]
    teams: list[TeamCount] | None


SummaryCounts = dict[str, int]
