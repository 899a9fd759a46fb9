"""Creating and editing orders."""

from django.db import transaction
from django.utils import timezone

from orderly.core.actors import Actor
from orderly.core.exceptions import Problems, ValidationError
from orderly.core.locks import held_already
from orderly.core.logs import logs_order
from orderly.core.numbering import next_number
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.orders import events
from orderly.orders.locks import lock_order
from orderly.orders.models import ADDRESS_FIELDS, Address, Order, OrderCharge, OrderItem
from orderly.orders.rules import items_refusal, refusal
from orderly.orders.services import validation as clean
from orderly.orders.services.checks import apply_checks
from orderly.orders.services.items import (
    build_item,
    clean_items,
    item_change_problems,
    items_would_change,
    replace_items,
    units_processed,
    with_current_values,
)
from orderly.orders.services.settling import order_settle
from orderly.orders.services.totals import TOTAL_FIELDS, compute_charge, compute_order
from orderly.orders.status import ITEM_TRANSITIONS, Action, ItemStatus, OrderStatus, Stage

EDITABLE_FIELDS = ("customer", "shipping_address", "billing_address", "currency", "notes", "external_ref", "order_date")


def save_address(data: dict | None, existing: Address | None = None) -> Address | None:
    """Save `data` into `existing` (or a new address) and return it; None for no address."""
    if data is None:
        return None
    address = existing or Address()
    for name, value in data.items():
        setattr(address, name, value)
    address.save()
    return address


def build_charges(order: Order, charge_data: list[dict]) -> list[OrderCharge]:
    """Unsaved charges of `order` from cleaned charge data, with their tax and totals."""
    charges = []
    for position, data in enumerate(charge_data, start=1):
        charge = OrderCharge(order=order, position=position, **data)
        compute_charge(charge, tax_included=order.prices_include_tax)
        charges.append(charge)
    return charges


def shop_figures(
    *,
    charges=None,
    prices_include_tax: bool = False,
    is_test: bool = False,
    delivery_method: str = "",
    discount_codes=None,
    shop_money=None,
    stated_total=None,
) -> dict:
    """What a shop said of an order beyond its lines, cleaned: the charges (as data) and the order's fields."""
    return {
        "charges": clean.charges(charges),
        "prices_include_tax": bool(prices_include_tax),
        "is_test": bool(is_test),
        "delivery_method": clean.text(delivery_method, field="delivery_method", max_length=100),
        "discount_codes": clean.discount_codes(discount_codes),
        "shop_money": clean.mapping(shop_money, field="shop_money"),
        "stated_total": clean.money(stated_total, field="stated_total", allow_negative=False)
        if stated_total not in (None, "")
        else None,
    }


@retry_on_conflict
def order_create(
    *,
    channel,
    customer: dict,
    items: list[dict],
    shipping_address: dict | None,
    billing_address: dict | None = None,
    currency: str = "EUR",
    status: str = OrderStatus.OPEN,
    order_date=None,
    notes: str = "",
    external_id: str = "",
    external_ref: str = "",
    external_status: str = "",
    actor: Actor,
    strict: bool = True,
    shop: dict | None = None,
) -> Order:
    """Create an order with its items, charges, totals and a timeline event, all or nothing.

    Every problem of the input is refused at once (InvalidInput when there are several, reading as the first),
    each naming its field. `strict` (manual entry) refuses unknown SKUs and inactive products naming the item;
    without it (imports) the order is recorded anyway and flagged with an error saying how to fix it, and
    an address its country's rules refuse is kept with an error naming the field. `shop` holds what a shop said
    beyond the lines (shop_figures' keywords: charges, prices_include_tax, is_test, delivery_method,
    discount_codes, shop_money, stated_total).
    """
    found = Problems()
    if status not in (OrderStatus.DRAFT, OrderStatus.OPEN):
        found.add(ValidationError(f"status of a new order must be draft or open, not {status!r}.", field="status"))
    customer_fields = found.check(clean.customer, customer)
    read_address = clean.address if strict else clean.address_loose
    shipping = (
        found.check(read_address, shipping_address, field="shipping_address") if shipping_address is not None else None
    )
    if strict and shipping_address is None:
        found.add(ValidationError("shipping_address is required.", field="shipping_address"))
    billing = (
        found.check(read_address, billing_address, field="billing_address") if billing_address is not None else None
    )
    figures = found.check(shop_figures, **(shop or {}))
    currency_code = found.check(clean.currency, currency)
    notes = found.check(clean.text, notes, field="notes", max_length=5000)
    external_id = found.check(clean.text, external_id, field="external_id", max_length=100)
    external_ref = found.check(clean.text, external_ref, field="external_ref", max_length=100)
    external_status = found.check(clean.text, external_status, field="external_status", max_length=64)
    item_data = found.check(clean_items, items, strict=strict, currency=currency_code or "")
    found.raise_any()
    charge_data = figures.pop("charges")

    with transaction.atomic():
        order = Order(
            number=next_number("OR"),
            channel=channel,
            external_id=external_id,
            external_ref=external_ref,
            external_status=external_status,
            order_date=order_date or timezone.now(),
            currency=currency_code,
            status=status,
            stage=Stage.NEW,
            notes=notes,
            shipping_address=save_address(shipping),
            billing_address=save_address(billing),
            **customer_fields,
            **figures,
        )
        order.save()
        line_items = [build_item(order, n, data, status) for n, data in enumerate(item_data, start=1)]
        OrderItem.objects.bulk_create(line_items)
        for row in (order, *line_items):  # new rows: locking them again waits for no one
            held_already(row)
        charges = OrderCharge.objects.bulk_create(build_charges(order, charge_data))
        compute_order(order, line_items, charges)
        order.save(update_fields=[*TOTAL_FIELDS])
        (events.imported if actor.kind == "channel" else events.created)(order, actor)
        apply_checks(order, actor)
    return order


def ensure_editable(order: Order, *, items: bool = False) -> None:
    """Refuse edits to archived, closed or canceled orders, and item edits once processing began (rules)."""
    if (refused := items_refusal(order) if items else refusal(order, Action.EDIT)) is not None:
        raise refused


def diff_address(name: str, before: Address | None, after: dict | None, changes: dict) -> None:
    """Add to `changes` what differs between the address before and `after`, under `name`, for the timeline."""
    old = before.as_dict() if before else None
    if after is not None and old is not None:
        after = {key: after.get(key, "") for key in ADDRESS_FIELDS}
    if old != after:
        changes[name] = {"before": old, "after": after}


def _clean_edit(order: Order, changes: dict) -> dict:
    """The changes given, cleaned; every problem of them refused at once, each naming its field, before anything
    is written. Items that would change must be allowed to (rules.items_refusal) and keep what was processed."""
    found = Problems()
    cleaned: dict = {}
    if "customer" in changes:
        cleaned["customer"] = found.check(clean.customer, {**_customer_dict(order), **(changes["customer"] or {})})
    for name in ("shipping_address", "billing_address"):
        if name in changes:
            if changes[name] is None and name == "shipping_address":
                found.add(ValidationError("shipping_address cannot be removed.", field=name))
            cleaned[name] = found.check(clean.address, changes[name], field=name) if changes[name] is not None else None
    simple = {
        "currency": lambda v: clean.currency(v),
        "notes": lambda v: clean.text(v, field="notes", max_length=5000),
        "external_ref": lambda v: clean.text(v, field="external_ref", max_length=100),
    }
    for name, cleaner in simple.items():
        if name in changes:
            cleaned[name] = found.check(cleaner, changes[name])
    if "order_date" in changes:
        cleaned["order_date"] = changes["order_date"]
    if "items" in changes:
        entries = with_current_values(order, changes["items"])
        currency = cleaned.get("currency") or order.currency
        cleaned["items"] = items = found.check(clean_items, entries, strict=True, currency=currency)
        existing = {item.id: item for item in order.items.all()} if items is not None else {}
        if items is not None and items_would_change(existing, items):
            if (refused := items_refusal(order)) is not None:
                found.raise_any()  # the input's own problems first
                raise refused
            for problem in item_change_problems(existing, items):
                found.add(problem)
    found.raise_any()
    return cleaned


@retry_on_conflict
@logs_order
def order_update(*, order: Order, changes: dict, actor: Actor) -> Order:
    """Edit an order's customer, addresses, currency, notes, reference or items.

    Records one `edited` event listing each changed field with its value before and after; nothing is written
    when the input is invalid (every problem refused at once: InvalidInput when there are several, reading as
    the first) or changes nothing. Items given replace the order's items: an entry with an `id` updates that
    item (what it leaves out is kept), one without adds a new item, items left out are removed. Items may change
    only while the order is new (OrderLocked otherwise); items sent back unchanged are no change, at any stage.
    """
    unknown = set(changes) - {*EDITABLE_FIELDS, "items"}
    if unknown:
        raise ValidationError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.", field=min(unknown))
    with transaction.atomic():
        order = lock_order(order)
        ensure_editable(order)
        cleaned = _clean_edit(order, changes)
        diff: dict[str, dict] = {}
        if "customer" in cleaned:
            _set_customer(order, cleaned["customer"], diff)
        for name in ("shipping_address", "billing_address"):
            if name in cleaned:
                current = getattr(order, name)
                diff_address(name, current, cleaned[name], diff)
                if name in diff:
                    setattr(order, name, save_address(cleaned[name], current) if cleaned[name] else None)
        for name in ("currency", "notes", "external_ref"):
            if name in cleaned and getattr(order, name) != cleaned[name]:
                diff[name] = {"before": getattr(order, name), "after": cleaned[name]}
                setattr(order, name, cleaned[name])
        if (when := cleaned.get("order_date")) and when != order.order_date:
            diff["order_date"] = {"before": order.order_date.isoformat(), "after": when.isoformat()}
            order.order_date = when
        if "items" in cleaned:
            replace_items(order, cleaned["items"], diff)
        if not diff:
            return order
        order.save()
        events.edited(order, actor, diff)
        apply_checks(order, actor)
        items_changed = any(name == "items" or name.startswith("line_") for name in diff)
        if items_changed and (order.amount_paid or any(units_processed(item) for item in order.items.all())):
            # the items' processes already began: their statuses follow the new quantities, amounts and options
            order = order_settle(order=order, actor=actor)
    return order


def apply_customer(order: Order, customer: dict | None, diff: dict) -> None:
    """Set the customer fields given (cleaned; the others kept) and note each change with its before and after."""
    _set_customer(order, clean.customer({**_customer_dict(order), **(customer or {})}), diff)


def _set_customer(order: Order, fields: dict, diff: dict) -> None:
    for name, value in fields.items():
        if getattr(order, name) != value:
            diff[name] = {"before": getattr(order, name), "after": value}
            setattr(order, name, value)


def _customer_dict(order: Order) -> dict:
    return {
        "name": order.customer_name,
        "email": order.customer_email,
        "type": order.customer_type,
        "vat_number": order.customer_vat_number,
    }


def item_status_follow(order: Order, status: str) -> None:
    """Move the order's items that are not yet done to `status` along with the order, each along ITEM_TRANSITIONS
    (TransitionNotAllowed naming the item otherwise, nothing moved)."""
    moving = order.items.exclude(status__in=[ItemStatus.CANCELED, ItemStatus.CLOSED, status])
    for line_no, sku, current in moving.order_by("line_no", "pk").values_list("line_no", "sku", "status"):
        key = f"{order.number} line {line_no} ({sku})"
        check_transition(ITEM_TRANSITIONS, resource="order_item", key=key, current=current, attempted=status)
    moving.update(status=status)
