"""Manual fulfillment, Cancel fulfillment, Report lost and Register return pages, per role."""

import pytest

from orderly.orders.models import Order, OrderEvent
from orderly.shipping.models import Fulfillment, Return
from orderly.shipping.services import fulfillment_create
from tests.shipping.helpers import SYSTEM, everything, item, order_of, receive, variant
from tests.web.helpers import messages_of, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(db):
    variant("ESP-250")
    receive("ESP-250", 10)
    return order_of(("ESP-250", 3), ("ESP-250", 1))


def address_post(**overrides) -> dict:
    data = {
        "shipping_address.name": "Anna de Vries", "shipping_address.company": "",
        "shipping_address.line1": "Keizersgracht 12", "shipping_address.line2": "",
        "shipping_address.postal_code": "1015 CJ", "shipping_address.city": "Amsterdam",
        "shipping_address.region": "", "shipping_address.country": "NL",
        "shipping_address.phone": "+31 20 123 4567", "shipping_address.email": "anna@example.com",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_order_page_offers_mark_as_fulfilled_to_operators_only(order, op, viewer):
    page = text(op.get(f"/orders/{order.number}/"))
    assert "Mark as fulfilled" in page and "Nothing fulfilled yet." in page
    assert "Mark as fulfilled" not in text(viewer.get(f"/orders/{order.number}/"))
    assert "Fulfill order" in text(op.get("/orders/"))


def test_manual_fulfillment_page_shows_items_and_the_address(order, op):
    response = op.get(f"/orders/{order.number}/fulfill/")
    assert response.status_code == 200
    page = text(response)
    assert f"Manual fulfillment of order {order.number}" in page
    assert "ESP-250" in page and "Fulfill items" in page
    html = response.content.decode()
    assert 'name="items[0].quantity" value="3"' in html and 'name="items[1].quantity" value="1"' in html
    assert 'value="Keizersgracht 12"' in html


@pytest.mark.parametrize("role", ["viewer", None])
def test_the_page_needs_an_operator(order, clients, client, role):
    who = clients[role] if role else client
    response = who.get(f"/orders/{order.number}/fulfill/")
    assert response.status_code == (403 if role else 302)
    response = who.post(f"/orders/{order.number}/fulfill/", address_post(**{"items[0].quantity": "1"}))
    assert response.status_code == (403 if role else 302)
    assert not Fulfillment.objects.exists()


def test_fulfill_items_lands_on_the_order_page_with_a_notification(order, op):
    data = address_post(**{"items[0].quantity": "3", "items[1].quantity": "1", "carrier": "PostNL",
                           "tracking_number": "3SABC1"})  # fmt: skip
    response = op.post(f"/orders/{order.number}/fulfill/", data, follow=True)
    assert response.redirect_chain[-1][0] == f"/orders/{order.number}/"
    assert messages_of(response) == [
        f"Order {order.number} fulfilled: FF-000001 with 4 unit(s); the order is fulfilled."
    ]
    page = text(response)
    assert "FF-000001" in page and "Shipped with PostNL" in page and "3SABC1" in page
    assert "Cancel fulfillment" in page and "Report lost" in page
    assert "Mark as fulfilled" not in page
    assert Order.objects.get(pk=order.pk).fulfillment_status == "fulfilled"


def test_partial_fulfillment_and_an_edited_address(order, op):
    data = address_post(**{"items[0].quantity": "1", "items[1].quantity": "0", "shipping_address.city": "Utrecht"})
    response = op.post(f"/orders/{order.number}/fulfill/", data, follow=True)
    assert "partially fulfilled" in messages_of(response)[0]
    (edited,) = OrderEvent.objects.filter(order=order, kind="edited")
    assert list(edited.data["changes"]) == ["shipping_address"]
    assert edited.data["changes"]["shipping_address"]["after"]["city"] == "Utrecht"
    assert Fulfillment.objects.get().shipping_address["city"] == "Utrecht"


@pytest.mark.parametrize(
    ("data", "field_id", "message"),
    [
        ({"items[0].quantity": "9"}, "f-items-0-quantity", "only 3 of 3 are open"),
        ({"items[0].quantity": "two"}, "f-items-0-quantity", "whole number"),
        ({"items[0].quantity": "1", "shipping_address.country": "XX"}, "f-shipping-address-country", "Country code"),
        ({"items[0].quantity": "1", "carrier": "x" * 101}, "f-carrier", "longer than 100 characters"),
        ({"items[0].quantity": "0", "items[1].quantity": "0"}, None, "Choose at least one item"),
    ],
)
def test_form_errors_show_next_to_the_field_and_save_nothing(order, op, data, field_id, message):
    before = everything()
    response = op.post(f"/orders/{order.number}/fulfill/", address_post(**data))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was saved." in html and message in text(response)
    if field_id:
        assert f'id="{field_id}-error"' in html
    assert everything() == before


def test_shortage_is_told_and_nothing_saved(db, op):
    variant("DEC-250")
    receive("DEC-250", 1)
    order = order_of(("DEC-250", 2))
    before = everything()
    response = op.post(f"/orders/{order.number}/fulfill/", address_post(**{"items[0].quantity": "2"}))
    assert response.status_code == 409
    assert "Not enough stock of DEC-250: 2 needed, 1 available" in text(response)
    assert 'id="f-items-0-quantity-error"' in response.content.decode()
    assert everything() == before


def test_a_closed_order_page_says_why_and_offers_no_button(db, op):
    variant("ESP-250")
    receive("ESP-250", 5)
    order = order_of({"sku": "ESP-250", "quantity": 1, "options": {"cover": False, "invoice": False}})
    fulfillment_create(order=order, actor=SYSTEM)
    response = op.get(f"/orders/{order.number}/fulfill/")
    assert f"Order {order.number} is closed; only open orders can be fulfilled." in text(response)
    assert "Fulfill items" not in text(response)


def test_cancel_fulfillment_puts_the_order_back_to_unfulfilled(order, op):
    fulfillment = fulfillment_create(order=order, actor=SYSTEM)
    response = op.post(f"/fulfillments/{fulfillment.number}/cancel/", follow=True)
    assert messages_of(response) == [
        f"Fulfillment {fulfillment.number} canceled: its stock is back and order {order.number} is unfulfilled."
    ]
    page = text(response)
    assert "Canceled" in page and "Mark as fulfilled" in page
    assert "Cancel fulfillment" not in page
    again = op.post(f"/fulfillments/{fulfillment.number}/cancel/", follow=True)
    assert "is canceled" in messages_of(again)[0]
    assert op.post("/fulfillments/FF-999999/cancel/").status_code == 404


def test_report_lost_and_the_viewer_may_not(order, op, viewer):
    fulfillment = fulfillment_create(order=order, actor=SYSTEM, tracking_number="T-1")
    assert viewer.post(f"/fulfillments/{fulfillment.number}/lost/").status_code == 403
    response = op.post(f"/fulfillments/{fulfillment.number}/lost/", follow=True)
    assert "reported lost" in messages_of(response)[0]
    fulfillment.refresh_from_db()
    assert fulfillment.status == "lost"
    assert "Lost" in text(response)


def test_register_return_page_and_form(order, op):
    assert "nothing to return" in text(op.get(f"/orders/{order.number}/return/"))
    fulfillment_create(order=order, actor=SYSTEM)
    page = op.get(f"/orders/{order.number}/")
    assert "Register return" in text(page)
    response = op.get(f"/orders/{order.number}/return/")
    assert response.status_code == 200 and "Units returned now" in text(response)
    bad = op.post(f"/orders/{order.number}/return/", {"items[0].quantity": "5", "reason": "Broken"})
    assert bad.status_code == 422 and 'id="f-items-0-quantity-error"' in bad.content.decode()
    blank = op.post(f"/orders/{order.number}/return/", {"items[0].quantity": "1", "reason": ""})
    assert blank.status_code == 422 and 'id="f-reason-error"' in blank.content.decode()
    assert not Return.objects.exists()
    data = {"items[0].quantity": "2", "items[1].quantity": "", "reason": "Broken", "restock": "write_off"}
    response = op.post(f"/orders/{order.number}/return/", data, follow=True)
    assert messages_of(response) == [f"Return RT-000001 registered for order {order.number}: written off."]
    assert "RT-000001" in text(response) and "Written off" in text(response)
    assert item(order).qty_returned == 2


def test_every_error_is_shown_at_once_at_its_field_and_what_was_typed_stays(order, op):
    before = everything()
    data = address_post(
        **{
            "items[0].quantity": "9",
            "items[1].quantity": "one",
            "shipping_address.line1": "",
            "shipping_address.city": "",
            "shipping_address.email": "anna-at-example",
            "carrier": "x" * 101,
        }
    )
    response = op.post(f"/orders/{order.number}/fulfill/", data)

    assert response.status_code == 422
    html = response.content.decode()
    errors = {
        field: html.split(f'id="f-{field}-error">')[1].split("</p>")[0]
        for field in (
            "items-0-quantity",
            "items-1-quantity",
            "shipping-address-line1",
            "shipping-address-city",
            "shipping-address-email",
            "carrier",
        )
    }
    assert errors["items-0-quantity"] == (
        "Quantity of ESP-250: 9 of ESP-250 asked, but only 3 of 3 are open (0 fulfilled, 0 canceled)."
    )
    assert errors["items-1-quantity"].startswith("Quantity of ESP-250 must be a whole number of units")
    assert errors["shipping-address-line1"] == "Address line 1 is required."
    assert errors["shipping-address-city"] == "City is required."
    assert errors["shipping-address-email"].startswith("E-mail ")
    assert errors["carrier"].startswith("Carrier ")
    assert "Nothing was saved. 6 things to correct:" in text(response)
    assert 'value="anna-at-example"' in html and 'value="one"' in html and 'value="Anna de Vries"' in html
    assert everything() == before
