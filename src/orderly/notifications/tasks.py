"""Background entry points for customer e-mails (django-tasks): each takes ids and calls one service.

Services queue these by dotted path (orderly.core.queue.enqueue) and never import them: shipping queues
`queue_shipped_email` with the tracking number it records, carriers queue `queue_delivered_email` with the delivered
scan, each in the same transaction, so the task row is the durable record of what happened (no signal, nothing lost
when a process dies after its commit). Each is idempotent: a retried or duplicated task finds its e-mail queued,
sent, or not yet due, and does nothing.
"""

from django_tasks import task

from orderly.notifications.services import email_queue, email_send, emails_send_due
from orderly.notifications.status import EmailKind


@task()
def send_email(message_id: int) -> None:
    """One attempt to send a queued e-mail; a failure queues the next attempt itself (with its backoff)."""
    email_send(message_id=message_id)


@task()
def send_due_emails() -> None:
    """Every queued e-mail whose time has come: the sweep for e-mails whose own task was lost."""
    emails_send_due()


@task()
def queue_shipped_email(fulfillment_id: int) -> None:
    """The customer's shipped e-mail for a fulfillment that got its tracking number (queued once per fulfillment)."""
    email_queue(fulfillment_id=fulfillment_id, kind=EmailKind.SHIPPED)


@task()
def queue_delivered_email(fulfillment_id: int) -> None:
    """The customer's delivered e-mail for a fulfillment whose parcel the carrier delivered (queued once)."""
    email_queue(fulfillment_id=fulfillment_id, kind=EmailKind.DELIVERED)
