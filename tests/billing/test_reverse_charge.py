"""Intra-EU supplies to businesses: invoices without VAT, reverse charged, where the seller's settings say so."""

from decimal import Decimal

import pytest

from orderly.billing import selectors
from orderly.billing.models import Invoice
from orderly.billing.services import (
    credit_note_create,
    credit_note_for_return,
    credit_note_for_shop_refund,
    invoice_create,
    payment_record,
)
from orderly.billing.vat import REVERSE_CHARGE_NOTE
from orderly.core.exceptions import Conflict
from orderly.orders.models import OrderCharge, OrderEvent
from orderly.orders.services import order_update
from tests.billing.factories import fresh, item, items_of, mark_returned, order_with
from tests.factories import address

pytestmark = pytest.mark.django_db
D = Decimal

DHL = {"kind": "shipping", "title": "DHL Express", "amount": "6.95", "tax_rate": "21"}
FEE = {"kind": "fee", "title": "Payment fee", "amount": "0.50", "tax_rate": "21"}
BERLIN = {"postal_code": "10115", "city": "Berlin", "country": "DE"}
NEW_YORK = {"postal_code": "10001", "city": "New York", "region": "NY", "country": "US"}


@pytest.fixture
def reverse_charging(monkeypatch):
    """The seller (in NL, the default) reverse charges intra-EU supplies to businesses."""
    monkeypatch.setenv("ORDERLY_SELLER_REVERSE_CHARGE", "1")


def business(*items, vat="DE123456789", ship_to=BERLIN, **kwargs):
    """An order of Röstwerk GmbH with its VAT number, sent to `ship_to`: coffee at 9 %, a grinder at 21 %, shipping
    and a payment fee at 21 %, prices without tax, unless other items or a `shop` are given."""
    kwargs.setdefault("shop", {"charges": [DHL, FEE]})
    return order_with(
        *(items or [item("8.50", 2, "9"), item("12.99", 1, "21")]),
        customer={"name": "Röstwerk GmbH", "email": "einkauf@roestwerk.example", "type": "wholesale",
                  "vat_number": vat},
        shipping_address=address(name="Röstwerk GmbH", **ship_to),
        **kwargs,
    )  # fmt: skip


def _figures(invoice):
    return invoice.subtotal, invoice.discount, invoice.tax_total, invoice.total


def _lines(invoice):
    return [
        (line.kind, line.quantity, line.unit_price, line.tax_rate, line.line_subtotal, line.discount, line.line_tax,
         line.line_total, line.tax_lines)
        for line in invoice.lines.order_by("position")
    ]  # fmt: skip


def _summary(invoice):
    return [(rate.tax_rate, rate.base, rate.tax) for rate in selectors.tax_summary(invoice)]


# ---- the reverse-charged invoice -------------------------------------------------------------------------------


def test_goods_to_a_business_in_another_eu_state_are_invoiced_net_without_vat(actor, reverse_charging):
    order = fresh(business())
    # The order's own figures keep the VAT: 17.00 + 1.53, 12.99 + 2.73, shipping 6.95 + 1.46, fee 0.50 + 0.11.
    assert (order.total, order.tax_total, order.amount_due) == (D("43.27"), D("5.83"), D("43.27"))

    invoice = invoice_create(order=order, actor=actor)

    assert invoice.reverse_charge is True and invoice.prices_include_tax is False
    assert invoice.buyer["vat_number"] == "DE123456789"
    assert _figures(invoice) == (D("37.44"), D("0.00"), D("0.00"), D("37.44"))
    assert _lines(invoice) == [
        ("item", 2, D("8.50"), D("0"), D("17.00"), D("0.00"), D("0.00"), D("17.00"), []),
        ("item", 1, D("12.99"), D("0"), D("12.99"), D("0.00"), D("0.00"), D("12.99"), []),
        ("shipping", 1, D("6.95"), D("0"), D("6.95"), D("0.00"), D("0.00"), D("6.95"), []),
        ("fee", 1, D("0.50"), D("0"), D("0.50"), D("0.00"), D("0.00"), D("0.50"), []),
    ]
    assert _summary(invoice) == [(D("0"), D("37.44"), D("0.00"))]
    event = OrderEvent.objects.get(order=order, kind="invoice_created")
    assert event.message == (
        "Invoice INV-000001 created: total EUR 37.44. VAT reverse charged (intra-EU supply to a business)."
    )
    assert event.data["reverse_charge"] is True
    # The customer owes what the invoice says, not the order's total with VAT: paying it settles the order.
    order = fresh(order)
    assert order.vat_reverse_charged is True
    assert (order.amount_due, order.payment_status) == (D("37.44"), "unpaid")
    payment_record(order=order, amount="37.44", method="bank_transfer", actor=actor)
    order = fresh(order)
    assert (order.amount_due, order.amount_paid, order.payment_status, order.status) == (
        D("37.44"), D("37.44"), "paid", "closed",
    )  # fmt: skip


def test_prices_that_include_tax_have_the_tax_taken_out(actor, reverse_charging):
    """12.10 at 21 % with the tax inside is 10.00 net: three of them 30.00 (36.30 less 6.30 tax); the shipping
    4.84 with 0.84 tax inside is 4.00."""
    shop = {"prices_include_tax": True, "charges": [{"kind": "shipping", "title": "PostNL", "amount": "4.84",
                                                     "tax_rate": "21"}]}  # fmt: skip
    order = fresh(business(item("12.10", 3, "21"), shop=shop))
    assert (order.total, order.tax_total) == (D("41.14"), D("7.14"))

    invoice = invoice_create(order=order, actor=actor)

    assert invoice.prices_include_tax is False
    assert _lines(invoice) == [
        ("item", 3, D("10.00"), D("0"), D("30.00"), D("0.00"), D("0.00"), D("30.00"), []),
        ("shipping", 1, D("4.00"), D("0"), D("4.00"), D("0.00"), D("0.00"), D("4.00"), []),
    ]
    assert _figures(invoice) == (D("34.00"), D("0.00"), D("0.00"), D("34.00"))
    assert fresh(order).amount_due == D("34.00")


def test_the_shops_own_tax_inside_the_prices_is_taken_out_exactly_and_the_discount_scaled(actor, reverse_charging):
    """The shop stated its tax: coffee 2 × 12.95 with 2.14 BTW inside, a mug 14.99 less 1.50 with 2.34 inside,
    shipping 6.95 with 1.21 inside. Net 23.76, 11.15 and 5.74: 40.65, where the customer paid the shop 46.34."""
    coffee = {**item("12.95", 2, "9"), "tax_lines": [{"title": "BTW", "rate": "9", "amount": "2.14"}]}
    mug = {**item("14.99", 1, "21", "1.50"), "tax_lines": [{"title": "BTW", "rate": "21", "amount": "2.34"}]}
    shipping = {"kind": "shipping", "title": "PostNL", "amount": "6.95",
                "tax_lines": [{"title": "BTW", "rate": "21", "amount": "1.21"}]}  # fmt: skip
    shop = {"charges": [shipping], "prices_include_tax": True, "stated_total": "46.34"}
    order = business(coffee, mug, shop=shop)

    invoice = invoice_create(order=order, actor=actor)

    # The mug: 13.49 with 2.34 tax is 11.15 net; its unit price and discount × 11.15 / 13.49 (12.39, 1.24), and
    # the subtotal 11.15 + 1.24 so that the line comes to its net exactly.
    assert _lines(invoice) == [
        ("item", 2, D("11.88"), D("0"), D("23.76"), D("0.00"), D("0.00"), D("23.76"), []),
        ("item", 1, D("12.39"), D("0"), D("12.39"), D("1.24"), D("0.00"), D("11.15"), []),
        ("shipping", 1, D("5.74"), D("0"), D("5.74"), D("0.00"), D("0.00"), D("5.74"), []),
    ]
    assert _figures(invoice) == (D("41.89"), D("1.24"), D("0.00"), D("40.65"))
    # Paid in the shop with the VAT: the VAT is the customer's to get back.
    payment_record(order=order, amount="46.34", method="card", actor=actor)
    order = fresh(order)
    assert (order.amount_due, order.payment_status, order.balance_due) == (D("40.65"), "refund_due", D("-5.69"))


def test_a_greek_business_has_an_el_vat_number(actor, reverse_charging):
    order = business(vat="EL123456789", ship_to={"postal_code": "105 57", "city": "Athens", "country": "GR"})
    assert invoice_create(order=order, actor=actor).reverse_charge is True


# ---- who keeps paying VAT ----------------------------------------------------------------------------------------

CHARGED = (D("37.44"), D("0.00"), D("5.83"), D("43.27"))


@pytest.mark.parametrize(
    "vat, ship_to, seller",
    [
        pytest.param("NL123456789B01", {}, {}, id="domestic business"),
        pytest.param("", BERLIN, {}, id="consumer in another EU state"),
        pytest.param("CHE123456789", {"postal_code": "8001", "city": "Zürich", "country": "CH"}, {}, id="non-EU"),
        pytest.param("DE123456789", NEW_YORK, {}, id="goods sent out of the EU"),
        pytest.param("DE123456789", {}, {}, id="goods stay in the seller's country"),
        pytest.param("NL123456789B01", BERLIN, {}, id="VAT number of the seller's own country"),
        pytest.param("DE123456789", BERLIN, {"ORDERLY_SELLER_REVERSE_CHARGE": "0"}, id="setting off"),
        pytest.param("DE123456789", BERLIN, {"ORDERLY_SELLER_COUNTRY": "GB"}, id="seller outside the EU"),
    ],
)
def test_everyone_else_is_invoiced_with_vat_as_before(actor, reverse_charging, monkeypatch, vat, ship_to, seller):
    for name, value in seller.items():
        monkeypatch.setenv(name, value)
    order = business(vat=vat, ship_to=ship_to or {})

    invoice = invoice_create(order=order, actor=actor)

    assert invoice.reverse_charge is False
    assert _figures(invoice) == CHARGED
    assert _summary(invoice) == [(D("9"), D("17.00"), D("1.53")), (D("21"), D("20.44"), D("4.30"))]
    order = fresh(order)
    assert (order.vat_reverse_charged, order.amount_due) == (False, D("43.27"))
    assert OrderEvent.objects.get(order=order, kind="invoice_created").message == (
        "Invoice INV-000001 created: total EUR 43.27."
    )


def test_without_the_setting_nothing_changes_for_a_business_abroad(actor):
    invoice = invoice_create(order=business(), actor=actor)
    assert (invoice.reverse_charge, _figures(invoice)) == (False, CHARGED)


# ---- credit notes follow the invoice ---------------------------------------------------------------------------


def test_a_credit_note_of_a_reverse_charged_invoice_is_reverse_charged_too(actor, reverse_charging, monkeypatch):
    shop = {"prices_include_tax": True, "charges": []}
    order = business(item("12.10", 3, "21"), shop=shop)
    invoice = invoice_create(order=order, actor=actor)
    monkeypatch.setenv("ORDERLY_SELLER_REVERSE_CHARGE", "0")  # the note follows the invoice, not the setting now
    line = items_of(order)[0]
    mark_returned(line, 1)

    note = credit_note_for_return(order=order, lines=[(line, 1)], reason="Returned", actor=actor)

    assert note.reverse_charge is True and note.prices_include_tax is False
    assert _lines(note) == [("item", 1, D("10.00"), D("0"), D("10.00"), D("0.00"), D("0.00"), D("10.00"), [])]
    assert _figures(note) == (D("10.00"), D("0.00"), D("0.00"), D("10.00"))
    order = fresh(order)
    assert (order.amount_due, invoice.total - note.total) == (D("20.00"), D("20.00"))


def test_a_credit_note_taking_back_the_whole_invoice_mirrors_it(actor, reverse_charging):
    coffee = {**item("12.95", 2, "9"), "tax_lines": [{"title": "BTW", "rate": "9", "amount": "2.14"}]}
    mug = item("14.99", 1, "21", "1.50")
    order = business(coffee, mug, shop={"prices_include_tax": True, "charges": [DHL]})
    invoice = invoice_create(order=order, actor=actor)
    lines = [(item.pk, item.quantity) for item in items_of(order)]

    note = credit_note_create(invoice=invoice, lines=lines, reason="Wrong customer", actor=actor)

    assert note.reverse_charge is True
    assert _figures(note) == _figures(invoice)
    assert _lines(note) == _lines(invoice)
    order = fresh(order)
    # The units are still owed, without VAT (they can be invoiced again); the shipping taken back is not, until then.
    assert (_figures(invoice)[3], order.amount_due) == (D("40.65"), D("34.91"))  # 23.76 + 11.15 (+ 5.74 shipping)
    assert [(c.invoiced, c.credited) for c in OrderCharge.objects.filter(order=order)] == [(True, True)]


def test_a_shop_refund_of_part_of_the_shipping_takes_back_its_net_share(actor, reverse_charging):
    """Shipping 6.95 + 1.46 VAT = 8.41 billed 6.95 net. The shop pays back 2.38 of it: the customer owes 6.03 of
    the charge with VAT, 6.03 − 1.05 (its share of 1.46) = 4.98 without, so the note takes back 1.97."""
    order = business(item("10.00", 1, "21"), shop={"charges": [DHL]})
    invoice = invoice_create(order=order, actor=actor)
    charge = OrderCharge.objects.get(order=order)
    OrderCharge.objects.filter(pk=charge.pk).update(refunded=D("2.38"))  # recorded by the shop sync first

    [note] = credit_note_for_shop_refund(order=order, refunded={charge.pk: D("2.38")}, actor=actor)

    assert (note.reverse_charge, note.credits_id, note.total, note.tax_total) == (True, invoice.pk, D("1.97"), D("0"))
    order = fresh(order)
    assert invoice.total - note.total == order.amount_due == D("14.98")  # 10.00 + 4.98
    assert OrderCharge.objects.get(pk=charge.pk).credited is False  # the rest of it stays billed


# ---- one order, one way of treating its VAT --------------------------------------------------------------------


def test_a_new_invoice_that_would_treat_the_vat_otherwise_is_refused_until_the_first_is_credited(
    actor, reverse_charging
):
    order = business(item("10.00", 2, "21"), shop={"charges": []})
    first = invoice_create(order=order, actor=actor)
    [line] = items_of(order)
    credit_note_create(invoice=first, lines=[(line.pk, 1)], reason="Price corrected", actor=actor)
    # The customer turns out to be a consumer: the VAT number goes, and one unit is left to invoice.
    order_update(order=fresh(order), changes={"customer": {"vat_number": ""}}, actor=actor)
    invoices = Invoice.objects.count()

    with pytest.raises(Conflict) as refused:
        invoice_create(order=order, actor=actor)

    assert refused.value.code == "vat_treatment_changed"
    assert refused.value.detail == {"order": order.number, "invoice": "INV-000001", "reverse_charged": True}
    assert refused.value.message == (
        f"Cannot invoice order {order.number}: INV-000001 bills it with the VAT reverse charged, and this invoice "
        "would charge it (the customer's VAT number, where the goods go or the seller's setting changed). Credit "
        "INV-000001 in full first, or put back what changed."
    )
    assert Invoice.objects.count() == invoices
    assert items_of(order)[0].qty_invoiced == 2 and fresh(order).vat_reverse_charged is True

    credit_note_create(invoice=first, lines=[(line.pk, 1)], reason="Consumer after all", actor=actor)
    second = invoice_create(order=order, actor=actor)

    assert (second.reverse_charge, _figures(second)) == (False, (D("20.00"), D("0.00"), D("4.20"), D("24.20")))
    order = fresh(order)
    assert (order.vat_reverse_charged, order.amount_due) == (False, D("24.20"))


def test_the_pdf_shows_the_buyers_vat_number_net_amounts_and_the_note(actor, reverse_charging):
    from io import BytesIO

    from pypdf import PdfReader

    from orderly.billing.pdf import invoice_pdf

    invoice = selectors.invoice_get(invoice_create(order=business(), actor=actor).number)

    text = PdfReader(BytesIO(invoice_pdf(invoice))).pages[0].extract_text()
    words = " ".join(text.split())

    assert "VAT DE123456789" in words
    assert "Tax rate Base Tax 0 % 37.44 0.00" in words
    assert "Subtotal 37.44 Tax 0.00 Total EUR 37.44" in words
    assert " ".join(REVERSE_CHARGE_NOTE.split()) in words
    assert "21 %" not in words and "5.83" not in words

    plain = selectors.invoice_get(invoice_create(order=business(vat="NL123456789B01"), actor=actor).number)
    plain_words = " ".join(PdfReader(BytesIO(invoice_pdf(plain))).pages[0].extract_text().split())
    assert "reverse charged" not in plain_words and "VAT NL123456789B01" in plain_words
