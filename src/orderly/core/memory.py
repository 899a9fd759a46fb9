"""Memory management for bulk work."""

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Hold back Python's cycle collector while a bounded batch (one page of a sync, one import) is built and
    written. Such a batch allocates hundreds of thousands of containers that all stay alive until it is written,
    so the collections they trigger find nothing to free, yet each full one walks the whole heap (a third of a
    bulk import's time was spent there). Garbage made meanwhile is collected as usual once the batch is done.
    Nested uses leave the collector to the outermost one."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
