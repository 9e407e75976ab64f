"""SQS access for the code that sends to a queue itself (consumers only ever read theirs through Lambda)."""

from __future__ import annotations

from boxoffice import config


def park(queue_env: str, body: str, reason: str) -> None:
    """Put a message that must never be applied into the queue the environment variable `queue_env` names, with why."""
    config.client("sqs").send_message(
        QueueUrl=config.env(queue_env),
        MessageBody=body,
        MessageAttributes={"rejectionReason": {"DataType": "String", "StringValue": reason[:1000]}},
    )
