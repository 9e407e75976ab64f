"""What every queue consumer shares: SQS batches of EventBridge events, partial batch failures, correlation ids."""

from __future__ import annotations

import json
from collections.abc import Callable

# Before anything imports pydantic: see handlers/inventory_projector.py.
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from boxoffice.contracts import AnyEvent, BusEvent, parse_detail
from boxoffice.observability import logger, metrics


def bus_event(record: SQSRecord) -> BusEvent:
    """The EventBridge event an SQS message carries (its rule's target delivers the whole event)."""
    return BusEvent.model_validate(json.loads(record.body))


def domain_event(record: SQSRecord) -> AnyEvent:
    """The typed domain event in an SQS message; raises if it breaks the contract (it then ends in the DLQ)."""
    envelope = bus_event(record)
    event = parse_detail(envelope.detail_type, envelope.detail)
    _log_as(event)
    return event


def _log_as(event: AnyEvent) -> None:
    """What is logged from here on carries this event's correlation id, id and type."""
    logger.set_correlation_id(event.metadata.correlationId)
    logger.append_keys(eventId=event.metadata.eventId, eventType=event.metadata.eventType.value)


def lambda_entry(handler: Callable) -> Callable:
    """Powertools' logger and metrics around a Lambda entry point."""

    @logger.inject_lambda_context
    @metrics.log_metrics
    def lambda_handler(event, context):
        return handler(event, context)

    return lambda_handler


# A batch handler gets a batch's events by message id and answers the failures by message id.
BatchHandler = Callable[[dict[str, AnyEvent]], dict[str, Exception]]


def sqs_batch_consumer(handle_batch: BatchHandler) -> Callable:
    """A Lambda entry point that hands a whole SQS batch to `handle_batch` at once, so that it can combine the events'
    writes: it gets the parsed events by message id and answers the failures by message id; only those (and the
    messages that broke the contract) are reported back to be retried."""
    processor = BatchProcessor(event_type=EventType.SQS)

    def handler(event, context):
        events: dict[str, AnyEvent] = {}
        failures: dict[str, Exception] = {}
        for record in event.get("Records", []):
            try:
                events[record["messageId"]] = domain_event(SQSRecord(record))
            except Exception as exc:
                failures[record["messageId"]] = exc
        failures |= handle_batch(events)

        def record_handler(record: SQSRecord) -> None:
            if record.message_id in failures:
                raise failures[record.message_id]

        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    return lambda_entry(handler)


def one_by_one(handle: Callable[[AnyEvent], None]) -> BatchHandler:
    """A batch handler (see `sqs_batch_consumer`) that hands each event to `handle` on its own: one event's trouble
    fails only its own message."""

    def handle_batch(events: dict[str, AnyEvent]) -> dict[str, Exception]:
        failures: dict[str, Exception] = {}
        for message_id, event in events.items():
            _log_as(event)
            try:
                handle(event)
            except Exception as exc:
                failures[message_id] = exc
        return failures

    return handle_batch


def sqs_consumer(handle: Callable[[AnyEvent], None]) -> Callable:
    """A Lambda entry point that hands each event of an SQS batch to `handle` and reports only the failures."""
    return sqs_batch_consumer(one_by_one(handle))
