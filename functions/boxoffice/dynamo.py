"""Small helpers over DynamoDB that every store uses, and the one table type they use."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, overload

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()
# Request fields that carry attribute values.
_VALUE_FIELDS = ("Key", "Item", "ExpressionAttributeValues", "ExclusiveStartKey")


def to_low(values: dict) -> dict:
    """Python values to DynamoDB's typed form ({"S": ...}, {"N": ...})."""
    return {k: _SERIALIZER.serialize(v) for k, v in values.items()}


def from_low(item: dict) -> dict:
    return {k: _DESERIALIZER.deserialize(v) for k, v in item.items()}


def low_request(params: dict) -> dict:
    return {k: to_low(v) if k in _VALUE_FIELDS else v for k, v in params.items()}


class Table:
    """One table over the low-level client, taking and giving Python values as boto3's Table resource does.

    Not the resource itself: loading its model cost 14 ms per cold start. (Warm, once the Table object is cached,
    the two cost about the same.)
    """

    def __init__(self, client, name: str):
        self.client = client
        self.name = name

    def get_item(self, **params) -> dict:
        out = self.client.get_item(TableName=self.name, **low_request(params))
        return {"Item": from_low(out["Item"])} if "Item" in out else {}

    def update_item(self, **params) -> None:
        self.client.update_item(TableName=self.name, **low_request(params))

    def query(self, **params) -> dict[str, Any]:
        out = self.client.query(TableName=self.name, **low_request(params))
        page: dict[str, Any] = {"Items": [from_low(i) for i in out.get("Items", [])]}
        if "LastEvaluatedKey" in out:
            page["LastEvaluatedKey"] = from_low(out["LastEvaluatedKey"])
        return page

    def batch_get(self, keys: list[dict]) -> list[dict]:
        """The items of `keys` that exist (read consistently; at most 100 keys)."""
        out: list[dict] = []
        request: dict[str, Any] = {self.name: {"Keys": [to_low(k) for k in keys], "ConsistentRead": True}}
        while request:
            answer = self.client.batch_get_item(RequestItems=request)
            out += [from_low(i) for i in answer.get("Responses", {}).get(self.name, [])]
            request = answer.get("UnprocessedKeys") or {}
        return out

    def transact_write_items(self, items: list[dict]) -> None:
        """TransactWriteItems of {"Put"|"Update"|...: params} with Python values (any table's name in each)."""
        self.client.transact_write_items(
            TransactItems=[{kind: low_request(body) for kind, body in item.items()} for item in items]
        )


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, list):
        return [_number(v) for v in value]
    if isinstance(value, dict):
        return {k: _number(v) for k, v in value.items()}
    return value


@overload
def plain(item: dict) -> dict: ...
@overload
def plain(item: dict | None) -> dict | None: ...
def plain(item: dict | None) -> dict | None:
    """DynamoDB's Decimals back to ints (in lists and maps too), key attributes dropped."""
    if item is None:
        return None
    return {k: _number(v) for k, v in item.items() if k not in ("pk", "sk") and not k.startswith("gsi")}


def cancellation_codes(exc: ClientError) -> list[str]:
    """Per-item reasons of a cancelled transaction ('None' where the item was fine)."""
    return [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]


def is_transaction_cancelled(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "TransactionCanceledException"


def is_condition_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def condition_failed_at(exc: ClientError, index: int) -> bool:
    codes = cancellation_codes(exc)
    return is_transaction_cancelled(exc) and len(codes) > index and codes[index] == "ConditionalCheckFailed"


def _conflict_only(exc: ClientError) -> bool:
    codes = cancellation_codes(exc)
    return is_transaction_cancelled(exc) and "TransactionConflict" in codes and "ConditionalCheckFailed" not in codes


def transact(table: Table, items: list[dict], attempts: int = 8) -> None:
    """TransactWriteItems, retried with jittered backoff while it only lost a race with another transaction.

    On a hot item (a sale's seat inventory) concurrent transactions cancel each other with
    TransactionConflict; that is contention, not an answer, so it is retried here and never
    surfaces to the customer. Condition failures are answers and are raised at once.
    """
    for attempt in range(attempts):
        try:
            table.transact_write_items(items)
            return
        except ClientError as exc:
            if not _conflict_only(exc) or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))


def transact_unless_first_fails(table: Table, items: list[dict]) -> bool:
    """`transact`, answering False when the first item's condition says the change was already made or not allowed."""
    try:
        transact(table, items)
        return True
    except ClientError as exc:
        if condition_failed_at(exc, 0):
            return False
        raise


class ConditionFailedAfter(Exception):
    """A condition on the items that follow the guarded ones (see `transact_new_only`) failed."""


# A transaction holds at most 100 items; leave room for the items that follow the guarded ones.
_GUARDED_PER_TRANSACTION = 90


def transact_new_only(table: Table, guarded: dict[str, dict], then: Callable[[list[str]], list[dict]]) -> set[str]:
    """Write many changes at once, each only once: one transaction of `guarded` items (by id, each conditional on
    not having been written before) and `then(ids)`, the items that follow from the ones being written (a sum).

    A guarded item whose condition fails was written before (a redelivery): it is dropped and the rest are tried
    again, so the sum counts each change exactly once. Returns the ids dropped. A failing condition among `then`'s
    items raises ConditionFailedAfter; anything else (e.g. a conflict that outlasted `transact`'s retries) raises.
    """
    ids = list(guarded)
    dropped: set[str] = set()
    for start in range(0, len(ids), _GUARDED_PER_TRANSACTION):
        pending = ids[start : start + _GUARDED_PER_TRANSACTION]
        while pending:
            try:
                transact(table, [guarded[i] for i in pending] + then(pending))
                break
            except ClientError as exc:
                if not is_transaction_cancelled(exc):
                    raise
                codes = cancellation_codes(exc)
                if "ConditionalCheckFailed" in codes[len(pending) :]:
                    raise ConditionFailedAfter(str(exc)) from exc
                seen = {pending[n] for n, code in enumerate(codes[: len(pending)]) if code == "ConditionalCheckFailed"}
                if not seen:
                    raise
                dropped |= seen
                pending = [i for i in pending if i not in seen]
    return dropped


class Raced(Exception):
    """Another writer kept moving the same markers; the caller's retry (a redelivery) will find them settled."""


def climb(
    table: Table,
    partition: str,
    stages: dict[str, int],
    then: Callable[[dict[str, int]], list[dict]],
    attempts: int = 5,
) -> set[str]:
    """Move each marker `partition / MARK#<id>` up to `stages[id]`, only upwards, each exactly once, together with
    `then(moved)`: the items that follow from the moves made (summed counts), given {id: the stage it came from}.

    A marker already at or above its new stage is left alone (a duplicate, or a late older event): its id is
    returned. Each marker's write is conditional on the stage it was read at, so two consumers racing over the same
    marker cannot both count it; the loser reads again. A failing condition among `then`'s items raises
    ConditionFailedAfter.
    """
    ignored: set[str] = set()
    ids = list(stages)
    for start in range(0, len(ids), _GUARDED_PER_TRANSACTION):
        chunk = ids[start : start + _GUARDED_PER_TRANSACTION]
        for _ in range(attempts):
            keys = [{"pk": partition, "sk": f"MARK#{i}"} for i in chunk]
            now = {item["sk"][5:]: int(item.get("stage", 0)) for item in table.batch_get(keys)}
            moving = {i: now.get(i, 0) for i in chunk if stages[i] > now.get(i, 0)}
            ignored |= {i for i in chunk if i not in moving}
            if not moving:
                break
            markers = [
                {
                    "Put": {
                        "TableName": table.name,
                        "Item": {"pk": partition, "sk": f"MARK#{i}", "stage": stages[i]},
                        **(
                            {
                                "ConditionExpression": "#stage = :was",
                                "ExpressionAttributeNames": {"#stage": "stage"},
                                "ExpressionAttributeValues": {":was": was},
                            }
                            if was
                            else {"ConditionExpression": "attribute_not_exists(pk)"}
                        ),
                    }
                }
                for i, was in moving.items()
            ]
            try:
                transact(table, markers + then(moving))
                break
            except ClientError as exc:
                if not is_transaction_cancelled(exc):
                    raise
                codes = cancellation_codes(exc)
                if "ConditionalCheckFailed" in codes[len(markers) :]:
                    raise ConditionFailedAfter(str(exc)) from exc
                if "ConditionalCheckFailed" not in codes[: len(markers)]:
                    raise
                ignored -= set(chunk)  # read them all again
        else:
            raise Raced(f"markers of {partition} kept changing")
    return ignored
