"""Before CodeDeploy shifts any traffic to a new version of the API functions, each new version answers one harmless
request the way the API must: it imports, reads its configuration, reaches its table and answers in the API's shape.

Every check is read-only or refused before anything is written (an unknown id, an invalid body), so it is safe on
prod. A version that errors, answers 5xx or answers anything else fails the deployment, which CodeDeploy then rolls
back before a customer reaches it.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

UNKNOWN_ID = "0" * 26  # a well-formed ULID no performance or booking has
CUSTOMER = {"sub": "pre-traffic-check"}
ORGANIZER = {"sub": "pre-traffic-check", "cognito:groups": "organizers"}


@dataclass(frozen=True)
class Check:
    function: str  # the template's logical id, less "Function"
    env: str  # the variable that holds the new version's ARN
    method: str
    resource: str  # the route, as API Gateway names it
    status: int
    code: str | None = None  # the error code expected, if an error is expected
    path_parameters: dict[str, str] = field(default_factory=dict)
    claims: Mapping[str, str] | None = None
    body: object = None


CHECKS = (
    Check("RegisterPerformance", "REGISTER_PERFORMANCE_VERSION", "POST", "/performances", 400, "VALIDATION_ERROR",
          claims=ORGANIZER, body={}),
    Check("CancelPerformance", "CANCEL_PERFORMANCE_VERSION", "POST", "/performances/{performanceId}/cancel", 404,
          "PERFORMANCE_NOT_FOUND", {"performanceId": UNKNOWN_ID}, ORGANIZER),
    Check("PerformanceQueries", "PERFORMANCE_QUERIES_VERSION", "GET", "/performances", 200),
    Check("BookTicket", "BOOK_TICKET_VERSION", "POST", "/bookings", 404, "PERFORMANCE_NOT_FOUND", claims=CUSTOMER,
          body={"performanceId": UNKNOWN_ID, "quantity": 1}),
    Check("CancelBooking", "CANCEL_BOOKING_VERSION", "POST", "/bookings/{bookingId}/cancel", 404, "BOOKING_NOT_FOUND",
          {"bookingId": UNKNOWN_ID}, CUSTOMER),
    Check("BookingQueries", "BOOKING_QUERIES_VERSION", "GET", "/bookings", 200, claims=CUSTOMER),
    Check("TallyQueries", "TALLY_QUERIES_VERSION", "GET", "/performances/{performanceId}/tally", 404, "MATCH_NOT_FOUND",
          {"performanceId": UNKNOWN_ID}),
)  # fmt: skip


def api_event(check: Check) -> dict:
    """The API Gateway (REST, Lambda proxy) event of the check's request."""
    path = check.resource
    for name, value in check.path_parameters.items():
        path = path.replace("{" + name + "}", value)
    headers = {"Content-Type": "application/json", "User-Agent": "boxoffice-pre-traffic"}
    context: dict[str, object] = {
        "resourcePath": check.resource, "httpMethod": check.method, "path": path, "stage": "pre-traffic",
        "requestId": f"pre-traffic-{uuid.uuid4()}", "identity": {"sourceIp": "127.0.0.1"},
    }  # fmt: skip
    if check.claims is not None:
        context["authorizer"] = {"claims": dict(check.claims)}
    return {
        "resource": check.resource, "path": path, "httpMethod": check.method, "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()}, "queryStringParameters": None,
        "multiValueQueryStringParameters": None, "pathParameters": check.path_parameters or None,
        "stageVariables": None, "requestContext": context, "isBase64Encoded": False,
        "body": None if check.body is None else json.dumps(check.body),
    }  # fmt: skip


def failure(check: Check, answer: dict) -> str | None:
    """Why the version's answer is not the one expected, or None."""
    status = answer.get("statusCode")
    if status != check.status:
        return f"{check.function}: {check.method} {check.resource} answered {status}, not {check.status}: {answer}"
    if check.code is not None:
        try:
            code = json.loads(answer.get("body") or "{}").get("code")
        except ValueError:
            code = None
        if code != check.code:
            return f"{check.function}: {check.method} {check.resource} answered code {code!r}, not {check.code!r}"
    return None


def run(invoke: Callable[[str, dict], dict], versions: Mapping[str, str]) -> list[str]:
    """Send each check to its function's new version (`invoke(version_arn, event)` -> the function's answer); the
    failures, none if every version answered as it must."""
    failures = []
    for check in CHECKS:
        try:
            answer = invoke(versions[check.env], api_event(check))
        except Exception as exc:  # an error of the version itself is a failed check, not a failed hook
            failures.append(f"{check.function}: {type(exc).__name__}: {exc}")
            continue
        if (why := failure(check, answer)) is not None:
            failures.append(why)
    return failures


def new_versions() -> dict[str, str]:
    """The new versions' ARNs, as the template hands them to the hook."""
    return {check.env: os.environ[check.env] for check in CHECKS}
