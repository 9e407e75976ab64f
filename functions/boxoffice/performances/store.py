"""PerformancesTable access: performances, the headcount's per-booking markers and the context's outbox.

Layout (pk / sk):
  PERF#<performanceId> / PERFORMANCE       the performance (gsi1: PERFORMANCE by start), with bookedCount and
                                           taken_<grade> (seats held or sold per grade) kept by events
  PERF#<performanceId> / MARK#<bookingId>  the highest move of a booking the counts have applied
  EVENT#<eventId>      / EVENT             outbox
"""

from __future__ import annotations

from typing import Any, cast

from boxoffice import config
from boxoffice.contracts import PerformanceCancelled, PerformanceRegistered
from boxoffice.dynamo import ConditionFailedAfter, Table, climb, plain, transact, transact_unless_first_fails
from boxoffice.moves import Move, Stage
from boxoffice.outbox import put_event
from boxoffice.performances.records import NewPerformance, PerformanceRecord

LIST_INDEX = "ByStartsAt"
LIST_PARTITION = "PERFORMANCE"


def _table() -> Table:
    return config.table(config.PERFORMANCES_TABLE)


def _key(performance_id: str) -> dict[str, str]:
    return {"pk": f"PERF#{performance_id}", "sk": "PERFORMANCE"}


def insert(performance: NewPerformance, event: PerformanceRegistered) -> None:
    table = _table()
    transact(
        table,
        [
            {
                "Put": {
                    "TableName": table.name,
                    "Item": {
                        **_key(performance["performanceId"]),
                        "gsi1pk": LIST_PARTITION,
                        "gsi1sk": f"{performance['startsUtc']}#{performance['performanceId']}",
                        **{k: v for k, v in performance.items() if k not in ("startsUtc", "taken")},
                        **{_counter(g): n for g, n in performance["taken"].items()},
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            put_event(table.name, event),
        ],
    )


def _record(item: dict) -> PerformanceRecord:
    record = plain(item)
    record["taken"] = {g["grade"]: record.pop(_counter(g["grade"]), 0) for g in record["grades"]}
    return cast("PerformanceRecord", record)


def get(performance_id: str) -> PerformanceRecord | None:
    item = _table().get_item(Key=_key(performance_id), ConsistentRead=True).get("Item")
    return _record(item) if item else None


def page(limit: int, start_key: dict | None) -> tuple[list[PerformanceRecord], dict | None]:
    args: dict[str, Any] = {
        "IndexName": LIST_INDEX,
        "KeyConditionExpression": "gsi1pk = :p",
        "ExpressionAttributeValues": {":p": LIST_PARTITION},
        "Limit": limit,
    }
    if start_key:
        args["ExclusiveStartKey"] = start_key
    result = _table().query(**args)
    return [_record(i) for i in result.get("Items", [])], result.get("LastEvaluatedKey")


def mark_cancelled(performance_id: str, cancelled_at: str, event: PerformanceCancelled) -> bool:
    """Flip OPEN to CANCELLED with its event; False if it was no longer OPEN."""
    table = _table()
    return transact_unless_first_fails(
        table,
        [
            {
                "Update": {
                    "TableName": table.name,
                    "Key": _key(performance_id),
                    "UpdateExpression": "SET #s = :cancelled, cancelledAt = :at",
                    "ConditionExpression": "#s = :open",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {":cancelled": "CANCELLED", ":open": "OPEN", ":at": cancelled_at},
                }
            },
            put_event(table.name, event),
        ],
    )


class UnknownPerformance(Exception):
    pass


def _counter(grade: str) -> str:
    # One top-level attribute per grade: ADD works on top-level attributes only.
    return f"taken_{grade}"


def apply_moves(performance_id: str, moves: dict[str, Move]) -> set[str]:
    """Apply the bookings' moves (by booking id) to bookedCount and the seats taken per grade, each booking's move
    once and only upwards (see boxoffice.moves); returns the booking ids whose move was already applied or overtaken.
    """
    table = _table()

    def summed(moved: dict[str, int]) -> list[dict]:
        sold = sum(moves[b].sold() - moves[b].sold(Stage(was)) for b, was in moved.items())
        taken: dict[str, int] = {}
        for b, was in moved.items():
            taken[moves[b].grade] = taken.get(moves[b].grade, 0) + moves[b].taken() - moves[b].taken(Stage(was))
        names = {f"#t{n}": _counter(grade) for n, grade in enumerate(taken)}
        values = {f":t{n}": delta for n, delta in enumerate(taken.values())}
        adds = "".join(f", #t{n} :t{n}" for n in range(len(taken)))
        return [
            {
                "Update": {
                    "TableName": table.name,
                    "Key": _key(performance_id),
                    "UpdateExpression": "ADD bookedCount :sold" + adds,
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": {":sold": sold, **values},
                }
            }
        ]

    try:
        return climb(table, f"PERF#{performance_id}", {b: m.stage for b, m in moves.items()}, summed)
    except ConditionFailedAfter as exc:
        raise UnknownPerformance(performance_id) from exc
