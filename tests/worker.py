"""Running the database task queue inside a test, the way `orderly worker` does: each waiting task is claimed
and run by django_tasks_db's own worker code, so a test sees what production does (the queued row, then the
worker), not a task run inside the request."""

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def _worker() -> Worker:
    return Worker(
        queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False, max_tasks=None,
        worker_id="test-worker", excluded_queue_names=[],
    )  # fmt: skip


def run_task_result(result: DBTaskResult) -> None:
    """Claim and run one waiting task as the worker does (a task that raises is recorded as failed)."""
    worker = _worker()
    result.claim(worker.worker_id)
    worker.run_task(result)


def run_queued_tasks(*, limit: int = 100) -> int:
    """Run the tasks waiting in the queue, oldest first, including those they queue in turn (at most `limit`).
    Returns how many ran. A task that raises is recorded as failed, as the worker records it."""
    ran = 0
    while ran < limit and (result := DBTaskResult.objects.ready().order_by("enqueued_at", "id").first()):
        run_task_result(result)
        ran += 1
    return ran
