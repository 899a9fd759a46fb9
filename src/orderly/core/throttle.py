"""Login throttling: failed logins counted per account and per client address, in the database (so every web
process sees the same counts), locking further attempts out for a while.

An account (the username tried, whether or not it exists, so that the answer tells nothing about which do) is
locked after ACCOUNT_LIMIT failures within WINDOW of the first, for LOCKOUT after the last one; an address after
ADDRESS_LIMIT, higher because a whole office may log in from one address. A locked attempt checks no password and
counts nothing, so the lockout ends by itself LOCKOUT after the last real failure. A successful login clears its
account's count (not its address's: one good account must not reset the count of a guesser at other accounts).
"""

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.http import HttpRequest
from django.utils import timezone

from orderly.core.models import LoginThrottle

Scope = LoginThrottle.Scope

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)
LIMITS = {Scope.ACCOUNT: ACCOUNT_LIMIT, Scope.ADDRESS: ADDRESS_LIMIT}
KEY_LENGTH = LoginThrottle._meta.get_field("key").max_length


@dataclass(frozen=True)
class Lockout:
    scope: str
    until: datetime

    def minutes_left(self, now: datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds() / 60))

    def message(self, now: datetime | None = None) -> str:
        minutes = self.minutes_left(now or timezone.now())
        whom = "for this account" if self.scope == Scope.ACCOUNT else "from this address"
        return f"Too many failed logins {whom}; try again in {minutes} minute{'' if minutes == 1 else 's'}."


def account_key(username: str) -> str:
    # Case-folded: guesses at "Admin" and "admin" count together (which only ever locks out more).
    return username.strip().casefold()[:KEY_LENGTH]


def client_address(request: HttpRequest) -> str:
    """The client's IP address: the connection's own, or, behind ORDERLY_PROXY_HOPS proxies that each append the
    address they were called from to X-Forwarded-For, the entry that many from its right (entries further left
    are whatever the client wrote and are not trusted)."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.ORDERLY_PROXY_HOPS
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    candidate = forwarded[max(0, len(forwarded) - hops)] if hops and forwarded else remote
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote[:KEY_LENGTH]


def login_lockout(*, username: str, address: str, now: datetime | None = None) -> Lockout | None:
    """The lockout that refuses a login as `username` from `address` now (the account's first), or None."""
    now = now or timezone.now()
    rows = LoginThrottle.objects.filter(
        Q(scope=Scope.ACCOUNT, key=account_key(username)) | Q(scope=Scope.ADDRESS, key=address[:KEY_LENGTH]),
        last_failed_at__gt=now - LOCKOUT,
    )
    locked = [
        Lockout(scope=row.scope, until=row.last_failed_at + LOCKOUT)
        for row in rows
        if row.failures >= LIMITS[row.scope]
    ]
    locked.sort(key=lambda lockout: lockout.scope != Scope.ACCOUNT)
    return locked[0] if locked else None


def login_failed(*, username: str, address: str, now: datetime | None = None) -> None:
    """Count a failed login against the account and the address, and forget counts too old to matter."""
    now = now or timezone.now()
    with transaction.atomic():
        _count(Scope.ACCOUNT, account_key(username), now)
        _count(Scope.ADDRESS, address[:KEY_LENGTH], now)
        LoginThrottle.objects.filter(last_failed_at__lt=now - max(WINDOW, LOCKOUT)).delete()


def login_succeeded(*, username: str) -> None:
    """Clear the account's count after a login that succeeded."""
    LoginThrottle.objects.filter(scope=Scope.ACCOUNT, key=account_key(username)).delete()


def _count(scope: str, key: str, now: datetime) -> None:
    """One more failure for (scope, key), starting the count again when its window has passed. One UPDATE that
    reads the row's old values, so that failures counted at the same time by other processes are all kept."""
    window_passed = Q(first_failed_at__lt=now - WINDOW)
    for _ in range(2):
        updated = LoginThrottle.objects.filter(scope=scope, key=key).update(
            failures=Case(When(window_passed, then=Value(1)), default=F("failures") + 1),
            first_failed_at=Case(When(window_passed, then=Value(now)), default=F("first_failed_at")),
            last_failed_at=now,
        )
        if updated:
            return
        try:
            with transaction.atomic():
                LoginThrottle.objects.create(scope=scope, key=key, failures=1, first_failed_at=now, last_failed_at=now)
            return
        except IntegrityError:
            continue  # another process counted the first failure a moment ago: count on its row
