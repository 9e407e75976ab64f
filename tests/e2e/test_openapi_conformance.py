"""The committed OpenAPI document (docs/contracts/openapi.json) against the running API, with schemathesis.

Schemathesis generates requests for every operation from the document alone (valid and edge-case bodies, path and
query parameters, Idempotency-Key headers) and sends them to the local stack as a customer and as an organizer. Every
answer must be a status the document lists for that operation, with a body valid under the schema it gives, and
never a 5xx. Reproducible: derandomized, no example database.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from boxoffice_dev.contracts import CONTRACTS

pytestmark = pytest.mark.e2e

schema = schemathesis.openapi.from_path(CONTRACTS / "openapi.json")
CHECKS = [status_code_conformance, response_schema_conformance, not_a_server_error]
EXAMPLES = 25  # per operation and caller


def _conforms(case, api, token: str) -> None:
    case.call_and_validate(
        base_url=api.stack.url, session=api.session, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
    )


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_every_answer_to_a_customer_is_documented(case, api):
    _conforms(case, api, api.token("schemathesis-customer"))


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_every_answer_to_an_organizer_is_documented(case, api):
    _conforms(case, api, api.token("schemathesis-organizer", organizer=True))
