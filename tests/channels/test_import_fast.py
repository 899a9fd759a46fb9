"""The fast import path: rows written below the ORM keep every guarantee of order_create, and a re-sync skips
what the shop has not touched before parsing it."""

from decimal import Decimal

import pytest
from django.db import connection

from orderly.channels.connectors import shopify as shopify_module
from orderly.channels.connectors.shopify import parse_order
from orderly.channels.models import SalesChannel, SyncedOrder
from orderly.channels.services import channel_create, channel_sync
from orderly.channels.services.upsert import import_entry
from orderly.core.actors import Actor
from orderly.core.numbering import next_number, next_numbers
from orderly.orders.models import Address, Order, OrderEvent, OrderItem
from orderly.orders.services import order_create
from orderly.orders.services.importing import insert_rows, orders_import_many
from tests.channels.fake_shops import shopify_order

# What legitimately differs between two creations of the same order.
# (search_text begins with the number; the rest of it is compared on its own.)
NOT_COMPARED = {
    "id",
    "number",
    "search_text",
    "channel_id",
    "external_id",
    "shipping_address_id",
    "billing_address_id",
    "order_id",
}
TIMES = {"created_at", "updated_at", "order_date", "synced_at"}


def _fields(obj) -> dict:
    return {
        f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in NOT_COMPARED | TIMES
    }


def test_next_numbers_takes_one_consecutive_block(db):
    assert next_number("OR") == "OR-000001"
    assert next_numbers("OR", 3) == ["OR-000002", "OR-000003", "OR-000004"]
    assert next_numbers("OR", 0) == []
    assert next_number("OR") == "OR-000005"


def test_insert_rows_gives_every_column_the_models_default(db):
    order = Order.objects.create(number="OR-1", channel=SalesChannel.objects.create(name="S"), customer_name="A")
    given = {"order_id": order.pk, "line_no": 1, "sku": "X", "name": "X", "quantity": 2, "unit_price": Decimal("3")}
    insert_rows(OrderItem, [given])
    stored = OrderItem.objects.get()
    for field in OrderItem._meta.concrete_fields:  # every field the model has today, and any added tomorrow
        if field.primary_key or field.attname in given:
            continue
        expected = field.get_default()
        assert getattr(stored, field.attname) == expected, field.attname


def test_insert_rows_names_a_missing_required_column_and_returns_ids_in_order(db):
    with pytest.raises(ValueError, match="orders_orderitem.order_id"):
        insert_rows(OrderItem, [{"line_no": 1, "sku": "X", "name": "X", "quantity": 1, "unit_price": 1}])
    rows = [{"name": f"N{i}", "line1": "L", "postal_code": "1", "city": "C", "country": "NL"} for i in range(5)]
    ids = insert_rows(Address, rows, returning=True)
    assert [Address.objects.get(pk=pk).name for pk in ids] == ["N0", "N1", "N2", "N3", "N4"]


def test_a_batch_import_stores_exactly_what_order_create_stores(db, variants):
    channel = channel_create(name="Shop", kind="shopify", settings={"base_url": "https://s.example"})
    actor = Actor.for_channel(channel)
    data = parse_order(shopify_order(1, skus=("ESP-250", "UNKNOWN-1", "DEC-250")))
    entry = import_entry(channel, data)

    [fast], refused = orders_import_many(channel=channel, entries=[entry], actor=actor)
    slow = order_create(
        channel=channel,
        **{k: v for k, v in vars(entry).items() if k not in ("external_id", "amount_paid")},
        external_id="other",
        actor=actor,
        strict=False,
    )

    assert refused == {}
    fast_order = Order.objects.get(pk=fast.id)
    assert _fields(fast_order) == _fields(slow)
    assert fast_order.search_text == slow.search_text.replace(slow.number.lower(), fast_order.number.lower(), 1)
    assert fast_order.search_text.startswith(f"{fast_order.number.lower()}\n")
    assert fast_order.error_code == "unknown_sku"  # imported with the error, not refused
    assert [_fields(i) for i in fast_order.items.order_by("line_no")] == [
        _fields(i) for i in slow.items.order_by("line_no")
    ]
    assert _fields(fast_order.shipping_address) == _fields(slow.shipping_address)
    kinds = lambda order: sorted(OrderEvent.objects.filter(order=order).values_list("kind", "message"))  # noqa: E731
    assert [k for k, _ in kinds(fast_order)] == [k for k, _ in kinds(slow)] == ["error_raised", "imported"]
    assert kinds(fast_order)[0] == kinds(slow)[0]


def test_a_resync_skips_untouched_orders_before_parsing_and_parses_changed_ones(
    shopify, shopify_server, variants, monkeypatch
):
    shopify_server.add(*(shopify_order(n) for n in range(1, 6)))
    channel_sync(channel=shopify)
    parsed = []
    real = shopify_module.parse_order
    monkeypatch.setattr(shopify_module, "parse_order", lambda entry: parsed.append(entry["id"]) or real(entry))
    SalesChannel.objects.filter(pk=shopify.pk).update(sync_cursor="")

    run = channel_sync(channel=shopify)
    assert (run.skipped, run.imported, run.updated, parsed) == (5, 0, 0, [])

    shopify_server.add(shopify_order(3, updated=40, status="refunded"))
    SalesChannel.objects.filter(pk=shopify.pk).update(sync_cursor="")
    run = channel_sync(channel=shopify)
    assert (run.skipped, run.updated, parsed) == (4, 1, [5_000_003])
    assert SyncedOrder.objects.get(external_id="5000003").remote_updated_at.startswith("2026-01-01T00:00:40")


def test_a_failing_next_page_keeps_the_committed_ones(shopify, shopify_server, variants, monkeypatch):
    monkeypatch.setattr(shopify_module.Connector, "page_size", 2)
    shopify_server.add(*(shopify_order(n) for n in range(1, 6)))
    calls = {"n": 0}
    real = shopify_module.Connector.get_json

    def second_page_fails(self, url, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise shopify_module.ChannelError("GET page 2 answered 503, 4 attempts.")
        return real(self, url, **kwargs)

    monkeypatch.setattr(shopify_module.Connector, "get_json", second_page_fails)
    run = channel_sync(channel=shopify)

    assert (run.status, run.imported) == ("failed", 2)
    assert "page 2" in run.error
    assert Order.objects.count() == 2
    assert SalesChannel.objects.get(pk=shopify.pk).sync_cursor == "2026-01-01T00:00:02+00:00"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY with pre-allocated ids is PostgreSQL's path")
def test_postgresql_ids_come_from_the_tables_sequence(db):
    first = Address.objects.create(name="A", line1="L", postal_code="1", city="C", country="NL")
    ids = insert_rows(
        Address, [{"name": "B", "line1": "L", "postal_code": "1", "city": "C", "country": "NL"}], returning=True
    )
    later = Address.objects.create(name="C", line1="L", postal_code="1", city="C", country="NL")
    assert first.pk < ids[0] < later.pk


def test_shop_times_and_amounts_are_read_strictly():
    from orderly.channels.connectors import parsing

    assert parsing.timestamp("2026-01-01T10:00:00Z", what="t") == "2026-01-01T10:00:00+00:00"
    assert parsing.timestamp("2026-01-01T12:00:00+02:00", what="t") == "2026-01-01T10:00:00+00:00"
    assert parsing.timestamp("2026-01-01 10:00:00", what="t", gmt=True) == "2026-01-01T10:00:00+00:00"
    for bad in ("2026-13-01T10:00:00Z", "yesterday", "2026-01-01T10:00:00"):
        with pytest.raises(parsing.BadPayload):
            parsing.timestamp(bad, what="t", gmt=bad != "2026-01-01T10:00:00")
    with pytest.raises(parsing.BadPayload, match="too large"):
        parsing.decimal(1e26, what="price")


def test_a_paid_order_taken_in_a_batch_stores_what_the_one_by_one_path_stores(shopify, variants):
    from orderly.channels.services.sync import _create_many
    from orderly.channels.services.upsert import order_upsert_from_channel

    actor = Actor.for_channel(shopify)
    with_charge = {"shipping_lines": [{"id": 1, "title": "PostNL", "code": "postnl", "price": "4.95", "tax_lines": []}]}
    batch = parse_order(shopify_order(1, skus=("ESP-250", "DEC-250"), **with_charge))
    [created], refused = _create_many(shopify, [batch], actor)
    alone = parse_order(shopify_order(2, skus=("ESP-250", "DEC-250"), **with_charge))
    assert order_upsert_from_channel(channel=shopify, data=alone, actor=actor) == "imported"

    fast, slow = (Order.objects.get(external_id=key) for key in ("5000001", "5000002"))
    assert refused == {}
    assert (fast.payment_status, str(fast.amount_paid), str(fast.amount_due), str(fast.total)) == (
        "paid",
        "44.71",
        "44.71",
        "44.71",
    )
    compared = ("status", "payment_status", "amount_paid", "amount_due", "total", "charges_total", "tax_total")
    assert [getattr(fast, name) for name in compared] == [getattr(slow, name) for name in compared]
    indicators = lambda order: [  # noqa: E731
        (i.qty_costs_paid, i.qty_approved, i.status) for i in order.items.order_by("line_no")
    ]
    assert indicators(fast) == indicators(slow) == [(1, 1, "open"), (2, 2, "open")]
    payments = lambda order: [(p.kind, p.amount, p.method, p.reference) for p in order.payments.all()]  # noqa: E731
    assert payments(fast) == payments(slow) == [("payment", Decimal("44.71"), "shop", "shop: paid")]
    events = lambda order: sorted(  # noqa: E731
        (e.kind, e.message.replace(order.number, "N").replace(order.external_ref, "R"))
        for e in order.events.exclude(kind="payment_status_changed")
    )
    assert events(fast) == events(slow)
