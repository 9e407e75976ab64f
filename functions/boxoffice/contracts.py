"""Event contracts: the one place that says what every event looks like.

Producers build events with `new_event`; consumers parse them with `parse_detail`.
The EventBridge `source` and `detail-type` of every event come from here, and the
contract test checks that the rules in template.yaml route each of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from boxoffice.clock import new_id, now_iso


class Source(StrEnum):
    PERFORMANCES = "boxoffice.performances"
    BOOKINGS = "boxoffice.bookings"
    ORGANIZERS = "boxoffice.organizers"  # organizers' own systems, not our code


class EventType(StrEnum):
    PERFORMANCE_REGISTERED = "PerformanceRegistered"
    PERFORMANCE_CANCELLED = "PerformanceCancelled"
    TICKET_BOOKED = "TicketBooked"
    TICKET_CANCELLED = "TicketCancelled"
    PAYMENT_PENDING = "PaymentPending"
    PAYMENT_FAILED = "PaymentFailed"
    BOOKING_EXPIRED = "BookingExpired"
    REFUND_COMPLETED = "RefundCompleted"
    REFUND_FAILED = "RefundFailed"
    CANCEL_PERFORMANCE_REQUESTED = "CancelPerformanceRequested"


class CancelReason(StrEnum):
    CUSTOMER = "CUSTOMER"
    PERFORMANCE_CANCELLED = "PERFORMANCE_CANCELLED"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metadata(_Strict):
    eventId: str
    eventType: EventType
    eventVersion: int = 1
    occurredAt: str
    correlationId: str
    causationId: str


class GradeData(_Strict):
    grade: str
    price: int  # KRW per ticket
    seats: int


class PerformanceData(_Strict):
    performanceId: str
    organizerId: str
    title: str
    venue: str
    startsAt: str
    capacity: int  # the sum of the grades' seats
    grades: list[GradeData]
    maxPerCustomer: int
    kind: Literal["CONCERT", "MATCH"] = "CONCERT"
    teams: list[str] | None = None  # a match's teams, in their order


class PerformanceRegisteredData(PerformanceData):
    createdAt: str


class PerformanceCancelledData(PerformanceData):
    cancelledAt: str


class BookingData(_Strict):
    bookingId: str
    performanceId: str
    customerId: str
    grade: str
    quantity: int
    unitPrice: int
    amount: int
    currency: Literal["KRW"] = "KRW"
    createdAt: str
    # Carried so the status view never reads another context's table.
    title: str
    startsAt: str
    organizerId: str
    # A match ticket's team pick and stake (KRW, charged with the tickets); the tally's rule routes on `kind`.
    kind: Literal["CONCERT", "MATCH"] = "CONCERT"
    team: str | None = None
    stake: int = 0


class TicketBookedData(BookingData):
    paymentId: str | None = None  # None: a free ticket


class TicketCancelledData(BookingData):
    cancelledAt: str
    reason: CancelReason
    paymentId: str | None = None  # set when the tickets were paid: the refund follows


class PaymentPendingData(BookingData):
    """The provider could not answer in time (or the breaker is open): seats held, the charge is retried."""

    holdExpiresAt: str
    paymentId: str | None = None


class PaymentFailedData(BookingData):
    failedAt: str
    reason: str


class BookingExpiredData(BookingData):
    expiredAt: str
    paymentId: str | None = None  # an intent that was never confirmed (checked again by the refunds)


class RefundData(_Strict):
    bookingId: str
    performanceId: str
    customerId: str
    amount: int
    currency: Literal["KRW"] = "KRW"
    paymentId: str
    at: str


class RefundCompletedData(RefundData):
    pass


class RefundFailedData(RefundData):
    reason: str


class CancelPerformanceRequestedData(_Strict):
    performanceId: str = Field(min_length=1, max_length=64)
    organizerId: str = Field(min_length=1, max_length=128)
    reason: str = Field(min_length=1, max_length=500)


class BusEvent(BaseModel):
    """The parts of an EventBridge event that consumers read (the bus adds more; those are ignored)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    id: str
    source: str
    detail_type: str = Field(alias="detail-type")
    detail: dict


class _Envelope(_Strict):
    metadata: Metadata


class PerformanceRegistered(_Envelope):
    kind: Literal["PerformanceRegistered"] = Field("PerformanceRegistered", exclude=True)
    data: PerformanceRegisteredData


class PerformanceCancelled(_Envelope):
    kind: Literal["PerformanceCancelled"] = Field("PerformanceCancelled", exclude=True)
    data: PerformanceCancelledData


class TicketBooked(_Envelope):
    kind: Literal["TicketBooked"] = Field("TicketBooked", exclude=True)
    data: TicketBookedData


class TicketCancelled(_Envelope):
    kind: Literal["TicketCancelled"] = Field("TicketCancelled", exclude=True)
    data: TicketCancelledData


class PaymentPending(_Envelope):
    kind: Literal["PaymentPending"] = Field("PaymentPending", exclude=True)
    data: PaymentPendingData


class PaymentFailed(_Envelope):
    kind: Literal["PaymentFailed"] = Field("PaymentFailed", exclude=True)
    data: PaymentFailedData


class BookingExpired(_Envelope):
    kind: Literal["BookingExpired"] = Field("BookingExpired", exclude=True)
    data: BookingExpiredData


class RefundCompleted(_Envelope):
    kind: Literal["RefundCompleted"] = Field("RefundCompleted", exclude=True)
    data: RefundCompletedData


class RefundFailed(_Envelope):
    kind: Literal["RefundFailed"] = Field("RefundFailed", exclude=True)
    data: RefundFailedData


DomainEvent = Annotated[
    PerformanceRegistered
    | PerformanceCancelled
    | TicketBooked
    | TicketCancelled
    | PaymentPending
    | PaymentFailed
    | BookingExpired
    | RefundCompleted
    | RefundFailed,
    Field(discriminator="kind"),
]

# Which context publishes which event: the publisher sets `source` from this.
SOURCE_OF: dict[EventType, Source] = {
    EventType.PERFORMANCE_REGISTERED: Source.PERFORMANCES,
    EventType.PERFORMANCE_CANCELLED: Source.PERFORMANCES,
    EventType.TICKET_BOOKED: Source.BOOKINGS,
    EventType.TICKET_CANCELLED: Source.BOOKINGS,
    EventType.PAYMENT_PENDING: Source.BOOKINGS,
    EventType.PAYMENT_FAILED: Source.BOOKINGS,
    EventType.BOOKING_EXPIRED: Source.BOOKINGS,
    EventType.REFUND_COMPLETED: Source.BOOKINGS,
    EventType.REFUND_FAILED: Source.BOOKINGS,
}

# Every domain event, as a type (DomainEvent above is the same union, tagged for parsing).
AnyEvent = (
    PerformanceRegistered
    | PerformanceCancelled
    | TicketBooked
    | TicketCancelled
    | PaymentPending
    | PaymentFailed
    | BookingExpired
    | RefundCompleted
    | RefundFailed
)

MODEL_OF: dict[EventType, type[AnyEvent]] = {
    EventType.PERFORMANCE_REGISTERED: PerformanceRegistered,
    EventType.PERFORMANCE_CANCELLED: PerformanceCancelled,
    EventType.TICKET_BOOKED: TicketBooked,
    EventType.TICKET_CANCELLED: TicketCancelled,
    EventType.PAYMENT_PENDING: PaymentPending,
    EventType.PAYMENT_FAILED: PaymentFailed,
    EventType.BOOKING_EXPIRED: BookingExpired,
    EventType.REFUND_COMPLETED: RefundCompleted,
    EventType.REFUND_FAILED: RefundFailed,
}

_domain_event: TypeAdapter[AnyEvent] = TypeAdapter(DomainEvent)


def new_event[E: AnyEvent](
    model: type[E], data: BaseModel | Mapping[str, Any], *, correlation_id: str, causation_id: str
) -> E:
    """A fresh event of the type `model` with new id and timestamp; `data` must fit its contract."""
    metadata = Metadata(
        eventId=new_id(),
        eventType=EventType(model.model_fields["kind"].default),
        occurredAt=now_iso(),
        correlationId=correlation_id,
        causationId=causation_id,
    )
    payload = data.model_dump() if isinstance(data, BaseModel) else dict(data)
    return cast(E, model.model_validate({"metadata": metadata, "data": payload}))


def parse_detail(detail_type: str, detail: dict[str, Any]) -> AnyEvent:
    """Parse an EventBridge `detail` into its typed event (raises ValidationError if it breaks the contract)."""
    return _domain_event.validate_python({**detail, "kind": detail_type})


def detail_of(event: AnyEvent) -> dict[str, Any]:
    """The `detail` document of an event, as it goes on the bus."""
    return event.model_dump(mode="json", exclude={"kind"})


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
