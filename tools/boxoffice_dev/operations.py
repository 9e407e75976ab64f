"""Operator actions on a deployed stack (local or AWS-shaped): invoke a function, redrive a DLQ, read the breaker."""

from __future__ import annotations

import json
from datetime import UTC, datetime


def invoke(lambda_client, function_name: str, event: dict) -> tuple[dict | list | str | None, str | None]:
    """Invoke synchronously; (decoded payload, function error or None)."""
    result = lambda_client.invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
    raw = result["Payload"].read().decode() if result.get("Payload") else ""
    try:
        payload = json.loads(raw) if raw else None
    except json.JSONDecodeError:
        payload = raw
    return payload, result.get("FunctionError")


def source_queue_of(sqs, dlq_url: str, queue_urls: list[str]) -> str:
    """The queue whose redrive policy parks its messages in `dlq_url`."""
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for url in queue_urls:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
        if "RedrivePolicy" in attrs and json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"] == dlq_arn:
            return url
    raise LookupError(f"no queue sends its dead letters to {dlq_url}")


def redrive(sqs, dlq_url: str, target_url: str) -> int:
    """Move every message parked in the DLQ back to its queue, keeping attributes; returns how many."""
    moved = 0
    while True:
        messages = sqs.receive_message(
            QueueUrl=dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            return moved
        for m in messages:
            args = {"QueueUrl": target_url, "MessageBody": m["Body"]}
            if m.get("MessageAttributes"):
                args["MessageAttributes"] = m["MessageAttributes"]
            sqs.send_message(**args)
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
            moved += 1


BREAKER_KEY = {"pk": {"S": "BREAKER#payments"}, "sk": {"S": "BREAKER"}}


def describe_breaker(item: dict | None, now_ms: int) -> str:
    """The payment circuit breaker's state in one line, from its BookingsTable item (plain values, as
    TypeDeserializer gives them): `st` closed | open | half-open, `fc` consecutive failures, `oa` opened at (epoch ms).
    """
    if not item:
        return "closed (no failures yet)"
    state, failures, opened = str(item.get("st", "closed")), int(item.get("fc", 0)), int(item.get("oa", 0))
    counted = f"{failures} consecutive failure{'' if failures == 1 else 's'}"
    if state == "closed":
        return f"closed ({counted})" if failures else "closed (no failures since the last success)"
    since = ""
    if opened:
        at = datetime.fromtimestamp(opened / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        since = f"opened at {at}, {max(0, now_ms - opened) / 1000:.1f} s ago"
    if state == "open":
        details = "; ".join(x for x in (since, counted) if x)
        return f"open ({details}): no call reaches the provider until the reset time"
    if state == "half-open":
        return f"half-open ({since or 'opened earlier'}): one trial call decides"
    return f"{state} ({counted}; {since})" if since else f"{state} ({counted})"
