"""The start page: each number is a link to the list that shows exactly that many."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from orderly.channels.models import OutboxMessage, SyncRun
from orderly.channels.services import channel_create
from orderly.core.actors import Actor
from orderly.orders.services import order_archive
from orderly.plans.services import plan_create
from tests.factories import make_order
from tests.web.helpers import error_order, in_progress_order, text

pytestmark = pytest.mark.django_db


def _links(response) -> dict[str, tuple[int, str]]:
    """Each counted link on the page: its words → (its number, its address)."""
    html = response.content.decode().replace("&amp;", "&")
    found = {}
    for url, number, words in re.findall(r'<a href="([^"]+)"><span class="count">(\d+)</span> ([^<]+)</a>', html):
        found[words.strip()] = (int(number), url)
    return found


def _listed(client, url: str) -> int:
    page = text(client.get(url))
    return int(re.search(r"(\d+) (?:order|plan)s?\b", page.split("Search", 2)[-1])[1])


def test_every_number_equals_the_list_it_links_to(op):
    today = timezone.localdate()
    new = [make_order() for _ in range(3)]
    order_archive(order=new[0], actor=Actor.system())  # archived orders are not waiting
    make_order(status="draft")
    in_progress_order()
    error_order()
    error_order(items=[{"sku": "GONE-2", "quantity": 1, "unit_price": "1.00"}])
    plan_create(orders=[new[1].number], fulfillment_date=today, actor=Actor.system())
    plan_create(orders=[new[2].number], fulfillment_date=today + dt.timedelta(days=1), actor=Actor.system())

    response = op.get("/")
    links = _links(response)

    assert {words: number for words, (number, _) in links.items()} == {
        "New: to put in a plan": 2,  # the two error orders
        "In progress: in a plan": 3,
        "Completed: packed, to ship": 0,
        "Drafts: waiting to be opened": 1,
        "Unknown sku": 2,
        "Plans to fulfill today": 1,
        "Plans to fulfill tomorrow": 1,
        "Plans with packaging waiting": 0,
    }
    for words, (number, url) in links.items():
        assert _listed(op, url) == number, (words, url)
    assert "Orders in error (2)" in text(response)


def test_failed_syncs_and_retrying_pushes_are_told(op):
    shop = channel_create(name="Webshop", kind="csv")
    SyncRun.objects.create(channel=shop, status="failed", error="The address could not be reached.")
    order = make_order()
    OutboxMessage.objects.create(channel=shop, order=order, attempts=2, status="pending", payload={})

    page = text(op.get("/"))

    assert "Last sync of Webshop failed The address could not be reached." in page
    assert "1 update to Webshop retrying" in page


def test_a_quiet_day_says_so(op):
    page = text(op.get("/"))
    assert "No order has an error." in page
    assert "Every shop synchronized at its last attempt" in page
