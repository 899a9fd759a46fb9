"""A task worker process's own heartbeat: a row by its worker id, beaten from a thread while tasks run.

`orderly worker` runs `orderly task_worker` (django-tasks-db's db_worker with this around it). The row exists
before the first task is claimed and is deleted when the worker stops cleanly; a worker killed leaves it to go
silent, which is how the other workers' reapers (orderly.ops.reaper) know its tasks were lost. The thread beats
whatever the worker's main thread is doing, so a long task never looks like a dead worker.
"""

import logging
import os
import socket
import threading
from datetime import timedelta

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from orderly.core.models import TaskWorkerProcess
from orderly.core.services import worker_beat
from orderly.notifications.services import emails_sweep_enqueue
from orderly.ops.reaper import finished_tasks_prune_due, stale_after, tasks_reclaim
from orderly.ops.worker import TASK_WORKER

logger = logging.getLogger(__name__)

# Beat about six times within the stale period (a loaded machine may miss a few), every 30 s at most.
MAX_BEAT_SECONDS = 30.0
MIN_BEAT_SECONDS = 0.5


def beat_interval(stale: timedelta | None = None) -> float:
    seconds = (stale or stale_after()).total_seconds()
    return min(MAX_BEAT_SECONDS, max(MIN_BEAT_SECONDS, seconds / 6))


def process_beat(*, worker_id: str, started_at=None) -> TaskWorkerProcess:
    """Record that the task worker `worker_id` (this process) is alive now; its first beat creates its row."""
    now = timezone.now()
    row, _ = TaskWorkerProcess.objects.update_or_create(
        worker_id=worker_id,
        defaults={"beat_at": now},
        create_defaults={
            "beat_at": now,
            "host": socket.gethostname()[:150],
            "pid": os.getpid(),
            "started_at": started_at or now,
        },
    )
    return row


def process_end(*, worker_id: str) -> None:
    """A clean stop: the worker's row goes, and with it any doubt about the tasks it ran (it finished them)."""
    TaskWorkerProcess.objects.filter(worker_id=worker_id).delete()


class Heartbeat(threading.Thread):
    """Beats for one worker, and runs the reaper, every `interval` seconds until `stop()`."""

    def __init__(self, worker_id: str, interval: float | None = None):
        super().__init__(name=f"heartbeat {worker_id}", daemon=True)
        self.worker_id = worker_id
        self.interval = interval or beat_interval()
        self._stopping = threading.Event()

    def beat(self) -> None:
        """One beat, one pass of the reaper, the pruning of old finished tasks when due, and the e-mail sweep's
        check; a database that fails is logged and tried again at the next."""
        try:
            process_beat(worker_id=self.worker_id)
            worker_beat(role=TASK_WORKER)  # the role@host row /health reads, kept fresh while idle too
            tasks_reclaim(reclaimed_by=self.worker_id)
            finished_tasks_prune_due()
            emails_sweep_enqueue()  # a customer e-mail whose task died with its worker is still sent
        except DatabaseError as exc:
            logger.warning("The task worker %s could not beat: %s", self.worker_id, exc)
        finally:
            close_old_connections()

    def run(self) -> None:
        try:
            while not self._stopping.wait(self.interval):
                self.beat()
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._stopping.set()
        self.join(timeout=self.interval + 30)
