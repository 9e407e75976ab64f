"""A pass-through on the plain API URL: http://HOST:PORT/<path> -> the emulator's API Gateway stage.

The emulator serves a REST API under /_aws/execute-api/<apiId>/<stage>/; clients, tests and the
README use the plain path, as they would a custom domain on AWS. Everything else (authorizer,
routing, integration) is the emulator's API Gateway doing what the template declares, with one
addition: where API Gateway answers a request itself (no route, no token), the emulator ignores the
template's GatewayResponses, so they are applied here, as AWS applies them.

On the same port, as CloudFront puts them on one origin on AWS: the portal (portal.py) on the paths
the API does not use, and Cognito's API under /_cognito/ for the portal's sign-in (the emulator
routes Cognito by its X-Amz-Target header, whatever the path; only Cognito's targets pass).
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from boxoffice_dev.portal import COGNITO_PATH, Portal
from boxoffice_dev.template import gateway_responses

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection", "host"}
# The x-amzn-ErrorType of API Gateway's own answers -> the GatewayResponse type that replaces it on AWS.
_GATEWAY_ERRORS = {
    "UnauthorizedException": "UNAUTHORIZED",
    "AccessDeniedException": "ACCESS_DENIED",
    "MissingAuthenticationTokenException": "MISSING_AUTHENTICATION_TOKEN",
    "RequestTooLargeException": "REQUEST_TOO_LARGE",
}
COGNITO_TARGET = "AWSCognitoIdentityProviderService."


def _unquote(value: str) -> str:
    """A GatewayResponse header value is a quoted static value: "'application/json'"."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value


def gateway_response(error_type: str | None, status: int, responses: dict[str, dict]) -> tuple[int, list, bytes] | None:
    """The answer AWS gives for API Gateway's own error `error_type` under the template's GatewayResponses."""
    kind = _GATEWAY_ERRORS.get(error_type or "")
    if kind is None and error_type and status >= 500:
        kind = "DEFAULT_5XX"
    if kind is None and error_type and status >= 400:
        kind = "DEFAULT_4XX"
    spec = responses.get(kind or "")
    if spec is None:
        return None
    headers = [(k, _unquote(v)) for k, v in (spec.get("ResponseParameters", {}).get("Headers") or {}).items()]
    body = (spec.get("ResponseTemplates") or {}).get("application/json", "")
    return int(spec.get("StatusCode", status)), headers, body.encode()


def make_server(host: str, port: int, upstream: str, prefix: str, portal: Portal | None = None) -> ThreadingHTTPServer:
    target = urlsplit(upstream)
    local = threading.local()
    responses = gateway_responses()

    def connection() -> http.client.HTTPConnection:
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        return local.conn

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            own = portal.answer(self.command, self.path) if portal else None
            if own is not None:
                self._reply(*own)
            elif self.path == COGNITO_PATH.rstrip("/") or self.path.startswith(COGNITO_PATH):
                self._cognito(body)
            else:
                self._forward(prefix + self.path, body, api=True)

        def _cognito(self, body: bytes | None) -> None:
            # Cognito's JSON API only: the emulator answers every service on its root, by X-Amz-Target.
            if not (self.headers.get("X-Amz-Target") or "").startswith(COGNITO_TARGET):
                refused = {"code": "FORBIDDEN", "message": "only Cognito's API is served under /_cognito/"}
                self._reply(403, [("Content-Type", "application/json")], json.dumps(refused).encode())
                return
            self._forward("/", body, api=False)

        def _forward(self, upstream_path: str, body: bytes | None, api: bool) -> None:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            for attempt in (1, 2):
                try:
                    conn = connection()
                    conn.request(self.command, upstream_path, body=body, headers=headers)
                    response = conn.getresponse()
                    payload = response.read()
                    break
                except (http.client.HTTPException, OSError):
                    local.conn = None  # a stale keep-alive connection: reconnect once
                    if attempt == 2:
                        unavailable = {"code": "UPSTREAM_UNAVAILABLE", "message": "the local emulator did not answer"}
                        self._reply(502, [("Content-Type", "application/json")], json.dumps(unavailable).encode())
                        return
            own = gateway_response(response.getheader("x-amzn-ErrorType"), response.status, responses) if api else None
            if own is not None:
                self._reply(*own)
                return
            passed = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP | {"content-length"}]
            self._reply(response.status, passed, payload)

        def _reply(self, status: int, headers, payload: bytes) -> None:
            try:
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client went away; nothing to tell it

        def __getattr__(self, name: str):
            # Every method goes to API Gateway, which answers the ones the API does not serve (TRACE, made-up ones)
            # itself; the standard library's handler would answer them 501 instead.
            if name.startswith("do_"):
                return self._handle
            raise AttributeError(name)

        def log_message(self, format, *args):  # noqa: A002 - quiet: the emulator logs requests
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256  # a sale's burst of new connections must queue, not be reset

    server = Server((host, port), Handler)
    return server
