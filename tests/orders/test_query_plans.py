"""PostgreSQL's plans for the orders overview: a page never reads the orders table from end to end.

How the planner's choice is made meaningful without `enable_seqscan=off` (which would hide a missing index rather
than find it): the test loads LOADED orders by copying one real order in SQL (each copy with its own number,
date, customer, status, stage, channel and flags, in realistic shares), then ANALYZEs every row of the table (a
sample would make the plans differ from run to run), so the planner costs a sequential scan for what it is at
that size: hundreds of pages against the few an index reads for 51 rows. A filter without its index then shows
up as `Seq Scan on orders_order` in the page's plan.

Every query the overview runs for a page is captured as the database received it and explained: the page itself
must not scan orders sequentially; the count may (reading 10,001 rows in table order is what it costs at most),
but only under its LIMIT, so it never reads the table through.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orderly.channels.models import SalesChannel
from orderly.core.paging import COUNT_LIMIT, paginate
from orderly.orders.models import Order
from orderly.orders.selectors import SORTS, OrderFilters, order_search
from tests.factories import make_order

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: its planner's choices are what is checked"
)

LOADED = 60_000
# Each copied column that varies, as SQL of the copy's number `i` (the rest is the original order's).
VARYING = {
    "number": "'OR-' || lpad((i + 100)::text, 7, '0')",
    "order_date": "t.order_date - i * interval '7 minutes'",
    "customer_name": "(ARRAY['Jansen','de Vries','Bakker','Visser','Smit'])[1 + mod(i, 5)] || ' ' || mod(i, 9973)",
    "customer_email": "'c' || mod(i, 9973) || '@example.com'",
    "external_ref": "'SHOP-' || i",
    "status": "(ARRAY['open','open','open','closed','closed','closed','closed','draft','canceled'])[1 + mod(i, 9)]",
    "stage": "(ARRAY['new','new','completed','completed','in_progress'])[1 + mod(i, 5)]",
    "fulfillment_status": "(ARRAY['fulfilled','fulfilled','unfulfilled','partially_fulfilled'])[1 + mod(i, 4)]",
    "payment_status": "(ARRAY['paid','paid','paid','unpaid','partially_paid','refund_due'])[1 + mod(i, 6)]",
    "customer_type": "CASE WHEN mod(i, 10) = 0 THEN 'wholesale' ELSE 'retail' END",
    "is_archived": "mod(i, 20) = 7",
    "is_test": "mod(i, 500) = 3",
    "error_code": "CASE WHEN mod(i, 400) = 0 THEN 'unknown_sku' ELSE '' END",
    "total": "mod(i, 5000)::numeric / 10",
}
# The search column as Order.save folds it (core.folding.search_text: the searched fields lower-cased, one a line;
# the names above carry no accents).
VARYING["search_text"] = (
    "lower("
    + " || E'\\n' || ".join(
        f"({VARYING[field]})" for field in ("number", "external_ref", "customer_name", "customer_email")
    )
    + ")"
)


@pytest.fixture
def many_orders(db):
    template = make_order()
    channels = [SalesChannel.objects.create(name=f"Shop {n}", kind=template.channel.kind) for n in range(4)]
    varying = {**VARYING, "channel_id": f"(ARRAY{[c.id for c in channels]})[1 + mod(i, {len(channels)})]"}
    columns = [field.column for field in Order._meta.concrete_fields if field.column != "id"]
    values = [varying.get(column, f"t.{column}") for column in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO orders_order ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM orders_order t, generate_series(1, %s) AS i WHERE t.id = %s",
            [LOADED, template.id],
        )
        # Statistics from every row, not a sample of 30,000: the same plans on every run.
        cursor.execute("SET LOCAL default_statistics_target = 1000")
        cursor.execute("ANALYZE orders_order")
    return {"channel": channels[1].id}


def _plans(filters: OrderFilters) -> list[tuple[str, str]]:
    """(SQL, plan) of each query on orders that a page of the overview runs."""
    with CaptureQueriesContext(connection) as captured:
        paginate(order_search(filters), page=1, page_size=50, keys=SORTS[filters.sort])
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if "orders_order" in query["sql"]:
                cursor.execute(f"EXPLAIN {query['sql']}")
                plans.append((query["sql"], "\n".join(row[0] for row in cursor.fetchall())))
    return plans


CASES = {
    "default view": {},
    "status": {"status": "draft"},
    "status and channel": {"status": "open", "channel": "channel"},
    "stage": {"stage": "in_progress"},
    "fulfillment": {"fulfillment_status": "partially_fulfilled"},
    "payment": {"payment_status": "refund_due"},
    "customer type": {"customer_type": "wholesale"},
    "with an error": {"has_error": True},
    "archived only": {"archived": True},
    "search by customer": {"q": "jansen 42"},
    "search by number": {"q": "OR-00421"},
    "search by external ref": {"q": "SHOP-4211"},
    "oldest first": {"sort": "date"},
    "by number": {"sort": "-number"},
    "by total": {"sort": "-total"},
}


def _faults(filters: OrderFilters) -> list[str]:
    plans = _plans(filters)
    if len(plans) != 2:  # the count and the page
        return [f"{len(plans)} queries: {plans}"]
    (count_sql, count_plan), (_page_sql, page_plan) = plans
    faults = []
    if "Seq Scan on orders_order" in page_plan:
        faults.append(f"the page scans orders:\n{page_plan}")
    if f"LIMIT {COUNT_LIMIT + 1}" not in count_sql or "->  Limit" not in count_plan.splitlines()[1]:
        faults.append(f"the count is not bounded:\n{count_plan}")
    return faults


def test_no_page_of_the_overview_reads_the_orders_table_through(many_orders):
    # One test over every case: loading the orders takes seconds, explaining a case milliseconds.
    faults = {}
    for case, chosen in CASES.items():
        filters = OrderFilters(**{name: many_orders.get(value, value) for name, value in chosen.items()})
        if found := _faults(filters):
            faults[case] = found

    assert faults == {}
