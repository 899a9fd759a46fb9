"""`orderly channel_scheduler`: enqueue due channel syncs and outbox retries for the worker, every few seconds.

Run it beside the worker (`orderly worker`); `orderly serve` starts both. `--once` checks once and exits (cron).
"""

import time

from django.core.management.base import BaseCommand

from orderly.channels.services.runs import runs_interrupt_stale
from orderly.channels.tasks import enqueue_due


class Command(BaseCommand):
    help = "Enqueue due channel syncs and outbox retries for the background worker."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between checks (default 30)")
        parser.add_argument("--once", action="store_true", help="check once and exit")

    def handle(self, *args, interval: float, once: bool, **options):
        # Runs left `running` by a worker killed while the scheduler was down are closed before anything is queued.
        if stale := runs_interrupt_stale():
            self.stdout.write(f"Marked {stale} sync run(s) whose process was gone as interrupted.")
        while True:
            count = enqueue_due()
            if count:
                self.stdout.write(f"Enqueued {count} channel job(s).")
            if once:
                return
            time.sleep(max(interval, 1.0))
