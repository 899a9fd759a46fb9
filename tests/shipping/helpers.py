"""Set-up for shipping tests: variants with stock in dated lots, orders of them, and snapshots of everything a
fulfillment touches, to prove a refusal changed nothing and a cancel restored everything."""

import datetime as dt
from decimal import Decimal

from orderly.core.actors import Actor
from orderly.inventory.models import Hold, Lot, Movement
from orderly.inventory.services import stock_receive
from orderly.orders.models import ITEM_INDICATORS, Order, OrderEvent, OrderItem
from orderly.plans.services import allocation_save, plan_create
from orderly.shipping.models import Fulfillment, Return
from tests.factories import VariantFactory, make_order

SYSTEM = Actor.system()
INDICATOR_FIELDS = [field for field, _ in ITEM_INDICATORS.values()]


def variant(sku: str):
    return VariantFactory(sku=sku)


def receive(sku: str, units: int, lot_date: str = "2026-01-01") -> Lot:
    return stock_receive(
        kind="packaged", sku=sku, quantity=units, lot_date=dt.date.fromisoformat(lot_date), actor=SYSTEM
    )


def order_of(*lines, **kwargs) -> Order:
    """An open order with a line per (sku, quantity) or per item dict."""
    items = []
    for line in lines:
        if isinstance(line, dict):
            items.append({"unit_price": "8.50", "tax_rate": "9", **line})
        else:
            items.append({"sku": line[0], "quantity": line[1], "unit_price": "8.50", "tax_rate": "9"})
    return make_order(items=items, **kwargs)


def allocate(*orders: Order) -> str:
    """Put the orders in a fulfillment plan and hold all the stock it can: returns the plan's number."""
    plan = plan_create(orders=[o.number for o in orders], fulfillment_date=dt.date(2026, 12, 1), actor=SYSTEM)
    allocation_save(plan=plan, allocate_all=True, actor=SYSTEM)
    return plan.number


def item(order: Order, line_no: int = 1) -> OrderItem:
    return OrderItem.objects.get(order=order, line_no=line_no)


def lines(*pairs) -> list[dict]:
    return [{"item": it.pk, "quantity": quantity} for it, quantity in pairs]


def stock() -> tuple:
    """Lots, holds and the ledger sums per lot."""
    sums = {}
    for movement in Movement.objects.values("lot_id", "quantity", "held_change"):
        total = sums.setdefault(movement["lot_id"], [Decimal(0), Decimal(0)])
        total[0] += movement["quantity"]
        total[1] += movement["held_change"]
    return (
        sorted(Lot.objects.values_list("id", "on_hand", "held")),
        sorted(Hold.objects.values_list("lot_id", "order_item_id", "reference", "quantity")),
        sorted((lot_id, tuple(total)) for lot_id, total in sums.items()),
    )


def ledger_matches_lots() -> bool:
    lots, _holds, sums = stock()
    return [(lot_id, on_hand, held) for lot_id, on_hand, held in lots] == [
        (lot_id, total[0], total[1]) for lot_id, total in sums
    ]


def indicators() -> list:
    return sorted(OrderItem.objects.values_list("id", *INDICATOR_FIELDS, "qty_credited", "status"))


def everything() -> tuple:
    """What any shipping service could change."""
    return (
        stock(),
        Movement.objects.count(),
        indicators(),
        sorted(Order.all_objects.values_list("number", "status", "fulfillment_status", "payment_status")),
        OrderEvent.objects.count(),
        sorted(Fulfillment.objects.values_list("number", "status")),
        Return.objects.count(),
    )
