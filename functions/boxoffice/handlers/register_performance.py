"""POST /performances: an organizer registers a performance."""

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from boxoffice.api import api_handler, correlation_id, idempotency_key, make_app, organizer, responses
from boxoffice.idempotency import run_once
from boxoffice.models import Performance, RegisterPerformanceInput
from boxoffice.observability import metrics
from boxoffice.performances import service

router = APIGatewayRouter()


@router.post(
    "/performances",
    summary="Register a performance (send an Idempotency-Key to retry safely)",
    responses=responses(201, Performance, 401, 403, 409, 422, description="registered"),
)
def register(body: RegisterPerformanceInput) -> Response[Performance]:
    who = organizer(router)
    performance = run_once(
        "RegisterPerformance",
        who.user_id,
        idempotency_key(router),
        body.model_dump(),
        lambda: service.register(who.user_id, body, correlation_id=correlation_id(router)),
        router.lambda_context,
    )
    metrics.add_metric(name="PerformancesRegistered", unit="Count", value=1)
    return Response(201, content_types.APPLICATION_JSON, Performance.model_validate(performance))


app = make_app(router)
lambda_handler = api_handler(app)
