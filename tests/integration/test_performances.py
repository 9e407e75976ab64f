"""Performance management through the API: register, read, list, cancel."""

import pytest

from tests.api_events import CUSTOMER, ORGANIZER, OTHER_ORGANIZER
from tests.helpers import book, future, register
from tests.integration._support import unknown_id
from tests.stack import call_api


def _body(**overrides):
    body = {"title": "Beethoven 9", "venue": "Concert Hall", "startsAt": future(), "capacity": 100}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def _register(stack, body, claims=ORGANIZER, **kwargs):
    return call_api(stack, "POST", "/performances", body, claims=claims, **kwargs)


# ---------------------------------------------------------------- register and read


def test_register_returns_the_new_performance(stack):
    body = _body(capacity=250)
    status, perf = _register(stack, body)
    assert status == 201, perf
    assert perf["title"] == body["title"]
    assert perf["venue"] == body["venue"]
    assert perf["startsAt"] == body["startsAt"]
    assert perf["capacity"] == 250
    assert perf["bookedCount"] == 0
    assert perf["status"] == "OPEN"
    assert perf["organizerId"] == ORGANIZER["sub"]
    assert len(perf["performanceId"]) == 26
    assert perf["createdAt"]


def test_registered_performance_is_readable_and_listed_by_anyone(stack):
    perf = register(stack)
    status, got = call_api(stack, "GET", f"/performances/{perf['performanceId']}")  # no claims at all
    assert status == 200, got
    assert got == perf
    status, page = call_api(stack, "GET", "/performances")
    assert status == 200, page
    assert [p["performanceId"] for p in page["items"]] == [perf["performanceId"]]


def test_listing_pages_through_every_performance_once(stack):
    ids = {register(stack, settle=False)["performanceId"] for _ in range(7)}
    seen, token, pages = [], None, 0
    while True:
        query = {"limit": "3", **({"nextToken": token} if token else {})}
        status, page = call_api(stack, "GET", "/performances", query=query)
        assert status == 200, page
        assert len(page["items"]) <= 3
        seen += [p["performanceId"] for p in page["items"]]
        pages += 1
        token = page["nextToken"]
        if not token:
            break
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == ids
    assert pages >= 3


@pytest.mark.parametrize("token", ["garbage!!", "eyJhIjoxfQ", "e30"])
def test_listing_with_a_bad_token_is_400(stack, token):
    status, body = call_api(stack, "GET", "/performances", query={"nextToken": token})
    assert status == 400, body
    assert body["code"] == "INVALID_TOKEN"


def test_korean_title_round_trips_exactly(stack):
    title = "베토벤 교향곡 9번"
    status, perf = _register(stack, _body(title=title, venue="예술의전당 콘서트홀"))
    assert status == 201, perf
    assert perf["title"] == title
    status, got = call_api(stack, "GET", f"/performances/{perf['performanceId']}")
    assert got["title"] == title
    assert got["venue"] == "예술의전당 콘서트홀"


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"startsAt": "2030-12-24T19:30:00"}, id="startsAt-without-offset"),
        pytest.param({"startsAt": "2020-12-24T19:30:00+09:00"}, id="startsAt-in-the-past"),
        pytest.param({"startsAt": "next friday"}, id="startsAt-not-a-date"),
        pytest.param({"capacity": 0}, id="capacity-0"),
        pytest.param({"capacity": 100_001}, id="capacity-100001"),
        pytest.param({"capacity": "5"}, id="capacity-string"),
        pytest.param({"capacity": 5.5}, id="capacity-float"),
        pytest.param({"capacity": True}, id="capacity-bool"),
        pytest.param({"title": ""}, id="title-empty"),
        pytest.param({"sponsor": "ACME"}, id="unknown-field"),
        pytest.param({"venue": ...}, id="missing-venue"),
        pytest.param({"capacity": ...}, id="missing-capacity", marks=pytest.mark.code("MISSING_CAPACITY")),
        pytest.param(
            {"capacity": 10, "grades": [{"grade": "R", "price": 1, "seats": 5}]},
            id="capacity-not-the-grades-sum",
            marks=pytest.mark.code("CAPACITY_MISMATCH"),
        ),
        pytest.param(
            {"grades": [{"grade": "R", "price": 1, "seats": 5}, {"grade": "R", "price": 2, "seats": 5}]},
            id="duplicate-grade",
            marks=pytest.mark.code("DUPLICATE_GRADE"),
        ),
        pytest.param({"grades": [{"grade": "r", "price": 1, "seats": 5}]}, id="grade-lowercase"),
        pytest.param({"grades": [{"grade": "R", "price": -1, "seats": 5}]}, id="price-negative"),
        pytest.param({"grades": [{"grade": "R", "price": 1, "seats": 0}]}, id="seats-0"),
        pytest.param({"grades": [{"grade": f"G{n}", "price": 1, "seats": 1} for n in range(9)]}, id="nine-grades"),
        pytest.param({"maxPerCustomer": 11}, id="limit-11"),
    ],
)
def test_invalid_registration_is_400_and_writes_nothing(stack, overrides, request):
    status, body = _register(stack, _body(**overrides))
    assert status == 400, body
    marker = request.node.get_closest_marker("code")
    assert body["code"] == (marker.args[0] if marker else "VALIDATION_ERROR")
    assert set(body) == {"code", "message"}
    assert stack.table("PerformancesTable").scan()["Count"] == 0


def test_malformed_json_is_400(stack):
    status, body = _register(stack, None, raw_body='{"title": "x",')
    assert status == 400, body
    assert body["code"] == "VALIDATION_ERROR"


def test_customer_cannot_register(stack):
    status, body = _register(stack, _body(), claims=CUSTOMER)
    assert status == 403, body
    assert stack.table("PerformancesTable").scan()["Count"] == 0


def test_registering_without_claims_is_401(stack):
    status, body = _register(stack, _body(), claims=None)
    assert status == 401, body
    assert body["code"] == "UNAUTHORIZED"


def test_unknown_performance_is_404_and_malformed_id_400(stack):
    assert call_api(stack, "GET", f"/performances/{unknown_id()}")[0] == 404
    assert call_api(stack, "GET", "/performances/not-an-id")[0] == 400


# ---------------------------------------------------------------- cancel


def test_organizer_cancels_own_performance_and_repeat_is_a_no_op(stack):
    perf = register(stack)
    path = f"/performances/{perf['performanceId']}/cancel"
    status, first = call_api(stack, "POST", path, claims=ORGANIZER)
    assert status == 200, first
    assert first["status"] == "CANCELLED"
    assert first["cancelledAt"]
    status, again = call_api(stack, "POST", path, claims=ORGANIZER)
    assert status == 200, again
    assert again == first
    # only one PerformanceCancelled went out
    stack.settle()
    cancelled_events = [
        i for i in stack.table("PerformancesTable").scan()["Items"] if i.get("eventType") == "PerformanceCancelled"
    ]
    assert len(cancelled_events) == 1


def test_other_organizer_cannot_cancel(stack):
    perf = register(stack)
    status, body = call_api(stack, "POST", f"/performances/{perf['performanceId']}/cancel", claims=OTHER_ORGANIZER)
    assert status == 403, body
    assert call_api(stack, "GET", f"/performances/{perf['performanceId']}")[1]["status"] == "OPEN"


def test_customer_cannot_cancel_a_performance(stack):
    perf = register(stack)
    status, _ = call_api(stack, "POST", f"/performances/{perf['performanceId']}/cancel", claims=CUSTOMER)
    assert status == 403


def test_cancel_unknown_is_404_and_malformed_id_400(stack):
    status, body = call_api(stack, "POST", f"/performances/{unknown_id()}/cancel", claims=ORGANIZER)
    assert status == 404, body
    status, body = call_api(stack, "POST", "/performances/0123/cancel", claims=ORGANIZER)
    assert status == 400, body


def test_no_booking_succeeds_after_cancel(stack):
    perf = register(stack)
    assert book(stack, perf["performanceId"])[0] == 201
    call_api(stack, "POST", f"/performances/{perf['performanceId']}/cancel", claims=ORGANIZER)
    stack.settle()
    status, body = book(stack, perf["performanceId"])
    assert status == 409, body
    assert body["code"] == "PERFORMANCE_CANCELLED"


def test_a_start_time_at_the_end_of_the_calendar_is_400_not_500(stack):
    status, body = _register(stack, _body(startsAt="9999-12-31T23:59:59-23:59"))
    assert status == 400, body
