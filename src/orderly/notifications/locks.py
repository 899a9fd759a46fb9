"""Locking customer e-mails: after the orders and fulfillments they speak of, beside the channel outbox
(orderly.core.locks)."""

from orderly.core.locks import lock_row
from orderly.notifications.models import EmailMessage


def lock_email(pk: int, *, related: tuple[str, ...] = (), **conditions) -> EmailMessage | None:
    """The e-mail with this id (and these further `conditions`) locked, its `related` rows loaded, or None."""
    return lock_row(EmailMessage.objects.filter(pk=pk, **conditions).select_related(*related))
