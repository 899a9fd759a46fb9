"""Every write to customer e-mails goes through these services.

Keyword-only; `actor` is an orderly.core.actors.Actor. Refusals raise DomainErrors and write nothing. Each e-mail
that is queued, sent, fails for good or is skipped writes a timeline event on its order (orders.events.record) in
the same transaction as the change; sending happens in the worker (notifications.tasks.send_email, queued by path
through orderly.core.queue with the e-mail's row).

    email_queue(*, fulfillment_id, kind, actor=None) -> EmailMessage | None  shipped / delivered, in the worker
    email_resend(*, message, actor) -> EmailMessage                    a new e-mail repeating one sent or failed
    email_send(*, message_id, connection=None) -> EmailMessage | None  one attempt, in the worker
    emails_send_due(*, limit=100) -> int                               every queued e-mail whose time has come
    emails_sweep_enqueue(*, now=None) -> bool                          a sweep queued when an e-mail's task was lost
    email_template_save(*, kind, subject, body, actor) -> EmailTemplate
    email_template_reset(*, kind, actor) -> None                       back to the default shipped in code
    channel_emails_set(*, channel, send, actor) -> ChannelEmailSetting the per-channel switch

Decisions:
- An e-mail is rendered when it is queued and kept as rendered (the log shows what the customer got); the
  invoice PDFs it attaches are drawn again from the invoices when it is sent.
- One e-mail per (fulfillment, kind): a task run twice finds the first and does nothing.
- Not e-mailed at all (no row, no event): a fulfillment the shop made (it told its customer), one collected or
  canceled, and the orders of a channel whose switch is off. Skipped (a row, an event): an order without an
  e-mail address.
- A resend is a person's explicit ask: it is sent whatever the channel's switch, to the order's address as it is
  now, rendered with the templates as they are now.
"""

from orderly.notifications.services.queueing import email_queue, email_resend
from orderly.notifications.services.sending import email_send, emails_send_due, emails_sweep_enqueue
from orderly.notifications.services.templates import email_template_reset, email_template_save
from orderly.notifications.switches import channel_emails_set

__all__ = [
    "channel_emails_set",
    "email_queue",
    "email_resend",
    "email_send",
    "email_template_reset",
    "email_template_save",
    "emails_send_due",
    "emails_sweep_enqueue",
]
