"""The shipped e-mail: queued when a parcel gets its tracking number, sent by the worker into the outbox folder."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from orderly.billing.pdf import invoice_pdf
from orderly.billing.services import invoice_create
from orderly.core.queue import enqueue
from orderly.notifications.models import EmailMessage
from orderly.orders.models import OrderEvent
from orderly.shipping.models import Fulfillment
from orderly.shipping.services import fulfillment_create, fulfillment_record_from_shop
from tests.notifications.conftest import SYSTEM, outbox_mails, queue_parcel_emails, run_worker
from tests.shipping.helpers import order_of

pytestmark = pytest.mark.django_db

SHIPPED_TASK = "orderly.notifications.tasks.queue_shipped_email"

SHIPPED_BODY = (
    "Hello Anna de Vries,\n\n"
    "Your order {number} has shipped with PostNL. In the parcel:\n\n"
    "  3 × Espresso blend 250 g\n\n"
    "Tracking number: 3SABC123\n\n"
    "Kind regards,\nOrderly Demo Roasters B.V.\n"
)


def _email_events(order) -> list[tuple[str, str]]:
    return list(order.events.filter(kind__startswith="email_").order_by("id").values_list("kind", "message"))


def _ship(order, django_capture_on_commit_callbacks, **kwargs) -> Fulfillment:
    """The fulfillment made, then the worker running what it queued for the customer's e-mail (not the sending)."""
    with django_capture_on_commit_callbacks(execute=True):
        fulfillment = fulfillment_create(order=order, actor=SYSTEM, **kwargs)
    queue_parcel_emails()
    return fulfillment


def test_a_parcel_with_tracking_queues_the_shipped_email_and_the_worker_writes_it_to_the_outbox(
    esp, outbox, django_capture_on_commit_callbacks
):
    order = order_of({"sku": "ESP-250", "quantity": 3, "name": "Espresso blend 250 g"})

    fulfillment = _ship(order, django_capture_on_commit_callbacks, carrier="PostNL", tracking_number="3SABC123")

    message = EmailMessage.objects.get()
    body = SHIPPED_BODY.format(number=order.number)
    assert (message.order, message.fulfillment, message.kind, message.to) == (
        order, fulfillment, "shipped", "anna@example.com"
    )  # fmt: skip
    assert (message.subject, message.body) == (f"Your order {order.number} is on its way", body)
    assert (message.status, message.attempts, message.attachments, message.created_by) == ("queued", 0, [], "Orderly")
    assert _email_events(order) == [
        (
            "email_queued",
            f"The shipped e-mail to anna@example.com was queued: “Your order {order.number} is on its way”.",
        )
    ]
    assert list(DBTaskResult.objects.order_by("enqueued_at").values_list("task_path", "args_kwargs", "status")) == [
        ("orderly.notifications.tasks.queue_shipped_email", {"args": [fulfillment.pk], "kwargs": {}}, "SUCCESSFUL"),
        ("orderly.notifications.tasks.send_email", {"args": [message.pk], "kwargs": {}}, "READY"),
    ]
    assert not outbox.exists()

    run_worker()

    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error, message.next_attempt_at) == ("sent", 1, "", None)
    assert timezone.now() - dt.timedelta(minutes=1) < message.sent_at <= timezone.now()
    [mail] = outbox_mails(outbox)
    assert (mail["To"], mail["From"], mail["Subject"]) == (
        "anna@example.com", "Roastery <orders@roastery.example>", f"Your order {order.number} is on its way"
    )  # fmt: skip
    assert (mail["Reply-To"], mail["Auto-Submitted"]) == ("billing@example.com", "auto-generated")
    assert mail.get_content() == body
    assert _email_events(order)[1] == ("email_sent", "The shipped e-mail was sent to anna@example.com.")


def test_the_shipped_email_carries_the_issued_invoice_as_a_pdf(esp, outbox, django_capture_on_commit_callbacks):
    order = order_of({"sku": "ESP-250", "quantity": 1, "name": "Espresso blend 250 g"})
    invoice = invoice_create(order=order, actor=SYSTEM)

    _ship(order, django_capture_on_commit_callbacks, carrier="DHL", tracking_number="JJD01")
    run_worker()

    message = EmailMessage.objects.get()
    assert message.attachments == [{"filename": f"{invoice.number}.pdf", "invoice": invoice.number}]
    assert message.status == "sent"
    [mail] = outbox_mails(outbox)
    [text, attachment] = list(mail.iter_parts())
    assert text.get_content_type() == "text/plain"
    assert "Follow your parcel" not in text.get_content()
    assert (attachment.get_content_type(), attachment.get_filename()) == ("application/pdf", f"{invoice.number}.pdf")
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) == len(invoice_pdf(invoice))
    assert _email_events(order)[-1] == (
        "email_sent",
        f"The shipped e-mail was sent to anna@example.com with {invoice.number}.pdf.",
    )


def test_a_task_run_twice_emails_once(esp, outbox, django_capture_on_commit_callbacks):
    order = order_of(("ESP-250", 1))
    fulfillment = _ship(order, django_capture_on_commit_callbacks, tracking_number="3S1")

    enqueue(SHIPPED_TASK, fulfillment.pk)  # a reclaimed task, or the number set again
    run_worker()
    enqueue(SHIPPED_TASK, fulfillment.pk)
    run_worker()

    assert EmailMessage.objects.count() == 1
    assert len(outbox_mails(outbox)) == 1
    assert [kind for kind, _ in _email_events(order)] == ["email_queued", "email_sent"]


def test_no_email_without_a_tracking_number_nor_for_collected_items(esp, outbox, django_capture_on_commit_callbacks):
    shipped = order_of(("ESP-250", 1))
    collected = order_of({"sku": "ESP-250", "quantity": 1, "delivery_type": "collect"})

    _ship(shipped, django_capture_on_commit_callbacks, carrier="PostNL")
    _ship(collected, django_capture_on_commit_callbacks)

    assert EmailMessage.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


def test_a_fulfillment_the_shop_made_never_emails_the_customer(esp, outbox, django_capture_on_commit_callbacks):
    order = order_of(("ESP-250", 1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        fulfillment = fulfillment_record_from_shop(
            order=order, external_id="S-1", lines=[], carrier="UPS", tracking_number="1Z9", actor=SYSTEM
        )
    assert fulfillment.from_shop

    enqueue(SHIPPED_TASK, fulfillment.pk)  # even if something queued its e-mail
    queue_parcel_emails()

    assert EmailMessage.objects.count() == 0
    assert OrderEvent.objects.filter(order=order, kind__startswith="email_").count() == 0
    assert callbacks == []


def test_a_rolled_back_fulfillment_queues_nothing(esp, outbox, django_capture_on_commit_callbacks):
    order = order_of(("ESP-250", 1))
    with pytest.raises(RuntimeError), transaction.atomic():
        fulfillment_create(order=order, actor=SYSTEM, tracking_number="3S1")
        assert DBTaskResult.objects.filter(task_path=SHIPPED_TASK).count() == 1  # written with the fulfillment
        raise RuntimeError("the request failed after the fulfillment")

    assert queue_parcel_emails() == 0
    assert DBTaskResult.objects.count() == 0

    assert EmailMessage.objects.count() == 0
