"""POST /bookings: a customer books tickets. Touches only the booking context's table."""

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from boxoffice.api import api_handler, correlation_id, idempotency_key, identity, make_app, responses
from boxoffice.bookings import service
from boxoffice.errors import SoldOut
from boxoffice.idempotency import run_once
from boxoffice.models import Booking, BookTicketInput
from boxoffice.observability import metrics

router = APIGatewayRouter()


@router.post(
    "/bookings",
    summary="Book tickets (send an Idempotency-Key to retry safely)",
    responses=responses(201, Booking, 401, 404, 409, 422, description="booked"),
)
def book(body: BookTicketInput) -> Response[Booking]:
    who = identity(router)
    try:
        booking = run_once(
            "BookTicket",
            who.user_id,
            idempotency_key(router),
            body.model_dump(),
            lambda: service.book(who.user_id, body, correlation_id=correlation_id(router)),
            router.lambda_context,
        )
    except SoldOut:
        metrics.add_metric(name="SoldOut", unit="Count", value=1)
        raise
    metrics.add_metric(name="TicketsBooked", unit="Count", value=booking["quantity"])
    return Response(201, content_types.APPLICATION_JSON, Booking.model_validate(booking))


app = make_app(router)
lambda_handler = api_handler(app)
