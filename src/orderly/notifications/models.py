"""Customer e-mails: the merchant's templates, the per-channel switch, and the log of every e-mail (EmailMessage)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from orderly.notifications.status import EmailKind, EmailStatus


class EmailTemplate(models.Model):
    """The merchant's own subject and body of one kind of e-mail; without a row the default in code is used
    (orderly.notifications.templates.DEFAULTS)."""

    kind = models.CharField(max_length=16, choices=EmailKind.choices, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["kind"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=EmailKind.values), name="email_template_kind")]

    def __str__(self):
        return self.kind


class ChannelEmailSetting(models.Model):
    """Whether the customers of a channel's orders get Orderly's e-mails. Without a row the channel's kind decides
    (orderly.notifications.switches.DEFAULT_OFF_KINDS: shops that e-mail their customers themselves)."""

    channel = models.OneToOneField("channels.SalesChannel", on_delete=models.CASCADE, related_name="email_setting")
    send_customer_emails = models.BooleanField()
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=150, blank=True)

    def __str__(self):
        return f"{self.channel_id}: {'on' if self.send_customer_emails else 'off'}"


class EmailMessage(models.Model):
    """One e-mail to a customer, as rendered when it was queued, and what became of it.

    One per (fulfillment, kind): a signal heard twice never e-mails twice. A resend is a new row pointing at the
    e-mail it repeats (`resend_of`), so the log keeps both.
    """

    MAX_ATTEMPTS = 5

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="emails")
    fulfillment = models.ForeignKey("shipping.Fulfillment", on_delete=models.PROTECT, related_name="emails")
    kind = models.CharField(max_length=16, choices=EmailKind.choices)
    to = models.EmailField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    # [{"filename": "INV-000012.pdf", "invoice": "INV-000012"}]: drawn again from the invoice when sent
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    reason = models.CharField(max_length=500, blank=True, help_text="Why it was skipped")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=1000, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)
    resend_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="resends")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="email_created_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="email_due_idx"),
            # The e-mail log in its order (EMAIL_LOG_ORDER) by status and by kind. The kinds come in about equal
            # shares, but without an index of its own the planner may still read the whole table for one kind.
            models.Index(fields=["status", "-created_at", "-id"], name="email_status_created_idx"),
            models.Index(fields=["kind", "-created_at", "-id"], name="email_kind_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EmailKind.values), name="email_kind_known"),
            models.CheckConstraint(condition=Q(status__in=EmailStatus.values), name="email_status_known"),
            models.UniqueConstraint(
                fields=["fulfillment", "kind"],
                condition=Q(resend_of__isnull=True),
                name="email_once_per_fulfillment_kind",
            ),
        ]

    def __str__(self):
        return f"{self.kind} e-mail {self.pk} of {self.order_id} ({self.status})"

    @property
    def attachment_names(self) -> list[str]:
        return [str(entry.get("filename", "")) for entry in self.attachments or [] if isinstance(entry, dict)]
