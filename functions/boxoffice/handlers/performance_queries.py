"""GET /performances and GET /performances/{performanceId}: anyone may look."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from boxoffice.api import ID, TOKEN, api_handler, make_app, responses
from boxoffice.models import Performance, PerformancePage
from boxoffice.performances import service

router = APIGatewayRouter()


@router.get("/performances", summary="List performances by start time", responses=responses(200, PerformancePage))
def list_performances(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    nextToken: Annotated[str | None, Query(max_length=TOKEN)] = None,
) -> PerformancePage:
    return PerformancePage.model_validate(service.list_page(limit, nextToken))


@router.get("/performances/<performanceId>", summary="Read a performance", responses=responses(200, Performance, 404))
def get_performance(performanceId: Annotated[str, Path(pattern=ID)]) -> Performance:
    return Performance.model_validate(service.get(performanceId))


app = make_app(router)
lambda_handler = api_handler(app)
