import datetime as dt
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from orderly.catalog.models import Product, Variant
from orderly.channels.models import SalesChannel
from orderly.inventory.models import Lot, Movement
from orderly.ops.demo import demo_load
from orderly.ops.demo_data import ROAST_ORDER_REF
from orderly.orders.models import Order, OrderEvent
from orderly.plans.models import FulfillmentPlan, PlanOrder
from orderly.production.figures import conversion_rows
from orderly.production.models import Machine, Profile, ProfileGreen
from orderly.shipping.models import Fulfillment, Return


def test_demo_data_covers_every_state_a_person_works_with(db):
    summary = demo_load()

    orders = list(Order.all_objects.select_related("shipping_address"))
    assert summary.orders == len(orders) == 61  # the month's 60 and the café's order to roast for
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


def test_every_demo_order_reached_its_state_through_the_services_a_person_uses(db):
    demo_load()
    orders = list(Order.all_objects.all())
    in_plans = dict(PlanOrder.objects.values_list("order_id", "plan__number"))
    picked = set(PlanOrder.objects.filter(completed_at__isnull=False).values_list("order_id", flat=True))

    in_progress = [o for o in orders if o.stage == "in_progress"]
    assert in_progress and all(o.pk in in_plans for o in in_progress)  # In progress: in a plan
    completed = [o for o in orders if o.stage == "completed"]
    assert completed and all(o.pk in picked for o in completed)  # Completed: completed on a pick list
    # no stage set by hand: every stage change on a timeline came from a plan or its pick list
    assert not OrderEvent.objects.filter(kind="stage_changed", message__contains="Picked up for fulfillment").exists()
    closed = [o for o in orders if o.status == "closed"]
    assert closed and all(o.balance_due == 0 and o.payment_status == "paid" for o in closed)  # nothing owed
    archived_closed = [o for o in orders if o.is_archived and o.status != "canceled"]
    assert archived_closed and all(o.status == "closed" and o.balance_due == 0 for o in archived_closed)
    # the badge tells the truth about every one of them
    for order in orders:
        words = order.badge.words
        assert words != "New" or (order.stage == "new" and order.fulfillment_status == "unfulfilled"), order.number
        assert words != "Completed" or order.pk in picked, order.number
    reopened = [o for o in orders if o.status == "open" and o.reopened_because]
    assert {o.badge.reason for o in reopened} >= {"a return to settle"}


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
        Machine.objects.count(),
        Profile.objects.count(),
        Lot.objects.count(),
        Movement.objects.count(),
        FulfillmentPlan.objects.count(),
    )

    again = demo_load()

    assert (again.orders, again.products, again.channels) == (0, 0, 0)
    assert again.existing_orders == 61
    assert str(again) == "Demo data already loaded (61 demo orders); nothing added."
    assert (
        Order.all_objects.count(),
        OrderEvent.objects.count(),
        Product.objects.count(),
        SalesChannel.objects.count(),
        Machine.objects.count(),
        Profile.objects.count(),
        Lot.objects.count(),
        Movement.objects.count(),
        FulfillmentPlan.objects.count(),
    ) == counts


def test_the_demo_command_reports_what_it_loaded(db, capsys):
    call_command("demo")
    assert capsys.readouterr().out == (
        "".join(f"Loading demo data: {percent}%\n" for percent in (0, 25, 50, 75, 100))
        + "Demo data loaded: 7 products, 4 channels, 61 orders, 2 machines, 6 roast profiles, 7 green lots, "
        "1 plan to roast for.\n"
    )

    call_command("demo")
    assert "nothing added" in capsys.readouterr().out


def test_demo_roastery_has_machines_profiles_green_coffee_and_a_plan_to_roast_for(db):
    demo_load()

    assert list(Machine.objects.values_list("name", "min_batch_kg", "max_batch_kg", "batches_per_day")) == [
        ("Giesen W30", Decimal("10.000"), Decimal("30.000"), 6),
        ("Probat P12", Decimal("5.000"), Decimal("15.000"), 8),
    ]
    assert list(Lot.objects.filter(kind="raw").order_by("name").values_list("name", "on_hand")) == [
        ("Brazil Cerrado 2026", Decimal("180.000")),
        ("Colombia Huila 2026", Decimal("120.000")),
        ("Ethiopia Yirgacheffe G1", Decimal("70.000")),
        ("Guatemala Antigua 2026", Decimal("120.000")),
        ("Honduras Marcala 2026", Decimal("90.000")),
        ("Kenya Nyeri AA 2026", Decimal("35.000")),
        ("Peru Swiss Water Decaf", Decimal("45.000")),
    ]
    assert list(Profile.objects.order_by("name").values_list("name", "group__product__name", "batch_kg", "end_kg")) == [
        ("Decaf medium", "Decaf Swiss Water", Decimal("8.000"), Decimal("6.800")),
        ("Espresso dark", "Espresso blend", Decimal("12.000"), Decimal("10.080")),
        ("House medium", "House blend", Decimal("24.000"), Decimal("20.400")),
        ("Huila medium", "Colombia Huila", Decimal("12.000"), Decimal("10.320")),
        ("Nyeri light", "Kenya Nyeri AA", Decimal("8.000"), Decimal("6.960")),
        ("Yirgacheffe light", "Ethiopia Yirgacheffe", Decimal("10.000"), Decimal("8.700")),
    ]
    blend = ProfileGreen.objects.filter(profile__name="Espresso dark").order_by("rank")
    assert list(blend.values_list("lot__name", "kg_per_batch")) == [
        ("Brazil Cerrado 2026", Decimal("7.200")),
        ("Guatemala Antigua 2026", Decimal("4.800")),
    ]
    plan = FulfillmentPlan.objects.get(plan_orders__order__external_ref=ROAST_ORDER_REF)
    rows = [(r.product, r.to_roast_kg, r.batches, r.carryover_kg, r.profile, r.machine, r.problems)
            for r in conversion_rows(plan)]  # fmt: skip
    assert rows == [
        ("Espresso blend", Decimal("40.000"), 4, Decimal("0.320"), "Espresso dark", "Probat P12", []),
        ("House blend", Decimal("20.000"), 1, Decimal("0.400"), "House medium", "Giesen W30", []),
        ("Kenya Nyeri AA", Decimal("4.000"), 1, Decimal("2.960"), "Nyeri light", None, ["no_machine"]),
    ]
