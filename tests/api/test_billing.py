"""The billing endpoints: payments, invoices, credit notes and the PDF, under every role, with bad input."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderly.billing.models import Invoice, Payment
from orderly.billing.services import invoice_create, payment_record
from orderly.core.actors import Actor
from orderly.orders.models import Order
from tests.api.helpers import error_of
from tests.billing.factories import item, items_of, order_with
from tests.factories import address

pytestmark = pytest.mark.django_db

ROLES = ["viewer", "operator", "manager", "admin"]


@pytest.fixture
def order(db):
    return order_with(item("10.00", 2, "21"), item("4.00", 1, "9"))  # total 24.20 + 4.36 = 28.56


@pytest.fixture
def invoiced(order):
    return invoice_create(order=order, actor=Actor.system())


def _order(order) -> Order:
    return Order.all_objects.get(pk=order.pk)


# ---- access ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, *ROLES])
def test_reads_need_a_token_and_any_role(api, order, invoiced, role):
    expected = 401 if role is None else 200
    for path in [
        f"/orders/{order.number}/payments",
        f"/orders/{order.number}/invoices",
        "/invoices",
        f"/invoices/{invoiced.number}",
        f"/invoices/{invoiced.number}/pdf",
    ]:
        assert api.get(path, role=role).status_code == expected, path


@pytest.mark.parametrize(("role", "expected"), [(None, 401), ("viewer", 403), ("operator", 201), ("admin", 201)])
def test_recording_a_payment_needs_an_operator(api, order, role, expected):
    response = api.post(f"/orders/{order.number}/payments", {"amount": "1.00", "method": "card"}, role=role)
    assert response.status_code == expected
    assert Payment.objects.count() == (1 if expected == 201 else 0)
    if expected != 201:
        assert error_of(response)["code"] == ("unauthenticated" if role is None else "forbidden")


@pytest.mark.parametrize(("role", "expected"), [(None, 401), ("viewer", 403), ("operator", 201), ("manager", 201)])
def test_invoicing_needs_an_operator(api, order, role, expected):
    response = api.post(f"/orders/{order.number}/invoices", role=role)
    assert response.status_code == expected
    assert Invoice.objects.count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize(("role", "expected"), [(None, 401), ("viewer", 403), ("operator", 201)])
def test_crediting_needs_an_operator(api, order, invoiced, role, expected):
    body = {"items": [{"item": items_of(order)[0].pk, "quantity": 1}], "reason": "Goodwill"}
    response = api.post(f"/invoices/{invoiced.number}/credit-notes", body, role=role)
    assert response.status_code == expected
    assert Invoice.objects.filter(kind="credit_note").count() == (1 if expected == 201 else 0)


# ---- payments -------------------------------------------------------------------------------------------------


def test_payment_answers_with_the_payment_and_the_order_status(api, order):
    response = api.post(
        f"/orders/{order.number}/payments",
        {"amount": "10.50", "method": "bank_transfer", "reference": "TX-1"},
        role="operator",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["payment"]["amount"] == "10.50"
    assert body["payment"]["method"] == "bank_transfer"
    assert body["payment"]["reference"] == "TX-1"
    assert body["payment"]["kind"] == "payment"
    assert body["payment"]["created_by"] == "operator"
    assert body["order"] == {
        "number": order.number,
        "status": "open",
        "payment_status": "partially_paid",
        "amount_paid": "10.50",
        "amount_due": "28.56",
        "balance_due": "18.06",
        "vat_reverse_charged": False,
        "currency": "EUR",
    }


def test_paying_a_draft_in_full_opens_it(api):
    draft = order_with(item("10.00", 1, "0"), status="draft")
    response = api.post(f"/orders/{draft.number}/payments", {"amount": 10, "method": "card"}, role="operator")
    assert response.status_code == 201
    assert response.json()["order"]["status"] == "open"
    assert response.json()["order"]["payment_status"] == "paid"


def test_refund_is_recorded_and_listed(api, order):
    payment_record(order=order, amount="30.00", method="card", actor=Actor.system())
    response = api.post(
        f"/orders/{order.number}/payments", {"amount": "1.44", "method": "card", "kind": "refund"}, role="operator"
    )
    assert response.status_code == 201
    assert response.json()["order"]["payment_status"] == "paid"

    listed = api.get(f"/orders/{order.number}/payments", role="viewer").json()
    assert [(p["kind"], p["amount"]) for p in listed["items"]] == [("payment", "30.00"), ("refund", "1.44")]
    assert listed["order"]["amount_paid"] == "28.56"


def test_refund_beyond_what_was_paid_is_a_conflict_naming_the_amount(api, order):
    response = api.post(
        f"/orders/{order.number}/payments", {"amount": "1.00", "method": "card", "kind": "refund"}, role="operator"
    )
    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["field"]) == ("refund_exceeds_paid", "amount")
    assert error["detail"] == {"order": order.number, "amount": "1.00", "paid": "0.00"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "abc", "method": "card"}, "amount"),
        ({"amount": "-5", "method": "card"}, "amount"),
        ({"amount": "0", "method": "card"}, "amount"),
        ({"amount": "1.005", "method": "card"}, "amount"),
        ({"amount": "1e20", "method": "card"}, "amount"),
        ({"amount": "99999999999999999999999999.99", "method": "card"}, "amount"),
        ({"amount": None, "method": "card"}, "amount"),
        ({"method": "card"}, "amount"),
        ({"amount": "1.00", "method": "cheque"}, "method"),
        ({"amount": "1.00"}, "method"),
        ({"amount": "1.00", "method": "card", "kind": "gift"}, "kind"),
        ({"amount": "1.00", "method": "card", "reference": "x" * 101}, "reference"),
        ({"amount": "1.00", "method": "card", "tip": 1}, "tip"),
    ],
)
def test_bad_payment_input_is_refused_naming_the_field_and_writes_nothing(api, order, body, field):
    response = api.post(f"/orders/{order.number}/payments", body, role="operator")
    assert response.status_code == 422, response.content
    assert error_of(response)["field"] == field
    assert not Payment.objects.exists()
    assert _order(order).amount_paid == Decimal("0")


def test_malformed_json_is_a_400(api, order):
    response = api.post(f"/orders/{order.number}/payments", b"{amount", role="operator")
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_payment_for_an_unknown_order_is_404(api):
    response = api.post("/orders/OR-999999/payments", {"amount": "1.00", "method": "card"}, role="operator")
    assert response.status_code == 404
    assert api.get("/orders/OR-999999/payments").status_code == 404


def test_payment_with_an_idempotency_key_is_recorded_once(api, order):
    body = {"amount": "5.00", "method": "cash"}
    first = api.post(f"/orders/{order.number}/payments", body, role="operator", idempotency_key="pay-1")
    again = api.post(f"/orders/{order.number}/payments", body, role="operator", idempotency_key="pay-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert _order(order).amount_paid == Decimal("5.00")

    other = api.post(
        f"/orders/{order.number}/payments",
        {"amount": "6.00", "method": "cash"},
        role="operator",
        idempotency_key="pay-1",
    )
    assert other.status_code == 422
    assert error_of(other)["code"] == "idempotency_key_reused"


# ---- invoices -------------------------------------------------------------------------------------------------


def test_invoice_create_answers_with_lines_tax_summary_and_totals(api, order):
    response = api.post(f"/orders/{order.number}/invoices", role="operator")
    assert response.status_code == 201
    body = response.json()
    assert body["number"] == "INV-000001"
    assert (body["kind"], body["order"], body["credits"], body["currency"]) == ("invoice", order.number, None, "EUR")
    assert (body["subtotal"], body["discount"], body["tax_total"], body["total"]) == ("24.00", "0.00", "4.56", "28.56")
    assert body["signed_total"] == "28.56"
    assert body["tax_summary"] == [
        {"tax_rate": "9.00", "title": "", "base": "4.00", "tax": "0.36"},
        {"tax_rate": "21.00", "title": "", "base": "20.00", "tax": "4.20"},
    ]
    assert [(line["sku"], line["quantity"], line["line_total"]) for line in body["lines"]] == [
        (i.sku, i.quantity, str(i.line_total)) for i in items_of(order)
    ]
    assert body["pdf"] == "/api/v1/invoices/INV-000001/pdf"
    assert api.get(f"/invoices/{body['number']}", role="viewer").json() == body


def test_nothing_to_invoice_is_a_conflict_naming_the_order(api, order, invoiced):
    response = api.post(f"/orders/{order.number}/invoices", role="operator")
    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "nothing_to_invoice"
    assert order.number in error["message"]
    assert error["detail"] == {"order": order.number}
    assert Invoice.objects.count() == 1


def test_a_draft_is_not_invoiced(api):
    draft = order_with(item(), status="draft")
    response = api.post(f"/orders/{draft.number}/invoices", role="operator")
    assert response.status_code == 409
    assert error_of(response) == {
        "code": "order_locked",
        "message": f"Cannot invoice order {draft.number}: it is draft; open it first.",
        "field": None,
        "detail": {"order": draft.number, "action": "invoice", "status": "draft", "stage": "new"},
    }


def test_invoice_with_an_idempotency_key_is_made_once(api, order):
    first = api.post(f"/orders/{order.number}/invoices", role="operator", idempotency_key="inv-1")
    again = api.post(f"/orders/{order.number}/invoices", role="operator", idempotency_key="inv-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Invoice.objects.count() == 1


def test_pdf_is_a_pdf_named_after_the_invoice(api, invoiced):
    response = api.get(f"/invoices/{invoiced.number}/pdf", role="viewer")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="INV-000001.pdf"'
    assert response.content.startswith(b"%PDF")


def test_unknown_invoice_is_404_in_the_one_shape(api):
    for path in ["/invoices/INV-999999", "/invoices/INV-999999/pdf"]:
        response = api.get(path)
        assert response.status_code == 404
        assert error_of(response)["detail"] == {"resource": "invoice", "key": "INV-999999"}


def test_order_invoices_list_invoices_and_credit_notes(api, order, invoiced):
    body = {"items": [{"item": items_of(order)[1].pk, "quantity": 1}], "reason": "Price corrected"}
    note = api.post(f"/invoices/{invoiced.number}/credit-notes", body, role="operator")
    assert note.status_code == 201
    assert (note.json()["number"], note.json()["credits"], note.json()["signed_total"]) == (
        "CN-000001",
        "INV-000001",
        "-4.36",
    )
    assert note.json()["reason"] == "Price corrected"

    listed = api.get(f"/orders/{order.number}/invoices", role="viewer").json()
    assert [(i["number"], i["kind"], i["credits"]) for i in listed["items"]] == [
        ("INV-000001", "invoice", None),
        ("CN-000001", "credit_note", "INV-000001"),
    ]
    assert api.get(f"/invoices/{invoiced.number}").json()["credit_notes"] == ["CN-000001"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"items": [{"item": 0, "quantity": 1}], "reason": "x"}, 422, "items[0].item"),
        ({"items": [{"item": "a", "quantity": 1}], "reason": "x"}, 422, "items[0].item"),
        ({"items": [{"item": 1, "quantity": 0}], "reason": "x"}, 422, "items[0].quantity"),
        ({"items": [], "reason": "x"}, 422, "items"),
        ({"items": [{"item": 1, "quantity": 1}]}, 422, "reason"),
    ],
)
def test_bad_credit_note_input_is_refused_naming_the_field(api, order, invoiced, body, status, field):
    response = api.post(f"/invoices/{invoiced.number}/credit-notes", body, role="operator")
    assert response.status_code == status, response.content
    assert error_of(response)["field"] == field
    assert Invoice.objects.count() == 1


def test_crediting_more_than_was_billed_is_refused(api, order, invoiced):
    body = {"items": [{"item": items_of(order)[0].pk, "quantity": 3}], "reason": "Too many"}
    response = api.post(f"/invoices/{invoiced.number}/credit-notes", body, role="operator")
    assert response.status_code == 422
    assert error_of(response)["field"] == "items[0].quantity"


def test_invoice_list_pages_and_filters(api, actor):
    orders = [order_with(item()) for _ in range(3)]
    for each in orders:
        invoice_create(order=each, actor=actor)
    payment_record(order=orders[0], amount="1.00", method="card", actor=actor)

    page = api.get("/invoices?page_size=2", role="viewer").json()
    assert (page["total"], page["pages"], page["page"]) == (3, 2, 1)
    assert [i["number"] for i in page["items"]] == ["INV-000003", "INV-000002"]
    assert api.get("/invoices?page=2&page_size=2").json()["items"][0]["number"] == "INV-000001"
    assert [i["number"] for i in api.get(f"/invoices?order={orders[1].number}").json()["items"]] == ["INV-000002"]
    assert api.get("/invoices?kind=credit_note").json()["total"] == 0
    assert api.get("/invoices?q=000003").json()["items"][0]["number"] == "INV-000003"
    assert [i["number"] for i in api.get("/invoices?sort=number").json()["items"]] == [
        "INV-000001",
        "INV-000002",
        "INV-000003",
    ]
    assert error_of(api.get("/invoices?sort=colour"))["field"] == "sort"
    bad = api.get("/invoices?kind=receipt")
    assert bad.status_code == 422 and error_of(bad)["field"] == "kind"
    assert error_of(api.get("/invoices?page_size=500"))["field"] == "page_size"


values = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(["1e400", "-0", "0.001", "NaN", "card", "refund", "9999999999.99", "10000000000"])
    | st.lists(st.integers(), max_size=2)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=values, method=values, kind=values)
def test_random_payment_input_is_a_success_or_a_4xx_in_the_one_shape(api, order, amount, method, kind):
    response = api.post(f"/orders/{order.number}/payments", {"amount": amount, "method": method, "kind": kind})
    assert response.status_code in (201, 400, 409, 422), response.content
    if response.status_code != 201:
        error_of(response)


def test_the_schema_lists_every_billing_operation_and_the_pdf_as_a_pdf(api):
    schema = api.client.get("/api/v1/openapi.json").json()
    listed = {path: set(operations) for path, operations in schema["paths"].items()}
    assert {path: listed.get(path) for path in BILLING_PATHS} == BILLING_PATHS
    pdf = schema["paths"]["/api/v1/invoices/{number}/pdf"]["get"]["responses"]["200"]
    assert pdf["content"] == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}


BILLING_PATHS = {
    "/api/v1/orders/{number}/payments": {"get", "post"},
    "/api/v1/orders/{number}/invoices": {"get", "post"},
    "/api/v1/invoices": {"get"},
    "/api/v1/invoices/{number}": {"get"},
    "/api/v1/invoices/{number}/pdf": {"get"},
    "/api/v1/invoices/{number}/credit-notes": {"post"},
}


def _queries(api, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path, role="viewer").status_code == 200
    return len(captured)


def test_lists_run_a_fixed_number_of_queries_whatever_their_length(api, actor):
    order = order_with(item("1.00", 5, "0"))
    invoice_create(order=order, actor=actor)
    payment_record(order=order, amount="1.00", method="card", actor=actor)
    paths = ["/invoices", f"/orders/{order.number}/invoices", f"/orders/{order.number}/payments"]
    api.get("/invoices", role="viewer")  # the token's first use of the day is written down once
    few = [_queries(api, path) for path in paths]
    for _ in range(4):
        other = order_with(item())
        invoice_create(order=other, actor=actor)
    line = items_of(order)[0]
    for _ in range(3):
        payment_record(order=order, amount="1.00", method="card", actor=actor)
        credit = {"items": [{"item": line.pk, "quantity": 1}], "reason": "Goodwill"}
        assert api.post("/invoices/INV-000001/credit-notes", credit, role="operator").status_code == 201
    assert [_queries(api, path) for path in paths] == few


# ---- VAT reverse charged ----------------------------------------------------------------------------------------


def test_an_invoice_to_a_business_in_another_eu_state_reverse_charges_the_vat(api, monkeypatch):
    monkeypatch.setenv("ORDERLY_SELLER_REVERSE_CHARGE", "1")
    berlin = {"name": "Röstwerk GmbH", "line1": "Invalidenstraße 1", "postal_code": "10115", "city": "Berlin",
              "country": "DE"}  # fmt: skip
    created = api.post(
        "/orders",
        {
            "customer": {"name": "Röstwerk GmbH", "type": "wholesale", "vat_number": "DE 123 456 789"},
            "shipping_address": berlin,
            "items": [{"sku": item()["sku"], "quantity": 3, "unit_price": "10.00", "tax_rate": "21"}],
            "status": "open",
        },
        role="operator",
    )
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    assert (created.json()["amount_due"], created.json()["vat_reverse_charged"]) == ("36.30", False)

    response = api.post(f"/orders/{number}/invoices", role="operator")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reverse_charge"], body["prices_include_tax"]) == (True, False)
    assert body["vat_note"] == (
        "VAT reverse charged: intra-Community supply of goods, exempt from VAT under Article 138 of Council Directive "
        "2006/112/EC. The customer accounts for the VAT."
    )
    assert body["buyer"]["vat_number"] == "DE123456789"
    assert (body["subtotal"], body["discount"], body["tax_total"], body["total"]) == ("30.00", "0.00", "0.00", "30.00")
    [line] = body["lines"]
    assert (line["unit_price"], line["tax_rate"], line["line_tax"], line["line_total"]) == ("10.00", "0.00", "0.00",
                                                                                          "30.00")  # fmt: skip
    assert body["tax_summary"] == [{"tax_rate": "0.00", "title": "", "base": "30.00", "tax": "0.00"}]
    order = api.get(f"/orders/{number}", role="viewer").json()
    assert (order["amount_due"], order["balance_due"], order["vat_reverse_charged"]) == ("30.00", "30.00", True)
    paid = api.post(f"/orders/{number}/payments", {"amount": "30.00", "method": "bank_transfer"}, role="operator")
    assert paid.json()["order"] == {
        "number": number,
        "status": "open",  # paid and invoiced; still to ship
        "payment_status": "paid",
        "amount_paid": "30.00",
        "amount_due": "30.00",
        "balance_due": "0.00",
        "vat_reverse_charged": True,
        "currency": "EUR",
    }


def test_a_changed_vat_treatment_is_refused_with_its_code_and_detail(api, monkeypatch):
    monkeypatch.setenv("ORDERLY_SELLER_REVERSE_CHARGE", "1")
    order = order_with(
        item("10.00", 2, "21"),
        customer={"name": "Röstwerk GmbH", "type": "wholesale", "vat_number": "DE123456789"},
        shipping_address={**address(), "postal_code": "10115", "city": "Berlin", "country": "DE"},
    )
    invoice = invoice_create(order=order, actor=Actor.system())
    line = items_of(order)[0]
    api.post(
        f"/invoices/{invoice.number}/credit-notes",
        {"items": [{"item": line.pk, "quantity": 1}], "reason": "Price corrected"},
        role="operator",
    )
    monkeypatch.setenv("ORDERLY_SELLER_REVERSE_CHARGE", "0")

    response = api.post(f"/orders/{order.number}/invoices", role="operator")

    assert response.status_code == 409
    assert error_of(response)["code"] == "vat_treatment_changed"
    assert error_of(response)["detail"] == {"order": order.number, "invoice": "INV-000001", "reverse_charged": True}
    assert Invoice.objects.filter(kind="invoice").count() == 1
