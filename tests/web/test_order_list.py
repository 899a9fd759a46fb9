import datetime as dt
import re
from html import unescape as html_unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orderly.channels.models import SalesChannel
from orderly.core.actors import Actor
from orderly.orders.services import order_archive
from tests.factories import VariantFactory, make_order
from tests.web.helpers import error_order, in_progress_order, messages_of, text

pytestmark = pytest.mark.django_db


def _numbers(response) -> list[str]:
    return [order.number for order, _ in response.context["rows"]]


@pytest.mark.parametrize("role", ["viewer", "operator", "manager", "admin"])
def test_overview_renders_for_every_role(clients, role):
    order = make_order(customer={"name": "Anna de Vries", "email": "anna@example.com", "type": "wholesale"})
    response = clients[role].get("/orders/")
    assert response.status_code == 200
    page = text(response)
    assert f"{order.number} 20" in page  # the number, then the date
    assert "Anna de Vries anna@example.com Manually entered — 18.53 EUR Unfulfilled Unpaid New" in page


def test_overview_columns_in_order_by_default(op):
    make_order(external_ref="WEB-77")
    page = text(op.get("/orders/"))
    assert "Number Date ▼ Customer Shop Shop status Total Fulfillment Payment Status" in page
    assert "WEB-77" not in page


def test_chosen_columns_are_remembered_per_user(op, viewer, users):
    make_order(external_ref="WEB-77", customer={"name": "Anna de Vries", "type": "wholesale"})
    chosen = ["external_ref", "type", "shop_status", "customer", "date", "total"]
    response = op.post("/orders/columns/", {"columns": chosen, "next": "/orders/?q=anna"})

    assert (response.status_code, response["Location"]) == (302, "/orders/?q=anna")
    users["operator"].refresh_from_db()
    assert users["operator"].order_columns == ["external_ref", "date", "customer", "type", "shop_status", "total"]
    page = text(op.get("/orders/"))
    assert "Number External ref Date ▼ Customer Type Shop status Total Status" in page
    assert "OR-000001 WEB-77" in page and "Wholesale" in page
    # Another person's overview keeps its own columns.
    assert "Number Date ▼ Customer Shop Shop status Total Fulfillment Payment Status" in text(viewer.get("/orders/"))


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ([], "Choose at least one column to show."),
        (
            ["date", "secret"],
            "Unknown column 'secret'; the columns are external_ref, date, customer, type, shop, "
            "shop_status, items, total, fulfillment, payment.",
        ),
    ],
)
def test_a_column_choice_that_cannot_be_shown_is_refused(op, users, columns, message):
    response = op.post("/orders/columns/", {"columns": columns}, follow=True)

    assert messages_of(response) == [message]
    users["operator"].refresh_from_db()
    assert users["operator"].order_columns == []


def test_viewer_gets_no_actions_menu_or_new_order_button(viewer, db):
    make_order()
    html = viewer.get("/orders/").content.decode()
    assert '<details class="menu">' not in html
    assert "New manual order" not in html and "Synchronize" not in html
    # The only form a viewer may send is their own choice of columns.
    assert html.split("</header>")[1].count('method="post"') == 1
    assert '<form class="column-choice" method="post" action="/orders/columns/">' in html


def test_operator_gets_the_allowed_actions_per_row(op):
    draft = make_order(status="draft")
    busy = in_progress_order()
    response = op.get("/orders/")
    assert dict((o.number, actions) for o, actions in response.context["rows"]) == {
        draft.number: [
            ("open", "Open"),
            ("edit", "Edit"),
            ("reset", "Reset"),
            ("archive", "Archive"),
            ("cancel", "Cancel"),
            ("delete", "Delete"),
        ],
        busy.number: [("edit", "Edit"), ("reset", "Reset"), ("archive", "Archive")],
    }
    html = response.content.decode()
    assert f'action="/orders/{draft.number}/open/"' in html
    assert f'href="/orders/{draft.number}/delete/?next=/orders/"' in html
    assert f'action="/orders/{busy.number}/cancel/"' not in html
    assert 'name="next" value="/orders/"' in html


def test_badges_use_the_seed_words(op):
    make_order(status="draft")
    make_order()
    in_progress_order()
    error_order()
    archived = make_order()
    order_archive(order=archived, actor=Actor.system())
    page = text(op.get("/orders/?archived=all&sort=number"))
    badges = [word for word in ("Draft", "New", "In progress", "Error", "Archived") if f"Unpaid {word}" in page]
    assert badges == ["Draft", "New", "In progress", "Error", "Archived"]


def test_archived_orders_are_hidden_by_default(op):
    kept = make_order()
    archived = make_order()
    order_archive(order=archived, actor=Actor.system())
    assert _numbers(op.get("/orders/")) == [kept.number]
    assert _numbers(op.get("/orders/?archived=only")) == [archived.number]
    assert _numbers(op.get("/orders/?archived=all&sort=number")) == [kept.number, archived.number]
    assert "archived orders are hidden" in text(op.get("/orders/"))


@pytest.mark.parametrize("q", ["margot", "MARGOT@example", "OR-000002", "000002", "shop-55", "de wit"], ids=lambda q: q)
def test_search_by_number_ref_name_or_email(op, q):
    make_order(customer={"name": "Jonas Becker", "email": "jonas@example.de", "type": "retail"}, external_ref="A-1")
    wanted = make_order(
        customer={"name": "Margot de Wit", "email": "margot@example.nl", "type": "retail"}, external_ref="SHOP-55"
    )
    assert _numbers(op.get("/orders/", {"q": q})) == [wanted.number]


def test_filters_by_status_stage_error_type_and_channel(op):
    draft = make_order(status="draft")
    busy = in_progress_order()
    broken = error_order()
    wholesale = make_order(customer={"name": "Café Noord", "email": "", "type": "wholesale"})
    other_channel = SalesChannel.objects.create(name="Web shop", kind="manual")
    elsewhere = make_order(channel=other_channel)
    assert _numbers(op.get("/orders/?status=draft")) == [draft.number]
    assert _numbers(op.get("/orders/?stage=in_progress")) == [busy.number]
    assert _numbers(op.get("/orders/?has_error=yes")) == [broken.number]
    assert broken.number not in _numbers(op.get("/orders/?has_error=no"))
    assert _numbers(op.get("/orders/?customer_type=wholesale")) == [wholesale.number]
    assert _numbers(op.get(f"/orders/?channel={other_channel.id}")) == [elsewhere.number]
    page = text(op.get(f"/orders/?channel={other_channel.id}"))
    assert "Web shop" in page


def test_filter_by_date_range(op):
    old = make_order(order_date=timezone.make_aware(dt.datetime(2024, 3, 1, 12, 0)))
    new = make_order(order_date=timezone.make_aware(dt.datetime(2024, 3, 20, 12, 0)))
    assert _numbers(op.get("/orders/?date_from=2024-03-10")) == [new.number]
    assert _numbers(op.get("/orders/?date_to=2024-03-10")) == [old.number]
    assert _numbers(op.get("/orders/?date_from=2024-03-01&date_to=2024-03-01")) == [old.number]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("date", [1, 2, 3]), ("-date", [3, 2, 1]), ("number", [1, 2, 3]), ("-total", [2, 3, 1]), ("total", [1, 3, 2])],
)
def test_sorting(op, sort, expected):
    variant = VariantFactory(price="10.00", tax_rate="0")
    base = timezone.make_aware(dt.datetime(2024, 5, 1, 9, 0))
    for n, quantity in enumerate((1, 5, 3)):
        make_order(items=[{"sku": variant.sku, "quantity": quantity}], order_date=base + dt.timedelta(hours=n))
    assert _numbers(op.get("/orders/", {"sort": sort})) == [f"OR-{n:06d}" for n in expected]


def test_sort_headers_say_which_way_and_flip(op):
    make_order()
    html = op.get("/orders/?sort=number&q=OR").content.decode()
    assert '<th scope="col" aria-sort="ascending"><a class="sort" href="?sort=-number&amp;q=OR">Number' in html
    assert '<th scope="col" aria-sort="none"><a class="sort" href="?sort=-date&amp;q=OR">Date</a></th>' in html


def test_paging_keeps_the_filters(op):
    variant = VariantFactory()
    for _ in range(27):
        make_order(
            items=[{"sku": variant.sku, "quantity": 1}], customer={"name": "Kees", "email": "", "type": "retail"}
        )
    make_order(customer={"name": "Someone else", "email": "", "type": "retail"})
    first = op.get("/orders/?q=kees&page_size=25&sort=number")
    assert first.context["page"].total == 27
    assert _numbers(first) == [f"OR-{n:06d}" for n in range(1, 26)]
    html = first.content.decode()
    next_link = html_unescape(re.search(r'href="([^"]*)" [^>]*rel="next"', html).group(1))
    assert next_link.startswith("?q=kees&page_size=25&sort=number&page=2&cursor=")
    assert "Page 1 of 2" in text(first)
    second = op.get(f"/orders/{next_link}")
    assert _numbers(second) == ["OR-000026", "OR-000027"]
    assert "Page 2 of 2" in text(second)
    assert 'href="?q=kees&amp;page_size=25&amp;sort=number&amp;page=1"' in second.content.decode()
    by_number = op.get("/orders/?q=kees&page_size=25&sort=number&page=2")
    assert _numbers(by_number) == ["OR-000026", "OR-000027"]


def test_default_page_size_is_50(op):
    variant = VariantFactory()
    for _ in range(51):
        make_order(items=[{"sku": variant.sku, "quantity": 1}])
    response = op.get("/orders/")
    assert len(response.context["rows"]) == 50
    assert response.context["page"].pages == 2


def test_a_page_past_the_end_says_so(op):
    make_order()
    response = op.get("/orders/?page=9")
    assert response.status_code == 200
    assert "There are no orders on page 9." in text(response)


def test_htmx_gets_only_the_results(op):
    make_order(customer={"name": "Margot de Wit", "email": "", "type": "retail"})
    response = op.get("/orders/?q=margot", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert '<table class="data orders stack">' in html
    assert "Margot de Wit" in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(op):
    response = op.get("/orders/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=lost", "status must be one of draft, open, closed, canceled, not 'lost'."),
        ("date_from=yesterday", "date_from 'yesterday' is not a date (YYYY-MM-DD)."),
        ("date_from=2024-05-02&date_to=2024-05-01", "date_from is after date_to."),
        ("archived=maybe", "archived must be one of 'hide', 'only', 'all', not 'maybe'."),
        ("channel=abc", "channel must be a whole number, not 'abc'."),
        ("page_size=7", "page_size must be one of 25, 50, 100, 200, not 7."),
        ("sort=colour", "sort must be one of date, -date, number, -number, total, -total, not 'colour'."),
        ("page=-1", "page must be a whole number, not '-1'."),
    ],
)
def test_bad_filters_get_a_clear_400_and_keep_what_was_typed(op, query, message):
    make_order()
    response = op.get(f"/orders/?{query}")
    assert response.status_code == 400
    assert f"These filters cannot be used: {message}" in text(response)
    assert response.context["rows"] == []


def test_bad_filters_keep_the_typed_values_in_the_form(op):
    html = op.get("/orders/?q=anna&date_from=31-12-2024").content.decode()
    assert 'name="q" value="anna"' in html
    assert 'name="date_from" value="31-12-2024"' in html


def test_overview_runs_a_fixed_number_of_queries(op):
    channel = SalesChannel.objects.create(name="Web shop", kind="manual")
    variant = VariantFactory()

    def add(count):
        for n in range(count):
            make_order(
                items=[{"sku": variant.sku, "quantity": 1}, {"sku": variant.sku, "quantity": 2}],
                channel=channel if n % 2 else None,
                status="draft" if n % 3 else "open",
            )

    def queries():
        op.get("/orders/")  # warm the session
        with CaptureQueriesContext(connection) as captured:
            response = op.get("/orders/")
        assert response.status_code == 200
        return len(response.context["rows"]), len(captured)

    add(5)
    rows_5, queries_5 = queries()
    add(45)
    rows_50, queries_50 = queries()
    assert (rows_5, rows_50) == (5, 50)
    assert queries_5 == queries_50
    with CaptureQueriesContext(connection) as captured:
        op.get("/orders/", headers={"HX-Request": "true"})
    assert len(captured) <= queries_50


def test_filter_by_fulfillment_and_payment_status(op):
    from decimal import Decimal

    from orderly.orders.models import Order

    plain = make_order()
    paid = make_order()
    Order.objects.filter(pk=paid.pk).update(payment_status="paid", amount_paid=Decimal("18.53"))
    shipped = make_order()
    Order.objects.filter(pk=shipped.pk).update(fulfillment_status="fulfilled")
    assert _numbers(op.get("/orders/?payment_status=paid")) == [paid.number]
    assert _numbers(op.get("/orders/?fulfillment_status=fulfilled")) == [shipped.number]
    assert set(_numbers(op.get("/orders/?fulfillment_status=unfulfilled&payment_status=unpaid"))) == {plain.number}
    response = op.get("/orders/?payment_status=owed")
    assert response.status_code == 400 and "payment_status must be one of" in text(response)


def test_a_count_past_its_limit_reads_as_a_lower_bound_until_counted_exactly(op, monkeypatch):
    from orderly.core import paging

    monkeypatch.setattr(paging, "COUNT_LIMIT", 3)
    variant = VariantFactory()
    for _ in range(5):
        make_order(items=[{"sku": variant.sku, "quantity": 1}])

    bounded = op.get("/orders/?page_size=25")
    exact = op.get("/orders/?page_size=25&count=exact")

    assert "3+ orders" in text(bounded) and "Count exactly" in text(bounded)
    assert 'href="?page_size=25&amp;count=exact"' in bounded.content.decode()
    assert "5 orders" in text(exact) and "Count exactly" not in text(exact)
    assert len(_numbers(bounded)) == 5


def test_deep_pages_link_both_ways_by_cursor(op):
    variant = VariantFactory()
    for _ in range(55):
        make_order(items=[{"sku": variant.sku, "quantity": 1}])

    def link(response, rel):
        return html_unescape(re.search(rf'href="([^"]*)" [^>]*rel="{rel}"', response.content.decode()).group(1))

    second = op.get(f"/orders/{link(op.get('/orders/?page_size=25&sort=number'), 'next')}")
    third = op.get(f"/orders/{link(second, 'next')}")
    back = op.get(f"/orders/{link(third, 'prev')}")

    assert _numbers(third) == [f"OR-{n:06d}" for n in range(51, 56)]
    assert "Page 3 of 3" in text(third) and 'rel="next"' not in third.content.decode()
    assert "&cursor=" in link(third, "prev") and _numbers(back) == [f"OR-{n:06d}" for n in range(26, 51)]
    assert link(back, "prev") == "?page_size=25&sort=number&page=1"


def test_a_made_up_cursor_is_named_on_the_page_and_nothing_is_listed(op):
    make_order()

    response = op.get("/orders/?page=2&cursor=not-one-of-ours")

    assert response.status_code == 400
    assert "cursor is not one this list gave out for this sort" in text(response)
    assert response.context["page"] is None
