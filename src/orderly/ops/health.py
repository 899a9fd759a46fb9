"""Orderly's health, as load balancers and monitors ask for it at `/health`.

"ok": the database answers, every migration is applied and a background process beat lately. "degraded": the web
can serve, but no worker has shown itself alive for WORKER_STALE_AFTER (syncs, pushes and imports wait). "down":
the database does not answer or migrations are missing; nothing can be served.
"""

import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from orderly.ops.selectors import queue_state, worker_state

logger = logging.getLogger(__name__)

OK, DEGRADED, DOWN = "ok", "degraded", "down"


def _database() -> dict:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"reachable": True, "vendor": connection.vendor}


def _pending_migrations() -> int:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _unknown(database: dict, migrations: dict) -> dict:
    return {
        "status": DOWN,
        "database": database,
        "migrations": migrations,
        "worker": {"last_heartbeat": None, "age_seconds": None, "ok": False},
        "tasks": {"waiting": None, "oldest_waiting_seconds": None, "failed_last_hour": None},
    }


def health() -> dict:
    """The health report: always the same keys, values None where they could not be read. Never raises for a
    database that fails: that is what it reports (the error's class here, its message in the log)."""
    try:
        database = _database()
    except DatabaseError as exc:
        logger.warning("Health check: the database does not answer: %s", exc)
        return _unknown({"reachable": False, "error": type(exc).__name__}, {"applied": None, "pending": None})
    try:
        pending = _pending_migrations()
    except DatabaseError as exc:
        logger.warning("Health check: the applied migrations cannot be read: %s", exc)
        return _unknown({**database, "error": type(exc).__name__}, {"applied": None, "pending": None})
    migrations = {"applied": pending == 0, "pending": pending}
    if pending:
        # The tables the rest is read from may not be there yet.
        return _unknown(database, migrations)
    now = timezone.now()
    try:
        worker, queue = worker_state(now), queue_state(now)
    except DatabaseError as exc:
        logger.warning("Health check: the worker and task figures cannot be read: %s", exc)
        return _unknown({**database, "error": type(exc).__name__}, migrations)
    return {
        "status": OK if worker.ok else DEGRADED,
        "database": database,
        "migrations": migrations,
        "worker": {
            "last_heartbeat": worker.last_heartbeat.isoformat() if worker.last_heartbeat else None,
            "age_seconds": worker.age_seconds,
            "ok": worker.ok,
        },
        "tasks": {
            "waiting": queue.waiting,
            "oldest_waiting_seconds": queue.oldest_waiting_seconds,
            "failed_last_hour": queue.failed_last_hour,
        },
    }
