"""A real browser (the distribution's headless Chromium, driven by Playwright) on a real dos serve.

Needs ``apt-get install chromium`` and the ``playwright`` Python package (the test extra); a
missing one fails with that fix, never skips. Playwright downloads nothing: it is pointed at
the system browser.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.web.kit import TOKEN

CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
LIVE_WITHIN_MS = 2000  # the bar: a new lease shows on the open page within 2 s, without a reload
XSS = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


def chromium_path() -> str:
    for path in CANDIDATES:
        if Path(path).is_file():
            return path
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("headless Chromium is not installed: apt-get install chromium")
    return found


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    # The XSS probe turns the page's Content-Security-Policy off, so escaping alone must keep it inert.
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp="xss" in request.node.name)
    pg = ctx.new_page()
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    yield pg
    ctx.close()


def lanes_text(page) -> str:
    return page.inner_text("table.lanes")


def test_dashboard_shows_lanes_and_holders_and_a_new_lease_arrives_live(fleet_ws, run_dos, serve, page,
                                                                        tmp_path) -> None:
    ws = fleet_ws.path
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "alice", cwd=ws).returncode == 0
    s = serve()
    page.goto(s.url)
    page.wait_for_selector("#live.on")
    text = lanes_text(page)
    for lane in ("api", "docs", "src", "global"):
        assert lane in text
    assert "alice" in page.inner_text('.map .card[data-lane="api"]')
    assert "bob" not in text
    page.evaluate("window.__same_document = true")
    assert run_dos("lease-lane", "acquire", "--lane", "docs", "--owner", "bob", cwd=ws).returncode == 0
    page.locator("table.lanes", has_text="bob").wait_for(timeout=LIVE_WITHIN_MS)
    assert page.evaluate("window.__same_document") is True, "the page updated in place, not by a reload"
    assert "bob" in page.inner_text('.map .card[data-lane="docs"]')
    shot = tmp_path / "fleet.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    assert page.errors == []


def test_xss_what_agents_wrote_renders_inert(fleet_ws, run_dos, serve, page) -> None:
    ws = fleet_ws.path
    fleet_ws.commit("subject " + XSS)
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "eve" + XSS, cwd=ws).returncode == 0
    assert run_dos("halt", "--handle", "66", "--lane", "api", "--reason", "reason " + XSS, cwd=ws).returncode == 0
    s = serve()
    for path in ("", "decisions", "run?lease_id=" , "journal"):
        if path == "run?lease_id=":
            import httpx

            lease_id = httpx.get(s.url + "api/top").json()["lanes"][0]["lease_id"]
            path = f"run?lease_id={lease_id}"
        page.goto(s.url + path)
        page.wait_for_selector("#live.on")
        page.wait_for_timeout(300)  # let the live update swap the fragment in once
        assert page.evaluate("window.__xss") is None, path
        assert page.locator("main img").count() == 0 and page.locator("main script").count() == 0, path
    page.goto(s.url)
    page.wait_for_selector("#live.on")
    assert ("eve" + XSS) in page.inner_text("table.lanes"), "the holder's name is shown as text"
    assert XSS in page.inner_text("main"), "the commit subject is shown as text"
    page.goto(s.url + "decisions")
    page.wait_for_selector("#live.on")
    assert ("reason " + XSS) in page.inner_text("table.decisions")
    assert page.evaluate("window.__xss") is None


def test_operation_buttons_post_with_the_pages_csrf_token(fleet_ws, run_dos, serve, page) -> None:
    ws = fleet_ws.path
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "alice", cwd=ws).returncode == 0
    s = serve("--token", TOKEN, "--allow-ops")
    page.goto(s.url + f"?token={TOKEN}")
    page.wait_for_selector("#live.on")
    assert "token" not in page.url
    page.on("dialog", lambda d: d.accept())
    page.click('button.op[data-op="halt"]')
    page.locator("#opstatus", has_text="done: halt").wait_for(timeout=10_000)
    page.goto(s.url + "decisions")
    page.wait_for_selector("#live.on")
    assert "LIVENESS" in page.inner_text("table.decisions")
