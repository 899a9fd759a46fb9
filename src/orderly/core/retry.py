"""Running a locking service's transaction again when the database gave up on it for a reason that passes.

With every row lock taken in the global order (orderly.core.locks) two services do not deadlock on the rows they
lock; yet PostgreSQL can still end a transaction for reasons a second try gets past: a serialization failure
(SQLSTATE 40001), a deadlock through locks no service takes by hand (40P01: a unique index two inserts race
for), a lock wait longer than `lock_timeout` (55P03). `retry_on_conflict` runs the whole transaction again, a
bounded number of times with a growing, jittered pause, and then refuses with 409 `busy` and a message, never a
server error. It wraps the outermost transaction only: called inside a transaction that is already open (a
service calling another, a request's idempotency block), it runs the function as it is and leaves the retry to
whoever opened that transaction, since a nested savepoint cannot be retried once the transaction is aborted.
"""

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction

from orderly.core import locks
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

ATTEMPTS = 4
FIRST_PAUSE = 0.02  # seconds; doubled each time, each pause drawn between half and all of it
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


def is_transient(error: BaseException) -> bool:
    """Whether the database refused for a reason that a new attempt of the same transaction can get past:
    PostgreSQL's serialization failure, deadlock or lock timeout (SQLite: its database lock)."""
    if isinstance(error, locks.LockSetChanged):
        return True
    if not isinstance(error, DatabaseError):
        return False
    cause = error.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state in TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(error) or "database table is locked" in str(error)


def pause_for(seconds: float) -> None:
    """The wait between two attempts (a function of its own, so that tests can count the waits)."""
    time.sleep(seconds)


def _busy(attempts: int) -> Conflict:
    return Conflict(
        f"The records this needs are busy with other changes (tried {attempts} times); nothing was changed. "
        "Try again in a moment.",
        code=ErrorCode.BUSY,
        attempts=attempts,
    )


def run_with_retry(function: Callable[[], R], *, attempts: int = ATTEMPTS, using: str | None = None) -> R:
    """`function()` in a transaction of its own, run again (up to `attempts` in all) when the database refuses it
    for a transient reason; then Conflict `busy`. Inside an open transaction it just calls `function()`."""
    if locks.nested() or transaction.get_connection(using).in_atomic_block:
        with locks.entry():
            return function()
    pause = FIRST_PAUSE
    for attempt in range(1, attempts + 1):
        try:
            # the entry closes before the commit, so work run on commit (a task queued by an immediate backend)
            # starts as an entry point of its own, not inside this one's locks
            with transaction.atomic(using=using), locks.entry():
                return function()
        except Exception as error:
            if not is_transient(error):
                raise
            if attempt == attempts:
                logger.warning("gave up after %d attempts: %s", attempts, error)
                raise _busy(attempts) from error
            logger.info("attempt %d of %d refused by the database, trying again: %s", attempt, attempts, error)
        pause_for(random.uniform(pause / 2, pause))  # jitter: two retrying writers do not meet again in step
        pause *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def _under_plain_atomic(function: Callable) -> Callable | None:
    """The function `@transaction.atomic` (default database, with a savepoint, not durable) decorates, or None
    when `function` is not such a decoration."""
    wrapped = getattr(function, "__wrapped__", None)
    for cell in getattr(function, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:  # a cell not filled yet
            continue
        if isinstance(value, transaction.Atomic) and value.using in (None, DEFAULT_DB_ALIAS):
            return wrapped if value.savepoint and not value.durable else None
    return None


def retry_on_conflict(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service entry point that takes row locks (put it above `@transaction.atomic`): its whole
    transaction is retried on a transient database refusal and otherwise refused with 409 `busy`.

    Called outside any transaction, a service under `@transaction.atomic` runs its body in the retry's own
    transaction: that atomic would only open a savepoint inside it (two more round trips to the database for
    nothing, on every service call). Inside an open transaction it runs as written, savepoint included."""
    body = _under_plain_atomic(function)

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if body is not None and not locks.nested() and not transaction.get_connection().in_atomic_block:
            return run_with_retry(lambda: body(*args, **kwargs))
        return run_with_retry(lambda: function(*args, **kwargs))

    return wrapper
