"""What the warehouse-floor browser tests (phone width, accessibility) open: a processed batch and a plan with its
roasts scheduled, written before the browser starts, and the batch and roast pages they make."""

import datetime as dt

from orderly.channels.models import OutboxMessage, SyncRun
from orderly.channels.services import channel_create
from orderly.core.actors import Actor
from orderly.inventory.services import stock_receive
from orderly.orders.models import Order
from orderly.plans.services import allocation_save, plan_create
from orderly.production.services import masterdata
from orderly.production.services.scheduling import roast_schedule
from tests.batches.fake_carrier import FakeCarriers
from tests.batches.helpers import break_address, create, run
from tests.factories import ProductFactory, VariantFactory, make_order


def batch_and_roasts(monkeypatch) -> dict:
    """A batch that failed on one order's address (its other two processed, by the carriers' stand-in), and a plan
    whose espresso is scheduled as a roast batch beside a decaf whose conversion row is flagged (no profile)."""
    system = Actor.system()
    FakeCarriers().install(monkeypatch)
    espresso = ProductFactory(name="Espresso blend")
    decaf = ProductFactory(name="Decaf Colombia Huila Swiss Water process")
    VariantFactory(sku="ESP-250", name="Espresso blend 250 g", product=espresso, package_size="0.250")
    VariantFactory(sku="DEC-1000", name="Decaf 1 kg", product=decaf, package_size="1.000")
    stock_receive(kind="packaged", sku="ESP-250", quantity=20, position="A-01", actor=system)
    shipped = [
        make_order(customer={"name": name, "email": "", "type": "retail"}, items=[{"sku": "ESP-250", "quantity": 2}])
        for name in ("Koffiebar De Gouden Boon Amsterdam-Noord", "Café Noord", "Lena Fischer")
    ]
    break_address(shipped[-1])
    batch = run(create(system, *shipped))
    masterdata.machine_create(
        data={"name": "Probat 12", "min_batch_kg": "5", "max_batch_kg": "15", "batches_per_day": 8}
    )
    green = stock_receive(kind="raw", lot_name="Brazil Santos", quantity="100", lot_date="2026-10-01", actor=system)
    masterdata.profile_group_create(data={"name": "Espresso", "product": "Espresso blend"})
    masterdata.profile_create(
        data={"group": "Espresso", "name": "Espresso medium", "machines": ["Probat 12"], "green_lots": [green.number],
              "batch_kg": "12", "end_kg": "10.2"}
    )  # fmt: skip
    anna = make_order(items=[{"sku": "ESP-250", "quantity": 40}, {"sku": "DEC-1000", "quantity": 3}])
    plan = plan_create(orders=[anna.number], fulfillment_date=dt.date(2026, 11, 30), actor=system)
    allocation_save(plan=plan, actor=system)
    [roast] = roast_schedule(plan=plan, on=dt.date(2026, 11, 28), products=["Espresso blend"], actor=system)
    return {
        "batch": batch.number,
        "orders": [order.number for order in shipped],
        "plan": plan.number,
        "roast": roast.number,
        "green": green.number,
        "product": espresso.pk,
    }


def failing_shop(order: str) -> None:
    """A shop whose last sync failed, and an update of `order` to it that is retrying."""
    shop = channel_create(name="Webshop", kind="sandbox")
    error = "GET https://webshop.example/wp-json/wc/v3/orders failed: ConnectError, 4 attempts."
    SyncRun.objects.create(channel=shop, status="failed", error=error, finished_at=dt.datetime.now(dt.UTC))
    OutboxMessage.objects.create(
        channel=shop,
        order=Order.objects.get(number=order),
        attempts=2,
        last_error="The shop answered 503 Service Unavailable.",
        payload={"tracking_number": "3STEST00000001"},
    )


def shop_pages() -> dict[str, str]:
    return {"home": "/", "sync-log": "/channels/syncs/?status=failing", "updates": "/channels/pushes/"}


def roast_pages(made: dict) -> dict[str, str]:
    """Every roast page, by a short name, for what batch_and_roasts made."""
    return {
        "roast-schedules": "/roasts/schedules/",
        "roast-batch": f"/roasts/batches/{made['roast']}/",
        "roast-batch-edit": f"/roasts/batches/{made['roast']}/edit/",
        "plan-roasts": f"/plans/{made['plan']}/roast-schedules/",
        "order-conversion": f"/plans/{made['plan']}/order-conversion/",
        "conversion-row": f"/plans/{made['plan']}/order-conversion/{made['product']}/",
        "machines": "/roasts/machines/",
        "machine-new": "/roasts/machines/new/",
        "profiles": "/roasts/profiles/",
        "profile-new": "/roasts/profiles/new/",
        "group-new": "/roasts/profile-groups/new/",
        "green-coffee": "/roasts/green-coffee/",
        "lot-trace": f"/inventory/lots/{made['green']}/trace/",
    }
