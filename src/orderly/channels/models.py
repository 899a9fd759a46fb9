"""Sales channels, their sync runs, inbound webhook deliveries and outbound pushes."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class ChannelKind(models.TextChoices):
    MANUAL = "manual", "Manually entered"  # orders typed in by a person or posted to the API
    CSV = "csv", "CSV file"  # orders uploaded as a file in our column format
    SHOPIFY = "shopify", "Shopify"  # Admin REST API orders, webhooks, fulfillments pushed back
    WOOCOMMERCE = "woocommerce", "WooCommerce"  # REST API v3 orders, webhooks, status and notes pushed back
    WEBHOOK = "webhook", "Generic webhook"  # any shop posting our JSON order schema, HMAC-signed
    SANDBOX = "sandbox", "Sandbox (made-up orders, not a shop)"  # built in, for trying a pulling channel


# Kinds that pull orders from a shop on a schedule.
PULLING_KINDS = frozenset({ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE, ChannelKind.SANDBOX})


class SalesChannel(models.Model):
    """Where orders come from: a shop, a marketplace, a file, or manual entry."""

    MANUAL_NAME = "Manual"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=32, choices=ChannelKind.choices)
    enabled = models.BooleanField(default=True)
    # Encrypted JSON object (see channels.crypto); never shown back in full.
    credentials_encrypted = models.TextField(blank=True, default="")
    # base_url, sync_interval_minutes, status_map {external status: action}; see channels.settings_schema.
    settings = models.JSONField(default=dict, blank=True)
    # Where the next pull starts (the shop's change time of the last order committed), advanced with that commit.
    sync_cursor = models.CharField(max_length=64, blank=True, default="")
    next_sync_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["enabled", "next_sync_at"], name="channel_due_idx")]

    def __str__(self):
        return self.name

    @property
    def pulls(self) -> bool:
        return self.kind in PULLING_KINDS


class SyncRunKind(models.TextChoices):
    CHANNEL = "channel", "Channel sync"  # pull of new and changed orders
    ORDER = "order", "Order re-pull"  # one order's latest state
    CSV = "csv", "CSV import"  # an uploaded file
    WEBHOOK = "webhook", "Webhook"  # one inbound delivery


class SyncRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # asked for (Synchronize now); waiting for the background worker
    RUNNING = "running", "Running"  # started, not finished; its heartbeat_at shows it is alive
    SUCCEEDED = "succeeded", "Succeeded"  # every order taken
    PARTIAL = "partial", "Partly failed"  # some orders failed; the rest taken
    FAILED = "failed", "Failed"  # the run stopped (shop unreachable, refused, bad answer)
    INTERRUPTED = "interrupted", "Interrupted"  # its process was stopped or killed; what it committed stays


class SyncRun(models.Model):
    """One sync of a channel, as the sync log shows it."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=16, choices=SyncRunKind.choices, default=SyncRunKind.CHANNEL)
    status = models.CharField(max_length=16, choices=SyncRunStatus.choices, default=SyncRunStatus.RUNNING)
    trigger = models.CharField(max_length=150, blank=True, help_text="Who or what started it")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # [{"external_id": "...", "reason": "..."}], at most MAX_FAILURES kept.
    failures = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    # Written at the start and after every committed page: a running run whose heartbeat is old was killed.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid of the process running it")

    MAX_FAILURES = 200

    class Meta:
        ordering = ["-started_at", "-id"]
        # The sync log in its order (SYNC_LOG_ORDER): of one channel, of every channel, by kind, by status.
        indexes = [
            models.Index(fields=["channel", "-started_at", "-id"], name="sync_run_log_idx"),
            models.Index(fields=["-started_at", "-id"], name="sync_run_recent_idx"),
            models.Index(fields=["kind", "-started_at", "-id"], name="sync_run_kind_idx"),
            models.Index(fields=["status", "-started_at", "-id"], name="sync_run_status_idx"),
        ]
        constraints = [
            # One channel sync queued or running per channel, whatever process asks: two never pull at once.
            models.UniqueConstraint(
                fields=["channel"],
                condition=Q(kind="channel", status__in=["queued", "running"]),
                name="sync_run_one_active_per_channel",
            ),
        ]

    def __str__(self):
        return f"{self.channel_id} {self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class WebhookDelivery(models.Model):
    """A verified inbound delivery, remembered by the shop's delivery id so a replay creates nothing new."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="webhook_deliveries")
    delivery_id = models.CharField(max_length=200)
    topic = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "delivery_id"], name="webhook_delivery_unique"),
        ]

    def __str__(self):
        return f"{self.channel_id} {self.delivery_id}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # waiting for its (next) attempt
    SENT = "sent", "Sent"  # the channel accepted it
    FAILED = "failed", "Failed"  # gave up after MAX_ATTEMPTS; retried only when a person asks


class OutboxMessage(models.Model):
    """One thing to tell a channel (an order shipped with tracking). Never lost: kept until sent, with each error."""

    MAX_ATTEMPTS = 8

    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="outbox")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="channel_pushes")
    kind = models.CharField(max_length=32, default="shipped")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at", "id"], name="outbox_due_idx", condition=Q(status="pending")),
            models.Index(fields=["order", "-created_at"], name="outbox_order_idx"),
            # The updates to the shops in their order (PUSHES_ORDER): all, of one channel, by status (also what /metrics
            # counts: the pushes not sent).
            models.Index(fields=["-created_at", "-id"], name="outbox_recent_idx"),
            models.Index(fields=["channel", "-created_at", "-id"], name="outbox_channel_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="outbox_status_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.order_id} → {self.channel_id} ({self.status})"


class SyncedOrder(models.Model):
    """What the last sync saw of one channel order: lets a re-sync skip an unchanged order with one query per page."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="synced_orders")
    external_id = models.CharField(max_length=100)
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="channel_state")
    digest = models.CharField(max_length=64)
    remote_updated_at = models.CharField(max_length=64, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)
    # The shop's refunds already applied here (their ids), so each cancels or returns its units once.
    applied_refunds = models.JSONField(default=list, blank=True)
    # The order as the shop sent it, kept while it could not be read (the error order's evidence).
    raw = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="synced_order_unique"),
        ]

    def __str__(self):
        return f"{self.channel_id}:{self.external_id}"
