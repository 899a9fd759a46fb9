"""Queueing customer e-mails: for a parcel shipped or delivered (email_queue, from the worker), or a person's resend."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from orderly.billing.models import Invoice, InvoiceKind
from orderly.billing.seller import seller_details
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict
from orderly.core.queue import enqueue
from orderly.core.retry import retry_on_conflict
from orderly.notifications import events
from orderly.notifications.locks import lock_email
from orderly.notifications.models import EmailMessage
from orderly.notifications.selectors import template_of
from orderly.notifications.status import EmailKind, EmailStatus
from orderly.notifications.switches import sends_customer_emails
from orderly.notifications.templates import TemplateRefused, render
from orderly.shipping.models import Fulfillment
from orderly.shipping.status import Delivery, FulfillmentStatus

NO_ADDRESS = "The order has no e-mail address."


def _enqueue(message_id: int) -> None:
    enqueue("orderly.notifications.tasks.send_email", message_id)


def recipient(order) -> str:
    """The customer's e-mail address: the order's, else the one on its shipping address ("" when neither)."""
    if order.customer_email:
        return order.customer_email.strip()
    address = order.shipping_address
    return (address.email or "").strip() if address is not None else ""


def context_for(fulfillment: Fulfillment) -> dict:
    """The template's context for this parcel: plain values only (templates.VARIABLES)."""
    order = fulfillment.order
    lines = fulfillment.lines.select_related("order_item").order_by("id")
    return {
        "order_number": order.external_ref or order.number,
        "customer_name": order.customer_name,
        "carrier": fulfillment.carrier,
        "tracking_number": fulfillment.tracking_number,
        "tracking_link": fulfillment.tracking_url,
        "items": [
            {"name": line.order_item.name, "sku": line.order_item.sku, "quantity": line.quantity} for line in lines
        ],
        "shop_name": seller_details()["name"],
    }


def _invoices(order, kind: str) -> list[dict]:
    """The issued invoices (not credit notes) of the order, oldest first: attached to the shipped e-mail."""
    if kind != EmailKind.SHIPPED:
        return []
    numbers = Invoice.objects.filter(order=order, kind=InvoiceKind.INVOICE).order_by("issued_at", "id")
    return [{"filename": f"{number}.pdf", "invoice": number} for number in numbers.values_list("number", flat=True)]


def _new_message(fulfillment: Fulfillment, kind: str, actor: Actor, resend_of=None) -> EmailMessage:
    """The rendered e-mail, saved: queued (its task queued in the same transaction), skipped without an address,
    or failed when the template cannot render this order's values. Writes its timeline event."""
    order = fulfillment.order
    message = EmailMessage(
        order=order, fulfillment=fulfillment, kind=kind, to=recipient(order), created_by=actor.name[:150],
        resend_of=resend_of, attachments=_invoices(order, kind),
    )  # fmt: skip
    if not message.to:
        message.status, message.reason, message.attachments = EmailStatus.SKIPPED, NO_ADDRESS, []
        message.save()
        events.email_skipped(message, actor)
        return message
    template = template_of(kind)
    try:
        rendered = render(subject=template.subject, body=template.body, context=context_for(fulfillment))
    except TemplateRefused as exc:
        message.status, message.last_error = EmailStatus.FAILED, exc.message[:1000]
        message.save()
        events.email_failed(message, actor)
        return message
    message.subject, message.body, message.next_attempt_at = rendered.subject, rendered.body, timezone.now()
    message.save()
    events.email_queued(message, actor)
    _enqueue(message.pk)  # with the e-mail's row: sent once it commits, gone if it rolls back
    return message


def _wanted(fulfillment: Fulfillment, kind: str) -> bool:
    return (
        kind in EmailKind.values
        and not fulfillment.from_shop
        and fulfillment.delivery == Delivery.SHIP
        and fulfillment.status != FulfillmentStatus.CANCELED
        and (kind != EmailKind.SHIPPED or bool(fulfillment.tracking_number))
        and sends_customer_emails(fulfillment.order.channel)
    )


def email_queue(*, fulfillment_id: int, kind: str, actor: Actor | None = None) -> EmailMessage | None:
    """The `kind` e-mail of a parcel, queued once: a second call for the same fulfillment and kind returns the
    first e-mail and writes nothing. Called by the worker (notifications.tasks) after shipping or carriers
    recorded the change, so it judges the fulfillment as it is now.

    None (nothing written) for a fulfillment that no longer exists, one the shop made, one collected or canceled,
    a shipped e-mail of a parcel without a tracking number (its label voided since), and for a channel whose
    switch is off. An order without an e-mail address gets a skipped e-mail with that reason; a template that
    fails with this order's values, a failed one with the error. Each writes its timeline event.
    """
    actor = actor or Actor.system()
    fulfillment = (
        Fulfillment.objects.select_related("order__channel", "order__shipping_address")
        .filter(pk=fulfillment_id)
        .first()
    )
    if fulfillment is None:
        return None
    existing = EmailMessage.objects.filter(fulfillment=fulfillment, kind=kind, resend_of__isnull=True).first()
    if existing is not None:
        return existing
    if not _wanted(fulfillment, kind):
        return None
    try:
        with transaction.atomic():
            return _new_message(fulfillment, kind, actor)
    except IntegrityError:  # the same task run twice at the same moment (a reclaimed one): that one stands
        return EmailMessage.objects.get(fulfillment=fulfillment, kind=kind, resend_of__isnull=True)


@retry_on_conflict
def email_resend(*, message: EmailMessage, actor: Actor) -> EmailMessage:
    """A new e-mail repeating `message` (sent, failed or skipped), rendered now for the order's address now.

    Refused while the e-mail is still queued (Conflict email_not_finished) and when the order has no e-mail
    address (Conflict no_email_address). The channel's switch does not apply: a person asked.
    """
    with transaction.atomic():
        message = lock_email(message.pk)
        if message.status == EmailStatus.QUEUED:
            raise Conflict(
                f"E-mail {message.pk} is still queued; resend it once it is sent or failed.",
                code=ErrorCode.EMAIL_NOT_FINISHED,
                email=message.pk,
                status=message.status,
            )
        fulfillment = Fulfillment.objects.select_related("order__channel", "order__shipping_address").get(
            pk=message.fulfillment_id
        )
        if not recipient(fulfillment.order):
            raise Conflict(
                f"Order {fulfillment.order.number} has no e-mail address; add the customer's e-mail first.",
                code=ErrorCode.NO_EMAIL_ADDRESS,
                order=fulfillment.order.number,
            )
        return _new_message(fulfillment, message.kind, actor, resend_of=message.resend_of or message)
