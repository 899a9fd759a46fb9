"""The order form's errors and the overview's actions menu, as a person meets them in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory, VariantFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def shop(transactional_db):
    """Written before the browser starts (see test_orders_flow.working_day)."""
    UserFactory(username="olga", role="operator")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50")
    make_order(customer={"name": "Jonas Becker", "email": "jonas@example.de", "type": "retail"})


def _log_in(page, live_server, path="/orders/"):
    page.goto(f"{live_server.url}/login/?next={path}")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()


def test_form_error_is_shown_next_to_the_row_and_keeps_what_was_typed(shop, live_server, page, screenshot_dir):
    _log_in(page, live_server, "/orders/new/")
    page.locator("#f-customer-name").fill("Margot de Wit")
    for field, value in (("name", "Margot de Wit"), ("line1", "Oudegracht 100"), ("postal-code", "3511 AX")):
        page.locator(f"#f-shipping-address-{field}").fill(value)
    page.locator("#f-shipping-address-city").fill("Utrecht")
    page.locator("#f-shipping-address-country").fill("NL")
    expect(page.locator("#billing-fields")).to_be_hidden()
    page.locator("#f-items-0-sku").fill("ESP-250")
    page.locator("#f-items-0-quantity").fill("2")
    page.locator("#f-items-1-sku").fill("ESP-250")
    page.locator("#f-items-1-quantity").fill("0")
    page.get_by_role("button", name="Create order").click()

    expect(page.locator("#f-items-1-quantity-error")).to_have_text("Quantity must be greater than zero.")
    expect(page.locator("#form-errors")).to_contain_text("Nothing was saved. Item row 2: Quantity must be greater")
    expect(page.locator("#form-errors")).to_be_focused()
    page.locator("#form-errors a").click()
    expect(page.locator("#f-items-1-quantity")).to_be_focused()
    expect(page.locator("#f-items-1-quantity")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-customer-name")).to_have_value("Margot de Wit")
    expect(page.locator("#f-items-0-quantity")).to_have_value("2")
    page.screenshot(path=str(screenshot_dir / "order-form-error.png"), full_page=True)

    page.locator("#f-billing-same").uncheck()
    expect(page.locator("#billing-fields")).to_be_visible()

    # Nothing was written: the overview still holds only the order that was there.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    expect(page.locator("table.orders tbody tr")).to_have_count(1)
    expect(page.locator("table.orders")).not_to_contain_text("Margot de Wit")


def test_actions_menu_cancels_after_confirming(shop, live_server, page, screenshot_dir):
    _log_in(page, live_server)
    row = page.locator("table.orders tbody tr").first
    row.get_by_text("Actions").click()
    menu = row.locator("details.menu ul")
    expect(menu).to_be_visible()
    expect(menu.locator("li")).to_have_text(["View", "Fulfill order", "Edit", "Reset", "Archive", "Cancel", "Delete…"])
    page.screenshot(path=str(screenshot_dir / "overview-menu.png"))

    page.once("dialog", lambda dialog: dialog.dismiss())
    menu.get_by_role("button", name="Cancel").click()
    expect(row.locator(".badge")).to_have_text("New")

    page.once("dialog", lambda dialog: dialog.accept())
    expect(menu).to_be_visible()
    menu.get_by_role("button", name="Cancel").click()
    expect(page.locator(".toasts")).to_contain_text("Order OR-000001 canceled.")
    expect(page).to_have_url(re.compile(r"/orders/$"))
    expect(page.locator("table.orders tbody tr").first.locator(".badge")).to_have_text("Canceled")
