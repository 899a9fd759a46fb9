import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from orderly.core.roles import Role, role_allows


class User(AbstractUser):
    """A person who works in Orderly; `role` decides what they may do."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    # The orders overview's columns this person chose to see, by key; empty: the default set.
    order_columns = models.JSONField(default=list, blank=True)
    # How dates and numbers read for this person (web/locale.py's LOCALES); blank: the server's ORDERLY_LOCALE.
    locale = models.CharField(max_length=8, blank=True, default="")

    def can(self, required: str) -> bool:
        if self.is_superuser:
            return True
        return role_allows(self.role, required)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenStatus(models.TextChoices):
    ACTIVE = "active"  # accepted
    EXPIRED = "expired"  # past its expiry: refused
    REVOKED = "revoked"  # revoked by its user or an admin: refused


class ApiToken(models.Model):
    """An API token; only its hash is stored, the token itself is shown once. `prefix` (its first 12 characters)
    names it wherever it is listed or revoked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    def status_at(self, now) -> str:
        if self.revoked_at is not None:
            return TokenStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return TokenStatus.EXPIRED
        return TokenStatus.ACTIVE

    @staticmethod
    def generate() -> str:
        return "ord_" + secrets.token_urlsafe(32)


class NumberSequence(models.Model):
    """The last number handed out per prefix (OR, OF, …); rows are locked while numbering."""

    prefix = models.CharField(max_length=8, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.prefix}: {self.last_value}"


class IdempotencyRecord(models.Model):
    """The answer given to a POST with an Idempotency-Key, replayed for a repeat."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}]"


class WorkerHeartbeat(models.Model):
    """The last sign of life of one background process (the scheduler, the task worker) on one host.

    Written by `worker_beat` while the process works; `/health` reads the newest one to tell whether a worker runs.
    """

    name = models.CharField(max_length=200, unique=True, help_text="role@host, e.g. scheduler@web-1")
    host = models.CharField(max_length=150)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(help_text="When the process that beat last started")
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.name} (pid {self.pid}) at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class TaskWorkerProcess(models.Model):
    """One running task worker process (`orderly worker`'s task_worker), by the id it claims tasks with.

    It beats every few seconds from a thread of its own, also while a task runs; a clean stop deletes the row. A
    task RUNNING under a worker id whose row is missing or silent for ORDERLY_WORKER_STALE_SECONDS lost its worker
    (killed, its machine gone) and is given back to the queue by orderly.ops.reaper."""

    worker_id = models.CharField(max_length=64, unique=True, help_text="The id the process claims tasks with")
    host = models.CharField(max_length=150)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.worker_id} on {self.host} (pid {self.pid})"


class TaskReclaim(models.Model):
    """A RUNNING task taken back from a worker that stopped beating: put back in the queue, or failed once it had
    lost its worker too many times. Kept a while for /metrics and the admin; the reaper prunes old rows."""

    class Outcome(models.TextChoices):
        REQUEUED = "requeued"  # back to READY: another worker runs it again
        FAILED = "failed"  # lost its worker ORDERLY_TASK_MAX_RECLAIMS + 1 times: marked FAILED with the reason

    task_id = models.UUIDField(db_index=True)
    task_path = models.TextField()
    worker_id = models.CharField(max_length=64, help_text="The worker that had claimed it and stopped beating")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    reclaimed_by = models.CharField(max_length=64, help_text="The worker whose reaper found it")
    reclaimed_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.task_path} {self.task_id} {self.outcome} at {self.reclaimed_at:%Y-%m-%d %H:%M:%S}"


class LoginThrottle(models.Model):
    """Failed logins counted for one account (the username tried, whether it exists or not) or one client address,
    to lock out guessing for a while (orderly.core.throttle keeps the count and decides)."""

    class Scope(models.TextChoices):
        ACCOUNT = "account"  # the username tried, case-folded
        ADDRESS = "address"  # the client's IP address

    scope = models.CharField(max_length=8, choices=Scope.choices)
    key = models.CharField(max_length=150)
    failures = models.PositiveIntegerField(default=0)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="login_throttle_scope_key_unique")]

    def __str__(self):
        return f"{self.scope} {self.key}: {self.failures} failed"


class ApiRateWindow(models.Model):
    """API requests counted for one token or one client address in the current window of the rate limits
    (orderly.core.ratelimit keeps the count and decides). One row per token or address, reused window after window."""

    class Scope(models.TextChoices):
        TOKEN = "token"  # an API token, by its id
        ADDRESS = "address"  # the client's IP address, for requests without a valid token

    scope = models.CharField(max_length=8, choices=Scope.choices)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="api_rate_window_scope_key_unique")]

    def __str__(self):
        return f"{self.scope} {self.key}: {self.count} since {self.window_start:%H:%M:%S}"
