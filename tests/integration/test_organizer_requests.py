"""CancelPerformanceRequested from organizers' own systems, through the bus: applied when valid, parked when not."""

import json

import pytest

from tests.api_events import ORGANIZER, OTHER_ORGANIZER
from tests.helpers import book, register
from tests.integration._support import booking_items, bus_envelope, failures_of, sqs_event, unknown_id
from tests.stack import call_api


def _request(stack, detail: dict) -> None:
    out = stack.events.put_events(
        Entries=[
            {
                "Source": "boxoffice.organizers",
                "DetailType": "CancelPerformanceRequested",
                "Detail": json.dumps(detail),
                "EventBusName": stack.names["EventBus"],
            }
        ]
    )
    assert out["FailedEntryCount"] == 0
    stack.settle()


def _status(stack, pid: str) -> str:
    return call_api(stack, "GET", f"/performances/{pid}")[1]["status"]


def _parked(stack) -> list[dict]:
    return stack.sqs.receive_message(
        QueueUrl=stack.names["OrganizerRequestsDLQ"], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", [])


def test_a_valid_request_cancels_the_performance_and_its_bookings(stack):
    pid = register(stack)["performanceId"]
    book(stack, pid, 2)
    book(stack, pid, 3)
    _request(stack, {"performanceId": pid, "organizerId": ORGANIZER["sub"], "reason": "the soloist is ill"})
    assert _status(stack, pid) == "CANCELLED"
    items = booking_items(stack, pid)
    assert len(items) == 2
    assert {(i["status"], i["cancelReason"]) for i in items} == {("CANCELLED", "PERFORMANCE_CANCELLED")}
    assert stack.visible("OrganizerRequestsDLQ") == 0
    assert book(stack, pid)[1]["code"] == "PERFORMANCE_CANCELLED"


def test_a_repeated_request_is_harmless(stack):
    pid = register(stack)["performanceId"]
    detail = {"performanceId": pid, "organizerId": ORGANIZER["sub"], "reason": "ill"}
    _request(stack, detail)
    _request(stack, detail)
    assert _status(stack, pid) == "CANCELLED"
    assert stack.visible("OrganizerRequestsDLQ") == 0


@pytest.mark.parametrize(
    "make_detail",
    [
        pytest.param(
            lambda pid: {"performanceId": pid, "organizerId": OTHER_ORGANIZER["sub"], "reason": "x"},
            id="foreign-organizer",
        ),
        pytest.param(
            lambda pid: {"performanceId": unknown_id(), "organizerId": ORGANIZER["sub"], "reason": "x"},
            id="unknown-performance",
        ),
        pytest.param(lambda pid: {"performanceId": pid, "organizerId": ORGANIZER["sub"]}, id="missing-reason"),
        pytest.param(
            lambda pid: {"performanceId": pid, "organizerId": ORGANIZER["sub"], "reason": "x", "force": True},
            id="extra-field",
        ),
        pytest.param(
            lambda pid: {"performanceId": pid, "organizerId": ORGANIZER["sub"], "reason": ""}, id="empty-reason"
        ),
    ],
)
def test_a_bad_request_is_not_applied_and_is_parked_with_its_reason(stack, make_detail):
    pid = register(stack)["performanceId"]
    detail = make_detail(pid)
    _request(stack, detail)
    assert _status(stack, pid) == "OPEN"
    assert stack.visible("OrganizerRequestsDLQ") == 1
    (parked,) = _parked(stack)
    assert parked["MessageAttributes"]["rejectionReason"]["StringValue"]
    assert json.loads(parked["Body"])["detail"] == detail  # the original request, for an operator to inspect
    assert stack.visible("OrganizerRequestsQueue") == 0  # not retried over and over


def test_an_event_of_another_source_is_parked_not_applied(stack):
    pid = register(stack)["performanceId"]
    forged = bus_envelope(
        "boxoffice.performances",
        "CancelPerformanceRequested",
        {"performanceId": pid, "organizerId": ORGANIZER["sub"], "reason": "x"},
    )
    assert failures_of(stack, "OrganizerRequestsFunction", sqs_event(forged)) == set()
    assert _status(stack, pid) == "OPEN"
    (parked,) = _parked(stack)
    assert "unexpected event" in parked["MessageAttributes"]["rejectionReason"]["StringValue"]
