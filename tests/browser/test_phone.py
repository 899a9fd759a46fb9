"""On the warehouse floor: a 390 px phone. The navigation behind a button, no page wider than the screen, every
button on screen and at least 44 px tall."""

import datetime as dt
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from orderly.core.actors import Actor
from orderly.inventory.services import stock_receive
from orderly.plans.services import plan_create
from tests.factories import UserFactory, VariantFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

# Every visible button-like control: its box, so the test can say which one is off screen or too small.
CONTROLS = """() => Array.from(document.querySelectorAll('button, a.button, summary, input[type="submit"]'))
  .filter(el => el.checkVisibility() && !el.closest('.visually-hidden'))
  .map(el => { const r = el.getBoundingClientRect();
               return {text: (el.innerText || el.value || '').trim().slice(0, 40), left: r.left, right: r.right,
                       height: r.height}; })"""


@pytest.fixture
def floor(transactional_db):
    """Written before the browser starts (see test_orders_flow.working_day)."""
    UserFactory(username="olga", role="operator")
    beans = VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50")
    stock_receive(kind="packaged", sku=beans.sku, quantity=20, lot_date="2026-11-01", actor=Actor.system())
    order = make_order(
        customer={"name": "Koffiebar De Gouden Boon", "email": "inkoop@degoudenboon-amsterdam.example.nl"},
        items=[{"sku": beans.sku, "quantity": 2}],
    )
    other = make_order(items=[{"sku": beans.sku, "quantity": 1}])
    plan = plan_create(orders=[order.number], fulfillment_date=dt.date(2026, 11, 25), actor=Actor.system())
    return {"order": order.number, "other": other.number, "plan": plan.number}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def _log_in(page, live_server, path):
    page.goto(f"{live_server.url}/login/?next={quote(path)}")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()


def _fits(page, name, screenshot_dir):
    page.screenshot(path=str(screenshot_dir / f"phone-{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    for control in page.evaluate(CONTROLS):
        assert control["left"] >= 0 and control["right"] <= 390, (name, control)
        assert control["height"] >= 44, (name, control)


def test_the_floor_pages_fit_a_phone(floor, live_server, phone, screenshot_dir):
    _log_in(phone, live_server, "/orders/")
    expect(phone.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
    nav = phone.get_by_role("navigation", name="Main")
    expect(nav).to_be_hidden()
    phone.get_by_role("button", name="Menu").click()
    expect(nav).to_be_visible()
    expect(phone.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    phone.get_by_role("button", name="Menu").click()
    expect(nav).to_be_hidden()
    # The overview reads as a list: each cell says what it is.
    row = phone.locator("table.orders tbody tr").first
    expect(row.locator('td[data-label="Customer"]')).to_be_visible()
    _fits(phone, "overview", screenshot_dir)

    phone.goto(f"{live_server.url}/plans/{floor['plan']}/pick-list/")
    expect(phone.get_by_role("heading", name="Pick list")).to_be_visible()
    _fits(phone, "pick-list", screenshot_dir)

    phone.goto(f"{live_server.url}/orders/{floor['other']}/fulfill/")
    expect(phone.get_by_role("button", name="Fulfill items")).to_be_visible()
    _fits(phone, "fulfill", screenshot_dir)
