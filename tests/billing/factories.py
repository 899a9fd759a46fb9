"""Orders for billing tests: items with chosen prices, rates, discounts and options."""

from decimal import Decimal

from orderly.orders.models import Order, OrderItem
from tests.factories import VariantFactory, make_order


def item(price="10.00", quantity=1, tax="21", discount="0", *, fulfil=False, cover=True, invoice=True) -> dict:
    """An item of a new variant. Fulfilment is off by default so that payment and invoicing decide closing."""
    variant = VariantFactory()
    return {
        "sku": variant.sku,
        "quantity": quantity,
        "unit_price": price,
        "tax_rate": tax,
        "discount": discount,
        "options": {"fulfil": fulfil, "cover": cover, "invoice": invoice},
    }


def order_with(*items: dict, status: str = "open", **kwargs) -> Order:
    return make_order(items=list(items) or [item()], status=status, **kwargs)


def items_of(order: Order) -> list[OrderItem]:
    return list(order.items.order_by("line_no"))


def mark_returned(order_item: OrderItem, units: int) -> None:
    """What the returns service counts before it asks billing for a credit note."""
    OrderItem.objects.filter(pk=order_item.pk).update(qty_returned=order_item.qty_returned + units)
    order_item.refresh_from_db()


def fresh(order: Order) -> Order:
    return Order.all_objects.get(pk=order.pk)


def money(value: str) -> Decimal:
    return Decimal(value)
