"""Writes for people and tokens."""

import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from orderly.core.exceptions import Conflict, NotFound, ValidationError
from orderly.core.models import ApiToken, User, hash_token
from orderly.core.roles import Role

# How stale `last_used_at` may get: a busy client should not cost a write on every call.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def password_check(password: str, *, user: User) -> None:
    """Refuse a password that fails AUTH_PASSWORD_VALIDATORS for `user` (too short, too common, too like the user's
    name or e-mail, all digits): a ValidationError on `password` saying every rule it breaks, in one line."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as refused:
        raise ValidationError(" ".join(refused.messages), field="password") from None


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
        raise Conflict(f"A user named {username!r} already exists.", field="username")
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


def token_create(*, username: str, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token for `username`. Returns the record and the raw token, which is never stored."""
    try:
        user = User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise NotFound(f"No active user named {username!r}.", field="username") from None
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
