"""Event contracts: what producers build is what consumers parse, and nothing else gets through."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from boxoffice.contracts import (
    MODEL_OF,
    SOURCE_OF,
    EventType,
    PerformanceCancelled,
    TicketBooked,
    detail_of,
    new_event,
    parse_detail,
)
from boxoffice.outbox import put_event
from boxoffice.publisher import outbox_entry

PERFORMANCE = {"performanceId": "P", "organizerId": "o", "title": "말러", "venue": "v", "startsAt": "s", "capacity": 1,
               "grades": [{"grade": "R", "price": 1000, "seats": 1}], "maxPerCustomer": 4}  # fmt: skip
BOOKING = {"bookingId": "B", "performanceId": "P", "customerId": "c", "grade": "R", "quantity": 2, "unitPrice": 1000,
           "amount": 2000, "currency": "KRW", "createdAt": "t", "title": "말러", "startsAt": "s",
           "organizerId": "o"}  # fmt: skip
REFUND = {"bookingId": "B", "performanceId": "P", "customerId": "c", "amount": 2000, "paymentId": "pi_1", "at": "t"}
DATA = {
    EventType.PERFORMANCE_REGISTERED: {**PERFORMANCE, "createdAt": "t"},
    EventType.PERFORMANCE_CANCELLED: {**PERFORMANCE, "cancelledAt": "t"},
    EventType.TICKET_BOOKED: BOOKING,
    EventType.TICKET_CANCELLED: {**BOOKING, "cancelledAt": "t", "reason": "CUSTOMER", "paymentId": "pi_1"},
    EventType.PAYMENT_PENDING: {**BOOKING, "holdExpiresAt": "t"},
    EventType.PAYMENT_FAILED: {**BOOKING, "failedAt": "t", "reason": "Your card was declined."},
    EventType.BOOKING_EXPIRED: {**BOOKING, "expiredAt": "t", "paymentId": "pi_1"},
    EventType.REFUND_COMPLETED: REFUND,
    EventType.REFUND_FAILED: {**REFUND, "reason": "disputed"},
}


@pytest.mark.parametrize("event_type", list(MODEL_OF))
def test_every_event_round_trips_through_its_bus_detail(event_type):
    event = new_event(MODEL_OF[event_type], DATA[event_type], correlation_id="req", causation_id="cause")
    assert event.metadata.eventType == event_type
    assert (event.metadata.correlationId, event.metadata.causationId) == ("req", "cause")
    assert parse_detail(event_type.value, detail_of(event)) == event


def test_every_event_type_has_a_source_and_a_model():
    assert set(SOURCE_OF) == set(MODEL_OF) == set(DATA)


def test_a_detail_with_an_unknown_field_or_a_missing_one_breaks_the_contract():
    detail = detail_of(new_event(TicketBooked, BOOKING, correlation_id="c", causation_id="c"))
    with pytest.raises(ValidationError):
        parse_detail("TicketBooked", {**detail, "data": {**detail["data"], "price": 1}})
    with pytest.raises(ValidationError):
        parse_detail("TicketBooked", {**detail, "data": {k: v for k, v in detail["data"].items() if k != "quantity"}})
    with pytest.raises(ValidationError):
        parse_detail("TicketExploded", detail)


def test_a_producer_cannot_build_an_event_its_contract_refuses():
    with pytest.raises(ValidationError):
        new_event(PerformanceCancelled, PERFORMANCE, correlation_id="c", causation_id="c")  # no cancelledAt


def test_the_outbox_item_becomes_exactly_the_put_events_entry():
    event = new_event(TicketBooked, BOOKING, correlation_id="c", causation_id="c")
    item = put_event("BookingsTable", event)["Put"]["Item"]
    image = {k: {"S": v} if isinstance(v, str) else {"N": str(v)} for k, v in item.items()}
    entry = outbox_entry({"eventName": "INSERT", "dynamodb": {"NewImage": image}}, "bus")
    assert entry is not None
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        "boxoffice.bookings",
        "TicketBooked",
        "bus",
    )
    assert parse_detail(entry["DetailType"], json.loads(entry["Detail"])) == event
    assert "말러" in entry["Detail"]  # UTF-8 as is, not escaped


@pytest.mark.parametrize(
    "record",
    [
        {"eventName": "MODIFY", "dynamodb": {"NewImage": {"kind": {"S": "EVENT"}}}},
        {"eventName": "REMOVE", "dynamodb": {}},
        {"eventName": "INSERT", "dynamodb": {"NewImage": {"kind": {"S": "BOOKING"}}}},
        {"eventName": "INSERT", "dynamodb": {"NewImage": {}}},
    ],
)
def test_stream_records_that_are_not_new_outbox_items_go_nowhere(record):
    assert outbox_entry(record, "bus") is None
