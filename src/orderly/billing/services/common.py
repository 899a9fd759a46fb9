"""What the billing services share: locking the order, checking amounts, issuing a document with its lines."""

from decimal import Decimal, InvalidOperation

from orderly.billing import amounts
from orderly.billing.models import Invoice, InvoiceKind, InvoiceLine
from orderly.billing.seller import seller_details
from orderly.core.actors import Actor
from orderly.core.exceptions import NotFound, ValidationError
from orderly.core.numbering import next_number
from orderly.orders.models import Order, OrderItem

# One payment fits its column (12 digits); the order's running amount paid fits its own (14 digits).
MAX_PAYMENT = Decimal("9999999999.99")
MAX_AMOUNT_PAID = Decimal("999999999999.99")
PREFIXES = {InvoiceKind.INVOICE: "INV", InvoiceKind.CREDIT_NOTE: "CN"}


def order_for_update(order) -> Order:
    """The order (an instance or its number) locked for the rest of the transaction; deleted orders are not found."""
    number = order.number if isinstance(order, Order) else str(order or "").strip().upper()
    try:
        return Order.objects.select_for_update().get(number=number)
    except Order.DoesNotExist:
        raise NotFound(f"No order {number!r}.", field="order") from None


def items_for_update(order: Order) -> list[OrderItem]:
    """The order's items locked in primary-key order."""
    return list(OrderItem.objects.select_for_update().filter(order=order).order_by("pk"))


def clean_amount(value, *, field: str = "amount", maximum: Decimal = MAX_PAYMENT) -> Decimal:
    """A positive amount of money with at most two decimals, not above `maximum`."""
    if value is None or value == "":
        raise ValidationError(f"{field} is required.", field=field)
    if isinstance(value, bool):
        raise ValidationError(f"{field} must be a number.", field=field)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field} must be a number, not {value!r}.", field=field) from None
    if not number.is_finite():
        raise ValidationError(f"{field} must be a finite number.", field=field)
    if number <= 0:
        raise ValidationError(f"{field} must be more than zero.", field=field)
    if number > maximum:
        raise ValidationError(f"{field} must be at most {maximum}.", field=field)
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError(f"{field} has more than 2 decimals.", field=field)
    return number.quantize(Decimal("0.01"))


def buyer_snapshot(order: Order) -> dict:
    """The billing address, else the shipping address, else just the customer's name and e-mail."""
    address = order.billing_address or order.shipping_address
    data = address.as_dict() if address else {"name": order.customer_name, "email": order.customer_email}
    data.setdefault("email", order.customer_email)
    if not data.get("email"):
        data["email"] = order.customer_email
    data["customer_name"] = order.customer_name
    return data


def issue(
    *,
    order: Order,
    kind: str,
    parts: list[tuple[OrderItem, amounts.LineAmounts]],
    actor: Actor,
    credits: Invoice | None = None,
    reason: str = "",
) -> Invoice:
    """Number and save a document of `kind` with one line per part; totals are the sums of the lines."""
    sums = amounts.totals(line for _item, line in parts)
    invoice = Invoice.objects.create(
        order=order,
        kind=kind,
        number=next_number(PREFIXES[kind]),
        credits=credits,
        reason=reason,
        currency=order.currency,
        seller=seller_details(),
        buyer=buyer_snapshot(order),
        subtotal=sums.subtotal,
        discount=sums.discount,
        tax_total=sums.tax_total,
        total=sums.total,
        created_by=actor.user,
        created_by_name=actor.name[:150],
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            order_item=item,
            sku=item.sku,
            name=item.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            discount=line.discount,
            line_subtotal=line.line_subtotal,
            line_tax=line.line_tax,
            line_total=line.line_total,
        )
        for position, (item, line) in enumerate(parts, start=1)
    )
    return invoice
