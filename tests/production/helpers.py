"""Set-up for production tests: a roasted product with bags, machines, green lots, profiles."""

from decimal import Decimal

from orderly.core.actors import Actor
from orderly.inventory.services import stock_receive
from orderly.production.services import masterdata
from tests.factories import ProductFactory, VariantFactory

D = Decimal
ACTOR = Actor.system()


def roasted_product(name="Espresso blend", sku="ESP-250", size="0.250"):
    product = ProductFactory(name=name)
    VariantFactory(sku=sku, product=product, package_size=D(size))
    return product


def green(name: str, kg, lot_date="2026-01-01"):
    return stock_receive(kind="raw", lot_name=name, quantity=kg, lot_date=lot_date, actor=ACTOR)


def machine(name="Probat 12", low="5", high="15", per_day=8):
    return masterdata.machine_create(
        data={"name": name, "min_batch_kg": low, "max_batch_kg": high, "batches_per_day": per_day}
    )


def roastery(product=None, *, green_kg=100, batch="12", end="10.2"):
    """A product with a group and a profile on one machine, drawing one green lot: (product, profile, lot)."""
    product = product or roasted_product()
    machine()
    lot = green("Brazil Santos 2026", green_kg)
    masterdata.profile_group_create(data={"name": product.name, "product": product.name})
    profile = masterdata.profile_create(
        data={"group": product.name, "name": f"{product.name} medium", "machines": ["Probat 12"],
              "green_lots": [lot.number], "batch_kg": batch, "end_kg": end}
    )  # fmt: skip
    return product, profile, lot
