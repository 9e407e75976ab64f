"""Reads from the status view: a customer's bookings, and an organizer's view of a performance's bookings."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from boxoffice.api import ID, TOKEN, api_handler, identity, make_app, organizer, responses
from boxoffice.models import BookingPage, BookingView, PerformanceBookingsPage
from boxoffice.statusview import service
from boxoffice.statusview.records import ViewStatus

router = APIGatewayRouter()


@router.get("/bookings", summary="My bookings, newest first", responses=responses(200, BookingPage, 401))
def my_bookings(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    nextToken: Annotated[str | None, Query(max_length=TOKEN)] = None,
) -> BookingPage:
    return BookingPage.model_validate(service.customer_bookings(identity(router).user_id, limit, nextToken))


@router.get("/bookings/<bookingId>", summary="One of my bookings", responses=responses(200, BookingView, 401, 404))
def my_booking(bookingId: Annotated[str, Path(pattern=ID)]) -> BookingView:
    return BookingView.model_validate(service.customer_booking(identity(router).user_id, bookingId))


@router.get(
    "/performances/<performanceId>/bookings",
    summary="A performance's bookings and summary, for its organizer",
    responses=responses(200, PerformanceBookingsPage, 401, 403, 404),
)
def performance_bookings(
    performanceId: Annotated[str, Path(pattern=ID)],
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    nextToken: Annotated[str | None, Query(max_length=TOKEN)] = None,
    status: Annotated[ViewStatus | None, Query(description="only the bookings in this status")] = None,
    team: Annotated[
        str | None, Query(min_length=1, max_length=60, description="only a match's bookings of this team")
    ] = None,
) -> PerformanceBookingsPage:
    who = organizer(router)
    page = service.performance_bookings(who.user_id, performanceId, limit, nextToken, status=status, team=team)
    return PerformanceBookingsPage.model_validate(page)


app = make_app(router)
lambda_handler = api_handler(app)
