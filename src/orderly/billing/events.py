"""Timeline events of payments, invoices and credit notes. Each writes one OrderEvent; call inside the change's
transaction."""

from orderly.core.actors import Actor
from orderly.orders.events import record
from orderly.orders.models import Order, OrderEvent


class EventKind:
    PAYMENT_RECEIVED = "payment_received"
    REFUND_PAID = "refund_paid"
    INVOICE_CREATED = "invoice_created"
    CREDIT_NOTE_CREATED = "credit_note_created"


def payment_recorded_content(order, payment) -> tuple[str, str, dict]:
    """The payment event's kind, message and data (also written in bulk by a channel's import)."""
    refund = payment.kind == "refund"
    words = "Refund paid" if refund else "Payment received"
    method = payment.get_method_display().lower() if payment.method != "paypal" else "PayPal"
    reference = f", reference {payment.reference}" if payment.reference else ""
    return (
        EventKind.REFUND_PAID if refund else EventKind.PAYMENT_RECEIVED,
        f"{words}: {order.currency} {payment.amount} by {method}{reference}. Paid now: {order.amount_paid}.",
        {
            "payment": payment.pk,
            "amount": str(payment.amount),
            "method": payment.method,
            "reference": payment.reference,
            "amount_paid": str(order.amount_paid),
        },
    )


def payment_recorded(order: Order, actor: Actor, payment) -> OrderEvent:
    return record(order, actor, *payment_recorded_content(order, payment))


def invoice_created(order: Order, actor: Actor, invoice) -> OrderEvent:
    return record(
        order,
        actor,
        EventKind.INVOICE_CREATED,
        f"Invoice {invoice.number} created: total {invoice.currency} {invoice.total}.",
        {"invoice": invoice.number, "total": str(invoice.total)},
    )


def credit_note_created(order: Order, actor: Actor, note) -> OrderEvent:
    reason = f" {note.reason}" if note.reason else ""
    return record(
        order,
        actor,
        EventKind.CREDIT_NOTE_CREATED,
        f"Credit note {note.number} for {note.credits.number} created: total {note.currency} -{note.total}.{reason}",
        {"credit_note": note.number, "invoice": note.credits.number, "total": str(note.total), "reason": note.reason},
    )
