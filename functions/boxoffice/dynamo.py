"""Small helpers over DynamoDB that every store uses."""

from __future__ import annotations

import random
import time
from decimal import Decimal

from botocore.exceptions import ClientError


def plain(item: dict | None) -> dict | None:
    """DynamoDB's Decimals back to ints, key attributes dropped."""
    if item is None:
        return None
    out = {}
    for key, value in item.items():
        if key in ("pk", "sk") or key.startswith("gsi"):
            continue
        out[key] = int(value) if isinstance(value, Decimal) and value == value.to_integral_value() else value
    return out


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


def transact(table, items: list[dict], attempts: int = 8) -> None:
    """TransactWriteItems, retried with jittered backoff while it only lost a race with another transaction.

    On a hot item (a sale's seat inventory) concurrent transactions cancel each other with
    TransactionConflict; that is contention, not an answer, so it is retried here and never
    surfaces to the customer. Condition failures are answers and are raised at once.
    """
    for attempt in range(attempts):
        try:
            table.meta.client.transact_write_items(TransactItems=items)
            return
        except ClientError as exc:
            if not _conflict_only(exc) or attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))


def transact_unless_first_fails(table, items: list[dict]) -> bool:
    """`transact`, answering False when the first item's condition says the change was already made or not allowed."""
    try:
        transact(table, items)
        return True
    except ClientError as exc:
        if condition_failed_at(exc, 0):
            return False
        raise
