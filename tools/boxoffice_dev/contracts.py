"""The contracts as files: the OpenAPI document of the HTTP API and a JSON Schema per event, generated from the
handlers' routes and the pydantic models (boxoffice.models, boxoffice.contracts).

    make contracts        # writes docs/contracts/ (committed; a test fails when the code and the files differ)

Powertools documents a 422 "validation error" on every route; this API answers validation errors 400 and 422 only
for a reused Idempotency-Key, so the document keeps a 422 only where a route declares it. What API Gateway adds in
front of the functions (the bearer token, the Idempotency-Key header) is added here.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from boxoffice_dev.paths import ROOT

sys.path.insert(0, str(ROOT / "functions"))

CONTRACTS = ROOT / "docs" / "contracts"

API_HANDLERS = (
    "register_performance",
    "cancel_performance",
    "performance_queries",
    "book_ticket",
    "cancel_booking",
    "booking_queries",
    "tally_queries",
)
# Routes without the Cognito authorizer (template.yaml: Auth: Authorizer: NONE).
PUBLIC = {
    ("get", "/performances"),
    ("get", "/performances/{performanceId}"),
    ("get", "/performances/{performanceId}/tally"),
}
# Routes that take an Idempotency-Key (boxoffice.idempotency).
KEYED = {("post", "/performances"), ("post", "/bookings"), ("post", "/bookings/{bookingId}/cancel")}
_POWERTOOLS_ONLY = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


def document() -> dict[str, Any]:
    from boxoffice.api import IDEMPOTENCY_KEY_PATTERN, make_app

    routers = [importlib.import_module(f"boxoffice.handlers.{name}").router for name in API_HANDLERS]
    app = make_app(*routers)
    doc = json.loads(
        app.get_openapi_json_schema(
            title="Boxoffice",
            version="1.0.0",
            description=(
                "The ticket office of a concert hall. JSON in and out; errors are {code, message}. "
                "Identity comes from the Cognito ID token only."
            ),
        )
    )
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            declared = operation["responses"].get("422", {}).get("content", {}).get("application/json", {})
            if "HTTPValidationError" in json.dumps(declared):
                del operation["responses"]["422"]
            if (method, path) not in PUBLIC:
                operation["security"] = [{"cognito": []}]
            if (method, path) in KEYED:
                operation.setdefault("parameters", []).append(
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "Retrying with the same key gets the first answer back and changes nothing",
                        "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
                    }
                )
    schemas = doc["components"]["schemas"]
    for name in _POWERTOOLS_ONLY:
        schemas.pop(name, None)
    doc["components"]["securitySchemes"] = {
        "cognito": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An ID token of the user pool; organizers have `organizers` in cognito:groups",
        }
    }
    return doc


def event_schemas() -> dict[str, dict[str, Any]]:
    """A JSON Schema per event type: the EventBridge event as it is on the bus (source, detail-type and detail)."""
    from boxoffice.contracts import MODEL_OF, SOURCE_OF, CancelPerformanceRequestedData, EventType, Source

    out = {}
    details: dict[EventType, tuple[Source, type]] = {t: (SOURCE_OF[t], MODEL_OF[t]) for t in MODEL_OF}
    details[EventType.CANCEL_PERFORMANCE_REQUESTED] = (Source.ORGANIZERS, CancelPerformanceRequestedData)
    for event_type, (source, model) in details.items():
        detail = model.model_json_schema(mode="serialization")
        out[event_type.value] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://boxoffice.example/contracts/events/{event_type.value}.schema.json",
            "title": event_type.value,
            "description": f"An EventBridge event with source {source.value} and detail-type {event_type.value}",
            "type": "object",
            "required": ["source", "detail-type", "detail"],
            "properties": {
                "source": {"const": source.value},
                "detail-type": {"const": event_type.value},
                "detail": {k: v for k, v in detail.items() if k != "$defs"},
            },
            **({"$defs": detail["$defs"]} if "$defs" in detail else {}),
        }
    return out


def _dump(value: dict[str, Any]) -> str:
    # Stable key order, UTF-8 as is, a final newline: a diff shows what changed and nothing else.
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def files() -> dict[Path, str]:
    """Every contract file and what it must hold."""
    out = {CONTRACTS / "openapi.json": _dump(document())}
    for name, schema in event_schemas().items():
        out[CONTRACTS / "events" / f"{name}.schema.json"] = _dump(schema)
    return out


def write() -> list[Path]:
    """Write the contract files; remove event schemas of events that no longer exist. Returns what changed."""
    wanted = files()
    changed = []
    for path, content in wanted.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != content:
            path.write_text(content)
            changed.append(path)
    for stale in (CONTRACTS / "events").glob("*.schema.json"):
        if stale not in wanted:
            stale.unlink()
            changed.append(stale)
    return changed


if __name__ == "__main__":
    for path in write():
        print(f"wrote {path.relative_to(ROOT)}")
