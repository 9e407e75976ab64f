"""BookingsTable access: seat inventory per performance, bookings, booking pointers and the outbox.

Layout (pk / sk):
  PERF#<performanceId> / INVENTORY         whether the performance is open, its grades and prices, and per grade
                                           the seats neither held nor sold (one attribute each: avail_<grade>)
  PERF#<performanceId> / CUSTOMER#<id>     the tickets a customer holds for it (`held`), against its limit
  PERF#<performanceId> / BOOKING#<id>      a booking, kept beside its inventory so a
                                           consistent Query finds every booking of a performance; while its
                                           seats are held for payment it is in gsi1 (HOLD#<shard> by expiry)
  BREAKER#payments     / BREAKER           the payment circuit breaker's shared state (payments.breaker)
  BOOKING#<id>         / REF               immutable pointer: performance and customer of a booking
  EVENT#<eventId>      / EVENT             outbox
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from botocore.exceptions import ClientError

from boxoffice import config
from boxoffice.bookings.records import BookingRecord, BookingRef, InventoryRecord, PerformanceDetails
from boxoffice.contracts import (
    BookingExpired,
    CancelReason,
    PaymentFailed,
    PaymentPending,
    RefundCompleted,
    RefundFailed,
    TicketBooked,
    TicketCancelled,
)
from boxoffice.dynamo import (
    Table,
    cancellation_codes,
    condition_failed_at,
    from_low,
    is_condition_failed,
    is_transaction_cancelled,
    plain,
    transact,
    transact_unless_first_fails,
)
from boxoffice.outbox import put_event


def _table() -> Table:
    return config.table(config.BOOKINGS_TABLE)


def inventory_key(performance_id: str) -> dict[str, str]:
    return {"pk": f"PERF#{performance_id}", "sk": "INVENTORY"}


def booking_key(performance_id: str, booking_id: str) -> dict[str, str]:
    return {"pk": f"PERF#{performance_id}", "sk": f"BOOKING#{booking_id}"}


def ref_key(booking_id: str) -> dict[str, str]:
    return {"pk": f"BOOKING#{booking_id}", "sk": "REF"}


def _available(grade: str) -> str:
    return f"avail_{grade}"


def _inventory(item: dict | None) -> InventoryRecord | None:
    if item is None:
        return None
    record = plain(item)
    record["available"] = {g: record.pop(_available(g)) for g in record.get("grades", {}) if _available(g) in record}
    return cast("InventoryRecord", record)


def get_inventory(performance_id: str) -> InventoryRecord | None:
    return _inventory(_table().get_item(Key=inventory_key(performance_id), ConsistentRead=True).get("Item"))


def _facts(details: PerformanceDetails) -> dict[str, Any]:
    return {
        ":id": details["performanceId"],
        ":t": details["title"],
        ":s": details["startsAt"],
        ":o": details["organizerId"],
    }


def open_inventory(details: PerformanceDetails) -> None:
    """Record a registered performance's grades and seats; harmless if repeated or if it was already cancelled."""
    grades = details["grades"]
    names = {
        "#st": "status",
        "#cap": "capacity",
        "#g": "grades",
        "#kind": "kind",
        **{f"#a{n}": _available(g["grade"]) for n, g in enumerate(grades)},
    }
    _table().update_item(
        Key=inventory_key(details["performanceId"]),
        UpdateExpression=(
            "SET performanceId = :id, title = :t, startsAt = :s, organizerId = :o, "
            "#cap = if_not_exists(#cap, :c), #g = if_not_exists(#g, :g), "
            "maxPerCustomer = if_not_exists(maxPerCustomer, :m), #kind = if_not_exists(#kind, :k), "
            "teams = if_not_exists(teams, :teams), "
            + "".join(f"#a{n} = if_not_exists(#a{n}, :a{n}), " for n in range(len(grades)))
            + "#st = if_not_exists(#st, :open)"
        ),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={
            **_facts(details),
            ":c": details["capacity"],
            ":g": {g["grade"]: {"price": g["price"], "seats": g["seats"]} for g in grades},
            ":m": details["maxPerCustomer"],
            ":k": details["kind"],
            ":teams": details["teams"],
            **{f":a{n}": g["seats"] for n, g in enumerate(grades)},
            ":open": "OPEN",
        },
    )


def close_inventory(details: PerformanceDetails) -> None:
    """Stop all sales of a performance; works before or after it was opened."""
    _table().update_item(
        Key=inventory_key(details["performanceId"]),
        UpdateExpression="SET performanceId = :id, title = :t, startsAt = :s, organizerId = :o, #st = :cancelled",
        ExpressionAttributeNames={"#st": "status"},
        ExpressionAttributeValues={**_facts(details), ":cancelled": "CANCELLED"},
    )


def limit_key(performance_id: str, customer_id: str) -> dict[str, str]:
    return {"pk": f"PERF#{performance_id}", "sk": f"CUSTOMER#{customer_id}"}


class SeatsRefused(Exception):
    """The inventory refused the seats; `inventory` is its state at that moment (None if absent)."""

    def __init__(self, inventory: InventoryRecord | None):
        super().__init__("seats refused")
        self.inventory = inventory


class LimitRefused(Exception):
    """The customer would hold more tickets than the performance allows; `held` is what they hold now."""

    def __init__(self, held: int):
        super().__init__("limit refused")
        self.held = held


def booking_item(booking: BookingRecord) -> dict[str, Any]:
    return {**booking_key(booking["performanceId"], booking["bookingId"]), **booking}


def _take_seats(table_name: str, performance_id: str, grade: str, quantity: int) -> dict:
    return {
        "Update": {
            "TableName": table_name,
            "Key": inventory_key(performance_id),
            "UpdateExpression": "SET #a = #a - :q",
            "ConditionExpression": "#st = :open AND #a >= :q",
            "ExpressionAttributeNames": {"#st": "status", "#a": _available(grade)},
            "ExpressionAttributeValues": {":q": quantity, ":open": "OPEN"},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def _return_seats(table_name: str, performance_id: str, grade: str, quantity: int) -> dict:
    return {
        "Update": {
            "TableName": table_name,
            "Key": inventory_key(performance_id),
            "UpdateExpression": "SET #a = #a + :q",
            "ConditionExpression": "attribute_exists(#a)",
            "ExpressionAttributeNames": {"#a": _available(grade)},
            "ExpressionAttributeValues": {":q": quantity},
        }
    }


def _hold(table_name: str, performance_id: str, customer_id: str, quantity: int, limit: int) -> dict:
    return {
        "Update": {
            "TableName": table_name,
            "Key": limit_key(performance_id, customer_id),
            "UpdateExpression": "ADD held :q",
            "ConditionExpression": "attribute_not_exists(held) OR held <= :room",
            "ExpressionAttributeValues": {":q": quantity, ":room": limit - quantity},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def _release(table_name: str, performance_id: str, customer_id: str, quantity: int) -> dict:
    # No condition of its own: it goes with the booking's move off CONFIRMED, which happens once.
    return {
        "Update": {
            "TableName": table_name,
            "Key": limit_key(performance_id, customer_id),
            "UpdateExpression": "ADD held :minus",
            "ExpressionAttributeValues": {":minus": -quantity},
        }
    }


HOLD_INDEX = "ByHoldExpiry"
# Holds are spread over a few index partitions, so a sale's holds do not all write to one.
HOLD_SHARDS = 8
_HOLDING = ("HELD", "PAYMENT_PENDING")


def _hold_shard(booking_id: str) -> str:
    return f"HOLD#{zlib.crc32(booking_id.encode()) % HOLD_SHARDS}"


def insert_booking(booking: BookingRecord, event: TicketBooked | None, limit: int) -> None:
    """Take the seats of its grade and count them against the customer's limit, and write the booking (and its
    event, if it is confirmed at once), in one transaction: no grade is ever oversold and no customer ever holds
    more than `limit`. A booking whose seats are held for payment is indexed by when the hold expires."""
    table = _table()
    pid, bid, cid, q = booking["performanceId"], booking["bookingId"], booking["customerId"], booking["quantity"]
    item = booking_item(booking)
    if booking["status"] in _HOLDING:
        item |= {"gsi1pk": _hold_shard(bid), "gsi1sk": f"{booking['holdExpiresAt']}#{bid}"}
    try:
        transact(
            table,
            [
                _take_seats(table.name, pid, booking["grade"], q),
                _hold(table.name, pid, cid, q, limit),
                {"Put": {"TableName": table.name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": {**ref_key(bid), "performanceId": pid, "customerId": cid},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                *([put_event(table.name, event)] if event else []),
            ],
        )
    except ClientError as exc:
        if condition_failed_at(exc, 0):
            old = exc.response["CancellationReasons"][0].get("Item")
            raise SeatsRefused(_inventory(from_low(old)) if old else None) from exc
        if condition_failed_at(exc, 1):
            old = exc.response["CancellationReasons"][1].get("Item") or {}
            raise LimitRefused(int(from_low(old).get("held", 0))) from exc
        raise


class Moved(Exception):
    """The booking was no longer in a state the change applies to (another writer moved it first)."""


def record_payment(booking: BookingRecord, payment_id: str) -> str:
    """Record the payment intent of a held booking, once: returns the intent that stands (this one, or one another
    attempt recorded first). Raises Moved if the booking is no longer held."""
    try:
        _table().update_item(
            Key=booking_key(booking["performanceId"], booking["bookingId"]),
            UpdateExpression="SET paymentId = :p",
            ConditionExpression="attribute_not_exists(paymentId) AND #st IN (:held, :pending)",
            ExpressionAttributeNames={"#st": "status"},
            ExpressionAttributeValues={":p": payment_id, ":held": "HELD", ":pending": "PAYMENT_PENDING"},
        )
        return payment_id
    except ClientError as exc:
        if not is_condition_failed(exc):
            raise
    now = get_booking(booking["performanceId"], booking["bookingId"])
    if now is None or now["status"] not in _HOLDING or "paymentId" not in now:
        raise Moved(booking["bookingId"])
    return now["paymentId"]


def _move(table_name: str, booking: BookingRecord, to: str, allowed: tuple[str, ...], fields: dict[str, Any]) -> dict:
    """An Update moving a booking from one of `allowed` to `to`, setting `fields`, out of the hold index."""
    names = {"#st": "status", **{f"#f{n}": k for n, k in enumerate(fields)}}
    values = {
        ":to": to,
        **{f":a{n}": s for n, s in enumerate(allowed)},
        **{f":f{n}": v for n, v in enumerate(fields.values())},
    }
    sets = "".join(f", #f{n} = :f{n}" for n in range(len(fields)))
    return {
        "Update": {
            "TableName": table_name,
            "Key": booking_key(booking["performanceId"], booking["bookingId"]),
            "UpdateExpression": f"SET #st = :to{sets} REMOVE gsi1pk, gsi1sk",
            "ConditionExpression": f"#st IN ({', '.join(f':a{n}' for n in range(len(allowed)))})",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def mark_pending(booking: BookingRecord, event: PaymentPending) -> bool:
    """HELD -> PAYMENT_PENDING with its event (the charge is retried from a queue); False if it had moved on."""
    table = _table()
    update = _move(table.name, booking, "PAYMENT_PENDING", ("HELD",), {})
    # Still held: it stays in the hold index, so the sweeper expires it if no retry settles it in time.
    update["Update"]["UpdateExpression"] = update["Update"]["UpdateExpression"].replace(" REMOVE gsi1pk, gsi1sk", "")
    return transact_unless_first_fails(table, [update, put_event(table.name, event)])


def confirm_paid(booking: BookingRecord, payment_id: str, event: TicketBooked) -> bool:
    """HELD or PAYMENT_PENDING -> CONFIRMED, paid, with its TicketBooked; False if it had moved on (expired)."""
    table = _table()
    update = _move(table.name, booking, "CONFIRMED", _HOLDING, {"paymentId": payment_id})
    return transact_unless_first_fails(table, [update, put_event(table.name, event)])


def release_hold(
    booking: BookingRecord, to: str, fields: dict[str, Any], event: PaymentFailed | BookingExpired
) -> bool:
    """HELD or PAYMENT_PENDING -> PAYMENT_FAILED or EXPIRED: the seats and the customer's count back, with its event,
    once; False if it had moved on."""
    table = _table()
    b = booking
    return transact_unless_first_fails(
        table,
        [
            _move(table.name, b, to, _HOLDING, fields),
            put_event(table.name, event),
            _return_seats(table.name, b["performanceId"], b["grade"], b["quantity"]),
            _release(table.name, b["performanceId"], b["customerId"], b["quantity"]),
        ],
    )


def holds_due(before: str, limit: int = 100) -> list[tuple[str, str]]:
    """(performanceId, bookingId) of bookings whose hold expires before `before` (an ISO time), oldest first."""
    table = _table()
    due: list[tuple[str, str]] = []
    for shard in range(HOLD_SHARDS):
        args: dict[str, Any] = {
            "IndexName": HOLD_INDEX,
            "KeyConditionExpression": "gsi1pk = :p AND gsi1sk < :t",
            "ExpressionAttributeValues": {":p": f"HOLD#{shard}", ":t": before},
            "Limit": limit,
        }
        for item in table.query(**args)["Items"]:
            due.append((item["pk"].removeprefix("PERF#"), item["sk"].removeprefix("BOOKING#")))
    return due


def owe_refund(booking: BookingRecord) -> None:
    """Note that the booking's money must go back (a hold that ran out was paid after all), unless already noted."""
    try:
        _table().update_item(
            Key=booking_key(booking["performanceId"], booking["bookingId"]),
            UpdateExpression="SET refund = :pending",
            ConditionExpression="attribute_not_exists(refund)",
            ExpressionAttributeValues={":pending": {"status": "PENDING"}},
        )
        booking["refund"] = {"status": "PENDING"}
    except ClientError as exc:
        if not is_condition_failed(exc):
            raise


def set_refund(
    booking: BookingRecord, status: str, allowed: tuple[str, ...], event: RefundCompleted | RefundFailed
) -> bool:
    """The booking's refund moves from one of `allowed` to `status`, with its event; False if it had moved on."""
    table = _table()
    values = {":s": status, **{f":a{n}": a for n, a in enumerate(allowed)}}
    return transact_unless_first_fails(
        table,
        [
            {
                "Update": {
                    "TableName": table.name,
                    "Key": booking_key(booking["performanceId"], booking["bookingId"]),
                    "UpdateExpression": "SET refund.#st = :s",
                    "ConditionExpression": f"refund.#st IN ({', '.join(f':a{n}' for n in range(len(allowed)))})",
                    "ExpressionAttributeNames": {"#st": "status"},
                    "ExpressionAttributeValues": values,
                }
            },
            put_event(table.name, event),
        ],
    )


def get_held(performance_id: str, customer_id: str) -> int:
    item = _table().get_item(Key=limit_key(performance_id, customer_id), ConsistentRead=True).get("Item")
    return int(item.get("held", 0)) if item else 0


def get_ref(booking_id: str) -> BookingRef | None:
    item = _table().get_item(Key=ref_key(booking_id), ConsistentRead=True).get("Item")
    return cast("BookingRef | None", plain(item))


def get_booking(performance_id: str, booking_id: str) -> BookingRecord | None:
    item = _table().get_item(Key=booking_key(performance_id, booking_id), ConsistentRead=True).get("Item")
    return cast("BookingRecord | None", plain(item))


@dataclass(frozen=True)
class Cancellation:
    """A booking to move from CONFIRMED to CANCELLED, and the event that says so."""

    booking: BookingRecord
    cancelled_at: str
    reason: CancelReason
    event: TicketCancelled


def _paid(booking: BookingRecord) -> bool:
    """Money was taken for it: a cancellation owes a refund."""
    return bool(booking.get("paymentId")) and booking["amount"] > 0


def _cancel_items(table_name: str, cancellation: Cancellation) -> list[dict]:
    booking = cancellation.booking
    return [
        {
            "Update": {
                "TableName": table_name,
                "Key": booking_key(booking["performanceId"], booking["bookingId"]),
                "UpdateExpression": "SET #st = :cancelled, cancelReason = :r, cancelledAt = :at"
                + (", refund = :refund" if _paid(booking) else ""),
                "ConditionExpression": "#st = :confirmed",
                "ExpressionAttributeNames": {"#st": "status"},
                "ExpressionAttributeValues": {
                    ":cancelled": "CANCELLED",
                    ":confirmed": "CONFIRMED",
                    ":r": cancellation.reason.value,
                    ":at": cancellation.cancelled_at,
                    **({":refund": {"status": "PENDING"}} if _paid(booking) else {}),
                },
            }
        },
        put_event(table_name, cancellation.event),
    ]


def cancel_booking(cancellation: Cancellation, *, return_seats: bool) -> bool:
    """CONFIRMED to CANCELLED with its event, its tickets off the customer's count (and its seats back if the
    performance still sells); False if it was no longer CONFIRMED."""
    table = _table()
    b = cancellation.booking
    items = [
        *_cancel_items(table.name, cancellation),
        _release(table.name, b["performanceId"], b["customerId"], b["quantity"]),
    ]
    if return_seats:
        items.append(_return_seats(table.name, b["performanceId"], b["grade"], b["quantity"]))
    return transact_unless_first_fails(table, items)


def cancel_bookings_together(cancellations: list[Cancellation]) -> bool:
    """Cancel up to 30 bookings of one performance in one transaction, their tickets off their customers' counts
    (one write per customer); False if any of them was no longer CONFIRMED."""
    table = _table()
    held: dict[str, int] = {}
    for c in cancellations:
        held[c.booking["customerId"]] = held.get(c.booking["customerId"], 0) + c.booking["quantity"]
    pid = cancellations[0].booking["performanceId"]
    items = [item for c in cancellations for item in _cancel_items(table.name, c)]
    items += [_release(table.name, pid, customer, quantity) for customer, quantity in held.items()]
    try:
        transact(table, items)
        return True
    except ClientError as exc:
        if is_transaction_cancelled(exc) and "ConditionalCheckFailed" in cancellation_codes(exc):
            return False
        raise


def confirmed_bookings(performance_id: str, page_size: int) -> Iterator[list[BookingRecord]]:
    """Every CONFIRMED booking of a performance, page by page, read consistently."""
    args: dict[str, Any] = {
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :b)",
        "FilterExpression": "#st = :confirmed",
        "ExpressionAttributeNames": {"#st": "status"},
        "ExpressionAttributeValues": {":p": f"PERF#{performance_id}", ":b": "BOOKING#", ":confirmed": "CONFIRMED"},
        "ConsistentRead": True,
        "Limit": page_size,
    }
    table = _table()
    while True:
        result = table.query(**args)
        items = [cast("BookingRecord", plain(i)) for i in result.get("Items", [])]
        if items:
            yield items
        if "LastEvaluatedKey" not in result:
            return
        args["ExclusiveStartKey"] = result["LastEvaluatedKey"]
