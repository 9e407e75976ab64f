"""PerformancesTable access: performances, applied-headcount markers and the context's outbox."""

from __future__ import annotations

from typing import Any, cast

from boxoffice import config
from boxoffice.clock import epoch_seconds_from_now
from boxoffice.contracts import PerformanceCancelled, PerformanceRegistered
from boxoffice.dynamo import (
    ConditionFailedAfter,
    Table,
    plain,
    transact,
    transact_new_only,
    transact_unless_first_fails,
)
from boxoffice.outbox import put_event
from boxoffice.performances.records import NewPerformance, PerformanceRecord

LIST_INDEX = "ByStartsAt"
LIST_PARTITION = "PERFORMANCE"
# Markers must outlive every redelivery: SQS keeps a message at most 14 days.
MARKER_TTL_SECONDS = 15 * 24 * 3600


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
                        **{k: v for k, v in performance.items() if k != "startsUtc"},
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            put_event(table.name, event),
        ],
    )


def get(performance_id: str) -> PerformanceRecord | None:
    item = _table().get_item(Key=_key(performance_id), ConsistentRead=True).get("Item")
    return cast("PerformanceRecord | None", plain(item))


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
    return [cast("PerformanceRecord", plain(i)) for i in result.get("Items", [])], result.get("LastEvaluatedKey")


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


def add_to_headcount(performance_id: str, deltas: dict[str, int]) -> set[str]:
    """Add the deltas (by event id) to bookedCount once each; return the event ids already applied.

    Each event leaves a marker in the same transaction as the summed delta, so a redelivered event
    (its marker exists) changes nothing and a new one is counted exactly once.
    """
    table = _table()
    markers = {
        event_id: {
            "Put": {
                "TableName": table.name,
                "Item": {
                    "pk": f"PERF#{performance_id}",
                    "sk": f"APPLIED#{event_id}",
                    "delta": delta,
                    "ttl": epoch_seconds_from_now(MARKER_TTL_SECONDS),
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for event_id, delta in deltas.items()
    }

    def summed(event_ids: list[str]) -> list[dict]:
        return [
            {
                "Update": {
                    "TableName": table.name,
                    "Key": _key(performance_id),
                    "UpdateExpression": "ADD bookedCount :d",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":d": sum(deltas[i] for i in event_ids)},
                }
            }
        ]

    try:
        return transact_new_only(table, markers, summed)
    except ConditionFailedAfter as exc:
        raise UnknownPerformance(performance_id) from exc
