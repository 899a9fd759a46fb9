"""The start page in Chromium: each number, followed, lists exactly that many (orders, plans, syncs, updates)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orderly.channels.models import OutboxMessage, SyncRun
from orderly.channels.services import channel_create
from orderly.core.actors import Actor
from orderly.plans.services import plan_create
from tests.factories import UserFactory, VariantFactory, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def day(transactional_db):
    """Written before the browser starts (see test_orders_flow.working_day)."""
    UserFactory(username="olga", role="operator")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50")
    orders = [make_order() for _ in range(4)]
    make_order(status="draft")
    for sku in ("GONE-1", "GONE-2", "GONE-3"):
        make_order(items=[{"sku": sku, "quantity": 1, "unit_price": "3.00"}], strict=False)
    today = timezone.localdate()
    plan_create(orders=[orders[0].number], fulfillment_date=today, actor=Actor.system())
    plan_create(orders=[orders[1].number], fulfillment_date=today + dt.timedelta(days=1), actor=Actor.system())
    shop = channel_create(name="Webshop", kind="sandbox")
    for status in ("succeeded", "failed", "failed"):
        SyncRun.objects.create(channel=shop, status=status, error="timed out" if status == "failed" else "")
    for attempts in (0, 1, 2):
        OutboxMessage.objects.create(channel=shop, order=orders[2], attempts=attempts, payload={})


def test_home_numbers_equal_the_lists_they_open(day, live_server, page):
    page.goto(f"{live_server.url}/login/?next=/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()

    links = page.locator("ul.counts a:has(.count)")
    shown = {}
    for index in range(links.count()):
        link = links.nth(index)
        shown[" ".join(link.inner_text().split()[1:])] = (
            int(link.locator(".count").inner_text()),
            link.get_attribute("href"),
        )
    assert {label: number for label, (number, _) in shown.items()} == {
        "New: to put in a plan": 5,
        "In progress: in a plan": 2,
        "Completed: packed, to ship": 0,
        "Drafts: waiting to be opened": 1,
        "All orders in error": 3,
        "Unknown sku": 3,
        "Plans to fulfill today": 1,
        "Plans to fulfill tomorrow": 1,
        "Plans with packaging waiting": 0,
        "failed syncs of Webshop": 2,
        "updates to Webshop retrying": 2,
    }
    for label, (number, href) in shown.items():
        page.goto(f"{live_server.url}{href}")
        count = page.locator(".result-count").inner_text()
        assert int(re.match(r"(\d+) ", count)[1]) == number, (label, href, count)
