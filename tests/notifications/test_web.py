"""The e-mail pages: Settings › Customer e-mails (templates with a preview, the per-channel switch), the e-mail log
with Resend, and the order page's e-mails."""

import pytest
from django.test import Client

from orderly.channels.selectors import manual_channel
from orderly.notifications.models import ChannelEmailSetting, EmailMessage, EmailTemplate
from orderly.notifications.services import email_send
from orderly.shipping.services import fulfillment_create
from tests.notifications.conftest import SYSTEM, queue_parcel_emails
from tests.shipping.helpers import order_of
from tests.web.helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients(users):
    logged_in = {}
    for role, user in users.items():
        logged_in[role] = Client()
        logged_in[role].force_login(user)
    return logged_in


@pytest.fixture
def sent(esp, outbox, django_capture_on_commit_callbacks):
    order = order_of({"sku": "ESP-250", "quantity": 2, "name": "Espresso blend 250 g"})
    with django_capture_on_commit_callbacks(execute=True):
        fulfillment_create(order=order, actor=SYSTEM, carrier="PostNL", tracking_number="3SWEB")
    queue_parcel_emails()
    return email_send(message_id=EmailMessage.objects.get().pk)


def test_the_settings_page_lists_the_templates_and_the_channel_switches(clients, db):
    page = clients["viewer"].get("/settings/emails/")

    assert page.status_code == 200
    words = text(page)
    assert "Shipped Your order {{ order_number }} is on its way Orderly's default View" in words
    assert "Manual Manually entered On (the default for Manually entered)" in words
    assert "Turn off" not in words  # a viewer reads only
    assert "Turn off customer e-mails of Manual" in text(clients["manager"].get("/settings/emails/"))


def test_a_manager_turns_a_channel_off(clients, db):
    response = clients["manager"].post(f"/settings/emails/channels/{manual_channel().pk}/", {"send": "0"})

    assert (response.status_code, response["Location"]) == (302, "/settings/emails/")
    assert ChannelEmailSetting.objects.get().send_customer_emails is False
    assert "Manual Manually entered Off Turn on" in text(clients["manager"].get("/settings/emails/"))
    refused = clients["operator"].post(f"/settings/emails/channels/{manual_channel().pk}/", {"send": "1"})
    assert refused.status_code == 403
    assert ChannelEmailSetting.objects.get().send_customer_emails is False


def test_preview_renders_what_is_typed_without_saving(clients, db):
    response = clients["manager"].post(
        "/settings/emails/templates/shipped/",
        {"action": "preview", "subject": "Hi {{ customer_name }}", "body": "Parcel {{ tracking_number }}\n\n  thanks"},
    )

    assert response.status_code == 200
    assert "Subject: Hi Anna de Vries" in text(response)
    assert '<pre class="email-preview prewrap">Parcel 3SABC1234567\n\n  thanks</pre>' in response.content.decode()
    assert EmailTemplate.objects.count() == 0


def test_save_keeps_a_good_template_and_refuses_a_bad_one_naming_the_line(clients, db):
    bad = clients["manager"].post(
        "/settings/emails/templates/delivered/",
        {"action": "save", "subject": "Delivered", "body": "Hello\n{% for item in items %}{{ item.name }}"},
    )
    assert bad.status_code == 422
    assert "Nothing was saved. The body, line 2 cannot be used:" in text(bad)
    assert EmailTemplate.objects.count() == 0

    good = clients["manager"].post(
        "/settings/emails/templates/delivered/",
        {"action": "save", "subject": "Delivered: {{ order_number }}", "body": "Enjoy, {{ customer_name }}!"},
    )
    assert (good.status_code, good["Location"]) == (302, "/settings/emails/")
    assert EmailTemplate.objects.get().body == "Enjoy, {{ customer_name }}!"
    assert "Delivered Delivered: {{ order_number }} Edited by manager" in text(
        clients["manager"].get("/settings/emails/")
    )

    reset = clients["manager"].post("/settings/emails/templates/delivered/reset/")
    assert reset.status_code == 302
    assert EmailTemplate.objects.count() == 0


def test_an_operator_cannot_save_a_template_and_an_unknown_kind_is_404(clients, db):
    refused = clients["operator"].post(
        "/settings/emails/templates/shipped/", {"action": "save", "subject": "S", "body": "B"}
    )
    assert refused.status_code == 403
    assert EmailTemplate.objects.count() == 0
    assert clients["manager"].get("/settings/emails/templates/returned/").status_code == 404


def test_the_log_lists_the_emails_and_an_operator_resends_one(clients, sent, django_capture_on_commit_callbacks):
    order = sent.order
    log = clients["viewer"].get("/settings/emails/log/?status=sent")
    assert log.status_code == 200
    words = text(log)
    assert "1 e-mail." in words
    row = f"{order.number} Shipped · {sent.fulfillment.number} anna@example.com Your order {order.number} is on its way"
    assert f"{row} Sent" in words
    assert "Resend" not in words  # viewers read only

    with django_capture_on_commit_callbacks(execute=True):
        resent = clients["operator"].post(
            f"/settings/emails/log/{sent.pk}/resend/", {"next": "/settings/emails/log/?status=sent"}
        )
    assert (resent.status_code, resent["Location"]) == (302, "/settings/emails/log/?status=sent")
    again = EmailMessage.objects.exclude(pk=sent.pk).get()
    assert (again.status, again.resend_of_id, again.created_by) == ("queued", sent.pk, "operator")
    assert "2 e-mails." in text(clients["operator"].get("/settings/emails/log/"))
    refused = clients["viewer"].post(f"/settings/emails/log/{sent.pk}/resend/")
    assert refused.status_code == 403
    bad = clients["viewer"].get("/settings/emails/log/?status=lost")
    assert bad.status_code == 422
    assert "These filters cannot be used: status must be one of queued, sent, failed, skipped." in text(bad)


def test_the_order_page_shows_its_emails_and_their_timeline(clients, sent):
    page = clients["viewer"].get(f"/orders/{sent.order.number}/")

    words = text(page)
    assert (
        f"Customer e-mails E-mail To Subject Status Attempts Queued Error or reason Shipped · {sent.fulfillment.number}"
        in words
    )
    assert "The shipped e-mail was sent to anna@example.com." in words
    assert (
        f"The shipped e-mail to anna@example.com was queued: “Your order {sent.order.number} is on its way”." in words
    )
