"""The order page tells the truth at a glance, in Chromium: the headline badge after a fulfillment (Fulfilled, then
Closed once invoiced) and after a return (Open, with why), the same words in the overview; the item indicators
folded to a word per process with the whole list one click away, and nothing red that is not wrong."""

import re

import pytest
from playwright.sync_api import expect

from orderly.billing.services import payment_record
from orderly.core.actors import Actor
from orderly.inventory.services import stock_receive
from tests.factories import UserFactory, VariantFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def paid_order(transactional_db):
    """A paid open order of 2 bags, written before the browser starts (see test_orders_flow.working_day)."""
    UserFactory(username="olga", first_name="Olga", last_name="Visser", role="operator")
    beans = VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50", tax_rate="9.00")
    stock_receive(kind="packaged", sku=beans.sku, quantity=10, lot_date="2026-11-01", actor=Actor.system())
    order = make_order(
        customer={"name": "Margot de Wit", "email": "margot@example.nl", "type": "retail"},
        items=[{"sku": beans.sku, "quantity": 2, "unit_price": "8.50", "tax_rate": "9"}],
    )
    payment_record(order=order, amount=order.amount_due, method="card", actor=Actor.system())
    return order.number


def log_in(page, url, next_path):
    page.goto(f"{url}/login/?next={next_path}")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()


def overview_badge(page, url, number):
    page.goto(f"{url}/orders/?q={number}")
    return page.locator("table.orders tbody tr").filter(has_text=number)


def test_the_badge_after_fulfillment_and_after_a_return(paid_order, live_server, page, screenshot_dir):
    number = paid_order
    log_in(page, live_server.url, f"/orders/{number}/")
    badge = page.get_by_role("heading", level=1).locator(".badge")
    expect(badge).to_have_text("New")

    page.get_by_role("link", name="Mark as fulfilled").click()
    page.get_by_role("button", name="Fulfill items").click()
    expect(page.locator(".toasts")).to_contain_text(re.compile(rf"{number}.*fulfilled", re.I))
    expect(badge).to_have_text("Fulfilled")  # shipped, not yet invoiced: not "New" any more
    expect(overview_badge(page, live_server.url, number).locator(".badge")).to_have_text("Fulfilled")

    page.goto(f"{live_server.url}/orders/{number}/")
    page.get_by_role("button", name="Create invoice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("INV-")
    page.goto(f"{live_server.url}/orders/{number}/")
    expect(badge).to_have_text("Closed")

    page.get_by_role("link", name="Register return").click()
    page.locator("table.return-items input").first.fill("1")
    page.get_by_label("Reason").fill("Too bitter")
    page.get_by_role("button", name="Register return").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading.locator(".badge")).to_have_text("Open")
    expect(heading.locator(".badge-reason")).to_have_text("a return to settle")
    expect(page.locator("#timeline-title + *")).to_contain_text(
        "Status changed from Closed to Open. Reopened: a return to settle."
    )
    page.screenshot(path=str(screenshot_dir / "badge-after-return.png"), full_page=True)

    row = overview_badge(page, live_server.url, number)
    expect(row.locator(".badge")).to_have_text("Open")
    expect(row.locator(".badge-reason")).to_have_text("a return to settle")


def test_the_item_indicators_fold_to_a_word_per_process(paid_order, live_server, page, screenshot_dir):
    number = paid_order
    log_in(page, live_server.url, f"/orders/{number}/")
    groups = page.locator("ul.indicator-groups").first
    expect(groups).to_have_text(re.compile(r"Stock: to do\s+Warehouse: to do\s+Shipping: under way\s+Money: under way"))
    whole_list = page.locator("details.indicator-list").first
    lost = whole_list.locator("li", has_text="Lost")
    expect(lost).to_be_hidden()  # folded

    whole_list.locator("summary").click()
    expect(lost).to_be_visible()
    expect(lost).to_have_text(re.compile(r"Lost\s+0/2"))
    expect(lost).to_have_class("tone-none")  # Lost 0/2 is no alarm
    expect(whole_list.locator("li", has_text="Costs paid")).to_have_class("tone-done")
    expect(page.locator(".tone-alarm")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "indicators-unfolded.png"), full_page=True)

    # after shipping, the steps before it read as done, not "Available 0/2"
    page.get_by_role("link", name="Mark as fulfilled").click()
    page.get_by_role("button", name="Fulfill items").click()
    expect(groups).to_have_text(re.compile(r"Stock: done\s+Warehouse: done\s+Shipping: done\s+Money: under way"))
