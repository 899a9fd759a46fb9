"""PostgreSQL's plans for the lists that page by cursor: no page of them reads its table from end to end.

As tests/orders/test_query_plans.py does for orders: each list's table is loaded with LOADED copies of one real row
(copied in SQL, each with its own number, time, status, kind and owner in realistic shares) and ANALYZEd in full, so
that the planner costs a sequential scan for what it is at that size. Every query the first page and a page by
cursor run is then explained, for each filter the list offers: neither page may scan its table sequentially nor
sort more than a few pages' worth of matching rows (an index must give the list's order, at most in groups an
incremental sort finishes; a plan's own movements, say, are few enough to sort), and the count may read its table
only under its LIMIT.
"""

import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orderly.batches import selectors as batch_selectors
from orderly.batches.models import Batch
from orderly.billing import selectors as billing_selectors
from orderly.billing.models import Invoice
from orderly.channels import selectors as channel_selectors
from orderly.channels.models import OutboxMessage, SalesChannel, SyncRun
from orderly.core.paging import COUNT_LIMIT, paginate
from orderly.inventory import selectors as inventory_selectors
from orderly.inventory.models import Lot, Movement
from orderly.inventory.services import stock_receive
from orderly.notifications import selectors as email_selectors
from orderly.notifications.models import EmailMessage
from orderly.orders.models import Order
from orderly.production import selectors as roast_selectors
from orderly.production.models import RoastBatch
from tests.list_rows import LISTS, SYSTEM
from tests.production.helpers import machine

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: its planner's choices are what is checked"
)

LOADED = 40_000
# A sort (not an incremental one) of more rows than this, by the planner's estimate, is a list read through.
SORT_LIMIT = 1_000
FULL_SORT = re.compile(r"(?:^|->  )Sort  \(cost=\S+ rows=(\d+)", re.M)


def _pick(values: list, every: str = "i") -> str:
    """SQL choosing one of `values` by the copy's number, in equal shares."""
    quoted = ", ".join(f"'{value}'" if isinstance(value, str) else str(value) for value in values)
    return f"(ARRAY[{quoted}])[1 + mod({every}, {len(values)})]"


def _load(model, template_id: int, varying: dict[str, str]) -> None:
    table = model._meta.db_table
    columns = [field.column for field in model._meta.concrete_fields if field.column != "id"]
    values = [varying.get(column, f't."{column}"') for column in columns]
    named = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({named}) SELECT {', '.join(values)} "
            f"FROM {table} t, generate_series(1, %s) AS i WHERE t.id = %s",
            [LOADED, template_id],
        )
        cursor.execute("SET LOCAL default_statistics_target = 1000")
        cursor.execute(f"ANALYZE {table}")
        # The tables a list joins, as they are now: statistics other tests left (rows since rolled back) would
        # make the planner expect a join to keep a handful of the loaded rows, and sort those.
        cursor.execute("ANALYZE orders_order, shipping_fulfillment")


@dataclass(frozen=True)
class Listing:
    table: str
    rows: object  # a callable giving the list's queryset
    keys: tuple[str, ...]


@pytest.fixture
def loaded(db) -> dict:
    """Every list's table loaded; what the filters name (an order, a lot, a channel…) by name."""
    for build in LISTS.values():
        build().make(0)
    orders = list(Order.objects.values_list("id", flat=True)[:10])
    channels = [SalesChannel.objects.create(name=f"Shop {n}", kind="csv").id for n in range(4)]
    lots = [stock_receive(kind="packaged", sku="ESP-250", quantity=1, lot_date=f"2026-0{n}-01", actor=SYSTEM).id
            for n in range(1, 6)]  # fmt: skip
    machines = [machine(f"Roaster {n}").id for n in range(3)] + [RoastBatch.objects.get().machine_id]
    ago = "t.{0} - i * interval '7 minutes'"
    credit_note = "mod(i, 10) = 0"  # a credit note corrects an invoice: the one copied
    _load(Invoice, Invoice.objects.get().id, {
        "number": "'INV-' || lpad(i::text, 8, '0')", "issued_at": ago.format("issued_at"),
        "order_id": _pick(orders), "kind": f"CASE WHEN {credit_note} THEN 'credit_note' ELSE 'invoice' END",
        "credits_id": f"CASE WHEN {credit_note} THEN t.id END",
    })  # fmt: skip
    _load(Movement, Movement.objects.latest("id").id, {
        "created_at": ago.format("created_at"), "lot_id": _pick(lots),
        "kind": _pick(["receipt", "hold", "hold", "shipment", "shipment", "adjustment"]),
        "reference": "'OF-' || lpad(mod(i, 300)::text, 6, '0')",
    })  # fmt: skip
    _load(SyncRun, SyncRun.objects.latest("id").id, {
        "started_at": ago.format("started_at"), "channel_id": _pick(channels),
        "kind": _pick(["channel", "channel", "channel", "order", "csv", "webhook"]),
        "status": _pick(["succeeded", "succeeded", "succeeded", "partial", "failed"], "(i / 7)"),
    })  # fmt: skip
    _load(OutboxMessage, OutboxMessage.objects.latest("id").id, {
        "created_at": ago.format("created_at"), "channel_id": _pick(channels), "order_id": _pick(orders),
        "status": _pick(["sent"] * 8 + ["failed", "pending"], "(i / 3)"), "attempts": "mod(i, 3)",
    })  # fmt: skip
    _load(Batch, Batch.objects.latest("id").id, {
        "number": "'BA-' || lpad(i::text, 8, '0')", "created_at": ago.format("created_at"),
        "status": _pick(["finished"] * 8 + ["failed", "processing"], "(i / 3)"),
        "created_by_name": _pick(["olga", "piet", "anna", "kees"]),
    })  # fmt: skip
    _load(RoastBatch, RoastBatch.objects.latest("id").id, {
        "number": "'RB-' || lpad(i::text, 8, '0')", "date": "t.date - (i / 20)", "machine_id": _pick(machines),
        "status": _pick(["canceled", "scheduled", "scheduled", "scheduled"], "(i / 5)"),
    })  # fmt: skip
    first_email = EmailMessage.objects.order_by("id").first()
    _load(EmailMessage, first_email.id, {
        "created_at": ago.format("created_at"), "order_id": _pick(orders), "resend_of_id": str(first_email.id),
        "status": _pick(["sent"] * 8 + ["failed", "skipped"], "(i / 3)"), "kind": _pick(["shipped", "delivered"]),
    })  # fmt: skip
    return {
        "order": Order.objects.get(id=orders[3]).number,
        "lot": Lot.objects.get(id=lots[2]).number,
        "channel": channels[1],
        "machine": RoastBatch.objects.filter(machine_id=machines[1]).values_list("machine__name", flat=True)[0],
        "plan": RoastBatch.objects.values_list("plan__number", flat=True)[0],
    }


def _cases(named: dict) -> dict[str, Listing]:
    invoices, ledger = billing_selectors.invoice_list, inventory_selectors.ledger
    runs, pushes = channel_selectors.sync_run_search, channel_selectors.outbox_search
    batches, roasts, emails = batch_selectors.batch_list, roast_selectors.roast_batch_list, email_selectors.email_list
    cases = {
        f"invoices {sort}": Listing("billing_invoice", lambda sort=sort: invoices(sort=sort),
                                    billing_selectors.SORTS[sort])
        for sort in billing_selectors.SORTS
    }  # fmt: skip
    cases |= {
        f"credit notes {sort}": Listing("billing_invoice", lambda sort=sort: invoices(kind="credit_note", sort=sort),
                                        billing_selectors.SORTS[sort])
        for sort in ("-issued", "number", "-total")
    }  # fmt: skip
    sync_log, updates = channel_selectors.SYNC_LOG_ORDER, channel_selectors.PUSHES_ORDER
    cases |= {
        "invoices of an order": Listing("billing_invoice", lambda: invoices(order=named["order"]),
                                        billing_selectors.SORTS["-issued"]),
        "ledger": Listing("inventory_movement", ledger, inventory_selectors.LEDGER_ORDER),
        "ledger of a lot": Listing("inventory_movement", lambda: ledger(lot=named["lot"]),
                                   inventory_selectors.LEDGER_ORDER),
        "ledger of a SKU": Listing("inventory_movement", lambda: ledger(sku="ESP-250"),
                                   inventory_selectors.LEDGER_ORDER),
        "ledger by kind": Listing("inventory_movement", lambda: ledger(kind="adjustment"),
                                  inventory_selectors.LEDGER_ORDER),
        "ledger of a plan": Listing("inventory_movement", lambda: ledger(reference="OF-000042"),
                                    inventory_selectors.LEDGER_ORDER),
        "sync log": Listing("channels_syncrun", runs, sync_log),
        "sync log of a channel": Listing("channels_syncrun", lambda: runs(channel_id=named["channel"]), sync_log),
        "sync log by kind": Listing("channels_syncrun", lambda: runs(kind="webhook"), sync_log),
        "sync log by status": Listing("channels_syncrun", lambda: runs(status="failed"), sync_log),
        "sync log of a channel by status": Listing(
            "channels_syncrun", lambda: runs(channel_id=named["channel"], status="partial"), sync_log),
        "updates": Listing("channels_outboxmessage", pushes, updates),
        "updates of a channel": Listing("channels_outboxmessage", lambda: pushes(channel_id=named["channel"]),
                                        updates),
        "updates that failed": Listing("channels_outboxmessage", lambda: pushes(status="failed"), updates),
        "updates retrying": Listing("channels_outboxmessage", lambda: pushes(status="retrying"), updates),
        "batches": Listing("batches_batch", batches, batch_selectors.BATCH_ORDER),
        "batches that failed": Listing("batches_batch", lambda: batches(status="failed"), batch_selectors.BATCH_ORDER),
        "batches of a person": Listing("batches_batch", lambda: batches(created_by="anna"),
                                       batch_selectors.BATCH_ORDER),
        "roast schedule": Listing("production_roastbatch", roasts, roast_selectors.ROAST_BATCH_ORDER),
        "roast schedule from a date": Listing(
            "production_roastbatch", lambda: roasts(date_from="2026-01-01"), roast_selectors.ROAST_BATCH_ORDER),
        "roast schedule of a machine": Listing(
            "production_roastbatch", lambda: roasts(machine=named["machine"]), roast_selectors.ROAST_BATCH_ORDER),
        "roast schedule canceled": Listing(
            "production_roastbatch", lambda: roasts(status="canceled"), roast_selectors.ROAST_BATCH_ORDER),
        "e-mail log": Listing("notifications_emailmessage", emails, email_selectors.EMAIL_LOG_ORDER),
        "e-mails that failed": Listing("notifications_emailmessage", lambda: emails(status="failed"),
                                       email_selectors.EMAIL_LOG_ORDER),
        "e-mails delivered": Listing("notifications_emailmessage", lambda: emails(kind="delivered"),
                                     email_selectors.EMAIL_LOG_ORDER),
        "e-mails of an order": Listing("notifications_emailmessage", lambda: emails(order=named["order"]),
                                       email_selectors.EMAIL_LOG_ORDER),
    }  # fmt: skip
    return cases


def _explained(queries, table: str) -> list[tuple[str, str]]:
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            if f'"{table}"' in query["sql"]:
                cursor.execute(f"EXPLAIN {query['sql']}")
                plans.append((query["sql"], "\n".join(row[0] for row in cursor.fetchall())))
    return plans


def _faults(listing: Listing) -> list[str]:
    with CaptureQueriesContext(connection) as first_page:
        first = paginate(listing.rows(), page=1, page_size=50, keys=listing.keys)
    if first.next_cursor is None:
        return [f"no second page: {len(first.items)} rows"]
    with CaptureQueriesContext(connection) as by_cursor:
        paginate(listing.rows(), page=None, page_size=50, keys=listing.keys, cursor=first.next_cursor)
    faults = []
    for name, captured in (("first page", first_page), ("page by cursor", by_cursor)):
        plans = _explained(captured.captured_queries, listing.table)
        if len(plans) != 2:  # the count and the page
            faults.append(f"{name}: {len(plans)} queries")
            continue
        (count_sql, count_plan), (_sql, page_plan) = plans
        if f"Seq Scan on {listing.table}" in page_plan:
            faults.append(f"{name} scans {listing.table}:\n{page_plan}")
        sorted_rows = max((int(rows) for rows in FULL_SORT.findall(page_plan)), default=0)
        if sorted_rows > SORT_LIMIT:
            faults.append(f"{name} sorts every match:\n{page_plan}")
        if f"LIMIT {COUNT_LIMIT + 1}" not in count_sql or "Limit" not in count_plan.splitlines()[1]:
            faults.append(f"{name}'s count is not bounded:\n{count_plan}")
    return faults


def test_no_page_of_a_list_that_pages_by_cursor_reads_its_table_through(loaded):
    # One test over every case: loading the tables takes seconds, explaining a case milliseconds.
    faults = {case: found for case, listing in _cases(loaded).items() if (found := _faults(listing))}

    assert faults == {}, "\n\n".join(f"{case}: {found}" for case, found in faults.items())
