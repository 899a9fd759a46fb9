"""`orderly channel_scheduler`: enqueue due channel syncs, outbox retries and parcel tracking polls for the worker,
every few seconds.

Run it beside the worker (`orderly worker`); `orderly serve` starts both. `--once` checks once and exits (cron).
Each check also beats the scheduler's heartbeat, which `/health` reads to tell whether a worker runs.
"""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from orderly.carriers.services.scheduling import enqueue_tracking_polls
from orderly.channels.services.runs import runs_interrupt_stale
from orderly.channels.services.scheduling import enqueue_due
from orderly.core.services import worker_beat

logger = logging.getLogger(__name__)

SCHEDULER = "scheduler"


class Command(BaseCommand):
    help = "Enqueue due channel syncs and outbox retries for the background worker."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between checks (default 30)")
        parser.add_argument("--once", action="store_true", help="check once and exit")

    def handle(self, *args, interval: float, once: bool, **options):
        # Runs left `running` by a worker killed while the scheduler was down are closed before anything is queued.
        if stale := runs_interrupt_stale():
            logger.info("Marked %s sync run(s) whose process was gone as interrupted.", stale)
        while True:
            self.beat()
            count = enqueue_due() + enqueue_tracking_polls()
            if count:
                logger.info("Enqueued %s channel job(s).", count)
            if once:
                return
            time.sleep(max(interval, 1.0))

    def beat(self) -> None:
        try:
            worker_beat(role=SCHEDULER)
        except DatabaseError as exc:  # a database that hiccups now may answer at the next check
            logger.warning("The scheduler's heartbeat was not written: %s", exc)
