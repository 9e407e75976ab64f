"""The deploy pipeline's smoke test (`python -m boxoffice_dev.smoke`) against the local stack, as the pipeline runs it
against dev and prod: a bare interpreter, the module from tools/, the stack's URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def smoke(url: str, *args: str) -> subprocess.CompletedProcess:
    # As the pipeline runs it (`PYTHONPATH=tools python -m boxoffice_dev.smoke`), and with -S: no site-packages at
    # all, so it would fail here if the module needed anything beyond the standard library.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(ROOT / "tools")}
    return subprocess.run(
        [sys.executable, "-S", "-m", "boxoffice_dev.smoke", "--url", url, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_the_smoke_test_passes_against_a_deployed_stack(api):
    before = api.call("GET", "/performances?limit=100").json()["items"]

    run = smoke(api.stack.url)

    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"smoke test of {api.stack.url}"
    assert sum(line.startswith("ok ") for line in lines) == 5, run.stdout
    for route in (
        "GET /performances?limit=1",
        "GET /performances/",
        "/tally -> 404",
        "POST /bookings",
        "GET /bookings",
    ):
        assert any(route in line for line in lines), (route, run.stdout)
    # Read-only: it registered and booked nothing.
    assert api.call("GET", "/performances?limit=100").json()["items"] == before


def test_the_smoke_test_fails_clearly_against_the_wrong_url(api):
    # The stack is up, but nothing of Boxoffice is under this prefix: every route is API Gateway's 404.
    run = smoke(api.stack.url + "/not-boxoffice", "--timeout", "1", "--interval", "1")

    assert run.returncode == 1, run.stdout + run.stderr
    failures = [line for line in run.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failures) == 5, run.stdout
    assert "expected HTTP 200, got 404" in failures[0]
    assert run.stdout.splitlines()[-1].startswith("smoke test failed: 5 check(s) still wrong")
