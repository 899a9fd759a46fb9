"""Sending in the worker: SMTP when configured, retries with backoff, then failed with the error; the sweep."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orderly.notifications.models import EmailMessage
from orderly.notifications.services import email_send, emails_send_due, emails_sweep_enqueue
from orderly.notifications.services.sending import backoff
from orderly.ops.task_worker import Heartbeat
from orderly.settings import smtp_tls_mode
from orderly.shipping.services import fulfillment_create
from tests.notifications.conftest import SYSTEM, outbox_mails, queue_parcel_emails, run_worker
from tests.notifications.smtp_server import SmtpServer, closed_port
from tests.shipping.helpers import order_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "", ""
        settings.EMAIL_TIMEOUT = 5
        settings.DEFAULT_FROM_EMAIL = "orders@roastery.example"
        yield server


def _queued(django_capture_on_commit_callbacks) -> EmailMessage:
    order = order_of({"sku": "ESP-250", "quantity": 2, "name": "Espresso blend 250 g"})
    with django_capture_on_commit_callbacks(execute=True):
        fulfillment_create(order=order, actor=SYSTEM, carrier="PostNL", tracking_number="3SXYZ")
    queue_parcel_emails()
    DBTaskResult.objects.all().delete()  # the tests below attempt it themselves
    return EmailMessage.objects.get()


def _events(message) -> list[str]:
    return list(message.order.events.filter(kind__startswith="email_").order_by("id").values_list("kind", flat=True))


def test_with_smtp_settings_the_email_goes_to_the_smtp_server(esp, smtp, django_capture_on_commit_callbacks):
    message = _queued(django_capture_on_commit_callbacks)

    sent = email_send(message_id=message.pk)

    assert (sent.status, sent.attempts, sent.last_error) == ("sent", 1, "")
    [(sender, recipients, data)] = smtp.behaviour.received
    assert (sender, recipients) == ("orders@roastery.example", ["anna@example.com"])
    assert f"Subject: Your order {message.order.number} is on its way" in data.decode()
    assert "  2 × Espresso blend 250 g" in data.decode()


def test_a_failed_attempt_stays_queued_and_waits_for_its_next_attempt(
    esp, settings, django_capture_on_commit_callbacks
):
    message = _queued(django_capture_on_commit_callbacks)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
        "127.0.0.1", closed_port(), False, 5
    )  # fmt: skip
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        failed = email_send(message_id=message.pk)

    assert (failed.status, failed.attempts, failed.sent_at) == ("queued", 1, None)
    assert failed.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert before + dt.timedelta(minutes=2) <= failed.next_attempt_at <= timezone.now() + dt.timedelta(minutes=2)
    [(task_path, args, run_after)] = DBTaskResult.objects.values_list("task_path", "args_kwargs", "run_after")
    assert (task_path, args, run_after) == (
        "orderly.notifications.tasks.send_email", {"args": [message.pk], "kwargs": {}}, failed.next_attempt_at
    )  # fmt: skip
    assert email_send(message_id=message.pk) is None  # not due yet
    assert emails_send_due() == 0
    assert _events(failed) == ["email_queued"]  # a retry is no news on the timeline


def test_after_the_last_attempt_the_email_is_failed_with_its_error(esp, smtp, django_capture_on_commit_callbacks):
    message = _queued(django_capture_on_commit_callbacks)
    smtp.behaviour.fail_data = EmailMessage.MAX_ATTEMPTS

    for attempt in range(1, EmailMessage.MAX_ATTEMPTS + 1):
        EmailMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        message = email_send(message_id=message.pk)
        assert (message.attempts, message.status) == (
            attempt, "queued" if attempt < EmailMessage.MAX_ATTEMPTS else "failed"
        )  # fmt: skip

    assert message.last_error == "SMTPDataError: (451, b'4.3.0 Try again later')"
    assert message.next_attempt_at is None
    assert smtp.behaviour.received == []
    assert _events(message) == ["email_queued", "email_failed"]
    assert message.order.events.get(kind="email_failed").message == (
        "The shipped e-mail to anna@example.com failed after 5 attempts: SMTPDataError: (451, b'4.3.0 Try again later')"
    )
    assert email_send(message_id=message.pk) is None  # failed is final


def test_a_temporary_failure_is_sent_at_a_later_attempt(esp, smtp, django_capture_on_commit_callbacks):
    message = _queued(django_capture_on_commit_callbacks)
    smtp.behaviour.fail_data = 1

    assert email_send(message_id=message.pk).status == "queued"
    EmailMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert emails_send_due() == 1

    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 2, "")
    assert len(smtp.behaviour.received) == 1


def test_an_address_the_server_refuses_fails_at_once(esp, smtp, django_capture_on_commit_callbacks):
    message = _queued(django_capture_on_commit_callbacks)
    smtp.behaviour.refuse_recipient = 550

    failed = email_send(message_id=message.pk)

    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error == ("SMTPRecipientsRefused: {'anna@example.com': (550, b'5.1.1 No such user here')}")


def test_a_worker_run_after_the_wait_sends_the_retry(esp, outbox, settings, django_capture_on_commit_callbacks):
    message = _queued(django_capture_on_commit_callbacks)
    settings.EMAIL_FILE_PATH = outbox / "not-a-folder"
    outbox.mkdir()
    (outbox / "not-a-folder").write_text("a file where the folder should be")

    with django_capture_on_commit_callbacks(execute=True):
        assert email_send(message_id=message.pk).status == "queued"
    settings.EMAIL_FILE_PATH = outbox
    run_worker()  # the retry's task waits for its time
    assert EmailMessage.objects.get().status == "queued"

    EmailMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    DBTaskResult.objects.update(run_after=timezone.now())
    run_worker()

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(outbox_mails(outbox)) == 1


def test_backoff_doubles_up_to_two_hours():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [120, 240, 480, 960]
    assert backoff(20) == dt.timedelta(hours=2)


@pytest.mark.parametrize(
    ("raw", "mode"),
    [(None, "starttls"), ("", "starttls"), ("1", "starttls"), ("STARTTLS", "starttls"), ("ssl", "ssl"),
     ("0", "off"), ("false", "off"), ("off", "off")],
)  # fmt: skip
def test_smtp_tls_setting(raw, mode):
    assert smtp_tls_mode(raw) == mode


def test_an_unknown_smtp_tls_setting_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="ORDERLY_SMTP_TLS must be one of starttls, ssl, off, not 'tls1'"):
        smtp_tls_mode("tls1")


def test_an_email_whose_task_died_with_its_worker_is_swept_up_by_the_next_beat(
    esp, django_capture_on_commit_callbacks, monkeypatch
):
    # the beat's thread closes its connection after each beat; here the beat shares the test's transaction
    monkeypatch.setattr("orderly.ops.task_worker.close_old_connections", lambda: None)
    message = _queued(django_capture_on_commit_callbacks)  # queued, its task gone (as with a killed worker)
    due = message.next_attempt_at

    assert emails_sweep_enqueue(now=due + dt.timedelta(minutes=1)) is False  # its own task may still come
    assert DBTaskResult.objects.count() == 0
    EmailMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - dt.timedelta(minutes=3))

    Heartbeat("sweep-test-worker", interval=1).beat()

    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "orderly.notifications.tasks.send_due_emails"
    ]
    assert run_worker() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)
    assert emails_sweep_enqueue() is False  # nothing overdue any more
