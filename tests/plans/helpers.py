"""Set-up for plan tests: variants with stock, orders of them."""

from datetime import date
from decimal import Decimal

from orderly.inventory.models import Hold, Lot, Movement
from orderly.inventory.services import stock_receive
from orderly.orders.models import OrderItem
from tests.factories import VariantFactory, make_order

FULFILLMENT_DATE = date(2026, 12, 1)


def variant(sku: str, product=None):
    return VariantFactory(sku=sku, **({"product": product} if product else {}))


def order_of(*lines: tuple[str, int]):
    """An open order with a line per (sku, quantity)."""
    items = [{"sku": sku, "quantity": quantity, "unit_price": "8.50", "tax_rate": "9"} for sku, quantity in lines]
    return make_order(items=items)


def receive(actor, sku: str, units: int, lot_date: str = "2026-01-01", position: str = ""):
    return stock_receive(kind="packaged", sku=sku, quantity=units, lot_date=lot_date, actor=actor, position=position)


def snapshot():
    """Everything the stock and the item indicators hold, for 'nothing changed' and 'restored exactly' checks."""
    return (
        sorted(Lot.objects.values_list("number", "on_hand", "held")),
        sorted(Hold.objects.values_list("lot_id", "order_item_id", "reference", "quantity")),
        Movement.objects.count(),
        sorted(OrderItem.objects.values_list("id", "qty_available", "qty_on_pick_list", "qty_picked", "qty_packed")),
    )


D = Decimal
