"""The deploy smoke test's judgement, with a fake API: what it accepts, what it refuses, how it retries.

The same module runs against the local stack over HTTP in tests/e2e/test_deploy_smoke.py.
"""

from __future__ import annotations

import re

import pytest

from boxoffice.clock import ID_PATTERN
from boxoffice_dev import smoke

MISSING = "01J0000000000000000000SMKE"


def healthy(method: str, path: str, body: object) -> smoke.Response:
    """What a deployed Boxoffice answers to the smoke test's requests."""
    if (method, path) == ("GET", "/performances?limit=1"):
        return smoke.Response(200, {"items": [], "nextToken": None})
    if (method, path) == ("GET", f"/performances/{MISSING}"):
        return smoke.Response(404, {"code": "PERFORMANCE_NOT_FOUND", "message": "no performance with this id"})
    if (method, path) == ("GET", f"/performances/{MISSING}/tally"):
        return smoke.Response(404, {"code": "MATCH_NOT_FOUND", "message": "no match with this id"})
    if (method, path) in {("POST", "/bookings"), ("GET", "/bookings")}:
        return smoke.Response(401, {"code": "UNAUTHORIZED", "message": "a valid bearer token is required"})
    raise AssertionError(f"the smoke test asked for something unexpected: {method} {path}")


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def run(fetch, timeout=10.0, interval=2.0):
    clock, lines = Clock(), []
    ok = smoke.run(
        fetch, timeout=timeout, interval=interval, clock=clock, sleep=clock.sleep, out=lines.append, missing=MISSING
    )
    return ok, lines, clock


def test_a_healthy_api_passes_every_check_at_once():
    ok, lines, clock = run(healthy)
    assert ok
    assert len(lines) == len(smoke.checks(MISSING)) == 5
    assert all(line.startswith("ok ") for line in lines)
    assert clock.now == 0


def test_the_unknown_id_is_a_well_formed_ulid_so_the_api_answers_404_not_400():
    ids = {smoke.unknown_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.match(ID_PATTERN, i) for i in ids)


def test_it_only_reads_or_is_refused_before_anything_runs():
    for check in smoke.checks(MISSING):
        assert check.method == "GET" or check.status == 401, check


@pytest.mark.parametrize(
    ("path", "answer", "says"),
    [
        ("/performances?limit=1", smoke.Response(500, {"code": "INTERNAL_ERROR"}), "expected HTTP 200, got 500"),
        ("/performances?limit=1", smoke.Response(200, [{"performanceId": MISSING}]), "expected a page"),
        ("/performances?limit=1", smoke.Response(200, {"items": []}), "expected a page"),
        (f"/performances/{MISSING}", smoke.Response(400, {"code": "VALIDATION_ERROR"}), "expected HTTP 404, got 400"),
        (
            f"/performances/{MISSING}",
            smoke.Response(404, {"code": "NOT_FOUND", "message": "x"}),
            "PERFORMANCE_NOT_FOUND",
        ),
        (f"/performances/{MISSING}/tally", smoke.Response(404, "<html>Not Found</html>"), "MATCH_NOT_FOUND"),
        (
            f"/performances/{MISSING}/tally",
            smoke.Response(404, {"code": "MATCH_NOT_FOUND"}),
            "MATCH_NOT_FOUND, message",
        ),
        ("/bookings", smoke.Response(201, {"bookingId": MISSING}), "expected HTTP 401, got 201"),
        ("/bookings", smoke.Response(401, {"message": "Unauthorized"}), "UNAUTHORIZED"),
    ],
)
def test_any_mismatch_fails_with_a_line_saying_what_was_wrong(path, answer, says):
    def broken(method, asked, body):
        return answer if asked == path else healthy(method, asked, body)

    ok, lines, _ = run(broken)
    assert not ok
    failures = [line for line in lines if line.startswith("FAIL")]
    assert failures, lines
    assert all(path in line for line in failures)
    assert says in failures[0]
    assert lines[-1].startswith("smoke test failed")


def test_a_fresh_deploy_gets_a_few_seconds_then_passes():
    calls = []

    def warming(method, path, body):
        calls.append(path)
        if len(calls) <= 7:  # the first attempt and two of the second: not answering yet
            raise ConnectionRefusedError("connection refused")
        return healthy(method, path, body)

    ok, lines, clock = run(warming, timeout=30, interval=2)
    assert ok
    assert clock.now == 4  # two waits
    assert sum(line.startswith("ok ") for line in lines) == 5
    assert not any(line.startswith("FAIL") for line in lines)


def test_it_gives_up_at_the_timeout():
    def down(method, path, body):
        raise TimeoutError("timed out")

    ok, lines, clock = run(down, timeout=10, interval=3)
    assert not ok
    assert clock.now == 9  # attempts at 0, 3, 6 and 9 s; another would pass the deadline
    assert "could not reach the API: timed out" in lines[0]
    assert lines[-1] == "smoke test failed: 5 check(s) still wrong after 4 attempt(s)"


def test_the_command_line_refuses_something_that_is_not_a_url(capsys):
    with pytest.raises(SystemExit) as stopped:
        smoke.main(["--url", "boxoffice-dev"])
    assert stopped.value.code == 2
    assert "--url must be an http(s) URL" in capsys.readouterr().err
