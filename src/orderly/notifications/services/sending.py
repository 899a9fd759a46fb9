"""Sending customer e-mails in the worker: one attempt per task, retried with exponential backoff, then failed.

The e-mail goes through Django's e-mail framework: the file backend writing into <data dir>/outbox/ unless SMTP
settings are given (orderly.settings). Each attempt is claimed first (counted, its next attempt pushed out) so
that two workers never send the same e-mail at once.
"""

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage as Mail
from django.db import transaction
from django.utils import timezone

from orderly.billing.pdf import invoice_pdf
from orderly.billing.selectors import invoice_get
from orderly.billing.seller import seller_details
from orderly.core import locks
from orderly.core.actors import Actor
from orderly.core.queue import enqueue
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.notifications import events
from orderly.notifications.locks import lock_email
from orderly.notifications.models import EmailMessage
from orderly.notifications.status import TRANSITIONS, EmailStatus
from orderly.shipping.status import FulfillmentStatus

logger = logging.getLogger(__name__)

BACKOFF_BASE = dt.timedelta(minutes=2)
BACKOFF_MAX = dt.timedelta(hours=2)
CANCELED = "The fulfillment was canceled before the e-mail was sent."


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the n-th failed attempt: 2 min, 4 min, 8 min, … at most 2 h."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def _enqueue_later(message_id: int, when: dt.datetime) -> None:
    """The next attempt, as a task the worker keeps until `when` (a task that comes early finds it not due)."""
    enqueue("orderly.notifications.tasks.send_email", message_id, run_after=when)


@retry_on_conflict
def _claim(message_id: int) -> EmailMessage | None:
    with transaction.atomic():
        message = lock_email(message_id, related=("order", "fulfillment"), status=EmailStatus.QUEUED)
        now = timezone.now()
        if message is None or (message.next_attempt_at and message.next_attempt_at > now):
            return None
        message.attempts += 1
        message.next_attempt_at = now + backoff(message.attempts)
        message.save(update_fields=["attempts", "next_attempt_at"])
    return message


def _mail(message: EmailMessage, connection=None) -> Mail:
    seller = seller_details()
    headers = {"Auto-Submitted": "auto-generated"}
    mail = Mail(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        reply_to=[seller["email"]] if seller.get("email") else None,
        headers=headers,
        connection=connection,
    )
    for attachment in message.attachments:
        invoice = invoice_get(attachment["invoice"])
        mail.attach(attachment["filename"], invoice_pdf(invoice), "application/pdf")
    return mail


def _permanent(exc: Exception) -> bool:
    """The server refused the address itself (a 5xx for the recipient): another attempt would be refused too."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return False


def email_send(*, message_id: int, connection=None) -> EmailMessage | None:
    """One attempt to send a queued e-mail whose time has come; None when it is not queued or not due. An e-mail
    whose fulfillment was canceled meanwhile is skipped with that reason instead.

    Success marks it sent (sent_at, an `email_sent` event). A failure keeps the error and, with attempts left,
    the e-mail queued for its next attempt (backoff) as a task that waits until then; after MAX_ATTEMPTS, or when
    the server refuses the address, it is failed (an `email_failed` event) until a person resends it.
    """
    message = _claim(message_id)
    if message is None:
        return None
    if message.fulfillment.status == FulfillmentStatus.CANCELED:
        return _skip(message, CANCELED)
    error, permanent = "", False
    try:
        sent = _mail(message, connection).send()
        if sent != 1:
            error = "The e-mail backend sent nothing."
    except Exception as exc:  # anything the backend or the PDF raises must not lose the e-mail: keep it and retry
        error, permanent = f"{exc.__class__.__name__}: {exc}", _permanent(exc)
        logger.warning("E-mail %s to %s not sent (attempt %s): %s", message.pk, message.to, message.attempts, error)
    with transaction.atomic(), locks.entry():  # not retried yet: a refusal here leaves the e-mail queued
        message = lock_email(message.pk, related=("order", "fulfillment"))
        actor = Actor.system()
        if not error:
            after = EmailStatus.SENT
            message.sent_at, message.last_error, message.next_attempt_at = timezone.now(), "", None
        elif permanent or message.attempts >= EmailMessage.MAX_ATTEMPTS:
            after = EmailStatus.FAILED
            message.last_error, message.next_attempt_at = error[:1000], None
        else:
            after = EmailStatus.QUEUED
            message.last_error = error[:1000]
            _enqueue_later(message.pk, message.next_attempt_at)
        check_transition(TRANSITIONS, resource="email", key=str(message.pk), current=message.status, attempted=after)
        message.status = after
        message.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at"])
        if after == EmailStatus.SENT:
            events.email_sent(message, actor)
        elif after == EmailStatus.FAILED:
            events.email_failed(message, actor)
    return message


@retry_on_conflict
def _skip(message: EmailMessage, reason: str) -> EmailMessage:
    with transaction.atomic():
        message = lock_email(message.pk, related=("order", "fulfillment"))
        check_transition(
            TRANSITIONS, resource="email", key=str(message.pk), current=message.status, attempted=EmailStatus.SKIPPED
        )
        message.status, message.reason, message.next_attempt_at = EmailStatus.SKIPPED, reason, None
        message.save(update_fields=["status", "reason", "next_attempt_at"])
        events.email_skipped(message, Actor.system())
    return message


def emails_send_due(*, limit: int = 100) -> int:
    """Attempt every queued e-mail whose next attempt is due (oldest first, at most `limit`); returns how many
    were sent. For the worker's sweep: an e-mail whose task was lost is still sent."""
    due = EmailMessage.objects.filter(status=EmailStatus.QUEUED, next_attempt_at__lte=timezone.now())
    sent = 0
    for message_id in list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit]):
        message = email_send(message_id=message_id)
        sent += bool(message and message.status == EmailStatus.SENT)
    return sent


# How long a queued e-mail may be past its time before the sweep takes it: its own task normally sends it at once.
LOST_AFTER = dt.timedelta(minutes=2)


def emails_sweep_enqueue(*, now=None) -> bool:
    """Queue one sweep (notifications.tasks.send_due_emails) when a queued e-mail is more than LOST_AFTER past its
    time, which happens only when the worker that held its task died. Run by every task worker at each beat;
    returns whether a sweep was queued. Sending is claimed per e-mail, so two sweeps never send one twice."""
    now = now or timezone.now()
    overdue = EmailMessage.objects.filter(status=EmailStatus.QUEUED, next_attempt_at__lte=now - LOST_AFTER)
    if not overdue.exists():
        return False
    enqueue("orderly.notifications.tasks.send_due_emails")
    return True
