"""Demo data for a coffee roaster: a catalog, shops, a month of orders in every state, and roasting: machines,
profiles, green coffee and a fulfillment plan that needs roasts.

Everything is written through the services, as the shops and people would. Loading is idempotent: products and
channels are found by name, orders by their channel and external id (or, for manual orders, reference), so a
second run adds nothing; machines, profiles and green lots are found by name, the roasting plan by its order.
The orders are planned from a fixed seed, so every run plans the same month, counted back from now.
"""

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from orderly.billing.services import invoice_create, payment_record
from orderly.carriers.models import CarrierAccount
from orderly.carriers.services import carrier_create, rule_create
from orderly.catalog.models import Product
from orderly.catalog.services import product_create
from orderly.channels.models import ChannelKind, SalesChannel
from orderly.channels.selectors import manual_channel
from orderly.channels.services import channel_create
from orderly.core.actors import Actor
from orderly.core.exceptions import DomainError
from orderly.inventory.models import Lot
from orderly.inventory.services import stock_receive
from orderly.inventory.status import LotKind
from orderly.ops import demo_data as data
from orderly.orders.models import Order
from orderly.orders.services import (
    order_archive,
    order_cancel,
    order_create,
    order_note_add,
)
from orderly.orders.status import DeliveryType, OrderStatus, PaymentStatus
from orderly.plans.services import allocation_save, pick_complete, plan_create
from orderly.production.models import Machine, Profile, ProfileGroup
from orderly.production.services import masterdata
from orderly.shipping.services import fulfillment_create, fulfillment_report_lost, return_register

SEED = 20261101
DAYS = 30
STOCK_PER_SKU = 150
WHOLESALE_PRICE = Decimal("0.80")  # wholesale buys at 80 % of the retail list price

DRAFT, NEW, IN_PROGRESS, COMPLETED, CLOSED, CANCELED = "draft", "new", "in_progress", "completed", "closed", "canceled"
CLOSED_ARCHIVED, CANCELED_ARCHIVED = "closed_archived", "canceled_archived"
# Where each scenario leaves the order's status, which the shop reports as its external status.
FINAL_STATUS = {
    DRAFT: OrderStatus.DRAFT,
    NEW: OrderStatus.OPEN,
    IN_PROGRESS: OrderStatus.OPEN,
    COMPLETED: OrderStatus.OPEN,
    CLOSED: OrderStatus.CLOSED,
    CANCELED: OrderStatus.CANCELED,
    CLOSED_ARCHIVED: OrderStatus.CLOSED,
    CANCELED_ARCHIVED: OrderStatus.CANCELED,
}


@dataclass
class PlannedOrder:
    channel: str
    seq: int
    age: dt.timedelta
    wholesale: bool
    customer: int
    items: list[dict]
    scenario: str
    external_id: str = ""
    external_ref: str = ""
    notes: str = ""
    timeline_note: str = ""
    strict: bool = True


@dataclass
class DemoSummary:
    products: int = 0
    channels: int = 0
    orders: int = 0
    machines: int = 0
    profiles: int = 0
    green_lots: int = 0
    plans: int = 0
    carriers: int = 0
    existing_orders: int = 0
    scenarios: dict[str, int] = field(default_factory=dict)

    def __str__(self):
        if not (self.products or self.channels or self.orders or self.machines or self.profiles or self.green_lots):
            return f"Demo data already loaded ({self.existing_orders} demo orders); nothing added."
        return (
            f"Demo data loaded: {self.products} products, {self.channels} channels, {self.orders} orders"
            + (f" ({self.existing_orders} were already there)" if self.existing_orders else "")
            + f", {self.machines} machines, {self.profiles} roast profiles, {self.green_lots} green lots, "
            f"{self.plans} plan to roast for."
        )


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _scenario(rng: random.Random, days_old: int) -> str:
    """Older orders are further along: last month's are mostly closed, today's mostly new."""
    if days_old >= 21:
        return rng.choices([CLOSED, CLOSED_ARCHIVED, CANCELED, CANCELED_ARCHIVED], [60, 20, 12, 8])[0]
    if days_old >= 10:
        return rng.choices([CLOSED, COMPLETED, IN_PROGRESS, CANCELED], [35, 30, 25, 10])[0]
    if days_old >= 3:
        return rng.choices([NEW, IN_PROGRESS, COMPLETED, DRAFT], [45, 35, 10, 10])[0]
    return rng.choices([NEW, DRAFT], [70, 30])[0]


def _items(rng: random.Random, catalog: dict[str, tuple[Decimal, int]], wholesale: bool) -> list[dict]:
    """A retail basket of small bags, or a wholesale order of 1 kg bags at the wholesale price."""
    if wholesale:
        skus = sorted(sku for sku, (_, grams) in catalog.items() if grams == 1000)
        chosen = rng.sample(skus, rng.randint(2, min(4, len(skus))))
        return [
            {
                "sku": sku,
                "quantity": rng.choice([2, 3, 4, 5, 6, 8, 10, 12]),
                "unit_price": _money(catalog[sku][0] * WHOLESALE_PRICE),
            }
            for sku in chosen
        ]
    skus = sorted(sku for sku, (_, grams) in catalog.items() if grams < 1000)
    chosen = rng.sample(skus, rng.choices([1, 2, 3], [50, 35, 15])[0])
    items = []
    for sku in chosen:
        quantity = rng.choices([1, 2, 3], [60, 30, 10])[0]
        item = {"sku": sku, "quantity": quantity, "unit_price": _money(catalog[sku][0])}
        if rng.random() < 0.12:  # a 10 % coupon from the shop
            item["discount"] = _money(catalog[sku][0] * quantity / 10)
        items.append(item)
    return items


def plan(catalog: dict[str, tuple[Decimal, int]]) -> list[PlannedOrder]:
    """The demo month, oldest order first. `catalog` maps each active SKU to (price, grams)."""
    rng = random.Random(SEED)
    slots = [channel for channel, count in data.CHANNEL_ORDERS.items() for _ in range(count)]
    ages = [(dt.timedelta(minutes=rng.randint(20, DAYS * 24 * 60 - 1)), channel) for channel in slots]
    ages.sort(key=lambda pair: (-pair[0], pair[1]))

    planned: list[PlannedOrder] = []
    seqs = dict.fromkeys(data.CHANNEL_ORDERS, 0)
    for age, channel in ages:
        seqs[channel] += 1
        seq = seqs[channel]
        wholesale = channel == data.WHOLESALE_PORTAL or (channel == data.MANUAL and rng.random() < 0.7)
        customers = data.WHOLESALE_CUSTOMERS if wholesale else data.RETAIL_CUSTOMERS
        order = PlannedOrder(
            channel=channel,
            seq=seq,
            age=age,
            wholesale=wholesale,
            customer=rng.randrange(len(customers)),
            items=_items(rng, catalog, wholesale),
            scenario=_scenario(rng, age.days),
        )
        if channel == data.WEBSHOP:
            order.external_id, order.external_ref = str(48100 + seq), f"#{10230 + seq}"
        elif channel == data.MARKETPLACE:
            ref = f"402-{rng.randint(1_000_000, 9_999_999)}-{rng.randint(1_000_000, 9_999_999)}"
            order.external_id = order.external_ref = ref
        elif channel == data.WHOLESALE_PORTAL:
            order.external_id, order.external_ref = f"wp-{5000 + seq}", f"WP-{1040 + seq}"
        else:
            order.external_ref = f"PO-{7700 + seq}" if wholesale else f"TEL-{seq:03d}"
        if wholesale and channel == data.MANUAL and rng.random() < 0.4:
            for item in order.items:
                item["delivery_type"] = "collect"
                item["delivery_method"] = "Pick-up at the roastery"
        if len(planned) % 7 == 3:
            order.notes = data.DELIVERY_NOTES[len(planned) % len(data.DELIVERY_NOTES)]
        if len(planned) % 9 == 4:
            order.timeline_note = data.TIMELINE_NOTES[len(planned) % len(data.TIMELINE_NOTES)]
        planned.append(order)
    _add_problems(planned)
    return planned


def _add_problems(planned: list[PlannedOrder]) -> None:
    """Flag three recent shop orders the way imports are flagged: two unknown SKUs, one inactive product."""
    recent = [p for p in planned if p.age.days < 10 and p.channel in (data.WEBSHOP, data.MARKETPLACE)]
    problems = [
        {"sku": data.UNKNOWN_SKUS[0], "name": "Enamel camping mug", "quantity": 1, "unit_price": "14.95"},
        {"sku": data.UNKNOWN_SKUS[1], "name": "Espresso blend 2 kg", "quantity": 1, "unit_price": "52.00"},
        {"sku": "GUA-250", "quantity": 2},
    ]
    for order, item in zip(recent[-3:], problems, strict=True):
        order.items = [*order.items, item]
        order.scenario = NEW
        order.strict = False


def _ensure_catalog() -> int:
    created = 0
    for name, code, description, sizes, active in data.PRODUCTS:
        if Product.objects.filter(name=name).exists():
            continue
        variants = [
            {
                "sku": f"{code}-{grams}",
                "name": f"{name} {grams} g" if grams < 1000 else f"{name} {grams // 1000} kg",
                "package_size": Decimal(grams) / 1000,
                "weight": (Decimal(grams) + 20) / 1000,  # the bag and its valve
                "price": Decimal(price),
                "tax_rate": data.TAX_RATE,
            }
            for grams, price in sizes.items()
        ]
        product_create(name=name, description=description, unit="kg", is_active=active, variants=variants)
        created += 1
    return created


def _ensure_channels() -> tuple[dict[str, SalesChannel], int]:
    # The demo's shops are manual-kind channels with their orders made here; the sandbox shop really pulls.
    channels = {data.MANUAL: manual_channel()}
    created = 0
    for name in data.SHOP_CHANNELS:
        channel = SalesChannel.objects.filter(name=name).first()
        if channel is None:
            channel = channel_create(name=name, kind=ChannelKind.MANUAL)
            created += 1
        channels[name] = channel
    if not SalesChannel.objects.filter(name=data.SANDBOX).exists():
        # It syncs once when the worker starts, then daily by itself; Synchronize brings more at any time.
        channel_create(
            name=data.SANDBOX,
            kind=ChannelKind.SANDBOX,
            settings={"sandbox_skus": data.SANDBOX_SKUS, "sync_interval_minutes": 24 * 60},
        )
        created += 1
    return channels, created


def _planning_catalog() -> dict[str, tuple[Decimal, int]]:
    """The active demo SKUs as the data defines them, so the plan never depends on what the catalog became."""
    return {
        f"{code}-{grams}": (Decimal(price), grams)
        for _, code, _, sizes, active in data.PRODUCTS
        if active
        for grams, price in sizes.items()
    }


def _exists(channel: SalesChannel, planned: PlannedOrder) -> bool:
    orders = Order.all_objects.filter(channel=channel)
    if planned.external_id:
        return orders.filter(external_id=planned.external_id).exists()
    return orders.filter(external_ref=planned.external_ref).exists()


def _create(planned: PlannedOrder, channel: SalesChannel, now: dt.datetime) -> Order:
    if planned.wholesale:
        shipping, billing = data.WHOLESALE_CUSTOMERS[planned.customer]
        customer = {"name": shipping["company"], "email": shipping["email"], "type": "wholesale"}
    else:
        shipping, billing = data.RETAIL_CUSTOMERS[planned.customer], None
        customer = {"name": shipping["name"], "email": shipping["email"], "type": "retail"}
    shop = planned.channel != data.MANUAL
    return order_create(
        channel=channel,
        customer=customer,
        items=planned.items,
        shipping_address=shipping,
        billing_address=billing or shipping,
        currency="EUR",
        status=OrderStatus.DRAFT if planned.scenario == DRAFT else OrderStatus.OPEN,
        order_date=now - planned.age,
        external_id=planned.external_id,
        external_ref=planned.external_ref,
        external_status=data.EXTERNAL_STATUS[planned.channel].get(FINAL_STATUS[planned.scenario], ""),
        notes=planned.notes,
        actor=Actor.for_channel(channel) if shop else Actor.system(),
        strict=planned.strict,
    )


def _ensure_stock() -> None:
    """A lot of every active bag in the warehouse, received three weeks ago, so fulfillments can take stock."""
    received = timezone.localdate() - dt.timedelta(days=21)
    stocked = set(Lot.objects.filter(kind=LotKind.PACKAGED).values_list("variant__sku", flat=True))
    for index, sku in enumerate(sorted(_planning_catalog())):
        if sku not in stocked:
            stock_receive(
                kind=LotKind.PACKAGED, sku=sku, quantity=STOCK_PER_SKU, lot_date=received,
                position=f"A-{index // 6 + 1:02d}-{index % 6 + 1}", actor=Actor.system(),
            )  # fmt: skip


def _finish(order: Order, actor: Actor, *, settle: bool) -> Order:
    """Paid, shipped with tracking and invoiced: the order closes by itself when the last of them is done. Now and
    then a bag comes back or a parcel is lost, which reopens it; with `settle` the refund is paid or the parcel
    shipped again, so that it closes again with nothing owed (an archived order is one nobody works on)."""
    payment_record(order=order, amount=order.amount_due, method="card", reference=f"PAY-{order.number}", actor=actor)
    collected = order.items.filter(delivery_type=DeliveryType.COLLECT).exists()
    carrier = {} if collected else {"carrier": "PostNL", "tracking_number": f"3S{order.number[3:]}NL"}
    fulfillment = fulfillment_create(order=order, actor=actor, **carrier)
    invoice_create(order=order, actor=actor)
    number = int(order.number[3:])
    if number % 7 == 0:  # a bag came back damaged: the order reopens, a refund is due
        item = order.items.order_by("line_no").first()
        return_register(
            order=order, items=[{"item": item.pk, "quantity": 1}], reason="Bag arrived damaged", restock=False,
            actor=actor,
        )  # fmt: skip
        order.refresh_from_db()
        if settle and order.payment_status == PaymentStatus.REFUND_DUE:
            refund = order.amount_paid - order.amount_due
            payment_record(order=order, amount=refund, method="card", kind="refund", actor=actor)
    elif number % 11 == 0 and not collected:  # the parcel never arrived: the order reopens to ship again
        fulfillment_report_lost(fulfillment=fulfillment, actor=actor)
        if settle:
            fulfillment_create(order=order, actor=actor, carrier="PostNL", tracking_number=f"3S{number}NL-2")
    return Order.objects.get(pk=order.pk)


def _through_plan(order: Order, planned: PlannedOrder, now: dt.datetime, *, pick: bool) -> Order:
    """Into a fulfillment plan of its own, as a person puts it there (In progress); with `pick`, its stock held
    and completed on the pick list (Completed). An order the plan refuses (one in error) stays where it is."""
    actor = Actor.system()
    due = (now - planned.age).date() + dt.timedelta(days=2)
    try:
        plan = plan_create(orders=[order.number], fulfillment_date=due, actor=actor)
        if pick:
            allocation_save(plan=plan, allocate_all=True, actor=actor)
            pick_complete(plan=plan, order=order.number, actor=actor)
    except DomainError:
        pass
    return Order.objects.get(pk=order.pk)


def _advance(order: Order, planned: PlannedOrder, now: dt.datetime) -> None:
    """Carry the order through the services a person would use to where its scenario ends."""
    actor = Actor.system()
    scenario = planned.scenario
    if scenario == IN_PROGRESS:
        order = _through_plan(order, planned, now, pick=False)
    if scenario in (COMPLETED, CLOSED, CLOSED_ARCHIVED):
        order = _through_plan(order, planned, now, pick=True)
    if scenario == COMPLETED and not order.has_error:
        payment_record(order=order, amount=order.amount_due, method="bank_transfer", actor=actor)
    if scenario in (CLOSED, CLOSED_ARCHIVED) and not order.has_error:
        order = _finish(order, actor, settle=scenario == CLOSED_ARCHIVED)
    if scenario in (CANCELED, CANCELED_ARCHIVED):
        order = order_cancel(order=order, actor=actor)
    if planned.timeline_note:
        order = order_note_add(order=order, text=planned.timeline_note, actor=actor)
    if scenario in (CLOSED_ARCHIVED, CANCELED_ARCHIVED):
        order_archive(order=order, actor=actor)


def _ensure_roasting(summary: DemoSummary) -> None:
    """Machines, green lots, a profile group and profile per roasted product, each only when not there yet."""
    actor = Actor.system()
    for name, low, high, per_day in data.MACHINES:
        if not Machine.objects.filter(name=name).exists():
            masterdata.machine_create(data={"name": name, "min_batch_kg": low, "max_batch_kg": high,
                                            "batches_per_day": per_day})  # fmt: skip
            summary.machines += 1
    lots = dict(Lot.objects.filter(kind=LotKind.RAW).values_list("name", "number"))
    for name, kg, days_ago in data.GREEN_LOTS:
        if name not in lots:
            received = timezone.localdate() - dt.timedelta(days=days_ago)
            lot = stock_receive(kind=LotKind.RAW, lot_name=name, quantity=kg, lot_date=received, actor=actor)
            lots[name] = lot.number
            summary.green_lots += 1
    for product, name, machines, greens, batch_kg, loss in data.PROFILES:
        if not ProfileGroup.objects.filter(name=product).exists():
            masterdata.profile_group_create(data={"name": product, "product": product})
        if Profile.objects.filter(name=name).exists():
            continue
        profile = {"group": product, "name": name, "machines": machines, "batch_kg": batch_kg, "weight_loss": loss}
        if isinstance(greens, dict):
            profile["components"] = [{"green_lot": lots[lot], "share": share} for lot, share in greens.items()]
        else:
            profile["green_lots"] = [lots[lot] for lot in greens]
        masterdata.profile_create(data=profile)
        summary.profiles += 1


def _ensure_roasting_plan(summary: DemoSummary, channel: SalesChannel, now: dt.datetime) -> None:
    """A café's order larger than the packed stock, in a fulfillment plan with nothing allocated: every kg becomes
    a packaging plan's shortfall, which the plan's Roast schedules tab turns into roasts."""
    if Order.all_objects.filter(channel=channel, external_ref=data.ROAST_ORDER_REF).exists():
        summary.existing_orders += 1
        return
    shipping, billing = data.WHOLESALE_CUSTOMERS[data.ROAST_ORDER_CUSTOMER]
    order = order_create(
        channel=channel, customer={"name": shipping["company"], "email": shipping["email"], "type": "wholesale"},
        items=[{"sku": sku, "quantity": qty, "unit_price": price} for sku, qty, price in data.ROAST_ORDER_ITEMS],
        shipping_address=shipping, billing_address=billing or shipping, currency="EUR", status=OrderStatus.OPEN,
        order_date=now - dt.timedelta(hours=5), external_ref=data.ROAST_ORDER_REF,
        notes="Opening of the second location: roast fresh, deliver on the fulfillment date.", actor=Actor.system(),
    )  # fmt: skip
    summary.orders += 1
    plan = plan_create(
        orders=[order.number], fulfillment_date=timezone.localdate() + dt.timedelta(days=4), actor=Actor.system()
    )
    allocation_save(plan=plan, actor=Actor.system())
    summary.plans += 1


DEMO_CARRIER = "Own courier"


def _ensure_carrier() -> int:
    """An own-label carrier with one method and a default rule for every demo country, so that Book label works on
    any demo order out of the box (no outside system: Orderly numbers the parcel and draws the label)."""
    if CarrierAccount.objects.filter(name=DEMO_CARRIER).exists():
        return 0
    account = carrier_create(
        name=DEMO_CARRIER, kind="own", actor=Actor.system(),
        sender_address={"name": "Orderly Roastery", "line1": "Havenstraat 1", "postal_code": "3011 AA",
                        "city": "Rotterdam", "country": "NL", "email": "shipping@roastery.example"},
        methods=[{"code": "standard", "name": "Standard parcel", "countries": [], "max_weight_kg": "30"}],
    )  # fmt: skip
    for country in data.DEMO_COUNTRIES:
        rule_create(data={"country": country, "carrier": account.pk, "method": "standard"}, actor=Actor.system())
    return 1


@transaction.atomic
def demo_load(*, now: dt.datetime | None = None, progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Load the demo catalog, channels and orders that are not there yet, all or nothing."""
    now = now or timezone.now()
    summary = DemoSummary()
    summary.products = _ensure_catalog()
    channels, summary.channels = _ensure_channels()
    _ensure_stock()
    summary.carriers = _ensure_carrier()
    planned_orders = plan(_planning_catalog())
    for done, planned in enumerate(planned_orders):
        if progress is not None:
            progress(done, len(planned_orders))
        channel = channels[planned.channel]
        summary.scenarios[planned.scenario] = summary.scenarios.get(planned.scenario, 0) + 1
        if _exists(channel, planned):
            summary.existing_orders += 1
            continue
        order = _create(planned, channel, now)
        _advance(order, planned, now)
        summary.orders += 1
    _ensure_roasting(summary)
    _ensure_roasting_plan(summary, channels[data.MANUAL], now)
    return summary
