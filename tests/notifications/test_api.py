"""The e-mail endpoints: the log with its filters and paging, one e-mail, resend, the templates, and roles."""

import pytest

from orderly.notifications.models import EmailMessage, EmailTemplate
from orderly.notifications.services import email_send
from orderly.notifications.templates import DEFAULTS, VARIABLES
from orderly.shipping.services import fulfillment_create
from tests.api.helpers import ApiClient, error_of
from tests.factories import address
from tests.notifications.conftest import SYSTEM, queue_parcel_emails
from tests.shipping.helpers import order_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(tokens):
    return ApiClient(tokens)


@pytest.fixture
def log(esp, outbox, django_capture_on_commit_callbacks):
    """Three e-mails: one sent, one queued, one skipped (its order has no address)."""
    nobody = {"name": "Bram", "email": "", "type": "retail"}
    orders = [
        order_of(("ESP-250", 1)),
        order_of(("ESP-250", 1)),
        order_of(("ESP-250", 1), customer=nobody, shipping_address=address(email="")),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for number, order in enumerate(orders):
            fulfillment_create(order=order, actor=SYSTEM, carrier="PostNL", tracking_number=f"3S{number}")
    queue_parcel_emails()
    sent, queued, skipped = EmailMessage.objects.order_by("id")
    email_send(message_id=sent.pk)
    return {"orders": orders, "sent": sent, "queued": queued, "skipped": skipped}


def test_the_log_lists_every_email_newest_first_with_filters_and_paging(api, log):
    everything = api.get("/emails")
    assert everything.status_code == 200
    data = everything.json()
    assert (data["total"], data["page"], data["page_size"], data["pages"]) == (3, 1, 50, 1)
    assert [item["id"] for item in data["items"]] == [log["skipped"].pk, log["queued"].pk, log["sent"].pk]

    assert [i["id"] for i in api.get("/emails?status=sent").json()["items"]] == [log["sent"].pk]
    assert [i["id"] for i in api.get("/emails?status=skipped&kind=shipped").json()["items"]] == [log["skipped"].pk]
    assert api.get("/emails?kind=delivered").json()["total"] == 0
    number = log["orders"][1].number
    assert [i["id"] for i in api.get(f"/emails?order={number.lower()}").json()["items"]] == [log["queued"].pk]
    paged = api.get("/emails?page=2&page_size=2").json()
    assert ([i["id"] for i in paged["items"]], paged["pages"]) == ([log["sent"].pk], 2)
    bad = api.get("/emails?status=lost")
    assert (bad.status_code, error_of(bad)["field"]) == (422, "status")


def test_one_email_with_everything_the_log_keeps(api, log):
    sent = EmailMessage.objects.get(pk=log["sent"].pk)
    order = log["orders"][0]

    response = api.get(f"/emails/{sent.pk}", role="viewer")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": sent.pk,
        "order": order.number,
        "fulfillment": sent.fulfillment.number,
        "kind": "shipped",
        "to": "anna@example.com",
        "subject": f"Your order {order.number} is on its way",
        "body": sent.body,
        "attachments": [],
        "status": "sent",
        "reason": "",
        "attempts": 1,
        "last_error": "",
        "next_attempt_at": None,
        "sent_at": body["sent_at"],
        "created_at": body["created_at"],
        "created_by": "Orderly",
        "resend_of": None,
    }
    assert body["sent_at"].startswith(sent.sent_at.strftime("%Y-%m-%dT%H:%M"))
    skipped = api.get(f"/emails/{log['skipped'].pk}").json()
    assert (skipped["status"], skipped["reason"], skipped["to"]) == ("skipped", "The order has no e-mail address.", "")


def test_an_unknown_email_is_not_found(api, db):
    for path in ("/emails/999999", f"/emails/{'9' * 25}"):
        response = api.get(path)
        assert (response.status_code, error_of(response)["detail"]["resource"]) == (404, "email")
    assert api.get("/emails/abc").status_code == 404


def test_resend_answers_the_new_email_and_refuses_a_queued_one(api, log, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/emails/{log['sent'].pk}/resend", role="operator")

    assert response.status_code == 201
    again = response.json()
    assert (again["status"], again["resend_of"], again["created_by"], again["to"]) == (
        "queued", log["sent"].pk, "operator", "anna@example.com"
    )  # fmt: skip
    assert EmailMessage.objects.count() == 4

    refused = api.post(f"/emails/{log['queued'].pk}/resend")
    error = error_of(refused)
    assert (refused.status_code, error["code"], error["detail"]) == (
        409, "email_not_finished", {"email": log["queued"].pk, "status": "queued"}
    )  # fmt: skip
    no_address = api.post(f"/emails/{log['skipped'].pk}/resend")
    assert (no_address.status_code, error_of(no_address)["code"]) == (409, "no_email_address")
    assert EmailMessage.objects.count() == 4


def test_templates_read_the_default_until_edited(api, db):
    response = api.get("/email-templates/shipped", role="viewer")

    assert response.status_code == 200
    body = response.json()
    assert (body["subject"], body["body"], body["is_default"], body["updated_by"]) == (*DEFAULTS["shipped"], True, "")
    assert [v["name"] for v in body["variables"]] == list(VARIABLES)
    unknown = api.get("/email-templates/returned")
    assert (unknown.status_code, error_of(unknown)["detail"]) == (
        404,
        {"resource": "email_template", "key": "returned"},
    )


def test_a_manager_edits_a_template_and_a_bad_one_is_refused_with_its_line(api, db):
    edited = api.call(
        "PUT",
        "/email-templates/delivered",
        {"subject": "Arrived: {{ order_number }}", "body": "Enjoy!"},
        role="manager",
    )
    assert edited.status_code == 200
    assert (edited.json()["subject"], edited.json()["is_default"], edited.json()["updated_by"]) == (
        "Arrived: {{ order_number }}", False, "manager"
    )  # fmt: skip

    bad = api.call("PUT", "/email-templates/delivered", {"subject": "S", "body": "Hi\n{{ secret }}"}, role="manager")
    error = error_of(bad)
    assert (bad.status_code, error["code"], error["field"], error["detail"]["line"]) == (
        422, "template_invalid", "body", 2
    )  # fmt: skip
    assert EmailTemplate.objects.get().body == "Enjoy!"
    extra = api.call("PUT", "/email-templates/delivered", {"subject": "S", "body": "B", "html": "x"}, role="manager")
    assert (extra.status_code, error_of(extra)["code"]) == (422, "unknown_field")


@pytest.mark.parametrize(
    ("method", "path", "body", "least"),
    [
        ("GET", "/emails", None, "viewer"),
        ("GET", "/email-templates/shipped", None, "viewer"),
        ("POST", "/emails/{sent}/resend", None, "operator"),
        ("PUT", "/email-templates/shipped", {"subject": "S", "body": "B"}, "manager"),
    ],
)
def test_roles(api, log, method, path, body, least):
    roles = ["viewer", "operator", "manager", "admin"]
    path = path.format(sent=log["sent"].pk)
    assert api.call(method, path, body, role=None).status_code == 401
    for role in roles:
        response = api.call(method, path, body, role=role)
        if roles.index(role) < roles.index(least):
            assert (response.status_code, error_of(response)["detail"]) == (
                403, {"role": role, "required_role": least}
            )  # fmt: skip
        else:
            assert response.status_code in (200, 201), response.content
