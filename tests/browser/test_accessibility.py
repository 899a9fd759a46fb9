"""axe-core (vendored in tests/browser/vendor, never fetched) on the main pages in Chromium: no serious or critical
violation, at 1280 px and, for the warehouse floor's pages (start page, batches, pick list, fulfillment, roasts, the
shops' logs), at 390 px too."""

import datetime as dt
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from orderly.core.actors import Actor
from orderly.plans.services import plan_create
from tests.browser.floor_data import batch_and_roasts, failing_shop, roast_pages, shop_pages
from tests.factories import UserFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SERIOUS = ("serious", "critical")


@pytest.fixture
def roastery(transactional_db, monkeypatch):
    """Written before the browser starts (see test_orders_flow.working_day). A manager sees every button."""
    UserFactory(username="olga", role="manager")
    made = batch_and_roasts(monkeypatch)
    failing_shop(made["orders"][0])
    planned = make_order(customer={"name": "Café de Jaren", "email": "inkoop@cafedejaren.nl"})
    waiting = make_order(customer={"name": "Jonas Becker", "email": "jonas@example.de"})
    make_order(items=[{"sku": "GONE-1", "quantity": 1, "unit_price": "3.00"}], strict=False)
    plan = plan_create(orders=[planned.number], fulfillment_date=dt.date(2026, 11, 25), actor=Actor.system())
    return {"order": waiting.number, "plan": plan.number, "batch": made["batch"], "roast_pages": roast_pages(made)}


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


def _problems(context, live_server, paths: list[str]) -> dict[str, list[str]]:
    """Log in on a fresh page of `context`, then axe's serious and critical findings on each path that has any."""
    page = context.new_page()
    page.goto(f"{live_server.url}/login/?next={quote('/')}")
    problems = {"login": found} if (found := _violations(page)) else {}
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    for path in paths:
        assert page.goto(f"{live_server.url}{path}").status == 200, path  # the page itself, not an error page
        if found := _violations(page):
            problems[path] = found
    return problems


def test_main_pages_have_no_serious_accessibility_violations(roastery, live_server, browser):
    # The pages forbid inline and injected scripts (CSP); the test's own injection of axe is let through.
    floor = [
        "/",
        "/orders/batches/",
        f"/orders/batches/{roastery['batch']}/",
        f"/plans/{roastery['plan']}/pick-list/",
        f"/orders/{roastery['order']}/fulfill/",
        *roastery["roast_pages"].values(),
        *shop_pages().values(),
    ]
    main_pages = [
        "/orders/",
        "/orders/?has_error=yes",
        f"/orders/{roastery['order']}/",
        f"/orders/{roastery['order']}/edit/",
        "/orders/new/",
        "/plans/",
        f"/plans/{roastery['plan']}/",
        f"/plans/{roastery['plan']}/allocation/",
        "/products/",
        "/inventory/",
        "/channels/",
        *floor,
    ]
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        assert _problems(desktop, live_server, main_pages) == {}
    finally:
        desktop.close()
    # The warehouse floor's pages again on a phone, where their tables read as stacked lists.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, bypass_csp=True)
    try:
        assert _problems(phone, live_server, floor) == {}
    finally:
        phone.close()
