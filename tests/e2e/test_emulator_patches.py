"""The local-stack patches (tools/emulator_patches) change how fast the emulator answers, never what it answers.

ministack's DynamoDB service runs in a child process on the emulator's interpreter
(emulator_patches_probe.py) and is driven through its request handler with and without the patch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.emulator_probe import run_probe

pytestmark = pytest.mark.e2e

PROBE = Path(__file__).with_name("emulator_patches_probe.py")


def probe(mode: str) -> dict:
    return run_probe(PROBE, mode)


def first_difference(expected: list, actual: list) -> str:
    for want, got in zip(expected, actual, strict=True):
        if want != got:
            text = f"request {json.dumps(want['request'])}:\n  ministack {want['pages']}\n  patched   {got['pages']}"
            return text[:4000]
    return ""


def test_query_pages_are_the_same_with_the_query_pages_patch():
    """Forward and backward, with and without a filter, begins_with / BETWEEN / comparisons / equality on the
    sort key (string and number keys), projections, COUNT, consumed capacity, index queries, every page of a
    whole partition at several Limits, cursors never issued, refused requests; then again after writes, and
    page by page with writes between the pages."""
    found = probe("answers")
    assert found["stats"]["narrowed"] > 1000, found["stats"]  # the narrowing really ran, on most of them
    assert found["before"] == found["patched"], first_difference(found["before"], found["patched"])
    assert found["original_after_writes"] == found["patched_after_writes"], first_difference(
        found["original_after_writes"], found["patched_after_writes"]
    )
    pages = found["paging_while_writing"]
    assert len(pages) > 20
    for n, (original, patched) in enumerate(pages):
        assert original == patched, f"page {n}: ministack {original}\n patched {patched}"


def test_a_500_item_query_page_costs_the_same_on_10000_items_as_on_1000():
    """The app's cancellation query (Limit 500, consistent, status filter): its first page and a page from the
    middle of the partition. CPU time of the handler, best of several interleaved rounds, in one run."""
    found = probe("timing")
    original, patched = found["original_ms"], found["patched_ms"]
    figures = f"ministack {original} ms, patched {patched} ms"
    assert found["stats"]["original"] == 0, found["stats"]  # the default threshold narrows both partitions
    for kind in ("first", "middle"):
        assert patched[f"10000/{kind}"] <= 1.5 * patched[f"1000/{kind}"], figures


def test_queue_mappings_deployed_by_cloudformation_hold_their_maximum_concurrency_as_a_number(local_stack):
    """esm_scaling_config: the template's `!Ref ConsumerConcurrency` reaches the emulator as a string; the poller
    needs a number (without the patch every poll of these queues fails and nothing is delivered)."""
    lam = local_stack.client("lambda")
    mappings = lam.list_event_source_mappings()["EventSourceMappings"]
    scaled = [m for m in mappings if m.get("ScalingConfig")]
    assert len(scaled) >= 8, mappings  # one per consumer queue
    assert {m["ScalingConfig"]["MaximumConcurrency"] for m in scaled} == {5}  # samconfig's local ConsumerConcurrency
    assert all(m["FunctionArn"].endswith(":live") for m in scaled)  # on the alias
