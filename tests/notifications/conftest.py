"""Fixtures for customer e-mail tests: stock to ship, an outbox folder of the test's own, a way to run the worker."""

import email
from email import policy
from pathlib import Path

import pytest

from orderly.core.actors import Actor
from tests.shipping.helpers import receive, variant
from tests.worker import run_queued_tasks

SYSTEM = Actor.system()


@pytest.fixture
def esp(db):
    variant("ESP-250")
    return receive("ESP-250", 20)


@pytest.fixture
def outbox(settings, tmp_path) -> Path:
    """Django's file backend writing into a folder of this test (as Orderly does into <data dir>/outbox/)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "outbox"
    settings.DEFAULT_FROM_EMAIL = "Roastery <orders@roastery.example>"
    return settings.EMAIL_FILE_PATH


def outbox_mails(folder: Path) -> list[email.message.EmailMessage]:
    """The e-mails the file backend wrote, oldest first, parsed. It writes a file per connection, named by the second
    and the connection's id (so by the time written, not the name), and separates messages by a line of dashes."""
    mails = []
    for path in sorted(folder.glob("*.log"), key=lambda found: found.stat().st_mtime_ns):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                mails.append(email.message_from_bytes(chunk, policy=policy.default))
    return mails


def run_worker() -> int:
    """The task worker over every task that is due (as `orderly worker` runs them); how many ran."""
    return run_queued_tasks()


PARCEL_EMAIL_TASKS = (
    "orderly.notifications.tasks.queue_shipped_email",
    "orderly.notifications.tasks.queue_delivered_email",
)


def queue_parcel_emails() -> int:
    """Run only the tasks that shipping and carriers queued for a parcel shipped or delivered, as the worker would
    (the e-mails they queue stay queued: their sending tasks wait); how many ran."""
    from django_tasks_db.models import DBTaskResult

    from tests.worker import run_task_result

    ran = 0
    for result in DBTaskResult.objects.ready().filter(task_path__in=PARCEL_EMAIL_TASKS).order_by("enqueued_at", "id"):
        run_task_result(result)
        ran += 1
    return ran
