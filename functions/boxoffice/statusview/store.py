"""StatusViewTable access: the read side for customers and organizers.

Layout (pk / sk):
  BOOKING#<id> / VIEW       a booking as its customer sees it
                            (gsi1: CUSTOMER#<id> by createdAt, gsi2: PERF#<id> by createdAt)
  PERF#<id>    / SUMMARY    a performance's details and booking counts for its organizer
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from botocore.exceptions import ClientError

from boxoffice import config
from boxoffice.dynamo import Table, is_condition_failed, plain, transact_new_only, transact_unless_first_fails
from boxoffice.statusview.records import BookingView, Summary, SummaryCounts

GRADE_COUNTERS = ("sold", "held", "revenue")  # kept per grade, as <counter>_<grade>
TEAM_COUNTERS = ("tickets", "bookings", "stake")  # kept per team of a match, as <counter>@<team>
BY_CUSTOMER = "ByCustomer"
BY_PERFORMANCE = "ByPerformance"


def _table() -> Table:
    return config.table(config.STATUS_VIEW_TABLE)


def view_key(booking_id: str) -> dict[str, str]:
    return {"pk": f"BOOKING#{booking_id}", "sk": "VIEW"}


def summary_key(performance_id: str) -> dict[str, str]:
    return {"pk": f"PERF#{performance_id}", "sk": "SUMMARY"}


def get_view(booking_id: str) -> BookingView | None:
    item = _table().get_item(Key=view_key(booking_id), ConsistentRead=True).get("Item")
    return cast("BookingView | None", plain(item))


def get_summary(performance_id: str) -> tuple[Summary, dict[str, int]] | None:
    """A performance's summary and its per-grade counters (`sold_<grade>`, `revenue_<grade>`, ...), absent = 0."""
    item = _table().get_item(Key=summary_key(performance_id), ConsistentRead=True).get("Item")
    if item is None:
        return None
    record = plain(item)
    counters = {
        k: record.pop(k)
        for k in list(record)
        if ("_" in k and k.split("_", 1)[0] in GRADE_COUNTERS) or ("@" in k and k.split("@", 1)[0] in TEAM_COUNTERS)
    }
    return cast("Summary", record), counters


def _summary_add(table_name: str, performance_id: str, counts: SummaryCounts) -> dict[str, Any]:
    names = {f"#c{i}": name for i, name in enumerate(counts)}
    values = {f":c{i}": delta for i, delta in enumerate(counts.values())}
    return {
        "Update": {
            "TableName": table_name,
            "Key": summary_key(performance_id),
            "UpdateExpression": "SET performanceId = :pid ADD "
            + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=False)),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {**values, ":pid": performance_id},
        }
    }


def _view_item(view: BookingView) -> dict[str, Any]:
    return {
        **({"refundRank": 1} if "refund" in view else {}),
        **view_key(view["bookingId"]),
        "gsi1pk": f"CUSTOMER#{view['customerId']}",
        "gsi1sk": f"{view['createdAt']}#{view['bookingId']}",
        "gsi2pk": f"PERF#{view['performanceId']}",
        "gsi2sk": f"{view['createdAt']}#{view['bookingId']}",
        **view,
    }


def insert_view(view: BookingView, counts: SummaryCounts) -> bool:
    """Add a booking's view and its counts, once; False if the view already existed."""
    table = _table()
    return transact_unless_first_fails(
        table,
        [
            {
                "Put": {
                    "TableName": table.name,
                    "Item": _view_item(view),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            _summary_add(table.name, view["performanceId"], counts),
        ],
    )


def insert_new_views(performance_id: str, views: dict[str, BookingView], counts: dict[str, SummaryCounts]) -> set[str]:
    """Add new views of one performance (by booking id) and the sum of their counts in one write, each once.

    Returns the booking ids whose view was already there (a duplicate, or a later event came first): those change
    nothing.
    """
    table = _table()
    puts = {
        booking_id: {
            "Put": {
                "TableName": table.name,
                "Item": _view_item(view),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for booking_id, view in views.items()
    }

    def summed(booking_ids: list[str]) -> list[dict]:
        total: SummaryCounts = {}
        for b in booking_ids:
            for name, delta in counts[b].items():
                total[name] = total.get(name, 0) + delta
        return [_summary_add(table.name, performance_id, total)]

    return transact_new_only(table, puts, summed)


def move_view(view: BookingView, was: str, counts: SummaryCounts) -> bool:
    """Move a view on from status `was` to `view` and adjust the counts, once; False if it was no longer `was`.
    A refund already recorded on it is kept (its outcome may have arrived before the cancellation did)."""
    table = _table()
    fields = {k: v for k, v in view.items() if k not in ("bookingId", "refund")}
    names = {f"#f{n}": k for n, k in enumerate(fields)} | {"#st": "status"}
    values: dict[str, Any] = {f":f{n}": v for n, v in enumerate(fields.values())} | {":was": was}
    sets = ", ".join(f"#f{n} = :f{n}" for n in range(len(fields)))
    if "refund" in view:
        sets += ", refund = if_not_exists(refund, :refund), refundRank = if_not_exists(refundRank, :rank)"
        values |= {":refund": view["refund"], ":rank": 1}
    return transact_unless_first_fails(
        table,
        [
            {
                "Update": {
                    "TableName": table.name,
                    "Key": view_key(view["bookingId"]),
                    "UpdateExpression": f"SET {sets}",
                    "ConditionExpression": "#st = :was",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            },
            _summary_add(table.name, view["performanceId"], counts),
        ],
    )


def set_view_refund(booking_id: str, status: str, rank: int) -> bool:
    """Record a refund's outcome on a booking's view if it is further along than what it shows; False if the view
    is not there or already shows this outcome or a later one."""
    try:
        _table().update_item(
            Key=view_key(booking_id),
            UpdateExpression="SET refund = :refund, refundRank = :rank",
            ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(refundRank) OR refundRank < :rank)",
            ExpressionAttributeValues={":refund": {"status": status}, ":rank": rank},
        )
        return True
    except ClientError as exc:
        if is_condition_failed(exc):
            return False
        raise


def upsert_summary_details(details: Mapping[str, Any], *, cancelled: bool) -> None:
    """Set a performance's details; CANCELLED is final, so a late 'registered' cannot reopen it."""
    status = "#st = :cancelled" if cancelled else "#st = if_not_exists(#st, :open)"
    _table().update_item(
        Key=summary_key(details["performanceId"]),
        UpdateExpression=(
            "SET performanceId = :pid, title = :t, startsAt = :s, organizerId = :o, #cap = :c, grades = :g, "
            f"#kind = :kind, teams = :teams, {status}"
        ),
        ExpressionAttributeNames={"#st": "status", "#cap": "capacity", "#kind": "kind"},
        ExpressionAttributeValues={
            ":kind": details["kind"],
            ":teams": details["teams"],
            ":pid": details["performanceId"],
            ":t": details["title"],
            ":s": details["startsAt"],
            ":o": details["organizerId"],
            ":c": details["capacity"],
            ":g": details["grades"],
            **({":cancelled": "CANCELLED"} if cancelled else {":open": "OPEN"}),
        },
    )


# How many reads one filtered page may take before it answers with what it found (and a token to go on).
_FILTERED_READS = 10


def page(
    index: str, partition: str, limit: int, start_key: dict | None, only: Mapping[str, str] | None = None
) -> tuple[list[BookingView], dict | None]:
    """A page of views, newest first; with `only` ({attribute: value}), of those views alone. A filtered page reads
    on until it has `limit` views, the partition ends, or it has read _FILTERED_READS times: each read asks for no
    more than the page still lacks, so the token always points just past the last view read."""
    attr = "gsi1pk" if index == BY_CUSTOMER else "gsi2pk"
    args: dict[str, Any] = {
        "IndexName": index,
        "KeyConditionExpression": f"{attr} = :p",
        "ExpressionAttributeValues": {":p": partition},
        "ScanIndexForward": False,  # newest first
    }
    if only:
        args["FilterExpression"] = " AND ".join(f"#o{n} = :o{n}" for n in range(len(only)))
        args["ExpressionAttributeNames"] = {f"#o{n}": k for n, k in enumerate(only)}
        args["ExpressionAttributeValues"] |= {f":o{n}": v for n, v in enumerate(only.values())}
    items: list[BookingView] = []
    last = start_key
    for _ in range(_FILTERED_READS):
        args["Limit"] = limit - len(items)
        if last:
            args["ExclusiveStartKey"] = last
        result = _table().query(**args)
        items += [cast("BookingView", plain(i)) for i in result.get("Items", [])]
        last = result.get("LastEvaluatedKey")
        if not last or len(items) >= limit:
            break
    return items, last
