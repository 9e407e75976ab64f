"""The browser tier: the portal in Debian's chromium (apt-get: chromium, fonts-nanum), driven by Playwright, against the
local stack the e2e tier uses (one per session, tests/local_stack.py).

Chromium is launched with `executable_path` (`playwright install` cannot download here) and a host-resolver rule
that answers every name but localhost "not found" without asking DNS: the page may reach only the stack, on 127.0.0.1
(Chromium's own background calls, to Google's update and account services, fail at once instead of waiting on a
resolver). A failing test leaves a screenshot and the page's console in .local/browser-failures/.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from boxoffice_dev.paths import LOCAL, ROOT

pytestmark = pytest.mark.browser

# The stack is asynchronous (events, queues, cold starts of consumers on a loaded machine): what a person would wait a
# few seconds for, the tests wait up to this long for, checking continuously.
EXPECT_TIMEOUT_MS = 15_000
CHROMIUM_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
FAILURES = LOCAL / "browser-failures"
PHONE = {"width": 390, "height": 844}  # a common phone, in CSS pixels
DESKTOP = {"width": 1280, "height": 900}
# What Chromium prints when the page's CSP blocks something: a portal bug (an inline script or style, a new origin).
CSP_VIOLATION = re.compile(r"Content Security Policy|Refused to (load|execute|apply|connect|frame)", re.I)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def playwright_session():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed: apt-get install -y chromium fonts-nanum (see .ci/run)")
    browser = playwright_session.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def portal_url(local_stack) -> str:
    return f"{local_stack.url}/"


class Console:
    """What the page said: console messages and uncaught errors (a CSP violation fails the test)."""

    def __init__(self):
        self.lines: list[str] = []

    def attach(self, page):
        page.on("console", lambda m: self.lines.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.lines.append(f"pageerror: {e}"))

    def violations(self) -> list[str]:
        return [line for line in self.lines if CSP_VIOLATION.search(line)]

    def errors(self) -> list[str]:
        return [line for line in self.lines if line.startswith("pageerror")]


def _open_page(request, browser, viewport: dict, locale: str = "ko-KR"):
    context = browser.new_context(viewport=viewport, locale=locale, timezone_id="Asia/Seoul")
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    page = context.new_page()
    console = Console()
    console.attach(page)
    page.console = console
    yield page
    failed = any(getattr(request.node, f"report_{when}", None) and getattr(request.node, f"report_{when}").failed
                 for when in ("setup", "call"))  # fmt: skip
    if failed:
        FAILURES.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            page.screenshot(path=str(FAILURES / f"{name}.png"), full_page=True)
        except Exception as exc:  # a crashed page cannot be photographed; say so instead
            console.lines.append(f"(no screenshot: {exc})")
        (FAILURES / f"{name}.console.txt").write_text("\n".join(console.lines) + "\n")
    context.close()
    # After the screenshot: a page that broke its CSP or threw fails its test even if every assertion held.
    assert not console.violations(), console.violations()
    assert not console.errors(), console.errors()


@pytest.fixture
def page(request, browser):
    """A phone-sized page (the case the portal is designed for), in Korean, in Seoul's time zone."""
    yield from _open_page(request, browser, PHONE)


@pytest.fixture
def desktop_page(request, browser):
    yield from _open_page(request, browser, DESKTOP)


AXE = ROOT / "portal" / "node_modules" / "axe-core" / "axe.min.js"


def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make portal` installs the portal's npm packages (axe-core among them)")
    return AXE.read_text()


def axe_violations(page) -> list[dict]:
    """axe-core (pinned in portal/package.json) on the page as it is: serious and critical violations of WCAG 2.1
    A/AA and axe's best practices."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through DevTools, not added as a <script>: the page's CSP rightly refuses inline scripts.
        page.evaluate(_axe_source())
    result = page.evaluate(
        "async () => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}, resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


# ---------------------------------------------------------------- people and performances (made through the API)
@pytest.fixture(scope="session")
def organizer(local_stack):
    from boxoffice_dev import demo

    return demo.user(local_stack.endpoint, local_stack.outputs, "browser-organizer@boxoffice.test", [demo.ORGANIZERS])


@pytest.fixture
def customer(local_stack):
    """A fresh customer for each test (the per-customer limit and the booking list are then the test's own)."""
    import uuid

    from boxoffice_dev import demo

    return demo.user(local_stack.endpoint, local_stack.outputs, f"fan-{uuid.uuid4().hex[:10]}@boxoffice.test")


@pytest.fixture(scope="session")
def concert(local_stack, organizer) -> dict:
    """A graded concert on sale, shared by the customer tests (each books as its own customer)."""
    from boxoffice_dev import demo

    body = {
        "title": "조성진 피아노 리사이틀",
        "venue": "롯데콘서트홀",
        "startsAt": demo.starts_in(20),
        "grades": [
            {"grade": "R", "price": 120000, "seats": 60},
            {"grade": "S", "price": 90000, "seats": 80},
        ],
        "maxPerCustomer": 4,
    }
    return {**body, "performanceId": demo.register(local_stack, organizer.token, body)}


@pytest.fixture(scope="session")
def match(local_stack, organizer) -> dict:
    """A match on sale (two teams), shared by the tests that book it."""
    from boxoffice_dev import demo

    body = {
        "title": "KT 위즈 vs SSG 랜더스",
        "venue": "수원 KT 위즈파크",
        "kind": "MATCH",
        "teams": ["KT 위즈", "SSG 랜더스"],
        "startsAt": demo.starts_in(15),
        "grades": [
            {"grade": "TABLE", "price": 60000, "seats": 40},
            {"grade": "OUTFIELD", "price": 15000, "seats": 200},
        ],
        "maxPerCustomer": 4,
    }
    return {**body, "performanceId": demo.register(local_stack, organizer.token, body)}
