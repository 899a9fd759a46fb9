"""Background entry points for customer e-mails (django-tasks): each takes ids, calls one service, idempotent."""

from django_tasks import task


@task()
def send_email(message_id: int) -> None:
    """One attempt to send a queued e-mail; a failure enqueues the next attempt itself (with its backoff)."""
    from orderly.notifications.services import email_send

    email_send(message_id=message_id)


@task()
def send_due_emails() -> None:
    """Every queued e-mail whose time has come: the sweep that sends those whose own task was lost."""
    from orderly.notifications.services import emails_send_due

    emails_send_due()
