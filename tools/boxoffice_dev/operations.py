"""Operator actions on a deployed stack (local or AWS-shaped): invoke a function, redrive a DLQ."""

from __future__ import annotations

import json


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
