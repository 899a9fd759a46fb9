"""What a log line is about (the request, the task, the order) and the JSON form of log lines.

The request middleware sets the request id, the task worker the task id; views and services that work on one order
call `log_order(number)`. Every log line written meanwhile carries them: `JsonFormatter` (LOG_FORMAT=json) puts them
beside the message, one JSON object per line.
"""

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import wraps
from typing import TypeVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id: ContextVar[str | None] = ContextVar("task_id", default=None)
order_number: ContextVar[str | None] = ContextVar("order_number", default=None)

F = TypeVar("F", bound=Callable)

_CONTEXT = {"request_id": request_id, "task_id": task_id, "order_number": order_number}


def log_order(number: str | None) -> None:
    """The order the current request or task works on, named in its log lines from now on (until it ends)."""
    order_number.set(str(number)[:100] if number else None)


def logs_order(service: F) -> F:
    """For a service that takes `order=`: the log lines written while it runs name that order."""

    @wraps(service)
    def run(*args, **kwargs):
        number = getattr(kwargs.get("order"), "number", None)
        if not number:
            return service(*args, **kwargs)
        with log_context(order_number=str(number)[:100]):
            return service(*args, **kwargs)

    return run


@contextmanager
def log_context(**values: str | None) -> Iterator[None]:
    """Set `request_id`, `task_id` and/or `order_number` for the block; the previous values come back after it."""
    tokens = [(_CONTEXT[name], _CONTEXT[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


def current_context() -> dict[str, str]:
    """The context values set now, by name (unset ones left out)."""
    return {name: value for name, variable in _CONTEXT.items() if (value := variable.get()) is not None}


# The attributes every LogRecord has; anything else on a record came from `extra=` and is written as a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message; the request id, task id and order
    number when set; the fields given with `extra=`; `exception` (the traceback as text) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(current_context())
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                line.setdefault(key, value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        # default=str: an extra value JSON has no type for (a Decimal, a date) is written as its text.
        return json.dumps(line, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to the process's stderr as it is when each line is written, not as it was when logging was set up
    (a command run inside another program, as tests run them, may set logging up again while stderr is borrowed)."""

    def __init__(self, level: int = logging.NOTSET):
        logging.Handler.__init__(self, level)

    @property
    def stream(self):
        return sys.stderr
