"""Figure 6: cost per million bookings on AWS, from what one booking actually did in-process (bench/inprocess.py):
the AWS calls each function made, the items it wrote and read (sizes as DynamoDB counts them), its duration and its
log bytes; for a free booking and for a paid one. Prices are the only constants; they are written out with the table.
The payment provider's own fees are not included (Stripe charges per payment, not per request)."""

from __future__ import annotations

import json
import math
from decimal import Decimal

from common import function_props, median

# us-east-1 list prices (on-demand, no free tier), as used below.
PRICES = {
    "lambda_request": 0.20 / 1e6,  # $ per request
    "lambda_gb_s_arm64": 0.0000133334,  # $ per GB-second, arm64, first tier
    "ddb_wru": 0.625 / 1e6,  # $ per write request unit (on-demand)
    "ddb_rru": 0.125 / 1e6,  # $ per read request unit (on-demand)
    "eventbridge_event": 1.00 / 1e6,  # $ per custom event published (64 KB chunk)
    "sqs_request": 0.40 / 1e6,  # $ per standard-queue request (64 KB chunk)
    "apigw_rest_request": 3.50 / 1e6,  # $ per REST API request (first 333M)
    "logs_gb": 0.50,  # $ per GB of CloudWatch Logs ingested
}
# SQS requests per consumed message when each message is its own batch (the low-traffic worst case):
# the rule's SendMessage, the poller's ReceiveMessage, the DeleteMessageBatch after success.
SQS_REQUESTS_PER_MESSAGE = 3


def _size_value(v) -> int:
    if isinstance(v, str):
        return len(v.encode("utf-8"))
    if isinstance(v, bool) or v is None:
        return 1
    if isinstance(v, (int, float, Decimal)):
        digits = len(str(abs(v)).replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if isinstance(v, (bytes, bytearray)):
        return len(v)
    if isinstance(v, dict):
        if len(v) == 1 and next(iter(v)) in ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"):
            ((t, x),) = v.items()  # low-level form
            if t == "S":
                return len(x.encode("utf-8"))
            if t == "N":
                return _size_value(Decimal(x))
            if t in ("BOOL", "NULL"):
                return 1
            if t == "M":
                return 3 + sum(len(k.encode()) + _size_value(y) + 1 for k, y in x.items())
            if t == "L":
                return 3 + sum(_size_value(y) + 1 for y in x)
            return sum(_size_value(y) for y in x)
        return 3 + sum(len(k.encode()) + _size_value(y) + 1 for k, y in v.items())
    if isinstance(v, (list, tuple, set)):
        return 3 + sum(_size_value(y) + 1 for y in v)
    return len(str(v))


def item_size(item: dict) -> int:
    """DynamoDB's item size: attribute names plus values."""
    return sum(len(k.encode("utf-8")) + _size_value(v) for k, v in item.items())


def _gsi_writes(table: str, item: dict, indexes: dict, size: int) -> int:
    n = 0
    for keys in indexes.get(table, []):
        if all(k in item for k in keys):
            n += math.ceil(size / 1024)
    return n


def _removed(body: dict) -> set[str]:
    """The attributes an UpdateExpression REMOVEs (names resolved)."""
    expression = body.get("UpdateExpression", "")
    if "REMOVE" not in expression:
        return set()
    clause = expression.split("REMOVE", 1)[1]
    for word in (" SET ", " ADD ", " DELETE "):
        clause = clause.split(word, 1)[0]
    names = body.get("ExpressionAttributeNames", {})
    return {names.get(a.strip(), a.strip()) for a in clause.split(",")}


def _gsi_deletes(table: str, body: dict, indexes: dict, size: int) -> int:
    """An update that removes an index's key takes the item out of that index: one write there."""
    removed = _removed(body)
    return sum(math.ceil(size / 1024) for keys in indexes.get(table, []) if removed & set(keys))


def dynamo_units(calls: list, stored: dict, indexes: dict) -> dict:
    wru = rru = 0.0
    detail = []

    def stored_item(table, key):
        return stored.get(table + "|" + json.dumps(key, sort_keys=True, default=int)) or key

    def read_units(size, consistent):
        # an item that is not there costs the same as a small one
        return max(1, math.ceil(size / 4096)) * (1 if consistent else 0.5)

    for svc, op, p in calls:
        if svc != "dynamodb":
            continue
        if op == "GetItem":
            size = item_size(stored_item(p["TableName"], p["Key"]))
            units = read_units(size, p.get("ConsistentRead"))
            rru += units
            detail.append(f"GetItem {size}B -> {units:g} RRU")
        elif op == "BatchGetItem":
            units, sizes = 0.0, []
            for table, request in p["RequestItems"].items():
                for key in request["Keys"]:
                    sizes.append(item_size(stored_item(table, key)))
                    units += read_units(sizes[-1], request.get("ConsistentRead"))
            rru += units
            detail.append(f"BatchGetItem {len(sizes)} x {max(sizes, default=0)}B -> {units:g} RRU")
        elif op in ("PutItem", "UpdateItem"):
            item = p["Item"] if op == "PutItem" else stored_item(p["TableName"], p["Key"])
            size = item_size(item)
            units = math.ceil(size / 1024) + _gsi_writes(p["TableName"], item, indexes, size)
            if op == "UpdateItem":
                units += _gsi_deletes(p["TableName"], p, indexes, size)
            wru += units
            detail.append(f"{op} {size}B -> {units} WRU")
        elif op == "TransactWriteItems":
            parts = []
            for entry in p["TransactItems"]:
                ((kind, body),) = entry.items()
                item = body["Item"] if kind == "Put" else stored_item(body["TableName"], body["Key"])
                size = item_size(item)
                # every item of a transaction costs two write units per KB
                units = 2 * math.ceil(size / 1024)
                if kind in ("Put", "Update"):
                    units += _gsi_writes(body["TableName"], item, indexes, size)
                if kind == "Update":
                    units += _gsi_deletes(body["TableName"], body, indexes, size)
                wru += units
                parts.append(f"{kind} {size}B {units}")
            detail.append(f"tx[{'; '.join(parts)}] WRU")
        elif op in ("Query", "Scan", "BatchWriteItem"):
            detail.append(f"{op} (not counted)")
    return {"wru": wru, "rru": rru, "detail": detail}


def model(inproc: dict, kind: str = "free") -> dict:
    chain = inproc["chains"][kind]
    per_fn = chain["per_fn"]
    stored, indexes = chain["stored_sizes"], inproc["indexes"]
    lambda_rows, wru, rru, events, log_bytes = [], 0.0, 0.0, 0, 0.0
    ddb_detail = {}
    for fn, d in per_fn.items():
        dur_ms = median(d["durations"]) * 1000
        mem = function_props(fn).get("MemorySize", 256)
        gb_s = math.ceil(dur_ms) / 1000 * mem / 1024
        lambda_rows.append({"function": fn, "invocations": 1, "ms": dur_ms, "memory_mb": mem, "gb_s": gb_s})
        units = dynamo_units(d["calls"][-1], stored, indexes)
        wru += units["wru"]
        rru += units["rru"]
        ddb_detail[fn] = units["detail"]
        events += sum(len(p["Entries"]) for s, o, p in d["calls"][-1] if s == "events" and o == "PutEvents")
        log_bytes += median(d["log_bytes"])
    messages = sum(1 for fn in per_fn if fn in ("HeadcountFunction", "StatusViewProjectorFunction"))
    invocations = sum(r["invocations"] for r in lambda_rows)
    gb_s = sum(r["gb_s"] for r in lambda_rows)
    per_million = 1e6
    components = [
        (
            "Lambda requests",
            invocations * PRICES["lambda_request"] * per_million,
            f"{invocations} invocations/booking x $0.20/M",
        ),
        (
            "Lambda compute (arm64)",
            gb_s * PRICES["lambda_gb_s_arm64"] * per_million,
            f"{gb_s * 1000:.3f} GB-ms/booking x $0.0000133334/GB-s",
        ),
        ("DynamoDB writes", wru * PRICES["ddb_wru"] * per_million, f"{wru:g} WRU/booking x $0.625/M"),
        ("DynamoDB reads", rru * PRICES["ddb_rru"] * per_million, f"{rru:g} RRU/booking x $0.125/M"),
        ("EventBridge", events * PRICES["eventbridge_event"] * per_million, f"{events} event/booking x $1.00/M"),
        (
            "SQS",
            messages * SQS_REQUESTS_PER_MESSAGE * PRICES["sqs_request"] * per_million,
            f"{messages} messages x {SQS_REQUESTS_PER_MESSAGE} requests x $0.40/M",
        ),
        ("API Gateway (REST)", PRICES["apigw_rest_request"] * per_million, "1 request x $3.50/M"),
        ("CloudWatch Logs", log_bytes / 1e9 * PRICES["logs_gb"] * per_million, f"{log_bytes:.0f} B/booking x $0.50/GB"),
    ]
    total = sum(c[1] for c in components)
    return {
        "components": components,
        "total": total,
        "invocations": invocations,
        "wru": wru,
        "rru": rru,
        "events": events,
        "lambda": lambda_rows,
        "ddb_detail": ddb_detail,
        "prices": PRICES,
        "kind": kind,
    }


def rows(m: dict, paid: dict | None = None) -> list[dict]:
    out = [
        {
            "name": f"6. cost/1M bookings: {name}",
            "value": usd,
            "unit": "USD",
            "floor": None,
            "ratio": None,
            "target": None,
            "met": None,
            "note": how,
        }
        for name, usd, how in m["components"]
    ]
    out.append(
        {
            "name": "6. cost/1M bookings: TOTAL",
            "value": m["total"],
            "unit": "USD",
            "floor": None,
            "ratio": None,
            "target": None,
            "met": None,
            "note": f"{m['invocations']} Lambda invocations, {m['wru']:g} WRU, {m['rru']:g} RRU per booking",
        }
    )
    if paid:
        parts = {name: usd for name, usd, _ in paid["components"]}
        book = next(r for r in paid["lambda"] if r["function"] == "BookTicketFunction")
        # What each 100 ms more of waiting for the provider adds (Stripe answers in hundreds of ms, localstripe in a
        # few): BookTicket's memory x 0.1 s x the GB-second price, per million.
        per_100ms = book["memory_mb"] / 1024 * 0.1 * PRICES["lambda_gb_s_arm64"] * 1e6
        out.append(
            {
                "name": "6. cost/1M PAID bookings: TOTAL (provider's fees not included)",
                "value": paid["total"],
                "unit": "USD",
                "floor": m["total"],
                "ratio": paid["total"] / m["total"],
                "target": None,
                "met": None,
                "note": f"{paid['invocations']} Lambda invocations, {paid['wru']:g} WRU, {paid['rru']:g} RRU per "
                f"booking; DynamoDB writes ${parts['DynamoDB writes']:.2f}, reads ${parts['DynamoDB reads']:.2f}, "
                f"Lambda compute ${parts['Lambda compute (arm64)']:.2f} with BookTicket {book['ms']:.0f} ms against "
                f"localstripe (each 100 ms more waiting for Stripe: +${per_100ms:.2f}); floor: a free booking",
            }
        )
    return out
