"""API rate limits: requests counted per API token, and per client address for requests without a valid token, in
fixed windows kept in the database.

Why the database: `orderly serve` runs several web processes (and a site may run several machines), and Django's
default cache is local to each process, so a limit kept there would be multiplied by the number of processes. The
database is the one store every process already shares. The price is a write per counted request, which is why
the per-token limit is off unless set (see the README's configuration table); the per-address one counts only
requests without a valid token (token guessing, webhooks, the docs), which are few in normal use.

Windows are aligned on multiples of their length since the epoch, so that every process agrees on when one starts.
A count is one UPDATE that reads the row's old values, so that requests counted at the same time by several
processes are all kept, and the count is read back under its row lock; the first request of a key inserts its row.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from orderly.core.models import ApiRateWindow

Scope = ApiRateWindow.Scope
KEY_LENGTH = ApiRateWindow._meta.get_field("key").max_length


@dataclass(frozen=True)
class Limited:
    """A request refused by a rate limit: which one, and how many seconds until its window ends."""

    scope: str
    limit: int
    window_seconds: int
    retry_after: int

    def message(self) -> str:
        whom = "this API token" if self.scope == Scope.TOKEN else "this address without a valid API token"
        return (
            f"Too many requests from {whom}: at most {self.limit} every {self.window_seconds} s; "
            f"retry in {self.retry_after} s."
        )

    def detail(self) -> dict:
        return {
            "scope": self.scope,
            "limit": self.limit,
            "window_seconds": self.window_seconds,
            "retry_after": self.retry_after,
        }


def window_start(now: datetime, window_seconds: int) -> datetime:
    """The start of the window `now` falls in (windows aligned on the epoch)."""
    seconds = math.floor(now.timestamp() / window_seconds) * window_seconds
    return datetime.fromtimestamp(seconds, tz=now.tzinfo or timezone.get_current_timezone())


def rate_hit(*, scope: str, key: str, limit: int, window_seconds: int, now: datetime | None = None) -> Limited | None:
    """Count one request for (scope, key) and return the refusal when it is past `limit` in the current window of
    `window_seconds`, else None. A `limit` of 0 turns the limit off: nothing is counted or written."""
    if limit <= 0:
        return None
    now = now or timezone.now()
    start = window_start(now, window_seconds)
    count = _count(scope, str(key)[:KEY_LENGTH], start, window_seconds)
    if count <= limit:
        return None
    retry_after = max(1, math.ceil((start + timedelta(seconds=window_seconds) - now).total_seconds()))
    return Limited(scope=scope, limit=limit, window_seconds=window_seconds, retry_after=retry_after)


def _count(scope: str, key: str, start: datetime, window_seconds: int) -> int:
    """The count of (scope, key) in the window from `start`, this request included."""
    rows = ApiRateWindow.objects.filter(scope=scope, key=key)
    for _ in range(2):
        # The UPDATE's row lock is held until the count is read back, so each request reads its own count and
        # exactly `limit` requests are let through, however many processes count at once.
        with transaction.atomic():
            updated = rows.update(
                count=Case(When(window_start=start, then=F("count") + 1), default=Value(1)),
                window_start=start,
            )
            if updated:
                return rows.values_list("count", flat=True).first() or 1
        try:
            with transaction.atomic():
                ApiRateWindow.objects.create(scope=scope, key=key, window_start=start, count=1)
                # Rows of keys not seen for a window are no longer needed; cleared as new keys come.
                ApiRateWindow.objects.filter(window_start__lt=start - timedelta(seconds=window_seconds)).delete()
            return 1
        except IntegrityError:
            continue  # another process counted this key's first request a moment ago: count on its row
    return 1
