"""A performance with 10,000 bookings is cancelled completely, against the emulator's DynamoDB.

moto copies a whole table on every transaction, so this scale runs on the emulator: a table
built from template.yaml's BookingsTable definition, the cancellation domain function called
directly (function level), its transactions and paging real.
"""

from __future__ import annotations

import uuid

import boto3
import pytest

from boxoffice import config
from boxoffice.bookings import service, store
from boxoffice.clock import new_id, now_iso
from boxoffice.contracts import GradeData, PerformanceCancelledData
from tests import template
from tests.stack import REGION

pytestmark = pytest.mark.e2e
BOOKINGS = 10_000


@pytest.fixture
def emulator_bookings_table(local_stack, monkeypatch):
    props = template.resources("AWS::DynamoDB::Table")["BookingsTable"]["Properties"]
    name = f"scale-{uuid.uuid4().hex[:8]}"
    ddb = local_stack.client("dynamodb")
    ddb.create_table(
        TableName=name,
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        BillingMode=props["BillingMode"],
        GlobalSecondaryIndexes=props.get("GlobalSecondaryIndexes", []),
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_stack.endpoint)
    monkeypatch.setenv(config.BOOKINGS_TABLE, name)
    config.reset_clients()
    # The test's own view of the table (seeding, counting): boto3's resource, beside the domain's access.
    yield boto3.resource("dynamodb", region_name=REGION).Table(name)
    ddb.delete_table(TableName=name)
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    config.reset_clients()


def _seed(table, performance_id: str, n: int) -> None:
    with table.batch_writer() as batch:
        for i in range(n):
            batch.put_item(
                Item=store.booking_item(
                    {
                        "bookingId": new_id(),
                        "performanceId": performance_id,
                        "customerId": f"c{i % 997}",
                        "grade": "GENERAL",
                        "quantity": 1 + i % 4,
                        "unitPrice": 0,
                        "amount": 0,
                        "currency": "KRW",
                        "status": "CONFIRMED",
                        "createdAt": now_iso(),
                        "title": "Scale",
                        "startsAt": "2030-01-01T20:00:00+09:00",
                        "organizerId": "org",
                    }
                )
            )


def _statuses(table, performance_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    args = {
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :b)",
        "ExpressionAttributeValues": {":p": f"PERF#{performance_id}", ":b": "BOOKING#"},
    }
    while True:
        page = table.query(**args)
        for item in page["Items"]:
            key = f"{item['status']}/{item.get('cancelReason')}"
            counts[key] = counts.get(key, 0) + 1
        if "LastEvaluatedKey" not in page:
            return counts
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _outbox_events(table) -> int:
    count, args = 0, {"FilterExpression": "kind = :e", "ExpressionAttributeValues": {":e": "EVENT"}, "Select": "COUNT"}
    while True:
        page = table.scan(**args)
        count += page["Count"]
        if "LastEvaluatedKey" not in page:
            return count
        args["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def test_ten_thousand_bookings_are_all_cancelled_even_after_a_stop_halfway(emulator_bookings_table):
    table = emulator_bookings_table
    pid = new_id()
    _seed(table, pid, BOOKINGS)
    cancelled = PerformanceCancelledData(
        performanceId=pid,
        organizerId="org",
        title="Scale",
        venue="Hall",
        startsAt="2030-01-01T20:00:00+09:00",
        capacity=BOOKINGS * 4,
        grades=[GradeData(grade="GENERAL", price=0, seats=BOOKINGS * 4)],
        maxPerCustomer=10,
        cancelledAt=now_iso(),
    )
    chunks = iter(range(10**9))
    # First delivery: the Lambda runs out of time after six pages of 500 bookings (3,000), each page cancelled
    # in chunks of CANCEL_CHUNK.
    chunks_per_page = -(-500 // service.CANCEL_CHUNK)
    with pytest.raises(TimeoutError):
        service.cancel_performance_bookings(
            cancelled, correlation_id="c", causation_id="e", keep_going=lambda: next(chunks) < 6 * chunks_per_page
        )
    assert _statuses(table, pid) == {"CANCELLED/PERFORMANCE_CANCELLED": 3000, "CONFIRMED/None": 7000}
    # Redelivery finishes the job and cancels nothing twice.
    assert service.cancel_performance_bookings(cancelled, correlation_id="c", causation_id="e") == 7000
    assert _statuses(table, pid) == {"CANCELLED/PERFORMANCE_CANCELLED": BOOKINGS}
    assert _outbox_events(table) == BOOKINGS  # exactly one TicketCancelled per booking
    inventory = store.get_inventory(pid)
    assert inventory["status"] == "CANCELLED"
