"""The orders overview's rows (drawn by templatetags/order_overview.py), its filter options and its queries."""

from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orderly.channels.models import SalesChannel
from orderly.core.actors import Actor
from orderly.orders.models import Order
from orderly.orders.services import order_archive, order_cancel
from orderly.web.views.order_bulk import ORDER_COLUMNS
from tests.factories import make_order
from tests.web.helpers import error_order, in_progress_order

pytestmark = pytest.mark.django_db


def _show_every_column(user):
    user.order_columns = list(ORDER_COLUMNS)
    user.save(update_fields=["order_columns"])


def test_every_cell_of_a_row_is_escaped(op, users):
    _show_every_column(users["operator"])
    order = make_order(external_ref="R&D <7>", customer={"name": 'Zoë & "Co"', "email": "", "type": "wholesale"})
    Order.objects.filter(pk=order.pk).update(external_status="paid&shipped")
    order.refresh_from_db()

    html = op.get("/orders/").content.decode()

    stamp = timezone.localtime(order.order_date)
    cells = [
        f'<td data-label="Number"><a class="order-number" href="/orders/{order.number}/">{order.number}</a></td>',
        '<td data-label="External ref">R&amp;D &lt;7&gt;</td>',
        f'<td data-label="Date"><time datetime="{stamp.isoformat()}">{stamp:%Y-%m-%d %H:%M}</time></td>',
        '<td data-label="Customer" class="customer">Zoë &amp; &quot;Co&quot;</td>',  # no e-mail: no second line
        '<td data-label="Type">Wholesale</td>',
        '<td data-label="Shop">Manually entered</td>',
        '<td data-label="Shop status">paid&amp;shipped</td>',
        '<td data-label="Items" class="num">1</td>',
        f'<td data-label="Total" class="num">{order.total:,.2f} EUR</td>',
        '<td data-label="Fulfillment">Unfulfilled</td>',
        '<td data-label="Payment">Unpaid</td>',
        '<td data-label="Status"><span class="badge badge-new">New</span></td>',
    ]
    row = html.split("<tbody>")[1].split("</tr>")[0]
    positions = [row.find(cell) for cell in cells]
    assert -1 not in positions, [cell for cell, at in zip(cells, positions, strict=True) if at == -1]
    assert positions == sorted(positions)


def test_a_number_that_needs_quoting_is_quoted_in_links_and_escaped_in_text(op):
    order = make_order(status="draft")
    Order.objects.filter(pk=order.pk).update(number='SO #1&2"')

    html = op.get("/orders/").content.decode()

    number = escape('SO #1&2"')
    detail = escape(reverse("web:order_detail", args=['SO #1&2"']))
    assert detail == "/orders/SO%20%231&amp;2%22/"
    assert f'<a class="order-number" href="{detail}">{number}</a>' in html
    assert f'value="{number}" form="bulk-form" aria-label="Select {number}"' in html
    assert f'<summary>Actions<span class="visually-hidden"> for {number}</span></summary>' in html
    cancel = escape(reverse("web:order_action", args=['SO #1&2"', "cancel"]))
    assert (
        f'formaction="{cancel}" data-confirm="Cancel order {number}? A canceled order cannot be opened again.">'
        "Cancel</button>"
    ) in html
    delete = escape(reverse("web:order_delete", args=['SO #1&2"']))
    assert f'<a class="danger" href="{delete}?next=/orders/">Delete…</a>' in html


def test_a_reopened_order_says_why_on_the_overview_and_its_page(op):
    order = make_order()
    Order.objects.filter(pk=order.pk).update(reopened_because="return")
    badge = (
        '<span class="badge badge-reopened" title="Open: a return to settle">Open</span> '
        '<span class="badge-reason">a return to settle</span>'
    )

    assert f'<td data-label="Status">{badge}</td>' in op.get("/orders/").content.decode()
    assert f"<h1>Order {order.number} {badge}" in op.get(f"/orders/{order.number}/").content.decode()


def test_a_viewer_rows_have_no_actions_worked_out(viewer):
    make_order(status="draft")
    response = viewer.get("/orders/")
    assert [actions for _order, actions in response.context["rows"]] == [[]]
    assert 'class="actions-cell"' not in response.content.decode()


def test_the_filter_form_shows_what_was_chosen(op):
    channel = SalesChannel.objects.create(name="Web & shop", kind="manual")
    query = f"status=open&channel={channel.id}&customer_type=wholesale&sort=number&page_size=100"
    html = op.get(f"/orders/?{query}").content.decode()

    assert '<option value="draft">Draft</option><option value="open" selected>Open</option>' in html
    assert f'<option value="{channel.id}" selected>Web &amp; shop</option>' in html
    assert '<option value="wholesale" selected>Wholesale</option>' in html
    assert '<option value="number" selected>Number, low to high</option>' in html
    assert '<option value="50">50</option><option value="100" selected>100</option>' in html
    assert html.count(" selected>") == 5 + 2  # and the two selects that always have a choice: archived, test


def test_every_column_and_state_in_a_fixed_number_of_queries(op, users):
    """A row reads only what the overview loads (orders.selectors.LIST_ROW_FIELDS): a field it left out would cost
    a query per row."""
    _show_every_column(users["operator"])
    shop = SalesChannel.objects.create(name="Web shop", kind="manual")

    def add_one_of_each():
        make_order(status="draft", channel=shop)
        canceled = make_order(status="draft")
        order_cancel(order=canceled, actor=Actor.system())
        in_progress_order()
        error_order()
        archived = make_order()
        order_archive(order=archived, actor=Actor.system())
        reopened = make_order()
        Order.objects.filter(pk=reopened.pk).update(reopened_because="lost_parcel")
        closed = make_order()
        Order.objects.filter(pk=closed.pk).update(status="closed", fulfillment_status="fulfilled")

    def queries():
        op.get("/orders/?archived=all")  # warm the session
        with CaptureQueriesContext(connection) as captured:
            response = op.get("/orders/?archived=all")
        assert response.status_code == 200
        return len(response.context["rows"]), len(captured)

    add_one_of_each()
    rows_7, queries_7 = queries()
    for _ in range(4):
        add_one_of_each()
    rows_35, queries_35 = queries()
    assert (rows_7, rows_35) == (7, 35)
    assert queries_7 == queries_35
