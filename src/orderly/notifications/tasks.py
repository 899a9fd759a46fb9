"""Background entry points for customer e-mails (django-tasks): each takes ids and calls one service.

Services queue these by dotted path (orderly.core.queue.enqueue) and never import them. Each is idempotent: a
retried or duplicated task finds its e-mail sent, or not yet due, and does nothing.
"""

from django_tasks import task

from orderly.notifications.services import email_send, emails_send_due


@task()
def send_email(message_id: int) -> None:
    """One attempt to send a queued e-mail; a failure queues the next attempt itself (with its backoff)."""
    email_send(message_id=message_id)


@task()
def send_due_emails() -> None:
    """Every queued e-mail whose time has come: the sweep for e-mails whose own task was lost."""
    emails_send_due()
