"""Every event -> the status view that customers and organizers read (a batch's new bookings in one write each
performance)."""

from boxoffice.consumers import sqs_batch_consumer
from boxoffice.statusview import service

lambda_handler = sqs_batch_consumer(service.project_batch)
