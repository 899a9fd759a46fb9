"""Customer e-mails: the log (/emails, /emails/{id}, /emails/{id}/resend) and the templates (/email-templates/{kind}).

Everyone with a token reads; operators resend an e-mail; managers edit the templates.
"""

from django.http import HttpRequest
from ninja import Query, Router

from orderly.api.auth import can_change_catalog, can_change_orders, can_read
from orderly.api.errors import error_responses
from orderly.api.idempotency import IdempotencyKey, respond
from orderly.api.schemas.notifications import (
    EmailOut,
    EmailPage,
    EmailQuery,
    EmailTemplateIn,
    EmailTemplateOut,
    email_dict,
    email_page,
    template_dict,
)
from orderly.core.actors import Actor
from orderly.core.paging import paginate
from orderly.notifications import selectors
from orderly.notifications.services import email_resend, email_template_save

router = Router(tags=["customer e-mails"])

READ_ERRORS = error_responses(401, 403, 404, 422)
ACTION_ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)


@router.get("/emails", response={200: EmailPage, **error_responses(401, 403, 422)}, auth=can_read, summary="E-mail log")
def list_emails(request: HttpRequest, query: Query[EmailQuery]):
    """Every e-mail to a customer, newest first: queued, sent, failed (with the error) and skipped (with the
    reason); filter by `order` number, `status` and `kind`.

    Follow `next` for the following page: it pages by cursor, as fast deep in the list as at its start, and nothing
    is skipped or repeated when rows are added meanwhile. `total` stops at 10,000 (`total_exact` false) unless
    `count=exact` asks for the full count."""
    emails = selectors.email_list(order=query.order, status=query.status, kind=query.kind)
    return email_page(paginate(emails, **query.paging(selectors.EMAIL_LOG_ORDER)), request)


@router.get("/emails/{int:email_id}", response={200: EmailOut, **READ_ERRORS}, auth=can_read, summary="An e-mail")
def get_email(request: HttpRequest, email_id: int):
    """One e-mail of the log with its rendered subject and body, attachments, attempts and last error."""
    return email_dict(selectors.email_get(email_id))


@router.post(
    "/emails/{int:email_id}/resend",
    response={201: EmailOut, **ACTION_ERRORS},
    auth=can_change_orders,
    summary="Resend an e-mail",
)
def resend_email(request: HttpRequest, email_id: int, idempotency_key: str | None = IdempotencyKey):
    """Queue a new e-mail repeating this one (sent, failed or skipped), rendered with today's template for the
    order's e-mail address as it is now; answers the new e-mail. Refused (409) while the e-mail is still queued
    (`email_not_finished`) and when the order has no e-mail address (`no_email_address`). The channel's switch
    for customer e-mails does not apply to a resend."""

    def run():
        message = email_resend(message=selectors.email_get(email_id), actor=Actor.for_user(request.auth))
        return email_dict(selectors.email_get(message.pk))

    return respond(request, idempotency_key, run=run, schema=EmailOut, status=201)


@router.get(
    "/email-templates/{kind}", response={200: EmailTemplateOut, **READ_ERRORS}, auth=can_read, summary="A template"
)
def get_email_template(request: HttpRequest, kind: str):
    """The subject and body of the `shipped` or `delivered` e-mail (the default until a manager edits it), with
    the variables a template may use."""
    return template_dict(selectors.template_of(kind))


@router.put(
    "/email-templates/{kind}",
    response={200: EmailTemplateOut, **ACTION_ERRORS},
    auth=can_change_catalog,
    summary="Edit a template",
)
def put_email_template(request: HttpRequest, kind: str, payload: EmailTemplateIn):
    """Replace the subject and body of the `shipped` or `delivered` e-mail. Django template syntax over the listed
    variables only; the template must render with sample values, else it is refused (422 `template_invalid`)
    naming the part and the line, and nothing is saved. E-mails queued from then on use it."""
    email_template_save(kind=kind, subject=payload.subject, body=payload.body, actor=Actor.for_user(request.auth))
    return template_dict(selectors.template_of(kind))
