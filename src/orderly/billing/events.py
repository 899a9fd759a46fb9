"""Timeline events of payments, invoices and credit notes. Each writes one OrderEvent, inside the change's
transaction; those of invoices and credit notes are the Notes of what happened to the order's items, which the
orders area writes with the change (orderly.orders.services.item_progress)."""

from orderly.core.actors import Actor
from orderly.orders.events import Note, record
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


def invoice_created(invoice) -> Note:
    """The units put on the invoice, as the orders area records them (orderly.orders.services.item_progress)."""
    words = " VAT reverse charged (intra-EU supply to a business)." if invoice.reverse_charge else ""
    data = {"invoice": invoice.number, "total": str(invoice.total)}
    if invoice.reverse_charge:
        data["reverse_charge"] = True
    return Note(
        EventKind.INVOICE_CREATED,
        lambda _lines: f"Invoice {invoice.number} created: total {invoice.currency} {invoice.total}.{words}",
        data,
    )


def credit_note_created(note) -> Note:
    """The invoiced units the credit note takes back, as the orders area records them."""
    reason = f" {note.reason}" if note.reason else ""
    return Note(
        EventKind.CREDIT_NOTE_CREATED,
        lambda _lines: (
            f"Credit note {note.number} for {note.credits.number} created: total {note.currency} -{note.total}.{reason}"
        ),
        {"credit_note": note.number, "invoice": note.credits.number, "total": str(note.total), "reason": note.reason},
    )
