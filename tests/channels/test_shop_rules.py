"""How a shop's order is taken beyond its figures: addresses by their country's rules, guests, lines without a
SKU, test orders, orders canceled at import, the shop's later refunds and fulfillments, and a sync that stops on a
passing failure without moving its cursor past what it did not take."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import OperationalError

from orderly.channels.models import SalesChannel
from orderly.channels.services import channel_sync, channel_update
from orderly.channels.services import sync as sync_module
from orderly.core.actors import Actor
from orderly.inventory.models import Lot
from orderly.inventory.services import stock_receive
from orderly.orders.models import Order
from orderly.orders.selectors import OrderFilters, order_search
from orderly.orders.services import order_reset, order_update
from tests.channels.fake_shops import shopify_order


def switch(channel: SalesChannel, base_url: str, **switches) -> None:
    channel_update(channel=channel, settings={"base_url": base_url, **switches})
    channel.refresh_from_db()


def address(country: str, **changes) -> dict:
    return {
        "first_name": "Mei",
        "last_name": "Tanaka",
        "address1": "18 Harbour Road",
        "city": "Wan Chai",
        "zip": "",
        "province_code": "",
        "country_code": country,
        **changes,
    }


def test_an_address_without_postal_code_is_fine_where_the_country_has_none(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1, shipping_address=address("HK")))
    channel_sync(channel=shopify)
    order = Order.objects.get()
    assert (order.error_code, order.shipping_address.country, order.shipping_address.postal_code) == ("", "HK", "")


def test_an_address_its_country_refuses_keeps_the_order_with_an_error_naming_the_field(
    shopify, shopify_server, variants, actor
):
    shopify_server.add(shopify_order(1, shipping_address=address("US", city="Portland", zip="97201")))
    run = channel_sync(channel=shopify)
    order = Order.objects.get()
    assert (run.imported, run.failed, order.error_code) == (1, 0, "invalid_address")
    assert "it has no state or province, which an address in US needs" in order.error_message
    assert order.shipping_address.city == "Portland"  # kept as the shop has it

    order_update(
        order=order, changes={"shipping_address": {**order.shipping_address.as_dict(), "region": "OR"}}, actor=actor
    )
    order_reset(order=order, actor=actor)
    order.refresh_from_db()
    assert order.error_code == ""


def test_a_guest_without_customer_or_email_is_named_from_the_address(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1, customer=None, email=None))
    channel_sync(channel=shopify)
    order = Order.objects.get()
    assert (order.customer_name, order.customer_email, order.error_code) == ("Ada Buyer 1", "", "")


def sku_less(n: int) -> dict:
    order = shopify_order(n, skus=("ESP-250",))
    order["line_items"].append(
        {"id": 77_000 + n, "variant_id": None, "product_id": None, "sku": "", "title": "Engraving", "quantity": 1,
         "price": "5.00", "tax_lines": [], "requires_shipping": True}
    )  # fmt: skip
    return shopify_order(n, line_items=order["line_items"])


def test_lines_without_sku_need_a_mapping_unless_the_channel_takes_them_as_non_stock(shopify, shopify_server, variants):
    shopify_server.add(sku_less(1))
    channel_sync(channel=shopify)
    first = Order.objects.get(external_id="5000001")
    engraving = first.items.get(name="Engraving")
    assert (first.error_code, engraving.sku) == ("unknown_sku", "shopify-title-engraving")

    switch(shopify, shopify.settings["base_url"], sku_less_lines_as_non_stock=True)
    shopify_server.add(sku_less(2))
    channel_sync(channel=shopify)
    second = Order.objects.get(external_id="5000002")
    engraving = second.items.get(name="Engraving")
    assert (second.error_code, engraving.sku, engraving.option_allocate, engraving.option_fulfil) == (
        "", "shopify-title-engraving", False, True,
    )  # fmt: skip


def test_test_orders_are_kept_out_of_processing_and_the_default_views_unless_the_channel_processes_them(
    shopify, shopify_server, variants
):
    shopify_server.add(shopify_order(1, test=True), shopify_order(2))
    channel_sync(channel=shopify)
    test_order = Order.objects.get(external_id="5000001")
    assert (test_order.is_test, test_order.error_code) == (True, "test_order")
    assert [o.external_id for o in order_search(OrderFilters())] == ["5000002"]
    assert [o.external_id for o in order_search(OrderFilters(test=True))] == ["5000001"]

    switch(shopify, shopify.settings["base_url"], process_test_orders=True)
    shopify_server.add(shopify_order(3, test=True))
    channel_sync(channel=shopify)
    assert Order.objects.get(external_id="5000003").error_code == ""


def test_an_order_canceled_at_import_carries_no_error(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1, skus=("NOT-OURS",), cancelled_at="2026-01-01T00:00:05Z"))
    channel_sync(channel=shopify)
    order = Order.objects.get()
    assert (order.status, order.error_code) == ("canceled", "")


def test_a_refund_in_the_shop_cancels_the_unshipped_units_and_records_the_money_once(shopify, shopify_server, variants):
    shopify_server.add(shopify_order(1, skus=("ESP-250", "DEC-250")))
    channel_sync(channel=shopify)
    order = Order.objects.get()
    line = order.items.get(sku="DEC-250")
    assert (order.payment_status, order.amount_paid) == ("paid", Decimal("39.76"))

    refund = {
        "id": 601,
        "refund_line_items": [
            {"line_item_id": int(line.identifiers["line_id"]), "quantity": 1, "restock_type": "cancel"}
        ],
        "transactions": [{"kind": "refund", "status": "success", "amount": "12.50"}],
    }
    shopify_server.add(
        shopify_order(
            1, updated=50, skus=("ESP-250", "DEC-250"), financial_status="partially_refunded", refunds=[refund]
        )
    )
    channel_sync(channel=shopify)
    channel_sync(channel=shopify)  # the same state again applies nothing twice

    order.refresh_from_db()
    line.refresh_from_db()
    assert (line.qty_canceled, order.amount_paid, order.external_status) == (1, Decimal("27.26"), "partially_refunded")
    assert order.payments.filter(kind="refund").count() == 1
    assert order.events.filter(kind="items_canceled").count() == 1


def test_a_refund_of_units_a_plan_holds_waits_until_the_order_leaves_its_plan(shopify, shopify_server, variants, actor):
    from orderly.plans.services import allocation_save, plan_create, plan_remove_order

    stock_receive(kind="packaged", sku="DEC-250", quantity=10, actor=actor)
    shopify_server.add(shopify_order(1, skus=("ESP-250", "DEC-250")))
    channel_sync(channel=shopify)
    order = Order.objects.get()
    line = order.items.get(sku="DEC-250")
    plan = plan_create(orders=[order.number], fulfillment_date=date(2026, 12, 1), actor=actor)
    allocation_save(plan=plan, lines=[{"sku": "DEC-250", "quantity": line.quantity}], actor=actor)
    refund = {
        "id": 603,
        "refund_line_items": [
            {"line_item_id": int(line.identifiers["line_id"]), "quantity": 1, "restock_type": "cancel"}
        ],
        "transactions": [{"kind": "refund", "status": "success", "amount": "12.50"}],
    }
    shopify_server.add(
        shopify_order(
            1, updated=50, skus=("ESP-250", "DEC-250"), financial_status="partially_refunded", refunds=[refund]
        )
    )

    run = channel_sync(channel=shopify)

    assert (run.failed, run.status) == (1, "partial")
    assert f"Cannot cancel 1 unit(s) of line 2 (DEC-250) of order {order.number}: its plan holds 2" in str(run.failures)
    line.refresh_from_db()
    assert (line.qty_canceled, line.qty_available, Order.objects.get().amount_paid) == (0, 2, Decimal("39.76"))

    note = order.events.filter(kind="sync_failed").get().message
    assert "Cannot cancel 1 unit(s) of line 2 (DEC-250)" in note  # the order's timeline says why

    # out of its plan, the shop's next version of the order is taken whole
    plan_remove_order(plan=plan, order=order.number, actor=actor)
    shopify_server.add(
        shopify_order(
            1, updated=60, skus=("ESP-250", "DEC-250"), financial_status="partially_refunded", refunds=[refund]
        )
    )
    run = channel_sync(channel=shopify)
    line.refresh_from_db()
    assert (run.failed, line.qty_canceled, line.qty_available) == (0, 1, 0)
    assert Order.objects.get().amount_paid == Decimal("27.26")


def test_a_fulfillment_in_the_shop_is_recorded_and_takes_our_stock_only_when_the_channel_says_so(
    shopify, shopify_server, variants
):
    stock_receive(kind="packaged", sku="ESP-250", quantity=10, actor=Actor.system())
    parcel = {"id": 88, "status": "success", "tracking_company": "DHL", "tracking_numbers": ["JD0001"],
              "tracking_urls": ["https://track.example/JD0001"], "line_items": []}  # fmt: skip
    shopify_server.add(shopify_order(1, fulfillments=[parcel], fulfillment_status="fulfilled"))
    channel_sync(channel=shopify)
    order = Order.objects.get()
    [fulfillment] = order.fulfillments.all()
    assert (order.fulfillment_status, fulfillment.tracking_number, fulfillment.external_id) == (
        "fulfilled",
        "JD0001",
        "88",
    )
    assert fulfillment.pushed_at is not None  # never told back to the shop
    assert sum(lot.on_hand for lot in Lot.objects.all()) == 10

    switch(shopify, shopify.settings["base_url"], shop_fulfillments_use_our_stock=True)
    shopify_server.add(shopify_order(2, fulfillments=[{**parcel, "id": 89}], fulfillment_status="fulfilled"))
    channel_sync(channel=shopify)
    assert sum(lot.on_hand for lot in Lot.objects.all()) == 9


def test_a_passing_failure_stops_the_sync_before_its_page_and_the_next_sync_takes_it(
    shopify, shopify_server, variants, monkeypatch
):
    from orderly.channels.connectors import shopify as shopify_module

    monkeypatch.setattr(shopify_module.Connector, "page_size", 2)
    shopify_server.add(*(shopify_order(n) for n in range(1, 6)))
    real, calls = sync_module.take_orders, {"n": 0}

    def locked_on_the_second_page(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(sync_module, "take_orders", locked_on_the_second_page)
    with pytest.raises(OperationalError):
        channel_sync(channel=shopify)
    shopify.refresh_from_db()
    assert shopify.sync_cursor == "2026-01-01T00:00:02+00:00"
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["5000001", "5000002"]

    monkeypatch.setattr(sync_module, "take_orders", real)
    channel_sync(channel=shopify)
    assert Order.objects.count() == 5


def test_refunded_units_already_invoiced_are_credited(shopify, shopify_server, variants, actor):
    from orderly.billing.services import invoice_create

    shopify_server.add(shopify_order(1, skus=("ESP-250", "DEC-250")))
    channel_sync(channel=shopify)
    order = Order.objects.get()
    invoice_create(order=order, actor=actor)
    line = order.items.get(sku="DEC-250")
    refund = {
        "id": 602,
        "refund_line_items": [
            {"line_item_id": int(line.identifiers["line_id"]), "quantity": 2, "restock_type": "cancel"}
        ],
        "transactions": [{"kind": "refund", "status": "success", "amount": "26.13"}],
    }
    shopify_server.add(
        shopify_order(
            1, updated=60, skus=("ESP-250", "DEC-250"), financial_status="partially_refunded", refunds=[refund]
        )
    )
    channel_sync(channel=shopify)

    line.refresh_from_db()
    note = order.invoices.get(kind="credit_note")
    assert (line.qty_canceled, line.qty_credited) == (2, 2)
    assert str(note.total) == "26.13"


def test_a_full_refund_that_cancels_an_invoiced_order_credits_every_unit(shopify, shopify_server, variants, actor):
    from orderly.billing.services import invoice_create

    shopify_server.add(shopify_order(1, skus=("ESP-250", "DEC-250")))
    channel_sync(channel=shopify)
    order = Order.objects.get()
    invoice_create(order=order, actor=actor)
    lines = {item.sku: int(item.identifiers["line_id"]) for item in order.items.all()}
    refund = {
        "id": 603,
        "refund_line_items": [
            {"line_item_id": lines["ESP-250"], "quantity": 1, "restock_type": "cancel"},
            {"line_item_id": lines["DEC-250"], "quantity": 2, "restock_type": "cancel"},
        ],
        "transactions": [{"kind": "refund", "status": "success", "amount": "39.76"}],
    }
    # refunded: the order is canceled by the status map, then its refund credits what the invoice billed
    shopify_server.add(
        shopify_order(1, updated=70, skus=("ESP-250", "DEC-250"), financial_status="refunded", refunds=[refund])
    )
    channel_sync(channel=shopify)

    order.refresh_from_db()
    note = order.invoices.get(kind="credit_note")
    assert (order.status, order.amount_paid, order.amount_due) == ("canceled", Decimal("0.00"), Decimal("0.00"))
    assert sorted((i.sku, i.qty_canceled, i.qty_credited) for i in order.items.all()) == [
        ("DEC-250", 2, 2), ("ESP-250", 1, 1)
    ]  # fmt: skip
    assert str(note.total) == "39.76"
