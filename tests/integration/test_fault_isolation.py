"""Customers book and cancel while performance management is down or failing; it catches up exactly afterwards."""

import json
import os
import subprocess
import sys

from boxoffice.bookings import service as bookings_service
from boxoffice.performances import service as performances_service
from tests.api_events import CUSTOMER, ORGANIZER, OTHER_CUSTOMER
from tests.conftest import ROOT
from tests.helpers import book, booked_count, register
from tests.integration._support import booking_items
from tests.stack import call_api


def _confirmed_tickets(stack, pid: str) -> int:
    return sum(int(i["quantity"]) for i in booking_items(stack, pid) if i["status"] == "CONFIRMED")


def _customers_keep_going(stack):
    """While the back office is out: cancel one performance, then customers book and cancel on another."""
    doomed = register(stack)["performanceId"]
    open_ = register(stack, capacity=20)["performanceId"]
    assert book(stack, doomed, 2)[0] == 201
    assert call_api(stack, "POST", f"/performances/{doomed}/cancel", claims=ORGANIZER)[0] == 200
    made = []
    for quantity, claims in [(3, CUSTOMER), (4, OTHER_CUSTOMER), (5, CUSTOMER)]:
        status, booking = book(stack, open_, quantity, claims=claims)
        assert status == 201, booking
        made.append(booking)
    status, cancelled = call_api(stack, "POST", f"/bookings/{made[0]['bookingId']}/cancel", claims=CUSTOMER)
    assert (status, cancelled["status"]) == (200, "CANCELLED")
    stack.settle()
    # the booking side learnt of the cancellation on its own: no new bookings for it
    assert book(stack, doomed)[1]["code"] == "PERFORMANCE_CANCELLED"
    assert book(stack, open_, 1)[0] == 201
    return doomed, open_


def _caught_up_exactly(stack, doomed: str, open_: str) -> None:
    stack.settle()
    assert booked_count(stack, open_) == _confirmed_tickets(stack, open_) == 4 + 5 + 1
    assert {i["status"] for i in booking_items(stack, doomed)} == {"CANCELLED"}
    assert booked_count(stack, doomed) == 0
    for dlq in ("HeadcountDLQ", "CancellationDLQ", "StatusViewDLQ", "InventoryDLQ"):
        assert stack.visible(dlq) == 0, dlq


def test_an_outage_of_the_headcount_and_cancellation_consumers(stack):
    stack.down |= {"HeadcountFunction", "CancellationFunction"}
    doomed, open_ = _customers_keep_going(stack)
    stack.settle()
    assert stack.visible("HeadcountQueue") > 0  # the events wait for them
    assert stack.visible("CancellationQueue") == 1
    assert booked_count(stack, open_) == 0
    assert {i["status"] for i in booking_items(stack, doomed)} == {"CONFIRMED"}

    stack.down.clear()
    _caught_up_exactly(stack, doomed, open_)


def test_failing_headcount_and_cancellation_consumers(stack, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("performance management is failing")

    with monkeypatch.context() as failing:
        failing.setattr(performances_service, "apply_moves", broken)
        failing.setattr(bookings_service, "cancel_performance_bookings", broken)
        doomed, open_ = _customers_keep_going(stack)
        stack.settle()  # retried until the redrive policy parks them
        assert booked_count(stack, open_) == 0
        assert {i["status"] for i in booking_items(stack, doomed)} == {"CONFIRMED"}
    # TicketBooked x5 and TicketCancelled x1: none lost, all parked after MaxReceiveCount tries
    assert (stack.visible("HeadcountDLQ"), stack.visible("HeadcountQueue")) == (6, 0)
    assert stack.visible("CancellationDLQ") == 1

    stack.redrive("HeadcountDLQ", "HeadcountQueue")
    stack.redrive("CancellationDLQ", "CancellationQueue")
    _caught_up_exactly(stack, doomed, open_)


def test_the_booking_path_imports_nothing_of_performance_management():
    modules = [
        "boxoffice.handlers.book_ticket",
        "boxoffice.handlers.cancel_booking",
        "boxoffice.handlers.inventory_projector",
        "boxoffice.handlers.cancellation",
        "boxoffice.bookings.service",
        "boxoffice.bookings.store",
    ]
    code = (
        f"import sys, json; import {', '.join(modules)}; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('boxoffice'))))"
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.endswith("_TABLE")},
        "PYTHONPATH": str(ROOT / "functions"),
        "BOOKINGS_TABLE": "bookings",
        "IDEMPOTENCY_TABLE": "idempotency",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert "boxoffice.handlers.book_ticket" in loaded  # the import really happened
    assert [m for m in loaded if m.startswith("boxoffice.performances")] == []
