"""Nothing a person or a script sends to the pages gives a server error; a refused request writes nothing."""

import pytest

from orderly.catalog.models import Product
from orderly.orders.models import Order
from tests.factories import VariantFactory, make_order
from tests.web.helpers import snapshot, text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/orders/?q=%00",
        "/orders/?q%00=x",
        "/products/?q=%00",
        "/orders/OR%00/",
        "/variants/A%00/edit/",
    ],
)
def test_a_nul_character_anywhere_is_a_clear_400(manager, url):
    make_order()
    response = manager.get(url)
    assert response.status_code == 400
    assert "holds a NUL character, which Orderly cannot store. Nothing was saved." in text(response)


@pytest.mark.parametrize(
    "url",
    [
        "/orders/?date_to=9999-12-31",
        "/orders/?date_from=0001-01-01",
        "/orders/?channel=999999999",
        "/orders/?page=999999999",
        "/orders/?q=" + "x" * 5000,
        "/orders/?q=%F0%9F%98%80%ED%A0%80",
        "/products/?page=99999999999999999999",
    ],
)
def test_odd_but_harmless_queries_answer_normally(op, url):
    make_order()
    assert op.get(url).status_code == 200


def test_a_nul_in_a_posted_field_writes_nothing(op):
    VariantFactory(sku="ESP-250")
    data = {
        "customer.name": "Anna\x00",
        "shipping_address.name": "Anna",
        "shipping_address.line1": "Keizersgracht 12",
        "shipping_address.postal_code": "1015 CJ",
        "shipping_address.city": "Amsterdam",
        "shipping_address.country": "NL",
        "billing_same": "1",
        "currency": "EUR",
        "status": "open",
        "items[0].sku": "ESP-250",
        "items[0].quantity": "1",
    }
    response = op.post("/orders/new/", data)
    assert response.status_code == 400
    assert "The field customer.name holds a NUL character" in text(response)
    assert Order.all_objects.count() == 0


def test_a_nul_in_a_note_or_product_writes_nothing(op, manager):
    order = make_order()
    before = snapshot(order)
    assert op.post(f"/orders/{order.number}/notes/", {"text": "a\x00b"}).status_code == 400
    assert snapshot(order) == before
    assert manager.post("/products/new/", {"name": "Blend\x00", "unit": "kg"}).status_code == 400
    assert Product.objects.count() == 1  # the order's own product


def test_item_numbers_beyond_reason_are_refused_by_the_service(op):
    VariantFactory(sku="ESP-250")
    data = {"customer.name": "Anna", "items[999999].sku": "ESP-250", "items[999999].quantity": "1e9"}
    response = op.post("/orders/new/", data)
    assert response.status_code == 422
    assert Order.all_objects.count() == 0


def test_too_many_fields_is_a_400(op, settings):
    data = {f"items[{n}].sku": "X" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    assert op.post("/orders/new/", data).status_code == 400
    assert Order.all_objects.count() == 0
