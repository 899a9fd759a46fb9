"""Shipping and fees, the shop's tax and its other figures of an order over the API, and on its invoices."""

import pytest

from orderly.billing.services import invoice_create
from orderly.core.actors import Actor
from orderly.orders.models import OrderCharge
from tests.billing.factories import item, items_of, order_with

pytestmark = pytest.mark.django_db

QUEBEC_TAXES = [{"title": "GST", "rate": "5", "amount": "1.50"}, {"title": "QST", "rate": "9.975", "amount": "2.99"}]


@pytest.fixture
def order(db):
    """A Canadian shop's order paid in US dollars: one line and shipping with GST and QST, a fee, a code used."""
    shipping = {
        "kind": "shipping",
        "title": "Canada Post Expedited",
        "code": "canada-post-expedited",
        "amount": "12.00",
        "discount": "2.00",
        "tax_lines": [
            {"title": "GST", "rate": "5", "amount": "0.50"},
            {"title": "QST", "rate": "9.975", "amount": "1.00"},
        ],
    }
    fee = {"kind": "fee", "title": "Gift wrapping", "amount": "3.00"}
    shop = {
        "charges": [shipping, fee],
        "delivery_method": "canada-post-expedited",
        "discount_codes": [{"code": "SHIP2", "type": "fixed_amount", "amount": "2.00"}],
        "shop_money": {"currency": "CAD", "total": "66.79", "tax": "8.06", "subtotal": "40.80", "shipping": "16.32"},
        "stated_total": "49.99",
    }
    return order_with({**item("10.00", 3, "14.975"), "tax_lines": QUEBEC_TAXES}, currency="USD", shop=shop)


def test_an_order_answers_with_its_charges_and_the_shop_s_figures(api, order):
    body = api.get(f"/orders/{order.number}", role="viewer").json()
    shipping, fee = OrderCharge.objects.filter(order=order).order_by("position")

    assert body["charges"] == [
        {
            "id": shipping.pk,
            "kind": "shipping",
            "title": "Canada Post Expedited",
            "code": "canada-post-expedited",
            "amount": "12.00",
            "discount": "2.00",
            "tax_rate": "14.975",
            "tax_lines": [
                {"title": "GST", "rate": "5.00", "amount": "0.50"},
                {"title": "QST", "rate": "9.975", "amount": "1.00"},
            ],
            "tax": "1.50",
            "total": "11.50",
            "refunded": "0.00",
            "credited": False,
        },
        {
            "id": fee.pk,
            "kind": "fee",
            "title": "Gift wrapping",
            "code": "",
            "amount": "3.00",
            "discount": "0.00",
            "tax_rate": "0.00",
            "tax_lines": [],
            "tax": "0.00",
            "total": "3.00",
            "refunded": "0.00",
            "credited": False,
        },
    ]
    # 30.00 + 4.49 for the line, 11.50 + 3.00 for the charges
    assert body["totals"] == {
        "subtotal": "30.00",
        "discount": "2.00",
        "tax": "5.99",
        "charges_total": "14.50",
        "total": "48.99",
    }
    assert (body["prices_include_tax"], body["stated_total"], body["is_test"]) == (False, "49.99", False)
    assert body["delivery_method"] == "canada-post-expedited"
    assert body["discount_codes"] == [{"code": "SHIP2", "type": "fixed_amount", "amount": "2.00"}]
    assert body["shop_money"] == {
        "currency": "CAD",
        "total": "66.79",
        "tax": "8.06",
        "subtotal": "40.80",
        "discount": None,
        "shipping": "16.32",
    }
    assert body["items"][0]["tax_rate"] == "14.975"
    assert body["items"][0]["tax_lines"] == [
        {"title": "GST", "rate": "5.00", "amount": "1.50"},
        {"title": "QST", "rate": "9.975", "amount": "2.99"},
    ]
    assert (body["items"][0]["line_tax"], body["items"][0]["line_total"]) == ("4.49", "34.49")


def test_an_order_without_charges_or_shop_figures_answers_with_empty_ones(api):
    body = api.get(f"/orders/{order_with(item()).number}", role="viewer").json()
    assert body["charges"] == [] and body["totals"]["charges_total"] == "0.00"
    shop_figures = (body["stated_total"], body["shop_money"], body["discount_codes"], body["is_test"])
    assert shop_figures == (None, None, [], False)
    assert body["items"][0]["tax_lines"] == []


def test_a_shop_s_test_order_says_so_and_is_not_invoiced(api):
    order = order_with(item(), shop={"is_test": True})
    assert api.get(f"/orders/{order.number}", role="viewer").json()["is_test"] is True
    response = api.post(f"/orders/{order.number}/invoices", role="operator")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "test_order"


def test_the_order_list_carries_the_charges_of_each_order(api, order):
    order_with(item())
    body = api.get("/orders", role="viewer").json()
    assert [len(entry["charges"]) for entry in body["items"]] == [0, 2]


def test_an_invoice_answers_with_its_charge_lines_and_the_shop_s_taxes(api, order):
    response = api.post(f"/orders/{order.number}/invoices", role="operator")
    assert response.status_code == 201, response.content
    body = response.json()
    shipping, fee = OrderCharge.objects.filter(order=order).order_by("position")
    line = items_of(order)[0]

    lines = [(e["kind"], e["item"], e["order_charge"], e["sku"], e["name"]) for e in body["lines"]]
    assert lines == [
        ("item", line.pk, None, line.sku, line.name),
        ("shipping", None, shipping.pk, "", "Shipping: Canada Post Expedited"),
        ("fee", None, fee.pk, "", "Fee: Gift wrapping"),
    ]
    assert body["lines"][1]["tax_rate"] == "14.975"
    assert body["lines"][1]["tax_lines"] == [
        {"title": "GST", "rate": "5.00", "amount": "0.50"},
        {"title": "QST", "rate": "9.975", "amount": "1.00"},
    ]
    assert body["prices_include_tax"] is False
    assert (body["subtotal"], body["discount"], body["tax_total"], body["total"]) == ("45.00", "2.00", "5.99", "48.99")
    # each of the shop's taxes on the net amounts it was charged on; the fee is untaxed
    assert body["tax_summary"] == [
        {"tax_rate": "0.00", "title": "", "base": "3.00", "tax": "0.00"},
        {"tax_rate": "5.00", "title": "GST", "base": "40.00", "tax": "2.00"},
        {"tax_rate": "9.975", "title": "QST", "base": "40.00", "tax": "3.99"},
    ]


def test_a_tax_inclusive_invoice_says_so(api):
    order = order_with(
        item("12.10", 1, "21"),
        shop={
            "prices_include_tax": True,
            "charges": [{"kind": "shipping", "title": "PostNL", "amount": "4.84", "tax_rate": "21"}],
        },
    )
    invoice = invoice_create(order=order, actor=Actor.system())
    body = api.get(f"/invoices/{invoice.number}", role="viewer").json()
    assert body["prices_include_tax"] is True
    assert (body["subtotal"], body["tax_total"], body["total"]) == ("16.94", "2.94", "16.94")
    assert body["tax_summary"] == [{"tax_rate": "21.00", "title": "", "base": "14.00", "tax": "2.94"}]
    assert api.get(f"/orders/{order.number}", role="viewer").json()["prices_include_tax"] is True


def test_a_credit_note_of_the_whole_invoice_over_the_api_takes_back_the_charges(api, order):
    invoice = invoice_create(order=order, actor=Actor.system())
    body = {"items": [{"item": items_of(order)[0].pk, "quantity": 3}], "reason": "Wrong customer"}
    response = api.post(f"/invoices/{invoice.number}/credit-notes", body, role="operator")
    assert response.status_code == 201, response.content
    note = response.json()
    assert [entry["kind"] for entry in note["lines"]] == ["item", "shipping", "fee"]
    assert note["total"] == "48.99" and note["signed_total"] == "-48.99"
    assert list(OrderCharge.objects.filter(order=order).values_list("credited", flat=True)) == [True, True]


def test_the_schema_describes_charges_and_charge_lines(api, db):
    schema = api.client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert {"charges", "prices_include_tax", "stated_total", "is_test", "shop_money", "discount_codes"} <= set(
        schema["OrderOut"]["properties"]
    )
    assert "charges_total" in schema["TotalsOut"]["properties"]
    assert {"kind", "order_charge", "tax_lines"} <= set(schema["InvoiceLineOut"]["properties"])
    assert schema["ChargeOut"]["properties"]["kind"]["enum"] == ["shipping", "fee"]
