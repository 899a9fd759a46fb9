"""Forms tell every problem at once, each at its field, and keep what was typed (Chromium)."""

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from orderly.core.actors import Actor
from orderly.inventory.services import stock_receive
from orderly.shipping.models import Fulfillment
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
    beans = VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50")
    stock_receive(kind="packaged", sku=beans.sku, quantity=10, lot_date="2026-11-01", actor=Actor.system())
    order = make_order(
        customer={"name": "Margot de Wit", "email": "margot@example.nl", "type": "retail"},
        items=[{"sku": beans.sku, "quantity": 3}, {"sku": beans.sku, "quantity": 1}],
    )
    return {"number": order.number}


def _log_in(page, live_server, path):
    page.goto(f"{live_server.url}/login/?next={quote(path)}")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()


def test_manual_fulfillment_shows_every_error_at_once(shop, live_server, page, screenshot_dir):
    _log_in(page, live_server, f"/orders/{shop['number']}/fulfill/")
    page.locator("#f-items-0-quantity").fill("9")
    page.locator("#f-shipping-address-line1").fill("")
    page.locator("#f-shipping-address-city").fill("")
    page.locator("#f-carrier").fill("PostNL")
    page.get_by_role("button", name="Fulfill items").click()

    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nothing was saved. 3 things to correct:")
    expect(summary.locator("li")).to_have_count(3)
    expect(page.locator("#f-items-0-quantity-error")).to_contain_text("9 of ESP-250 asked, but only 3 of 3 are open")
    expect(page.locator("#f-shipping-address-line1-error")).to_have_text("Address line 1 is required.")
    expect(page.locator("#f-shipping-address-city-error")).to_have_text("City is required.")
    expect(page.locator("#f-items-0-quantity")).to_have_value("9")
    expect(page.locator("#f-carrier")).to_have_value("PostNL")
    page.screenshot(path=str(screenshot_dir / "fulfill-every-error.png"), full_page=True)

    summary.locator("li a").nth(2).click()
    expect(page.locator("#f-shipping-address-city")).to_be_focused()
    assert Fulfillment.objects.count() == 0


def test_a_mistyped_order_number_is_an_error_that_can_be_removed(shop, live_server, page):
    _log_in(page, live_server, f"/plans/new/?orders={shop['number']}")
    expect(page.locator("table.plan-orders tbody tr")).to_have_count(1)
    page.get_by_label("Add order (OR number)").fill("OR-99999")
    page.get_by_role("button", name="+ Add order").click()

    error = "No order is numbered OR-99999: correct the number, or remove it."
    expect(page.locator("#f-add-error")).to_have_text(error)
    expect(page.get_by_label("Add order (OR number)")).to_have_value("OR-99999")
    expect(page.locator('input[type="hidden"][value="OR-99999"]')).to_have_count(0)
    page.get_by_role("button", name="Remove OR-99999").click()

    expect(page.locator("#f-add-error")).to_have_count(0)
    expect(page.get_by_label("Add order (OR number)")).to_have_value("")
    expect(page.locator("table.plan-orders tbody tr")).to_have_count(1)
    page.get_by_label("Fulfillment date").fill("2026-11-25")
    page.get_by_role("button", name="Create order fulfillment").click()
    expect(page.locator(".toasts")).to_contain_text("created with 1 order(s).")
