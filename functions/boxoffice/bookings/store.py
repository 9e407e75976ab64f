"""BookingsTable access: seat inventory per performance, bookings, booking pointers and the outbox.

Layout (pk / sk):
  PERF#<performanceId> / INVENTORY         seats left and whether the performance is open
  PERF#<performanceId> / BOOKING#<id>      a booking, kept beside its inventory so a
                                           consistent Query finds every booking of a performance
  BOOKING#<id>         / REF               immutable pointer: performance and customer of a booking
  EVENT#<eventId>      / EVENT             outbox
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from botocore.exceptions import ClientError

from boxoffice import config
from boxoffice.bookings.records import BookingRecord, BookingRef, InventoryRecord, PerformanceDetails
from boxoffice.contracts import CancelReason, TicketBooked, TicketCancelled
from boxoffice.dynamo import (
    Table,
    cancellation_codes,
    condition_failed_at,
    from_low,
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


def get_inventory(performance_id: str) -> InventoryRecord | None:
    item = _table().get_item(Key=inventory_key(performance_id), ConsistentRead=True).get("Item")
    return cast("InventoryRecord | None", plain(item))


def open_inventory(details: PerformanceDetails) -> None:
    """Record a registered performance's seats; harmless if repeated or if it was already cancelled."""
    _table().update_item(
        Key=inventory_key(details["performanceId"]),
        UpdateExpression=(
            "SET performanceId = :id, title = :t, startsAt = :s, organizerId = :o, "
            "#cap = if_not_exists(#cap, :c), available = if_not_exists(available, :c), "
            "#st = if_not_exists(#st, :open)"
        ),
        ExpressionAttributeNames={"#st": "status", "#cap": "capacity"},
        ExpressionAttributeValues={
            ":id": details["performanceId"],
            ":t": details["title"],
            ":s": details["startsAt"],
            ":o": details["organizerId"],
            ":c": details["capacity"],
            ":open": "OPEN",
        },
    )


def close_inventory(details: PerformanceDetails) -> None:
    """Stop all sales of a performance; works before or after it was opened."""
    _table().update_item(
        Key=inventory_key(details["performanceId"]),
        UpdateExpression="SET performanceId = :id, title = :t, startsAt = :s, organizerId = :o, #st = :cancelled",
        ExpressionAttributeNames={"#st": "status"},
        ExpressionAttributeValues={
            ":id": details["performanceId"],
            ":t": details["title"],
            ":s": details["startsAt"],
            ":o": details["organizerId"],
            ":cancelled": "CANCELLED",
        },
    )


class SeatsRefused(Exception):
    """The inventory refused the seats; `inventory` is its state at that moment (None if absent)."""

    def __init__(self, inventory: InventoryRecord | None):
        super().__init__("seats refused")
        self.inventory = inventory


def booking_item(booking: BookingRecord) -> dict[str, Any]:
    return {**booking_key(booking["performanceId"], booking["bookingId"]), **booking}


def insert_booking(booking: BookingRecord, event: TicketBooked) -> None:
    """Take the seats and write the booking and its event in one transaction: never oversold."""
    table = _table()
    pid, bid = booking["performanceId"], booking["bookingId"]
    try:
        transact(
            table,
            [
                {
                    "Update": {
                        "TableName": table.name,
                        "Key": inventory_key(pid),
                        "UpdateExpression": "SET available = available - :q",
                        "ConditionExpression": "#st = :open AND available >= :q",
                        "ExpressionAttributeNames": {"#st": "status"},
                        "ExpressionAttributeValues": {":q": booking["quantity"], ":open": "OPEN"},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": booking_item(booking),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": {**ref_key(bid), "performanceId": pid, "customerId": booking["customerId"]},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                put_event(table.name, event),
            ],
        )
    except ClientError as exc:
        if condition_failed_at(exc, 0):
            old = exc.response["CancellationReasons"][0].get("Item")
            raise SeatsRefused(cast("InventoryRecord", plain(from_low(old))) if old else None) from exc
        raise


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


def _cancel_items(table_name: str, cancellation: Cancellation) -> list[dict]:
    booking = cancellation.booking
    return [
        {
            "Update": {
                "TableName": table_name,
                "Key": booking_key(booking["performanceId"], booking["bookingId"]),
                "UpdateExpression": "SET #st = :cancelled, cancelReason = :r, cancelledAt = :at",
                "ConditionExpression": "#st = :confirmed",
                "ExpressionAttributeNames": {"#st": "status"},
                "ExpressionAttributeValues": {
                    ":cancelled": "CANCELLED",
                    ":confirmed": "CONFIRMED",
                    ":r": cancellation.reason.value,
                    ":at": cancellation.cancelled_at,
                },
            }
        },
        put_event(table_name, cancellation.event),
    ]


def cancel_booking(cancellation: Cancellation, *, return_seats: bool) -> bool:
    """CONFIRMED to CANCELLED with its event (and the seats back); False if it was no longer CONFIRMED."""
    table = _table()
    items = _cancel_items(table.name, cancellation)
    if return_seats:
        items.append(
            {
                "Update": {
                    "TableName": table.name,
                    "Key": inventory_key(cancellation.booking["performanceId"]),
                    "UpdateExpression": "SET available = available + :q",
                    "ConditionExpression": "attribute_exists(available)",
                    "ExpressionAttributeValues": {":q": cancellation.booking["quantity"]},
                }
            }
        )
    return transact_unless_first_fails(table, items)


def cancel_bookings_together(cancellations: list[Cancellation]) -> bool:
    """Cancel up to 50 bookings in one transaction; False if any of them was no longer CONFIRMED."""
    table = _table()
    items = [item for c in cancellations for item in _cancel_items(table.name, c)]
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
