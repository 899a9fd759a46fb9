"""Timeline events of customer e-mails: one constructor per kind, written through the orders area's record()."""

from orderly.core.actors import Actor
from orderly.orders.events import record


class EventKind:
    EMAIL_QUEUED = "email_queued"
    EMAIL_SENT = "email_sent"
    EMAIL_FAILED = "email_failed"
    EMAIL_SKIPPED = "email_skipped"


def _data(message) -> dict:
    return {
        "email": message.pk,
        "kind": message.kind,
        "to": message.to,
        "fulfillment": message.fulfillment.number,
    }


def _what(message) -> str:
    return f"{message.get_kind_display().lower()} e-mail"


def email_queued(message, actor: Actor):
    again = " again" if message.resend_of_id else ""
    text = f"The {_what(message)} to {message.to} was queued{again}: “{message.subject}”."
    return record(message.order, actor, EventKind.EMAIL_QUEUED, text, _data(message))


def email_sent(message, actor: Actor):
    attached = f" with {', '.join(message.attachment_names)}" if message.attachments else ""
    text = f"The {_what(message)} was sent to {message.to}{attached}."
    return record(message.order, actor, EventKind.EMAIL_SENT, text, _data(message))


def email_failed(message, actor: Actor):
    tries = f" after {message.attempts} attempt{'s' if message.attempts != 1 else ''}" if message.attempts else ""
    text = f"The {_what(message)} to {message.to or 'the customer'} failed{tries}: {message.last_error}"
    return record(message.order, actor, EventKind.EMAIL_FAILED, text, {**_data(message), "error": message.last_error})


def email_skipped(message, actor: Actor):
    text = f"No {_what(message)} was sent: {message.reason}"
    return record(message.order, actor, EventKind.EMAIL_SKIPPED, text, {**_data(message), "reason": message.reason})
