"""One OpenAPI document for the whole API, generated from the handlers' routes and pydantic models.

python -m boxoffice.openapi > openapi.json
"""

from __future__ import annotations

import importlib
import json

API_HANDLERS = (
    "register_performance",
    "cancel_performance",
    "performance_queries",
    "book_ticket",
    "cancel_booking",
    "booking_queries",
)


def document() -> dict:
    from boxoffice.api import make_app

    routers = [importlib.import_module(f"boxoffice.handlers.{name}").router for name in API_HANDLERS]
    app = make_app(*routers)
    return json.loads(
        app.get_openapi_json_schema(
            title="Boxoffice",
            version="1.0.0",
            description="The ticket office of a concert hall. Errors are {code, message}.",
        )
    )


if __name__ == "__main__":
    print(json.dumps(document(), indent=2, ensure_ascii=False))
