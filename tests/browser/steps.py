"""What a person does in the portal, as the browser tests do it (by role and label, as a screen reader would)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def sign_in(page: Page, portal_url: str, username: str, password: str) -> None:
    page.goto(portal_url + "#/signin")
    page.get_by_label("이메일 (아이디)").fill(username)
    page.get_by_label("비밀번호", exact=True).fill(password)
    page.get_by_role("button", name="로그인", exact=True).click()
    expect(page.get_by_role("button", name="로그아웃")).to_be_visible()


def open_performance(page: Page, portal_url: str, performance_id: str, title: str) -> None:
    page.goto(f"{portal_url}#/performances/{performance_id}")
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()


def fill_card(page: Page, number: str) -> None:
    """localstripe's Stripe.js stand-in: five plain inputs named by their placeholders (digits only, no spaces)."""
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill(number)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("34")
    card.get_by_placeholder("cvc").fill("123")


def pay_button(page: Page):
    return page.get_by_role("button", name=re.compile("결제하기$"))


def outcome(page: Page):
    """The booking page's outcome box; its data-outcome attribute is the booking's status."""
    return page.locator("[data-outcome]")


def booking_id_from_url(page: Page) -> str:
    match = re.search(r"#/bookings/([0-9A-Z]{26})", page.url)
    assert match, page.url
    return match.group(1)
