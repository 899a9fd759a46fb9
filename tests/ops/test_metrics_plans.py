"""PostgreSQL's plans for `/metrics`: a scrape reads the few rows it counts, never the parcels, pushes or orders
of every day before.

Each table gets LOADED settled rows (labels booked long ago, pushes sent, orders without error) copied from one
real row in SQL, and a handful of the rows the gauges count; every row is ANALYZEd, so the planner costs a
sequential scan for what it is at that size. A count without an index for it then shows up as `Seq Scan` on its
table in the scrape's plans (tests/orders/test_query_plans.py explains the method).
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orderly.carriers.models import CarrierAccount, Parcel
from orderly.channels.models import OutboxMessage
from orderly.ops.selectors import operations_figures
from orderly.shipping.models import Fulfillment
from tests.factories import make_order

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: its planner's choices are what is checked"
)

LOADED = 40_000
WATCHED = ("carriers_parcel", "channels_outboxmessage", "orders_order")


def _copies(table: str, template_id: int, varying: dict[str, str]) -> None:
    """LOADED copies of row `template_id` of `table`, the `varying` columns as SQL of the copy's number `i`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id'",
            [table],
        )
        columns = [name for (name,) in cursor.fetchall()]
        values = [varying.get(column, f"t.{column}") for column in columns]
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM {table} t, generate_series(1, %s) AS i WHERE t.id = %s",
            [LOADED, template_id],
        )


@pytest.fixture
def settled_history(db):
    order = make_order()
    long_ago = timezone.now() - dt.timedelta(days=400)
    push = OutboxMessage.objects.create(channel=order.channel, order=order, status="sent", attempts=1)
    fulfillment = Fulfillment.objects.create(order=order, number="FF-T")
    account = CarrierAccount.objects.create(name="Own courier", kind="own")
    parcel = Parcel.objects.create(
        number="PA-T", fulfillment=fulfillment, account=account, weight_kg=1, label_status="booked", booked_at=long_ago
    )
    _copies("channels_outboxmessage", push.pk, {})
    _copies("shipping_fulfillment", fulfillment.pk, {"number": "'FF-' || i"})
    _copies(
        "carriers_parcel",
        parcel.pk,
        {
            "number": "'PA-' || i",
            "fulfillment_id": "(SELECT id FROM shipping_fulfillment WHERE number = 'FF-' || i)",
            "booked_at": "t.booked_at - i * interval '7 minutes'",
        },
    )
    _copies("orders_order", order.pk, {"number": "'OR-' || lpad(i::text, 7, '0')", "external_ref": "'SHOP-' || i"})
    # The few rows the gauges count.
    OutboxMessage.objects.create(channel=order.channel, order=order, status="failed", attempts=8)
    OutboxMessage.objects.create(channel=order.channel, order=order, status="pending", attempts=2)
    for n, status in enumerate(["booking", "failed"]):
        other = Fulfillment.objects.create(order=order, number=f"FF-W{n}")
        Parcel.objects.create(number=f"PA-W{n}", fulfillment=other, account=account, weight_kg=1, label_status=status)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL default_statistics_target = 1000")
        for table in (*WATCHED, "shipping_fulfillment"):
            cursor.execute(f"ANALYZE {table}")


def test_a_scrape_reads_no_table_of_history_through(settled_history):
    with CaptureQueriesContext(connection) as captured:
        figures = operations_figures()

    assert figures.pushes == {"pending": 0, "retrying": 1, "failed": 1}
    assert figures.labels_waiting == {"booking": 1, "failed": 1}
    assert figures.labels_booked_last_24h == 0
    scanned = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute(f"EXPLAIN {query['sql']}")
            plan = "\n".join(line for (line,) in cursor.fetchall())
            scanned += [(table, query["sql"]) for table in WATCHED if f"Seq Scan on {table}" in plan]
    assert scanned == []
