"""Log lines as JSON (LOG_FORMAT=json), each naming its request or task and the order it concerns."""

import io
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.test import Client

from orderly.core.logs import JsonFormatter, StderrHandler, current_context, log_context, log_order, logs_order
from orderly.settings import logging_config
from tests.factories import make_order

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def json_lines():
    """What the root logger writes from now on, as JsonFormatter writes it, one parsed object per line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_line_is_one_json_object_with_the_context_the_extra_fields_and_the_exception():
    record = logging.LogRecord("orderly.orders", logging.ERROR, __file__, 1, "Order %s failed", ("OR-000007",), None)
    record.created = 1772452800.25  # 2026-03-02 12:00:00.250 UTC
    record.sku = "ESP-250"
    try:
        raise ValueError("no stock\nat all")
    except ValueError:
        record.exc_info = sys.exc_info()

    with log_context(request_id="req-1", order_number="OR-000007"):
        line = JsonFormatter().format(record)

    assert "\n" not in line
    parsed = json.loads(line)
    exception = parsed.pop("exception")
    assert parsed == {
        "time": "2026-03-02T12:00:00.250+00:00",
        "level": "ERROR",
        "logger": "orderly.orders",
        "message": "Order OR-000007 failed",
        "request_id": "req-1",
        "order_number": "OR-000007",
        "sku": "ESP-250",
    }
    assert exception.startswith("Traceback (most recent call last):")
    assert exception.endswith("ValueError: no stock\nat all")


def test_an_order_api_request_logs_a_line_with_its_request_id_and_order_number(db, tokens, json_lines):
    order = make_order()

    response = Client().get(
        f"/api/v1/orders/{order.number}",
        HTTP_AUTHORIZATION=f"Bearer {tokens['viewer']}",
        HTTP_X_REQUEST_ID="lb-7f3a9c",
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "lb-7f3a9c"
    [access] = [line for line in json_lines() if line["logger"] == "orderly.access"]
    duration = access.pop("duration_ms")
    access.pop("time")
    assert access == {
        "level": "INFO",
        "logger": "orderly.access",
        "message": f"GET /api/v1/orders/{order.number} 200 {duration:.0f} ms",
        "request_id": "lb-7f3a9c",
        "order_number": order.number,
        "method": "GET",
        "path": f"/api/v1/orders/{order.number}",
        "route": "/api/v1/orders/<number>",
        "status": 200,
    }
    assert current_context() == {}  # nothing is left behind for the next request of this thread


def test_a_web_action_on_an_order_logs_its_number(db, users, json_lines):
    order = make_order(status="draft")
    client = Client()
    client.force_login(users["operator"])

    response = client.post(f"/orders/{order.number}/open/")

    assert response.status_code == 302
    [access] = [line for line in json_lines() if line["logger"] == "orderly.access"]
    assert (access["order_number"], access["route"], access["status"]) == (
        order.number,
        "/^orders/(?P<number>[^/]+)/(?P<action>open|cancel|archive|unarchive|reset)/$",
        302,
    )
    assert re.fullmatch(r"[0-9a-f]{32}", access["request_id"])
    assert response["X-Request-ID"] == access["request_id"]


@pytest.mark.parametrize("given", ["", "two words", "x" * 129, 'quote"d', "new\nline"])
def test_a_request_id_that_is_not_short_and_plain_is_replaced(db, given):
    response = Client().get("/health", HTTP_X_REQUEST_ID=given)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_service_on_an_order_names_it_while_it_runs(json_lines):
    @logs_order
    def order_touch(*, order):
        logging.getLogger("orderly.orders").info("touched")

    class Order:
        number = "OR-000042"

    with log_context(request_id="req-9", order_number=None):  # as the middleware opens each request
        log_order("OR-000001")
        order_touch(order=Order())
        logging.getLogger("orderly.orders").info("after")

    lines = [(line["message"], line.get("order_number"), line["request_id"]) for line in json_lines()]
    assert lines == [("touched", "OR-000042", "req-9"), ("after", "OR-000001", "req-9")]
    assert current_context() == {}


def test_log_format_json_switches_every_line_to_json_and_text_stays_the_default():
    assert logging_config("json", "INFO")["handlers"]["console"] == {
        "class": "orderly.core.logs.StderrHandler",
        "formatter": "json",
    }
    assert logging_config("text", "INFO")["handlers"]["console"] == {"class": "orderly.core.logs.StderrHandler"}


def test_the_console_writes_to_stderr_as_it_is_when_a_line_is_written(monkeypatch):
    borrowed, current = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", borrowed)
    handler = StderrHandler()  # set up while stderr is borrowed, as a command run inside a test sets logging up
    borrowed.close()  # the test's capture ends
    monkeypatch.setattr(sys, "stderr", current)

    handler.emit(logging.LogRecord("orderly.access", logging.INFO, __file__, 1, "GET /health 200 3 ms", None, None))

    assert current.getvalue() == "GET /health 200 3 ms\n"


def _run(script: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("LOG_FORMAT", "DJANGO_SETTINGS_MODULE")}
    environment.update(DJANGO_SETTINGS_MODULE="orderly.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], env=environment, cwd=ROOT, capture_output=True, text=True
    )


def test_with_log_format_json_a_process_writes_json_lines_to_stderr(tmp_path):
    done = _run(
        """
        import logging
        import django

        django.setup()
        from orderly.core.logs import log_context

        with log_context(task_id="5d1c", order_number="OR-000003"):
            logging.getLogger("orderly.shipping").warning("Label refused", extra={"carrier": "PostNL"})
        logging.getLogger("django.request").error("Internal Server Error: /orders/")
        """,
        LOG_FORMAT="json",
        ORDERLY_DATA_DIR=str(tmp_path),
    )

    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    for line in lines:
        del line["time"]
    assert lines == [
        {
            "level": "WARNING",
            "logger": "orderly.shipping",
            "message": "Label refused",
            "task_id": "5d1c",
            "order_number": "OR-000003",
            "carrier": "PostNL",
        },
        {"level": "ERROR", "logger": "django.request", "message": "Internal Server Error: /orders/"},
    ]


def test_an_unknown_log_format_is_refused_with_what_to_use(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "orderly.cli", "check"],
        env={**os.environ, "LOG_FORMAT": "yaml", "ORDERLY_DATA_DIR": str(tmp_path)},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )

    assert done.returncode == 1
    assert done.stderr == "orderly: error: ImproperlyConfigured: LOG_FORMAT must be text or json, not 'yaml'.\n"
