"""Every minute (a schedule): every booking whose seats were held for a payment that did not settle in time is
EXPIRED and its seats are back, exactly once (or CONFIRMED, if the provider says it was paid after all). Also
reports the payment circuit breaker's state as a metric, so its alarm sees it while no booking is being made."""

# boxoffice.consumers first: see handlers/inventory_projector.py.
from boxoffice.consumers import lambda_entry  # noqa: I001
from aws_lambda_powertools.metrics import MetricUnit

from boxoffice.bookings import service
from boxoffice.observability import logger, metrics
from boxoffice.payments import breaker


def handler(event, context) -> dict[str, int]:
    expired = service.expire_due_holds(correlation_id=getattr(context, "aws_request_id", None) or "schedule")
    state = breaker.state()
    metrics.add_metric(name="PaymentBreakerOpen", unit=MetricUnit.Count, value=0 if state == breaker.CLOSED else 1)
    logger.info("holds swept", extra={"expired": expired, "breaker": state})
    return {"expired": expired}


lambda_handler = lambda_entry(handler)
