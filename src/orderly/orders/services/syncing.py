"""A sales channel's newer state of an order it sent, applied here with a `synced` timeline event."""

from django.db import transaction

from orderly.core.actors import Actor
from orderly.core.retry import retry_on_conflict
from orderly.orders import events
from orderly.orders.locks import lock_order
from orderly.orders.models import Order, OrderCharge
from orderly.orders.services import validation as clean
from orderly.orders.services.checks import apply_checks
from orderly.orders.services.editing import apply_customer, build_charges, diff_address, save_address, shop_figures
from orderly.orders.services.items import ITEM_DIFF_FIELDS, clean_items, item_summary, replace_items, units_processed
from orderly.orders.services.settling import order_settle
from orderly.orders.services.totals import compute_order
from orderly.orders.status import OrderStatus, Stage

HOLD_ERROR = "on_hold"


def _editable(order: Order) -> bool:
    return not order.is_archived and order.status in (OrderStatus.DRAFT, OrderStatus.OPEN)


# Changes after which the order's checks run again (they read these).
RECHECKED = ("hold", "shipping_address", "is_test", "stated_total")
SHOP_FIELDS = ("prices_include_tax", "is_test", "delivery_method", "discount_codes", "shop_money", "stated_total")


def _charge_summary(charge) -> dict:
    return {name: str(getattr(charge, name)) for name in ("kind", "title", "amount", "discount", "tax", "total")}


def _apply_shop(order: Order, shop: dict, diff: dict, ignored: list) -> bool:
    """The shop's order-level figures and its charges (charges only while none is invoiced: an invoice refers to
    them). Returns whether anything that counts in the totals changed."""
    figures = shop_figures(**shop)
    charge_data = figures.pop("charges")
    for name in SHOP_FIELDS:
        value = figures[name]
        if getattr(order, name) != value:
            diff[name] = {"before": str(getattr(order, name)), "after": str(value)}
            setattr(order, name, value)
    current = list(order.charges.all())
    wanted = build_charges(order, charge_data)
    if [_charge_summary(c) for c in current] == [_charge_summary(c) for c in wanted]:
        return "prices_include_tax" in diff
    if any(charge.invoiced for charge in current):
        ignored.append("charges")
        return False
    diff["charges"] = {"before": [_charge_summary(c) for c in current], "after": [_charge_summary(c) for c in wanted]}
    order.charges.all().delete()
    OrderCharge.objects.bulk_create(wanted)
    return True


def _apply_content(order: Order, changes: dict, diff: dict, ignored: list) -> bool:
    """Customer and addresses while editable; items only while new and untouched by fulfillment or invoicing;
    the shop's figures and charges. Returns whether items or amounts changed."""
    if not _editable(order):
        ignored.extend(sorted(changes))
        return False
    if "customer" in changes:
        apply_customer(order, changes["customer"], diff)
    for name in ("shipping_address", "billing_address"):
        if name in changes and changes[name] is not None:
            # kept as the shop has it; the checks flag what its country's rules refuse
            data = clean.address_loose(changes[name], field=name)
            current = getattr(order, name)
            diff_address(name, current, data, diff)
            if name in diff:
                setattr(order, name, save_address(data, current))
    amounts_changed = _apply_shop(order, changes["shop"], diff, ignored) if "shop" in changes else False
    if "items" in changes and _apply_items(order, changes["items"], diff, ignored):
        return True
    if amounts_changed:
        compute_order(order, list(order.items.all()))
    return amounts_changed


def _apply_items(order: Order, items, diff: dict, ignored: list) -> bool:
    item_data = clean_items(items, strict=False)
    wanted = [{name: str(data[name]) for name in ITEM_DIFF_FIELDS} for data in item_data]
    current = list(order.items.all())
    if wanted == [item_summary(item) for item in current] and [d["tax_lines"] for d in item_data] == [
        item.tax_lines for item in current
    ]:
        return False
    if order.stage != Stage.NEW or any(units_processed(item) for item in current):
        # picked, shipped or invoiced items are ours to keep as they are; the event says the shop's were not applied
        ignored.append("items")
        return False
    replace_items(order, item_data, diff)
    return True


@retry_on_conflict
def order_sync_update(
    *, order: Order, external_status: str, changes: dict, actor: Actor, hold: bool | None = None
) -> dict:
    """Apply what the channel now says of an order: its external status, customer, addresses and (while the order is
    still new) items; `hold` True flags the order as on hold in the shop (an error: not processed), False lifts it.

    `changes` may hold customer, shipping_address, billing_address, items and shop (editing.shop_figures'
    keywords: charges and the shop's order-level figures). Needs cleanable values (ValidationError naming the
    field otherwise, nothing written); addresses are kept as the shop has them. Guarantees one `synced` event
    listing each changed field's before and after (and what was not applied because the order is past editing or
    its charges invoiced), totals recomputed and the checks run again when items or amounts changed, and nothing
    written when nothing changed. Returns the diff.
    """
    with transaction.atomic():
        order = lock_order(order, deleted=True)
        diff: dict[str, dict] = {}
        ignored: list[str] = []
        external_status = clean.text(external_status, field="external_status", max_length=64)
        if external_status != order.external_status:
            diff["external_status"] = {"before": order.external_status, "after": external_status}
            order.external_status = external_status
        items_changed = _apply_content(order, changes, diff, ignored)
        held = order.error_code == HOLD_ERROR
        if hold and not held and order.status in (OrderStatus.DRAFT, OrderStatus.OPEN):
            diff["hold"] = {"before": False, "after": True}
            order.error_code = HOLD_ERROR
            order.error_message = f"On hold in {order.channel}."
            order.error_fix = "Release the order in the shop; the next sync takes it off hold here."
        elif hold is False and held:
            diff["hold"] = {"before": True, "after": False}
            order.error_code = order.error_message = order.error_fix = ""
        if not diff:
            return {}
        order.save()
        events.synced(order, actor, diff, ignored)
        if order.error_code == HOLD_ERROR:
            if "hold" in diff:
                events.error_raised(order, actor)
        elif items_changed or any(name in diff for name in RECHECKED):
            # While on hold the hold is the order's error; the checks run again once it is lifted.
            apply_checks(order, actor)
        if items_changed and order.amount_paid:
            order_settle(order=order, actor=actor)
    return diff
