"""Seed 000 in Chromium: select orders, Fulfill, Allocate all stock, Save allocation, see the packaging plans,
execute one, complete an order on the pick list."""

import re

import pytest
from playwright.sync_api import expect

from orderly.core.actors import Actor
from orderly.inventory.services import stock_receive
from tests.factories import ProductFactory, UserFactory, VariantFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def roastery(transactional_db):
    """A roaster's morning, written before the browser starts: bags on the shelf, loose roasted coffee, orders."""
    UserFactory(username="olga", first_name="Olga", last_name="Visser", role="operator")
    product = ProductFactory(name="Espresso blend")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", product=product, package_size="0.250")
    VariantFactory(sku="ESP-1000", name="Espresso blend 1 kg", product=product, package_size="1.000")
    system = Actor.system()
    stock_receive(kind="packaged", sku="ESP-250", quantity=10, lot_date="2026-11-01", position="A-01", actor=system)
    stock_receive(kind="loose", product="Espresso blend", quantity="5", lot_date="2026-11-02", actor=system)
    anna = make_order(items=[{"sku": "ESP-250", "quantity": 4}])
    cafe = make_order(
        items=[{"sku": "ESP-250", "quantity": 8}, {"sku": "ESP-1000", "quantity": 2}],
        customer={"name": "Café Noord", "email": "inkoop@cafenoord.nl", "type": "wholesale"},
    )
    make_order(customer={"name": "Jonas Becker", "email": "jonas@example.de", "type": "retail"})
    return {"anna": anna.number, "cafe": cafe.number}


def test_select_fulfill_allocate_pack_and_complete(roastery, live_server, page, screenshot_dir):
    anna, cafe = roastery["anna"], roastery["cafe"]
    page.goto(f"{live_server.url}/login/?next=/orders/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()

    # Tick two orders in the overview and press Fulfill.
    page.get_by_label(f"Select {anna}").check()
    page.get_by_label(f"Select {cafe}").check()
    page.get_by_role("button", name="Fulfill into a plan").click()
    expect(page.get_by_role("heading", name="Add order fulfillment")).to_be_visible()
    expect(page.locator("table.plan-orders tbody tr")).to_have_count(2)
    page.get_by_label("Fulfillment date").fill("2026-11-25")
    page.get_by_role("button", name="Create order fulfillment").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"Fulfillment plan OF-\d{6}"))
    number = re.search(r"OF-\d{6}", heading.inner_text())[0]
    expect(page.locator(".toasts")).to_contain_text(f"Fulfillment plan {number} created with 2 order(s).")
    expect(page.locator("table.plan-orders")).to_contain_text("In progress")

    # Allocation: Allocate all stock fills the boxes from what is on the shelf; Save allocation holds it.
    page.get_by_role("navigation", name="Plan tabs").get_by_role("link", name="Allocation").click()
    allocation_url = page.url
    page.get_by_role("link", name="Allocate all stock").click()
    expect(page.get_by_label("Allocate ESP-250")).to_have_value("10")
    expect(page.get_by_label("Allocate ESP-1000")).to_have_value("0")
    expect(page.locator("table.allocation")).to_contain_text("Remaining to be packaged")
    # Filled on the page: no reload, and the form's CSRF token never reaches the address bar.
    assert page.url == allocation_url and "csrfmiddlewaretoken" not in page.url
    small_row = page.locator("table.allocation tbody tr").filter(has_text="ESP-250")
    ordered = int(small_row.locator("[data-ordered]").get_attribute("data-ordered"))
    expect(small_row.locator("[data-remaining]")).to_have_text(str(max(0, ordered - 10)))
    page.get_by_label("Allocate ESP-250").fill("1")
    expect(small_row.locator("[data-remaining]")).to_have_text(str(ordered - 1))
    page.get_by_label("Allocate ESP-250").fill("10")
    page.screenshot(path=str(screenshot_dir / "allocation.png"), full_page=True)
    page.get_by_role("button", name="Save allocation").click()

    # The packaging plans cover what is outstanding: 2 bags of 250 g and 2 of 1 kg, from the loose lot.
    expect(page.locator(".toasts")).to_contain_text(f"Allocation of plan {number} saved")
    rows = page.locator("table.packaging tbody tr")
    expect(rows).to_have_count(2)
    small = rows.filter(has_text="ESP-250")
    expect(small).to_contain_text("Planned")
    expect(small).to_contain_text("0.5")
    page.screenshot(path=str(screenshot_dir / "packaging.png"), full_page=True)
    small.get_by_text("Actions").click()
    small.get_by_role("button", name="Execute plan").click()
    expect(page.locator(".toasts")).to_contain_text("executed: 2 × ESP-250 packed.")
    expect(page.locator("table.packaging tbody tr").filter(has_text="ESP-250")).to_contain_text("Completed")

    # Pick list: Anna's 4 bags are held in full; complete her order.
    page.get_by_role("navigation", name="Plan tabs").get_by_role("link", name="Pick list").click()
    row = page.locator("table.pick-list tbody tr").filter(has_text=anna)
    expect(row).to_contain_text("A-01")
    row.get_by_role("button", name=f"Complete {anna}").click()
    expect(page.locator(".toasts")).to_contain_text(f"Order {anna} completed: picked and packed, ready to ship.")
    expect(page.locator("table.pick-list tbody tr").filter(has_text=anna)).to_contain_text("Completed")
    page.screenshot(path=str(screenshot_dir / "pick-list.png"), full_page=True)

    # The order page shows the plan and its items picked and packed.
    page.locator("table.pick-list").get_by_role("link", name=anna).click()
    expect(page.locator(".plan-membership")).to_contain_text(number)
    indicators = page.locator(".indicator-list").first
    expect(indicators).to_contain_text("Picked from warehouse 4/4")
    expect(indicators).to_contain_text("Packed for shipment 4/4")
    expect(indicators).to_contain_text("Released for shipment 4/4")
