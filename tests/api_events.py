"""API Gateway REST proxy events as the Cognito authorizer hands them to Lambda."""

from __future__ import annotations

import json
import re
import uuid

from tests import template

ORGANIZER = {"sub": "org-1", "cognito:groups": "organizers"}
OTHER_ORGANIZER = {"sub": "org-2", "cognito:groups": "organizers"}
CUSTOMER = {"sub": "cust-1"}
OTHER_CUSTOMER = {"sub": "cust-2"}


def api_event(
    method: str,
    path: str,
    body=None,
    *,
    claims: dict | None = None,
    query: dict | None = None,
    headers: dict | None = None,
    resource: str | None = None,
    raw_body: str | None = None,
) -> dict:
    """A REST API proxy event; `resource` is the route template (derived from `path` when not given)."""
    if resource is None:
        resource = route_for(method, path)[1]
    params = _path_params(resource, path)
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    if claims:
        hdrs.setdefault("Authorization", "Bearer test-token")
    request_id = str(uuid.uuid4())
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": hdrs,
        "multiValueHeaders": {k: [v] for k, v in hdrs.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/test{path}",
            "stage": "test",
            "requestId": request_id,
            "accountId": "123456789012",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"claims": claims} if claims else None,
        },
        "body": raw_body
        if raw_body is not None
        else (json.dumps(body, ensure_ascii=False) if body is not None else None),
        "isBase64Encoded": False,
    }


def routes() -> list[tuple[str, str, str]]:
    """(function, method, path template) of every API route in template.yaml."""
    out = []
    for fname, props in template.functions().items():
        for source in props.get("Events", {}).values():
            if source["Type"] == "Api":
                out.append((fname, source["Properties"]["Method"].upper(), source["Properties"]["Path"]))
    return out


def route_for(method: str, path: str) -> tuple[str, str]:
    """The function and path template that API Gateway would pick for `method path` (literal segments win)."""
    candidates = []
    for fname, m, resource in routes():
        if m == method and re.match("^" + re.sub(r"{\w+}", "[^/]+", resource) + "$", path):
            candidates.append((resource.count("{"), fname, resource))
    if not candidates:
        raise LookupError(f"no route for {method} {path}")
    _, fname, resource = min(candidates)
    return fname, resource


def _path_params(resource: str, path: str) -> dict:
    names = re.findall(r"{(\w+)}", resource)
    if not names:
        return {}
    pattern = "^" + re.sub(r"{\w+}", "([^/]+)", resource) + "$"
    match = re.match(pattern, path)
    return dict(zip(names, match.groups(), strict=False)) if match else {}


def body(response: dict):
    return json.loads(response["body"]) if response.get("body") else None
