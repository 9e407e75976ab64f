"""Every event -> the status view that customers and organizers read."""

from boxoffice.consumers import sqs_consumer
from boxoffice.statusview import service

lambda_handler = sqs_consumer(service.project)
