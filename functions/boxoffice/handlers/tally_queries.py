"""GET /performances/{performanceId}/tally: anyone may look at a match's per-team tally."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from boxoffice.api import ID, api_handler, make_app, responses
from boxoffice.models import Tally
from boxoffice.tally import service

router = APIGatewayRouter()


@router.get(
    "/performances/<performanceId>/tally",
    summary="A match's tally: confirmed tickets, bookings and stake per team (follows the events)",
    responses=responses(200, Tally, 404),
)
def tally(performanceId: Annotated[str, Path(pattern=ID)]) -> Tally:
    return Tally.model_validate(service.tally(performanceId))


app = make_app(router)
lambda_handler = api_handler(app)
