"""Database refusals that reached an interface, counted for operations to read.

An IntegrityError or DataError that gets as far as an API endpoint means a service let through input it should
have refused with a clear error of its own (a value out of range, a duplicate it did not look for). Each is
logged at ERROR with where it happened and counted here; a count above zero is a bug to fix in the service.

The counts are this process's since it started (each server worker keeps its own), read with `fault_counts()`.
"""

import logging
import threading
from collections import Counter

logger = logging.getLogger(__name__)

INTEGRITY_ERROR = "integrity_error"
DATA_ERROR = "data_error"
KINDS = (INTEGRITY_ERROR, DATA_ERROR)

_lock = threading.Lock()
_counts: Counter[str] = Counter()


def fault_record(kind: str, *, method: str, path: str, error: BaseException) -> None:
    """Log a database refusal that reached `method path` at ERROR, and count it under `kind` (one of KINDS)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown fault kind {kind!r}; one of {', '.join(KINDS)}.")
    logger.error(
        "%s reached %s %s: %s. A service should have refused this input with its own error first.",
        type(error).__name__,
        method,
        path,
        error,
    )
    with _lock:
        _counts[kind] += 1


def fault_counts() -> dict[str, int]:
    """How many database refusals of each kind reached an interface in this process."""
    with _lock:
        return {kind: _counts[kind] for kind in KINDS}
