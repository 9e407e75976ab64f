"""What every HTTP handler shares: the resolver with its error mapping, identity, paging tokens.

Errors are mapped to `{code, message}` here and nowhere else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType, RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from boxoffice import snapstart  # noqa: F401  (its hooks, for the API functions that run on SnapStart)
from boxoffice.clock import ID_PATTERN
from boxoffice.errors import DomainError, Forbidden, InvalidRequest, Unauthorized
from boxoffice.observability import logger, metrics

ORGANIZERS_GROUP = "organizers"
ID = ID_PATTERN  # every id in a path is a ULID
TOKEN = 2048  # longest paging token accepted
MAX_BODY_BYTES = 1024 * 1024
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9._:\-]{1,128}$"
_IDEMPOTENCY_KEY_RE = re.compile(IDEMPOTENCY_KEY_PATTERN)


def _to_json(data) -> str:
    # UTF-8 as is: a Korean title reads as Korean on the wire, not as escape sequences.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), cls=Encoder)


def error(status: int, code: str, message: str, details: dict[str, str | int] | None = None) -> Response:
    body: dict[str, object] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        if err.get("type") == "json_invalid":
            return "the request body is not valid JSON"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def _refusal(event: dict) -> dict | None:
    """What no route should ever parse, refused before routing: oversized and non-JSON bodies."""
    body = event.get("body")
    if body is None:
        return None
    if len(body) > MAX_BODY_BYTES or len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        return _raw(413, "PAYLOAD_TOO_LARGE", "the request body is larger than 1 MB")
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    media = (headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if body and not (media == "application/json" or media.endswith("+json")):
        return _raw(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json")
    if body:
        try:
            json.loads(body)
        except ValueError:  # JSONDecodeError, and also numbers too long to convert, which json raises as ValueError
            return _raw(400, "VALIDATION_ERROR", "the request body is not valid JSON")
    return None


def _raw(status: int, code: str, message: str) -> dict:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": _to_json({"code": code, "message": message}),
        "isBase64Encoded": False,
    }


def make_app(*routers: Router) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True, serializer=_to_json)

    @app.exception_handler(DomainError)
    def _domain(exc: DomainError):
        return error(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError):
        return error(400, "VALIDATION_ERROR", _describe(exc))

    @app.exception_handler(RequestUnsupportedContentType)
    def _media(exc: Exception):
        return error(415, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json")

    @app.exception_handler(IdempotencyValidationError)
    def _key_reused(exc: Exception):
        return error(422, "IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was already used with a different request")

    @app.exception_handler(IdempotencyAlreadyInProgressError)
    def _in_progress(exc: Exception):
        return error(
            409, "REQUEST_IN_PROGRESS", "a request with this Idempotency-Key is still in progress; retry shortly"
        )

    @app.not_found
    def _no_route(exc: NotFoundError):
        return error(404, "NOT_FOUND", "no such resource")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception):
        logger.exception("unhandled error")
        return error(500, "INTERNAL_ERROR", "something went wrong on our side; it is safe to retry")

    for router in routers:
        app.include_router(router)
    return app


def api_handler(app: APIGatewayRestResolver):
    """The Lambda entry point for an API function: Powertools decorators around `app.resolve`."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics
    def lambda_handler(event, context):
        return _refusal(event) or app.resolve(event, context)

    return lambda_handler


# What each error status can mean, for the OpenAPI document (the codes are the machine-readable `code`s).
_ERRORS = {
    400: (
        "Invalid request: VALIDATION_ERROR, INVALID_TOKEN, INVALID_IDEMPOTENCY_KEY, GRADE_NOT_FOUND, GRADE_REQUIRED, "
        "DUPLICATE_GRADE, CAPACITY_MISMATCH, MISSING_CAPACITY, TOO_MANY_SEATS, PAYMENT_METHOD_REQUIRED, NOT_A_MATCH, "
        "TEAMS_REQUIRED, DUPLICATE_TEAM, TEAM_REQUIRED, TEAM_NOT_FOUND"
    ),
    401: "No valid bearer token: UNAUTHORIZED",
    402: (
        "The payment was refused, the seats are back and the booking is PAYMENT_FAILED (details: bookingId, "
        "status): PAYMENT_DECLINED (with the provider's reason), PAYMENT_ACTION_REQUIRED (the card needs "
        "authentication, not supported yet)"
    ),
    403: "Not allowed for this caller: FORBIDDEN, NOT_YOUR_PERFORMANCE",
    404: "Not found (someone else's booking is not found either): NOT_FOUND, PERFORMANCE_NOT_FOUND, BOOKING_NOT_FOUND, "
    "MATCH_NOT_FOUND",
    409: "Conflicts with the current state: SOLD_OUT, LIMIT_EXCEEDED, PERFORMANCE_CANCELLED, REQUEST_IN_PROGRESS",
    413: "The body is larger than 1 MB: PAYLOAD_TOO_LARGE",
    415: "The body is not JSON: UNSUPPORTED_MEDIA_TYPE",
    422: "The Idempotency-Key was used with a different request: IDEMPOTENCY_KEY_REUSED",
    500: "Something went wrong on our side; it is safe to retry: INTERNAL_ERROR",
}
# Any request can carry a body that is refused before routing, and any can meet an unexpected error.
_ALWAYS = (400, 413, 415, 500)


def responses(
    success: int, model: type, *errors: int, description: str = "OK", accepted: str | None = None
) -> dict[int, OpenAPIResponse]:
    """The OpenAPI responses of a route: its success with `model` (and 202 with it, when `accepted` says what that
    means), and every error status it can answer."""
    from boxoffice.models import ErrorBody

    def answer(text: str, body: type) -> OpenAPIResponse:
        return {"description": text, "content": {content_types.APPLICATION_JSON: {"model": body}}}

    documented = {success: answer(description, model)}
    if accepted:
        documented[202] = answer(accepted, model)
    for status in sorted({*errors, *_ALWAYS}):
        documented[status] = answer(_ERRORS[status], ErrorBody)
    return documented


@dataclass(frozen=True)
class Identity:
    user_id: str
    groups: frozenset[str]

    @property
    def is_organizer(self) -> bool:
        return ORGANIZERS_GROUP in self.groups


def _groups(raw) -> frozenset[str]:
    if isinstance(raw, list):
        return frozenset(str(g) for g in raw)
    # Cognito hands groups to API Gateway as "a,b" or "[a b]".
    return frozenset(g for g in re.split(r"[,\s]+", str(raw or "").strip("[]")) if g)


def identity(app: BaseRouter) -> Identity:
    """Who is calling, from the authorizer's claims only (never from the body)."""
    authorizer = (app.current_event.raw_event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims") or authorizer
    user_id = claims.get("sub") if isinstance(claims, dict) else None
    if not user_id:
        raise Unauthorized("a valid bearer token is required")
    return Identity(user_id=str(user_id), groups=_groups(claims.get("cognito:groups")))


def organizer(app: BaseRouter) -> Identity:
    who = identity(app)
    if not who.is_organizer:
        raise Forbidden("only organizers can do this")
    return who


def correlation_id(app: BaseRouter) -> str:
    request_id = (app.current_event.raw_event.get("requestContext") or {}).get("requestId")
    return str(request_id or "unknown")


def idempotency_key(app: BaseRouter) -> str | None:
    key = app.current_event.headers.get("Idempotency-Key") or app.current_event.headers.get("idempotency-key")
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY_RE.match(key):
        raise InvalidRequest("Idempotency-Key must be 1-128 letters, digits or . _ : -", code="INVALID_IDEMPOTENCY_KEY")
    return key
