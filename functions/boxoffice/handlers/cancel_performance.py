"""POST /performances/{performanceId}/cancel: an organizer cancels their own performance."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from boxoffice.api import ID, api_handler, correlation_id, make_app, organizer, responses
from boxoffice.models import Performance
from boxoffice.performances import service

router = APIGatewayRouter()


@router.post(
    "/performances/<performanceId>/cancel",
    summary="Cancel a performance (its bookings follow)",
    responses=responses(200, Performance, 401, 403, 404),
)
def cancel(performanceId: Annotated[str, Path(pattern=ID)]) -> Performance:
    who = organizer(router)
    request_id = correlation_id(router)
    cancelled = service.cancel(performanceId, who.user_id, correlation_id=request_id, causation_id=request_id)
    return Performance.model_validate(cancelled)


app = make_app(router)
lambda_handler = api_handler(app)
