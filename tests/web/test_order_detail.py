import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orderly.core.actors import Actor
from orderly.orders.models import OrderItem
from orderly.orders.services import order_archive, order_delete, order_update
from tests.factories import VariantFactory, address, make_order
from tests.web.helpers import error_order, in_progress_order, text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["viewer", "operator", "manager", "admin"])
def test_order_page_renders_for_every_role(clients, role):
    order = make_order()
    response = clients[role].get(f"/orders/{order.number}/")
    assert response.status_code == 200
    assert f"Order {order.number} New" in text(response)


def test_header_shows_status_stage_fulfillment_channel_refs_and_dates(op):
    order = make_order(external_ref="WEB-1042", external_status="paid")
    page = text(op.get(f"/orders/{order.number}/"))
    assert (
        "Status Open Stage New Fulfillment Unfulfilled Shop Manually entered External ref WEB-1042 "
        "External status paid Order date "
    ) in page
    assert f"Created {order.created_at:%Y-%m-%d %H:%M}" in page
    assert "Currency EUR" in page


def test_customer_addresses_and_billing_same_as_shipping(op):
    order = make_order(
        customer={"name": "Café Noord", "email": "inkoop@cafenoord.nl", "type": "wholesale"},
        shipping_address=address(company="Café Noord BV", line2="2nd floor"),
    )
    page = text(op.get(f"/orders/{order.number}/"))
    assert "Customer Café Noord inkoop@cafenoord.nl Wholesale" in page
    assert (
        "Shipping address Anna de Vries Café Noord BV Keizersgracht 12 2nd floor 1015 CJ Amsterdam NL "
        "Phone: +31 20 123 4567 E-mail: anna@example.com"
    ) in page
    assert "Billing address Same as the shipping address." in page


def test_separate_billing_address_is_shown(op):
    order = make_order(billing_address=address(name="Boekhouding BV", line1="Damrak 1", postal_code="1012 LG"))
    page = text(op.get(f"/orders/{order.number}/"))
    assert "Billing address Boekhouding BV Damrak 1 1012 LG Amsterdam NL" in page


def test_items_show_every_parameter_and_totals(op):
    variant = VariantFactory(sku="ESP-250", name="Espresso blend 250 g")
    order = make_order(
        items=[
            {
                "sku": "ESP-250",
                "quantity": 3,
                "unit_price": "10.00",
                "tax_rate": "9",
                "discount": "2.00",
                "adjustments": [{"label": "Gift wrap", "amount": "1.50"}],
                "position": "A-03-2",
                "identifiers": {"grind": "espresso"},
                "options": {"invoice": False},
                "delivery_type": "collect",
                "delivery_method": "Pick-up point",
                "expected_on": "2025-01-15",
                "purchase_price": "4.10",
                "commission": "0.50",
                "metadata": {"gift": "yes"},
            }
        ]
    )
    item = OrderItem.objects.get(order=order)
    page = text(op.get(f"/orders/{order.number}/"))
    assert "# SKU Name Qty Unit price Tax rate Discount Adjustments Line total Status" in page
    assert f"1 {variant.sku} Espresso blend 250 g 3 10.00 9 % 2.00 Gift wrap 1.50 32.16 EUR Open" in page
    assert (
        "Parameters of line 1 (position, collect, expected on, purchase price, commission, adjustments, "
        f"identifiers, metadata, options) Item id {item.id} Position A-03-2 Identifiers grind: espresso "
        "Options allocate, fulfil, payment tracked Delivery Collect, Pick-up point Expected on 2025-01-15 "
        "Purchase price 4.10 Commission 0.50 Adjustments Gift wrap 1.50 Metadata gift: yes"
    ) in page
    assert "Subtotal 31.50 EUR Discount −2.00 EUR Tax 2.66 EUR Total 32.16 EUR" in page


def test_error_box_with_message_and_fix(op):
    order = error_order()
    page = text(op.get(f"/orders/{order.number}/"))
    assert (
        "This order has an error and will not be processed No product matches SKU GONE-1. "
        "Recommended fix: Create a variant with SKU GONE-1 in the catalog (or map the channel's SKU), "
        "then reset the order. Error code: unknown_sku"
    ) in page
    assert f"Order {order.number} Error" in page


def test_no_error_box_without_an_error(op):
    order = make_order()
    assert "has an error" not in text(op.get(f"/orders/{order.number}/"))


def test_timeline_newest_first_with_actor_and_edit_changes(op, operator):
    order = make_order(notes="Ring twice")
    order_update(
        order=order,
        changes={"customer": {"name": "Anna van Dijk"}, "notes": "Leave at the door"},
        actor=Actor.for_user(operator),
    )
    order_archive(order=order, actor=Actor.for_user(operator))
    page = text(op.get(f"/orders/{order.number}/"))
    timeline = page.split("Timeline", 1)[1]
    assert timeline.index("Order archived.") < timeline.index("Edited customer name, notes.")
    assert timeline.index("Edited customer name, notes.") < timeline.index(f"Order {order.number} created (Open).")
    assert "olga Edited customer name, notes. Customer name: Anna de Vries → Anna van Dijk" in timeline
    assert "Notes: Ring twice → Leave at the door" in timeline
    assert "Orderly (system) Order OR-000001 created (Open)." in timeline


def test_timeline_shows_address_and_item_edits_readably(op, operator):
    variant = VariantFactory(sku="ESP-250")
    order = make_order(items=[{"sku": "ESP-250", "quantity": 1, "unit_price": "8.50"}])
    item = order.items.get()
    order_update(
        order=order,
        changes={
            "shipping_address": address(city="Utrecht"),
            "items": [{"id": item.id, "sku": variant.sku, "quantity": 4, "unit_price": "8.50"}],
        },
        actor=Actor.for_user(operator),
    )
    page = text(op.get(f"/orders/{order.number}/"))
    assert "Items: ESP-250 × 1 at 8.50 → ESP-250 × 4 at 8.50" in page
    assert (
        "Amsterdam, NL, +31 20 123 4567, anna@example.com → Anna de Vries, Keizersgracht 12, 1015 CJ, Utrecht" in page
    )


def test_buttons_only_for_the_actions_allowed_now(op):
    draft = make_order(status="draft")
    html = op.get(f"/orders/{draft.number}/").content.decode()
    for action in ("open", "cancel", "archive", "reset"):
        assert f'action="/orders/{draft.number}/{action}/"' in html
    assert f'action="/orders/{draft.number}/unarchive/"' not in html
    assert f'href="/orders/{draft.number}/edit/"' in html
    assert f'href="/orders/{draft.number}/delete/"' in html

    busy = in_progress_order()
    html = op.get(f"/orders/{busy.number}/").content.decode()
    assert f'action="/orders/{busy.number}/cancel/"' not in html
    assert f'action="/orders/{busy.number}/open/"' not in html
    assert f'href="/orders/{busy.number}/delete/"' not in html

    archived = make_order()
    order_archive(order=archived, actor=Actor.system())
    html = op.get(f"/orders/{archived.number}/").content.decode()
    assert f'action="/orders/{archived.number}/unarchive/"' in html
    assert f'action="/orders/{archived.number}/archive/"' not in html
    assert f'href="/orders/{archived.number}/edit/"' not in html
    assert "This order is archived" in text(op.get(f"/orders/{archived.number}/"))


def test_post_forms_carry_the_csrf_token(op):
    order = make_order()
    html = op.get(f"/orders/{order.number}/").content.decode()
    assert html.count('name="csrfmiddlewaretoken"') == html.count('method="post"')


def test_viewer_sees_no_buttons_or_note_form(viewer, db):
    order = make_order()
    html = viewer.get(f"/orders/{order.number}/").content.decode()
    main = html.split('<main id="main"', 1)[1]
    assert 'method="post"' not in main
    assert "/edit/" not in main
    assert "Add a note" not in main


def test_unknown_and_deleted_orders_are_404(op):
    order = make_order()
    order_delete(order=order, actor=Actor.system())
    for number in (order.number, "OR-999999", "nonsense"):
        response = op.get(f"/orders/{number}/")
        assert response.status_code == 404
    assert f"No order '{order.number}'." in text(op.get(f"/orders/{order.number}/"))


def test_order_page_runs_a_fixed_number_of_queries(op):
    variant = VariantFactory()

    def queries(count):
        order = make_order(items=[{"sku": variant.sku, "quantity": n + 1} for n in range(count)])
        op.get(f"/orders/{order.number}/")
        with CaptureQueriesContext(connection) as captured:
            op.get(f"/orders/{order.number}/")
        return len(captured)

    assert queries(1) == queries(20)
