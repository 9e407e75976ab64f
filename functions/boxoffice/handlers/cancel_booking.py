"""POST /bookings/{bookingId}/cancel: a customer cancels their own booking."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from boxoffice.api import ID, api_handler, correlation_id, idempotency_key, identity, make_app, responses
from boxoffice.bookings import service
from boxoffice.idempotency import run_once
from boxoffice.models import Booking

router = APIGatewayRouter()


@router.post(
    "/bookings/<bookingId>/cancel",
    summary="Cancel a booking (repeating it is harmless)",
    responses=responses(200, Booking, 401, 404, 409, 422),
)
def cancel(bookingId: Annotated[str, Path(pattern=ID)]) -> Booking:
    who = identity(router)
    booking = run_once(
        "CancelBooking",
        who.user_id,
        idempotency_key(router),
        {"bookingId": bookingId},
        lambda: service.cancel(who.user_id, bookingId, correlation_id=correlation_id(router)),
        router.lambda_context,
    )
    return Booking.model_validate(booking)


app = make_app(router)
lambda_handler = api_handler(app)
