"""Prometheus metrics: what the web processes count as they answer, and what the database holds, read at each scrape.

`orderly serve` runs several granian worker processes and sets PROMETHEUS_MULTIPROC_DIR for them (a folder emptied
at start): each process then writes its counts to files there, and a scrape of any process sums them over all.
Without that variable (tests, runserver, one process) the counts live in this process's memory.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from orderly.ops.selectors import operations_figures

MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if MULTIPROCESS_DIR:
    # The folder must exist before the first count is written, or every request would fail.
    Path(MULTIPROCESS_DIR).mkdir(parents=True, exist_ok=True)

# `_created` series double the output and mean nothing summed over processes.
prometheus_client.disable_created_metrics()

# Every other method is counted as "other", so that what a client sends cannot grow the label set.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Seconds: a page or API call takes milliseconds; a PDF of many labels or a CSV import takes seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "orderly_http_requests",
    "HTTP requests answered, by method and status code.",
    ["method", "status"],
)
LATENCY = Histogram(
    "orderly_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and URL pattern (the route, never the path itself).",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)


def observe_request(*, method: str, status: int, route: str, seconds: float) -> None:
    method = method if method in METHODS else "other"
    REQUESTS.labels(method=method, status=str(status)).inc()
    LATENCY.labels(method=method, route=route).observe(seconds)


class DatabaseCollector:
    """Gauges read from the database at scrape time, by whichever process is scraped (so never summed)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = operations_figures()
        yield _family(
            "orderly_sync_runs_last_24h",
            "Channel sync runs started in the last 24 hours, by status.",
            "status",
            figures.sync_runs_last_24h,
        )
        yield _family(
            "orderly_channel_pushes",
            "Updates waiting to reach the shops (outbox): pending (not tried yet), retrying (failed at least once, "
            "tried again later) and failed (given up, until a person retries).",
            "state",
            figures.pushes,
        )
        yield _family(
            "orderly_tasks",
            "Background tasks: waiting (queued, due or not), running and failed (all kept).",
            "state",
            figures.tasks,
        )
        yield GaugeMetricFamily(
            "orderly_tasks_oldest_waiting_seconds",
            "Age of the oldest due task still waiting for the worker (0 when none waits).",
            value=figures.oldest_waiting_seconds or 0.0,
        )
        yield _family(
            "orderly_orders_in_error",
            "Orders (not archived, not test orders) carrying an error that blocks processing, by error code.",
            "code",
            figures.orders_in_error,
        )
        yield _family(
            "orderly_tasks_reclaimed_last_24h",
            "Running tasks taken back from a task worker that stopped beating in the last 24 hours: requeued (run "
            "again by another worker) or failed (lost their worker too often).",
            "outcome",
            figures.tasks_reclaimed_last_24h,
        )
        yield _family(
            "orderly_task_workers",
            "Task worker processes: alive (beat within ORDERLY_WORKER_STALE_SECONDS) and silent (killed, or their "
            "machine gone; their tasks are reclaimed). A clean stop removes a worker.",
            "state",
            figures.task_workers,
        )
        yield _family("orderly_batches", "Order batches by status.", "status", figures.batches)
        yield GaugeMetricFamily(
            "orderly_labels_booked_last_24h",
            "Shipping labels booked with the carriers in the last 24 hours.",
            value=figures.labels_booked_last_24h,
        )
        yield _family(
            "orderly_labels_waiting",
            "Parcels without a live label: booking (the carrier's answer not known yet) and failed (refused or "
            "unreachable; booked again by a person or a batch's reprocess).",
            "state",
            figures.labels_waiting,
        )
        age = GaugeMetricFamily(
            "orderly_worker_heartbeat_age_seconds",
            "Seconds since each background process (role@host) last showed it is alive.",
            labels=["process"],
        )
        for name, seconds in figures.heartbeat_ages.items():
            age.add_metric([name], seconds)
        yield age


def _family(name: str, documentation: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in values.items():
        family.add_metric([key], value)
    return family


def scrape_registry(*, database: bool = True) -> CollectorRegistry:
    """What a scrape shows: the request counts (of every process in multiprocess mode, else of this one, with its
    process and Python figures) and, with `database`, the gauges read from the database."""
    registry = CollectorRegistry()
    if MULTIPROCESS_DIR:
        MultiProcessCollector(registry, path=MULTIPROCESS_DIR)
    else:
        # This process's registry, collected as one collector (it has no `describe`, so it claims no names here).
        registry.register(prometheus_client.REGISTRY)
    if database:
        registry.register(DatabaseCollector())
    return registry
