"""DynamoDB stream -> EventBridge. One reader per write table's stream."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from boxoffice.consumers import lambda_entry
from boxoffice.observability import metrics
from boxoffice.publisher import publish

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


class NotPublished(Exception):
    pass


def handler(event, context):
    failed = publish(event.get("Records", []))
    if failed:
        metrics.add_metric(name="EventsNotPublished", unit="Count", value=len(failed))

    def record_handler(record: DynamoDBRecord) -> None:
        if record.dynamodb and record.dynamodb.sequence_number in failed:
            raise NotPublished(record.dynamodb.sequence_number)

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


lambda_handler = lambda_entry(handler)
