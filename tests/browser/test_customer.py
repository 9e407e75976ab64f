"""A customer on a phone: signs up, books and pays, meets a declined card, sees a pending payment settle, cancels and
sees the refund; a retried click books once. Against the local stack, the card going to localstripe's Stripe.js
stand-in and from there, as a PaymentMethod, to Boxoffice."""

from __future__ import annotations

import base64
import json
import uuid

import requests
from playwright.sync_api import expect

from boxoffice_dev.paths import ROOT
from tests.browser.steps import booking_id_from_url, fill_card, open_performance, outcome, pay_button, sign_in
from tests.local_stack import stored_bookings

SCREENSHOTS = ROOT / "docs" / "screenshots"
PAYS, DECLINED, NEEDS_3DS = "4242424242424242", "4000000000000341", "4000002500003155"


def _intents_of(stack, booking_id: str) -> list[dict]:
    return [i for i in stack.payments.payment_intents() if (i.get("metadata") or {}).get("bookingId") == booking_id]


def _stored(stack, performance_id: str, token: str) -> list[dict]:
    """The customer's bookings of a performance as the bookings table holds them (the truth; the status view that
    GET /bookings reads is a moment behind)."""
    payload = token.split(".")[1]
    sub = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]
    return [b for b in stored_bookings(stack, performance_id) if b["customerId"] == sub]


def test_a_customer_signs_up_books_and_pays(page, portal_url, concert, local_stack):
    email, password = f"new-{uuid.uuid4().hex[:10]}@boxoffice.test", f"Pw-{uuid.uuid4().hex[:12]}!"
    page.goto(portal_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("예매 가능한 공연·경기")
    page.get_by_role("link", name="회원가입").click()
    page.get_by_label("이메일").fill(email)
    page.get_by_label("비밀번호", exact=True).fill(password)
    page.get_by_role("button", name="가입하기").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("이메일 인증")
    # No email leaves the local stack: its Cognito (ministack, AUTH off) accepts any confirmation code.
    page.get_by_label("인증 코드").fill("000000")
    page.get_by_role("button", name="인증하고 시작하기").click()
    expect(page.get_by_role("button", name="로그아웃")).to_be_visible()

    # Find it by its title in the list, then book two S seats.
    page.get_by_label("제목 또는 팀 검색").fill("조성진")
    page.get_by_role("link", name=concert["title"]).click()
    expect(page.get_by_role("heading", level=1, name=concert["title"])).to_be_visible()
    page.get_by_role("radio", name="S ₩90,000").check()
    page.get_by_label("매수").select_option("2")
    expect(page.locator(".total")).to_contain_text("₩180,000")
    fill_card(page, PAYS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # the README's picture of a booking, on a phone
    page.screenshot(path=str(SCREENSHOTS / "customer-booking.png"), full_page=True)
    pay_button(page).click()

    expect(outcome(page)).to_have_attribute("data-outcome", "CONFIRMED")
    expect(outcome(page)).to_contain_text("예매가 확정되었습니다")
    expect(page.locator(".facts")).to_contain_text("S석 2매")
    expect(page.locator(".facts")).to_contain_text("₩180,000")

    # The card went to localstripe, and was charged once for the two tickets.
    [intent] = _intents_of(local_stack, booking_id_from_url(page))
    assert (intent["status"], intent["amount"], intent["currency"]) == ("succeeded", 180000, "krw")
    # Tokens live in the page's memory only.
    stored = page.evaluate("() => JSON.stringify([{...localStorage}, {...sessionStorage}, document.cookie])")
    assert "eyJ" not in stored, stored  # no JWT anywhere
    assert page.context.cookies() == []


def test_a_declined_card_says_why_and_another_card_pays(page, portal_url, concert, customer, local_stack):
    sign_in(page, portal_url, customer.username, customer.password)
    open_performance(page, portal_url, concert["performanceId"], concert["title"])
    fill_card(page, DECLINED)
    pay_button(page).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("카드 결제가 거절되었습니다")
    expect(alert).to_contain_text("declined")  # the provider's own reason
    expect(pay_button(page)).to_be_enabled()

    # A card that needs 3-D Secure is refused plainly (the in-browser authentication is not supported yet).
    fill_card(page, NEEDS_3DS)
    pay_button(page).click()
    expect(page.get_by_role("alert")).to_contain_text("3-D Secure")

    # The same form, another card: a new attempt (a new Idempotency-Key), and it pays.
    fill_card(page, PAYS)
    pay_button(page).click()
    expect(outcome(page)).to_have_attribute("data-outcome", "CONFIRMED")
    statuses = sorted(b["status"] for b in _stored(local_stack, concert["performanceId"], customer.token))
    assert statuses == ["CONFIRMED", "PAYMENT_FAILED", "PAYMENT_FAILED"]


def test_a_pending_payment_is_followed_until_it_is_confirmed(page, portal_url, concert, customer, local_stack):
    sign_in(page, portal_url, customer.username, customer.password)
    open_performance(page, portal_url, concert["performanceId"], concert["title"])
    fill_card(page, PAYS)

    # The provider goes away between the card check (the PaymentMethod exists) and the charge.
    def provider_away(route):
        if route.request.method == "POST":
            local_stack.payments.stop()
        route.continue_()

    page.route("**/bookings", provider_away)
    try:
        pay_button(page).click()
        expect(outcome(page)).to_have_attribute("data-outcome", "PAYMENT_PENDING")
        expect(outcome(page)).to_contain_text("결제 확인을 기다리고 있습니다")
        expect(page.locator("[data-countdown]")).to_contain_text("남음")
        page.unroute("**/bookings")
    finally:
        local_stack.payments.start()
    # The retry queue charges the same PaymentIntent once the provider is back; the page sees it without a reload.
    expect(outcome(page)).to_have_attribute("data-outcome", "CONFIRMED", timeout=60_000)
    [intent] = _intents_of(local_stack, booking_id_from_url(page))
    assert intent["status"] == "succeeded"


def test_a_customer_cancels_and_sees_the_refund(page, portal_url, concert, customer, local_stack):
    booked = requests.post(
        f"{local_stack.url}/bookings",
        json={"performanceId": concert["performanceId"], "grade": "R", "quantity": 1, "paymentMethod": "pm_card_visa"},
        headers={"Authorization": f"Bearer {customer.token}"},
        timeout=30,
    )
    assert booked.status_code == 201, booked.text
    booking_id = booked.json()["bookingId"]
    sign_in(page, portal_url, customer.username, customer.password)
    page.get_by_role("link", name="내 예매").click()
    card = page.locator(f"[data-booking='{booking_id}']")  # the status view shows it a moment after the 201
    expect(card).to_contain_text("예매 확정")

    card.get_by_role("button", name="예매 취소").click()
    dialog = page.get_by_role("dialog", name="예매를 취소할까요?")
    expect(dialog).to_contain_text("₩120,000")
    dialog.get_by_role("button", name="예매 취소하기").click()
    expect(dialog).to_be_hidden()
    expect(card.locator("[data-status]")).to_have_attribute("data-status", "CANCELLED")
    # The refund follows through events; the list follows it without a reload.
    expect(card.locator("[data-refund]")).to_have_attribute("data-refund", "REFUNDED", timeout=60_000)
    expect(card).to_contain_text("환불 완료")
    [intent] = _intents_of(local_stack, booking_id)
    refunds = local_stack.payments.refunds(intent["id"])
    assert [r["amount"] for r in refunds] == [120000]


def test_a_retried_click_books_once(page, portal_url, concert, customer, local_stack):
    """The answer to the first press is lost on the way back (the booking was made); the second press sends the same
    Idempotency-Key and PaymentMethod and gets the same booking back."""
    sign_in(page, portal_url, customer.username, customer.password)
    open_performance(page, portal_url, concert["performanceId"], concert["title"])
    fill_card(page, PAYS)
    sent: list[dict] = []

    def lose_the_first_answer(route):
        if route.request.method != "POST":
            route.continue_()
            return
        sent.append({"key": route.request.headers.get("idempotency-key"), "body": route.request.post_data_json})
        if len(sent) == 1:
            route.fetch()  # it reaches the API, which books and charges
            route.abort("connectionreset")  # but the page never hears
        else:
            route.continue_()

    page.route("**/bookings", lose_the_first_answer)
    pay_button(page).click()
    expect(page.get_by_role("alert")).to_contain_text("두 번 결제되지 않습니다")
    pay_button(page).click()
    expect(outcome(page)).to_have_attribute("data-outcome", "CONFIRMED")

    assert len(sent) == 2
    assert sent[0] == sent[1]  # the same key, the same PaymentMethod
    assert sent[0]["key"]
    bookings = _stored(local_stack, concert["performanceId"], customer.token)
    assert [b["bookingId"] for b in bookings] == [booking_id_from_url(page)]
    assert len(_intents_of(local_stack, bookings[0]["bookingId"])) == 1


def test_a_match_ticket_picks_a_team_and_a_stake_and_the_tally_counts_it(page, portal_url, match, customer):
    sign_in(page, portal_url, customer.username, customer.password)
    open_performance(page, portal_url, match["performanceId"], match["title"])
    tally = page.get_by_role("region", name="실시간 응원 현황")
    expect(tally.locator("[data-team='SSG 랜더스']")).to_contain_text("티켓 0매")

    page.get_by_role("radio", name="OUTFIELD ₩15,000").check()
    page.get_by_label("응원금 (원)").fill("5000")
    expect(page.locator(".total")).to_contain_text("₩20,000")  # the ticket and the stake, charged together
    fill_card(page, PAYS)
    pay_button(page).click()
    expect(page.get_by_role("alert")).to_have_text("응원할 팀을 고르세요.")  # nothing sent without a team
    page.get_by_role("radio", name="SSG 랜더스").check()
    pay_button(page).click()

    expect(outcome(page)).to_have_attribute("data-outcome", "CONFIRMED")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("SSG 랜더스")
    expect(facts).to_contain_text("₩5,000")
    expect(facts).to_contain_text("₩20,000")

    # The match page's tally follows the sale (it reads the tally again every few seconds).
    page.get_by_role("link", name="공연 보기").click()
    team = page.get_by_role("region", name="실시간 응원 현황").locator("[data-team='SSG 랜더스']")
    expect(team).to_contain_text("티켓 1매")
    expect(team).to_contain_text("응원금 ₩5,000")
