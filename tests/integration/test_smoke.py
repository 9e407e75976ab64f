from tests.api_events import CUSTOMER
from tests.helpers import book, booked_count, register
from tests.stack import call_api


def test_register_book_settle(stack):
    perf = register(stack, capacity=10)
    status, booking = book(stack, perf["performanceId"], 3)
    assert status == 201, booking
    stack.settle()
    assert booked_count(stack, perf["performanceId"]) == 3
    status, mine = call_api(stack, "GET", "/bookings", claims=CUSTOMER)
    assert status == 200, mine
    assert [b["bookingId"] for b in mine["items"]] == [booking["bookingId"]]
    assert mine["items"][0]["title"] == "Beethoven 9"
