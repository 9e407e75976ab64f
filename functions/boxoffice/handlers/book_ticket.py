"""POST /bookings: a customer books tickets, and pays for them. Touches only the booking context's table and the
payment provider (behind the shared circuit breaker)."""

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from boxoffice.api import api_handler, correlation_id, idempotency_key, identity, make_app, responses
from boxoffice.bookings import service
from boxoffice.bookings.checkout import Outcome
from boxoffice.errors import PaymentRefused, SoldOut
from boxoffice.idempotency import run_once
from boxoffice.models import Booking, BookTicketInput
from boxoffice.observability import metrics

router = APIGatewayRouter()
_REFUSED = {Outcome.DECLINED: "PAYMENT_DECLINED", Outcome.ACTION_REQUIRED: "PAYMENT_ACTION_REQUIRED"}


@router.post(
    "/bookings",
    summary="Book tickets and pay for them (send an Idempotency-Key to retry safely)",
    responses=responses(
        201,
        Booking,
        401,
        402,
        404,
        409,
        422,
        description="booked and paid (or free)",
        accepted="the provider did not answer in time: PAYMENT_PENDING, the seats held until holdExpiresAt; follow it "
        "in GET /bookings/{bookingId}",
    ),
)
def book(body: BookTicketInput) -> Response[Booking]:
    who = identity(router)
    try:
        # A retry with the same key gets the same answer, declines included: the key never books or charges twice.
        settled = run_once(
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
    booking = settled["booking"]
    if settled["outcome"] in _REFUSED:
        raise PaymentRefused(
            settled.get("reason", "the payment was refused"),
            code=_REFUSED[Outcome(settled["outcome"])],
            details={"bookingId": booking["bookingId"], "status": booking["status"]},
        )
    if settled["outcome"] == Outcome.PENDING:
        return Response(202, content_types.APPLICATION_JSON, Booking.model_validate(booking))
    metrics.add_metric(name="TicketsBooked", unit="Count", value=booking["quantity"])
    return Response(201, content_types.APPLICATION_JSON, Booking.model_validate(booking))


app = make_app(router)
lambda_handler = api_handler(app)
