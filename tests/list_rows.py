"""Rows for the lists that page by cursor, made at known places in each list's order (tests/api and tests/web)."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from orderly.api.schemas.batches import BatchPage
from orderly.api.schemas.billing import InvoicePage
from orderly.api.schemas.channels import SyncRunPage
from orderly.api.schemas.inventory import MovementPage
from orderly.api.schemas.notifications import EmailPage
from orderly.api.schemas.production import RoastBatchList
from orderly.batches.models import Batch
from orderly.billing.models import Invoice
from orderly.billing.services import invoice_create
from orderly.catalog.models import Variant
from orderly.channels.models import OutboxMessage, SalesChannel, SyncRun
from orderly.core.actors import Actor
from orderly.inventory.models import Movement
from orderly.inventory.services import stock_receive
from orderly.notifications.models import EmailMessage
from orderly.plans.services import allocation_save, plan_create
from orderly.production.models import RoastBatch
from orderly.shipping.services import fulfillment_create
from tests.factories import VariantFactory
from tests.plans.helpers import FULFILLMENT_DATE, order_of
from tests.production.helpers import machine, roastery

SYSTEM = Actor.system()
START = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
ROAST_DAY = dt.date(2026, 12, 1)


def _espresso():
    """The variant ESP-250 the rows' orders and lots are of (made once, whichever list is built first)."""
    return Variant.objects.filter(sku="ESP-250").first() or VariantFactory(sku="ESP-250")


@dataclass
class ListCase:
    url: str  # the API's list; "" when only the web has one
    web_url: str
    schema: type | None  # the API answer's
    make: Callable[[int], object]  # makes the row at this place in the list's order (0 first, -1 before all): its key
    key: str  # the field that names a row: in the API's items and on the model


def _copy(row, **changes):
    row.pk = None
    row._state.adding = True
    for name, value in changes.items():
        setattr(row, name, value)
    row.save()
    return row


def invoices() -> ListCase:
    _espresso()
    seed = invoice_create(order=order_of(("ESP-250", 1)), actor=SYSTEM)
    Invoice.objects.filter(pk=seed.pk).delete()  # its copies (without lines) are the list

    def make(place: int) -> str:
        return _copy(seed, number=f"INV-9{place + 10:05d}", issued_at=START - dt.timedelta(hours=place)).number

    return ListCase("/invoices", "/invoices/", InvoicePage, make, "number")


def ledger() -> ListCase:
    _espresso()
    lot = stock_receive(kind="packaged", sku="ESP-250", quantity=1, lot_date=dt.date(2026, 1, 1), actor=SYSTEM)
    seed = Movement.objects.get(lot=lot)
    seed.delete()

    def make(place: int) -> int:
        return _copy(seed, created_at=START - dt.timedelta(hours=place)).pk

    return ListCase("/inventory/ledger", "/inventory/ledger/", MovementPage, make, "id")


def sync_log() -> ListCase:
    channel = SalesChannel.objects.create(name="Webshop", kind="csv")

    def make(place: int) -> int:
        started = START - dt.timedelta(hours=place)
        return SyncRun.objects.create(channel=channel, kind="csv", status="succeeded", started_at=started).pk

    return ListCase(f"/channels/{channel.pk}/runs", "/channels/syncs/", SyncRunPage, make, "id")


def batches() -> ListCase:
    def make(place: int) -> str:
        number = f"BA-9{place + 10:05d}"
        Batch.objects.create(number=number, created_by_name="olga", created_at=START - dt.timedelta(hours=place))
        return number

    return ListCase("/batches", "/orders/batches/", BatchPage, make, "number")


def roast_batches() -> ListCase:
    """By date, then machine by name (Aillio before Probat 12), then number: two machines a day."""
    product, profile, _lot = roastery()
    machines = [machine("Aillio", per_day=8), profile.machines.get()]
    plan = plan_create(orders=[order_of(("ESP-250", 4)).number], fulfillment_date=FULFILLMENT_DATE, actor=SYSTEM)
    allocation_save(plan=plan, actor=SYSTEM)

    def make(place: int) -> str:
        number = f"RB-9{place + 10:05d}"
        RoastBatch.objects.create(
            number=number, plan=plan, product=product, profile=profile, machine=machines[place % 2],
            date=ROAST_DAY + dt.timedelta(days=place // 2), batch_kg=Decimal(12), green_kg=Decimal(12),
            expected_kg=Decimal("10.2"),
        )  # fmt: skip
        return number

    return ListCase("/roast-batches", "/roasts/schedules/", RoastBatchList, make, "number")


def emails() -> ListCase:
    _espresso()
    stock_receive(kind="packaged", sku="ESP-250", quantity=5, lot_date=dt.date(2026, 1, 1), actor=SYSTEM)
    order = order_of(("ESP-250", 1))
    fulfillment = fulfillment_create(order=order, actor=SYSTEM, carrier="PostNL", tracking_number="3S1")
    first = EmailMessage.objects.create(order=order, fulfillment=fulfillment, kind="shipped", status="skipped")

    def make(place: int) -> int:
        return _copy(
            EmailMessage.objects.get(pk=first.pk), resend_of=first, created_at=START - dt.timedelta(hours=place)
        ).pk

    first.created_at = START - dt.timedelta(days=365)  # last in the list, and counted as one of its rows
    first.save()
    return ListCase("/emails", "/settings/emails/log/", EmailPage, make, "id")


def pushes() -> ListCase:
    """The updates to the shops (the web's list only)."""
    _espresso()
    order = order_of(("ESP-250", 1))
    channel = order.channel

    def make(place: int) -> int:
        push = OutboxMessage.objects.create(channel=channel, order=order, status="sent", payload={})
        OutboxMessage.objects.filter(pk=push.pk).update(created_at=START - dt.timedelta(hours=place))
        return push.pk

    return ListCase("", "/channels/pushes/", None, make, "id")


# Roast batches first: their roastery makes the variant the others then find.
LISTS = {
    "roast batches": roast_batches,
    "invoices": invoices,
    "stock ledger": ledger,
    "sync log": sync_log,
    "batches": batches,
    "e-mail log": emails,
    "updates to the shops": pushes,
}
API_LISTS = [name for name in LISTS if name != "updates to the shops"]
