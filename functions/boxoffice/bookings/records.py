"""What BookingsTable holds, as the booking context's code sees it (keys and outbox items aside)."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

# HELD: seats taken, paying now. PAYMENT_PENDING: the charge is being retried. CONFIRMED: paid (or free).
# PAYMENT_FAILED, EXPIRED, CANCELLED: final, seats back.
BookingStatus = Literal["HELD", "PAYMENT_PENDING", "CONFIRMED", "PAYMENT_FAILED", "EXPIRED", "CANCELLED"]
RefundStatus = Literal["PENDING", "REFUNDED", "FAILED"]
SaleStatus = Literal["OPEN", "CANCELLED"]


class PerformanceFacts(TypedDict):
    """What booking needs of a performance that never changes once it is registered."""

    title: str
    startsAt: str
    organizerId: str
    prices: dict[str, int]  # KRW per ticket, by grade
    maxPerCustomer: int
    kind: Literal["CONCERT", "MATCH"]
    teams: list[str] | None


class Refund(TypedDict):
    status: RefundStatus


class BookingRecord(TypedDict):
    bookingId: str
    performanceId: str
    customerId: str
    grade: str
    quantity: int
    unitPrice: int
    amount: int
    currency: Literal["KRW"]
    status: BookingStatus
    createdAt: str
    # Carried so the events about it never make a consumer read another context's table.
    title: str
    startsAt: str
    organizerId: str
    kind: Literal["CONCERT", "MATCH"]
    team: NotRequired[str]  # a match ticket's team pick
    stake: NotRequired[int]  # a match ticket's stake, KRW (part of the amount)
    cancelReason: NotRequired[str]
    cancelledAt: NotRequired[str]
    holdExpiresAt: NotRequired[str]  # while its seats are held for payment
    paymentMethod: NotRequired[str]  # the provider's PaymentMethod id the customer chose (never card data)
    paymentId: NotRequired[str]  # the provider's payment intent, recorded before it is confirmed
    failureReason: NotRequired[str]
    failedAt: NotRequired[str]
    expiredAt: NotRequired[str]
    refund: NotRequired[Refund]


class BookingRef(TypedDict):
    """The immutable pointer from a booking id to its performance and customer."""

    performanceId: str
    customerId: str


class GradeTerms(TypedDict):
    price: int
    seats: int


class InventoryRecord(TypedDict):
    """A performance's seats as the booking side knows them. Until its registration has arrived here (a
    cancellation may come first) only the facts and the status are known."""

    performanceId: str
    title: str
    startsAt: str
    organizerId: str
    status: SaleStatus
    capacity: NotRequired[int]
    maxPerCustomer: NotRequired[int]
    kind: NotRequired[Literal["CONCERT", "MATCH"]]
    teams: NotRequired[list[str] | None]
    grades: NotRequired[dict[str, GradeTerms]]
    available: NotRequired[dict[str, int]]  # seats neither held nor sold, by grade (one attribute each in the table)


class GradeDetails(TypedDict):
    grade: str
    price: int
    seats: int


class PerformanceDetails(TypedDict):
    """What the performance events tell the booking side."""

    performanceId: str
    organizerId: str
    title: str
    venue: str
    startsAt: str
    capacity: int
    grades: list[GradeDetails]
    maxPerCustomer: int
    kind: Literal["CONCERT", "MATCH"]
    teams: list[str] | None
