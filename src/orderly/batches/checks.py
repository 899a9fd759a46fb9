"""Whether an order of a batch can be processed now, and if not why and what fixes it.

Run on every attempt until the order is fulfilled (a reprocess after a fix runs them again), under the locks the
fulfillment that follows holds: the order and its items (`refusal`), then the lots of the variants it ships
(`stock_refusal`, from those very lots), so nothing they read can change before the fulfillment.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from orderly.core.money import quantity_text
from orderly.inventory.models import Hold, Lot
from orderly.inventory.status import LotKind
from orderly.orders.models import Order, OrderItem
from orderly.orders.services.checks import address_shortcoming
from orderly.orders.status import DeliveryType, OrderStatus
from orderly.shipping.rules import open_quantity

ON_HOLD = "on_hold"  # the orders area's error code for an order on hold in its shop
ADDRESS_ERRORS = ("invalid_address", "no_shipping_address")


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str
    fix: str


def to_ship(items: list[OrderItem]) -> list[tuple[OrderItem, int]]:
    """The items this parcel takes: to ship (not collected), fulfilled by Orderly, with units still open."""
    return [
        (item, open_quantity(item))
        for item in items
        if item.delivery_type == DeliveryType.SHIP and open_quantity(item) > 0
    ]


def _state(order: Order) -> Refusal | None:
    number = order.number
    if order.deleted_at is not None:
        return Refusal("order_deleted", f"Order {number} was deleted.", "Remove it from the batch.")
    if order.is_archived:
        return Refusal("order_archived", f"Order {number} is archived.", "Unarchive the order, then reprocess it.")
    if order.status == OrderStatus.DRAFT:
        return Refusal("order_draft", f"Order {number} is a draft.", "Open the order, then reprocess it.")
    if order.status != OrderStatus.OPEN:
        return Refusal(
            "order_not_open", f"Order {number} is {order.status}: nothing of it ships.", "Remove it from the batch."
        )
    if order.error_code == ON_HOLD:
        return Refusal(
            ON_HOLD,
            order.error_message or f"Order {number} is on hold in its shop.",
            "Lift the hold in the shop, then Synchronize order and reprocess it.",
        )
    return None


def _address(order: Order) -> Refusal | None:
    if order.shipping_address_id is None:
        return Refusal(
            "no_shipping_address",
            f"Order {order.number} has items to ship but no shipping address.",
            "Enter the shipping address on the order, then reprocess it.",
        )
    shortcoming = address_shortcoming(order.shipping_address.as_dict())
    if shortcoming is None:
        return None
    part, reason = shortcoming
    return Refusal(
        "invalid_address",
        f"The shipping address is incomplete: {reason}.",
        f"Correct the shipping address ({part}) on the order, then reprocess it.",
    )


def _stocked(lines: list[tuple[OrderItem, int]]) -> list[tuple[OrderItem, int]]:
    """The lines whose stock Orderly keeps (each of a known variant)."""
    return [(item, units) for item, units in lines if item.option_allocate and item.variant_id]


def stock_variants(items: list[OrderItem]) -> set[int]:
    """The variants whose packaged lots the order's fulfillment may draw from (to lock before stock_refusal)."""
    return {item.variant_id for item, _units in _stocked(to_ship(items))}


def stock_holds(items: list[OrderItem], lots: list[Lot]) -> list[Hold]:
    """The units held for the items to ship on `lots` (what the fulfillment takes first), in key order: read once,
    for stock_refusal and then for the fulfillment itself."""
    wanted = [item.pk for item, _units in _stocked(to_ship(items))]
    if not wanted or not lots:
        return []
    return list(Hold.objects.filter(order_item_id__in=wanted, lot_id__in=[lot.pk for lot in lots]).order_by("pk"))


def stock_refusal(items: list[OrderItem], lots: list[Lot], holds: list[Hold]) -> Refusal | None:
    """Every unit to ship is held for its item or available in packaged stock (summed per variant over the
    order's lines, as the fulfillment will take them). `lots`: every packaged lot of stock_variants(items), locked
    by the caller, which the fulfillment then draws from; `holds`: stock_holds(items, lots)."""
    wanted = _stocked(to_ship(items))
    if not wanted:
        return None
    variant_of = {lot.pk: lot.variant_id for lot in lots}
    items_variant = {item.pk: item.variant_id for item, _units in wanted}
    held: dict[int, Decimal] = defaultdict(Decimal)
    for hold in holds:  # a hold counts for its item on a lot of the item's variant, as the fulfillment takes it
        if variant_of.get(hold.lot_id) == items_variant.get(hold.order_item_id):
            held[hold.order_item_id] += hold.quantity
    free: dict[int, Decimal] = defaultdict(Decimal)
    for lot in lots:
        if lot.kind == LotKind.PACKAGED:
            free[lot.variant_id] += lot.on_hand - lot.held
    needed: dict[int, Decimal] = defaultdict(Decimal)
    sku: dict[int, str] = {}
    for item, units in wanted:
        from_free = max(Decimal(units) - (held.get(item.pk) or Decimal(0)), Decimal(0))
        needed[item.variant_id] += from_free
        sku[item.variant_id] = item.sku
    for variant_id, units in needed.items():
        available = free.get(variant_id) or Decimal(0)
        if units > available:
            return Refusal(
                "insufficient_stock",
                f"Not enough stock of {sku[variant_id]}: {quantity_text(units)} needed, "
                f"{quantity_text(available)} available.",
                f"Receive stock of {sku[variant_id]} (or allocate it to this order in a plan), then reprocess it.",
            )
    return None


def refusal(order: Order, items: list[OrderItem]) -> Refusal | None:
    """Why `order` cannot be fulfilled now, its stock aside (stock_refusal), or None: open, not archived or
    deleted, not on hold, a shipping address complete for its country, no other error, something left to ship."""
    if refused := _state(order):
        return refused
    lines = to_ship(items)
    if lines and (refused := _address(order)):
        return refused
    if order.has_error:
        if order.error_code in ADDRESS_ERRORS:
            fix = "The address is complete now: reset the order (its checks run again), then reprocess it."
        else:
            fix = (order.error_fix or "Fix the order's error and reset it.") + " Then reprocess it."
        return Refusal(order.error_code, order.error_message or f"Order {order.number} has an error.", fix)
    if not lines:
        return Refusal(
            "nothing_to_ship",
            f"Order {order.number} has nothing left to ship (every unit is shipped, canceled or collected).",
            "Remove it from the batch.",
        )
    return None
