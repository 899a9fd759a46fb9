"""The kinds of customer e-mail and the states of one in the log, with the moves allowed between them."""

from django.db import models


class EmailKind(models.TextChoices):
    SHIPPED = "shipped", "Shipped"  # the parcel left: carrier, tracking number and link, the invoice attached
    DELIVERED = "delivered", "Delivered"  # the carrier reported the parcel delivered


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # waiting for the worker, or for its next attempt after a failed one
    SENT = "sent", "Sent"  # handed to the e-mail backend (the outbox folder or the SMTP server)
    FAILED = "failed", "Failed"  # every attempt failed (or the address was refused); a resend is a new e-mail
    SKIPPED = "skipped", "Skipped"  # never sent, for the reason kept with it (the order has no e-mail address)


# A failed attempt with attempts left stays queued (queued → queued); a queued e-mail whose fulfillment was canceled
# meanwhile is skipped; sent, failed and skipped are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    EmailStatus.QUEUED: frozenset({EmailStatus.QUEUED, EmailStatus.SENT, EmailStatus.FAILED, EmailStatus.SKIPPED}),
    EmailStatus.SENT: frozenset(),
    EmailStatus.FAILED: frozenset(),
    EmailStatus.SKIPPED: frozenset(),
}
