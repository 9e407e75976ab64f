"""`boxoffice invoke <Function> -e events/<file>`: every sample event, against the deployed function on the local stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests import template
from tests.conftest import ROOT
from tests.unit.test_events_files import EVENT_FILES

pytestmark = pytest.mark.e2e
CASES = [(fn, f) for fn, files in EVENT_FILES.items() for f in files]


def test_every_function_in_the_template_has_a_sample():
    assert set(EVENT_FILES) == set(template.functions())


@pytest.mark.parametrize(("function", "event_file"), CASES)
def test_invoke_runs_the_deployed_function_with_the_sample(local_stack, function, event_file):
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "boxoffice"), "invoke", function, "-e", f"events/{event_file}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "BOXOFFICE_STATE": str(local_stack.state_file)},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    response = json.loads(result.stdout)
    event = json.loads((ROOT / "events" / event_file).read_text())
    if "httpMethod" in event:
        # The function answered as an API integration: a status, a JSON {code, message} or resource body.
        assert isinstance(response["statusCode"], int) and response["statusCode"] < 500, response
        json.loads(response["body"])
    else:
        # A batch consumer answers with the records it could not handle (here: what the sample's ids lack).
        assert isinstance(response["batchItemFailures"], list), response
