"""Every page of the portal, as a customer and as an organizer, on a phone: axe-core (pinned in portal/package.json)
finds no serious or critical violation, nothing is wider than the screen, and the things people do can be done with
the keyboard alone."""

from __future__ import annotations

import requests
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.browser.steps import fill_card, open_performance, sign_in


def _check(page, where: str, seen: dict) -> None:
    """axe on the page as it is now, and no sideways scrolling on a phone."""
    seen[where] = axe_violations(page)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{where}: the page is {overflow}px wider than the phone"


def _book(stack, token: str, performance_id: str, grade: str) -> str:
    response = requests.post(
        f"{stack.url}/bookings",
        json={"performanceId": performance_id, "grade": grade, "quantity": 1, "paymentMethod": "pm_card_visa"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()["bookingId"]


def test_every_page_passes_axe_on_a_phone(page, portal_url, concert, match, customer, organizer, local_stack):
    seen: dict[str, list] = {}
    booking_id = _book(local_stack, customer.token, concert["performanceId"], "S")

    page.goto(portal_url)
    expect(page.get_by_role("link", name=concert["title"])).to_be_visible()
    _check(page, "list", seen)
    open_performance(page, portal_url, concert["performanceId"], concert["title"])
    _check(page, "performance, signed out", seen)
    page.goto(portal_url + "#/signup")
    expect(page.get_by_role("heading", level=1)).to_have_text("회원가입")
    _check(page, "sign-up", seen)
    page.goto(portal_url + "#/signup?confirm=someone@boxoffice.test")
    expect(page.get_by_role("heading", level=1)).to_have_text("이메일 인증")
    _check(page, "sign-up code", seen)
    page.goto(portal_url + "#/signin")
    page.get_by_label("이메일 (아이디)").fill(customer.username)
    page.get_by_label("비밀번호", exact=True).fill("not the password")
    page.get_by_role("button", name="로그인", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("올바르지 않습니다")
    _check(page, "sign-in, refused", seen)

    sign_in(page, portal_url, customer.username, customer.password)
    open_performance(page, portal_url, concert["performanceId"], concert["title"])
    expect(page.locator("#card-element input").first).to_be_visible()
    fill_card(page, "4000000000000341")
    page.get_by_role("button", name="₩120,000 결제하기").click()
    expect(page.get_by_role("alert")).to_contain_text("거절")
    _check(page, "booking form, card declined", seen)
    open_performance(page, portal_url, match["performanceId"], match["title"])
    expect(page.get_by_role("region", name="실시간 응원 현황").locator("[data-team]").first).to_be_visible()
    _check(page, "match with the tally and the team choice", seen)
    page.goto(f"{portal_url}#/bookings/{booking_id}")
    expect(page.locator("[data-outcome]")).to_have_attribute("data-outcome", "CONFIRMED")
    _check(page, "booking", seen)
    page.get_by_role("link", name="내 예매 전체").click()
    card = page.locator(f"[data-booking='{booking_id}']")
    expect(card).to_be_visible()
    _check(page, "my bookings", seen)
    card.get_by_role("button", name="예매 취소").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    _check(page, "cancel dialog", seen)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.get_by_role("button", name="로그아웃").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("예매 가능한 공연·경기")  # signed out, back at the list

    sign_in(page, portal_url, organizer.username, organizer.password)
    expect(page.get_by_role("link", name=match["title"])).to_be_visible()
    _check(page, "organizer's list", seen)
    page.get_by_role("link", name="새 공연·경기 등록").click()
    page.get_by_role("radio", name="경기").check()
    page.get_by_role("button", name="등록하기").click()  # empty: the API's messages by every field
    expect(page.locator(".field-error").first).to_be_visible()
    _check(page, "registration with the API's messages", seen)
    page.goto(f"{portal_url}#/organizer/performances/{concert['performanceId']}")
    expect(page.locator("[data-figure='sold']")).to_be_visible()
    _check(page, "dashboard", seen)

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("sales")
    _check(page, "dashboard in English", seen)

    found = {where: violations for where, violations in seen.items() if violations}
    assert not found, found
    assert len(seen) == 14


# Chromium's sequential focus navigation starts from the focused element: focusing <body> (made focusable for that
# moment) makes the next Tab start from the top of the document.
TOP_OF_THE_DOCUMENT = "() => { const b = document.body; b.tabIndex = -1; b.focus(); b.removeAttribute('tabindex') }"


def test_sign_in_book_and_cancel_with_the_keyboard_alone(page, portal_url, concert, customer, local_stack):
    booking_id = _book(local_stack, customer.token, concert["performanceId"], "R")
    page.goto(portal_url + "#/signin")
    expect(page.get_by_role("heading", level=1)).to_be_focused()  # a new page announces itself
    page.keyboard.press("Tab")  # from the heading, the next stop is the first field
    expect(page.get_by_label("이메일 (아이디)")).to_be_focused()
    page.keyboard.type(customer.username)
    page.keyboard.press("Tab")
    page.keyboard.type(customer.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="로그아웃")).to_be_visible()

    # The first stop on every page is the skip link, which takes the focus to the page's content.
    page.goto(f"{portal_url}#/bookings")
    # The page has opened once its heading holds the focus (a route change moves it there, a moment after the URL).
    expect(page.get_by_role("heading", level=1, name="내 예매")).to_be_focused()
    # Then from the top of the document, as when tabbing in from the address bar. (Focusing <body> or blurring the
    # heading would not do: Chromium goes on from where the focus was.)
    page.evaluate(TOP_OF_THE_DOCUMENT)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="본문 바로가기")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Grades are radio buttons: the arrow keys move between them.
    open_performance(page, portal_url, concert["performanceId"], concert["title"])
    page.get_by_role("radio", name="R ₩120,000").focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="S ₩90,000")).to_be_checked()

    # The cancel dialog: opened with Enter, focus inside it, Escape closes it and gives the focus back.
    page.goto(f"{portal_url}#/bookings/{booking_id}")
    expect(page.get_by_role("heading", level=1, name=concert["title"])).to_be_focused()  # opened, as above
    cancel = page.get_by_role("button", name="예매 취소")
    cancel.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="예매를 취소할까요?")
    expect(dialog.get_by_role("button", name="예매 취소하기")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(cancel).to_be_focused()
    # And for real: Enter, then Enter on the focused confirmation.
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("button", name="예매 취소하기")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("[data-outcome]")).to_have_attribute("data-outcome", "CANCELLED")
