"""Reads of customer e-mails and their templates, shared by the API and the pages.

    email_list(*, order="", status="", kind="") -> QuerySet    the log, newest first, with order and fulfillment
    email_get(email_id) -> EmailMessage                         NotFound when unknown
    emails_of_order(order) -> list[EmailMessage]                newest first
    template_kind(kind) -> str                                  the kind, or NotFound
    template_of(kind) -> TemplateText                           the merchant's text, else the default in code

Each runs a fixed number of queries whatever the number of rows.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from orderly.core.exceptions import NotFound, ValidationError
from orderly.notifications.models import EmailMessage, EmailTemplate
from orderly.notifications.status import EmailKind, EmailStatus
from orderly.notifications.templates import DEFAULTS

MAX_ID = 2**63 - 1


# The e-mail log's order, newest first; its lists page by cursor on these keys.
EMAIL_LOG_ORDER = ("-created_at", "-id")


def email_list(*, order: str = "", status: str = "", kind: str = "") -> QuerySet[EmailMessage]:
    """The e-mail log, newest first; `order` an order number (exact), `status` and `kind` one of theirs."""
    if status and status not in EmailStatus.values:
        raise ValidationError(f"status must be one of {', '.join(EmailStatus.values)}.", field="status")
    if kind and kind not in EmailKind.values:
        raise ValidationError(f"kind must be one of {', '.join(EmailKind.values)}.", field="kind")
    emails = EmailMessage.objects.select_related("order", "fulfillment").filter(order__deleted_at__isnull=True)
    if order and order.strip():
        emails = emails.filter(order__number=order.strip().upper())
    if status:
        emails = emails.filter(status=status)
    if kind:
        emails = emails.filter(kind=kind)
    return emails.order_by(*EMAIL_LOG_ORDER)


def email_get(email_id) -> EmailMessage:
    try:
        key = int(email_id)
        if not 1 <= key <= MAX_ID:
            raise ValueError
        return EmailMessage.objects.select_related("order", "fulfillment").get(pk=key, order__deleted_at__isnull=True)
    except (EmailMessage.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"No e-mail {email_id}.", field="email_id", resource="email", key=str(email_id)) from None


def emails_of_order(order) -> list[EmailMessage]:
    return list(EmailMessage.objects.select_related("fulfillment").filter(order=order).order_by("-created_at", "-id"))


def template_kind(kind) -> str:
    if kind not in EmailKind.values:
        known = ", ".join(EmailKind.values)
        raise NotFound(
            f"No e-mail template {kind!r}; the kinds are {known}.", resource="email_template", key=str(kind)[:100]
        )
    return str(kind)


@dataclass(frozen=True)
class TemplateText:
    kind: str
    subject: str
    body: str
    is_default: bool
    updated_at: object = None
    updated_by: str = ""


def template_of(kind: str) -> TemplateText:
    kind = template_kind(kind)
    stored = EmailTemplate.objects.filter(kind=kind).first()
    if stored is None:
        subject, body = DEFAULTS[kind]
        return TemplateText(kind=kind, subject=subject, body=body, is_default=True)
    return TemplateText(
        kind=kind,
        subject=stored.subject,
        body=stored.body,
        is_default=False,
        updated_at=stored.updated_at,
        updated_by=stored.updated_by,
    )
