"""Shipping and fees on invoices and credit notes, prices that include tax, and the shop's own tax lines."""

from decimal import Decimal

import pytest

from orderly.billing import selectors
from orderly.billing.models import Invoice, InvoiceLine
from orderly.billing.pdf import invoice_pdf
from orderly.billing.services import credit_note_create, credit_note_for_return, invoice_create
from orderly.core.exceptions import Conflict, ValidationError
from orderly.orders.models import OrderCharge, OrderItem
from orderly.orders.services import order_cancel
from tests.billing.factories import fresh, item, items_of, mark_returned, order_with

pytestmark = pytest.mark.django_db
D = Decimal

DHL = {"kind": "shipping", "title": "DHL Express", "code": "dhl-express", "amount": "6.95", "tax_rate": "21"}
PAYMENT_FEE = {"kind": "fee", "title": "Payment fee", "amount": "0.50", "tax_rate": "21"}


def _figures(invoice):
    return invoice.subtotal, invoice.discount, invoice.tax_total, invoice.total


def _summary(invoice):
    return [(s.tax_rate, s.title, s.base, s.tax) for s in selectors.tax_summary(invoice)]


def _lines(invoice):
    return [
        (line.kind, line.name, line.quantity, line.line_subtotal, line.discount, line.line_tax, line.line_total)
        for line in invoice.lines.order_by("position")
    ]


def _charges(order):
    return [(c.title, c.invoiced, c.credited) for c in OrderCharge.objects.filter(order=order).order_by("position")]


def _shipped_order(*items, charges=(DHL, PAYMENT_FEE), **shop):
    return order_with(*(items or [item("8.50", 2, "9")]), shop={"charges": list(charges), **shop})


# ---- invoices ------------------------------------------------------------------------------------------------


def test_an_invoice_carries_shipping_and_a_fee_as_lines_and_equals_the_order_total(actor):
    order = _shipped_order()
    order = fresh(order)
    # 17.00 + 1.53 at 9 %; shipping 6.95 + 1.46 and the fee 0.50 + 0.11 at 21 %
    assert (order.charges_total, order.total) == (D("9.02"), D("27.55"))

    invoice = invoice_create(order=order, actor=actor)

    assert _figures(invoice) == (D("24.45"), D("0.00"), D("3.10"), D("27.55"))
    assert invoice.total == order.total and invoice.tax_total == order.tax_total
    assert invoice.prices_include_tax is False
    sku = items_of(order)[0].sku
    assert _lines(invoice) == [
        ("item", items_of(order)[0].name, 2, D("17.00"), D("0.00"), D("1.53"), D("18.53")),
        ("shipping", "Shipping: DHL Express", 1, D("6.95"), D("0.00"), D("1.46"), D("8.41")),
        ("fee", "Payment fee", 1, D("0.50"), D("0.00"), D("0.11"), D("0.61")),
    ]
    lines = list(invoice.lines.order_by("position"))
    assert [(line.sku, line.order_item_id is None, line.order_charge_id is None) for line in lines] == [
        (sku, False, True),
        ("", True, False),
        ("", True, False),
    ]
    assert [line.order_charge.title for line in lines[1:]] == ["DHL Express", "Payment fee"]
    assert _summary(invoice) == [(D("9"), "", D("17.00"), D("1.53")), (D("21"), "", D("7.45"), D("1.57"))]
    assert _charges(order) == [("DHL Express", True, False), ("Payment fee", True, False)]


def test_charges_are_invoiced_once_on_the_first_invoice(actor):
    order = _shipped_order(item("10.00", 3, "21"))
    line = items_of(order)[0]
    mark_returned(line, 2)  # one unit now, the other two after the return is undone
    first = invoice_create(order=order, actor=actor)
    OrderItem.objects.filter(pk=line.pk).update(qty_returned=0)
    second = invoice_create(order=order, actor=actor)

    assert [line.kind for line in first.lines.order_by("position")] == ["item", "shipping", "fee"]
    assert [(line.kind, line.quantity) for line in second.lines.all()] == [("item", 2)]
    assert first.total + second.total == fresh(order).total == D("45.32")
    assert InvoiceLine.objects.filter(order_charge__isnull=False).count() == 2
    with pytest.raises(Conflict) as refused:
        invoice_create(order=order, actor=actor)
    assert refused.value.code == "nothing_to_invoice"


def test_an_order_not_invoiced_by_orderly_does_not_get_its_shipping_invoiced_alone(actor):
    order = _shipped_order(item("10.00", 1, "21", invoice=False))
    with pytest.raises(Conflict) as refused:
        invoice_create(order=order, actor=actor)
    assert refused.value.code == "nothing_to_invoice"
    assert not Invoice.objects.exists()
    assert _charges(order) == [("DHL Express", False, False), ("Payment fee", False, False)]


def test_free_shipping_goes_on_the_invoice_but_is_not_worth_one_alone(actor):
    free = {"kind": "shipping", "title": "Free shipping", "amount": "0.00"}
    order = _shipped_order(item("10.00", 2, "21"), charges=[free])
    line = items_of(order)[0]
    mark_returned(line, 2)  # every unit returned before invoicing: only the free shipping would be left
    with pytest.raises(Conflict) as refused:
        invoice_create(order=order, actor=actor)
    assert refused.value.code == "nothing_to_invoice"
    OrderItem.objects.filter(pk=line.pk).update(qty_returned=0)
    invoice = invoice_create(order=order, actor=actor)
    assert _lines(invoice)[1] == ("shipping", "Free shipping", 1, D("0.00"), D("0.00"), D("0.00"), D("0.00"))


def test_a_negative_fee_is_a_line_of_its_own_and_the_invoice_still_equals_the_order(actor):
    loyalty = {"kind": "fee", "title": "Loyalty credit", "amount": "-2.00"}
    order = _shipped_order(item("10.00", 1, "21"), charges=[DHL, loyalty])
    invoice = invoice_create(order=order, actor=actor)
    assert _lines(invoice)[2] == ("fee", "Fee: Loyalty credit", 1, D("-2.00"), D("0.00"), D("0.00"), D("-2.00"))
    assert invoice.total == fresh(order).total == D("18.51")  # 12.10 + 8.41 − 2.00


def test_a_discounted_charge_keeps_its_discount_on_its_line(actor):
    half_off = {**DHL, "discount": "3.00"}
    order = _shipped_order(item("10.00", 1, "21"), charges=[half_off])
    invoice = invoice_create(order=order, actor=actor)
    # (6.95 − 3.00) × 21 % = 0.8295 → 0.83
    assert _lines(invoice)[1] == ("shipping", "Shipping: DHL Express", 1, D("6.95"), D("3.00"), D("0.83"), D("4.78"))
    assert _figures(invoice) == (D("16.95"), D("3.00"), D("2.93"), D("16.88"))
    assert invoice.total == fresh(order).total


def test_a_shop_s_test_order_is_not_invoiced(actor):
    order = _shipped_order(is_test=True)
    with pytest.raises(Conflict) as refused:
        invoice_create(order=order, actor=actor)
    assert refused.value.code == "test_order"
    assert not Invoice.objects.exists()
    assert _charges(order) == [("DHL Express", False, False), ("Payment fee", False, False)]
    assert items_of(order)[0].qty_invoiced == 0


def test_canceled_orders_do_not_get_their_charges_invoiced(actor):
    order = _shipped_order()
    order_cancel(order=order, actor=actor)
    with pytest.raises(Conflict):
        invoice_create(order=order, actor=actor)
    assert _charges(order) == [("DHL Express", False, False), ("Payment fee", False, False)]


# ---- prices that include tax ---------------------------------------------------------------------------------


def _dutch_order():
    """Dutch VAT inside the prices, as the shop stated it: coffee at 9 %, a mug at 21 % with a discount, shipping
    with 21 % inside."""
    coffee = {**item("12.95", 2, "9"), "tax_lines": [{"title": "BTW", "rate": "9", "amount": "2.14"}]}
    mug = {**item("14.99", 1, "21", "1.50"), "tax_lines": [{"title": "BTW", "rate": "21", "amount": "2.34"}]}
    shipping = {
        "kind": "shipping",
        "title": "PostNL",
        "amount": "6.95",
        "tax_lines": [{"title": "BTW", "rate": "21", "amount": "1.21"}],
    }
    return order_with(coffee, mug, shop={"charges": [shipping], "prices_include_tax": True, "stated_total": "46.34"})


def test_an_order_whose_prices_include_tax_is_invoiced_whole_at_its_total(actor):
    order = fresh(_dutch_order())
    assert (order.total, order.tax_total, order.stated_total) == (D("46.34"), D("5.69"), D("46.34"))

    invoice = invoice_create(order=order, actor=actor)

    assert invoice.prices_include_tax is True
    # total = subtotal − discount, the tax contained in it
    assert _figures(invoice) == (D("47.84"), D("1.50"), D("5.69"), D("46.34"))
    assert invoice.total == order.total == order.stated_total
    assert _lines(invoice) == [
        ("item", items_of(order)[0].name, 2, D("25.90"), D("0.00"), D("2.14"), D("25.90")),
        ("item", items_of(order)[1].name, 1, D("14.99"), D("1.50"), D("2.34"), D("13.49")),
        ("shipping", "Shipping: PostNL", 1, D("6.95"), D("0.00"), D("1.21"), D("6.95")),
    ]
    assert all(line.prices_include_tax for line in invoice.lines.all())
    # Per rate the net base and the tax inside: 25.90 − 2.14; (13.49 − 2.34) + (6.95 − 1.21)
    assert _summary(invoice) == [(D("9"), "BTW", D("23.76"), D("2.14")), (D("21"), "BTW", D("16.89"), D("3.55"))]
    assert sum(rate.base + rate.tax for rate in selectors.tax_summary(invoice)) == invoice.total


def test_prices_with_tax_and_no_tax_lines_take_the_tax_inside_the_price_from_the_rate(actor):
    order = order_with(
        item("12.10", 3, "21"),
        shop={
            "charges": [{"kind": "shipping", "title": "PostNL", "amount": "4.84", "tax_rate": "21"}],
            "prices_include_tax": True,
        },
    )
    line = items_of(order)[0]
    mark_returned(line, 2)
    first = invoice_create(order=order, actor=actor)
    OrderItem.objects.filter(pk=line.pk).update(qty_returned=0)
    second = invoice_create(order=order, actor=actor)

    # 12.10 with 21 % inside is 10.00 + 2.10; 4.84 is 4.00 + 0.84
    assert _figures(first) == (D("16.94"), D("0.00"), D("2.94"), D("16.94"))
    assert _figures(second) == (D("24.20"), D("0.00"), D("4.20"), D("24.20"))
    assert first.total + second.total == fresh(order).total == D("41.14")
    assert _summary(first) == [(D("21"), "", D("14.00"), D("2.94"))]


def test_a_credit_note_of_a_tax_inclusive_invoice_mirrors_it(actor):
    invoice = invoice_create(order=_dutch_order(), actor=actor)
    lines = [(line.order_item_id, line.quantity) for line in invoice.lines.filter(kind="item")]
    note = credit_note_create(invoice=invoice, lines=lines, reason="Order returned whole", actor=actor)
    assert note.prices_include_tax is True
    assert _figures(note) == _figures(invoice)
    assert _lines(note) == _lines(invoice)


def test_the_pdf_of_a_tax_inclusive_invoice_says_prices_include_the_tax_and_shows_the_tax_inside(actor):
    invoice = selectors.invoice_get(invoice_create(order=_dutch_order(), actor=actor).number)
    pdf = invoice_pdf(invoice, compress=False)
    for text in [
        b"Prices include BTW.",
        b"Shipping: PostNL",
        b"BTW 9 %",
        b"23.76",  # net base at 9 %
        b"16.89",  # net base at 21 %
        b"3.55",  # tax inside at 21 %
        b"Total EUR",
        b"46.34",
        b"BTW included",
        b"5.69",
    ]:
        assert text in pdf, text


def test_the_pdf_shows_charge_lines_and_tax_exclusive_totals(actor):
    invoice = selectors.invoice_get(invoice_create(order=_shipped_order(), actor=actor).number)
    pdf = invoice_pdf(invoice, compress=False)
    for text in [b"Shipping: DHL Express", b"Payment fee", b"6.95", b"27.55"]:
        assert text in pdf, text
    assert b"Prices include" not in pdf


# ---- the shop's own tax lines --------------------------------------------------------------------------------


def _quebec_order():
    """3 × 10.00 with GST 5 % and QST 9.975 % as the shop charged them on the whole line: 1.50 and 2.99 (the rate
    per unit would give 3 × 1.50 = 4.50, not the shop's 4.49)."""
    taxes = [{"title": "GST", "rate": "5", "amount": "1.50"}, {"title": "QST", "rate": "9.975", "amount": "2.99"}]
    return order_with({**item("10.00", 3, "14.975"), "tax_lines": taxes}, currency="CAD")


def test_an_item_with_the_shop_s_tax_lines_invoiced_in_parts_adds_up_to_its_tax_exactly(actor):
    order = _quebec_order()
    line = items_of(order)[0]
    assert (line.line_tax, line.line_total) == (D("4.49"), D("34.49"))
    invoices = []
    for returned in (2, 1, 0):  # one unit at a time
        OrderItem.objects.filter(pk=line.pk).update(qty_returned=returned)
        invoices.append(invoice_create(order=order, actor=actor))

    parts = [invoice.lines.get() for invoice in invoices]
    # GST 1.50 by thirds: 0.50 each; QST 2.99 cumulatively: 1.00, 1.99 − 1.00 = 0.99, 2.99 − 1.99 = 1.00
    assert [[entry["amount"] for entry in part.tax_lines] for part in parts] == [
        ["0.50", "1.00"],
        ["0.50", "0.99"],
        ["0.50", "1.00"],
    ]
    assert [part.line_tax for part in parts] == [D("1.50"), D("1.49"), D("1.50")]
    assert sum(part.line_tax for part in parts) == line.line_tax
    assert sum(invoice.total for invoice in invoices) == fresh(order).total == D("34.49")
    assert [part.tax_rate for part in parts] == [D("14.975")] * 3


def test_the_tax_summary_shows_each_of_the_shop_s_taxes_on_the_line_s_base(actor):
    invoice = invoice_create(order=_quebec_order(), actor=actor)
    assert _summary(invoice) == [(D("5"), "GST", D("30.00"), D("1.50")), (D("9.975"), "QST", D("30.00"), D("2.99"))]
    assert invoice.tax_total == D("4.49")


def test_a_credit_note_takes_back_the_shop_s_tax_of_the_last_units(actor):
    order = _quebec_order()
    invoice = invoice_create(order=order, actor=actor)
    line = items_of(order)[0]
    mark_returned(line, 1)
    note = credit_note_for_return(order=order, lines=[(line, 1)], actor=actor)
    # the third unit: GST 1.50 − 1.00, QST 2.99 − 1.99
    assert [entry["amount"] for entry in note.lines.get().tax_lines] == ["0.50", "1.00"]
    assert invoice.tax_total - note.tax_total == D("2.99")


# ---- credit notes --------------------------------------------------------------------------------------------


def test_a_credit_note_for_the_whole_invoice_takes_back_its_charges(actor):
    order = _shipped_order()
    invoice = invoice_create(order=order, actor=actor)
    line = items_of(order)[0]

    note = credit_note_create(invoice=invoice, lines=[(line, 2)], reason="Invoiced to the wrong company", actor=actor)

    assert _figures(note) == _figures(invoice)
    assert [(line.kind, line.line_total) for line in note.lines.order_by("position")] == [
        ("item", D("18.53")),
        ("shipping", D("8.41")),
        ("fee", D("0.61")),
    ]
    assert _charges(order) == [("DHL Express", True, True), ("Payment fee", True, True)]
    # invoiced again, the charges come back on the new invoice
    again = invoice_create(order=order, actor=actor)
    assert _figures(again) == _figures(invoice)
    assert _charges(order) == [("DHL Express", True, False), ("Payment fee", True, False)]


def test_a_credit_note_for_part_of_an_invoice_leaves_its_charges(actor):
    order = _shipped_order()
    invoice = invoice_create(order=order, actor=actor)
    note = credit_note_create(invoice=invoice, lines=[(items_of(order)[0], 1)], reason="Price corrected", actor=actor)
    assert [line.kind for line in note.lines.all()] == ["item"]
    assert note.total == D("9.27")  # 8.50 + 0.77
    assert _charges(order) == [("DHL Express", True, False), ("Payment fee", True, False)]


def test_a_return_s_credit_note_takes_back_units_only_and_shipping_stays_charged(actor):
    order = _shipped_order()
    invoice_create(order=order, actor=actor)
    line = items_of(order)[0]
    mark_returned(line, 2)

    note = credit_note_for_return(order=order, lines=[(line, 2)], actor=actor)

    assert [(line.kind, line.quantity, line.line_total) for line in note.lines.all()] == [("item", 2, D("18.53"))]
    assert _charges(order) == [("DHL Express", True, False), ("Payment fee", True, False)]


def test_the_returns_service_may_ask_for_the_shipping_back_too(actor):
    order = _shipped_order()
    invoice = invoice_create(order=order, actor=actor)
    line = items_of(order)[0]
    shipping = OrderCharge.objects.get(order=order, kind="shipping")
    mark_returned(line, 1)

    note = credit_note_for_return(order=order, lines=[(line, 1)], actor=actor, charges=[shipping.pk])

    assert note.credits == invoice
    assert [(line.kind, line.line_total) for line in note.lines.order_by("position")] == [
        ("item", D("9.27")),
        ("shipping", D("8.41")),
    ]
    assert _charges(order) == [("DHL Express", True, True), ("Payment fee", True, False)]


def test_a_charge_is_taken_back_by_hand_on_its_own(actor):
    order = _shipped_order()
    invoice = invoice_create(order=order, actor=actor)
    shipping = OrderCharge.objects.get(order=order, kind="shipping")

    note = credit_note_create(invoice=invoice, lines=[], charges=[shipping.pk], reason="Late delivery", actor=actor)

    assert _lines(note) == [("shipping", "Shipping: DHL Express", 1, D("6.95"), D("0.00"), D("1.46"), D("8.41"))]
    assert _charges(order) == [("DHL Express", True, True), ("Payment fee", True, False)]
    # taken back already: a second time is refused, naming the charge, and writes nothing
    with pytest.raises(ValidationError) as refused:
        credit_note_create(invoice=invoice, lines=[], charges=[shipping.pk], reason="Again", actor=actor)
    assert refused.value.field == "charges[0]"
    assert Invoice.objects.filter(kind="credit_note").count() == 1


def test_crediting_every_unit_while_keeping_the_charges_on_the_invoice(actor):
    order = _shipped_order()
    invoice = invoice_create(order=order, actor=actor)
    note = credit_note_create(
        invoice=invoice, lines=[(items_of(order)[0], 2)], charges=[], reason="Price corrected", actor=actor
    )
    assert [line.kind for line in note.lines.all()] == ["item"]
    assert _charges(order) == [("DHL Express", True, False), ("Payment fee", True, False)]


def test_a_charge_of_another_order_or_not_on_the_invoice_is_refused(actor):
    order = _shipped_order()
    other = _shipped_order()
    invoice = invoice_create(order=order, actor=actor)
    foreign = OrderCharge.objects.filter(order=other).first()
    with pytest.raises(ValidationError) as refused:
        credit_note_create(invoice=invoice, lines=[], charges=[foreign.pk], reason="x", actor=actor)
    assert refused.value.field == "charges[0]"
    with pytest.raises(ValidationError):
        credit_note_create(invoice=invoice, lines=[], charges=["shipping"], reason="x", actor=actor)
    assert not Invoice.objects.filter(kind="credit_note").exists()
