"""The contract between the code's events and template.yaml's rules: every event is routed, each consumer gets
exactly the event types it handles, and every function in the template imports."""

import importlib
import itertools
import json

import pytest

from boxoffice.contracts import MODEL_OF, SOURCE_OF, EventType, Source, detail_of, new_event, parse_detail
from tests import template
from tests.api_events import CUSTOMER, ORGANIZER
from tests.helpers import book, register
from tests.integration._support import booking_data, expire_hold_now, unknown_id
from tests.stack import call_api

# What each consumer handles (its code), as (source, detail-type).
PERF, BOOK, ORG = Source.PERFORMANCES.value, Source.BOOKINGS.value, Source.ORGANIZERS.value
HANDLES = {
    "InventoryProjectorFunction": {(PERF, "PerformanceRegistered"), (PERF, "PerformanceCancelled")},
    "CancellationFunction": {(PERF, "PerformanceCancelled")},
    "HeadcountFunction": {
        (BOOK, "PaymentPending"),
        (BOOK, "TicketBooked"),
        (BOOK, "TicketCancelled"),
        (BOOK, "PaymentFailed"),
        (BOOK, "BookingExpired"),
    },
    "StatusViewProjectorFunction": {
        (PERF, "PerformanceRegistered"),
        (PERF, "PerformanceCancelled"),
        *((BOOK, t) for t in ("PaymentPending", "TicketBooked", "TicketCancelled", "PaymentFailed", "BookingExpired")),
        (BOOK, "RefundCompleted"),
        (BOOK, "RefundFailed"),
    },
    "OrganizerRequestsFunction": {(ORG, "CancelPerformanceRequested")},
    "PaymentRetryFunction": {(BOOK, "PaymentPending")},
    "RefundsFunction": {(BOOK, "TicketCancelled"), (BOOK, "BookingExpired")},
    "TallyFunction": {(PERF, "PerformanceRegistered"), (BOOK, "TicketBooked"), (BOOK, "TicketCancelled")},
}
MATCHES_ONLY = {"TallyFunction"}  # consumers whose rule routes on the events' `kind: MATCH`
ALL_EVENTS = {(s.value, t.value) for t, s in SOURCE_OF.items()} | {(ORG, "CancelPerformanceRequested")}


def _sample(event_type: EventType, kind: str = "CONCERT"):
    pid = unknown_id()
    match = kind == "MATCH"
    performance = {
        "performanceId": pid,
        "organizerId": "org-1",
        "title": "베토벤",
        "venue": "Hall",
        "startsAt": "2030-05-01T19:30:00+09:00",
        "capacity": 10,
        "grades": [{"grade": "GENERAL", "price": 0, "seats": 10}],
        "maxPerCustomer": 4,
        **({"kind": "MATCH", "teams": ["두산 베어스", "LG 트윈스"]} if match else {}),
    }
    data = {
        EventType.PERFORMANCE_REGISTERED: {**performance, "createdAt": "2030-01-01T00:00:00.000Z"},
        EventType.PERFORMANCE_CANCELLED: {**performance, "cancelledAt": "2030-01-01T00:00:00.000Z"},
    }.get(event_type)
    booking = booking_data(pid, team="LG 트윈스" if match else None, stake=5000 if match else 0)
    refund = {k: booking[k] for k in ("bookingId", "performanceId", "customerId", "amount")}
    refund |= {"paymentId": "pi_1", "at": "2030-01-01T00:00:00.000Z"}
    data = (
        data
        or {
            EventType.TICKET_BOOKED: booking,
            EventType.TICKET_CANCELLED: {**booking, "cancelledAt": "2030-01-02T00:00:00.000Z", "reason": "CUSTOMER"},
            EventType.PAYMENT_PENDING: {**booking, "holdExpiresAt": "2030-01-01T00:10:00.000Z"},
            EventType.PAYMENT_FAILED: {**booking, "failedAt": "2030-01-01T00:00:01.000Z", "reason": "declined"},
            EventType.BOOKING_EXPIRED: {**booking, "expiredAt": "2030-01-01T00:10:00.000Z", "paymentId": "pi_1"},
            EventType.REFUND_COMPLETED: refund,
            EventType.REFUND_FAILED: {**refund, "reason": "disputed"},
        }[event_type]
    )
    return new_event(MODEL_OF[event_type], data, correlation_id="c", causation_id="c")


def _consumer_rule_of(function: str) -> dict:
    """The one rule whose target is the queue that feeds `function`."""
    (queue,) = [
        s["Properties"]["Queue"]["Fn::GetAtt"][0]
        for s in template.functions()[function]["Events"].values()
        if s["Type"] == "SQS"
    ]
    rules = [
        r["Properties"]
        for r in template.resources("AWS::Events::Rule").values()
        if any(t["Arn"] == {"Fn::GetAtt": [queue, "Arn"]} for t in r["Properties"]["Targets"])
    ]
    assert len(rules) == 1, f"{function}: {len(rules)} rules feed {queue}"
    return rules[0]


def _matches(pattern: dict, source: str, detail_type: str, detail: dict) -> bool:
    from moto.events.models import EventPattern

    event = {
        "version": "0",
        "id": "x",
        "source": source,
        "detail-type": detail_type,
        "account": "123456789012",
        "time": "2030-01-01T00:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }
    return EventPattern(json.dumps(pattern), pattern).matches_event(event)


@pytest.mark.parametrize("kind", ["CONCERT", "MATCH"])
@pytest.mark.parametrize("event_type", list(SOURCE_OF), ids=str)
def test_every_emitted_event_round_trips_its_contract(event_type, kind):
    event = _sample(event_type, kind)
    detail = json.loads(json.dumps(detail_of(event)))
    assert set(detail) == {"metadata", "data"}
    assert parse_detail(event_type.value, detail) == event


@pytest.mark.parametrize("kind", ["CONCERT", "MATCH"])
@pytest.mark.parametrize("function", sorted(HANDLES))
def test_each_consumer_rule_matches_exactly_what_it_handles(function, kind):
    pattern = _consumer_rule_of(function)["EventPattern"]
    details = {t.value: detail_of(_sample(t, kind)) for t in SOURCE_OF}
    details["CancelPerformanceRequested"] = {"performanceId": unknown_id(), "organizerId": "org-1", "reason": "x"}
    matched = {(s, t) for s, t in ALL_EVENTS if _matches(pattern, s, t, details[t])}
    assert matched == (HANDLES[function] if kind == "MATCH" or function not in MATCHES_ONLY else set())
    # and nothing of these types from a source it does not listen to (e.g. organizers' systems)
    for _, detail_type in HANDLES[function]:
        for other in {PERF, BOOK, ORG} - {s for s, _ in HANDLES[function]}:
            assert not _matches(pattern, other, detail_type, details[detail_type])


def test_every_emitted_event_type_reaches_some_consumer():
    routed = set().union(*HANDLES.values())
    assert {(s.value, t.value) for t, s in SOURCE_OF.items()} <= routed
    assert set(HANDLES) == {
        f for f, p in template.functions().items() if any(s["Type"] == "SQS" for s in p.get("Events", {}).values())
    }


def test_the_bus_routes_each_event_to_exactly_its_consumers_queues(stack):
    """The same, end to end in moto: put each event on the bus and see which queues it lands in."""
    queue_of = {f: _consumer_rule_of(f)["Targets"][0]["Arn"]["Fn::GetAtt"][0] for f in HANDLES}
    seen = dict.fromkeys(HANDLES, 0)
    for kind, (source, detail_type) in itertools.product(("CONCERT", "MATCH"), sorted(ALL_EVENTS)):
        if detail_type == "CancelPerformanceRequested":
            detail = {"performanceId": unknown_id(), "organizerId": "org-1", "reason": "x"}
        else:
            detail = detail_of(_sample(EventType(detail_type), kind))
        stack.events.put_events(
            Entries=[
                {
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail),
                    "EventBusName": stack.names["EventBus"],
                }
            ]
        )
        now = {f: stack.visible(q) for f, q in queue_of.items()}
        landed = {f for f in HANDLES if now[f] == seen[f] + 1}
        assert all(now[f] - seen[f] in (0, 1) for f in HANDLES)
        expected = {
            f
            for f, handled in HANDLES.items()
            if (source, detail_type) in handled and (kind == "MATCH" or f not in MATCHES_ONLY)
        }
        assert landed == expected, (kind, detail_type)
        seen = now


def test_the_code_emits_exactly_the_contracted_events(stack, provider):
    """Drive every command and every path of a payment, then read the outboxes: each item's source and type are the
    contract's."""
    pid = register(stack, grades=[{"grade": "R", "price": 1000, "seats": 50}])["performanceId"]
    _, booking = book(stack, pid, 2, payment_method="pm_card_visa")  # TicketBooked, paid
    call_api(stack, "POST", f"/bookings/{booking['bookingId']}/cancel", claims=CUSTOMER)  # TicketCancelled
    provider.refuse_refunds = True
    stack.settle()  # the refund is refused: RefundFailed
    provider.refuse_refunds = False
    stack.redrive_all()
    stack.settle()  # RefundCompleted
    assert book(stack, pid, 1, payment_method="pm_card_chargeCustomerFail")[0] == 402  # PaymentFailed
    provider.down = True
    status, pending = book(stack, pid, 1, payment_method="pm_card_visa")  # PaymentPending
    assert status == 202, pending
    expire_hold_now(stack, pending)  # BookingExpired
    provider.down = False
    call_api(stack, "POST", f"/performances/{pid}/cancel", claims=ORGANIZER)  # PerformanceCancelled
    stack.settle()
    emitted = set()
    for table in ("PerformancesTable", "BookingsTable"):
        for item in stack.table(table).scan()["Items"]:
            if item.get("kind") == "EVENT":
                emitted.add((item["source"], item["eventType"]))
                parse_detail(item["eventType"], json.loads(item["detail"]))  # valid against the contract
    assert emitted == {(s.value, t.value) for t, s in SOURCE_OF.items()}


@pytest.mark.parametrize("function", sorted(template.functions()))
def test_every_function_in_the_template_imports(function, stack):
    props = template.functions()[function]
    module = importlib.import_module(template.handler_module(props))
    assert callable(getattr(module, props["Handler"].rsplit(".", 1)[1]))
