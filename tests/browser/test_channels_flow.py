"""A manager sets up a CSV channel in Chromium: create it, upload a file, see its orders, map the SKU the shop
uses, reset the order that had the error, and see the error cleared on its timeline."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory, VariantFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

CSV = (
    "order_id,order_number,customer_name,customer_email,sku,quantity,unit_price,"
    "ship_name,ship_line1,ship_postal_code,ship_city,ship_country\n"
    "W-1,1001,Café Noord,inkoop@cafenoord.nl,ESP-250,12,7.50,Café Noord,Kade 4,1013 AA,Amsterdam,NL\n"
    "W-2,1002,Bakkerij Zon,info@zon.example,SHOP-ESP,6,7.50,Bakkerij Zon,Markt 9,3511 AB,Utrecht,NL\n"
)
BAD_CSV = CSV.replace("12,7.50", "twelve,7.50")


@pytest.fixture
def setup(transactional_db):
    """Written before the browser starts (see tests/browser/test_orders_flow.py)."""
    UserFactory(username="maria", first_name="Maria", last_name="Smit", role="manager")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50", tax_rate="9.00")


def test_csv_channel_from_upload_to_a_mapped_and_reset_order(setup, live_server, page, tmp_path, screenshot_dir):
    page.goto(f"{live_server.url}/channels/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Sales channels")).to_be_visible()
    expect(page.get_by_role("link", name="Channels")).to_have_attribute("aria-current", "page")

    # Create the channel.
    page.get_by_role("link", name="New channel").click()
    page.get_by_label("Name").fill("Wholesale file")
    page.get_by_label("Kind").select_option("csv")
    page.get_by_role("button", name="Create channel").click()
    expect(page.get_by_role("heading", name="Wholesale file")).to_be_visible()
    expect(page.locator(".toast")).to_contain_text("Channel Wholesale file created.")

    # A file with a bad cell is refused whole, with its line and column.
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    page.get_by_role("link", name="Upload CSV").click()
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("heading", name="Nothing was imported: the file has 1 error")).to_be_visible()
    cells = page.locator("table.import-errors tbody tr td")
    expect(cells).to_have_text(["2", "quantity", "'twelve' is not a whole number from 1 to 1000000"])

    # The good file imports both orders; the overview shows them, filtered to this channel.
    good = tmp_path / "orders.csv"
    good.write_text(CSV, encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Upload and import").click()
    expect(page).to_have_url(re.compile(r"/orders/\?channel=\d+$"))
    expect(page.locator(".toast")).to_contain_text("orders.csv: 2 imported, 0 updated, 0 unchanged.")
    rows = page.locator("table.orders tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Bakkerij Zon")).to_contain_text("Wholesale file")
    expect(rows.filter(has_text="Bakkerij Zon")).to_contain_text("Error")
    page.screenshot(path=str(screenshot_dir / "channels-imported-orders.png"), full_page=True)

    # The channel page names the unmapped SKU; map it to our variant.
    page.get_by_role("link", name="Channels").click()
    page.get_by_role("link", name="Wholesale file").click()
    expect(page.get_by_text("SHOP-ESP (1 order)")).to_be_visible()
    page.get_by_role("link", name="Map them").click()
    page.get_by_label("Variant for SHOP-ESP").select_option("ESP-250")
    page.get_by_role("button", name="Map SHOP-ESP").click()
    expect(page.locator(".toast")).to_contain_text("SHOP-ESP now maps to ESP-250.")
    expect(page.locator(".alert-info")).to_contain_text("Mapped, but orders imported before the mapping still have")
    expect(page.locator("table.mappings")).to_contain_text("SHOP-ESP")

    # Reset the order that had the error: the error is gone, and its timeline says so.
    page.get_by_role("link", name="Orders", exact=True).click()
    page.get_by_label("Search", exact=True).fill("Bakkerij")
    expect(page.locator("table.orders tbody tr")).to_have_count(1)
    page.locator("table.orders tbody tr a.order-number").click()
    expect(page.get_by_role("heading", name="This order has an error and will not be processed")).to_be_visible()
    expect(page.locator(".alert-error")).to_contain_text("SHOP-ESP")
    page.get_by_role("button", name="Reset").click()
    expect(page.locator(".toast")).to_contain_text("reset.")
    expect(page.get_by_role("heading", name="This order has an error and will not be processed")).to_have_count(0)
    timeline = page.locator("ol.timeline")
    expect(timeline.locator("li").first).to_contain_text(re.compile(r"Error cleared|Order reset"))
    expect(timeline).to_contain_text("Error cleared")
    page.screenshot(path=str(screenshot_dir / "channels-order-reset.png"), full_page=True)
