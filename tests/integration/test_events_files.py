"""The sample events in events/ (for `sam local invoke -e` and the like): every function has at least one,
and each is accepted by its function in a world where the things it names exist."""

import json

import pytest

from boxoffice.bookings import service as bookings_service
from boxoffice.handlers import pre_traffic as pre_traffic_handler
from boxoffice.models import Booking, BookingView, Performance
from boxoffice.performances import service as performances_service
from tests import template
from tests.conftest import ROOT
from tests.integration._support import FakeDeployClients, failures_of
from tests.stack import call_api

EVENTS = ROOT / "events"

# The ids and users the sample events name.
PERFORMANCE_ID = "01JD6M3Q5YV7R1X2Z3A4B5C6D7"
BOOKING_ID = "01JD6M4A8KX2N3P4Q5R6S7T8V9"
# A paid performance, and its bookings: one whose payment is pending, one whose hold runs out, one paid and
# cancelled (its refund is what the refunds sample redelivers).
PAID_PERFORMANCE_ID = "01JD6M3Q5YV7R1X2Z3A4B5C6E0"
PENDING_ID, EXPIRING_ID, REFUNDED_ID = (
    "01JD6M4A8KX2N3P4Q5R6S7T8X1",
    "01JD6M4A8KX2N3P4Q5R6S7T8X2",
    "01JD6M4A8KX2N3P4Q5R6S7T8X3",
)
# A match, and a ticket of it (the tally sample counts a booking of its own beside it).
MATCH_ID, MATCH_BOOKING_ID = "01JD6M3Q5YV7R1X2Z3A4B5C6E1", "01JD6M4A8KX2N3P4Q5R6S7T8X4"
HOME, AWAY = "두산 베어스", "LG 트윈스"
ORGANIZER = {"sub": "7d1e6f0a-3b2c-4d5e-8f90-1a2b3c4d5e6f", "cognito:groups": "organizers"}
CUSTOMER = {"sub": "c0ffee00-1234-4abc-9def-0123456789ab"}

EVENT_FILES = {
    "RegisterPerformanceFunction": ["register_performance.json"],
    "CancelPerformanceFunction": ["cancel_performance.json"],
    "PerformanceQueriesFunction": ["list_performances.json", "get_performance.json"],
    "BookTicketFunction": ["book_ticket.json"],
    "CancelBookingFunction": ["cancel_booking.json"],
    "BookingQueriesFunction": ["list_my_bookings.json", "get_my_booking.json", "performance_bookings.json"],
    "StreamPublisherFunction": ["stream_publisher.json"],
    "InventoryProjectorFunction": ["inventory_projector.json"],
    "CancellationFunction": ["cancellation.json"],
    "HeadcountFunction": ["headcount.json"],
    "StatusViewProjectorFunction": ["status_projector.json"],
    "OrganizerRequestsFunction": ["organizer_requests.json"],
    "PaymentRetryFunction": ["payment_retry.json"],
    "RefundsFunction": ["refunds.json"],
    "HoldExpiryFunction": ["hold_expiry.json"],
    "TallyFunction": ["tally.json"],
    "TallyQueriesFunction": ["get_tally.json"],
    "PreTrafficHookFunction": ["pre_traffic_hook.json"],
}

# What the API answers: the fields of its response models, no more, no fewer.
PERFORMANCE_KEYS = set(Performance.model_fields)
BOOKING_KEYS = set(Booking.model_fields)
# API samples: the status they get and what their body must look like.
API_EXPECT = {
    "register_performance.json": (201, lambda b: set(b) == PERFORMANCE_KEYS and b["status"] == "OPEN"),
    "cancel_performance.json": (200, lambda b: set(b) == PERFORMANCE_KEYS and b["status"] == "CANCELLED"),
    "list_performances.json": (
        200,
        lambda b: set(b) == {"items", "nextToken"} and PERFORMANCE_ID in [p["performanceId"] for p in b["items"]],
    ),
    "get_performance.json": (200, lambda b: set(b) == PERFORMANCE_KEYS and b["performanceId"] == PERFORMANCE_ID),
    "book_ticket.json": (201, lambda b: set(b) == BOOKING_KEYS and b["status"] == "CONFIRMED"),
    "cancel_booking.json": (
        200,
        lambda b: set(b) == BOOKING_KEYS and b["bookingId"] == BOOKING_ID and b["status"] == "CANCELLED",
    ),
    "list_my_bookings.json": (
        200,
        lambda b: set(b) == {"items", "nextToken"} and BOOKING_ID in [v["bookingId"] for v in b["items"]],
    ),
    "get_my_booking.json": (200, lambda b: set(b) == set(BookingView.model_fields)),
    "performance_bookings.json": (
        200,
        lambda b: set(b) == {"items", "nextToken", "summary"} and b["summary"]["confirmedBookings"] == 1,
    ),
    "get_tally.json": (
        200,
        lambda b: (
            set(b) == {"performanceId", "teams", "updatedAt"}
            and [(t["team"], t["tickets"], t["stake"]) for t in b["teams"]][1] == (AWAY, 2, 10_000)
        ),
    ),
}


def _booking(stack, booking_id: str = BOOKING_ID, performance_id: str = PERFORMANCE_ID) -> dict:
    ref = {"pk": f"PERF#{performance_id}", "sk": f"BOOKING#{booking_id}"}
    return stack.table("BookingsTable").get_item(Key=ref)["Item"]


def _booking_status(stack, booking_id: str = BOOKING_ID, performance_id: str = PERFORMANCE_ID) -> str:
    return _booking(stack, booking_id, performance_id)["status"]


def _refund(stack, booking_id: str) -> dict | None:
    return _booking(stack, booking_id, PAID_PERFORMANCE_ID).get("refund")


def _performance(stack) -> dict:
    return call_api(stack, "GET", f"/performances/{PERFORMANCE_ID}")[1]


def _tally(stack) -> list[tuple[str, int, int, int]]:
    return [
        (t["team"], t["tickets"], t["bookings"], t["stake"])
        for t in call_api(stack, "GET", f"/performances/{MATCH_ID}/tally")[1]["teams"]
    ]


# Queue and stream samples: what each one visibly did.
EFFECT = {
    # its TicketBooked went on the bus (a redelivered record is published again: consumers dedupe by eventId)
    "stream_publisher.json": lambda s: s.visible("HeadcountQueue") >= 1,
    "inventory_projector.json": lambda s: (
        s.table("BookingsTable").get_item(Key={"pk": f"PERF#{PERFORMANCE_ID}", "sk": "INVENTORY"})["Item"][
            "avail_GENERAL"
        ]
        == 2500 - 2
    ),
    "cancellation.json": lambda s: _booking_status(s) == "CANCELLED",
    "headcount.json": lambda s: _performance(s)["bookedCount"] == 2 + 2,  # a booking of its own, counted once
    "status_projector.json": lambda s: call_api(s, "GET", f"/bookings/{BOOKING_ID}", claims=CUSTOMER)[0] == 200,
    "organizer_requests.json": lambda s: (
        _performance(s)["status"] == "CANCELLED" and s.visible("OrganizerRequestsDLQ") == 0
    ),
    "payment_retry.json": lambda s: _booking_status(s, PENDING_ID, PAID_PERFORMANCE_ID) == "CONFIRMED",
    # refunded once by the chain already: the redelivered cancellation refunds nothing more
    "refunds.json": lambda s: _refund(s, REFUNDED_ID) == {"status": "REFUNDED"},
    "hold_expiry.json": lambda s: _booking_status(s, EXPIRING_ID, PAID_PERFORMANCE_ID) == "EXPIRED",
    # a ticket of its own for the home team, beside the world's for the away team, counted once
    "tally.json": lambda s: _tally(s) == [(HOME, 3, 1, 5000), (AWAY, 2, 1, 10_000)],
}


def _load(name: str):
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture
def world(stack, provider, monkeypatch):
    """The performance and the booking the samples name, made through the real API and chain."""
    with monkeypatch.context() as m:
        m.setattr(performances_service, "new_id", lambda: PERFORMANCE_ID)
        status, perf = call_api(
            stack,
            "POST",
            "/performances",
            {
                "title": "베토벤 교향곡 9번",
                "venue": "예술의전당 콘서트홀",
                "startsAt": "2030-12-24T19:30:00+09:00",
                "capacity": 2500,
            },
            claims=ORGANIZER,
        )
        assert status == 201, perf
        stack.settle()
        m.setattr(bookings_service, "new_id", lambda: BOOKING_ID)
        status, booking = call_api(
            stack, "POST", "/bookings", {"performanceId": PERFORMANCE_ID, "quantity": 2}, claims=CUSTOMER
        )
        assert status == 201, booking
    stack.settle()
    _paid_world(stack, provider, monkeypatch)
    _match_world(stack, monkeypatch)
    return stack


def _match_world(stack, monkeypatch) -> None:
    with monkeypatch.context() as m:
        m.setattr(performances_service, "new_id", lambda: MATCH_ID)
        body = {
            "title": f"{HOME} vs {AWAY}",
            "venue": "잠실야구장",
            "startsAt": "2030-07-01T18:30:00+09:00",
            "capacity": 100,
            "kind": "MATCH",
            "teams": [HOME, AWAY],
        }
        assert call_api(stack, "POST", "/performances", body, claims=ORGANIZER)[0] == 201
        stack.settle()
        m.setattr(bookings_service, "new_id", lambda: MATCH_BOOKING_ID)
        request = {
            "performanceId": MATCH_ID, "quantity": 2, "team": AWAY, "stake": 10_000, "paymentMethod": "pm_card_visa",
        }  # fmt: skip
        assert call_api(stack, "POST", "/bookings", request, claims=CUSTOMER)[0] == 201
    stack.settle()


def _paid_world(stack, provider, monkeypatch) -> None:
    with monkeypatch.context() as m:
        m.setattr(performances_service, "new_id", lambda: PAID_PERFORMANCE_ID)
        grades = [{"grade": "R", "price": 150_000, "seats": 100}]
        body = {
            "title": "조성진 피아노 리사이틀",
            "venue": "콘서트홀",
            "startsAt": "2030-12-24T19:30:00+09:00",
            "grades": grades,
        }
        assert call_api(stack, "POST", "/performances", body, claims=ORGANIZER)[0] == 201
        stack.settle()
        stack.down.add("PaymentRetryFunction")  # the samples run it themselves
        provider.down = True
        for booking_id in (PENDING_ID, EXPIRING_ID):
            m.setattr(bookings_service, "new_id", lambda booking_id=booking_id: booking_id)
            request = {"performanceId": PAID_PERFORMANCE_ID, "quantity": 1, "paymentMethod": "pm_card_visa"}
            assert call_api(stack, "POST", "/bookings", request, claims=CUSTOMER)[0] == 202
        provider.down = False
        m.setattr(bookings_service, "new_id", lambda: REFUNDED_ID)
        request = {"performanceId": PAID_PERFORMANCE_ID, "quantity": 1, "paymentMethod": "pm_card_visa"}
        assert call_api(stack, "POST", "/bookings", request, claims=CUSTOMER)[0] == 201
        assert call_api(stack, "POST", f"/bookings/{REFUNDED_ID}/cancel", claims=CUSTOMER)[0] == 200
    stack.settle()
    assert provider.refunds == [("pi_1", 150_000)]
    stack.table("BookingsTable").update_item(  # its hold runs out
        Key={"pk": f"PERF#{PAID_PERFORMANCE_ID}", "sk": f"BOOKING#{EXPIRING_ID}"},
        UpdateExpression="SET holdExpiresAt = :t, gsi1sk = :s",
        ExpressionAttributeValues={":t": "2000-01-01T00:00:00.000Z", ":s": f"2000-01-01T00:00:00.000Z#{EXPIRING_ID}"},
    )


def test_every_function_in_the_template_has_a_sample_event():
    assert set(EVENT_FILES) == set(template.functions())
    for files in EVENT_FILES.values():
        assert files
        assert all((EVENTS / f).is_file() for f in files)


def test_every_sample_event_file_is_used_or_is_the_put_events_entry():
    used = {f for files in EVENT_FILES.values() for f in files} | {"organizer_cancel_request.json"}
    assert {p.name for p in EVENTS.glob("*.json")} == used


@pytest.mark.parametrize(("function", "name"), [(f, n) for f, files in EVENT_FILES.items() for n in files])
def test_each_function_accepts_its_sample_events(world, function, name, monkeypatch):
    event = _load(name)
    if function == "PreTrafficHookFunction":  # CodeDeploy's call: the new versions checked in moto's world
        aws = FakeDeployClients(world, pre_traffic_handler.config.client)
        monkeypatch.setattr(pre_traffic_handler.config, "client", aws.client)
        world.invoke(function, event)
        assert [v["status"] for v in aws.verdicts] == ["Succeeded"]
        assert aws.verdicts[0]["deploymentId"] == event["DeploymentId"]
        return
    if name in API_EXPECT:
        status, shape = API_EXPECT[name]
        response = world.invoke(function, event)
        body = json.loads(response["body"])
        assert response["statusCode"] == status, body
        assert shape(body), body
    else:
        invoke = (lambda: world.invoke(function, event) and set()) if "Records" not in event else None
        assert (invoke or (lambda: failures_of(world, function, event)))() == set()
        assert EFFECT[name](world)
        assert (invoke or (lambda: failures_of(world, function, event)))() == set()  # a redelivery is accepted too
        assert EFFECT[name](world)


def test_the_put_events_sample_cancels_the_performance_through_the_bus(world):
    entries = _load("organizer_cancel_request.json")
    assert isinstance(entries, list)
    assert entries[0]["EventBusName"] == "boxoffice-dev"
    assert isinstance(entries[0]["Detail"], str)
    out = world.events.put_events(Entries=[{**e, "EventBusName": world.names["EventBus"]} for e in entries])
    assert out["FailedEntryCount"] == 0
    world.settle()
    assert call_api(world, "GET", f"/performances/{PERFORMANCE_ID}")[1]["status"] == "CANCELLED"
    assert world.visible("OrganizerRequestsDLQ") == 0
