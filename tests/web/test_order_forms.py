from decimal import Decimal

import pytest

from orderly.catalog.models import Variant
from orderly.core.actors import Actor
from orderly.orders.models import Order, OrderItem
from orderly.orders.services import order_archive
from tests.factories import VariantFactory, address, make_order
from tests.web.helpers import in_progress_order, snapshot, text

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    """What a person fills in on the new-order form (two item rows, the rest left blank)."""
    data = {
        "customer.name": "Margot de Wit",
        "customer.email": "margot@example.nl",
        "customer.type": "retail",
        "billing_same": "1",
        "currency": "EUR",
        "status": "open",
        "notes": "Ring twice",
        "items[0].sku": "ESP-250",
        "items[0].quantity": "3",
        "items[1].sku": "DEC-500",
        "items[1].quantity": "1",
        "items[1].unit_price": "12.00",
        "items[1].tax_rate": "21",
        "items[1].discount": "1.00",
    }
    for name, value in address(name="Margot de Wit", line1="Oudegracht 100", city="Utrecht").items():
        data[f"shipping_address.{name}"] = value
    for row in range(2, 5):
        for name in ("sku", "quantity", "unit_price", "tax_rate", "discount"):
            data[f"items[{row}].{name}"] = ""
    data.update(overrides)
    return data


@pytest.fixture
def catalog(db):
    return {
        "ESP-250": VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50", tax_rate="9.00"),
        "DEC-500": VariantFactory(sku="DEC-500", name="Decaf 500 g", price="14.00", tax_rate="9.00"),
    }


def test_new_order_form_renders_with_five_item_rows_and_a_sku_list(op, catalog):
    VariantFactory(sku="OLD-1", is_active=False)
    response = op.get("/orders/new/")
    assert response.status_code == 200
    html = response.content.decode()
    for row in range(5):
        assert f'name="items[{row}].sku"' in html
    assert 'name="items[5].sku"' not in html
    assert '<option value="ESP-250">Espresso blend 250 g · 8.50</option>' in html
    assert '<option value="OLD-1">' not in html
    assert '<input type="checkbox" id="f-billing-same" name="billing_same" value="1" checked' in html
    assert '<label for="f-customer-name">Customer name' in html
    assert '<template id="item-row-template">' in html


@pytest.mark.parametrize("role", ["operator", "manager", "admin"])
def test_new_order_form_renders_for_roles_that_change_orders(clients, role):
    assert clients[role].get("/orders/new/").status_code == 200


def test_viewer_gets_403_for_the_new_order_form_and_its_post(viewer, catalog):
    assert viewer.get("/orders/new/").status_code == 403
    response = viewer.post("/orders/new/", form_data())
    assert response.status_code == 403
    assert Order.all_objects.count() == 0


def test_create_a_manual_order(op, catalog):
    response = op.post("/orders/new/", form_data(), follow=True)
    order = Order.objects.get()
    assert response.redirect_chain == [(f"/orders/{order.number}/", 302)]
    assert [str(m) for m in response.context["messages"]] == [f"Order {order.number} created."]
    assert order.channel.kind == "manual"
    assert (order.customer_name, order.customer_email, order.customer_type) == (
        "Margot de Wit",
        "margot@example.nl",
        "retail",
    )
    assert order.shipping_address.city == "Utrecht"
    assert order.billing_address is None
    assert order.notes == "Ring twice"
    assert order.status == "open"
    items = list(order.items.order_by("line_no"))
    assert [(i.sku, i.quantity, i.unit_price, i.tax_rate, i.discount) for i in items] == [
        ("ESP-250", 3, Decimal("8.50"), Decimal("9.00"), Decimal("0.00")),
        ("DEC-500", 1, Decimal("12.00"), Decimal("21.00"), Decimal("1.00")),
    ]
    assert order.total == Decimal("27.80") + Decimal("13.31")
    assert order.events.get().actor_name == "operator"
    assert "Manually entered" in text(response)


def test_create_a_draft_with_its_own_billing_address(op, catalog):
    billing = {f"billing_address.{k}": v for k, v in address(name="Boekhouding BV", city="Zwolle").items()}
    data = form_data(status="draft", **billing)
    del data["billing_same"]
    op.post("/orders/new/", data)
    order = Order.objects.get()
    assert order.status == "draft"
    assert (order.billing_address.name, order.billing_address.city) == ("Boekhouding BV", "Zwolle")


def test_item_rows_added_by_script_beyond_five_are_taken(op, catalog):
    op.post("/orders/new/", form_data(**{"items[7].sku": "DEC-500", "items[7].quantity": "2"}))
    assert list(Order.objects.get().items.values_list("sku", "quantity")) == [
        ("ESP-250", 3),
        ("DEC-500", 1),
        ("DEC-500", 2),
    ]


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"items[1].quantity": "0"}, "f-items-1-quantity", "Quantity must be greater than zero."),
        ({"items[1].quantity": "two"}, "f-items-1-quantity", "Quantity must be a whole number, not 'two'."),
        ({"items[0].quantity": ""}, "f-items-0-quantity", "Quantity must be a whole number of units."),
        ({"items[1].sku": "NOPE-1"}, "f-items-1-sku", "No product variant has SKU 'NOPE-1'."),
        ({"items[1].unit_price": "-1"}, "f-items-1-unit-price", "Unit price must not be negative."),
        ({"items[1].tax_rate": "150"}, "f-items-1-tax-rate", "Tax rate % must be between 0 and 100."),
        ({"items[1].discount": "99"}, "f-items-1-discount", "Discount 99.00 is more than the line's 12.00."),
        ({"items[1].sku": ""}, "f-items-1-sku", "SKU is required."),
        ({"customer.name": ""}, "f-customer-name", "Customer name is required."),
        (
            {"customer.email": "not-an-email"},
            "f-customer-email",
            "Customer e-mail 'not-an-email' is not a valid e-mail address.",
        ),
        (
            {"shipping_address.country": "XX"},
            "f-shipping-address-country",
            "Country code 'XX' is not an ISO 3166-1 country code (e.g. NL, DE, US).",
        ),
        ({"shipping_address.city": ""}, "f-shipping-address-city", "City is required."),
        (
            {"shipping_address.postal_code": "1" * 21},
            "f-shipping-address-postal-code",
            "Postal code is longer than 20 characters (21).",
        ),
        ({"currency": "EURO"}, "f-currency", "Currency is longer than 3 characters (4)."),
        ({"status": "closed"}, "f-status", "Status of a new order must be draft or open, not 'closed'."),
    ],
    ids=lambda value: value if isinstance(value, str) and value.startswith("f-") else None,
)
def test_validation_error_next_to_the_field_nothing_written_values_kept(op, catalog, overrides, field_id, message):
    data = form_data(**overrides)
    response = op.post("/orders/new/", data)
    assert response.status_code in (404, 409, 422)
    html = response.content.decode()
    assert f'<p class="field-error" id="{field_id}-error">{_escaped(message)}</p>' in html
    assert f'id="{field_id}"' in html
    assert f'aria-describedby="{field_id}-error"' in html
    assert f'<a href="#{field_id}">' in html
    assert Order.all_objects.count() == 0
    assert OrderItem.objects.count() == 0
    assert 'value="Margot de Wit"' in html
    assert 'value="Oudegracht 100"' in html
    for name, value in overrides.items():
        if name not in ("currency", "status"):
            assert f'name="{name}" value="{_escaped(value)}"' in html


def _escaped(value: str) -> str:
    return value.replace("&", "&amp;").replace("'", "&#x27;").replace('"', "&quot;")


def test_an_error_in_a_later_row_lands_on_that_row_when_earlier_rows_are_blank(op, catalog):
    data = form_data(**{"items[1].sku": "", "items[1].quantity": "", "items[1].unit_price": ""})
    data.update(
        {"items[1].tax_rate": "", "items[1].discount": "", "items[3].sku": "ESP-250", "items[3].quantity": "-2"}
    )
    html = op.post("/orders/new/", data).content.decode()
    assert '<p class="field-error" id="f-items-3-quantity-error">Quantity must be greater than zero.</p>' in html
    assert "Item row 4: Quantity must be greater than zero." in html
    assert Order.all_objects.count() == 0


def test_an_order_without_items_is_refused_above_the_items(op, catalog):
    data = form_data(**{"items[0].sku": "", "items[0].quantity": "", "items[1].sku": "", "items[1].quantity": ""})
    data.update({"items[1].unit_price": "", "items[1].tax_rate": "", "items[1].discount": ""})
    response = op.post("/orders/new/", data)
    assert response.status_code == 422
    assert (
        '<p class="field-error" role="alert">Items: an order needs at least one item.</p>' in response.content.decode()
    )
    assert Order.all_objects.count() == 0


def test_an_inactive_product_cannot_be_ordered(op, catalog):
    product = catalog["DEC-500"].product
    product.is_active = False
    product.save()
    response = op.post("/orders/new/", form_data())
    assert response.status_code == 422
    assert (
        "SKU &#x27;DEC-500&#x27; belongs to an inactive product or variant and cannot be ordered."
        in response.content.decode()
    )
    assert Order.all_objects.count() == 0


def test_billing_fields_are_required_when_not_same_as_shipping(op, catalog):
    data = form_data()
    del data["billing_same"]
    html = op.post("/orders/new/", data).content.decode()
    assert '<p class="field-error" id="f-billing-address-name-error">Name is required.</p>' in html
    assert "Billing address: Name is required." in html
    assert Order.all_objects.count() == 0


# Editing


def test_edit_form_is_filled_from_the_order(op, catalog):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2}], notes="Ring twice")
    item = order.items.get()
    html = op.get(f"/orders/{order.number}/edit/").content.decode()
    assert 'name="customer.name" value="Anna de Vries"' in html
    assert 'name="shipping_address.line1" value="Keizersgracht 12"' in html
    assert ">Ring twice</textarea>" in html
    assert f'<input type="hidden" name="items[0].id" value="{item.id}">' in html
    assert 'name="items[0].sku" value="ESP-250"' in html
    assert 'name="items[0].quantity" value="2"' in html
    assert 'name="items[4].sku" value=""' in html
    assert 'name="status"' not in html


def _edit_data(order, **overrides) -> dict:
    data = {
        "customer.name": order.customer_name,
        "customer.email": order.customer_email,
        "customer.type": order.customer_type,
        "currency": order.currency,
        "notes": order.notes,
        "billing_same": "1",
    }
    for name, value in order.shipping_address.as_dict().items():
        data[f"shipping_address.{name}"] = value
    for row, item in enumerate(order.items.order_by("line_no")):
        data.update(
            {
                f"items[{row}].id": str(item.id),
                f"items[{row}].sku": item.sku,
                f"items[{row}].quantity": str(item.quantity),
                f"items[{row}].unit_price": str(item.unit_price),
                f"items[{row}].tax_rate": str(item.tax_rate),
                f"items[{row}].discount": str(item.discount),
            }
        )
    data.update(overrides)
    return data


def test_edit_customer_and_address_records_before_and_after(op, catalog):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2}])
    data = _edit_data(order, **{"customer.name": "Anna van Dijk", "shipping_address.city": "Haarlem"})
    response = op.post(f"/orders/{order.number}/edit/", data, follow=True)
    assert [str(m) for m in response.context["messages"]] == [f"Order {order.number} saved."]
    order.refresh_from_db()
    assert order.customer_name == "Anna van Dijk"
    assert order.shipping_address.city == "Haarlem"
    event = order.events.get(kind="edited")
    assert sorted(event.data["changes"]) == ["customer_name", "shipping_address"]
    assert "Customer name: Anna de Vries → Anna van Dijk" in text(response)


def test_saving_an_unchanged_form_records_nothing(op, catalog):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2}])
    before = snapshot(order)
    response = op.post(f"/orders/{order.number}/edit/", _edit_data(order))
    assert response.status_code == 302
    assert snapshot(order) == before


def test_edit_items_change_remove_and_add(op, catalog):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2}, {"sku": "DEC-500", "quantity": 1}])
    first, second = order.items.order_by("line_no")
    data = _edit_data(
        order,
        **{
            "items[0].quantity": "5",
            "items[1].remove": "1",
            "items[2].sku": "DEC-500",
            "items[2].quantity": "4",
        },
    )
    op.post(f"/orders/{order.number}/edit/", data)
    order.refresh_from_db()
    items = list(order.items.order_by("line_no"))
    assert [(i.id == first.id, i.sku, i.quantity) for i in items] == [(True, "ESP-250", 5), (False, "DEC-500", 4)]
    assert not OrderItem.objects.filter(id=second.id).exists()
    assert order.total == Decimal("46.33") + Decimal("61.04")
    assert "items" in order.events.get(kind="edited").data["changes"]


def test_editing_items_keeps_what_the_form_does_not_show(op, catalog):
    order = make_order(
        items=[
            {
                "sku": "ESP-250",
                "name": "Espresso, gift edition",
                "quantity": 2,
                "identifiers": {"grind": "espresso"},
                "position": "A-03-2",
                "adjustments": [{"label": "Gift wrap", "amount": "1.50"}],
                "options": {"invoice": False},
            }
        ]
    )
    op.post(f"/orders/{order.number}/edit/", _edit_data(order, **{"items[0].quantity": "3"}))
    item = order.items.get()
    assert item.quantity == 3
    assert (item.name, item.identifiers, item.position, item.adjustments, item.option_invoice) == (
        "Espresso, gift edition",
        {"grind": "espresso"},
        "A-03-2",
        [{"label": "Gift wrap", "amount": "1.50"}],
        False,
    )


def test_edit_validation_error_lands_on_the_row_and_writes_nothing(op, catalog):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2}])
    before = snapshot(order)
    data = _edit_data(order, **{"customer.name": "Changed", "items[0].quantity": "0"})
    response = op.post(f"/orders/{order.number}/edit/", data)
    assert response.status_code == 422
    assert '<p class="field-error" id="f-items-0-quantity-error">Quantity must be greater than zero.</p>' in (
        response.content.decode()
    )
    assert 'name="customer.name" value="Changed"' in response.content.decode()
    assert snapshot(order) == before


def test_items_are_read_only_once_the_order_is_in_progress(op, catalog):
    order = in_progress_order(items=[{"sku": "ESP-250", "quantity": 2}])
    response = op.get(f"/orders/{order.number}/edit/")
    page = text(response)
    assert "Order OR-000001 is in progress; its items can change only while it is new." in page
    assert 'name="items[0].sku"' not in response.content.decode()
    data = _edit_data(order, **{"customer.name": "Anna van Dijk"})
    data = {k: v for k, v in data.items() if not k.startswith("items[")}
    assert op.post(f"/orders/{order.number}/edit/", data).status_code == 302
    order.refresh_from_db()
    assert order.customer_name == "Anna van Dijk"
    assert order.items.get().quantity == 2


def test_edit_of_an_archived_order_is_refused_with_the_reason(op, catalog):
    order = order_archive(order=make_order(items=[{"sku": "ESP-250", "quantity": 2}]), actor=Actor.system())
    before = snapshot(order)
    for response in (
        op.get(f"/orders/{order.number}/edit/", follow=True),
        op.post(f"/orders/{order.number}/edit/", _edit_data(order, **{"customer.name": "X"}), follow=True),
    ):
        assert response.redirect_chain == [(f"/orders/{order.number}/", 302)]
        assert [str(m) for m in response.context["messages"]] == [
            f"Order {order.number} is archived; unarchive it before editing."
        ]
    assert snapshot(order) == before


def test_viewer_gets_403_for_the_edit_form_and_its_post(viewer, catalog):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2}])
    before = snapshot(order)
    assert viewer.get(f"/orders/{order.number}/edit/").status_code == 403
    assert viewer.post(f"/orders/{order.number}/edit/", _edit_data(order, **{"customer.name": "X"})).status_code == 403
    assert snapshot(order) == before


def test_a_foreign_item_id_is_refused(op, catalog):
    other = make_order(items=[{"sku": "DEC-500", "quantity": 1}])
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2}])
    before = snapshot(order)
    data = _edit_data(order, **{"items[0].id": str(other.items.get().id), "items[0].quantity": "7"})
    response = op.post(f"/orders/{order.number}/edit/", data)
    assert response.status_code == 422
    assert "is not an item of this order." in response.content.decode()
    assert snapshot(order) == before


def test_variant_price_is_used_when_the_unit_price_is_blank(op, catalog):
    Variant.objects.filter(sku="ESP-250").update(price=Decimal("9.10"))
    op.post("/orders/new/", form_data())
    assert Order.objects.get().items.get(sku="ESP-250").unit_price == Decimal("9.10")


def test_the_customer_vat_number_is_edited_on_the_order_form_and_shown_on_the_order(op, catalog):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2}])
    data = _edit_data(order, **{"customer.vat_number": "be 0123.456.789"})
    response = op.post(f"/orders/{order.number}/edit/", data, follow=True)
    order.refresh_from_db()
    assert order.customer_vat_number == "BE0123456789"
    assert "VAT number BE0123456789" in text(response)
    assert order.events.get(kind="edited").message == "Edited customer vat number."
    bad = op.post(f"/orders/{order.number}/edit/", _edit_data(order, **{"customer.vat_number": "12"}))
    assert bad.status_code == 422
    assert 'id="f-customer-vat-number-error"' in bad.content.decode()


def test_a_vat_number_not_of_its_eu_states_shape_is_refused_at_its_field_and_nothing_changes(op, catalog):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 2}])
    response = op.post(f"/orders/{order.number}/edit/", _edit_data(order, **{"customer.vat_number": "DE 1234 5678"}))

    assert response.status_code == 422
    page = response.content.decode()
    assert (
        '<p class="field-error" id="f-customer-vat-number-error">Customer VAT number &#x27;DE 1234 5678&#x27; is not '
        "a VAT number of DE: after DE come 9 digits.</p>"
    ) in page
    assert 'value="DE 1234 5678"' in page  # what was typed is kept
    order.refresh_from_db()
    assert order.customer_vat_number == ""
    assert not order.events.filter(kind="edited").exists()
