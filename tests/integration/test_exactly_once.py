"""Consumers are exactly-once in effect: every event delivered twice (and late once more), shuffled, converges.

A realistic scenario runs through the API with every consumer down, so its events pile up in the
consumers' queues (the publisher still runs). Each consumer then gets its queue's messages
duplicated and re-ordered - shuffled with fixed seeds, and in the adversarial order where every
cancellation comes first (TicketCancelled before its TicketBooked; PerformanceCancelled before
PerformanceRegistered reaches the inventory) - in batches through its Lambda entry point. The
headcount, the seat inventory and the status view must then agree exactly with the truth in
BookingsTable and PerformancesTable.

The publisher side: PutEvents refusing some entries fails exactly those stream records; Lambda
restarts the shard from the first of them (stack.settle() does the same), so events after it go
out twice - and still nothing is lost and no effect is doubled.
"""

from __future__ import annotations

import json
import random

import pytest

from boxoffice import config
from tests.api_events import CUSTOMER, ORGANIZER, OTHER_CUSTOMER
from tests.helpers import book, register
from tests.integration._support import booking_items, bus_tap, failures_of, performance_bookings
from tests.stack import _sqs_record, call_api

THIRD_CUSTOMER = {"sub": "cust-3"}
# Enough customers that none of them reaches the per-customer limit (a rule of its own, tested elsewhere).
CUSTOMERS = [CUSTOMER, OTHER_CUSTOMER, THIRD_CUSTOMER] + [{"sub": f"cust-{n}"} for n in range(4, 13)]
CANCELLATIONS = ("TicketCancelled", "PerformanceCancelled")
# Producers of events before their consumers: the cancellation function's TicketCancelled events
# must exist before the headcount and the status view get their (adversarially ordered) share.
DELIVERY_ORDER = [
    "CancellationFunction",
    "InventoryProjectorFunction",
    "HeadcountFunction",
    "StatusViewProjectorFunction",
    "OrganizerRequestsFunction",
    "PaymentRetryFunction",
    "RefundsFunction",
    "TallyFunction",
]
TEAMS = ["두산 베어스", "LG 트윈스", "KT 위즈"]


# ---------------------------------------------------------------------------------------- queues
def _consumers(stack) -> list[str]:
    functions = [f for f, _ in stack.sources("SQS")]
    assert set(functions) <= set(DELIVERY_ORDER), functions  # a new consumer: add it to DELIVERY_ORDER
    return [f for f in DELIVERY_ORDER if f in functions]


def _queue_arn(stack, function: str) -> str:
    return stack.arns[next(q for f, q in stack.sources("SQS") if f == function)]


def _take(stack, function: str) -> list[dict]:
    """Every message waiting in `function`'s queue, removed from it (the test delivers them itself)."""
    url = stack.queue_of(function)
    out = []
    while messages := stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    ):
        for m in messages:
            out.append(m)
            stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


def _kind(message: dict) -> str:
    return json.loads(message["Body"])["detail-type"]


def _subject(message: dict) -> str:
    """What the event is about: the booking for ticket events, the performance for performance events."""
    data = json.loads(message["Body"])["detail"]["data"]
    return data.get("bookingId") or data["performanceId"]


def _arrange(messages: list[dict], copies: int, order, rng: random.Random) -> list[dict]:
    """`copies` copies of every message (each its own SQS message, as EventBridge may deliver twice), re-ordered."""
    copied = [{**m, "MessageId": f"{m['MessageId']}#{c}"} for c in range(copies) for m in messages]
    if order == "cancellations-first":
        # Newest first, and every cancellation before anything else: the worst case for each booking.
        copied.reverse()
        return sorted(copied, key=lambda m: _kind(m) not in CANCELLATIONS)
    rng.shuffle(copied)
    return copied


class Deliveries:
    """Delivers messages to consumers through their Lambda entry points, in batches, and keeps a log."""

    def __init__(self, stack, rng: random.Random):
        self.stack, self.rng = stack, rng
        self.log: dict[str, list[tuple[str, str]]] = {}  # function -> (detail-type, subject) in delivery order
        self.failed: list[tuple[str, str]] = []

    def deliver(self, function: str, messages: list[dict]) -> None:
        batch_size = self._batch_size(function)
        arn = _queue_arn(self.stack, function)
        pending = list(messages)
        retries = 0
        while pending:
            size = self.rng.randint(1, batch_size)
            batch, pending = pending[:size], pending[size:]
            self.log.setdefault(function, []).extend((_kind(m), _subject(m)) for m in batch)
            failed = failures_of(self.stack, function, {"Records": [_sqs_record(m, arn) for m in batch]})
            if failed:
                # SQS would deliver them again later: do so, at the end of what is pending.
                self.failed += [(function, mid) for mid in failed]
                pending += [m for m in batch if m["MessageId"] in failed]
                retries += 1
                assert retries < 100, f"{function} keeps failing {sorted(failed)}"

    def _batch_size(self, function: str) -> int:
        (source,) = [s for s in self.stack.functions[function]["Events"].values() if s["Type"] == "SQS"]
        return int(source["Properties"].get("BatchSize", 10))


# ---------------------------------------------------------------------------------------- scenario
def _scenario(stack) -> dict:
    """Performances, bookings and cancellations through the API while every consumer is down.

    Returns the performances by role. Sales open by delivering the PerformanceRegistered events to
    the inventory once without deleting them (so they are delivered again later, like a message
    whose deletion was lost).
    """
    rng = random.Random(1207)
    stack.down = set(_consumers(stack))
    perfs = {
        "open-1": register(stack, capacity=30, title="Mahler 2", settle=False),
        "open-2": register(stack, capacity=25, title="두산 vs LG", settle=False, teams=TEAMS),
        "cancelled": register(stack, capacity=10, title="LG vs KT", settle=False, teams=TEAMS[1:]),
    }
    stack.settle()  # publishes; no consumer runs
    inventory_url = stack.queue_of("InventoryProjectorFunction")
    opening = stack.sqs.receive_message(QueueUrl=inventory_url, MaxNumberOfMessages=10).get("Messages", [])
    assert sorted(_kind(m) for m in opening) == ["PerformanceRegistered"] * 3
    event = {"Records": [_sqs_record(m, _queue_arn(stack, "InventoryProjectorFunction")) for m in opening]}
    assert failures_of(stack, "InventoryProjectorFunction", event) == set()
    for m in opening:
        stack.sqs.change_message_visibility(
            QueueUrl=inventory_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
        )

    live: list[tuple[dict, dict]] = []
    refused = 0
    for i in range(36):
        pid = perfs[("open-1", "open-2", "cancelled")[i % 3]]["performanceId"]
        claims = CUSTOMERS[i % len(CUSTOMERS)]
        pick = _pick(rng, perfs, pid)
        status, booking = book(stack, pid, rng.randint(1, 3), claims=claims, **pick)
        if status == 409:  # sold out: nothing written, no event
            assert booking["code"] == "SOLD_OUT", booking
            refused += 1
            continue
        assert status == 201, booking
        live.append((booking, claims))
        if rng.random() < 0.3:
            victim, who = live.pop(rng.randrange(len(live)))
            for _ in range(2):  # the repeat is a no-op 200 and emits nothing
                status, body = call_api(stack, "POST", f"/bookings/{victim['bookingId']}/cancel", claims=who)
                assert (status, body["status"]) == (200, "CANCELLED"), body
    assert refused, "the smallest performance should sell out at least once"

    # A performance registered and cancelled before the inventory ever heard of it.
    perfs["never-opened"] = register(stack, capacity=10, title="Cancelled at once", settle=False)
    for name in ("never-opened", "cancelled"):
        status, body = call_api(stack, "POST", f"/performances/{perfs[name]['performanceId']}/cancel", claims=ORGANIZER)
        assert (status, body["status"]) == (200, "CANCELLED"), body
    # Sales close only when PerformanceCancelled reaches the booking side: a customer cancels,
    # and another books the freed seat meanwhile - the cancellation function must catch it too.
    pid = perfs["cancelled"]["performanceId"]
    victim, who = next((b, c) for b, c in live if b["performanceId"] == pid)
    assert call_api(stack, "POST", f"/bookings/{victim['bookingId']}/cancel", claims=who)[0] == 200
    status, late = book(stack, pid, 1, claims=THIRD_CUSTOMER, **_pick(rng, perfs, pid))
    assert status == 201, late
    stack.settle()  # the publisher carries everything to the queues; still no consumer runs
    return perfs


def _pick(rng: random.Random, perfs: dict, pid: str) -> dict:
    """A match ticket's team and stake (a stake is paid for), or nothing for a concert."""
    teams = next(p["teams"] for p in perfs.values() if p["performanceId"] == pid)
    if not teams:
        return {}
    return {"team": rng.choice(teams), "stake": rng.choice([0, 5000, 20_000]), "payment_method": "pm_card_visa"}


# ---------------------------------------------------------------------------------------- the truth
def _performance_item(stack, pid: str) -> dict:
    return stack.table("PerformancesTable").get_item(Key={"pk": f"PERF#{pid}", "sk": "PERFORMANCE"})["Item"]


def _inventory_item(stack, pid: str) -> dict | None:
    item = stack.table("BookingsTable").get_item(Key={"pk": f"PERF#{pid}", "sk": "INVENTORY"}).get("Item")
    if item is not None and "grades" in item:
        item["available"] = sum(int(v) for k, v in item.items() if k.startswith("avail_"))
    return item


def _assert_converged(stack, perfs: dict) -> None:
    for name, perf in perfs.items():
        pid = perf["performanceId"]
        performance = _performance_item(stack, pid)
        bookings = booking_items(stack, pid)
        confirmed = [b for b in bookings if b["status"] == "CONFIRMED"]
        cancelled = [b for b in bookings if b["status"] == "CANCELLED"]
        tickets = sum(int(b["quantity"]) for b in confirmed)
        # Seats go back only when a customer cancels; a cancelled performance keeps its count.
        seats_taken = sum(int(b["quantity"]) for b in bookings if b.get("cancelReason") != "CUSTOMER")
        if performance["status"] == "CANCELLED":
            assert not confirmed, f"{name}: {len(confirmed)} bookings still CONFIRMED"

        # headcount
        assert int(performance["bookedCount"]) == tickets, name
        # seat inventory
        inventory = _inventory_item(stack, pid)
        assert inventory is not None, name
        assert inventory["status"] == performance["status"], name
        assert int(inventory["capacity"]) == int(performance["capacity"]), name
        assert int(inventory["available"]) == int(performance["capacity"]) - seats_taken, name
        # status view: each booking as the table has it, and the organizer's counts
        views, summary = performance_bookings(stack, pid)
        assert {v["bookingId"]: (v["status"], v["cancelReason"], v["quantity"]) for v in views} == {
            b["bookingId"]: (b["status"], b.get("cancelReason"), int(b["quantity"])) for b in bookings
        }, name
        assert summary["status"] == performance["status"], name
        assert (summary["confirmedBookings"], summary["confirmedTickets"]) == (len(confirmed), tickets), name
        assert (summary["cancelledBookings"], summary["cancelledTickets"]) == (
            len(cancelled),
            sum(int(b["quantity"]) for b in cancelled),
        ), name
        if performance.get("kind") == "MATCH":  # the tally, and the organizer's per-team summary
            by_team = [
                {
                    "team": t,
                    "tickets": sum(int(b["quantity"]) for b in confirmed if b["team"] == t),
                    "bookings": sum(1 for b in confirmed if b["team"] == t),
                    "stake": sum(int(b["stake"]) for b in confirmed if b["team"] == t),
                }
                for t in perf["teams"]
            ]
            status, tally = call_api(stack, "GET", f"/performances/{pid}/tally")
            assert (status, tally["teams"]) == (200, by_team), name
            assert summary["teams"] == by_team, name
        for b in bookings:  # and each customer sees their own booking so
            claims = next(c for c in CUSTOMERS if c["sub"] == b["customerId"])
            status, view = call_api(stack, "GET", f"/bookings/{b['bookingId']}", claims=claims)
            assert (status, view["status"]) == (200, b["status"]), view


def _first(log: list[tuple[str, str]], kind: str, subject: str) -> int:
    return log.index((kind, subject))


# ---------------------------------------------------------------------------------------- tests
@pytest.mark.parametrize("order", ["cancellations-first", 11, 23, 37])
def test_every_event_twice_in_any_order_converges_to_the_truth(stack, order):
    perfs = _scenario(stack)
    consumers = _consumers(stack)
    # Nothing has been applied yet: the test really is about what redelivery does.
    assert all(int(_performance_item(stack, p["performanceId"])["bookedCount"]) == 0 for p in perfs.values())
    assert _inventory_item(stack, perfs["never-opened"]["performanceId"]) is None

    rng = random.Random(0 if order == "cancellations-first" else order)
    deliveries = Deliveries(stack, rng)
    everything: dict[str, list[dict]] = {f: [] for f in consumers}
    for _ in range(10):
        fresh = {}
        for function in consumers:
            stack.publish_streams()  # what the consumers before it wrote goes out first
            fresh[function] = _take(stack, function)
            everything[function] += fresh[function]
            deliveries.deliver(function, _arrange(fresh[function], 2, order, rng))
        if not any(fresh.values()):
            break
    else:
        raise AssertionError("the consumers kept producing work")
    # ... and late duplicates of every event once more, after all of the above.
    for function in consumers:
        deliveries.deliver(function, _arrange(everything[function], 1, order, rng))
    stack.publish_streams()
    assert all(not _take(stack, f) for f in consumers), "late duplicates made new work"

    _assert_converged(stack, perfs)
    # No consumer needed a retry for any of this: order and duplicates are answers, not errors.
    assert deliveries.failed == []

    log = deliveries.log
    counts = {f: len(everything[f]) for f in consumers}
    assert counts["HeadcountFunction"] > 40
    assert counts["TallyFunction"] > 10
    assert counts["CancellationFunction"] == 2
    if order == "cancellations-first":
        # The adversarial orders really happened.
        cancelled_bookings = [s for k, s in log["HeadcountFunction"] if k == "TicketCancelled"]
        assert len(set(cancelled_bookings)) > 10
        for consumer in ("HeadcountFunction", "StatusViewProjectorFunction"):
            for booking_id in set(cancelled_bookings):
                assert _first(log[consumer], "TicketCancelled", booking_id) < _first(
                    log[consumer], "TicketBooked", booking_id
                )
        never = perfs["never-opened"]["performanceId"]
        for consumer in ("InventoryProjectorFunction", "StatusViewProjectorFunction"):
            assert _first(log[consumer], "PerformanceCancelled", never) < _first(
                log[consumer], "PerformanceRegistered", never
            )


def test_consumers_that_come_back_and_catch_up_normally_agree_with_the_replays(stack):
    """The baseline: the same scenario simply settled once the consumers are back."""
    perfs = _scenario(stack)
    stack.down = set()
    stack.settle()
    _assert_converged(stack, perfs)


# ---------------------------------------------------------------------------------------- publisher
class _RefusingBus:
    """The real events client, except that it refuses, the first `times` times it sees them, the
    entries `refuse` picks - with an ErrorCode, as PutEvents reports a partial failure."""

    def __init__(self, real, refuse, times: int = 1):
        self.real, self.refuse, self.times = real, refuse, times
        self.seen: dict[str, int] = {}
        self.refused: list[str] = []

    def put_events(self, Entries):
        results, accepted = [], []
        for entry in Entries:
            event_id = json.loads(entry["Detail"])["metadata"]["eventId"]
            self.seen[event_id] = self.seen.get(event_id, 0) + 1
            if self.refuse(entry) and self.seen[event_id] <= self.times:
                self.refused.append(event_id)
                results.append({"ErrorCode": "InternalFailure", "ErrorMessage": "try again"})
            else:
                accepted.append(entry)
                results.append({"EventId": event_id})
        if accepted:
            self.real.put_events(Entries=accepted)
        return {"FailedEntryCount": sum("ErrorCode" in r for r in results), "Entries": results}


def _outbox_event_ids(stack) -> set[str]:
    items = stack.table("BookingsTable").scan()["Items"]  # moto never expires the outbox
    return {i["eventId"] for i in items if i.get("kind") == "EVENT"}


def test_put_events_refusing_some_entries_loses_nothing_and_doubles_nothing(stack, monkeypatch):
    pid = register(stack, capacity=200)["performanceId"]
    tap = bus_tap(stack, "exactly-once-tap")
    bookings = []
    for i in range(14):  # 17 events in one stream batch: two PutEvents calls
        status, booking = book(stack, pid, 1 + i % 3, claims=CUSTOMERS[i % len(CUSTOMERS)])
        assert status == 201, booking
        bookings.append((booking, CUSTOMERS[i % len(CUSTOMERS)]))
    for booking, claims in bookings[4:7]:
        assert call_api(stack, "POST", f"/bookings/{booking['bookingId']}/cancel", claims=claims)[0] == 200

    refused = {bookings[2][0]["bookingId"], bookings[11][0]["bookingId"], bookings[5][0]["bookingId"]}
    real = config.client("events")
    bus = _RefusingBus(real, lambda e: json.loads(e["Detail"])["data"].get("bookingId") in refused)
    monkeypatch.setattr(config, "client", lambda service: bus if service == "events" else real)
    responses = []
    invoke = stack.invoke

    def spy(function, event, context=None):
        response = invoke(function, event, context)
        if function == "StreamPublisherFunction":
            responses.append((event, response))
        return response

    monkeypatch.setattr(stack, "invoke", spy)
    stack.settle()

    # 1. The first run reported exactly the records whose entries were refused (one TicketBooked
    #    each, and the TicketCancelled of the refused booking that was cancelled).
    first_event, first_response = next((e, r) for e, r in responses if r["batchItemFailures"])
    by_seq = {
        r["dynamodb"]["SequenceNumber"]: r["dynamodb"]["NewImage"]["eventId"]["S"]
        for r in first_event["Records"]
        if r["dynamodb"].get("NewImage", {}).get("kind", {}).get("S") == "EVENT"
    }
    reported = {f["itemIdentifier"] for f in first_response["batchItemFailures"]}
    assert {by_seq[s] for s in reported} == set(bus.refused)
    assert len(bus.refused) == 4
    # 2. The retry restarted from the first failed record, so events after it went out twice.
    on_bus = [event["detail"]["metadata"]["eventId"] for event in tap()]
    assert set(on_bus) == _outbox_event_ids(stack), "an event never reached the bus"
    assert len(on_bus) > len(set(on_bus)), "the replay should have published some events again"
    assert all(bus.seen[e] >= 2 for e in bus.refused)
    # 3. ... and every consumer counted each event once.
    items = booking_items(stack, pid)
    confirmed = [b for b in items if b["status"] == "CONFIRMED"]
    assert int(_performance_item(stack, pid)["bookedCount"]) == sum(int(b["quantity"]) for b in confirmed)
    views, summary = performance_bookings(stack, pid)
    assert sorted((v["bookingId"], v["status"]) for v in views) == sorted((b["bookingId"], b["status"]) for b in items)
    assert (summary["confirmedBookings"], summary["cancelledBookings"]) == (len(confirmed), 3)
    assert summary["confirmedTickets"] == sum(int(b["quantity"]) for b in confirmed)
    inventory = _inventory_item(stack, pid)
    assert int(inventory["available"]) == 200 - sum(int(b["quantity"]) for b in confirmed)
