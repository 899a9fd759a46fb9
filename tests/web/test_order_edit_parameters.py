"""The order edit form: every error at once, each at its field, nothing written; an item's parameters (seed 002)
edited on the page and read back through the API."""

import datetime as dt
import html as html_lib
import re
from decimal import Decimal

import pytest

from orderly.core.actors import Actor
from orderly.orders.models import Order, OrderItem
from orderly.orders.services import order_set_stage
from tests.api.helpers import ApiClient
from tests.factories import VariantFactory, address, make_order
from tests.web.helpers import snapshot, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(db):
    return {
        "ESP-250": VariantFactory(sku="ESP-250", name="Espresso blend 250 g", price="8.50", tax_rate="9.00"),
        "DEC-500": VariantFactory(sku="DEC-500", name="Decaf 500 g", price="14.00", tax_rate="9.00"),
    }


@pytest.fixture
def order(catalog):
    return make_order(items=[{"sku": "ESP-250", "quantity": 2}, {"sku": "DEC-500", "quantity": 1}])


def page_data(response) -> dict:
    """What the browser would post back from the page as it is: every input, ticked box, textarea and chosen option
    (a ticked option posts its hidden 0 and then 1, and the last one counts)."""
    html = response.content.decode()
    start = html.index('<form method="post" class="order-form"')
    form = html[start : html.index("</form>", start)]
    data = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag))
        if "name" not in attrs or (attrs.get("type") == "checkbox" and " checked" not in tag):
            continue
        data[html_lib.unescape(attrs["name"])] = html_lib.unescape(attrs.get("value", ""))
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, flags=re.S):
        data[html_lib.unescape(name)] = html_lib.unescape(value)
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, flags=re.S):
        choices = [
            (re.search(r'value="([^"]*)"', attrs)[1] if "value=" in attrs else label, " selected" in attrs)
            for attrs, label in re.findall(r"<option([^>]*)>(.*?)</option>", options, flags=re.S)
        ]
        data[html_lib.unescape(name)] = html_lib.unescape(next((v for v, chosen in choices if chosen), choices[0][0]))
    return data


def _error(html: str, field_id: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', html, flags=re.S)
    return html_lib.unescape(found[1]) if found else ""


def _items(order: Order) -> list[tuple]:
    return [
        (i.sku, i.quantity, i.position, i.metadata, i.purchase_price, i.options)
        for i in OrderItem.objects.filter(order=order).order_by("line_no")
    ]


def test_the_edit_form_shows_every_error_at_once_each_at_its_field_and_writes_nothing(op, order):
    form = page_data(op.get(f"/orders/{order.number}/edit/"))
    before, items_before = snapshot(order), _items(order)
    form.update(
        {
            "customer.name": "Margot de Wit",
            "customer.email": "not-an-email",
            "shipping_address.country": "XX",
            "items[0].quantity": "-2",
            "items[0].position": "B-02-1",
            "items[1].sku": "NOPE-1",
            "items[1].metadata": "{gift: yes}",
        }
    )
    response = op.post(f"/orders/{order.number}/edit/", form)
    assert response.status_code == 422
    html = response.content.decode()
    assert _error(html, "f-customer-email") == "Customer e-mail 'not-an-email' is not a valid e-mail address."
    assert _error(html, "f-shipping-address-country") == (
        "Country code 'XX' is not an ISO 3166-1 country code (e.g. NL, DE, US)."
    )
    assert _error(html, "f-items-0-quantity") == "Quantity must be greater than zero."
    assert _error(html, "f-items-1-sku") == "No product variant has SKU 'NOPE-1'."
    assert _error(html, "f-items-1-metadata") == (
        "Metadata is not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2. "
        'Write an object such as {"colour": "black", "size": "250 g"}.'
    )
    assert "Nothing was saved. 5 things to correct: Customer e-mail 'not-an-email' is not a valid e-mail address. " \
        "Shipping address: Country code 'XX' is not an ISO 3166-1 country code (e.g. NL, DE, US). " \
        "Item row 1: Quantity must be greater than zero. Item row 2: No product variant has SKU 'NOPE-1'. " \
        "Item row 2: Metadata is not valid JSON" in text(response)  # fmt: skip
    for field_id in ("f-customer-email", "f-shipping-address-country", "f-items-0-quantity", "f-items-1-sku"):
        assert f'<a href="#{field_id}">' in html
    # The second row's parameters open by themselves (one of them is wrong); the first row's stay folded.
    assert '<details id="item-1-parameters" open>' in html
    assert '<details id="item-0-parameters">' in html
    # Everything typed is kept.
    again = page_data(response)
    for name in ("customer.name", "customer.email", "shipping_address.country", "items[0].quantity"):
        assert again[name] == form[name]
    assert (again["items[0].position"], again["items[1].sku"], again["items[1].metadata"]) == (
        "B-02-1",
        "NOPE-1",
        "{gift: yes}",
    )
    assert (snapshot(order), _items(order)) == (before, items_before)


def test_the_new_order_form_shows_every_error_at_once_and_writes_nothing(op, catalog):
    data = {
        "customer.name": "",
        "customer.email": "margot@",
        "customer.type": "retail",
        "billing_same": "1",
        "currency": "EUR",
        "status": "open",
        "items[0].sku": "ESP-250",
        "items[0].quantity": "1",
        "items[0].expected_on": "2026-02-30",
        "items[1].sku": "DEC-500",
        "items[1].quantity": "1",
        "items[1].adjustments": "Gift wrap: 1.50\nEngraving",
    }
    data.update({f"shipping_address.{k}": v for k, v in address(city="").items()})
    response = op.post("/orders/new/", data)
    assert response.status_code == 422
    html = response.content.decode()
    assert [
        _error(html, field_id)
        for field_id in (
            "f-customer-name",
            "f-customer-email",
            "f-shipping-address-city",
            "f-items-0-expected-on",
            "f-items-1-adjustments",
        )
    ] == [
        "Customer name is required.",
        "Customer e-mail 'margot@' is not a valid e-mail address.",
        "City is required.",
        "Expected on '2026-02-30' is not a date (YYYY-MM-DD).",
        "Adjustments (line 2, amount) is required.",
    ]
    assert "Nothing was saved. 5 things to correct:" in text(response)
    assert ">Gift wrap: 1.50\nEngraving</textarea>" in html
    assert (Order.all_objects.count(), OrderItem.objects.count()) == (0, 0)


def test_every_parameter_is_edited_on_the_page_and_read_back_through_the_api(op, order, tokens):
    first = order.items.order_by("line_no").first()
    form = page_data(op.get(f"/orders/{order.number}/edit/"))
    assert (form["items[0].position"], form["items[0].options.cover"], form["items[0].metadata"]) == ("", "1", "")
    form.update(
        {
            "items[0].name": "Espresso, gift edition",
            "items[0].position": "B-02-1",
            "items[0].delivery_type": "collect",
            "items[0].delivery_method": "Pick-up in the roastery",
            "items[0].expected_on": "2026-12-04",
            "items[0].purchase_price": "3.10",
            "items[0].commission": "0.85",
            "items[0].adjustments": "Gift wrap: 1.50\nLoyalty: -0.50",
            "items[0].identifiers": '{"grind": "espresso", "size": "250 g"}',
            "items[0].metadata": '{"gift_note": "Happy birthday", "wrap": 2}',
            "items[0].options.cover": "0",  # the box left unticked: only its hidden 0 is posted
            "items[0].options.invoice": "0",
            "items[0].unit_price": "9.00",
            "items[0].discount": "0.40",
        }
    )
    response = op.post(f"/orders/{order.number}/edit/", form, follow=True)
    assert [str(m) for m in response.context["messages"]] == [f"Order {order.number} saved."]

    item = ApiClient(tokens).get(f"/orders/{order.number}").json()["items"][0]
    assert item["id"] == first.id
    assert {name: item[name] for name in (
        "name", "position", "delivery_type", "delivery_method", "expected_on", "purchase_price", "commission",
        "adjustments", "identifiers", "metadata", "options", "unit_price", "discount", "quantity",
    )} == {
        "name": "Espresso, gift edition",
        "position": "B-02-1",
        "delivery_type": "collect",
        "delivery_method": "Pick-up in the roastery",
        "expected_on": "2026-12-04",
        "purchase_price": "3.10",
        "commission": "0.85",
        "adjustments": [{"label": "Gift wrap", "amount": "1.50"}, {"label": "Loyalty", "amount": "-0.50"}],
        "identifiers": {"grind": "espresso", "size": "250 g"},
        "metadata": {"gift_note": "Happy birthday", "wrap": 2},
        "options": {"allocate": True, "fulfil": True, "cover": False, "invoice": False},
        "unit_price": "9.00",
        "discount": "0.40",
        "quantity": 2,
    }  # fmt: skip

    # The order page shows them in the line's folded parameters, and the timeline names each change.
    page = text(response)
    assert (
        "Parameters of line 1 (position, collect, expected on, purchase price, commission, adjustments, "
        f"identifiers, metadata, options) Item id {first.id} Position B-02-1 Identifiers grind: espresso, "
        "size: 250 g Options allocate, fulfil Delivery Collect, Pick-up in the roastery Expected on 2026-12-04 "
        "Purchase price 3.10 Commission 0.85 Adjustments Gift wrap 1.50, Loyalty -0.50 "
        "Metadata gift_note: Happy birthday, wrap: 2"
    ) in page
    assert "Line 1 (metadata): (empty) → gift_note: Happy birthday, wrap: 2" in page
    assert "Line 1 (options): allocate, fulfil, payment tracked, invoice → allocate, fulfil" in page
    assert "Line 1 (expected on): (empty) → 2026-12-04" in page

    # The form shows what is stored, and sending it back unchanged writes nothing.
    form = page_data(op.get(f"/orders/{order.number}/edit/"))
    assert (form["items[0].adjustments"], form["items[0].options.cover"], form["items[0].expected_on"]) == (
        "Gift wrap: 1.50\nLoyalty: -0.50",
        "0",
        "2026-12-04",
    )
    events = order.events.count()
    assert op.post(f"/orders/{order.number}/edit/", form).status_code == 302
    assert order.events.count() == events


def test_clearing_the_parameters_returns_them_to_their_defaults(op, catalog):
    order = make_order(
        items=[
            {
                "sku": "ESP-250",
                "quantity": 1,
                "name": "Espresso, gift edition",
                "position": "A-1",
                "purchase_price": "2.00",
                "expected_on": "2026-12-01",
                "metadata": {"a": 1},
                "adjustments": [{"label": "Wrap", "amount": "1.00"}],
            }
        ]
    )
    form = page_data(op.get(f"/orders/{order.number}/edit/"))
    for name in ("name", "position", "purchase_price", "expected_on", "metadata", "adjustments"):
        form[f"items[0].{name}"] = ""
    op.post(f"/orders/{order.number}/edit/", form)
    item = order.items.get()
    assert (item.name, item.position, item.purchase_price, item.expected_on, item.metadata, item.adjustments) == (
        "Espresso blend 250 g",
        "",
        None,
        None,
        {},
        [],
    )


def test_a_new_order_takes_the_parameters_of_its_rows(op, catalog):
    data = {
        "customer.name": "Margot de Wit",
        "customer.type": "retail",
        "billing_same": "1",
        "currency": "EUR",
        "status": "open",
        "items[0].sku": "ESP-250",
        "items[0].quantity": "2",
        "items[0].position": "C-01",
        "items[0].metadata": '{"source": "phone"}',
        "items[0].options.allocate": "0",
        "items[0].options.fulfil": "1",
        "items[1].options.allocate": "1",  # a blank row's ticked boxes do not make it an item
        "items[1].delivery_type": "ship",
    }
    data.update({f"shipping_address.{k}": v for k, v in address().items()})
    assert op.post("/orders/new/", data).status_code == 302
    item = OrderItem.objects.get()
    assert (item.position, item.metadata, item.options) == (
        "C-01",
        {"source": "phone"},
        {"allocate": False, "fulfil": True, "cover": True, "invoice": True},
    )


def test_metadata_that_is_not_an_object_is_refused_at_its_field(op, order):
    form = page_data(op.get(f"/orders/{order.number}/edit/"))
    form["items[1].identifiers"] = '["black", "250 g"]'
    response = op.post(f"/orders/{order.number}/edit/", form)
    assert response.status_code == 422
    assert _error(response.content.decode(), "f-items-1-identifiers") == (
        'Identifiers must be a JSON object of names and values such as {"colour": "black", "size": "250 g"}, not list.'
    )
    assert order.items.order_by("line_no").last().identifiers == {}


def test_errors_in_a_later_row_land_on_that_row_when_earlier_rows_are_removed(op, order):
    form = page_data(op.get(f"/orders/{order.number}/edit/"))
    form["items[0].remove"] = "1"
    form["items[1].commission"] = "-1"
    form["items[3].sku"] = "ESP-250"
    form["items[3].quantity"] = "1"
    form["items[3].purchase_price"] = "1.234"
    html = op.post(f"/orders/{order.number}/edit/", form).content.decode()
    assert _error(html, "f-items-1-commission") == "Commission must not be negative."
    assert _error(html, "f-items-3-purchase-price") == "Purchase price has more than 2 decimals."
    assert order.items.count() == 2


def test_an_order_in_progress_shows_its_parameters_but_offers_no_item_fields(op, order):
    order_set_stage(order=order, stage="in_progress", actor=Actor.system())
    response = op.get(f"/orders/{order.number}/edit/")
    html = response.content.decode()
    assert "its items can change only while it is new." in text(response)
    assert 'name="items[0].position"' not in html
    assert 'id="item-row-template"' not in html
    # A post that carries item fields anyway changes only the order's own fields.
    form = page_data(response)
    form.update({"customer.name": "Anna van Dijk", "items[0].id": str(order.items.first().id)})
    form.update({"items[0].sku": "ESP-250", "items[0].quantity": "9", "items[0].position": "Z-9"})
    assert op.post(f"/orders/{order.number}/edit/", form).status_code == 302
    order.refresh_from_db()
    assert order.customer_name == "Anna van Dijk"
    assert list(order.items.order_by("line_no").values_list("quantity", "position")) == [(2, ""), (1, "")]
    page = op.get(f"/orders/{order.number}/").content.decode()
    assert "Edit the parameters" not in page


def test_the_order_page_links_each_line_to_its_parameters_on_the_edit_form(op, order, viewer):
    html = op.get(f"/orders/{order.number}/").content.decode()
    assert f'<a href="/orders/{order.number}/edit/#f-items-1-position">Edit the parameters' in html
    assert "Edit the parameters" not in viewer.get(f"/orders/{order.number}/").content.decode()


def test_add_item_row_template_is_a_blank_row_with_the_scripts_placeholders(op, order):
    html = op.get(f"/orders/{order.number}/edit/").content.decode()
    template = html[html.index('<template id="item-row-template">') : html.index("</template>")]
    assert 'name="items[__i__].sku"' in template
    assert 'id="f-items-__i__-metadata"' in template
    assert 'Parameters<span class="visually-hidden"> of row __n__' in template
    assert 'name="items[__i__].options.cover" value="1" checked' in template
    assert "999999" not in template


def test_unit_price_and_expected_on_keep_their_exact_values(op, order):
    form = page_data(op.get(f"/orders/{order.number}/edit/"))
    form["items[1].expected_on"] = "2027-01-31"
    op.post(f"/orders/{order.number}/edit/", form)
    item = order.items.order_by("line_no").last()
    assert (item.expected_on, item.unit_price) == (dt.date(2027, 1, 31), Decimal("14.00"))


def test_an_order_with_many_items_is_saved_from_the_page(op, catalog):
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1}] * 60)
    form = page_data(op.get(f"/orders/{order.number}/edit/"))
    assert len(form) > 1000  # more fields than Django takes by default
    form["items[59].position"] = "Z-60"
    assert op.post(f"/orders/{order.number}/edit/", form).status_code == 302
    assert order.items.get(line_no=60).position == "Z-60"
