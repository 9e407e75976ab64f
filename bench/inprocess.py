"""Figures 1 and 6 (measurements): warm handlers invoked in-process against the emulator's DynamoDB, on tables built
from template.yaml's definitions (not the deployed stack's, so no stream consumers add load).

Figure 1: BookTicket handler vs the bare boto3 calls a warm booking makes (recorded from one: the 4-item
TransactWriteItems), alternating iteration by iteration.
Cost inputs (figure 6): one booking carried through BookTicket -> StreamPublisher -> Headcount + StatusViewProjector,
in-process, recording every AWS call each function makes, its duration and the bytes it logs.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import time
import uuid

from common import ROOT, FakeContext, create_table_like, function_props, median, p95, point_domain_at, say

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


def setup(stack) -> dict:
    """Tables like the template's, a bench bus, the domain pointed at them; returns the names."""
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
    point_domain_at(stack.endpoint, names)
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
    from boxoffice.handlers import book_ticket, headcount, register_performance, status_projector, stream_publisher
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

    # A performance, registered through its own handler, its inventory opened as the projector would.
    reg = _event("register_performance")
    body = json.loads(reg["body"])
    body["capacity"] = 100_000
    reg["body"] = json.dumps(body, ensure_ascii=False)
    result, _, _ = invoke(register_performance.lambda_handler, reg, "RegisterPerformanceFunction")
    perf = json.loads(result["body"])
    assert result["statusCode"] == 201, result
    booking_service.open_for_sale({**perf})
    pid = perf["performanceId"]

    base = _event("book_ticket")
    base["body"] = json.dumps({"performanceId": pid, "quantity": 2})
    plain_event = _drop_idempotency_key(base)

    # A warm function's booking, recorded: the exact calls (and items) the floor repeats. (Its first booking of a
    # performance also reads the performance; after that a booking is the transaction alone.)
    result, _, _ = invoke(book_ticket.lambda_handler, plain_event, "BookTicketFunction")
    assert result["statusCode"] == 201, result
    with rec.recording() as calls:
        result, _, _ = invoke(book_ticket.lambda_handler, plain_event, "BookTicketFunction")
    assert result["statusCode"] == 201, result
    ops = [op for svc, op, _ in calls]
    assert all(svc == "dynamodb" for svc, _, _ in calls), ops
    assert ops[-1] == "TransactWriteItems", ops
    booked = json.loads(result["body"])
    tx_items = calls[-1][2]["TransactItems"]
    event_id = next(i["Put"]["Item"]["eventId"]["S"] for i in tx_items if "eventId" in i.get("Put", {}).get("Item", {}))
    recorded = json.dumps([(op, params) for _, op, params in calls], default=int)
    say(f"  a warm booking makes: {', '.join(ops)}")

    bare = boto3.client("dynamodb")  # the same endpoint, from AWS_ENDPOINT_URL
    methods = [getattr(bare, xform_name(op)) for op in ops]  # TransactWriteItems -> transact_write_items

    def floor_once():
        fresh = json.loads(recorded.replace(booked["bookingId"], new_id()).replace(event_id, new_id()))
        t0 = time.perf_counter()
        for method, (_, params) in zip(methods, fresh, strict=False):
            method(**params)
        return time.perf_counter() - t0

    def handler_once(event):
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

    # the headcount needs the performance in its table (registered above)
    for n in range(COST_BOOKINGS):
        with rec.recording() as calls:
            _r, dt, lb = invoke(book_ticket.lambda_handler, plain_event, "BookTicketFunction")
        per_fn["BookTicketFunction"]["durations"].append(dt)
        per_fn["BookTicketFunction"]["log_bytes"].append(lb)
        per_fn["BookTicketFunction"]["calls"].append(calls)
        image = next(p for _, op, p in calls if op == "TransactWriteItems")["TransactItems"][3]["Put"]["Item"]
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

    # item sizes as stored (updates are billed on the item as written): read them back
    sizes = _stored_sizes(bare, per_fn)
    return {
        "handler_s": h,
        "floor_s": f,
        "handler_key_s": hk,
        "per_fn": {
            k: {
                "durations": v["durations"],
                "log_bytes": v["log_bytes"],
                "calls": [[(s, o, p) for s, o, p in c] for c in v["calls"]],
            }
            for k, v in per_fn.items()
        },
        "stored_sizes": sizes,
        "indexes": _indexes(bare, names),
    }


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
                if op == "TransactWriteItems":
                    for item in p["TransactItems"]:
                        ((kind, body),) = item.items()
                        if kind == "Update":
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
            "note": "floor: bare boto3 GetItem + TransactWriteItems of the 4 items, same emulator tables, alternating",
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
