"""A failing browser test leaves its evidence: a screenshot of the page and what the page said."""

from __future__ import annotations

from types import SimpleNamespace

from tests.browser import conftest


def test_a_failing_test_leaves_a_screenshot_and_the_console(browser, tmp_path, monkeypatch):
    monkeypatch.setattr(conftest, "FAILURES", tmp_path)
    failed = SimpleNamespace(failed=True)
    request = SimpleNamespace(node=SimpleNamespace(nodeid="tests/browser/test_x.py::test_y", report_call=failed))
    opened = conftest._open_page(request, browser, conftest.PHONE)
    page = next(opened)
    page.set_content("<main><h1>probe</h1></main>")
    page.evaluate("console.log('said by the page')")
    next(opened, None)  # the fixture's teardown, as pytest runs it after a failed call

    name = "tests_browser_test_x.py_test_y"
    shot = tmp_path / f"{name}.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "log: said by the page" in (tmp_path / f"{name}.console.txt").read_text()
