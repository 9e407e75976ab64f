"""The stream publisher: outbox items from real stream records onto the bus, failing exactly what did not go out."""

import json

from boxoffice import config
from tests.api_events import CUSTOMER
from tests.helpers import book, register
from tests.integration._support import bus_tap, failures_of
from tests.stack import call_api


def _records(stack) -> list[dict]:
    arn = stack.stream_arns["BookingsTable"]
    return [{**r, "eventSourceARN": arn} for r in stack.stream_records("BookingsTable")]


def _is_outbox(record: dict) -> bool:
    return record["eventName"] == "INSERT" and record["dynamodb"]["NewImage"].get("kind", {}).get("S") == "EVENT"


def _seq(record: dict) -> str:
    return record["dynamodb"]["SequenceNumber"]


def _publish(stack, records) -> set[str]:
    return failures_of(stack, "StreamPublisherFunction", {"Records": records})


def test_a_booking_reaches_the_bus_as_its_contract_says(stack):
    pid = register(stack)["performanceId"]
    tap = bus_tap(stack)
    _, booking = book(stack, pid, 3)
    records = _records(stack)
    outbox = [r for r in records if _is_outbox(r)]
    assert len(outbox) == 1
    assert len(records) > 1
    assert _publish(stack, records) == set()

    (event,) = tap()
    assert event["source"] == "boxoffice.bookings"
    assert event["detail-type"] == "TicketBooked"
    meta, data = event["detail"]["metadata"], event["detail"]["data"]
    assert meta["eventType"] == "TicketBooked"
    assert meta["eventVersion"] == 1
    assert meta["eventId"] == outbox[0]["dynamodb"]["NewImage"]["eventId"]["S"]
    assert meta["correlationId"]
    assert meta["causationId"]
    assert meta["occurredAt"]
    assert {k: data[k] for k in ("bookingId", "performanceId", "customerId", "quantity")} == {
        k: booking[k] for k in ("bookingId", "performanceId", "customerId", "quantity")
    }
    assert data["title"] == "Beethoven 9"
    assert data["organizerId"] == "org-1"


def test_records_that_are_not_new_outbox_items_are_ignored(stack):
    pid = register(stack)["performanceId"]
    tap = bus_tap(stack)
    _, booking = book(stack, pid, 3)
    call_api(stack, "POST", f"/bookings/{booking['bookingId']}/cancel", claims=CUSTOMER)
    stack.table("BookingsTable").delete_item(Key={"pk": f"BOOKING#{booking['bookingId']}", "sk": "REF"})
    records = _records(stack)
    assert {r["eventName"] for r in records} == {"INSERT", "MODIFY", "REMOVE"}
    others = [r for r in records if not _is_outbox(r)]
    event_as_modify = {**next(r for r in records if _is_outbox(r)), "eventName": "MODIFY"}
    assert _publish(stack, [*others, event_as_modify]) == set()
    assert tap() == []


class _FlakyBus:
    """The real events client, except that the entries `refuse` picks come back with an ErrorCode."""

    def __init__(self, real, refuse):
        self.real, self.refuse, self.calls = real, refuse, []

    def put_events(self, Entries):
        self.calls.append(len(Entries))
        accepted = [e for e in Entries if not self.refuse(e)]
        if accepted:
            self.real.put_events(Entries=accepted)
        results = [
            {"ErrorCode": "InternalFailure", "ErrorMessage": "try again"} if self.refuse(e) else {"EventId": "x"}
            for e in Entries
        ]
        return {"FailedEntryCount": sum("ErrorCode" in r for r in results), "Entries": results}


def _booking_id(entry) -> str:
    return json.loads(entry["Detail"])["data"]["bookingId"]


def test_exactly_the_refused_entries_are_reported_and_a_retry_sends_them(stack, monkeypatch):
    pid = register(stack)["performanceId"]
    tap = bus_tap(stack)
    # two PutEvents calls of at most 10 (a customer each: one may hold at most 10 tickets)
    bookings = [book(stack, pid, 1, claims={"sub": f"cust-{n}"})[1] for n in range(12)]
    refused = {bookings[2]["bookingId"], bookings[11]["bookingId"]}
    records = _records(stack)
    by_booking = {
        json.loads(r["dynamodb"]["NewImage"]["detail"]["S"])["data"]["bookingId"]: _seq(r)
        for r in records
        if _is_outbox(r)
    }
    real = config.client("events")
    flaky = _FlakyBus(real, lambda e: _booking_id(e) in refused)
    with monkeypatch.context() as m:
        m.setattr(config, "client", lambda service: flaky if service == "events" else real)
        assert _publish(stack, records) == {by_booking[b] for b in refused}
    assert flaky.calls == [10, 2]
    first = tap()
    assert {e["detail"]["data"]["bookingId"] for e in first} == set(by_booking) - refused

    retry = [r for r in records if _seq(r) in {by_booking[b] for b in refused}]
    assert _publish(stack, retry) == set()
    assert sorted(e["detail"]["data"]["bookingId"] for e in tap()) == sorted(refused)


def test_a_put_events_call_that_fails_as_a_whole_fails_all_its_records(stack, monkeypatch):
    pid = register(stack)["performanceId"]
    tap = bus_tap(stack)
    for _ in range(3):
        book(stack, pid, 1)
    records = _records(stack)

    class Down:
        def put_events(self, Entries):
            raise ConnectionError("the bus is unreachable")

    monkeypatch.setattr(config, "client", lambda service: Down())
    assert _publish(stack, records) == {_seq(r) for r in records if _is_outbox(r)}
    assert tap() == []
