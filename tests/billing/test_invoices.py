from decimal import Decimal

import pytest

from orderly.billing import selectors
from orderly.billing.models import Invoice
from orderly.billing.services import invoice_create
from orderly.core.exceptions import Conflict
from orderly.orders.models import OrderEvent, OrderItem
from orderly.orders.services import order_cancel
from tests.billing.factories import fresh, item, items_of, mark_returned, order_with
from tests.factories import address

pytestmark = pytest.mark.django_db
D = Decimal


def _figures(invoice):
    return invoice.subtotal, invoice.discount, invoice.tax_total, invoice.total


def _summary(invoice):
    return [(s.tax_rate, s.base, s.tax) for s in selectors.tax_summary(invoice)]


def test_invoice_bills_every_invoiceable_unit_and_matches_the_order_totals(actor):
    order = order_with(item("8.50", 2, "9"), item("12.99", 1, "21"), item("3.33", 1, "9", "0.33"))

    invoice = invoice_create(order=order, actor=actor)

    order = fresh(order)
    assert invoice.number == "INV-000001"
    assert invoice.kind == "invoice" and invoice.currency == "EUR"
    assert _figures(invoice) == (D("33.32"), D("0.33"), D("4.53"), D("37.52"))
    assert _figures(invoice) == (order.subtotal, order.discount_total, order.tax_total, order.total)
    # Tax per rate is summed from the lines' rounded taxes: 1.53 + 0.27 at 9 %, 2.73 (2.7279) at 21 %.
    assert _summary(invoice) == [(D("9"), D("20.00"), D("1.80")), (D("21"), D("12.99"), D("2.73"))]
    lines = list(invoice.lines.order_by("position"))
    assert [(line.sku, line.quantity, line.line_total) for line in lines] == [
        (item.sku, item.quantity, item.line_total) for item in items_of(order)
    ]
    assert all(i.qty_invoiced == i.quantity for i in items_of(order))
    event = OrderEvent.objects.get(order=order, kind="invoice_created")
    assert event.message == "Invoice INV-000001 created: total EUR 37.52."


def test_tax_is_rounded_once_per_line_not_per_unit(actor):
    # 3 × 1.59 = 4.77 at 21 % = 1.0017 → 1.00 tax; per unit it would be 3 × 0.3339 → 3 × 0.33 = 0.99.
    invoice = invoice_create(order=order_with(item("1.59", 3, "21")), actor=actor)
    assert _figures(invoice) == (D("4.77"), D("0.00"), D("1.00"), D("5.77"))


def test_tax_per_rate_is_the_sum_of_the_lines_not_the_base_rounded_again(actor):
    # Three lines of 1 × 1.59 at 21 %: each 0.3339 → 0.33, so the rate's tax is 0.99 even though 4.77 × 21 % is 1.00.
    order = order_with(item("1.59", 1, "21"), item("1.59", 1, "21"), item("1.59", 1, "21"))
    invoice = invoice_create(order=order, actor=actor)
    assert _summary(invoice) == [(D("21"), D("4.77"), D("0.99"))]
    assert _figures(invoice) == (D("4.77"), D("0.00"), D("0.99"), D("5.76"))
    assert invoice.total == fresh(order).total


def test_half_a_cent_rounds_up(actor):
    # 0.50 × 21 % = 0.105 → 0.11 (half-up; banker's rounding would give 0.10).
    invoice = invoice_create(order=order_with(item("0.50", 1, "21")), actor=actor)
    assert invoice.tax_total == D("0.11")


def test_discount_is_taken_off_before_tax(actor):
    invoice = invoice_create(order=order_with(item("10.00", 3, "21", "5.00")), actor=actor)
    # (30.00 − 5.00) × 21 % = 5.25
    assert _figures(invoice) == (D("30.00"), D("5.00"), D("5.25"), D("30.25"))


def test_items_without_the_invoice_option_are_not_billed(actor):
    order = order_with(item("10.00", 1, "21"), item("99.00", 1, "21", invoice=False))
    invoice = invoice_create(order=order, actor=actor)
    assert [line.sku for line in invoice.lines.all()] == [items_of(order)[0].sku]
    assert invoice.total == D("12.10")
    assert items_of(order)[1].qty_invoiced == 0


def test_returned_units_are_not_billed_and_the_rest_is_billed_later_with_the_discount_prorated(actor):
    order = order_with(item("10.00", 3, "21", "1.00"))
    line = items_of(order)[0]
    # Two units invoiced first (the third is returned before invoicing), then the return is undone for the test.
    mark_returned(line, 1)
    first = invoice_create(order=order, actor=actor)
    OrderItem.objects.filter(pk=line.pk).update(qty_returned=0)
    second = invoice_create(order=order, actor=actor)

    one, two = first.lines.get(), second.lines.get()
    assert (one.quantity, one.line_subtotal, one.discount, one.line_tax) == (2, D("20.00"), D("0.67"), D("4.06"))
    assert (two.quantity, two.line_subtotal, two.discount, two.line_tax) == (1, D("10.00"), D("0.33"), D("2.03"))
    # Subtotals and discounts of the parts add up to the item's exactly.
    line.refresh_from_db()
    assert one.line_subtotal + two.line_subtotal == line.line_subtotal
    assert one.discount + two.discount == line.discount
    assert (line.qty_invoiced, line.qty_credited) == (3, 0)
    assert second.number == "INV-000002"


def test_nothing_to_invoice_is_refused_naming_the_order_and_changes_nothing(actor):
    order = order_with(item("10.00", 1, "21"))
    invoice_create(order=order, actor=actor)
    events = OrderEvent.objects.filter(order=order).count()

    with pytest.raises(Conflict) as refused:
        invoice_create(order=order, actor=actor)

    assert refused.value.code == "nothing_to_invoice"
    assert order.number in refused.value.message
    assert refused.value.detail == {"order": order.number}
    assert Invoice.objects.count() == 1
    assert OrderEvent.objects.filter(order=order).count() == events


def test_an_order_with_nothing_invoiceable_is_refused(actor):
    order = order_with(item(invoice=False))
    with pytest.raises(Conflict) as refused:
        invoice_create(order=order, actor=actor)
    assert refused.value.code == "nothing_to_invoice"


@pytest.mark.parametrize("status", ["draft", "canceled"])
def test_drafts_and_canceled_orders_are_not_invoiced(actor, status):
    order = order_with(item(), status="draft" if status == "draft" else "open")
    if status == "canceled":
        order_cancel(order=order, actor=actor)
    with pytest.raises(Conflict) as refused:
        invoice_create(order=order, actor=actor)
    assert refused.value.code == "order_locked"
    assert refused.value.detail == {"order": order.number, "action": "invoice", "status": status, "stage": "new"}
    assert not Invoice.objects.exists()
    assert items_of(order)[0].qty_invoiced == 0


def test_invoice_keeps_the_billing_address_and_the_seller_as_they_were(actor, monkeypatch):
    monkeypatch.setenv("ORDERLY_SELLER_NAME", "Koffie & Co")
    monkeypatch.setenv("ORDERLY_SELLER_ADDRESS", "Dam 1|1012 JS Amsterdam")
    order = order_with(item(), billing_address=address(name="Bert Boekhouder", company="Boek BV"))

    invoice = invoice_create(order=order, actor=actor)

    assert invoice.seller["name"] == "Koffie & Co"
    assert invoice.seller["address_lines"] == ["Dam 1", "1012 JS Amsterdam"]
    assert invoice.buyer["name"] == "Bert Boekhouder" and invoice.buyer["company"] == "Boek BV"


def test_without_a_billing_address_the_shipping_address_is_the_buyer(actor):
    order = order_with(item(), shipping_address=address(name="Sam Ship"))
    assert invoice_create(order=order, actor=actor).buyer["name"] == "Sam Ship"


def test_invoice_numbers_and_credit_note_numbers_have_their_own_sequences(actor):
    numbers = [invoice_create(order=order_with(item()), actor=actor).number for _ in range(3)]
    assert numbers == ["INV-000001", "INV-000002", "INV-000003"]


def test_an_invoice_to_a_business_customer_carries_its_vat_number(actor):
    from orderly.billing.pdf import invoice_pdf
    from orderly.billing.selectors import invoice_get

    order = order_with(item("10.00", 2, "21"), customer={"name": "Röstwerk GmbH", "type": "wholesale",
                                                           "vat_number": "DE123456789"})  # fmt: skip
    invoice = invoice_create(order=order, actor=actor)
    assert invoice.buyer["vat_number"] == "DE123456789"
    assert b"VAT DE123456789" in invoice_pdf(invoice_get(invoice.number), compress=False)
    retail = invoice_create(order=order_with(item()), actor=actor)
    assert "vat_number" not in retail.buyer
