"""A sales channel's newer state of an order it sent, applied here with a `synced` timeline event."""

from django.db import transaction

from orderly.core.actors import Actor
from orderly.orders import events
from orderly.orders.models import Order
from orderly.orders.services import validation as clean
from orderly.orders.services.checks import apply_checks
from orderly.orders.services.editing import (
    ITEM_DIFF_FIELDS,
    _clean_items,
    _diff_address,
    _item_summary,
    _processed,
    _replace_items,
    _save_address,
    apply_customer,
)
from orderly.orders.status import OrderStatus, Stage

HOLD_ERROR = "on_hold"


def _editable(order: Order) -> bool:
    return not order.is_archived and order.status in (OrderStatus.DRAFT, OrderStatus.OPEN)


def _apply_content(order: Order, changes: dict, diff: dict, ignored: list) -> bool:
    """Customer and addresses while editable; items only while new and untouched by fulfillment or invoicing.
    Returns whether items changed."""
    if not _editable(order):
        ignored.extend(sorted(changes))
        return False
    if "customer" in changes:
        apply_customer(order, changes["customer"], diff)
    for name in ("shipping_address", "billing_address"):
        if name in changes and changes[name] is not None:
            data = clean.address(changes[name], field=name)
            current = getattr(order, name)
            _diff_address(name, current, data, diff)
            if name in diff:
                setattr(order, name, _save_address(data, current))
    if "items" not in changes:
        return False
    item_data = _clean_items(changes["items"], strict=False)
    wanted = [{name: str(data[name]) for name in ITEM_DIFF_FIELDS} for data in item_data]
    if wanted == [_item_summary(item) for item in order.items.all()]:
        return False
    if order.stage != Stage.NEW or any(_processed(item) for item in order.items.all()):
        # picked, shipped or invoiced items are ours to keep as they are; the event says the shop's were not applied
        ignored.append("items")
        return False
    _replace_items(order, item_data, diff)
    return True


def order_sync_update(
    *, order: Order, external_status: str, changes: dict, actor: Actor, hold: bool | None = None
) -> dict:
    """Apply what the channel now says of an order: its external status, customer, addresses and (while the order is
    still new) items; `hold` True flags the order as on hold in the shop (an error: not processed), False lifts it.

    Needs cleanable values (ValidationError naming the field otherwise, nothing written). Guarantees one `synced`
    event listing each changed field's before and after (and what was not applied because the order is past
    editing), the checks run again when items changed, and nothing written when nothing changed. Returns the diff.
    """
    with transaction.atomic():
        order = Order.all_objects.select_for_update().get(pk=order.pk)
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
        elif items_changed or "hold" in diff:
            # While on hold the hold is the order's error; the checks run again once it is lifted.
            apply_checks(order, actor)
    return diff
