"""Who gets which e-mail: the per-channel switch, orders without an address, the delivered e-mail, resends."""

import pytest
from django_tasks_db.models import DBTaskResult

from orderly.channels.models import SalesChannel
from orderly.channels.selectors import manual_channel
from orderly.core.exceptions import Conflict
from orderly.core.queue import enqueue
from orderly.notifications.models import EmailMessage
from orderly.notifications.services import channel_emails_set, email_queue, email_resend, email_send
from orderly.notifications.switches import channel_switches, sends_customer_emails
from orderly.orders.models import Order
from orderly.shipping.services import fulfillment_cancel, fulfillment_create
from tests.factories import address
from tests.notifications.conftest import SYSTEM, outbox_mails, queue_parcel_emails
from tests.shipping.helpers import order_of

pytestmark = pytest.mark.django_db


def _ship(order, capture, **kwargs):
    with capture(execute=True):
        fulfillment = fulfillment_create(
            order=order, actor=SYSTEM, carrier="PostNL", tracking_number="3SABC", **kwargs
        )  # fmt: skip
    queue_parcel_emails()
    return fulfillment


def _deliver(fulfillment, capture, status="delivered"):
    """What carriers' tracking queues with a parcel's new status (only a delivered one queues anything), then the
    worker running it."""
    if status == "delivered":
        enqueue("orderly.notifications.tasks.queue_delivered_email", fulfillment.pk)
    queue_parcel_emails()


def _email_events(order) -> list[tuple[str, str]]:
    return list(order.events.filter(kind__startswith="email_").order_by("id").values_list("kind", "message"))


def test_shops_that_email_their_customers_are_off_by_default_every_other_channel_on(db):
    kinds = ["manual", "csv", "webhook", "sandbox", "shopify", "woocommerce"]
    channels = {
        kind: SalesChannel.objects.get_or_create(kind=kind, defaults={"name": f"{kind} shop"})[0] for kind in kinds
    }

    assert {kind: sends_customer_emails(channel) for kind, channel in channels.items()} == {
        "manual": True, "csv": True, "webhook": True, "sandbox": True, "shopify": False, "woocommerce": False,
    }  # fmt: skip
    channel_emails_set(channel=channels["shopify"], send=True, actor=SYSTEM)
    channel_emails_set(channel=channels["csv"], send=False, actor=SYSTEM)
    assert (sends_customer_emails(channels["shopify"]), sends_customer_emails(channels["csv"])) == (True, False)
    switches = {channel.kind: (on, default) for channel, on, default in channel_switches()}
    assert switches == {
        "manual": (True, True), "csv": (False, False), "webhook": (True, True), "sandbox": (True, True),
        "shopify": (True, False), "woocommerce": (False, True),
    }  # fmt: skip


def test_with_the_switch_off_nothing_is_queued_nor_written(esp, outbox, django_capture_on_commit_callbacks):
    channel_emails_set(channel=manual_channel(), send=False, actor=SYSTEM)
    order = order_of(("ESP-250", 1))

    fulfillment = _ship(order, django_capture_on_commit_callbacks)
    _deliver(fulfillment, django_capture_on_commit_callbacks)

    assert EmailMessage.objects.count() == 0
    assert _email_events(order) == []
    assert not outbox.exists()


def test_an_order_without_an_email_address_is_skipped_with_the_reason(esp, outbox, django_capture_on_commit_callbacks):
    order = order_of(
        ("ESP-250", 1), customer={"name": "Bram", "email": "", "type": "retail"}, shipping_address=address(email="")
    )

    _ship(order, django_capture_on_commit_callbacks)

    message = EmailMessage.objects.get()
    assert (message.status, message.reason, message.to, message.subject, message.attempts) == (
        "skipped", "The order has no e-mail address.", "", "", 0
    )  # fmt: skip
    assert _email_events(order) == [("email_skipped", "No shipped e-mail was sent: The order has no e-mail address.")]
    assert email_send(message_id=message.pk) is None


def test_the_shipping_address_email_is_used_when_the_order_has_none(esp, outbox, django_capture_on_commit_callbacks):
    order = order_of(("ESP-250", 1), customer={"name": "Bram", "email": "", "type": "retail"})

    _ship(order, django_capture_on_commit_callbacks)

    assert EmailMessage.objects.get().to == "anna@example.com"


def test_a_delivered_parcel_sends_the_delivered_email(esp, outbox, django_capture_on_commit_callbacks):
    order = order_of(("ESP-250", 1), external_ref="#1042")
    fulfillment = _ship(order, django_capture_on_commit_callbacks)

    _deliver(fulfillment, django_capture_on_commit_callbacks, status="in_transit")
    assert list(EmailMessage.objects.values_list("kind", flat=True)) == ["shipped"]
    _deliver(fulfillment, django_capture_on_commit_callbacks)
    _deliver(fulfillment, django_capture_on_commit_callbacks)  # told twice: one e-mail

    delivered = EmailMessage.objects.get(kind="delivered")
    assert delivered.subject == "Your order #1042 has been delivered"
    assert delivered.body == (
        "Hello Anna de Vries,\n\n"
        "PostNL reports that your order #1042 has been delivered (tracking number 3SABC). We hope you enjoy it.\n\n"
        "Kind regards,\nOrderly Demo Roasters B.V.\n"
    )
    assert delivered.attachments == []
    for message in EmailMessage.objects.order_by("id"):
        email_send(message_id=message.pk)
    assert [mail["Subject"] for mail in outbox_mails(outbox)] == [
        "Your order #1042 is on its way",
        "Your order #1042 has been delivered",
    ]


def test_a_canceled_fulfillment_gets_no_delivered_email(esp, outbox, django_capture_on_commit_callbacks):
    fulfillment = _ship(order_of(("ESP-250", 1)), django_capture_on_commit_callbacks)
    fulfillment_cancel(fulfillment=fulfillment, actor=SYSTEM)

    _deliver(fulfillment, django_capture_on_commit_callbacks)

    assert list(EmailMessage.objects.values_list("kind", flat=True)) == ["shipped"]


def test_resend_queues_a_new_email_and_keeps_the_first(esp, outbox, actor, django_capture_on_commit_callbacks):
    order = order_of(("ESP-250", 1))
    _ship(order, django_capture_on_commit_callbacks)
    first = email_send(message_id=EmailMessage.objects.get().pk)
    Order.objects.filter(pk=order.pk).update(customer_email="anna.new@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        again = email_resend(message=first, actor=actor)
    sent = email_send(message_id=again.pk)

    assert (sent.status, sent.to, sent.resend_of_id, sent.created_by, sent.subject) == (
        "sent", "anna.new@example.com", first.pk, "olga", first.subject
    )  # fmt: skip
    first.refresh_from_db()
    assert first.status == "sent"
    assert [mail["To"] for mail in outbox_mails(outbox)] == ["anna@example.com", "anna.new@example.com"]
    assert _email_events(order)[2] == (
        "email_queued",
        f"The shipped e-mail to anna.new@example.com was queued again: “Your order {order.number} is on its way”.",
    )
    assert order.events.filter(kind="email_queued").order_by("id").last().actor_name == "olga"
    third = email_resend(message=sent, actor=actor)  # a resend of a resend repeats the first
    assert third.resend_of_id == first.pk


def test_a_queued_email_cannot_be_resent(esp, outbox, actor, django_capture_on_commit_callbacks):
    _ship(order_of(("ESP-250", 1)), django_capture_on_commit_callbacks)
    queued = EmailMessage.objects.get()

    with pytest.raises(Conflict) as refused:
        email_resend(message=queued, actor=actor)

    assert (refused.value.code, refused.value.detail) == (
        "email_not_finished",
        {"email": queued.pk, "status": "queued"},
    )
    assert EmailMessage.objects.count() == 1


def test_a_skipped_email_is_resent_once_the_order_has_an_address(
    esp, outbox, actor, django_capture_on_commit_callbacks
):
    order = order_of(
        ("ESP-250", 1), customer={"name": "Bram", "email": "", "type": "retail"}, shipping_address=address(email="")
    )
    _ship(order, django_capture_on_commit_callbacks)
    skipped = EmailMessage.objects.get()

    with pytest.raises(Conflict) as refused:
        email_resend(message=skipped, actor=actor)
    assert (refused.value.code, refused.value.detail) == ("no_email_address", {"order": order.number})
    assert EmailMessage.objects.count() == 1

    Order.objects.filter(pk=order.pk).update(customer_email="bram@example.com")
    again = email_resend(message=skipped, actor=actor)
    assert (again.status, again.to, again.resend_of_id) == ("queued", "bram@example.com", skipped.pk)


def test_queueing_the_same_email_directly_returns_the_first(esp, outbox, django_capture_on_commit_callbacks):
    fulfillment = _ship(order_of(("ESP-250", 1)), django_capture_on_commit_callbacks)
    first = EmailMessage.objects.get()

    assert email_queue(fulfillment_id=fulfillment.pk, kind="shipped", actor=SYSTEM) == first
    assert EmailMessage.objects.count() == 1


def test_an_email_that_cannot_be_queued_fails_its_task_not_the_fulfillment(
    esp, outbox, monkeypatch, django_capture_on_commit_callbacks
):
    from orderly.notifications.services import queueing

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(queueing, "_new_message", broken)
    order = order_of(("ESP-250", 1))

    fulfillment = _ship(order, django_capture_on_commit_callbacks)

    fulfillment.refresh_from_db()
    assert fulfillment.status == "fulfilled"
    assert EmailMessage.objects.count() == 0
    task = DBTaskResult.objects.get(task_path="orderly.notifications.tasks.queue_shipped_email")
    assert (task.status, task.args_kwargs["args"]) == ("FAILED", [fulfillment.pk])


def test_a_queued_email_of_a_fulfillment_canceled_meanwhile_is_skipped(esp, outbox, django_capture_on_commit_callbacks):
    order = order_of(("ESP-250", 1))
    fulfillment = _ship(order, django_capture_on_commit_callbacks)
    fulfillment_cancel(fulfillment=fulfillment, actor=SYSTEM)

    skipped = email_send(message_id=EmailMessage.objects.get().pk)

    assert (skipped.status, skipped.reason, skipped.attempts, skipped.next_attempt_at) == (
        "skipped", "The fulfillment was canceled before the e-mail was sent.", 1, None
    )  # fmt: skip
    assert not outbox.exists()
    assert _email_events(order)[-1] == (
        "email_skipped", "No shipped e-mail was sent: The fulfillment was canceled before the e-mail was sent."
    )  # fmt: skip


def test_a_template_that_fails_with_the_orders_values_fails_the_email(esp, outbox, django_capture_on_commit_callbacks):
    from orderly.notifications.models import EmailTemplate

    # saved past the check (as an older Orderly might have): a filter that the real values make raise
    EmailTemplate.objects.create(kind="shipped", subject="Order {{ order_number }}", body="{{ items|wordwrap:0 }}")
    order = order_of(("ESP-250", 1))

    _ship(order, django_capture_on_commit_callbacks)

    failed = EmailMessage.objects.get()
    assert (failed.status, failed.attempts, failed.subject) == ("failed", 0, "")
    assert failed.last_error == "The body, line 1 cannot be used: ValueError: invalid width 0 (must be > 0)"
    assert _email_events(order) == [
        ("email_failed", f"The shipped e-mail to anna@example.com failed: {failed.last_error}")
    ]
