"""The interactive docs in a real browser: they render every operation and ask nothing of any other host."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from orderly.api.v1 import api as ninja_api
from tests.bounds import BROWSER_STEP_MS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture
def page(monkeypatch):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing; install it with `apt-get install -y chromium`")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(BROWSER_STEP_MS)
            yield page
        finally:
            browser.close()


def test_the_docs_render_every_operation_from_this_server_alone(page, live_server):
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock")
    page.wait_for_load_state("networkidle")

    operations = sum(len(methods) for methods in ninja_api.get_openapi_schema()["paths"].values())
    assert page.locator(".opblock").count() == operations
    assert page.title() == "Orderly API"
    assert page.get_by_role("button", name="Authorize").count() == 1
    here = urlsplit(live_server.url).netloc
    assert {urlsplit(url).netloc for url in requested if not url.startswith("data:")} == {here}
    assert f"{live_server.url}/api/v1/openapi.json" in requested
