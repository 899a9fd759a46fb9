"""Seed 001 in Chromium: find an order by its number, Fulfill from the actions menu, edit the address, Fulfill
items, see Fulfilled and the notification, Cancel fulfillment, see Unfulfilled and both events on the timeline."""

import re

import pytest
from playwright.sync_api import expect

from orderly.core.actors import Actor
from orderly.inventory.services import stock_receive
from tests.factories import UserFactory, VariantFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def shop(transactional_db):
    """Written before the browser starts (see test_orders_flow.working_day)."""
    UserFactory(username="olga", first_name="Olga", last_name="Visser", role="operator")
    beans = VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50", tax_rate="9.00")
    stock_receive(kind="packaged", sku=beans.sku, quantity=10, lot_date="2026-11-01", actor=Actor.system())
    for name in ("Jonas Becker", "Café Noord", "Lena Fischer"):
        make_order(
            customer={"name": name, "email": "", "type": "retail"},
            items=[{"sku": beans.sku, "quantity": 1, "unit_price": "8.50", "tax_rate": "9"}],
        )
    order = make_order(
        customer={"name": "Margot de Wit", "email": "margot@example.nl", "type": "retail"},
        items=[{"sku": beans.sku, "quantity": 3, "unit_price": "8.50", "tax_rate": "9"}],
    )
    return {"number": order.number}


def log_in(page, url):
    page.goto(f"{url}/login/?next=/orders/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()


def test_fulfill_from_the_actions_menu_then_cancel_the_fulfillment(shop, live_server, page, screenshot_dir):
    number = shop["number"]
    log_in(page, live_server.url)

    # Search the order by its number; the actions menu of its row offers Fulfill order.
    search = page.get_by_role("searchbox", name="Search")
    search.fill(number)
    search.press("Enter")
    expect(page).to_have_url(re.compile(rf"q={number}"))
    rows = page.locator("table.orders tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(number)
    page.wait_for_load_state("networkidle")  # the search swaps the results in; act on the final ones
    rows.first.get_by_text("Actions").click()
    menu = rows.first.locator("details.menu ul")
    expect(menu).to_be_visible()
    menu.get_by_role("link", name="Fulfill order").click()

    # The Manual fulfillment page: verify the items, edit the shipping address, Fulfill items.
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Manual fulfillment of order {number}")
    expect(page.locator("table.fulfill-items tbody tr")).to_have_count(1)
    expect(page.locator("table.fulfill-items")).to_contain_text("ESP-250")
    page.locator("#f-shipping-address-line1").fill("Nieuwegracht 7")
    page.locator("#f-shipping-address-postal-code").fill("3512 LS")
    page.get_by_label("Carrier").fill("PostNL")
    page.get_by_label("Tracking number").fill("3SABC123")
    page.screenshot(path=str(screenshot_dir / "manual-fulfillment.png"), full_page=True)
    page.get_by_role("button", name="Fulfill items").click()

    # Back on the order page: the notification, the status Fulfilled, the new address.
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Order {number}")
    expect(page.locator(".toasts")).to_contain_text(re.compile(rf"{number}.*fulfilled", re.I))
    fulfillment_status = page.locator("dl.facts dt:text-is('Fulfillment') + dd")
    expect(fulfillment_status).to_have_text("Fulfilled")
    expect(page.locator("#shipping-title + *")).to_contain_text("Nieuwegracht 7")
    page.screenshot(path=str(screenshot_dir / "fulfilled.png"), full_page=True)

    # Cancel fulfillment: offered on the fulfilled fulfillment only; afterwards Unfulfilled and the button gone.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel fulfillment").click()
    expect(page.locator(".toasts")).to_contain_text(re.compile("canceled", re.I))
    expect(fulfillment_status).to_have_text("Unfulfilled")
    expect(page.get_by_role("button", name="Cancel fulfillment")).to_have_count(0)

    # Both events on the timeline, newest first, and the address edit before them.
    timeline = page.locator("#timeline-title + *")
    expect(timeline).to_contain_text(re.compile("fulfillment .*canceled", re.I))
    expect(timeline).to_contain_text(re.compile("fulfilled", re.I))
    expect(timeline).to_contain_text("Nieuwegracht 7")
    page.screenshot(path=str(screenshot_dir / "fulfillment-canceled.png"), full_page=True)
