"""tools/emulator_patches/lambda_log_drain.py changes how the emulator waits for a Lambda's log lines, never what an
invocation answers or which lines its log holds.

ministack's Lambda worker pool runs in a child process on the emulator's interpreter (emulator_log_drain_probe.py),
with real worker processes, with and without the patch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.emulator_probe import run_probe

pytestmark = pytest.mark.e2e

PROBE = Path(__file__).with_name("emulator_log_drain_probe.py")


def probe(mode: str) -> dict:
    return run_probe(PROBE, mode)


@pytest.fixture(scope="module")
def answers() -> dict:
    return probe("answers")


def test_invocations_answer_and_log_the_same_with_the_log_drain_patch(answers):
    """Silent, printing, printing 300 lines, failing, and printing after returning (that line opens the next
    invocation's log): the same status, result, error and log lines, invocation by invocation."""
    original, patched = answers["original"], answers["patched"]
    assert original == patched, json.dumps({"original": original, "patched": patched})[:4000]
    assert original["chatty"][0]["log"] == "one\ntwo\nthree"
    assert len(original["many"][0]["log"].splitlines()) == 300
    assert [i["log"] for i in original["late"]] == [
        "before return",
        "after return\nbefore return",
        "after return\nbefore return",
    ]


def test_the_drain_keeps_the_same_lines_and_leaves_the_same_ones_for_later(answers):
    """On a queue filled on a schedule: nothing, lines already there, a line after the window (left queued), a first
    line inside and one after the 50 ms window, the provided runtime's 100 ms window."""
    for name, found in answers["synthetic"].items():
        original, patched = found["original"], found["patched"]
        if name == "streaming past the cap":
            continue
        assert (original["got"], original["left"]) == (patched["got"], patched["left"]), name


def test_a_stream_of_lines_is_cut_at_the_same_250_ms_cap(answers):
    """A line every millisecond for 0.6 s: each stops near 250 ms with a prefix of the stream, the rest still queued."""
    for side in ("original", "patched"):
        found = answers["synthetic"]["streaming past the cap"][side]
        got = found["got"].splitlines()
        assert got + found["left"] == [f"stream {i}" for i in range(600)], side
        assert 0.24 <= found["took"] <= 0.4, (side, found["took"])


def test_a_silent_invocation_costs_the_emulator_less_cpu():
    """The emulator's CPU per invocation of a function that prints nothing, best of interleaved rounds: waiting out
    the 50 ms window costs next to nothing, and the invocation as a whole costs less."""
    found = probe("timing")
    assert found["patched_drain_ms"] < 0.3 * found["original_drain_ms"], found
    assert found["patched_ms"] < found["original_ms"] - 0.5 * found["original_drain_ms"], found
