"""Request and response bodies of the customer e-mail endpoints: the e-mail log and the templates."""

import datetime as dt
from typing import Literal

from pydantic import Field

from orderly.api.schemas.common import InputSchema, OutputSchema, PagedQuery, PageMeta, page_meta
from orderly.notifications.models import EmailMessage
from orderly.notifications.selectors import TemplateText
from orderly.notifications.status import EmailKind, EmailStatus
from orderly.notifications.templates import MAX_BODY_TEMPLATE, MAX_SUBJECT_TEMPLATE, VARIABLES

# ---- requests ------------------------------------------------------------------------------------------------


class EmailQuery(PagedQuery):
    order: str = Field("", max_length=100, description="Only the e-mails of this order number")
    status: Literal["", *EmailStatus.values] = Field("", description="queued, sent, failed or skipped")
    kind: Literal["", *EmailKind.values] = Field("", description="shipped or delivered")


class EmailTemplateIn(InputSchema):
    subject: str = Field(
        max_length=MAX_SUBJECT_TEMPLATE,
        description="Django template text of the subject (one line once rendered)",
        examples=["Your order {{ order_number }} is on its way"],
    )
    body: str = Field(
        max_length=MAX_BODY_TEMPLATE,
        description="Django template text of the plain-text body; the variables are listed in the template's answer",
        examples=["Hello {{ customer_name }},\n\nyour parcel is on its way: {{ tracking_link }}\n"],
    )


# ---- responses -----------------------------------------------------------------------------------------------


class EmailOut(OutputSchema):
    id: int
    order: str = Field(examples=["OR-000123"])
    fulfillment: str = Field(examples=["FF-000045"])
    kind: str = Field(description="shipped or delivered")
    to: str = Field(description="The customer's address it was written to (empty when skipped for want of one)")
    subject: str
    body: str = Field(description="The plain-text body as rendered when it was queued")
    attachments: list[str] = Field(description="File names of the attachments", examples=[["INV-000012.pdf"]])
    status: str = Field(description="queued, sent, failed or skipped")
    reason: str = Field(description="Why it was skipped (empty otherwise)")
    attempts: int = Field(description="Attempts made to send it")
    last_error: str = Field(description="The error of the last failed attempt (empty once sent)")
    next_attempt_at: dt.datetime | None = Field(description="When a queued e-mail is tried (again)")
    sent_at: dt.datetime | None
    created_at: dt.datetime
    created_by: str = Field(description="Who queued it: Orderly, or the person who resent it")
    resend_of: int | None = Field(description="The e-mail this one repeats")


class EmailPage(PageMeta):
    items: list[EmailOut]


class TemplateVariableOut(OutputSchema):
    name: str
    meaning: str


class EmailTemplateOut(OutputSchema):
    kind: str = Field(description="shipped or delivered")
    subject: str
    body: str
    is_default: bool = Field(description="True while the default shipped with Orderly is used")
    updated_at: dt.datetime | None
    updated_by: str
    variables: list[TemplateVariableOut] = Field(description="What the template may use")


def email_dict(message: EmailMessage) -> dict:
    return {
        "id": message.pk,
        "order": message.order.number,
        "fulfillment": message.fulfillment.number,
        "kind": message.kind,
        "to": message.to,
        "subject": message.subject,
        "body": message.body,
        "attachments": message.attachment_names,
        "status": message.status,
        "reason": message.reason,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "next_attempt_at": message.next_attempt_at,
        "sent_at": message.sent_at,
        "created_at": message.created_at,
        "created_by": message.created_by,
        "resend_of": message.resend_of_id,
    }


def email_page(page, request=None) -> dict:
    return {**page_meta(page, request), "items": [email_dict(message) for message in page.items]}


def template_dict(template: TemplateText) -> dict:
    return {
        "kind": template.kind,
        "subject": template.subject,
        "body": template.body,
        "is_default": template.is_default,
        "updated_at": template.updated_at,
        "updated_by": template.updated_by,
        "variables": [{"name": name, "meaning": meaning} for name, meaning in VARIABLES.items()],
    }
