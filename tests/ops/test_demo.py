import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from orderly.catalog.models import Product, Variant
from orderly.channels.models import SalesChannel
from orderly.ops.demo import demo_load
from orderly.orders.models import Order, OrderEvent
from orderly.shipping.models import Fulfillment, Return


def test_demo_data_covers_every_state_a_person_works_with(db):
    summary = demo_load()

    orders = list(Order.all_objects.select_related("shipping_address"))
    assert summary.orders == len(orders) == 60
    assert {o.status for o in orders} == {"draft", "open", "closed", "canceled"}
    assert {o.stage for o in orders if o.status == "open"} == {"new", "in_progress", "completed"}
    assert any(o.is_archived and o.status == "closed" for o in orders)
    assert any(o.is_archived and o.status == "canceled" for o in orders)
    assert {o.error_code for o in orders if o.error_code} == {"unknown_sku", "inactive_product"}
    assert {o.customer_type for o in orders} == {"retail", "wholesale"}
    assert {o.shipping_address.country for o in orders} == {"NL", "DE", "BE", "FR"}
    assert {o.channel.name for o in orders} == {"Manual", "Webshop", "Marketplace", "Wholesale portal"}
    assert all(o.external_ref for o in orders)
    month_ago = timezone.now() - dt.timedelta(days=30)
    assert all(month_ago <= o.order_date <= timezone.now() for o in orders)
    assert OrderEvent.objects.filter(kind="note_added").exists()
    assert any(o.notes for o in orders)
    # closed orders got there through payment, fulfillment and invoice; a return and a lost parcel reopened some
    closed = [o for o in orders if o.status == "closed"]
    assert closed and all(
        (o.payment_status, o.fulfillment_status) == ("paid", "fulfilled") and o.invoices.exists() for o in closed
    )
    assert Return.objects.exists() and Fulfillment.objects.filter(status="lost").exists()
    assert any(o.status == "open" and o.payment_status == "refund_due" for o in orders)
    assert any(o.status == "open" and o.payment_status == "paid" and o.stage == "completed" for o in orders)


def test_demo_catalog_has_bags_of_each_size_and_one_inactive_product(db):
    demo_load()

    assert Variant.objects.get(sku="ESP-250").package_size == 0.25
    assert Variant.objects.get(sku="ESP-1000").name == "Espresso blend 1 kg"
    assert list(Product.objects.filter(is_active=False).values_list("name", flat=True)) == ["Guatemala Huehuetenango"]
    inactive_order = Order.objects.get(error_code="inactive_product")
    assert "GUA-250" in inactive_order.error_message


def test_loading_the_demo_twice_adds_nothing(db):
    demo_load()
    counts = (
        Order.all_objects.count(),
        OrderEvent.objects.count(),
        Product.objects.count(),
        SalesChannel.objects.count(),
    )

    again = demo_load()

    assert (again.orders, again.products, again.channels) == (0, 0, 0)
    assert again.existing_orders == 60
    assert str(again) == "Demo data already loaded (60 demo orders); nothing added."
    assert (
        Order.all_objects.count(),
        OrderEvent.objects.count(),
        Product.objects.count(),
        SalesChannel.objects.count(),
    ) == counts


def test_the_demo_command_reports_what_it_loaded(db, capsys):
    call_command("demo")
    assert capsys.readouterr().out == (
        "".join(f"Loading demo data: {percent}%\n" for percent in (0, 25, 50, 75, 100))
        + "Demo data loaded: 7 products, 4 channels, 60 orders.\n"
    )

    call_command("demo")
    assert "nothing added" in capsys.readouterr().out
