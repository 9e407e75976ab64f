"""A pass-through on the plain API URL: http://HOST:PORT/<path> -> the emulator's API Gateway stage.

The emulator serves a REST API under /_aws/execute-api/<apiId>/<stage>/; clients, tests and the
README use the plain path, as they would a custom domain on AWS. Everything else (authorizer,
routing, integration) is the emulator's API Gateway doing what the template declares.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection", "host"}


def make_server(host: str, port: int, upstream: str, prefix: str) -> ThreadingHTTPServer:
    target = urlsplit(upstream)
    local = threading.local()

    def connection() -> http.client.HTTPConnection:
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        return local.conn

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            for attempt in (1, 2):
                try:
                    conn = connection()
                    conn.request(self.command, prefix + self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    payload = response.read()
                    break
                except (http.client.HTTPException, OSError):
                    local.conn = None  # a stale keep-alive connection: reconnect once
                    if attempt == 2:
                        self._reply(
                            502,
                            [("Content-Type", "application/json")],
                            b'{"code": "UPSTREAM_UNAVAILABLE", "message": "the local emulator did not answer"}',
                        )
                        return
            self._reply(
                response.status,
                [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP | {"content-length"}],
                payload,
            )

        def _reply(self, status: int, headers, payload: bytes) -> None:
            try:
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client went away; nothing to tell it

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

        def log_message(self, format, *args):  # noqa: A002 - quiet: the emulator logs requests
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256  # a sale's burst of new connections must queue, not be reset

    server = Server((host, port), Handler)
    return server
