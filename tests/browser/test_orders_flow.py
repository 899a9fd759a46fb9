"""A person's day with orders, in Chromium: log in, enter an order, find it, open it, archive it."""

import re

import pytest
from playwright.sync_api import expect

from orderly.core.actors import Actor
from orderly.orders.services import order_set_stage
from tests.factories import UserFactory, VariantFactory, address, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    # The live server starts before the test's settings point whitenoise at a static folder that exists.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def _existing_orders():
    """A few orders already in the system, so the overview looks like a working day."""
    beans = VariantFactory(sku="HOUSE-1000", name="House blend 1 kg", price="24.00")
    make_order(customer={"name": "Jonas Becker", "email": "jonas@example.de", "type": "retail"})
    make_order(
        customer={"name": "Café Noord", "email": "inkoop@cafenoord.nl", "type": "wholesale"},
        items=[{"sku": beans.sku, "quantity": 12}],
        external_ref="WEB-1042",
    )
    make_order(status="draft", customer={"name": "Lena Fischer", "email": "lena@example.com", "type": "retail"})
    make_order(
        items=[{"sku": "OLD-SKU-9", "quantity": 1, "unit_price": "12.00"}],
        customer={"name": "Pieter Jansen", "email": "pieter@example.nl", "type": "retail"},
        strict=False,
    )
    busy = make_order(customer={"name": "Sofia Rossi", "email": "sofia@example.it", "type": "retail"})
    order_set_stage(order=busy, stage="in_progress", actor=Actor.system())


@pytest.fixture
def working_day(transactional_db):
    """The data, written before the browser starts: once Playwright runs its event loop in this thread, Django
    would hand the test a separate database connection that nothing closes."""
    UserFactory(username="olga", first_name="Olga", last_name="Visser", role="operator")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50", tax_rate="9.00")
    _existing_orders()


def test_create_find_open_archive(working_day, live_server, page, screenshot_dir):
    # Every page needs a login; the overview sends us to it and back.
    page.goto(f"{live_server.url}/orders/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/orders/"))
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()

    # Enter a manual order.
    page.get_by_role("link", name="New manual order").click()
    page.locator("#f-customer-name").fill("Margot de Wit")
    page.locator("#f-customer-email").fill("margot@example.nl")
    shipping = address(name="Margot de Wit", line1="Oudegracht 100", postal_code="3511 AX", city="Utrecht")
    for field in ("name", "line1", "postal_code", "city", "country", "phone"):
        page.locator(f"#f-shipping-address-{field.replace('_', '-')}").fill(shipping[field])
    page.locator("#f-items-0-sku").fill("ESP-250")
    page.locator("#f-items-0-quantity").fill("3")
    page.get_by_role("button", name="Add item row").click()
    expect(page.locator("#f-items-5-sku")).to_be_focused()
    page.get_by_role("button", name="Create order").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"Order OR-\d{6}"))
    number = re.search(r"OR-\d{6}", heading.inner_text())[0]
    expect(page.locator(".toasts")).to_contain_text(f"Order {number} created.")

    # Find it in the overview by the customer's name; htmx swaps the results as we type.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    expect(page.locator("table.orders tbody tr")).to_have_count(6)
    page.screenshot(path=str(screenshot_dir / "overview.png"), full_page=True)
    page.get_by_role("searchbox", name="Search").fill("margot")
    expect(page.locator("table.orders tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=margot"))
    row = page.locator("table.orders tbody tr").first
    expect(row).to_contain_text("Margot de Wit")
    expect(row).to_contain_text("Manually entered")
    expect(row).to_contain_text("27.80 EUR")
    expect(row.locator(".badge")).to_have_text("New")

    # Open it and archive it.
    row.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(page.locator(".items")).to_contain_text("Espresso blend 250 g")
    page.screenshot(path=str(screenshot_dir / "order.png"), full_page=True)
    page.get_by_role("group", name="Actions").get_by_role("button", name="Archive").click()
    expect(page.locator(".toasts")).to_contain_text(f"Order {number} archived.")
    expect(page.get_by_role("heading", level=1).locator(".badge")).to_have_text("Archived")

    # The archive is on the timeline, newest first, with who did it.
    newest = page.locator("ol.timeline > li").first
    expect(newest).to_contain_text("Order archived.")
    expect(newest).to_contain_text("olga")

    # It has left the default overview, and is found again with the archived filter.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    expect(page.locator("table.orders tbody tr")).to_have_count(5)
    expect(page.locator("table.orders")).not_to_contain_text("Margot de Wit")
    page.get_by_role("searchbox", name="Search").fill("margot")
    expect(page.locator("#results")).to_contain_text("No orders match.")
    page.get_by_label("Archived", exact=True).select_option("only")
    expect(page.locator("table.orders tbody tr")).to_have_count(1)
    expect(page.locator("table.orders tbody tr").first.locator(".badge")).to_have_text("Archived")
