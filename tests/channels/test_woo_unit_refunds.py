"""WooCommerce refunds of units: the refund objects' line items (negative quantity, `_refunded_item_id` naming the
order line) cancel those units here and credit them where invoiced; the units the shop restocked are read from the
order line's `_restock_refunded_items`. Once per refund, however often the order is synced or delivered."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from orderly.billing.models import Invoice
from orderly.billing.services import invoice_create
from orderly.channels.connectors.base import Malformed
from orderly.channels.connectors.woocommerce import parse_order
from orderly.channels.models import SyncedOrder
from orderly.channels.services import channel_sync, webhook_receive
from orderly.orders.models import Order, OrderEvent
from tests.channels.test_payload_corpus import signed_headers

D = Decimal
PAYLOADS = Path(__file__).parent / "payloads" / "woocommerce"
PARTIAL = "19_units_refunded_restocked.json"
FULL = "20_refunded_in_full_units.json"


def _payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def _before_the_refund(order: dict, status: str = "processing") -> dict:
    """The order as the shop showed it before anything was paid back or put back in stock."""
    before = copy.deepcopy(order)
    before.update(
        refunds=[], status=status, date_modified="2025-11-03T09:41:19", date_modified_gmt="2025-11-03T08:41:19"
    )
    for line in before["line_items"]:
        line["meta_data"] = [
            {**m, "value": str(line["quantity"]), "display_value": str(line["quantity"])}
            if m["key"] == "_reduced_stock"
            else m
            for m in line["meta_data"]
            if m["key"] != "_restock_refunded_items"
        ]
    return before


def _refund(refund_id: int, line_id: int, units: int, amount: str) -> dict:
    return {
        "id": refund_id,
        "amount": amount,
        "line_items": [
            {
                "id": refund_id + 1,
                "quantity": -units,
                "total": f"-{amount}",
                "total_tax": "0.00",
                "meta_data": [{"id": refund_id + 2, "key": "_refunded_item_id", "value": str(line_id)}],
            }
        ],
        "shipping_lines": [],
        "fee_lines": [],
    }


# -- reading the refund objects ----------------------------------------------------------------------------------


def test_a_refund_object_names_its_units_and_the_restock_the_order_line_counts():
    partial, full = _payload(PARTIAL), _payload(FULL)

    assert parse_order(partial["order"], partial["refunds"]).refunds == [
        {"external_id": "7421", "lines": [{"line_id": "9421", "quantity": 1, "restock": True}]}
    ]
    assert parse_order(full["order"], full["refunds"]).refunds == [
        {
            "external_id": "7431",
            "lines": [
                {"line_id": "9431", "quantity": 2, "restock": True},
                {"line_id": "9432", "quantity": 1, "restock": True},
            ],
        }
    ]


def test_units_not_restocked_are_refunded_without_restock_and_money_alone_names_no_units():
    payload = _payload(PARTIAL)
    order = _before_the_refund(payload["order"])
    money_only = _refund(7450, 9422, 0, "2.00")

    parsed = parse_order(order, [_refund(7440, 9421, 2, "36.00"), money_only])

    assert parsed.refunds == [{"external_id": "7440", "lines": [{"line_id": "9421", "quantity": 2, "restock": False}]}]


def test_restocked_units_go_to_the_newest_refunds_of_the_line_first():
    payload = _payload(PARTIAL)
    order = copy.deepcopy(payload["order"])  # line 9421 counts one unit restocked
    older, newer = _refund(7401, 9421, 1, "18.00"), _refund(7402, 9421, 1, "18.00")

    parsed = parse_order(order, [newer, older])  # WooCommerce lists the newest first

    assert [(r["external_id"], r["lines"][0]["restock"]) for r in parsed.refunds] == [("7401", False), ("7402", True)]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            lambda line: line.update(quantity="-1.5"),
            "refunds[0].line_items[0].quantity '-1.5' is not a whole number of units",
        ),
        (lambda line: line.update(quantity=None), "refunds[0].line_items[0].quantity None is not a whole number"),
        (
            lambda line: line["meta_data"][0].update(value="9999"),
            "refunds[0].line_items[0]._refunded_item_id '9999' names no line of the order",
        ),
        (
            lambda line: line.update(meta_data=[]),
            "refunds[0].line_items[0]._refunded_item_id '' names no line of the order",
        ),
    ],
)
def test_a_refund_line_that_cannot_be_placed_is_malformed_with_the_field(change, reason):
    payload = _payload(PARTIAL)
    refunds = copy.deepcopy(payload["refunds"])
    change(refunds[0]["line_items"][0])

    parsed = parse_order(payload["order"], refunds)

    assert isinstance(parsed, Malformed)
    assert reason in parsed.reason
    assert parsed.external_id == "742"


def test_an_unreadable_restock_count_is_malformed_with_the_field():
    payload = _payload(PARTIAL)
    order = copy.deepcopy(payload["order"])
    order["line_items"][0]["meta_data"][1]["value"] = "one"

    parsed = parse_order(order, payload["refunds"])

    assert isinstance(parsed, Malformed)
    assert "line_items[0].meta_data._restock_refunded_items 'one' is not a whole number of units" in parsed.reason


# -- end to end: synced and delivered ----------------------------------------------------------------------------


def _credit_notes(order: Order) -> list:
    return [
        [
            (line.kind, line.sku, line.quantity, line.line_subtotal, line.line_tax)
            for line in note.lines.order_by("position")
        ]
        for note in Invoice.objects.filter(order=order, kind="credit_note").order_by("id")
    ]


def _money(order: Order) -> tuple:
    order.refresh_from_db()
    return order.status, order.amount_paid, order.amount_due, order.payment_status


def _canceled(order: Order) -> dict:
    return {item.sku: item.qty_canceled for item in order.items.order_by("line_no")}


@pytest.mark.django_db
def test_a_restocked_unit_refunded_after_invoicing_is_canceled_and_credited_once(woo, woo_server, actor):
    payload = _payload(PARTIAL)
    woo_server.add(_before_the_refund(payload["order"]))
    channel_sync(channel=woo)
    order = Order.objects.get(external_id="742")
    invoice = invoice_create(order=order, actor=actor)
    assert (invoice.total, _money(order)) == (D("80.80"), ("open", D("80.80"), D("80.80"), "paid"))

    woo_server.add(payload["order"])
    woo_server.refunds[742] = payload["refunds"]
    run = channel_sync(channel=woo)

    assert (run.updated, run.failed) == (1, 0), run.failures
    assert _canceled(order) == {"ESP-1000": 1, "DESC-10": 0}
    assert _money(order) == ("open", D("59.38"), D("59.38"), "paid")  # 80.80 − 21.42, paid and owed alike
    assert _credit_notes(order) == [[("item", "ESP-1000", 1, D("18.00"), D("3.42"))]]
    assert Invoice.objects.get(order=order, kind="credit_note").total == D("21.42")

    # the same state again, synced and delivered under a new id: nothing more
    channel_sync(channel=woo)
    body = json.dumps(payload["order"]).encode()
    webhook_receive(channel=woo, headers=signed_headers("woocommerce", body, "again-1"), body=body)
    assert _canceled(order) == {"ESP-1000": 1, "DESC-10": 0}
    assert _money(order) == ("open", D("59.38"), D("59.38"), "paid")
    assert len(_credit_notes(order)) == 1
    assert OrderEvent.objects.filter(order=order, kind="items_canceled").count() == 1
    assert SyncedOrder.objects.get(channel=woo, external_id="742").applied_refunds == ["7421"]


@pytest.mark.django_db
def test_a_second_refund_of_the_same_line_cancels_its_own_units_only(woo, woo_server, actor):
    payload = _payload(PARTIAL)
    woo_server.add(payload["order"])
    woo_server.refunds[742] = payload["refunds"]
    channel_sync(channel=woo)
    order = Order.objects.get(external_id="742")

    later = copy.deepcopy(payload["order"])
    later.update(date_modified_gmt="2025-11-06T10:00:00", refunds=[{"id": 7425, "total": "-21.42"}, *later["refunds"]])
    woo_server.add(later)
    woo_server.refunds[742] = [_refund(7425, 9421, 1, "21.42"), *payload["refunds"]]
    channel_sync(channel=woo)

    assert _canceled(order) == {"ESP-1000": 2, "DESC-10": 0}
    assert _money(order) == ("open", D("37.96"), D("37.96"), "paid")  # 80.80 − 2 × 21.42
    assert SyncedOrder.objects.get(channel=woo, external_id="742").applied_refunds == ["7421", "7425"]


@pytest.mark.django_db
def test_a_full_refund_after_invoicing_cancels_the_order_and_credits_everything(woo, woo_server, actor):
    payload = _payload(FULL)
    woo_server.add(_before_the_refund(payload["order"]))
    channel_sync(channel=woo)
    order = Order.objects.get(external_id="743")
    invoice_create(order=order, actor=actor)

    woo_server.add(payload["order"])
    woo_server.refunds[743] = payload["refunds"]
    body = json.dumps(payload["order"]).encode()
    result = webhook_receive(channel=woo, headers=signed_headers("woocommerce", body, "full-1"), body=body)

    assert (result.run.updated, result.run.failed) == (1, 0), result.run.failures
    assert _canceled(order) == {"FLT-500": 2, "FIL-4": 1}
    assert _money(order) == ("canceled", D("0.00"), D("0.00"), "paid")
    # the units first (the refund's line items), then the shipping it paid back: together all the invoice billed
    assert _credit_notes(order) == [
        [("item", "FLT-500", 2, D("23.00"), D("1.61")), ("item", "FIL-4", 1, D("4.00"), D("0.28"))],
        [("shipping", "", 1, D("4.90"), D("0.34"))],
    ]
    totals = Invoice.objects.filter(order=order, kind="credit_note").order_by("id").values_list("total", flat=True)
    assert list(totals) == [D("28.89"), D("5.24")]  # 34.13


@pytest.mark.django_db
def test_a_new_order_with_an_unplaceable_refund_line_is_kept_as_an_error_and_nothing_else(woo, woo_server):
    payload = _payload(PARTIAL)
    refunds = copy.deepcopy(payload["refunds"])
    refunds[0]["line_items"][0]["quantity"] = "-1.5"
    woo_server.add(payload["order"])
    woo_server.refunds[742] = refunds

    run = channel_sync(channel=woo)

    assert (run.status, run.imported, run.failed) == ("partial", 0, 1)
    order = Order.objects.get(external_id="742")
    assert order.error_code == "unreadable"
    assert "refunds[0].line_items[0].quantity '-1.5' is not a whole number of units" in order.error_message
    assert (order.items.count(), order.payments.count(), order.invoices.count()) == (0, 0, 0)
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_an_unplaceable_refund_line_on_an_order_here_changes_nothing_but_its_timeline(woo, woo_server, actor):
    payload = _payload(PARTIAL)
    woo_server.add(_before_the_refund(payload["order"]))
    channel_sync(channel=woo)
    order = Order.objects.get(external_id="742")
    invoice_create(order=order, actor=actor)
    before = (_canceled(order), _money(order), order.payments.count())

    refunds = copy.deepcopy(payload["refunds"])
    refunds[0]["line_items"][0]["meta_data"] = []
    woo_server.add(payload["order"])
    woo_server.refunds[742] = refunds
    run = channel_sync(channel=woo)

    assert run.failed == 1
    assert (_canceled(order), _money(order), order.payments.count()) == before
    assert _credit_notes(order) == []
    note = OrderEvent.objects.get(order=order, kind="sync_failed")
    assert "refunds[0].line_items[0]._refunded_item_id '' names no line of the order" in note.message


@pytest.mark.django_db
def test_units_refunded_after_the_shop_completed_the_order_come_back_restocked_as_the_shop_says(
    woo, woo_server, variants, actor
):
    from orderly.channels.services import channel_update
    from orderly.inventory.models import Lot
    from orderly.inventory.services import stock_receive

    channel_update(channel=woo, settings={"base_url": woo_server.base_url, "shop_fulfillments_use_our_stock": True})
    woo.refresh_from_db()
    stock_receive(kind="packaged", sku="ESP-1000", quantity=10, actor=actor)
    payload = _payload(PARTIAL)
    after = copy.deepcopy(payload["order"])
    after.update(status="completed", date_completed="2025-11-04T10:00:00", date_completed_gmt="2025-11-04T09:00:00")
    after["line_items"][1]["sku"] = "DEC-250"
    stock_receive(kind="packaged", sku="DEC-250", quantity=10, actor=actor)
    woo_server.add(_before_the_refund(after, status="completed"))
    channel_sync(channel=woo)
    order = Order.objects.get(external_id="742")

    def on_hand(sku: str) -> int:
        return sum(lot.on_hand for lot in Lot.objects.filter(variant__sku=sku))

    assert (on_hand("ESP-1000"), on_hand("DEC-250")) == (7, 9)  # shipped by the shop from our stock

    woo_server.add(after)
    woo_server.refunds[742] = payload["refunds"]
    channel_sync(channel=woo)
    channel_sync(channel=woo)

    [back] = order.returns.all()
    assert (back.restock, [(line.order_item.sku, line.quantity) for line in back.lines.all()]) == (
        True, [("ESP-1000", 1)]
    )  # fmt: skip
    assert (on_hand("ESP-1000"), on_hand("DEC-250")) == (8, 9)
    assert {item.sku: (item.qty_canceled, item.qty_returned) for item in order.items.all()} == {
        "ESP-1000": (0, 1), "DEC-250": (0, 0)
    }  # fmt: skip
