"""axe-core (vendored in tests/browser/vendor, never fetched) on the main pages in Chromium: no serious or critical
violation."""

import datetime as dt
from pathlib import Path
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

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SERIOUS = ("serious", "critical")


@pytest.fixture
def roastery(transactional_db):
    """Written before the browser starts (see test_orders_flow.working_day)."""
    UserFactory(username="olga", role="operator")
    beans = VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50")
    stock_receive(kind="packaged", sku=beans.sku, quantity=20, lot_date="2026-11-01", actor=Actor.system())
    planned = make_order(customer={"name": "Café de Jaren", "email": "inkoop@cafedejaren.nl"})
    waiting = make_order(customer={"name": "Jonas Becker", "email": "jonas@example.de"})
    make_order(items=[{"sku": "GONE-1", "quantity": 1, "unit_price": "3.00"}], strict=False)
    plan = plan_create(orders=[planned.number], fulfillment_date=dt.date(2026, 11, 25), actor=Actor.system())
    return {"order": waiting.number, "plan": plan.number}


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    script = "async () => { const r = await axe.run(document); return [r.passes.length, r.violations]; }"
    passes, found = page.evaluate(script)
    assert passes > 10  # axe really ran its rules on the page
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:3]}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def test_main_pages_have_no_serious_accessibility_violations(roastery, live_server, browser):
    # The pages forbid inline and injected scripts (CSP); the test's own injection of axe is let through.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/?next={quote('/')}")
        assert _violations(page) == [], "login"
        page.get_by_label("Username").fill("olga")
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Today")).to_be_visible()
        paths = [
            "/",
            "/orders/",
            "/orders/?has_error=yes",
            f"/orders/{roastery['order']}/",
            f"/orders/{roastery['order']}/fulfill/",
            f"/orders/{roastery['order']}/edit/",
            "/orders/new/",
            "/plans/",
            f"/plans/{roastery['plan']}/",
            f"/plans/{roastery['plan']}/allocation/",
            f"/plans/{roastery['plan']}/pick-list/",
            "/products/",
            "/inventory/",
            "/channels/",
        ]
        problems = {}
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            if found := _violations(page):
                problems[path] = found
        assert problems == {}
    finally:
        context.close()
