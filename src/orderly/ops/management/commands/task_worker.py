"""`orderly task_worker`: django-tasks-db's db_worker with a heartbeat of its own and the reaper of lost tasks."""

from django_tasks_db.management.commands import db_worker

from orderly.ops.reaper import tasks_reclaim
from orderly.ops.task_worker import Heartbeat, process_beat, process_end


class Command(db_worker.Command):
    help = (
        "Run a task worker that beats its own heartbeat (by its --worker-id) and gives back to the queue the tasks "
        "of workers that stopped beating (ORDERLY_WORKER_STALE_SECONDS); otherwise db_worker's options"
    )

    def handle(self, *args, worker_id: str, reload: bool, **options) -> None:
        # Without the autoreloader: the row and the thread belong to the one process that claims the tasks.
        process_beat(worker_id=worker_id)  # before the first claim, so no task of ours ever looks orphaned
        tasks_reclaim(reclaimed_by=worker_id)
        heartbeat = Heartbeat(worker_id)
        heartbeat.start()
        try:
            super().handle(*args, worker_id=worker_id, reload=False, **options)
        finally:
            heartbeat.stop()
            process_end(worker_id=worker_id)
