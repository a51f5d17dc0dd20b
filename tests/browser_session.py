"""The one headless Chromium of a test run, shared by every browser test module.

Playwright's sync API runs one loop per thread: a second session-wide browser (one per
module) would fail to start, so the fixture lives here and conftest imports it.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from dispatcher.extensions import db

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
PASSWORD = "demo-password"


def expect(*args, **kwargs):
    """Playwright's expect, imported only when a browser test runs."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app, office) -> Iterator[str]:
    """The test app served on a free port, with CSRF protection on as in production (the
    browser posts the real forms); yields its base URL."""
    app.config["WTF_CSRF_ENABLED"] = True
    # End the test thread's transaction before the server's threads want the database.
    db.session.rollback()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()  # waits for the request threads still running
    thread.join(10)
    db.session.rollback()


@pytest.fixture
def context(browser, live_server):
    """A fresh browser profile (no cookies) pointed at the live server, desktop-sized."""
    ctx = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def tab(context):
    return context.new_page()


def screenshot(tab, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(tab, username: str, lands_on: str) -> None:
    tab.goto("/sign-in")
    tab.get_by_label("User name").fill(username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab).to_have_url(re.compile(re.escape(lands_on) + "$"))
    # The URL changes before app.js has run: on a busy machine, typing at once went
    # unheard by the listeners it attaches.
    tab.wait_for_load_state("load")
