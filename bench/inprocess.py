"""Figures 1 and 6 (measurements): warm handlers invoked in-process against the emulator's DynamoDB, on tables built
from template.yaml's definitions (not the deployed stack's, so no stream consumers add load).

Figure 1: BookTicket handler vs the bare boto3 calls a warm booking makes (recorded from one: the 5-item
TransactWriteItems), alternating iteration by iteration. Every booking is a new customer's (each may hold at most
maxPerCustomer tickets of a performance), on both sides.
Cost inputs (figure 6): one booking carried through BookTicket -> StreamPublisher -> Headcount + StatusViewProjector,
in-process, recording every AWS call each function makes, its duration and the bytes it logs; once for a free booking
and once for a paid one (pm_card_visa on the local stack's localstripe, through the payment breaker, whose item is in
the bench's own BookingsTable).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import time
import uuid

from common import (
    ROOT,
    FakeContext,
    create_table_like,
    function_props,
    local_parameter,
    median,
    p95,
    point_domain_at,
    say,
)

ITERATIONS = 150
WARMUP = 15
COST_BOOKINGS = 25


class CountingSink(io.TextIOBase):
    """stdout of the handlers (Powertools logs and EMF metrics): counted, then dropped (CloudWatch Logs on AWS)."""

    def __init__(self):
        self.bytes = 0

    def write(self, s):
        self.bytes += len(s.encode("utf-8"))
        return len(s)


class Recorder:
    """Every AWS call the in-process domain makes (botocore 'provide-client-params': the request as sent)."""

    def __init__(self):
        self.calls: list[tuple[str, str, dict]] = []
        self.on = False

    def hook(self, params, model, **kwargs):
        if self.on:
            self.calls.append((model.service_model.service_name, model.name, copy.deepcopy(params)))

    def attach(self, client):
        client.meta.events.register("provide-client-params.*.*", self.hook)

    @contextlib.contextmanager
    def recording(self):
        self.calls, self.on = [], True
        try:
            yield self.calls
        finally:
            self.on = False


def _event(name: str) -> dict:
    return json.loads((ROOT / "events" / f"{name}.json").read_text())


def _drop_idempotency_key(event: dict) -> dict:
    event = copy.deepcopy(event)
    for h in ("headers", "multiValueHeaders"):
        event[h] = {k: v for k, v in (event.get(h) or {}).items() if k.lower() != "idempotency-key"}
    return event


def _with_key(event: dict, key: str) -> dict:
    event = copy.deepcopy(event)
    event["headers"]["Idempotency-Key"] = key
    event["multiValueHeaders"]["Idempotency-Key"] = [key]
    return event


def _as_customer(event: dict, sub: str) -> dict:
    """The event as sent by the customer `sub` (the authorizer's claims)."""
    event = copy.deepcopy(event)
    claims = event["requestContext"]["authorizer"]["claims"]
    claims["sub"] = claims["cognito:username"] = sub
    return event


def _customer() -> str:
    return str(uuid.uuid4())


# What BookTicket and the payment functions get from the template's parameters, as the local stack sets them.
PAYMENT_ENV = {
    "HOLD_MINUTES": "HoldMinutes",
    "PAYMENT_TIMEOUT_SECONDS": "PaymentTimeoutSeconds",
    "BREAKER_FAILURES": "BreakerFailures",
    "BREAKER_RESET_SECONDS": "BreakerResetSeconds",
}


def setup(stack) -> dict:
    """Tables like the template's, a bench bus, the domain pointed at them (and at the stack's payment provider and
    secret); returns the names."""
    ddb = stack.client("dynamodb")
    names = {
        "BOOKINGS_TABLE": create_table_like(ddb, "BookingsTable"),
        "PERFORMANCES_TABLE": create_table_like(ddb, "PerformancesTable"),
        "STATUS_VIEW_TABLE": create_table_like(ddb, "StatusViewTable"),
        "IDEMPOTENCY_TABLE": create_table_like(ddb, "IdempotencyTable"),
    }
    bus = f"bench-bus-{uuid.uuid4().hex[:6]}"
    stack.client("events").create_event_bus(Name=bus)
    names["EVENT_BUS_NAME"] = bus
    payment = {
        "PAYMENT_API_BASE": stack.payments.url,
        "PAYMENT_SECRET_ARN": stack.outputs["PaymentSecretArn"],
        **{env: local_parameter(param) for env, param in PAYMENT_ENV.items()},
    }
    point_domain_at(stack.endpoint, {**names, **payment})
    return names


def teardown(stack, names: dict) -> None:
    ddb = stack.client("dynamodb")
    for key, name in names.items():
        if key.endswith("_TABLE"):
            with contextlib.suppress(Exception):
                ddb.delete_table(TableName=name)
    with contextlib.suppress(Exception):
        stack.client("events").delete_event_bus(Name=names["EVENT_BUS_NAME"])


def run(stack) -> dict:
    import boto3

    from boxoffice import config

    names = setup(stack)
    try:
        return _run(stack, names, boto3, config)
    finally:
        teardown(stack, names)


def _run(stack, names, boto3, config) -> dict:
    from botocore import xform_name

    from boxoffice.bookings import service as booking_service
    from boxoffice.clock import new_id
    from boxoffice.handlers import book_ticket, register_performance
    from boxoffice.observability import logger

    rec = Recorder()
    sink = CountingSink()
    # Powertools' logger holds the stdout it found at import: point it at the sink too (its lines are log bytes).
    logger.registered_handler.setStream(sink)
    # Build the cached clients now, and watch them.
    rec.attach(config.client("dynamodb"))
    rec.attach(config.client("events"))

    def invoke(handler, event, fname):
        props = function_props(fname)
        ctx = FakeContext(fname, props.get("MemorySize", 256), props.get("Timeout", 10))
        before = sink.bytes
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(sink):
            result = handler(event, ctx)
        return result, time.perf_counter() - t0, sink.bytes - before

    def register(fields: dict) -> str:
        """A performance registered through its own handler, its inventory opened as the projector would."""
        reg = _event("register_performance")
        body = {k: v for k, v in json.loads(reg["body"]).items() if k != "capacity"}
        reg["body"] = json.dumps({**body, **fields, "maxPerCustomer": 10}, ensure_ascii=False)
        result, _, _ = invoke(register_performance.lambda_handler, reg, "RegisterPerformanceFunction")
        assert result["statusCode"] == 201, result
        perf = json.loads(result["body"])
        booking_service.open_for_sale({**perf})
        return perf["performanceId"]

    pid = register({"capacity": 100_000})
    paid_pid = register({"grades": [{"grade": "R", "price": 50_000, "seats": 100_000}]})

    base = _event("book_ticket")
    base["body"] = json.dumps({"performanceId": pid, "quantity": 2})
    plain_event = _drop_idempotency_key(base)
    paid_event = copy.deepcopy(plain_event)
    paid_event["body"] = json.dumps(
        {"performanceId": paid_pid, "grade": "R", "quantity": 2, "paymentMethod": "pm_card_visa"}
    )

    # A warm function's booking, recorded: the exact calls (and items) the floor repeats. (Its first booking of a
    # performance also reads the performance; after that a booking is the transaction alone.)
    result, _, _ = invoke(book_ticket.lambda_handler, _as_customer(plain_event, _customer()), "BookTicketFunction")
    assert result["statusCode"] == 201, result
    sub = _customer()
    with rec.recording() as calls:
        result, _, _ = invoke(book_ticket.lambda_handler, _as_customer(plain_event, sub), "BookTicketFunction")
    assert result["statusCode"] == 201, result
    ops = [op for svc, op, _ in calls]
    assert all(svc == "dynamodb" for svc, _, _ in calls), ops
    assert ops[-1] == "TransactWriteItems", ops
    booked = json.loads(result["body"])
    tx_items = calls[-1][2]["TransactItems"]
    event_id = next(i["Put"]["Item"]["eventId"]["S"] for i in tx_items if "eventId" in i.get("Put", {}).get("Item", {}))
    recorded = json.dumps([(op, params) for _, op, params in calls], default=int)
    say(f"  a warm booking makes: {', '.join(ops)} ({len(tx_items)} items)")

    bare = boto3.client("dynamodb")  # the same endpoint, from AWS_ENDPOINT_URL
    methods = [getattr(bare, xform_name(op)) for op in ops]  # TransactWriteItems -> transact_write_items

    def floor_once():
        # a new booking, event and customer each time, as the handler's bookings are
        fresh = recorded.replace(booked["bookingId"], new_id()).replace(event_id, new_id()).replace(sub, _customer())
        fresh = json.loads(fresh)
        t0 = time.perf_counter()
        for method, (_, params) in zip(methods, fresh, strict=False):
            method(**params)
        return time.perf_counter() - t0

    def handler_once(event):
        event = _as_customer(event, _customer())
        r, dt, _ = invoke(book_ticket.lambda_handler, event, "BookTicketFunction")
        assert r["statusCode"] == 201, r
        return dt

    for _ in range(WARMUP):
        handler_once(plain_event)
        floor_once()
        handler_once(_with_key(base, uuid.uuid4().hex))
    h, f, hk = [], [], []
    for i in range(ITERATIONS):
        # rotate the order so neither side always runs first
        order = [
            ("h", lambda: handler_once(plain_event)),
            ("f", floor_once),
            ("k", lambda: handler_once(_with_key(base, uuid.uuid4().hex))),
        ]
        order = order[i % 3 :] + order[: i % 3]
        for tag, fn in order:
            {"h": h, "f": f, "k": hk}[tag].append(fn())
    say(
        f"  booking: handler {median(h) * 1e3:.2f} ms, with key {median(hk) * 1e3:.2f} ms, "
        f"floor {median(f) * 1e3:.2f} ms"
    )

    # ------------------------------------------------------------ the chain of one booking, for the cost model
    chains = {}
    for kind, event in (("free", plain_event), ("paid", paid_event)):
        per_fn = _chain(invoke, rec, event, kind)
        chains[kind] = {
            "per_fn": {
                k: {
                    "durations": v["durations"],
                    "log_bytes": v["log_bytes"],
                    "calls": [[(s, o, p) for s, o, p in c] for c in v["calls"]],
                }
                for k, v in per_fn.items()
            },
            # item sizes as stored (updates are billed on the item as written): read them back
            "stored_sizes": _stored_sizes(bare, per_fn),
        }
    return {
        "handler_s": h,
        "floor_s": f,
        "handler_key_s": hk,
        "chains": chains,
        "indexes": _indexes(bare, names),
    }


def _chain(invoke, rec, book_event: dict, kind: str) -> dict:
    """COST_BOOKINGS bookings each carried through BookTicket -> StreamPublisher -> Headcount + StatusView."""
    from boxoffice.handlers import book_ticket, headcount, status_projector, stream_publisher

    stream_tpl = _event("stream_publisher")["Records"][0]
    sqs_tpl = _event("status_projector")["Records"][0]
    per_fn = {
        name: {"durations": [], "log_bytes": [], "calls": []}
        for name in (
            "BookTicketFunction",
            "StreamPublisherFunction",
            "HeadcountFunction",
            "StatusViewProjectorFunction",
        )
    }
    # A paid booking's first call of a process builds the provider (imports stripe, reads the secret): warm it.
    for _ in range(2):
        r, _, _ = invoke(book_ticket.lambda_handler, _as_customer(book_event, _customer()), "BookTicketFunction")
        assert r["statusCode"] == 201, r
    # the headcount needs the performance in its table (registered above)
    for n in range(COST_BOOKINGS):
        with rec.recording() as calls:
            r, dt, lb = invoke(book_ticket.lambda_handler, _as_customer(book_event, _customer()), "BookTicketFunction")
        assert r["statusCode"] == 201, r
        assert json.loads(r["body"])["status"] == "CONFIRMED", r
        per_fn["BookTicketFunction"]["durations"].append(dt)
        per_fn["BookTicketFunction"]["log_bytes"].append(lb)
        per_fn["BookTicketFunction"]["calls"].append(calls)
        # the outbox item (TicketBooked): in the booking's transaction if free, in the confirming one if paid
        image = next(
            entry["Put"]["Item"]
            for _, op, p in reversed(calls)
            if op == "TransactWriteItems"
            for entry in p["TransactItems"]
            if entry.get("Put", {}).get("Item", {}).get("pk", {}).get("S", "").startswith("EVENT#")
        )
        record = copy.deepcopy(stream_tpl)
        record["eventID"] = uuid.uuid4().hex
        record["dynamodb"] = {
            "ApproximateCreationDateTime": int(time.time()),
            "Keys": {"pk": image["pk"], "sk": image["sk"]},
            "NewImage": image,
            "SequenceNumber": str(10**20 + n),
            "SizeBytes": len(json.dumps(image)),
            "StreamViewType": "NEW_IMAGE",
        }
        with rec.recording() as calls:
            _, dt, lb = invoke(stream_publisher.lambda_handler, {"Records": [record]}, "StreamPublisherFunction")
        per_fn["StreamPublisherFunction"]["durations"].append(dt)
        per_fn["StreamPublisherFunction"]["log_bytes"].append(lb)
        per_fn["StreamPublisherFunction"]["calls"].append(calls)
        # (the first call of a process is the publisher's check that the bus exists)
        entry = next(c[2] for c in calls if c[1] == "PutEvents")["Entries"][0]
        bus_event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": "000000000000",
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "us-east-1",
            "resources": [],
            "detail": json.loads(entry["Detail"]),
        }
        for fname, handler in (
            ("HeadcountFunction", headcount.lambda_handler),
            ("StatusViewProjectorFunction", status_projector.lambda_handler),
        ):
            msg = copy.deepcopy(sqs_tpl)
            msg["messageId"] = str(uuid.uuid4())
            msg["body"] = json.dumps(bus_event, ensure_ascii=False)
            with rec.recording() as calls:
                res, dt, lb = invoke(handler, {"Records": [msg]}, fname)
            assert not (res or {}).get("batchItemFailures"), res
            per_fn[fname]["durations"].append(dt)
            per_fn[fname]["log_bytes"].append(lb)
            per_fn[fname]["calls"].append(calls)
    say(
        f"  {kind} booking's chain: "
        + ", ".join(f"{k.removesuffix('Function')} {median(v['durations']) * 1e3:.1f} ms" for k, v in per_fn.items())
    )
    return per_fn


def _key_of(params: dict) -> tuple:
    return (params["TableName"], json.dumps(params["Key"], sort_keys=True, default=int))


def _stored_sizes(bare, per_fn) -> dict:
    """(table, key) -> the stored item's low-level form, for every item an Update touched or a Get read."""
    keys = {}
    for v in per_fn.values():
        for calls in v["calls"][-1:]:
            for svc, op, p in calls:
                if svc != "dynamodb":
                    continue
                if op in ("GetItem", "UpdateItem"):
                    keys[_key_of(p)] = p
                if op == "BatchGetItem":
                    for table, request in p["RequestItems"].items():
                        for key in request["Keys"]:
                            keys[_key_of({"TableName": table, "Key": key})] = {"TableName": table, "Key": key}
                if op == "TransactWriteItems":
                    for item in p["TransactItems"]:
                        ((kind, body),) = item.items()
                        if kind in ("Update", "ConditionCheck", "Delete"):
                            keys[_key_of(body)] = body
    out = {}
    for k, p in keys.items():
        item = bare.get_item(TableName=p["TableName"], Key=p["Key"], ConsistentRead=True).get("Item")
        out["|".join(k)] = item
    return out


def _indexes(bare, names) -> dict:
    out = {}
    for key, name in names.items():
        if key.endswith("_TABLE"):
            desc = bare.describe_table(TableName=name)["Table"]
            out[name] = [[k["AttributeName"] for k in g["KeySchema"]] for g in desc.get("GlobalSecondaryIndexes", [])]
    return out


def figure(data: dict) -> list[dict]:
    h, f, hk = data["handler_s"], data["floor_s"], data["handler_key_s"]
    return [
        {
            "name": "1. booking overhead: BookTicket handler in-process (median)",
            "value": median(h) * 1e3,
            "unit": "ms",
            "floor": median(f) * 1e3,
            "ratio": median(h) / median(f),
            "target": "<= 1.25x",
            "met": median(h) / median(f) <= 1.25,
            "p95": p95(h) * 1e3,
            "floor_p95": p95(f) * 1e3,
            "n": len(h),
            "note": "floor: the bare boto3 TransactWriteItems a warm booking makes (seats, the customer's count, "
            "booking, pointer, outbox), replayed with new ids and customer, same emulator tables, alternating",
        },
        {
            "name": "1b. same, with an Idempotency-Key (informational)",
            "value": median(hk) * 1e3,
            "unit": "ms",
            "floor": median(f) * 1e3,
            "ratio": median(hk) / median(f),
            "target": None,
            "met": None,
            "n": len(hk),
            "note": "Powertools idempotency adds its own writes to IdempotencyTable",
        },
    ]
