"""HTTP request and response models: the API contract the OpenAPI document is generated from."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from boxoffice.clock import now


def _future_with_offset(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("startsAt must be an ISO 8601 date-time, e.g. 2026-12-24T19:30:00+09:00") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("startsAt must carry a UTC offset, e.g. 2026-12-24T19:30:00+09:00")
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("startsAt is out of range") from None
    if moment <= now():
        raise ValueError("startsAt must be in the future")
    if moment > now() + MAX_AHEAD:
        raise ValueError("startsAt must be within ten years")
    return value


def _printable(value: str) -> str:
    # A NUL or an escape sequence in a title ends up on tickets, screens and logs: a client bug, not a title.
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters (NUL, line breaks, escapes)")
    return value


MAX_AHEAD = timedelta(days=3653)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A name people read: trimmed, 1..200 characters, printable.
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_printable)
]


class _Input(BaseModel):
    # Unknown fields are a client error, not something to silently drop.
    model_config = ConfigDict(extra="forbid", strict=True)


MAX_CAPACITY = 100_000
# A team's name people read: trimmed, 1..60 characters, printable.
TeamName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), AfterValidator(_printable)
]
GradeName = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,8}$")]


class GradeInput(_Input):
    grade: GradeName = Field(description="1-8 capital letters or digits, unique in the performance", examples=["R"])
    price: int = Field(ge=0, le=10_000_000, description="KRW per ticket (0: free)", examples=[150_000])
    seats: int = Field(ge=1, le=MAX_CAPACITY)


class RegisterPerformanceInput(_Input):
    title: Name
    venue: Name
    startsAt: Annotated[str, StringConstraints(max_length=40), AfterValidator(_future_with_offset)] = Field(
        description="ISO 8601 with a UTC offset, in the future", examples=["2026-12-24T19:30:00+09:00"]
    )
    capacity: int | None = Field(
        default=None, ge=1, le=MAX_CAPACITY, description="the seats in all; with grades it must be their sum"
    )
    grades: list[GradeInput] | None = Field(
        default=None,
        min_length=1,
        max_length=8,
        description="price grades with their own seats; without them, one grade GENERAL of `capacity` seats, free",
    )
    maxPerCustomer: int = Field(default=4, ge=1, le=10, description="tickets one customer may hold for it")
    kind: Literal["CONCERT", "MATCH"] = Field(default="CONCERT", description="a concert, or a match with teams")
    teams: list[TeamName] | None = Field(
        default=None, min_length=2, max_length=4, description="a match's teams (2-4 distinct names); not for concerts"
    )


class BookTicketInput(_Input):
    performanceId: str = Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$", description="the performance's id")
    quantity: int = Field(ge=1, le=10)
    grade: GradeName | None = Field(default=None, description="may be left out when the performance has one grade")
    team: TeamName | None = Field(default=None, description="a match ticket's team pick (required for a match)")
    stake: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        multiple_of=1000,
        description="a match ticket's stake in KRW, charged with the tickets (0 by default)",
    )
    paymentMethod: str | None = Field(
        default=None,
        pattern=r"^pm_[A-Za-z0-9_]{1,120}$",
        description=(
            "a Stripe PaymentMethod id (the card stays with Stripe); required when the tickets cost money, ignored "
            "when they are free"
        ),
        examples=["pm_card_visa"],
    )


class Grade(BaseModel):
    grade: str
    price: int
    seats: int
    remaining: int = Field(description="seats neither held nor sold, kept by events (exact once they have settled)")


class Performance(BaseModel):
    performanceId: str
    title: str
    venue: str
    startsAt: str
    capacity: int
    bookedCount: int
    grades: list[Grade]
    maxPerCustomer: int
    kind: Literal["CONCERT", "MATCH"] = "CONCERT"
    teams: list[str] | None = None
    currency: Literal["KRW"] = "KRW"
    status: Literal["OPEN", "CANCELLED"]
    organizerId: str
    createdAt: str
    cancelledAt: str | None = None


class Refund(BaseModel):
    status: Literal["PENDING", "REFUNDED", "FAILED"]


class Booking(BaseModel):
    bookingId: str
    performanceId: str
    customerId: str
    grade: str
    quantity: int
    unitPrice: int
    amount: int = Field(description="what the booking costs in all, in KRW: the tickets, and a match's stake")
    team: str | None = Field(default=None, description="a match ticket's team pick")
    stake: int = Field(default=0, description="a match ticket's stake, KRW")
    currency: Literal["KRW"] = "KRW"
    status: Literal["HELD", "PAYMENT_PENDING", "CONFIRMED", "PAYMENT_FAILED", "EXPIRED", "CANCELLED"]
    holdExpiresAt: str | None = Field(default=None, description="while the payment is pending: when the seats go back")
    paymentId: str | None = Field(default=None, description="the provider's payment of a paid booking")
    failureReason: str | None = Field(default=None, description="why the payment failed, as the provider said")
    refund: Refund | None = Field(default=None, description="the refund of a paid booking that was cancelled")
    cancelReason: Literal["CUSTOMER", "PERFORMANCE_CANCELLED"] | None = None
    createdAt: str
    cancelledAt: str | None = None


class BookingView(Booking):
    title: str | None = None
    startsAt: str | None = None


class PerformancePage(BaseModel):
    items: list[Performance]
    nextToken: str | None = None


class BookingPage(BaseModel):
    items: list[BookingView]
    nextToken: str | None = None


class GradeSummary(BaseModel):
    grade: str
    price: int
    seats: int
    sold: int = Field(description="tickets sold (confirmed, not cancelled)")
    held: int = Field(description="seats held for bookings whose payment is pending")
    remaining: int = Field(description="seats neither held nor sold")
    revenue: int = Field(description="KRW of the tickets sold")


class TeamCount(BaseModel):
    team: str
    tickets: int = Field(description="confirmed tickets of bookings that picked this team")
    bookings: int = Field(description="confirmed bookings that picked this team")
    stake: int = Field(description="KRW staked on this team by confirmed bookings")


class BookingSummary(BaseModel):
    performanceId: str
    title: str | None = None
    startsAt: str | None = None
    status: str | None = None
    capacity: int | None = None
    confirmedBookings: int = 0
    confirmedTickets: int = 0
    cancelledBookings: int = 0
    cancelledTickets: int = 0
    pendingBookings: int = 0
    pendingTickets: int = 0
    failedBookings: int = 0
    expiredBookings: int = 0
    revenue: int = Field(default=0, description="KRW of the confirmed bookings: their tickets, and a match's stakes")
    grades: list[GradeSummary] = []
    teams: list[TeamCount] | None = Field(default=None, description="a match's confirmed tickets per team")


class PerformanceBookingsPage(BookingPage):
    summary: BookingSummary


class Tally(BaseModel):
    performanceId: str
    teams: list[TeamCount]
    updatedAt: str | None = Field(default=None, description="when the last counted event was applied")


class ErrorBody(BaseModel):
    code: str = Field(examples=["SOLD_OUT"])
    message: str
    details: dict[str, str | int] | None = Field(
        default=None,
        description="what a client can act on, e.g. {grade, remaining} or {allowed}",
        examples=[{"allowed": 2}],
    )
