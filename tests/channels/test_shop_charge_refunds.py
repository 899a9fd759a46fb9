"""A shop paying back shipping after the order is here and invoiced: the next sync (or webhook) records it on the
charge, credits it on the invoice that billed it, and leaves the order paid, once however often it is synced."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

from orderly.billing.models import Invoice
from orderly.billing.services import invoice_create
from orderly.channels.services import channel_sync, webhook_receive
from orderly.orders.models import Order, OrderEvent
from tests.channels.test_payload_corpus import signed_headers

pytestmark = pytest.mark.django_db
D = Decimal
PAYLOADS = Path(__file__).parent / "payloads"


def _payload(name: str) -> dict:
    return json.loads((PAYLOADS / name).read_text())


def _before_the_refund(order: dict, *, woo: bool) -> dict:
    """The same order as the shop showed it before it paid anything back."""
    before = copy.deepcopy(order)
    before["refunds"] = []
    if woo:
        before["date_modified"] = before["date_modified_gmt"] = "2025-10-15T08:00:00"
    else:
        before["financial_status"] = "paid"
        before["updated_at"] = "2025-04-01T10:00:00-07:00"
    return before


def _state(order: Order) -> tuple:
    order.refresh_from_db()
    charge = order.charges.get()
    return order.amount_due, order.amount_paid, order.payment_status, charge.refunded, charge.credited


def _credit_notes(order: Order) -> list:
    return [
        [(line.kind, line.line_total) for line in note.lines.order_by("position")]
        for note in Invoice.objects.filter(order=order, kind="credit_note").order_by("id")
    ]


def test_a_shopify_shipping_refund_after_invoicing_is_credited_and_the_order_stays_paid(shopify, shopify_server, actor):
    payload = _payload("shopify/shipping_refunded_in_full.json")
    shopify_server.add(_before_the_refund(payload["order"], woo=False))
    channel_sync(channel=shopify)
    order = Order.objects.get(external_id=str(payload["order"]["id"]))
    invoice = invoice_create(order=order, actor=actor)
    assert (invoice.total, _state(order)) == (D("55.76"), (D("55.76"), D("55.76"), "paid", D("0.00"), False))

    shopify_server.add(payload["order"])
    run = channel_sync(channel=shopify)

    assert (run.updated, run.failed) == (1, 0), run.failures
    assert _state(order) == (D("47.81"), D("47.81"), "paid", D("7.95"), True)
    assert _credit_notes(order) == [[("shipping", D("7.95"))]]
    # paid before, paid after: the refund of money and of the charge land together, not one after the other
    assert not OrderEvent.objects.filter(order=order, kind="payment_status_changed", created_at__gt=invoice.issued_at)
    refunded = OrderEvent.objects.get(order=order, kind="charges_refunded")
    assert refunded.message == f"Refunded in {shopify}: Standard 7.95 of 7.95 (was 0.00)."

    # the same state again, through the signed webhook: nothing more
    body = json.dumps(payload["order"]).encode()
    webhook_receive(channel=shopify, headers=signed_headers("shopify", body, "again-1"), body=body)
    assert _state(order) == (D("47.81"), D("47.81"), "paid", D("7.95"), True)
    assert len(_credit_notes(order)) == 1
    assert OrderEvent.objects.filter(order=order, kind="charges_refunded").count() == 1


def test_a_woocommerce_partial_shipping_refund_after_invoicing_credits_that_part(woo, woo_server, actor):
    payload = _payload("woocommerce/18_shipping_refunded_in_part.json")
    woo_server.add(_before_the_refund(payload["order"], woo=True))
    channel_sync(channel=woo)
    order = Order.objects.get(external_id=str(payload["order"]["id"]))
    invoice_create(order=order, actor=actor)

    woo_server.add(payload["order"])
    woo_server.refunds[payload["order"]["id"]] = payload["refunds"]
    run = channel_sync(channel=woo)

    assert (run.updated, run.failed) == (1, 0), run.failures
    assert _state(order) == (D("91.51"), D("91.51"), "paid", D("2.38"), False)  # 93.89 − 2.38
    assert _credit_notes(order) == [[("shipping", D("2.38"))]]
    note = Invoice.objects.get(order=order, kind="credit_note").lines.get()
    # 2.38 of the 5.83 charge: the tax 0.93 × 2.38 / 5.83 = 0.380 → 0.38, the net 2.00, as the shop refunded it
    assert (note.line_subtotal, note.line_tax, note.tax_lines) == (
        D("2.00"), D("0.38"), [{"title": "MwSt.", "rate": "19", "amount": "0.38"}]
    )  # fmt: skip


def test_a_woocommerce_shop_that_cannot_list_an_order_s_refunds_stops_the_pull_before_it(woo, woo_server):
    payload = _payload("woocommerce/17_shipping_refunded_in_full.json")
    woo_server.add(payload["order"])
    woo_server.refunds[payload["order"]["id"]] = {"code": "not_a_list"}

    run = channel_sync(channel=woo)

    assert run.status == "failed"
    assert "did not answer with a list of refunds" in run.error
    assert not Order.objects.filter(external_id=str(payload["order"]["id"])).exists()
    woo_server.refunds[payload["order"]["id"]] = payload["refunds"]
    again = channel_sync(channel=woo)
    assert (again.status, again.imported) == ("succeeded", 1)


def test_a_woocommerce_refund_with_an_unreadable_amount_keeps_the_order_as_an_error(woo, woo_server):
    payload = _payload("woocommerce/17_shipping_refunded_in_full.json")
    refunds = copy.deepcopy(payload["refunds"])
    refunds[0]["shipping_lines"][0]["total"] = "-4,90"
    woo_server.add(payload["order"])
    woo_server.refunds[payload["order"]["id"]] = refunds

    run = channel_sync(channel=woo)

    assert (run.status, run.failed) == ("partial", 1)
    order = Order.objects.get(external_id=str(payload["order"]["id"]))
    assert order.error_code == "unreadable"
    assert "refunds[0].shipping_lines[0].total '-4,90' is not a number" in order.error_message
