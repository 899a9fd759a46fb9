"""On the warehouse floor: a 390 px phone. The navigation behind a button, no page wider than the screen, every
button on screen and at least 44 px tall."""

import datetime as dt
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from orderly.core.actors import Actor
from orderly.inventory.services import stock_receive
from orderly.plans.services import plan_create
from tests.browser.floor_data import batch_and_roasts, failing_shop, roast_pages, shop_pages
from tests.factories import UserFactory, VariantFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

# Every visible button-like control and the entries of an open actions menu: its box, so the test can say which
# one is off screen or too small.
CONTROLS = """() => Array.from(document.querySelectorAll(
    'button, a.button, summary, input[type="submit"], details.menu[open] li a'))
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


def _misfits(page, name, screenshot_dir) -> list:
    """What does not fit a thumb on the page: its width past the screen, each control off screen or under 44 px."""
    page.screenshot(path=str(screenshot_dir / f"phone-{name}.png"), full_page=True)
    found = []
    if (width := page.evaluate("document.documentElement.scrollWidth")) > 390:
        found.append(f"{width} px wide")
    for control in page.evaluate(CONTROLS):
        if control["left"] < 0 or control["right"] > 390 or control["height"] < 44:
            found.append(control)
    return found


def _fits(page, name, screenshot_dir):
    assert _misfits(page, name, screenshot_dir) == [], name


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


@pytest.fixture
def roastery(transactional_db, monkeypatch):
    """Written before the browser starts; a manager, so that every button of the roast pages is on screen."""
    UserFactory(username="olga", role="manager")
    made = batch_and_roasts(monkeypatch)
    failing_shop(made["orders"][0])
    return made


def test_the_batch_roast_and_shop_pages_fit_a_phone(roastery, live_server, phone, screenshot_dir):
    _log_in(phone, live_server, "/orders/batches/")
    expect(phone.get_by_role("heading", name="Batches", exact=True)).to_be_visible()
    expect(phone.get_by_role("navigation", name="Main")).to_be_hidden()
    row = phone.locator("table.batches tbody tr").first
    expect(row.locator('td[data-label="Status"]')).to_have_text("Failed")
    problems = {"batches": _misfits(phone, "batches", screenshot_dir)}

    phone.goto(f"{live_server.url}/orders/batches/{roastery['batch']}/")
    expect(phone.get_by_role("button", name="Reprocess all failed")).to_be_visible()
    problems["batch"] = _misfits(phone, "batch", screenshot_dir)
    failed = phone.locator("table.batch-orders tbody tr", has_text="Failed")
    expect(failed.locator('td[data-label="Reason"]')).to_contain_text("postal code")
    failed.locator("summary").click()
    expect(failed.get_by_role("button", name="Remove from batch")).to_be_visible()
    problems["batch-menu"] = _misfits(phone, "batch-menu", screenshot_dir)

    for name, path in {**roast_pages(roastery), **shop_pages()}.items():
        phone.goto(f"{live_server.url}{path}")
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        problems[name] = _misfits(phone, name, screenshot_dir)
        menu = phone.locator("details.menu:not(.nav-menu) summary").first
        if menu.count():
            menu.click()
            problems[f"{name}-menu"] = _misfits(phone, f"{name}-menu", screenshot_dir)
    assert {name: found for name, found in problems.items() if found} == {}
