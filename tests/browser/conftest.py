"""Chromium for the browser tests, driven by Playwright: headless, unless ORDERLY_BROWSER_HEADED=1.

Each pytest-xdist worker has its own live server (pytest-django's `live_server`, on a free port of its own, with its
own test database) and its own Chromium, so the browser tests run in parallel like the rest of the suite.

    ORDERLY_BROWSER_HEADED=1   show the browser window (needs a display: DISPLAY or WAYLAND_DISPLAY; run one test
                               at a time, e.g. `python3 dev.py test tests/browser/test_orders_flow.py -n 0`)
    ORDERLY_BROWSER_SLOWMO=250 wait that many milliseconds after each browser action, to follow along
    ORDERLY_SCREENSHOTS=DIR    where the tests save their screenshots (default /tmp/orderly-screenshots)
"""

import os
from pathlib import Path

import pytest

from tests.bounds import BROWSER_STEP_MS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# How long one browser step (a click, a page load, an `expect`) may take before the test fails. Playwright polls
# until the step succeeds, so a passing test never waits this long; the bound is generous so that a machine busy
# with parallel test workers makes the tests slower, not red.
STEP_TIMEOUT_MS = BROWSER_STEP_MS


def _headed() -> bool:
    return os.environ.get("ORDERLY_BROWSER_HEADED", "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium driven by Playwright's sync API (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing; install it with `apt-get install -y chromium`")
    headed = _headed()
    if headed and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        pytest.fail("ORDERLY_BROWSER_HEADED=1 needs a display (DISPLAY or WAYLAND_DISPLAY is not set)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS if headed else ["--headless", *CHROMIUM_ARGS],
            headless=not headed,
            slow_mo=float(os.environ.get("ORDERLY_BROWSER_SLOWMO") or 0),
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(STEP_TIMEOUT_MS)
    context.set_default_navigation_timeout(STEP_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    """One folder for every run and worker: each test names its own screenshots, so workers never write the same
    file."""
    path = Path(os.environ.get("ORDERLY_SCREENSHOTS", "/tmp/orderly-screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path
