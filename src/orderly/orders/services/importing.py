"""Creating many imported orders at once (a channel's page of new orders): the same checks, totals, numbers and
timeline events as order_create, with a handful of queries per batch instead of a dozen per order."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orderly.catalog.selectors import mapped_variants, variants_by_sku
from orderly.core.actors import Actor
from orderly.core.exceptions import ValidationError
from orderly.core.models import NumberSequence
from orderly.orders import events
from orderly.orders.models import Address, Order, OrderItem
from orderly.orders.services import validation as clean
from orderly.orders.services.checks import find_problems
from orderly.orders.services.editing import MAX_ITEMS
from orderly.orders.services.totals import compute_line, compute_order
from orderly.orders.status import OrderStatus, Stage


@dataclass
class ImportEntry:
    """One order to create, in order_create's terms."""

    external_id: str
    customer: dict
    items: list
    shipping_address: dict | None
    billing_address: dict | None = None
    currency: str = "EUR"
    status: str = OrderStatus.OPEN
    order_date: object = None
    notes: str = ""
    external_ref: str = ""
    external_status: str = ""


def _numbers(count: int, prefix: str = "OR", width: int = 6) -> list[str]:
    """A block of consecutive numbers, taken under the sequence's row lock like next_number."""
    NumberSequence.objects.get_or_create(prefix=prefix)
    sequence = NumberSequence.objects.select_for_update().get(prefix=prefix)
    first = sequence.last_value + 1
    sequence.last_value += count
    sequence.save(update_fields=["last_value"])
    return [f"{prefix}-{value:0{width}d}" for value in range(first, first + count)]


def _clean(entry: ImportEntry, variants: dict) -> tuple[dict, list[dict]]:
    if entry.status not in (OrderStatus.DRAFT, OrderStatus.OPEN):
        raise ValidationError(f"status of a new order must be draft or open, not {entry.status!r}.", field="status")
    if not isinstance(entry.items, list) or not entry.items:
        raise ValidationError("items: an order needs at least one item.", field="items")
    if len(entry.items) > MAX_ITEMS:
        raise ValidationError(f"An order may have at most {MAX_ITEMS} items.", field="items")
    fields = {
        **clean.customer(entry.customer),
        "shipping": clean.address(entry.shipping_address, field="shipping_address")
        if entry.shipping_address is not None
        else None,
        "billing": clean.address(entry.billing_address, field="billing_address")
        if entry.billing_address is not None
        else None,
        "currency": clean.currency(entry.currency),
        "notes": clean.text(entry.notes, field="notes", max_length=5000),
        "external_id": clean.text(entry.external_id, field="external_id", max_length=100, required=True),
        "external_ref": clean.text(entry.external_ref, field="external_ref", max_length=100),
        "external_status": clean.text(entry.external_status, field="external_status", max_length=64),
    }
    items = []
    for i, data in enumerate(entry.items):
        sku = data.get("sku").strip() if isinstance(data, dict) and isinstance(data.get("sku"), str) else None
        items.append(clean.item(data, field=f"items[{i}]", variant=variants.get(sku) if sku else None))
    gross = sum((clean.line_gross(data) for data in items), Decimal(0))
    if gross > clean.MAX_ORDER_AMOUNT:
        raise ValidationError(f"items come to {gross}, more than an order may total ({clean.MAX_ORDER_AMOUNT}).")
    return fields, items


def orders_import_many(*, channel, entries: list[ImportEntry], actor: Actor) -> tuple[list[Order], dict[str, str]]:
    """Create the entries' orders in one transaction, each exactly as order_create(strict=False) would: numbers,
    addresses, items with totals, the checks' error (unknown or inactive SKU, no address…) and the `imported` and
    `error_raised` events. An entry that cannot be cleaned is left out with its reason.

    Needs entries whose (channel, external id) are not taken (IntegrityError otherwise, nothing written).
    Returns (created orders, {external_id: reason} for entries left out).
    """
    skus = {
        d["sku"].strip()
        for e in entries
        for d in (e.items or [])
        if isinstance(d, dict) and isinstance(d.get("sku"), str)
    }
    variants = variants_by_sku(skus)
    variants.update(mapped_variants(channel.pk, skus))
    cleaned, refused = [], {}
    for entry in entries:
        try:
            fields, items = _clean(entry, variants)
        except ValidationError as exc:
            refused[entry.external_id] = exc.message
            continue
        cleaned.append((entry, fields, items))
    if not cleaned:
        return [], refused
    with transaction.atomic():
        numbers = _numbers(len(cleaned))
        addresses = [Address(**f["shipping"]) for _, f, _ in cleaned if f["shipping"]]
        addresses += [Address(**f["billing"]) for _, f, _ in cleaned if f["billing"]]
        Address.objects.bulk_create(addresses, batch_size=500)
        address_iter = iter(addresses)
        shipping = [next(address_iter) if f["shipping"] else None for _, f, _ in cleaned]
        billing = [next(address_iter) if f["billing"] else None for _, f, _ in cleaned]
        now = timezone.now()
        orders, all_items = [], []
        for n, (entry, f, item_data) in enumerate(cleaned):
            order = Order(
                number=numbers[n],
                channel=channel,
                external_id=f["external_id"],
                external_ref=f["external_ref"],
                external_status=f["external_status"],
                order_date=entry.order_date or now,
                currency=f["currency"],
                status=entry.status,
                stage=Stage.NEW,
                notes=f["notes"],
                shipping_address=shipping[n],
                billing_address=billing[n],
                customer_name=f["customer_name"],
                customer_email=f["customer_email"],
                customer_type=f["customer_type"],
            )
            items = [
                OrderItem(order=order, line_no=i, status=entry.status, **data) for i, data in enumerate(item_data, 1)
            ]
            for item in items:
                compute_line(item)
            compute_order(order, items)
            if problems := find_problems(order, items):
                order.error_code = problems[0].code
                order.error_message = " ".join(p.message for p in problems)[:1000]
                order.error_fix = " ".join(p.fix for p in problems)[:1000]
            orders.append(order)
            all_items.append(items)
        Order.objects.bulk_create(orders, batch_size=500)
        for order, items in zip(orders, all_items, strict=True):
            for item in items:
                item.order = order  # the order now has its primary key
        OrderItem.objects.bulk_create([item for items in all_items for item in items], batch_size=500)
        events.imported_many(orders, actor)
    return orders, refused
