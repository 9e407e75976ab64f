"""What BookingsTable holds, as the booking context's code sees it (keys and outbox items aside)."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

BookingStatus = Literal["CONFIRMED", "CANCELLED"]
SaleStatus = Literal["OPEN", "CANCELLED"]


class PerformanceFacts(TypedDict):
    """What a booking carries of its performance (it never changes once registered)."""

    title: str
    startsAt: str
    organizerId: str


class BookingRecord(PerformanceFacts):
    bookingId: str
    performanceId: str
    customerId: str
    quantity: int
    status: BookingStatus
    createdAt: str
    cancelReason: NotRequired[str]
    cancelledAt: NotRequired[str]


class BookingRef(TypedDict):
    """The immutable pointer from a booking id to its performance and customer."""

    performanceId: str
    customerId: str


class InventoryRecord(TypedDict):
    """A performance's seats as the booking side knows them; `capacity` is absent until it was registered here."""

    performanceId: str
    title: str
    startsAt: str
    organizerId: str
    status: SaleStatus
    capacity: NotRequired[int]
    available: NotRequired[int]


class PerformanceDetails(TypedDict):
    """What the performance events tell the booking side."""

    performanceId: str
    organizerId: str
    title: str
    venue: str
    startsAt: str
    capacity: int
