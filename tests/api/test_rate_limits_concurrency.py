"""Rate limits counted by many processes at once (threads with their own connections here): no request is lost from
the count, so exactly the limit is let through."""

import threading

import pytest
from django.db import connection

from orderly.core.models import ApiRateWindow
from orderly.core.ratelimit import rate_hit
from tests.bounds import WAIT_BOUND

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent writers"),
    pytest.mark.django_db(transaction=True),
]


def test_requests_counted_at_once_let_exactly_the_limit_through():
    threads, per_thread, limit = 8, 10, 50
    barrier = threading.Barrier(threads)
    answers, errors = [], []

    def work():
        try:
            barrier.wait()
            for _ in range(per_thread):
                answers.append(rate_hit(scope="address", key="192.0.2.9", limit=limit, window_seconds=3600))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    running = [threading.Thread(target=work) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=WAIT_BOUND)

    assert errors == []
    assert len(answers) == threads * per_thread
    assert sum(answer is None for answer in answers) == limit
    assert ApiRateWindow.objects.get(key="192.0.2.9").count == threads * per_thread
