"""The contracts as committed files (docs/contracts/) say exactly what the code does: regenerate them with
`make contracts` when a route, a model or an event changes, and review the diff."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest

from boxoffice.contracts import MODEL_OF, SOURCE_OF, detail_of, new_event
from boxoffice_dev import contracts
from tests.template import ROOT
from tests.unit.test_event_contracts import DATA

WANTED = contracts.files()


@pytest.mark.parametrize("path", sorted(WANTED), ids=lambda p: p.name)
def test_the_committed_file_is_what_the_code_generates(path):
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make contracts` and commit it"
    assert path.read_text() == WANTED[path], f"{path.relative_to(ROOT)} is stale: run `make contracts`, review, commit"


def test_no_schema_is_left_of_an_event_that_no_longer_exists():
    committed = set((contracts.CONTRACTS / "events").glob("*.schema.json"))
    assert committed == {p for p in WANTED if p.parent.name == "events"}


def test_every_route_documents_every_error_it_can_answer_as_the_error_body():
    doc = json.loads(WANTED[contracts.CONTRACTS / "openapi.json"])
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert {"400", "413", "415", "500"} <= statuses, (method, path)
            assert (method, path) in contracts.PUBLIC or "401" in statuses, (method, path)
            for status, response in operation["responses"].items():
                ref = response["content"]["application/json"]["schema"]["$ref"]
                if status.startswith(("4", "5")):
                    assert ref == "#/components/schemas/ErrorBody", (method, path, status)


@pytest.mark.parametrize("event_type", list(MODEL_OF))
def test_an_event_the_code_emits_is_valid_under_its_committed_schema(event_type):
    event = new_event(MODEL_OF[event_type], DATA[event_type], correlation_id="c", causation_id="c")
    schema = json.loads((contracts.CONTRACTS / "events" / f"{event_type.value}.schema.json").read_text())
    on_the_bus = {"source": SOURCE_OF[event_type].value, "detail-type": event_type.value, "detail": detail_of(event)}
    jsonschema_rs.validator_for(schema).validate(on_the_bus)
    with pytest.raises(jsonschema_rs.ValidationError):
        jsonschema_rs.validator_for(schema).validate({**on_the_bus, "detail": {**on_the_bus["detail"], "extra": 1}})


def test_the_organizers_sample_request_is_valid_under_the_schema_they_are_pointed_to():
    schema = json.loads((contracts.CONTRACTS / "events" / "CancelPerformanceRequested.schema.json").read_text())
    for entry in json.loads((ROOT / "events" / "organizer_cancel_request.json").read_text()):
        event = {"source": entry["Source"], "detail-type": entry["DetailType"], "detail": json.loads(entry["Detail"])}
        jsonschema_rs.validator_for(schema).validate(event)
