"""Writes for people and tokens, and the background processes' heartbeats."""

import os
import secrets
import socket
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from orderly.core.exceptions import AlreadyExists, NotFound, ValidationError
from orderly.core.models import ApiToken, User, WorkerHeartbeat, hash_token
from orderly.core.roles import Role

# How stale `last_used_at` may get: a busy client should not cost a write on every call.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def user_create(*, username: str, role: str, password: str | None = None, email: str = "") -> tuple[User, str]:
    """Create a user with `role`. Returns the user and the password (generated when none is given)."""
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.", field="role")
    if not username or len(username) > 150:
        raise ValidationError("A username of 1 to 150 characters is required.", field="username")
    if User.objects.filter(username=username).exists():
        raise AlreadyExists(
            f"A user named {username!r} already exists.", resource="user", key=username, field="username"
        )
    if password is not None and len(password) < 8:
        raise ValidationError("The password must be at least 8 characters long.", field="password")
    password = password or secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User(username=username, email=email, role=role)
        user.is_staff = role == Role.ADMIN
        user.is_superuser = role == Role.ADMIN
        user.set_password(password)
        user.save()
    return user, password


def token_create(*, username: str, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token for `username`. Returns the record and the raw token, which is never stored."""
    try:
        user = User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise NotFound(f"No active user named {username!r}.", field="username", resource="user", key=username) from None
    raw = ApiToken.generate()
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:12], key_hash=hash_token(raw))
    return token, raw


def token_authenticate(*, raw: str) -> ApiToken | None:
    """The live token for `raw` (not revoked, its user active), with its user loaded; None for any other value.

    Records the use in `last_used_at`, at most once per TOKEN_TOUCH_INTERVAL.
    """
    if not raw or len(raw) > 256:
        return None
    try:
        token = ApiToken.objects.select_related("user").get(
            key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# When this process (by pid, so that a forked child starts afresh) first beat: its heartbeat's `started_at`.
_started_at: dict[int, datetime] = {}


def worker_beat(*, role: str) -> WorkerHeartbeat:
    """Record that this process, doing `role` ("scheduler", "task worker") on this host, is alive now.

    One row per role and host (`role@host`), so restarts and many beats keep the table small; it holds the pid and
    start of the process that beat last. Two processes of one role on one host share the row: either beating shows
    the role alive there."""
    now = timezone.now()
    pid = os.getpid()
    started_at = _started_at.setdefault(pid, now)
    host = socket.gethostname()[:150]
    beat, _ = WorkerHeartbeat.objects.update_or_create(
        name=f"{role}@{host}"[:200],
        defaults={"host": host, "pid": pid, "started_at": started_at, "beat_at": now},
    )
    return beat
