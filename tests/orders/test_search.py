import datetime as dt

import pytest
from django.utils import timezone

from orderly.core.exceptions import ValidationError
from orderly.core.paging import paginate
from orderly.orders.models import Order
from orderly.orders.selectors import OrderFilters, order_search, order_timeline
from orderly.orders.services import order_archive, order_note_add
from tests.factories import make_order


def _numbers(filters: OrderFilters) -> list[str]:
    return list(order_search(filters).values_list("number", flat=True))


@pytest.fixture
def orders(db):
    now = timezone.now()
    anna = make_order(
        customer={"name": "Anna de Vries", "email": "anna@example.com", "type": "retail"},
        external_ref="#1001",
        order_date=now - dt.timedelta(days=3),
    )
    bakery = make_order(
        customer={"name": "Bakkerij Bol", "email": "inkoop@bakkerij-bol.nl", "type": "wholesale"},
        external_ref="WS-77",
        order_date=now - dt.timedelta(days=1),
        status="draft",
    )
    broken = make_order(
        customer={"name": "Jan Peeters", "email": "jan@example.be", "type": "retail"},
        items=[{"sku": "GONE-1", "quantity": 1, "unit_price": "3.00"}],
        strict=False,
        order_date=now - dt.timedelta(days=10),
    )
    return {"anna": anna, "bakery": bakery, "broken": broken}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("OR-000002", ["bakery"]),
        ("or-00000", ["bakery", "anna", "broken"]),
        ("#100", ["anna"]),
        ("ws-7", ["bakery"]),
        ("vries", ["anna"]),
        ("BAKKERIJ", ["bakery"]),
        ("@example.be", ["broken"]),
        ("nobody", []),
    ],
)
def test_search_is_partial_and_case_insensitive(orders, q, expected):
    assert _numbers(OrderFilters(q=q)) == [orders[name].number for name in expected]


def test_filters(orders):
    assert _numbers(OrderFilters(status="draft")) == [orders["bakery"].number]
    assert _numbers(OrderFilters(customer_type="wholesale")) == [orders["bakery"].number]
    assert _numbers(OrderFilters(has_error=True)) == [orders["broken"].number]
    assert _numbers(OrderFilters(has_error=False)) == [orders["bakery"].number, orders["anna"].number]
    assert _numbers(OrderFilters(stage="in_progress")) == []
    assert _numbers(OrderFilters(channel=orders["anna"].channel_id)) == [
        orders[name].number for name in ("bakery", "anna", "broken")
    ]
    today = timezone.localdate()
    assert _numbers(OrderFilters(date_from=today - dt.timedelta(days=4), date_to=today - dt.timedelta(days=2))) == [
        orders["anna"].number
    ]


def test_archived_orders_leave_the_default_list(orders, actor):
    order_archive(order=orders["anna"], actor=actor)
    assert orders["anna"].number not in _numbers(OrderFilters())
    assert _numbers(OrderFilters(archived=True)) == [orders["anna"].number]
    assert len(_numbers(OrderFilters(archived=None))) == 3


def test_deleted_orders_are_in_no_list(orders):
    Order.objects.filter(pk=orders["anna"].pk).update(deleted_at=timezone.now())
    assert orders["anna"].number not in _numbers(OrderFilters(archived=None, q="anna"))


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-date", ["bakery", "anna", "broken"]),
        ("date", ["broken", "anna", "bakery"]),
        ("number", ["anna", "bakery", "broken"]),
        ("-number", ["broken", "bakery", "anna"]),
    ],
)
def test_sorting(orders, sort, expected):
    assert _numbers(OrderFilters(sort=sort)) == [orders[name].number for name in expected]


def test_sort_by_total_is_stable_on_ties(db):
    created = [make_order().number for _ in range(5)]  # same total each
    assert _numbers(OrderFilters(sort="total")) == created
    assert _numbers(OrderFilters(sort="-total")) == created[::-1]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (OrderFilters(status="lost"), "status"),
        (OrderFilters(stage="done"), "stage"),
        (OrderFilters(customer_type="vip"), "customer_type"),
        (OrderFilters(sort="price"), "sort"),
        (OrderFilters(date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 1, 1)), "date_from"),
    ],
)
def test_bad_filters_are_refused(db, filters, field):
    with pytest.raises(ValidationError) as refused:
        order_search(filters)
    assert refused.value.field == field


def test_paging_is_stable_and_complete(db):
    numbers = [make_order().number for _ in range(7)]
    pages = [paginate(order_search(OrderFilters(sort="number")), page=p, page_size=3) for p in (1, 2, 3, 4)]
    assert [[o.number for o in page.items] for page in pages] == [numbers[0:3], numbers[3:6], numbers[6:], []]
    assert (pages[0].total, pages[0].pages, pages[0].has_next, pages[2].has_next) == (7, 3, True, False)
    with pytest.raises(ValidationError):
        paginate(order_search(OrderFilters()), page=0)
    with pytest.raises(ValidationError):
        paginate(order_search(OrderFilters()), page_size=1000)


def test_timeline_is_newest_first(db, actor):
    order = make_order()
    order_note_add(order=order, text="first", actor=actor)
    order_note_add(order=order, text="second", actor=actor)
    assert [e.kind for e in order_timeline(order)] == ["note_added", "note_added", "created"]
    assert [e.data.get("text") for e in order_timeline(order)][:2] == ["second", "first"]


@pytest.fixture
def accented(db):
    return {
        "jaren": make_order(customer={"name": "Café de Jaren", "email": "inkoop@cafedejaren.nl"}),
        "muller": make_order(customer={"name": "Jürgen Müller", "email": "jm@example.de"}, external_ref="BESTÄTIGT-1"),
        "strasse": make_order(customer={"name": "Kaffeehaus Großstraße", "email": "info@example.at"}),
        "plain": make_order(customer={"name": "Cafe Noord", "email": "cafe@noord.nl"}),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("cafe de jaren", ["jaren"]),
        ("CAFÉ DE JAREN", ["jaren"]),
        ("café", ["plain", "jaren"]),  # an accent typed still finds the name written without one
        ("muller", ["muller"]),
        ("MÜLLER", ["muller"]),
        ("jurgen m", ["muller"]),
        ("bestatigt", ["muller"]),
        ("grossstrasse", ["strasse"]),  # ß folds to ss
        ("de jaren\ncafe", []),  # a match never runs from one field into the next
        ("jaren%", []),  # LIKE's wildcards are matched as themselves
    ],
)
def test_search_ignores_accents_and_case(accented, q, expected):
    found = _numbers(OrderFilters(q=q))
    assert found == [accented[key].number for key in expected]


def test_search_text_follows_an_edit_of_the_customer(accented, actor):
    from orderly.orders.services import order_update

    order_update(order=accented["plain"], changes={"customer": {"name": "Brasserie Zoë"}}, actor=actor)

    assert _numbers(OrderFilters(q="zoe")) == [accented["plain"].number]
    assert _numbers(OrderFilters(q="cafe noord")) == []
    assert Order.objects.get(pk=accented["plain"].pk).search_text == (
        f"{accented['plain'].number.lower()}\n\nbrasserie zoe\ncafe@noord.nl"
    )


def test_one_trigram_index_serves_the_search_on_postgresql(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'orders_order' AND indexname LIKE '%trgm'")
        assert [row[0] for row in cursor.fetchall()] == ["order_search_text_trgm"]
