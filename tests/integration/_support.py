"""Helpers several unit test files share: ids, bus events as SQS delivers them, view reads."""

from __future__ import annotations

import json
import uuid

from boxoffice.clock import new_id
from boxoffice.contracts import SOURCE_OF, TicketBooked, TicketCancelled, detail_of, new_event
from tests.api_events import ORGANIZER
from tests.helpers import future
from tests.stack import ACCOUNT, REGION, Stack, call_api


def unknown_id() -> str:
    """A well-formed id that names nothing."""
    return new_id()


def bus_envelope(source: str, detail_type: str, detail: dict, event_id: str | None = None) -> dict:
    """An EventBridge event as a rule target (an SQS queue) receives it."""
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": "2030-01-01T00:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


def domain_envelope(event) -> dict:
    """The bus event for a domain event built with boxoffice.contracts.new_event."""
    etype = event.metadata.eventType
    return bus_envelope(SOURCE_OF[etype].value, etype.value, detail_of(event))


def sqs_event(*bodies: dict | str, queue_arn: str = f"arn:aws:sqs:{REGION}:{ACCOUNT}:q") -> dict:
    """An SQS batch event carrying `bodies` (dicts are JSON-encoded); message ids m0, m1, ..."""
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"rh{i}",
                "body": body if isinstance(body, str) else json.dumps(body, ensure_ascii=False),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "0" * 32,
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for i, body in enumerate(bodies)
        ]
    }


def failed_ids(response: dict | None) -> set[str]:
    return {f["itemIdentifier"] for f in (response or {}).get("batchItemFailures", [])}


def failures_of(stack: Stack, function: str, event: dict, context=None) -> set[str]:
    """The items a batch invocation reports failed; when every record fails Powertools raises
    BatchProcessingError instead (Lambda then retries the whole batch), which counts as all failed."""
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    try:
        return failed_ids(stack.invoke(function, event, context))
    except BatchProcessingError:
        return {r["messageId"] if "messageId" in r else r["dynamodb"]["SequenceNumber"] for r in event["Records"]}


def booking_data(
    performance_id: str,
    quantity: int = 2,
    *,
    customer_id: str = "cust-1",
    organizer_id: str = "org-1",
    booking_id: str | None = None,
    team: str | None = None,
    stake: int = 0,
) -> dict:
    """A booking's event data: a free concert ticket, or with `team` a match ticket with its stake."""
    match = {"kind": "MATCH", "team": team, "stake": stake} if team is not None else {}
    return match | {
        "bookingId": booking_id or new_id(),
        "performanceId": performance_id,
        "customerId": customer_id,
        "grade": "GENERAL",
        "quantity": quantity,
        "unitPrice": 0,
        "amount": 0,
        "createdAt": "2030-01-01T00:00:00.000Z",
        "title": "Beethoven 9",
        "startsAt": future(),
        "organizerId": organizer_id,
    }


def ticket_booked(data: dict):
    return new_event(TicketBooked, data, correlation_id="test", causation_id="test")


def ticket_cancelled(data: dict, reason: str = "CUSTOMER"):
    return new_event(
        TicketCancelled,
        {**data, "cancelledAt": "2030-01-02T00:00:00.000Z", "reason": reason},
        correlation_id="test",
        causation_id="test",
    )


def performance_bookings(
    stack: Stack, performance_id: str, claims=ORGANIZER, limit: int = 100
) -> tuple[list[dict], dict]:
    """Every booking of a performance in the status view (all pages) and its summary."""
    items, token, summary = [], None, None
    while True:
        query = {"limit": str(limit), **({"nextToken": token} if token else {})}
        status, page = call_api(stack, "GET", f"/performances/{performance_id}/bookings", claims=claims, query=query)
        assert status == 200, page
        items += page["items"]
        summary = page["summary"]
        token = page["nextToken"]
        if not token:
            return items, summary


def booking_items(stack: Stack, performance_id: str) -> list[dict]:
    """The booking items of a performance in BookingsTable, straight from the table."""
    from boto3.dynamodb.conditions import Key

    table = stack.table("BookingsTable")
    items, args = (
        [],
        {"KeyConditionExpression": Key("pk").eq(f"PERF#{performance_id}") & Key("sk").begins_with("BOOKING#")},
    )
    while True:
        out = table.query(**args)
        items += out["Items"]
        if "LastEvaluatedKey" not in out:
            return items
        args["ExclusiveStartKey"] = out["LastEvaluatedKey"]


def inventory(stack: Stack, performance_id: str) -> dict:
    """The booking side's inventory item, with `available` the seats left in all grades and `by_grade` per grade."""
    item = stack.table("BookingsTable").get_item(Key={"pk": f"PERF#{performance_id}", "sk": "INVENTORY"})["Item"]
    by_grade = {k.removeprefix("avail_"): int(v) for k, v in item.items() if k.startswith("avail_")}
    return {**item, "by_grade": by_grade, "available": sum(by_grade.values())}


def bus_tap(stack: Stack, name: str = "tap"):
    """A queue behind a catch-all rule on the bus, from now on: a reader of the events that really got there."""
    url = stack.sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = stack.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = stack.names["EventBus"]
    stack.events.put_rule(
        Name=name,
        EventBusName=bus,
        EventPattern=json.dumps({"source": ["boxoffice.bookings", "boxoffice.performances"]}),
    )
    stack.events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])

    def read() -> list[dict]:
        out = []
        while messages := stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for m in messages:
                out.append(json.loads(m["Body"]))
                stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return out

    return read


def dynamodb_operations() -> list[str]:
    """The DynamoDB operations the functions make from now on, in order (the list fills as they make them)."""
    from boxoffice import config

    operations: list[str] = []
    config.client("dynamodb").meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: operations.append(model.name)
    )
    return operations


def expire_hold_now(stack: Stack, booking: dict) -> None:
    """Let a held booking's hold run out now (its expiry moved into the past, as time would), and run the minute's
    sweep (HoldExpiryFunction, as its schedule would)."""
    past = "2000-01-01T00:00:00.000Z"
    key = {"pk": f"PERF#{booking['performanceId']}", "sk": f"BOOKING#{booking['bookingId']}"}
    stack.table("BookingsTable").update_item(
        Key=key,
        UpdateExpression="SET holdExpiresAt = :t, gsi1sk = :s",
        ExpressionAttributeValues={":t": past, ":s": f"{past}#{booking['bookingId']}"},
    )
    stack.invoke("HoldExpiryFunction", {"version": "0", "source": "aws.events", "detail-type": "Scheduled Event"})


def breaker_reset_time_passes(stack: Stack) -> None:
    """The payment circuit breaker's reset time passes (its opened-at moves into the past): its next call is the
    trial call."""
    stack.table("BookingsTable").update_item(
        Key={"pk": "BREAKER#payments", "sk": "BREAKER"},
        UpdateExpression="SET oa = :long_ago",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues={":long_ago": 1},
    )


class _Payload:
    def __init__(self, answer: dict):
        self._body = json.dumps(answer).encode()

    def read(self) -> bytes:
        return self._body


class FakeDeployClients:
    """What the pre-traffic hook calls, in moto's world (moto has neither Lambda invocations without Docker nor
    CodeDeploy's hook status): `invoke` runs the version's function in process; the hook's verdict is recorded."""

    def __init__(self, stack, real_client):
        self.stack, self.real_client = stack, real_client
        self.invoked: list[str] = []
        self.verdicts: list[dict] = []

    def client(self, service: str):
        """In place of boxoffice.config.client: these two services faked, the functions' own (moto's) as they are."""
        return self if service in ("lambda", "codedeploy") else self.real_client(service)

    def invoke(self, FunctionName: str, Payload: bytes) -> dict:
        self.invoked.append(FunctionName)
        try:
            answer = self.stack.invoke(FunctionName.split(":")[6], json.loads(Payload))
        except Exception as exc:  # as Lambda reports a function that raised
            return {"FunctionError": "Unhandled", "Payload": _Payload({"errorMessage": str(exc)})}
        return {"Payload": _Payload(answer)}

    def put_lifecycle_event_hook_execution_status(self, **verdict) -> dict:
        self.verdicts.append(verdict)
        return {"lifecycleEventHookExecutionId": verdict["lifecycleEventHookExecutionId"]}
