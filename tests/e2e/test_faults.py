"""Faults on the local stack: consumers down, consumers failing (the tally among them), the publisher unable to put
events.

Faults are injected only through the emulator's own AWS APIs, never by switches in the code:
  * an outage: the consumer's queue event source mapping is disabled (UpdateEventSourceMapping);
  * a failing consumer: its configuration is broken (UpdateFunctionConfiguration pointing its
    table at one that does not exist), so every message errors, is retried and parked in the DLQ;
  * a failing publisher: its EVENT_BUS_NAME is broken.
Each is undone exactly (the original configuration restored, the mapping re-enabled) and, where
messages were parked, the documented redrive (`boxoffice redrive <DLQ>`) brings them back.
Meanwhile every customer request must succeed, and afterwards every count must be exactly right.
"""

from __future__ import annotations

import contextlib
import os
import random
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import stored_bookings

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BOXOFFICE = ROOT / ".venv" / "bin" / "boxoffice"
BOOKINGS, CANCELLATIONS = 200, 50
CLIENTS = 4  # concurrent HTTP clients (a 2-core machine, shared)
NO_SUCH_TABLE = "boxoffice-faults-no-such-table"
# The emulator kills a function's worker process whenever an invocation errors, so every failed
# batch pays a cold start (seconds each on a busy machine): parking 250 messages after 3
# deliveries each takes a while.
PARKING_TIMEOUT = 900


# ------------------------------------------------------------------------------------------ stack access
def _starts() -> str:
    return (datetime.now(UTC) + timedelta(days=60)).strftime("%Y-%m-%dT19:00:00+09:00")


def _queue_counts(stack, logical: str) -> tuple[int, int]:
    attrs = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.resources[logical],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def _waiting(stack, logical: str) -> int:
    """Messages in a queue, visible or in flight."""
    return sum(_queue_counts(stack, logical))


def _confirmed_tickets(stack, pid: str) -> int:
    return sum(b["quantity"] for b in stored_bookings(stack, pid) if b["status"] == "CONFIRMED")


def _booked_count(api, pid: str) -> int:
    r = api.call("GET", f"/performances/{pid}")
    assert r.status_code == 200, r.text
    return r.json()["bookedCount"]


def _is_open(stack, pid: str) -> bool:
    item = (
        stack.client("dynamodb")
        .get_item(
            TableName=stack.resources["BookingsTable"],
            Key={"pk": {"S": f"PERF#{pid}"}, "sk": {"S": "INVENTORY"}},
            ConsistentRead=True,
        )
        .get("Item")
    )
    return bool(item) and item["status"]["S"] == "OPEN"


def _register(api, organizer: str, count: int, capacity: int, title: str, teams: list[str] | None = None) -> list[str]:
    """`count` performances of `capacity` free seats, open for booking; with `teams`, matches."""
    pids = []
    for i in range(count):
        r = api.call(
            "POST",
            "/performances",
            organizer,
            json={
                "title": f"{title} {i + 1}",
                "venue": "콘서트홀",
                "startsAt": _starts(),
                "capacity": capacity,
                "maxPerCustomer": 10,
                **({"kind": "MATCH", "teams": teams} if teams else {}),
            },
        )
        assert r.status_code == 201, r.text
        pids.append(r.json()["performanceId"])
    for pid in pids:
        api.wait_for(lambda pid=pid: _is_open(api.stack, pid), f"performance {pid} opening for booking")
    return pids


# ------------------------------------------------------------------------------------------ faults
@contextlib.contextmanager
def outage(stack, functions: list[str]):
    """Disable the functions' queue event source mappings: their messages wait in the queues."""
    lam = stack.client("lambda")
    mappings = [stack.resources[f"{f}Queue"] for f in functions]
    try:
        for uuid in mappings:
            assert lam.update_event_source_mapping(UUID=uuid, Enabled=False)["State"] in ("Disabled", "Disabling")
        yield
    finally:
        for uuid in mappings:
            lam.update_event_source_mapping(UUID=uuid, Enabled=True)
        for uuid in mappings:
            assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled"


def _wait_updated(stack, function_name: str) -> dict:
    lam = stack.client("lambda")
    return stack.wait_for(
        lambda: (
            (c := lam.get_function_configuration(FunctionName=function_name))["LastUpdateStatus"] == "Successful" and c
        ),
        timeout=30,
        what=f"{function_name} configuration update",
    )


ALIAS = "live"  # what API Gateway, the queues and the stream call (AutoPublishAlias in template.yaml)


@contextlib.contextmanager
def broken_environment(stack, changes: dict[str, dict[str, str]]):
    """A bad deploy of some functions, as it reaches AWS: their environment changed (logical id -> {name: value}),
    published as a new version and their alias moved to it; afterwards the alias moved back to the version it ran
    and the environment restored exactly. (Changing $LATEST alone would change nothing that runs: every caller
    invokes the alias, and a version's configuration is fixed when it is published.)"""
    lam = stack.client("lambda")
    restore = {}
    try:
        for logical, variables in changes.items():
            name = stack.resources[logical]
            original = lam.get_function_configuration(FunctionName=name)["Environment"]
            restore[logical] = (original, lam.get_alias(FunctionName=name, Name=ALIAS)["FunctionVersion"])
            broken = {**original["Variables"], **variables}
            lam.update_function_configuration(FunctionName=name, Environment={"Variables": broken})
            assert _wait_updated(stack, name)["Environment"]["Variables"] == broken
            version = lam.publish_version(FunctionName=name)["Version"]
            lam.update_alias(FunctionName=name, Name=ALIAS, FunctionVersion=version)
            running = lam.get_function_configuration(FunctionName=name, Qualifier=ALIAS)
            assert running["Environment"]["Variables"] == broken
        yield
    finally:
        for logical, (original, version) in restore.items():
            name = stack.resources[logical]
            lam.update_alias(FunctionName=name, Name=ALIAS, FunctionVersion=version)
            lam.update_function_configuration(FunctionName=name, Environment=original)
            assert _wait_updated(stack, name)["Environment"] == original
            assert lam.get_function_configuration(FunctionName=name, Qualifier=ALIAS)["Environment"] == original


@contextlib.contextmanager
def queue_attribute(stack, queue_logical: str, name: str, value: str):
    sqs = stack.client("sqs")
    url = stack.resources[queue_logical]
    original = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"][name]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={name: value})
    try:
        yield
    finally:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={name: original})


def _redrive(stack, dlq: str) -> int:
    """The documented operator command, as an operator runs it."""
    result = subprocess.run(
        [str(BOXOFFICE), "redrive", dlq],
        env={**os.environ, "BOXOFFICE_STATE": str(stack.state_file)},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, f"`boxoffice redrive {dlq}` failed:\n{result.stderr[-1500:]}"
    words = result.stdout.split()
    assert words[0] == "moved", result.stdout
    return int(words[1])


# ------------------------------------------------------------------------------------------ the traffic
class Sale:
    """200 bookings and 50 customer cancellations over HTTP, spread over performances, with the
    organizer cancelling one performance in the middle. Every request must succeed."""

    def __init__(self, api, organizer: str, pids: list[str], doomed: str, seed: int, teams: list[str] | None = None):
        self.api, self.organizer, self.pids, self.doomed = api, organizer, pids, doomed
        self.rng = random.Random(seed)
        self.teams = teams  # matches: each ticket picks one of them, with a stake (paid)
        # Enough customers that none reaches the per-customer limit (a rule of its own, tested elsewhere).
        self.customers = [api.token(f"faults-customer-{i}") for i in range(50)]
        self.bookings: list[tuple[dict, str]] = []
        self.cancelled: list[str] = []
        self.seconds = 0.0

    def _pick(self) -> dict:
        if not self.teams:
            return {}
        stake = self.rng.choice([0, 1000, 5000, 50_000])
        return {"team": self.rng.choice(self.teams), "stake": stake, "paymentMethod": "pm_card_visa"}

    def _book(self, job: tuple[str, int, str, dict]) -> tuple[dict, str]:
        pid, quantity, token, pick = job
        r = self.api.call("POST", "/bookings", token, json={"performanceId": pid, "quantity": quantity, **pick})
        assert r.status_code == 201, r.text
        return r.json(), token

    def _cancel(self, job: tuple[dict, str]) -> str:
        booking, token = job
        r = self.api.call("POST", f"/bookings/{booking['bookingId']}/cancel", token)
        assert (r.status_code, r.json()["status"]) == (200, "CANCELLED"), r.text
        return booking["bookingId"]

    def run(self) -> None:
        started = time.monotonic()
        rng = self.rng
        others = [p for p in self.pids if p != self.doomed]
        half = BOOKINGS // 2
        customers = self.customers
        first = [
            (self.pids[i % len(self.pids)], rng.randint(1, 3), customers[i % len(customers)], self._pick())
            for i in range(half)
        ]
        second = [
            (others[i % len(others)], rng.randint(1, 3), customers[(half + i) % len(customers)], self._pick())
            for i in range(BOOKINGS - half)
        ]
        with ThreadPoolExecutor(CLIENTS) as pool:
            self.bookings += pool.map(self._book, first)
            # Some customers of the doomed performance cancel before the organizer does.
            doomed = [b for b in self.bookings if b[0]["performanceId"] == self.doomed]
            early = rng.sample(doomed, 10)
            self.cancelled += pool.map(self._cancel, early)
            r = self.api.call("POST", f"/performances/{self.doomed}/cancel", self.organizer)
            assert (r.status_code, r.json()["status"]) == (200, "CANCELLED"), r.text
            self.bookings += pool.map(self._book, second)
            late = rng.sample([b for b in self.bookings if b[0]["performanceId"] != self.doomed], CANCELLATIONS - 10)
            self.cancelled += pool.map(self._cancel, late)
        self.seconds = time.monotonic() - started
        assert len(self.bookings) == BOOKINGS
        assert len(self.cancelled) == CANCELLATIONS


def _converged(api, pids: list[str], doomed: str) -> bool:
    stack = api.stack
    if any(b["status"] != "CANCELLED" for b in stored_bookings(stack, doomed)):
        return False
    return all(_booked_count(api, pid) == _confirmed_tickets(stack, pid) for pid in pids)


def _assert_exact(api, pids: list[str], doomed: str, sale: Sale) -> None:
    stack = api.stack
    tickets = 0
    for pid in pids:
        truth = stored_bookings(stack, pid)
        confirmed = sum(b["quantity"] for b in truth if b["status"] == "CONFIRMED")
        assert _booked_count(api, pid) == confirmed, pid
        tickets += confirmed
    doomed_bookings = stored_bookings(stack, doomed)
    assert doomed_bookings
    assert all(b["status"] == "CANCELLED" for b in doomed_bookings)
    by_customer = sum(b["cancelReason"] == "CUSTOMER" for b in doomed_bookings)
    assert by_customer == 10
    assert len(doomed_bookings) - by_customer > 0
    # What the customers did, to the ticket: booked minus cancelled (and nothing of the doomed one).
    cancelled = set(sale.cancelled)
    expected = sum(
        b["quantity"] for b, _ in sale.bookings if b["bookingId"] not in cancelled and b["performanceId"] != doomed
    )
    assert tickets == expected


# ------------------------------------------------------------------------------------------ tests
def _catch_up(api, stack, pids, doomed, label: str) -> None:
    """Wait for every count to be right and both queues drained, and say how long that took."""
    started = time.monotonic()
    api.wait_for(lambda: _converged(api, pids, doomed), f"every count right ({label})", timeout=180)
    api.wait_for(
        lambda: _waiting(stack, "HeadcountQueue") + _waiting(stack, "CancellationQueue") == 0, "queues drained"
    )
    # (A message whose invocation outlasts the local visibility timeout is received again, and after
    # maxReceiveCount receives parked although it was applied: counts stay right, so DLQs are only reported.)
    print(
        f"{label} in {time.monotonic() - started:.1f}s; parked:"
        f" HeadcountDLQ {_waiting(stack, 'HeadcountDLQ')}, CancellationDLQ {_waiting(stack, 'CancellationDLQ')}"
    )


def test_an_outage_of_the_headcount_and_the_cancellation_function(api, local_stack):
    stack = local_stack
    organizer = api.token("faults-organizer-1", organizer=True)
    pids = _register(api, organizer, 4, capacity=400, title="Outage")
    doomed = pids[-1]
    sale = Sale(api, organizer, pids, doomed, seed=1)
    with outage(stack, ["HeadcountFunction", "CancellationFunction"]):
        sale.run()
        # Everything waits in the queues: one event per booking and per cancellation, and the
        # performance's cancellation. Nothing has been applied.
        api.wait_for(
            lambda: _queue_counts(stack, "HeadcountQueue") == (BOOKINGS + CANCELLATIONS, 0),
            "every ticket event waiting in HeadcountQueue",
        )
        api.wait_for(lambda: _queue_counts(stack, "CancellationQueue") == (1, 0), "the cancellation waiting")
        assert [_booked_count(api, pid) for pid in pids] == [0] * len(pids)
        assert any(b["status"] == "CONFIRMED" for b in stored_bookings(stack, doomed))
        # The booking side itself never stopped: sales of the doomed performance are closed.
        assert not _is_open(stack, doomed)
    print(f"\noutage: {BOOKINGS} bookings + {CANCELLATIONS} cancellations in {sale.seconds:.1f}s, all succeeded")

    _catch_up(api, stack, pids, doomed, "outage: caught up")
    _assert_exact(api, pids, doomed, sale)


TEAMS = ["두산 베어스", "LG 트윈스", "KT 위즈"]


def _tally(api, pid: str) -> list[dict] | None:
    r = api.call("GET", f"/performances/{pid}/tally")
    return r.json()["teams"] if r.status_code == 200 else None


def _true_tally(stack, pid: str) -> list[dict]:
    """Per team, the CONFIRMED tickets, bookings and stakes in the BookingsTable (the truth)."""
    confirmed = [b for b in stored_bookings(stack, pid) if b["status"] == "CONFIRMED"]
    return [
        {
            "team": team,
            "tickets": sum(b["quantity"] for b in confirmed if b["team"] == team),
            "bookings": sum(1 for b in confirmed if b["team"] == team),
            "stake": sum(int(b["stake"]) for b in confirmed if b["team"] == team),
        }
        for team in TEAMS
    ]


def test_failing_consumers_park_messages_in_their_dlqs_until_redriven(api, local_stack):
    """The headcount, the cancellation function and the tally fail on every message while 200 match bookings (with
    stakes, paid) and 50 cancellations are made: every request succeeds, the status view keeps the organizer's
    per-team figures right meanwhile, and after the fix and the redrives every count and every tally is exact."""
    stack = local_stack
    organizer = api.token("faults-organizer-2", organizer=True)
    pids = _register(api, organizer, 4, capacity=400, title="두산 vs LG vs KT", teams=TEAMS)
    nothing = [{"team": t, "tickets": 0, "bookings": 0, "stake": 0} for t in TEAMS]
    for pid in pids:
        api.wait_for(lambda pid=pid: _tally(api, pid) == nothing, f"match {pid} in the tally")
    doomed = pids[-1]
    sale = Sale(api, organizer, pids, doomed, seed=2, teams=TEAMS)
    queues = ("HeadcountQueue", "CancellationQueue", "TallyQueue")
    for queue in (*queues, "HeadcountDLQ", "CancellationDLQ", "TallyDLQ"):
        assert _waiting(stack, queue) == 0, f"{queue} is not empty to begin with"
    broken = {
        "HeadcountFunction": {"PERFORMANCES_TABLE": NO_SUCH_TABLE},
        "CancellationFunction": {"BOOKINGS_TABLE": NO_SUCH_TABLE},
        "TallyFunction": {"TALLY_TABLE": NO_SUCH_TABLE},
    }
    tickets = BOOKINGS + CANCELLATIONS  # one event each, for the headcount and for the tally
    # CancellationQueue's visibility timeout is 900 s whatever ConsumerRetrySeconds says (the
    # function may run 300 s); for the test, retry it as fast as the other queues do locally.
    retry = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.resources["HeadcountQueue"], AttributeNames=["VisibilityTimeout"]
    )["Attributes"]["VisibilityTimeout"]
    with queue_attribute(stack, "CancellationQueue", "VisibilityTimeout", retry):
        with broken_environment(stack, broken):
            sale.run()
            started = time.monotonic()
            # The status view, another consumer, goes on: the organizer's per-team figures are right meanwhile.
            for pid in pids:
                api.wait_for(
                    lambda pid=pid: _organizer_view(api, organizer, pid)[1]["teams"] == _true_tally(stack, pid),
                    f"the organizer's view of {pid}",
                )
            # Every message fails on every delivery, is retried after the visibility timeout and,
            # after maxReceiveCount deliveries, is parked in the DLQ.
            parked = {"HeadcountDLQ": tickets, "CancellationDLQ": 1, "TallyDLQ": tickets}
            api.wait_for(
                lambda: (
                    {q: _waiting(stack, q) for q in parked} == parked and sum(_waiting(stack, q) for q in queues) == 0
                ),
                f"{parked} parked",
                timeout=PARKING_TIMEOUT,
            )
            print(
                f"\nfailing: {BOOKINGS} match bookings + {CANCELLATIONS} cancellations in {sale.seconds:.1f}s, all"
                f" succeeded; all parked {time.monotonic() - started:.1f}s later"
            )
            assert [_booked_count(api, pid) for pid in pids] == [0] * len(pids)
            assert [_tally(api, pid) for pid in pids] == [nothing] * len(pids)
            assert any(b["status"] == "CONFIRMED" for b in stored_bookings(stack, doomed))
            received = _receive_counts(stack, "HeadcountDLQ")
            assert received, received
            assert min(received) >= 3, received  # delivered (and failed) maxReceiveCount times

        # Fixed: the configuration is back as it was. The parked messages stay parked until redriven.
        assert _redrive(stack, "HeadcountDLQ") == tickets
        assert _redrive(stack, "CancellationDLQ") == 1
        assert _redrive(stack, "TallyDLQ") == tickets
        _catch_up(api, stack, pids, doomed, "failing: caught up after the redrive")
        started = time.monotonic()
        api.wait_for(
            lambda: (
                all(_tally(api, pid) == _true_tally(stack, pid) for pid in pids) and _waiting(stack, "TallyQueue") == 0
            ),
            "every tally exact",
            timeout=180,
        )
        print(f"tallies exact {time.monotonic() - started:.1f}s later; TallyDLQ {_waiting(stack, 'TallyDLQ')}")
    _assert_exact(api, pids, doomed, sale)
    assert _tally(api, doomed) == nothing  # every ticket of the cancelled match was taken back
    stakes = sum(t["stake"] for pid in pids for t in _tally(api, pid))
    assert stakes == sum(
        int(b["stake"]) for pid in pids for b in stored_bookings(stack, pid) if b["status"] == "CONFIRMED"
    )
    assert stakes > 0


def _receive_counts(stack, queue_logical: str) -> list[int]:
    """How often the messages at the head of a queue have been received (peeked, left in place)."""
    sqs = stack.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=stack.resources[queue_logical],
        MaxNumberOfMessages=10,
        AttributeNames=["ApproximateReceiveCount"],
        VisibilityTimeout=0,
    ).get("Messages", [])
    # This peek is one more receive.
    return [int(m["Attributes"]["ApproximateReceiveCount"]) - 1 for m in messages]


# ------------------------------------------------------------------------------------------ the publisher
def _publisher_log(stack, since_ms: int) -> list[str]:
    """The stream publisher's log lines since `since_ms` (CloudWatch Logs, /aws/lambda/<function>)."""
    logs = stack.client("logs")
    args = {"logGroupName": f"/aws/lambda/{stack.resources['StreamPublisherFunction']}", "startTime": since_ms}
    lines = []
    try:
        while True:
            page = logs.filter_log_events(**args)
            lines += [e["message"] for e in page.get("events", [])]
            if not page.get("nextToken") or page["nextToken"] == args.get("nextToken"):
                return lines
            args["nextToken"] = page["nextToken"]
    except logs.exceptions.ResourceNotFoundException:
        return lines


def _attempts(stack, since_ms: int, booking_id: str) -> int:
    """How many publisher invocations were handed the stream records of this booking (its event logged)."""
    return sum(booking_id in line for line in _publisher_log(stack, since_ms))


def _stream_mapping(stack) -> dict:
    return stack.client("lambda").get_event_source_mapping(UUID=stack.resources["StreamPublisherFunctionBookings"])


def _organizer_view(api, organizer: str, pid: str) -> tuple[dict[str, str], dict]:
    items, token = {}, None
    while True:
        r = api.call(
            "GET", f"/performances/{pid}/bookings?limit=100" + (f"&nextToken={token}" if token else ""), organizer
        )
        assert r.status_code == 200, r.text
        page = r.json()
        items.update({b["bookingId"]: b["status"] for b in page["items"]})
        if not (token := page["nextToken"]):
            return items, page["summary"]


def _book_some(api, pid: str, count: int, cancel: int) -> list[dict]:
    customers = [api.token(f"faults-customer-{i}") for i in range(12)]
    made = []
    for i in range(count):
        customer = customers[i % len(customers)]
        r = api.call("POST", "/bookings", customer, json={"performanceId": pid, "quantity": 1 + i % 3})
        assert r.status_code == 201, r.text
        made.append((r.json(), customer))
    for booking, token in made[:cancel]:
        r = api.call("POST", f"/bookings/{booking['bookingId']}/cancel", token)
        assert r.status_code == 200, r.text
    return [b for b, _ in made]


def _everything_arrived(api, organizer: str, pid: str) -> bool:
    truth = {b["bookingId"]: b["status"] for b in stored_bookings(api.stack, pid)}
    view, _ = _organizer_view(api, organizer, pid)
    return view == truth and _booked_count(api, pid) == _confirmed_tickets(api.stack, pid)


def test_put_events_failing_is_retried_until_the_bus_is_back_and_nothing_is_lost(api, local_stack):
    """PutEvents refusing every entry: the publisher fails every record, Powertools raises, and the
    emulator retries the stream batch (it honours a raised error, not batchItemFailures)."""
    stack = local_stack
    organizer = api.token("faults-organizer-3", organizer=True)
    (pid,) = _register(api, organizer, 1, capacity=300, title="Publisher")
    bus_arn = stack.client("events").describe_event_bus(Name=stack.resources["EventBus"])["Arn"]
    region = bus_arn.split(":")[3]
    elsewhere = bus_arn.replace(f":{region}:", ":eu-west-1:" if region != "eu-west-1" else ":us-west-2:")
    since = int(time.time() * 1000)
    broken = {"EVENT_BUS_NAME": elsewhere, "POWERTOOLS_LOGGER_LOG_EVENT": "true"}
    with broken_environment(stack, {"StreamPublisherFunction": broken}):
        bookings = _book_some(api, pid, 20, cancel=5)  # every customer request still succeeds
        first = bookings[0]["bookingId"]
        # The batch holding the first booking's event fails and is tried again, and again.
        api.wait_for(
            lambda: _attempts(stack, since, first) >= 3, "the publisher retrying the failed batch", timeout=300
        )
        assert _stream_mapping(stack)["LastProcessingResult"] == "FAILED"
        assert _booked_count(api, pid) == 0
        assert _organizer_view(api, organizer, pid)[1]["confirmedBookings"] == 0
        assert _waiting(stack, "PublisherFailuresQueue") == 0
    attempts = _attempts(stack, since, first)
    api.wait_for(
        lambda: _everything_arrived(api, organizer, pid), "every event published once the bus is back", timeout=180
    )
    print(f"\npublisher: the failing batch was tried {attempts} times before the bus came back; nothing lost")
    _, summary = _organizer_view(api, organizer, pid)
    assert (summary["confirmedBookings"], summary["cancelledBookings"]) == (15, 5)
    assert summary["confirmedTickets"] == sum(b["quantity"] for b in bookings[5:]) == _booked_count(api, pid)
    assert _stream_mapping(stack)["LastProcessingResult"].startswith("OK")


def test_put_events_to_a_bus_that_does_not_exist_loses_nothing(api, local_stack):
    stack = local_stack
    organizer = api.token("faults-organizer-4", organizer=True)
    (pid,) = _register(api, organizer, 1, capacity=300, title="No such bus")
    since = int(time.time() * 1000)
    broken = {"EVENT_BUS_NAME": "boxoffice-faults-no-such-bus", "POWERTOOLS_LOGGER_LOG_EVENT": "true"}
    with broken_environment(stack, {"StreamPublisherFunction": broken}):
        bookings = _book_some(api, pid, 10, cancel=0)
        last = bookings[-1]["bookingId"]
        api.wait_for(lambda: _attempts(stack, since, last) >= 1, "the publisher handling the last booking", timeout=120)
        handled_ok = _stream_mapping(stack)["LastProcessingResult"]
    # Back to the real bus; one more booking goes through the same (ordered) stream after them.
    (sentinel,) = _book_some(api, pid, 1, cancel=0)
    api.wait_for(lambda: sentinel["bookingId"] in _organizer_view(api, organizer, pid)[0], "the next booking arriving")
    view, _ = _organizer_view(api, organizer, pid)
    print(f"\nno such bus: the stream mapping said {handled_ok!r}; {len(view)} of {len(bookings) + 1} bookings arrived")
    assert set(view) == {b["bookingId"] for b in bookings} | {sentinel["bookingId"]}, (
        "events put on a missing bus were lost"
    )
    assert _booked_count(api, pid) == _confirmed_tickets(stack, pid)
