"""CancelPerformanceRequested from organizers' own systems -> the same cancellation as the API's.

The request is untrusted input: see boxoffice.performances.requests.
"""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from boxoffice.consumers import lambda_entry
from boxoffice.performances import requests

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    requests.handle(record.body, record.message_id)


def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


lambda_handler = lambda_entry(handler)
