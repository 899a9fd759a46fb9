"""The pages keep their Content-Security-Policy in Chromium: no page, the admin and the API docs included, does
anything the policy refuses (an inline script or style, an eval, a resource from elsewhere), and they still work."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory, VariantFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PAGES = [
    "/orders/",
    "/orders/OR-000001/",
    "/orders/new/",
    "/products/",
    "/inventory/",
    "/plans/",
    "/invoices/",
    "/channels/",
    "/settings/tokens/",
    "/settings/password/",
    "/admin/",
    "/admin/core/user/",
    "/admin/core/user/add/",
    "/api/v1/docs",
]


@pytest.fixture
def shop(transactional_db):
    """Written before the browser starts (see test_orders_flow.working_day)."""
    UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50")
    make_order(customer={"name": "Jonas Becker", "email": "jonas@example.de", "type": "retail"})
    make_order(customer={"name": "Lena Fischer", "email": "lena@example.com", "type": "retail"})


def _watch(page) -> list[str]:
    """Every complaint the page writes to the console (a refused inline script, style or eval is one) and every
    script error. The admin's pages name no icon, so Chromium asks for /favicon.ico, which is not there: not ours."""

    def on_console(message):
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            complaints.append(f"{page.url}: {message.text}")

    complaints = []
    page.on("console", on_console)
    page.on("pageerror", lambda error: complaints.append(f"{page.url}: {error}"))
    return complaints


def test_no_page_breaks_the_policy(shop, live_server, page):
    complaints = _watch(page)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()

    for path in PAGES:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
        if path == "/api/v1/docs":
            page.wait_for_selector(".opblock")

    assert complaints == []


def test_htmx_and_our_scripts_still_work_under_the_policy(shop, live_server, page):
    complaints = _watch(page)
    page.goto(f"{live_server.url}/login/?next=/orders/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()

    # htmx: typing in the search swaps the results in place; the page itself is not loaded again.
    expect(page.locator("table.orders tbody tr")).to_have_count(2)
    page.evaluate("window.stillThisPage = true")
    page.get_by_role("searchbox", name="Search").fill("Jonas")
    expect(page.locator("table.orders tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=Jonas"))
    assert page.evaluate("window.stillThisPage") is True
    # Our own script: the order form hides the billing address while "same as shipping" is ticked.
    page.goto(f"{live_server.url}/orders/new/")
    expect(page.locator("#billing-fields")).to_be_hidden()
    page.locator("#f-billing-same").uncheck()
    expect(page.locator("#billing-fields")).to_be_visible()

    assert complaints == []
