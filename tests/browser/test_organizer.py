"""An organizer at a desk: registers a performance (the API's validation messages next to the fields), sees the
dashboard count a sale, filters the bookings, and cancels the performance behind a typed confirmation."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import requests
from playwright.sync_api import expect

from boxoffice_dev.paths import ROOT
from tests.browser.steps import sign_in

SCREENSHOTS = ROOT / "docs" / "screenshots"


def _local(moment: datetime) -> str:
    """An <input type=datetime-local> value (the browser runs in Seoul's zone; so does this arithmetic's result)."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def _book(stack, token: str, performance_id: str, grade: str, quantity: int) -> dict:
    response = requests.post(
        f"{stack.url}/bookings",
        json={"performanceId": performance_id, "grade": grade, "quantity": quantity, "paymentMethod": "pm_card_visa"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _grade(page, n: int, name: str, price: int, seats: int) -> None:
    """Grade n's fields, each named within its group ("1번 등급": 이름, 가격, 좌석 수)."""
    group = page.get_by_role("group", name=f"{n}번 등급", exact=True)
    group.get_by_label("이름").fill(name)
    group.get_by_label("가격 (원)").fill(str(price))
    group.get_by_label("좌석 수").fill(str(seats))


def _register_match(page, title: str) -> str:
    """Fill the registration form for a match (two teams, two grades) the way people get it wrong: first a start in the
    past (the API's message appears by that field and the focus moves there), then one team named twice (by the
    teams); then right, and the dashboard opens. The match's id."""
    page.get_by_role("link", name="새 공연·경기 등록").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("공연·경기 등록")
    page.get_by_role("radio", name="경기").check()
    page.get_by_label("제목").fill(title)
    page.get_by_label("장소").fill("잠실야구장")
    page.get_by_label(re.compile("^시작 일시")).fill(_local(datetime.now() - timedelta(days=1)))
    page.get_by_label("1번 팀", exact=True).fill("두산 베어스")
    page.get_by_label("2번 팀", exact=True).fill("두산 베어스")
    _grade(page, 1, "VIP", 110000, 20)
    page.get_by_role("button", name="등급 추가").click()
    _grade(page, 2, "R", 70000, 40)
    page.get_by_label("1인 한도 (매)").fill("6")
    page.get_by_role("button", name="등록하기").click()

    starts = page.get_by_label(re.compile("^시작 일시"))
    expect(starts).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#startsAt-error")).to_contain_text("startsAt must be in the future")  # the API's own words
    expect(starts).to_be_focused()

    starts.fill(_local(datetime.now() + timedelta(days=60)))
    page.get_by_role("button", name="등록하기").click()
    expect(page.locator("#teams-error")).to_contain_text("each team must be named once")
    expect(starts).not_to_have_attribute("aria-invalid", "true")

    page.get_by_label("2번 팀", exact=True).fill("LG 트윈스")
    page.get_by_role("button", name="등록하기").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{title} 현황")
    match = re.search(r"#/organizer/performances/([0-9A-Z]{26})", page.url)
    assert match, page.url
    return match.group(1)


def test_an_organizer_registers_a_match_and_the_dashboard_counts_a_sale(
    desktop_page, portal_url, organizer, local_stack
):
    page = desktop_page
    title = f"두산 베어스 vs LG 트윈스 {uuid.uuid4().hex[:4]}"
    sign_in(page, portal_url, organizer.username, organizer.password)
    expect(page.get_by_role("heading", level=1)).to_have_text("주최자 화면")
    match_id = _register_match(page, title)
    expect(page.locator("[data-figure='sold']")).to_have_text("0")
    expect(page.locator(".badge.kind-match")).to_have_text("경기")

    # A fan buys three VIP seats for LG with a 10,000 KRW stake (through the API: this test watches the organizer).
    from boxoffice_dev import demo

    fan = demo.user(local_stack.endpoint, local_stack.outputs, f"fan-{uuid.uuid4().hex[:8]}@boxoffice.test")
    body = {"performanceId": match_id, "grade": "VIP", "quantity": 3, "team": "LG 트윈스", "stake": 10000,
            "paymentMethod": "pm_card_visa"}  # fmt: skip
    local_stack.wait_for(
        lambda: (
            requests.post(
                f"{local_stack.url}/bookings", json=body, headers={"Authorization": f"Bearer {fan.token}"}, timeout=30
            ).status_code
            == 201
        ),
        timeout=60,
        what="the new match opening for booking",
    )
    # The dashboard reads itself again every few seconds: the sale shows up without a reload.
    expect(page.locator("[data-figure='sold']")).to_have_text("3")
    expect(page.locator("[data-figure='revenue']")).to_have_text("₩340,000")  # the tickets and the stake
    expect(page.locator("[data-figure='stakes']")).to_have_text("₩10,000")
    expect(page.locator("[data-figure='headcount']")).to_have_text("3")
    expect(page.locator("tr[data-grade='VIP']")).to_contain_text("₩330,000")
    expect(page.locator("tr[data-team='LG 트윈스']")).to_contain_text("₩10,000")
    expect(page.get_by_role("img", name="누적 판매 티켓")).to_be_visible()
    rows = page.locator("table.booking-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("LG 트윈스")
    expect(rows.first).to_contain_text("예매 확정")
    page.screenshot(path=str(SCREENSHOTS / "organizer-dashboard.png"), full_page=True)

    # The list's filters are the API's: by team, by status.
    page.get_by_label("팀", exact=True).select_option("두산 베어스")
    expect(page.get_by_text("조건에 맞는 예매가 없습니다.")).to_be_visible()
    page.get_by_label("팀", exact=True).select_option("LG 트윈스")
    expect(rows).to_have_count(1)
    page.get_by_label("상태").select_option("CANCELLED")
    expect(page.get_by_text("조건에 맞는 예매가 없습니다.")).to_be_visible()
    page.get_by_label("상태").select_option("")
    expect(rows).to_have_count(1)


def test_cancelling_a_performance_takes_its_typed_title(desktop_page, portal_url, organizer, customer, local_stack):
    from boxoffice_dev import demo

    page = desktop_page
    title = f"취소될 공연 {uuid.uuid4().hex[:4]}"
    body = {"title": title, "venue": "소극장", "startsAt": demo.starts_in(40), "maxPerCustomer": 4,
            "grades": [{"grade": "A", "price": 30000, "seats": 10}]}  # fmt: skip
    performance_id = demo.register(local_stack, organizer.token, body)
    booking = _book(local_stack, customer.token, performance_id, "A", 2)

    sign_in(page, portal_url, organizer.username, organizer.password)
    page.goto(f"{portal_url}#/organizer/performances/{performance_id}")
    zone = page.get_by_role("region", name="공연 취소")
    button = zone.get_by_role("button", name="공연 취소하기")
    expect(button).to_be_disabled()
    zone.get_by_role("textbox").fill(title[:-1])  # not quite the title
    expect(button).to_be_disabled()
    zone.get_by_role("textbox").fill(title)
    button.click()
    expect(page.locator(".badge.cancelled")).to_have_text("취소됨")
    expect(zone).to_be_hidden()

    # Every booking follows, with its refund (the cancellation reaches them through events).
    def refunded():
        response = requests.get(
            f"{local_stack.url}/bookings/{booking['bookingId']}",
            headers={"Authorization": f"Bearer {customer.token}"},
            timeout=30,
        )
        seen = response.json()
        return seen["status"] == "CANCELLED" and (seen.get("refund") or {}).get("status") == "REFUNDED"

    local_stack.wait_for(refunded, timeout=60, what="the booking cancelled and refunded")
