"""`boxoffice invoke <Function> -e events/<file>`: every sample event, against its function on the local stack."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from boxoffice import config
from boxoffice.bookings import service as bookings_service
from boxoffice.models import BookTicketInput, RegisterPerformanceInput
from boxoffice.performances import service as performances_service
from tests import template
from tests.conftest import ROOT
from tests.integration.test_events_files import BOOKING_ID, CUSTOMER, EVENT_FILES, ORGANIZER, PERFORMANCE_ID

pytestmark = pytest.mark.e2e
# Mutating samples last, so the reads see the world the samples name.
LAST = ("CancelBookingFunction", "CancelPerformanceFunction", "CancellationFunction", "OrganizerRequestsFunction")
# Deployed only where deploys are gradual (on AWS: the emulator has no CodeDeploy); its sample runs in moto.
NOT_LOCAL = {"PreTrafficHookFunction"}
CASES = sorted(
    ((fn, f) for fn, files in EVENT_FILES.items() for f in files if fn not in NOT_LOCAL), key=lambda c: c[0] in LAST
)


def test_every_function_in_the_template_has_a_sample():
    assert set(EVENT_FILES) == set(template.functions())
    assert {f for f in NOT_LOCAL if template.resources()[f].get("Condition") != "DeploysGradually"} == set()


@pytest.fixture(scope="module")
def sample_world(local_stack):
    """The performance and booking the samples name, made by the domain code against the deployed tables;
    the deployed chain then carries their events to inventory, headcount and status view."""
    res = local_stack.resources
    with pytest.MonkeyPatch.context() as m:
        m.setenv("AWS_ENDPOINT_URL", local_stack.endpoint)
        m.setenv(config.PERFORMANCES_TABLE, res["PerformancesTable"])
        m.setenv(config.BOOKINGS_TABLE, res["BookingsTable"])
        config.reset_clients()
        m.setattr(performances_service, "new_id", lambda: PERFORMANCE_ID)
        m.setattr(bookings_service, "new_id", lambda: BOOKING_ID)
        performances_service.register(
            ORGANIZER["sub"],
            RegisterPerformanceInput(
                title="베토벤 교향곡 9번",
                venue="예술의전당 콘서트홀",
                startsAt="2030-12-24T19:30:00+09:00",
                capacity=2500,
            ),
            correlation_id="sample-world",
        )
        local_stack.wait_for(lambda: bookings_service.store.get_inventory(PERFORMANCE_ID), what="inventory opened")
        bookings_service.book(
            CUSTOMER["sub"], BookTicketInput(performanceId=PERFORMANCE_ID, quantity=2), correlation_id="sample-world"
        )
        local_stack.wait_for(lambda: performances_service.get(PERFORMANCE_ID)["bookedCount"] == 2, what="headcount 2")
    config.reset_clients()
    views = local_stack.client("dynamodb")
    local_stack.wait_for(
        lambda: (
            "Item"
            in views.get_item(
                TableName=res["StatusViewTable"], Key={"pk": {"S": f"BOOKING#{BOOKING_ID}"}, "sk": {"S": "VIEW"}}
            )
        ),
        what="status view",
    )
    return local_stack


@pytest.mark.parametrize(("function", "event_file"), CASES)
def test_invoke_runs_the_deployed_function_with_the_sample(sample_world, function, event_file):
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "boxoffice"), "invoke", function, "-e", f"events/{event_file}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "BOXOFFICE_STATE": str(sample_world.state_file)},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    response = json.loads(result.stdout)
    event = json.loads((ROOT / "events" / event_file).read_text())
    if "httpMethod" in event:
        assert isinstance(response["statusCode"], int), response
        assert response["statusCode"] < 300, response
        json.loads(response["body"])
    elif "Records" in event:
        assert response == {"batchItemFailures": []}, response
    else:  # the schedule's sweep: it answers how many holds it expired
        assert set(response) == {"expired"}, response


def test_put_events_delivers_an_organizer_request_through_the_bus(api, tmp_path):
    """`boxoffice put-events` with an entries file shaped like events/organizer_cancel_request.json."""
    import base64
    from datetime import UTC, datetime, timedelta

    organizer = api.token("e2e-put-events-org", organizer=True)
    starts = (datetime.now(UTC) + timedelta(days=9)).strftime("%Y-%m-%dT19:00:00+09:00")
    r = api.call(
        "POST", "/performances", organizer, json={"title": "Bus", "venue": "Hall", "startsAt": starts, "capacity": 3}
    )
    assert r.status_code == 201, r.text
    perf = r.json()
    payload = organizer.split(".")[1]
    sub = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]
    entries = json.loads((ROOT / "events" / "organizer_cancel_request.json").read_text())
    detail = {**json.loads(entries[0]["Detail"]), "performanceId": perf["performanceId"], "organizerId": sub}
    path = tmp_path / "entries.json"
    path.write_text(json.dumps([{**entries[0], "Detail": json.dumps(detail)}]))
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "boxoffice"), "put-events", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "BOXOFFICE_STATE": str(api.stack.state_file)},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    api.wait_for(
        lambda: api.call("GET", f"/performances/{perf['performanceId']}").json()["status"] == "CANCELLED",
        "the organizer's request cancelling the performance",
    )
