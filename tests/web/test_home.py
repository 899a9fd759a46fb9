"""The start page: each number is a link to the list that shows exactly that many."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from orderly.channels.models import OutboxMessage, SalesChannel, SyncRun
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
    response = client.get(url)
    assert response.status_code == 200, url
    return int(re.search(r"(\d+) (?:order|plan|sync|update)s?\b", text(response).split("Search", 2)[-1])[1])


def _ago(minutes: int):
    return timezone.now() - dt.timedelta(minutes=minutes)


def _shops():
    """Three enabled shops and a disabled one with syncs, and pushes to the first in each state.

    Webshop: a success, then a failed, a partly failed and an interrupted sync (3 failing; an order re-pull that
    failed since is no channel sync). Wholesale: failed, then succeeded (none failing). Beans.nl never synchronized:
    2 failing. Old shop is disabled: not told. Webshop has 2 pushes retrying, 1 waiting for its first attempt,
    1 given up and 1 sent; Beans.nl 1 retrying."""
    web = channel_create(name="Webshop", kind="sandbox")
    wholesale = channel_create(name="Wholesale", kind="sandbox")
    beans = channel_create(name="Beans.nl", kind="sandbox")
    old = channel_create(name="Old shop", kind="sandbox", enabled=False)
    runs = [
        (web, "succeeded", "channel", 60, ""),
        (web, "failed", "channel", 50, "GET https://webshop.example/orders failed: ConnectError, 4 attempts."),
        (web, "partial", "channel", 40, ""),
        (web, "interrupted", "channel", 30, ""),
        (web, "failed", "order", 20, "GET https://webshop.example/orders/7 was refused: 404"),
        (wholesale, "failed", "channel", 50, "timed out"),
        (wholesale, "succeeded", "channel", 10, ""),
        (beans, "failed", "channel", 45, "GET https://beans.example/orders was refused: 401 Invalid API key"),
        (beans, "failed", "channel", 15, "GET https://beans.example/orders was refused: 401 Invalid API key"),
        (old, "failed", "channel", 5, "timed out"),
    ]
    for channel, status, kind, minutes, error in runs:
        SyncRun.objects.create(
            channel=channel, status=status, kind=kind, started_at=_ago(minutes), finished_at=_ago(minutes - 1),
            error=error, failed=2 if status == "partial" else 0,
        )  # fmt: skip
    order = make_order()
    for channel, status, attempts in (
        (web, "pending", 2),
        (web, "pending", 1),
        (web, "pending", 0),
        (web, "failed", 8),
        (web, "sent", 1),
        (beans, "pending", 3),
    ):
        OutboxMessage.objects.create(channel=channel, order=order, status=status, attempts=attempts, payload={})


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
    _shops()

    response = op.get("/")
    links = _links(response)

    assert {words: number for words, (number, _) in links.items()} == {
        "New: to put in a plan": 3,  # the two error orders and the shops' pushes' order
        "In progress: in a plan": 3,
        "Completed: packed, to ship": 0,
        "Drafts: waiting to be opened": 1,
        "All orders in error": 2,
        "Unknown sku": 2,
        "Plans to fulfill today": 1,
        "Plans to fulfill tomorrow": 1,
        "Plans with packaging waiting": 0,
        "failed syncs of Beans.nl": 2,
        "failed syncs of Webshop": 3,
        "update to Beans.nl retrying": 1,
        "updates to Webshop retrying": 2,
    }
    for words, (number, url) in links.items():
        assert _listed(op, url) == number, (words, url)


def test_the_shop_links_open_the_sync_log_and_the_updates_filtered(op):
    _shops()
    web = SalesChannel.objects.get(name="Webshop")
    links = _links(op.get("/"))

    assert links["failed syncs of Webshop"][1] == f"/channels/syncs/?channel={web.id}&status=failing"
    assert links["updates to Webshop retrying"][1] == f"/channels/pushes/?channel={web.id}&status=retrying"
    log = text(op.get(links["failed syncs of Webshop"][1]))
    assert "3 syncs." in log
    # newest first: the interrupted, the partly failed, the failed; not the success before them nor the re-pull
    what = r"(Channel sync|Order re-pull|CSV import|Webhook) — (Interrupted|Partly failed|Failed|Succeeded)"
    assert re.findall(what, log) == [
        ("Channel sync", "Interrupted"),
        ("Channel sync", "Partly failed"),
        ("Channel sync", "Failed"),
    ]


def test_failed_syncs_and_retrying_pushes_are_told(op):
    shop = channel_create(name="Webshop", kind="csv")
    SyncRun.objects.create(channel=shop, status="failed", error="GET https://shop.example/orders failed: ConnectError")
    order = make_order()
    OutboxMessage.objects.create(channel=shop, order=order, attempts=2, status="pending", payload={})

    page = text(op.get("/"))

    assert "1 failed sync of Webshop Last failed " in page
    assert ": The shop's address could not be reached." in page
    assert "1 update to Webshop retrying" in page


def test_a_quiet_day_says_so(op):
    page = text(op.get("/"))
    assert "No order has an error." in page
    assert "Every shop synchronized at its last attempt" in page
