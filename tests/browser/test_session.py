"""Signing in and out, the session kept fresh, the language switch and the viewer's time zone."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.steps import open_performance, sign_in


def _cognito_call(request, target: str) -> bool:
    return "/_cognito/" in request.url and request.headers.get("x-amz-target", "").endswith(target)


def test_the_session_is_refreshed_before_it_expires_and_sign_out_ends_it(page, portal_url, customer):
    page.clock.install()  # the page's clock and timers, moved by the test (before the portal loads)
    sign_in(page, portal_url, customer.username, customer.password)

    # 58 minutes on (Cognito's ID tokens last 60): the portal refreshes, with REFRESH_TOKEN_AUTH, before expiry.
    with page.expect_request(lambda r: _cognito_call(r, ".InitiateAuth")) as refreshing:
        page.clock.fast_forward("58:30")
    assert json.loads(refreshing.value.post_data)["AuthFlow"] == "REFRESH_TOKEN_AUTH"
    assert refreshing.value.response().ok
    page.get_by_role("link", name="내 예매").click()
    expect(page.get_by_text("아직 예매가 없습니다.")).to_be_visible()  # the API takes the fresh token

    with page.expect_request(lambda r: _cognito_call(r, ".GlobalSignOut")) as signing_out:
        page.get_by_role("button", name="로그아웃").click()
    assert signing_out.value.response().ok  # the refresh token is revoked everywhere
    expect(page.get_by_role("navigation").get_by_role("link", name="로그인")).to_be_visible()
    page.goto(portal_url + "#/bookings")
    expect(page.get_by_role("heading", level=1)).to_have_text("로그인이 필요합니다")


def test_a_reload_forgets_the_session_but_keeps_the_language(page, portal_url, customer):
    sign_in(page, portal_url, customer.username, customer.password)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="My bookings")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    # Tokens were in memory only: gone. The language choice is all the portal keeps (localStorage).
    expect(page.get_by_role("navigation").get_by_role("link", name="Sign in")).to_be_visible()
    assert page.evaluate("() => Object.keys(localStorage)") == ["boxoffice.lang"]
    page.get_by_role("button", name="한국어").click()
    expect(page.get_by_role("navigation").get_by_role("link", name="로그인")).to_be_visible()


def test_times_are_shown_in_the_viewers_zone_in_korean_then_english(page, browser, portal_url, concert):
    # The concert starts at 19:30 in Seoul (+09:00); this page runs in Seoul's zone.
    open_performance(page, portal_url, concert["performanceId"], concert["title"])
    when = page.locator(".facts dd").first
    expect(when).to_contain_text("오후 7:30")
    expect(when).to_contain_text("GMT+9")
    page.get_by_role("button", name="English").click()
    expect(when).to_contain_text("19:30")

    # Someone in London sees the same start as 10:30 their time.
    london = browser.new_context(viewport=PHONE, locale="ko-KR", timezone_id="Europe/London")
    try:
        other = london.new_page()
        open_performance(other, portal_url, concert["performanceId"], concert["title"])
        expect(other.locator(".facts dd").first).to_contain_text("오전 10:30")
    finally:
        london.close()
