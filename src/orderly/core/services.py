"""Writes for people and tokens, and the background processes' heartbeats."""

import os
import secrets
import socket
from datetime import datetime, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import AlreadyExists, Conflict, NotFound, ValidationError
from orderly.core.models import ApiToken, User, WorkerHeartbeat, hash_token
from orderly.core.roles import Role

# How stale `last_used_at` may get: a busy client should not cost a write on every call.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
TOKEN_PREFIX_LENGTH = ApiToken._meta.get_field("prefix").max_length
TOKEN_NAME_LENGTH = ApiToken._meta.get_field("name").max_length
MAX_TOKEN_DAYS = 3650  # ten years; longer is "until revoked"


def password_check(password: str, *, user: User, field: str = "password") -> None:
    """Refuse a password that fails AUTH_PASSWORD_VALIDATORS for `user` (too short, too common, too like the user's
    name or e-mail, all digits): a ValidationError on `field` saying every rule it breaks, in one line."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as refused:
        raise ValidationError(" ".join(refused.messages), field=field) from None


def password_change(*, user: User, current_password: str, new_password: str) -> User:
    """Give `user` a new password, after checking the current one; the new one must pass the password rules and
    differ from the current one. Nothing is written when anything is refused. The caller keeps its own session
    (Django's update_session_auth_hash); the user's other sessions end, as their hash no longer matches."""
    if not user.check_password(current_password):
        raise ValidationError("The current password is not right.", field="current_password")
    if new_password == current_password:
        raise ValidationError("The new password must differ from the current one.", field="new_password")
    password_check(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


def generate_password(*, user: User) -> str:
    """A random password of 16 characters that passes the password rules for `user`."""
    while True:
        password = secrets.token_urlsafe(12)
        try:
            password_check(password, user=user)
        except ValidationError:  # all digits or like the name: about never, but never handed out
            continue
        return password


def user_create(*, username: str, role: str, password: str | None = None, email: str = "") -> tuple[User, str]:
    """Create a user with `role`. Returns the user and the password (generated when none is given).

    A given password must pass the password rules (AUTH_PASSWORD_VALIDATORS); nothing is written otherwise.
    """
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.", field="role")
    if not username or len(username) > 150:
        raise ValidationError("A username of 1 to 150 characters is required.", field="username")
    if User.objects.filter(username=username).exists():
        raise AlreadyExists(
            f"A user named {username!r} already exists.", resource="user", key=username, field="username"
        )
    user = User(username=username, email=email, role=role)
    if password is None:
        password = generate_password(user=user)
    else:
        password_check(password, user=user)
    with transaction.atomic():
        user.is_staff = role == Role.ADMIN
        user.is_superuser = role == Role.ADMIN
        user.set_password(password)
        user.save()
    return user, password


def token_create(*, username: str, name: str = "", expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Create an API token for the active user `username`, named `name` (what it is for), valid for
    `expires_in_days` days (1 to MAX_TOKEN_DAYS; None: until revoked). Returns the record and the raw token, which
    is never stored: only its hash and its prefix are."""
    name = name.strip()
    if len(name) > TOKEN_NAME_LENGTH:
        raise ValidationError(f"The name may be at most {TOKEN_NAME_LENGTH} characters long.", field="name")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise ValidationError(
            f"expires_in_days must be between 1 and {MAX_TOKEN_DAYS} (or left out for a token that does not "
            f"expire), not {expires_in_days}.",
            field="expires_in_days",
        )
    try:
        user = User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise NotFound(f"No active user named {username!r}.", field="username", resource="user", key=username) from None
    while True:
        raw = ApiToken.generate()
        # The prefix names the token when it is listed and revoked, so no two share one.
        if not ApiToken.objects.filter(prefix=raw[:TOKEN_PREFIX_LENGTH]).exists():
            break
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=raw[:TOKEN_PREFIX_LENGTH], key_hash=hash_token(raw)
        )
        if expires_in_days is not None:
            # Counted from the creation time the record shows (which the database field sets itself).
            token.expires_at = token.created_at + timedelta(days=expires_in_days)
            token.save(update_fields=["expires_at"])
    return token, raw


def token_revoke(*, prefix: str, user: User | None = None) -> ApiToken:
    """Revoke the token named by `prefix` (only among `user`'s tokens when given: another user's is not found);
    it is refused from then on. Revoking a revoked token is refused (409), naming when it was revoked."""
    tokens = ApiToken.objects.select_related("user").filter(prefix=prefix.strip())
    if user is not None:
        tokens = tokens.filter(user=user)
    found = list(tokens[:2])
    if not found:
        raise NotFound(f"No API token with the prefix {prefix!r}.", field="prefix", resource="api_token", key=prefix)
    if len(found) > 1:
        raise AlreadyExists(
            f"More than one API token has the prefix {prefix!r}; revoke it in the admin.",
            resource="api_token",
            key=prefix,
            field="prefix",
        )
    token = found[0]
    now = timezone.now()
    # Conditional, so that of two revokes at once one wins and the other is told.
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
        token.refresh_from_db(fields=["revoked_at"])
        raise Conflict(
            f"The API token with the prefix {token.prefix} was already revoked at "
            f"{token.revoked_at:%Y-%m-%d %H:%M} UTC.",
            code=ErrorCode.ALREADY_REVOKED,
            field="prefix",
            token=token.prefix,
            revoked_at=token.revoked_at.isoformat(),
        )
    token.revoked_at = now
    return token


def token_authenticate(*, raw: str) -> ApiToken | None:
    """The live token for `raw` (not revoked, not expired, its user active), with its user loaded; None for any
    other value.

    Records the use in `last_used_at`, at most once per TOKEN_TOUCH_INTERVAL.
    """
    if not raw or len(raw) > 256:
        return None
    now = timezone.now()
    try:
        token = ApiToken.objects.select_related("user").get(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            key_hash=hash_token(raw),
            revoked_at__isnull=True,
            user__is_active=True,
        )
    except ApiToken.DoesNotExist:
        return None
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


def user_order_columns_set(*, user: User, columns: list[str], allowed: tuple[str, ...]) -> User:
    """Remember which of the orders overview's `allowed` columns `user` sees, in the overview's own order. An
    unknown column is refused (nothing is written); no column at all is refused too, as the overview would be empty
    of everything but the order number."""
    unknown = [column for column in columns if column not in allowed]
    if unknown:
        raise ValidationError(f"Unknown column {unknown[0]!r}; the columns are {', '.join(allowed)}.", field="columns")
    if not columns:
        raise ValidationError("Choose at least one column to show.", field="columns")
    user.order_columns = [column for column in allowed if column in columns]
    user.save(update_fields=["order_columns"])
    return user


def user_locale_set(*, user: User, locale: str, allowed: tuple[str, ...]) -> User:
    """How dates and numbers read for `user`: one of `allowed`, or blank for the server's default. Anything else
    is refused, naming the choices, and nothing is written."""
    if locale and locale not in allowed:
        raise ValidationError(
            f"Unknown locale {locale!r}; choose one of {', '.join(allowed)}, or the server's default.", field="locale"
        )
    user.locale = locale
    user.save(update_fields=["locale"])
    return user
