"""Registering a performance: its grades, its capacity, its limit; and what anyone reads of it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from boxoffice.errors import InvalidRequest
from boxoffice.models import RegisterPerformanceInput
from boxoffice.performances import service
from tests.unit.test_request_validation import _performance

R, S, A = ({"grade": "R", "price": 150_000, "seats": 300}, {"grade": "S", "price": 90_000, "seats": 500},
           {"grade": "A", "price": 0, "seats": 200})  # fmt: skip


def _grades(**body):
    return service.grades_of(RegisterPerformanceInput.model_validate(_performance(**body)))


def test_grades_are_taken_as_given_and_capacity_is_their_sum():
    body = _performance(capacity=None, grades=[R, S, A])
    del body["capacity"]
    assert service.grades_of(RegisterPerformanceInput.model_validate(body)) == [R, S, A]
    assert _grades(capacity=1000, grades=[R, S, A]) == [R, S, A]


def test_a_capacity_alone_is_one_free_general_grade():
    assert _grades(capacity=120) == [{"grade": "GENERAL", "price": 0, "seats": 120}]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"capacity": 999, "grades": [R, S, A]}, "CAPACITY_MISMATCH"),
        ({"grades": [R, {**R, "price": 1}]}, "DUPLICATE_GRADE"),
        ({"capacity": None}, "MISSING_CAPACITY"),
        ({"capacity": None, "grades": [{**R, "seats": 60_000}, {**S, "seats": 40_001}]}, "TOO_MANY_SEATS"),
    ],
)
def test_grades_that_contradict_themselves_are_400_with_their_code(body, code):
    request = _performance(**body)
    if request.get("capacity") is None:
        request.pop("capacity")
    with pytest.raises(InvalidRequest) as caught:
        service.grades_of(RegisterPerformanceInput.model_validate(request))
    assert (caught.value.status, caught.value.code) == (400, code)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"grades": []}, "at least 1 item"),
        ({"grades": [{**R, "grade": f"G{i}"} for i in range(9)]}, "at most 8 items"),
        ({"grades": [{**R, "grade": "r"}]}, "should match pattern"),
        ({"grades": [{**R, "grade": "VIPSEATS1"}]}, "should match pattern"),
        ({"grades": [{**R, "grade": "로열"}]}, "should match pattern"),
        ({"grades": [{**R, "seats": 0}]}, "greater than or equal to 1"),
        ({"grades": [{**R, "seats": -5}]}, "greater than or equal to 1"),
        ({"grades": [{**R, "price": -1}]}, "greater than or equal to 0"),
        ({"grades": [{**R, "price": 10_000_001}]}, "less than or equal to 10000000"),
        ({"grades": [{**R, "price": 1.5}]}, "valid integer"),
        ({"grades": [{**R, "extra": 1}]}, "Extra inputs"),
        ({"maxPerCustomer": 0}, "greater than or equal to 1"),
        ({"maxPerCustomer": 11}, "less than or equal to 10"),
    ],
)
def test_grade_and_limit_fields_out_of_their_rules_are_refused(body, why):
    with pytest.raises(ValidationError) as caught:
        RegisterPerformanceInput.model_validate(_performance(**body))
    assert why in str(caught.value)


def test_the_limit_defaults_to_four():
    assert RegisterPerformanceInput.model_validate(_performance()).maxPerCustomer == 4


def test_what_anyone_reads_has_each_grades_remaining_seats_from_the_counts():
    record = {
        "performanceId": "P", "title": "t", "venue": "v", "startsAt": "s", "capacity": 800, "grades": [R, S],
        "maxPerCustomer": 4, "bookedCount": 7, "taken": {"R": 10, "S": 0}, "status": "OPEN", "organizerId": "o",
        "createdAt": "c",
    }  # fmt: skip
    view = service.view(record)
    assert [(g["grade"], g["remaining"]) for g in view["grades"]] == [("R", 290), ("S", 500)]
    assert "taken" not in view
    assert view["bookedCount"] == 7
