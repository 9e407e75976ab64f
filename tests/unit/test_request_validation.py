"""What a request must be before the domain sees it: the HTTP models' rules, one by one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from boxoffice.models import BookTicketInput, RegisterPerformanceInput

ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"


def _at(days: float, offset: str = "+09:00") -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S") + offset


def _performance(**overrides) -> dict:
    return {"title": "베토벤 교향곡 9번", "venue": "콘서트홀", "startsAt": _at(30), "capacity": 100, **overrides}


def _error(model, body: dict) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return str(caught.value)


def test_a_korean_performance_is_accepted_as_given():
    request = RegisterPerformanceInput.model_validate(_performance())
    assert request.title == "베토벤 교향곡 9번"
    assert request.capacity == 100


def test_titles_are_trimmed():
    assert RegisterPerformanceInput.model_validate(_performance(title="  Mahler 2  ")).title == "Mahler 2"


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("title", "", "at least 1 character"),
        ("title", "   ", "at least 1 character"),
        ("title", "가" * 201, "at most 200 characters"),
        ("title", "Night\x00Show", "control characters"),
        ("title", "tab\tand\nnewline", "control characters"),
        ("venue", "Hall\x1b[31m", "control characters"),
        ("venue", "x\x85y", "control characters"),
        ("title", 42, "valid string"),
        ("capacity", 0, "greater than or equal to 1"),
        ("capacity", 100_001, "less than or equal to 100000"),
        ("capacity", "100", "valid integer"),
        ("capacity", 10.0, "valid integer"),
        ("capacity", True, "valid integer"),
    ],
)
def test_a_field_out_of_its_rule_is_refused(field, value, why):
    assert why in _error(RegisterPerformanceInput, _performance(**{field: value}))


@pytest.mark.parametrize(
    ("starts_at", "why"),
    [
        ("2030-12-24T19:30:00", "must carry a UTC offset"),
        ("next friday", "must be an ISO 8601 date-time"),
        (_at(-1), "must be in the future"),
        (_at(3660), "within ten years"),
        ("9999-12-31T23:59:59-23:59", "out of range"),
    ],
)
def test_a_start_that_is_not_a_future_moment_with_an_offset_is_refused(starts_at, why):
    assert why in _error(RegisterPerformanceInput, _performance(startsAt=starts_at))


def test_unknown_fields_are_refused_not_dropped():
    assert "Extra inputs are not permitted" in _error(RegisterPerformanceInput, _performance(bookedCount=0))


def test_unicode_format_characters_are_not_controls():
    title = "🎻 e\u0301 \u202eRTL"
    assert RegisterPerformanceInput.model_validate(_performance(title=title)).title == title


@pytest.mark.parametrize("quantity", [1, 10])
def test_a_booking_takes_one_to_ten_tickets(quantity):
    assert BookTicketInput.model_validate({"performanceId": ULID, "quantity": quantity}).quantity == quantity


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"performanceId": ULID, "quantity": 0}, "greater than or equal to 1"),
        ({"performanceId": ULID, "quantity": 11}, "less than or equal to 10"),
        ({"performanceId": ULID, "quantity": "2"}, "valid integer"),
        ({"performanceId": ULID.lower(), "quantity": 1}, "should match pattern"),
        ({"performanceId": "01ARZ3NDEKTSV4RRFFQ69G5FAI", "quantity": 1}, "should match pattern"),  # I is not Crockford
        ({"quantity": 1}, "Field required"),
        ({"performanceId": ULID, "quantity": 1, "customerId": "someone-else"}, "Extra inputs are not permitted"),
    ],
)
def test_a_booking_request_out_of_its_rules_is_refused(body, why):
    assert why in _error(BookTicketInput, body)
