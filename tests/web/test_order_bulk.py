"""The orders overview's one bulk form: the ticked orders or all matching the filter, through the usual services."""

import csv
import io

import pytest

from orderly.channels.models import SyncRun
from orderly.core.actors import Actor
from orderly.orders.models import Order
from orderly.orders.services import order_cancel
from orderly.web.views import order_bulk
from tests.factories import make_order
from tests.web.helpers import error_order, in_progress_order, messages_of, snapshot, text

pytestmark = pytest.mark.django_db


def _archived() -> set[str]:
    return set(Order.objects.filter(is_archived=True).values_list("number", flat=True))


def test_ticked_orders_are_archived_and_the_overview_keeps_its_filter(op):
    first, second, third = make_order(), make_order(), make_order()
    response = op.post(
        "/orders/bulk/",
        {"orders": [first.number, third.number], "bulk_action": "archive", "filter": "q=&sort=-date"},
        follow=True,
    )

    assert response.redirect_chain == [("/orders/?q=&sort=-date", 302)]
    assert messages_of(response) == ["2 orders archived."]
    assert _archived() == {first.number, third.number}
    assert [order.number for order, _ in response.context["rows"]] == [second.number]


def test_all_matching_the_filter_reaches_beyond_the_page(op):
    anna = [make_order(customer={"name": f"Anna {n}"}) for n in range(30)]
    other = make_order(customer={"name": "Bram"})
    response = op.post(
        "/orders/bulk/",
        {"all_matching": "1", "orders": [anna[0].number], "bulk_action": "archive", "filter": "q=anna&page_size=25"},
        follow=True,
    )

    assert messages_of(response) == ["30 orders archived."]
    assert _archived() == {order.number for order in anna}
    assert not Order.objects.get(pk=other.pk).is_archived


def test_refusals_are_told_per_order_and_the_rest_is_done(op):
    canceled = order_cancel(order=make_order(), actor=Actor.system())
    busy = in_progress_order()
    before = snapshot(canceled)
    response = op.post("/orders/bulk/", {"orders": [canceled.number, busy.number], "bulk_action": "reset"}, follow=True)

    assert messages_of(response) == [
        "1 order reset.",
        f"1 order not reset: {canceled.number}: Order {canceled.number} is canceled; there is nothing to reset.",
    ]
    assert snapshot(canceled) == before
    assert Order.objects.get(pk=busy.pk).events.order_by("-id").first().kind == "reset"


def test_reset_of_an_order_still_in_error_says_so(op):
    broken = error_order()
    response = op.post("/orders/bulk/", {"orders": [broken.number], "bulk_action": "reset"}, follow=True)

    assert messages_of(response) == ["1 order reset."]
    assert Order.objects.get(pk=broken.pk).error_code == broken.error_code


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"bulk_action": "archive"}, 200, "Tick at least one order, or all orders matching the filter."),
        (
            {"bulk_action": "shred", "orders": ["OR-000001"]},
            200,
            "Choose an action: fulfill, process, archive, reset, synchronize or export, not 'shred'.",
        ),
        (
            {"bulk_action": "archive", "all_matching": "1", "filter": "status=gone"},
            400,
            "status must be one of draft, open, closed, canceled, not 'gone'.",
        ),
    ],
)
def test_bad_bulk_input_is_refused_and_nothing_changes(op, data, status, message):
    order = make_order()
    before = snapshot(order)
    response = op.post("/orders/bulk/", data, follow=True)

    assert response.status_code == status  # back on the overview, which shows a bad filter with a 400
    assert messages_of(response) == [message]
    assert snapshot(order) == before


def test_more_than_the_bulk_limit_is_refused_before_anything_is_done(op, monkeypatch):
    monkeypatch.setattr(order_bulk, "MAX_BULK_ORDERS", 2)
    orders = [make_order() for _ in range(3)]
    response = op.post("/orders/bulk/", {"all_matching": "1", "bulk_action": "archive", "filter": ""}, follow=True)

    assert messages_of(response) == [
        "More than 2 orders are selected; Archive takes at most 2 at once. Narrow the filter, or process them as a "
        "batch."
    ]
    assert _archived() == set()
    assert len(orders) == 3


def test_export_writes_the_selection_as_csv(op):
    anna = make_order(external_ref="WEB-1", customer={"name": "Anna de Vries", "email": "anna@example.com"})
    make_order(customer={"name": "Bram"})
    response = op.post("/orders/bulk/", {"all_matching": "1", "bulk_action": "export", "filter": "q=anna"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="orders.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == list(order_bulk.CSV_HEADINGS)
    assert len(rows) == 2
    assert rows[1][:2] == [anna.number, "WEB-1"]
    assert rows[1][3:5] == ["Anna de Vries", "anna@example.com"]
    assert rows[1][8:11] == ["1", str(anna.total), "EUR"]


def test_fulfill_opens_the_new_plan_page_with_the_selection(op):
    first, second = make_order(), make_order()
    response = op.post("/orders/bulk/", {"orders": [first.number, second.number], "bulk_action": "fulfill"})

    assert response.status_code == 200
    assert [order.number for order in response.context["orders"]] == [second.number, first.number]  # newest first


def test_synchronize_refuses_manual_orders_with_the_reason(op):
    manual = make_order()
    response = op.post("/orders/bulk/", {"orders": [manual.number], "bulk_action": "synchronize"}, follow=True)

    [message] = messages_of(response)
    assert message.startswith(f"1 order not synchronized: {manual.number}: ")
    assert SyncRun.objects.count() == 0


def test_viewers_may_not_use_bulk_actions(viewer, db):
    order = make_order()
    response = viewer.post("/orders/bulk/", {"orders": [order.number], "bulk_action": "archive"})

    assert response.status_code == 403
    assert not Order.objects.get(pk=order.pk).is_archived


def test_the_overview_has_one_bulk_form_and_one_form_for_every_row_action(op):
    for _ in range(3):
        make_order(status="draft")
    html = op.get("/orders/").content.decode()

    main = html.split("</header>")[1]
    assert main.count("<form") == 5  # filters, Synchronize, bulk, the rows' actions, columns
    assert html.count('form="row-action" formaction="/orders/') == 3 * 4  # open, reset, archive, cancel per row
    assert "Select every order on this page" in html
    assert "None selected" in text(op.get("/orders/"))
