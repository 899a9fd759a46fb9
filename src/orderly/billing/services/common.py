"""What the billing services share: locking the order, its items and charges, checking amounts, issuing a document
with its lines.

Charges (shipping and fees, orderly.orders.models.OrderCharge) belong to the orders area; billing only sets their
`invoiced` and `credited` flags, in the transaction of the invoice or credit note that bills or takes them back
(with the order locked first, as every writer of an order's rows does).
"""

from decimal import Decimal, InvalidOperation

from orderly.billing import amounts
from orderly.billing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceLineKind
from orderly.billing.seller import seller_details
from orderly.core.actors import Actor
from orderly.core.exceptions import NotFound, ValidationError
from orderly.core.numbering import next_number
from orderly.orders.locks import lock_charges, lock_items, lock_orders_by_number
from orderly.orders.models import Order, OrderCharge, OrderItem

# One payment fits its column (12 digits); the order's running amount paid fits its own (14 digits).
MAX_PAYMENT = Decimal("9999999999.99")
MAX_AMOUNT_PAID = Decimal("999999999999.99")
PREFIXES = {InvoiceKind.INVOICE: "INV", InvoiceKind.CREDIT_NOTE: "CN"}


def order_for_update(order) -> Order:
    """The order (an instance or its number) locked for the rest of the transaction; deleted orders are not found."""
    number = order.number if isinstance(order, Order) else str(order or "").strip().upper()
    try:
        found = lock_orders_by_number([number])
        if not found:
            raise Order.DoesNotExist
        return found[0]
    except Order.DoesNotExist:
        raise NotFound(f"No order {number!r}.", field="order", resource="order", key=number) from None


def items_for_update(order: Order) -> list[OrderItem]:
    """The order's items locked in primary-key order."""
    return lock_items(order_ids=[order.pk])


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
    """The billing address, else the shipping address, else just the customer's name and e-mail; and the
    customer's VAT number when it has one."""
    address = order.billing_address or order.shipping_address
    data = address.as_dict() if address else {"name": order.customer_name, "email": order.customer_email}
    data.setdefault("email", order.customer_email)
    if not data.get("email"):
        data["email"] = order.customer_email
    data["customer_name"] = order.customer_name
    if order.customer_vat_number:
        data["vat_number"] = order.customer_vat_number
    return data


def charges_for_update(order: Order) -> list[OrderCharge]:
    """The order's charges locked in primary-key order (after its items: the global lock order)."""
    return lock_charges(order)


def charge_line_name(charge: OrderCharge) -> str:
    """What an invoice line calls a charge: "Shipping: DHL Express", or its own title where that already says what
    it is ("Standard shipping", "Payment fee")."""
    label = InvoiceLineKind(charge.kind).label
    title = (charge.title or "").strip()
    if not title or title.lower() == label.lower():
        return label
    if label.lower() in title.lower():
        return title[:200]
    return f"{label}: {title}"[:200]


# A part of a document: the order item or charge it bills (or, on a credit note, the charge line it takes back),
# and its amounts.
Part = tuple[OrderItem | OrderCharge | InvoiceLine, amounts.LineAmounts]


def line_amounts(line: InvoiceLine) -> amounts.LineAmounts:
    """An invoice line's amounts as they stand: what a credit note taking it back whole carries."""
    return amounts.LineAmounts(
        quantity=line.quantity,
        unit_price=line.unit_price,
        tax_rate=line.tax_rate,
        discount=line.discount,
        line_subtotal=line.line_subtotal,
        line_tax=line.line_tax,
        line_total=line.line_total,
        tax_included=line.prices_include_tax,
        tax_lines=tuple(dict(entry) for entry in line.tax_lines or []),
    )


def _line(invoice: Invoice, position: int, source, line: amounts.LineAmounts) -> InvoiceLine:
    if isinstance(source, InvoiceLine):
        kind, item_id, charge_id = source.kind, source.order_item_id, source.order_charge_id
        sku, name = source.sku, source.name
    elif isinstance(source, OrderCharge):
        kind, item_id, charge_id, sku, name = source.kind, None, source.pk, "", charge_line_name(source)
    else:
        kind, item_id, charge_id, sku, name = InvoiceLineKind.ITEM, source.pk, None, source.sku, source.name
    return InvoiceLine(
        invoice=invoice,
        position=position,
        kind=kind,
        order_item_id=item_id,
        order_charge_id=charge_id,
        sku=sku,
        name=name,
        quantity=line.quantity,
        unit_price=line.unit_price,
        tax_rate=line.tax_rate,
        tax_lines=[dict(entry) for entry in line.tax_lines],
        discount=line.discount,
        line_subtotal=line.line_subtotal,
        line_tax=line.line_tax,
        line_total=line.line_total,
        prices_include_tax=invoice.prices_include_tax,
    )


def issue(
    *,
    order: Order,
    kind: str,
    parts: list[Part],
    actor: Actor,
    prices_include_tax: bool = False,
    reverse_charge: bool = False,
    seller: dict | None = None,
    credits: Invoice | None = None,
    reason: str = "",
) -> Invoice:
    """Number and save a document of `kind` with one line per part (items first, then charges, in the order
    given); totals are the sums of the lines. `seller`: the seller block (seller_details(), read now when not
    given); `reverse_charge`: its lines are at 0 % (amounts.reverse_charged) and its prices exclude tax."""
    if any(line.tax_included != prices_include_tax for _source, line in parts):
        raise ValueError("every line of a document is on the document's tax basis")
    if reverse_charge and (prices_include_tax or any(line.line_tax for _source, line in parts)):
        raise ValueError("a document that reverse charges the VAT has no tax")
    sums = amounts.totals(line for _source, line in parts)
    invoice = Invoice.objects.create(
        order=order,
        kind=kind,
        number=next_number(PREFIXES[kind]),
        credits=credits,
        reason=reason,
        prices_include_tax=prices_include_tax,
        reverse_charge=reverse_charge,
        currency=order.currency,
        seller=seller if seller is not None else seller_details(),
        buyer=buyer_snapshot(order),
        subtotal=sums.subtotal,
        discount=sums.discount,
        tax_total=sums.tax_total,
        total=sums.total,
        created_by=actor.user,
        created_by_name=actor.name[:150],
    )
    InvoiceLine.objects.bulk_create(
        _line(invoice, position, source, line) for position, (source, line) in enumerate(parts, start=1)
    )
    return invoice
