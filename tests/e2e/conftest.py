"""End-to-end: the stack `make run` starts (emulator + sam deploy of template.yaml), once per run, on a free port.

The stack and the `api` fixture are shared with tests/browser (tests/local_stack.py, registered in tests/conftest.py).
"""

from __future__ import annotations

import pytest

from boxoffice_dev.local_stack import LocalStack

pytestmark = pytest.mark.e2e


def stored_bookings(stack: LocalStack, performance_id: str) -> list[dict]:
    """Every booking of a performance as the BookingsTable holds it (the truth), read consistently."""
    from boto3.dynamodb.types import TypeDeserializer

    plain = TypeDeserializer().deserialize
    ddb = stack.client("dynamodb")
    args = {
        "TableName": stack.resources["BookingsTable"],
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :b)",
        "ExpressionAttributeValues": {":p": {"S": f"PERF#{performance_id}"}, ":b": {"S": "BOOKING#"}},
        "ConsistentRead": True,
    }
    out = []
    while True:
        page = ddb.query(**args)
        for item in page["Items"]:
            booking = {k: plain(v) for k, v in item.items()}
            booking["quantity"] = int(booking["quantity"])
            booking.setdefault("cancelReason", None)
            out.append(booking)
        if "LastEvaluatedKey" not in page:
            return out
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
