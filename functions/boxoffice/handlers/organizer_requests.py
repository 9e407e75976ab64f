"""CancelPerformanceRequested from organizers' own systems -> the same cancellation as the API's.

The request is untrusted input: one that is malformed, names an unknown performance or one the
organizer does not own is logged and parked in the queue's dead-letter queue, never applied.
"""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import ValidationError

from boxoffice import config
from boxoffice.consumers import bus_event, lambda_entry
from boxoffice.contracts import CancelPerformanceRequestedData, Source
from boxoffice.contracts import EventType as BoxofficeEvent
from boxoffice.errors import Forbidden, NotFound
from boxoffice.observability import logger, metrics
from boxoffice.performances import service

PARKING_QUEUE_URL = "PARKING_QUEUE_URL"
processor = BatchProcessor(event_type=EventType.SQS)


class Rejected(Exception):
    pass


def check(record: SQSRecord) -> tuple[CancelPerformanceRequestedData, str]:
    """The request and its event id, or Rejected with why."""
    try:
        envelope = bus_event(record)
    except (ValidationError, ValueError) as exc:
        raise Rejected(f"not an EventBridge event: {exc}") from None
    if envelope.source != Source.ORGANIZERS or envelope.detail_type != BoxofficeEvent.CANCEL_PERFORMANCE_REQUESTED:
        raise Rejected(f"unexpected event {envelope.source}/{envelope.detail_type}")
    try:
        return CancelPerformanceRequestedData.model_validate(envelope.detail), envelope.id
    except ValidationError as exc:
        raise Rejected(f"invalid request: {exc.errors(include_url=False, include_input=False)}") from None


def park(record: SQSRecord, reason: str) -> None:
    logger.warning("organizer request rejected and parked", extra={"reason": reason, "messageId": record.message_id})
    metrics.add_metric(name="OrganizerRequestsRejected", unit="Count", value=1)
    config.client("sqs").send_message(
        QueueUrl=config.env(PARKING_QUEUE_URL),
        MessageBody=record.body,
        MessageAttributes={"rejectionReason": {"DataType": "String", "StringValue": reason[:1000]}},
    )


def record_handler(record: SQSRecord) -> None:
    try:
        request, event_id = check(record)
        logger.set_correlation_id(event_id)
        service.cancel(request.performanceId, request.organizerId, correlation_id=event_id, causation_id=event_id)
        logger.info("performance cancelled on the organizer's request", extra=json.loads(request.model_dump_json()))
    except (Rejected, NotFound, Forbidden) as exc:
        park(record, str(exc))


def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


lambda_handler = lambda_entry(handler)
