"""Smoke test of a deployed Boxoffice API: `python -m boxoffice_dev.smoke --url <ApiUrl>`.

Read-only by design, so it is safe against prod: it lists performances, asks for a performance and a tally
that do not exist (a fresh, well-formed ULID), and sends two requests without a token, which API Gateway's
authorizer refuses before any function runs. Each check is retried until `--timeout` (a stack that was
just deployed may answer 403/5xx for a few seconds); the exit status is 0 when every check passed, 1
otherwise, with one line per check saying what was expected and what came back.

Standard library only: the deploy pipeline runs it with a bare Python (`PYTHONPATH=tools`), no install.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
USER_AGENT = "boxoffice-smoke/1"


@dataclass(frozen=True)
class Response:
    status: int
    body: object  # the decoded JSON, or the raw text when it is not JSON


# (method, path, body) -> Response; raises OSError when the API cannot be reached.
Fetch = Callable[[str, str, object], Response]


@dataclass(frozen=True)
class Check:
    name: str
    method: str
    path: str
    status: int
    code: str | None = None  # the error `code` expected in the body, for a refusal
    body: object = None
    page: bool = False  # the body must be a page: {"items": [...], "nextToken": ...}

    def problem(self, response: Response) -> str | None:
        """What is wrong with `response` for this check, or None when it is what the API promises."""
        got = response.body
        if response.status != self.status:
            return f"expected HTTP {self.status}, got {response.status}: {_short(got)}"
        is_page = isinstance(got, dict) and isinstance(got.get("items"), list) and "nextToken" in got
        if self.page and not is_page:
            return f"expected a page {{items: [...], nextToken}}, got {_short(got)}"
        is_error = isinstance(got, dict) and got.get("code") == self.code and isinstance(got.get("message"), str)
        if self.code is not None and not is_error:
            return f"expected {{code: {self.code}, message}}, got {_short(got)}"
        return None


def unknown_id() -> str:
    """A well-formed ULID (now, then 80 random bits) that names nothing: the API must answer 404, not 400."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def checks(missing: str | None = None) -> list[Check]:
    missing = missing or unknown_id()
    return [
        Check("list performances", "GET", "/performances?limit=1", 200, page=True),
        Check("unknown performance", "GET", f"/performances/{missing}", 404, code="PERFORMANCE_NOT_FOUND"),
        Check("tally of an unknown match", "GET", f"/performances/{missing}/tally", 404, code="MATCH_NOT_FOUND"),
        # Refused by the authorizer before BookTicket runs: nothing is written, even on prod.
        Check(
            "book without a token",
            "POST",
            "/bookings",
            401,
            code="UNAUTHORIZED",
            body={"performanceId": missing, "quantity": 1},
        ),
        Check("my bookings without a token", "GET", "/bookings", 401, code="UNAUTHORIZED"),
    ]


def http_fetch(base_url: str, timeout: float = 10.0) -> Fetch:
    base = base_url.rstrip("/")

    def fetch(method: str, path: str, body: object) -> Response:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(base + path, data=data, method=method)
        request.add_header("User-Agent", USER_AGENT)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return Response(answer.status, _decode(answer.read()))
        except urllib.error.HTTPError as refused:  # 4xx/5xx: an answer, not a failure to reach the API
            return Response(refused.code, _decode(refused.read()))

    return fetch


def run(
    fetch: Fetch,
    timeout: float = 60.0,
    interval: float = 3.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    out: Callable[[str], None] = print,
    missing: str | None = None,
) -> bool:
    """Run every check, retrying the failing ones until `timeout` seconds have passed. True if all passed."""
    deadline = clock() + timeout
    pending = checks(missing)
    attempt = 0
    while True:
        attempt += 1
        problems: dict[str, str] = {}
        for check in pending:
            try:
                problem = check.problem(fetch(check.method, check.path, check.body))
            except OSError as unreachable:  # DNS, refused connection, timeout
                problem = f"could not reach the API: {unreachable}"
            if problem is None:
                out(f"ok    {check.method} {check.path} -> {check.status}  ({check.name})")
            else:
                problems[check.name] = problem
        pending = [check for check in pending if check.name in problems]
        if not pending:
            return True
        if clock() + interval > deadline:
            for check in pending:
                out(f"FAIL  {check.method} {check.path}  ({check.name}): {problems[check.name]}")
            out(f"smoke test failed: {len(pending)} check(s) still wrong after {attempt} attempt(s)")
            return False
        sleep(interval)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m boxoffice_dev.smoke", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the API's base URL (the stack output ApiUrl)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to keep retrying failing checks")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between attempts")
    args = parser.parse_args(argv)
    if not args.url.startswith(("https://", "http://")):
        parser.error(f"--url must be an http(s) URL, got {args.url!r}")
    print(f"smoke test of {args.url}")
    return 0 if run(http_fetch(args.url), timeout=args.timeout, interval=args.interval) else 1


def _decode(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def _short(value: object, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."


if __name__ == "__main__":
    sys.exit(main())
