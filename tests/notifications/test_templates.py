"""The merchant's templates: edited and used, refused when they cannot render (naming the line), sandboxed."""

import pytest

from orderly.core.exceptions import NotFound, ValidationError
from orderly.notifications.models import EmailMessage, EmailTemplate
from orderly.notifications.selectors import template_of
from orderly.notifications.services import email_template_reset, email_template_save
from orderly.notifications.templates import DEFAULTS, TemplateRefused, checked_template, sample_context
from orderly.shipping.services import fulfillment_create
from tests.notifications.conftest import SYSTEM, queue_parcel_emails
from tests.shipping.helpers import order_of

pytestmark = pytest.mark.django_db

BODY = (
    "Dear {{ customer_name|upper }},\n{% for item in items %}{{ item.quantity }}x {{ item.sku }}\n{% endfor %}"
    "{{ tracking_link }}"
)


def _refusal(subject="Order {{ order_number }}", body="Hi"):
    with pytest.raises(TemplateRefused) as refused:
        email_template_save(kind="shipped", subject=subject, body=body, actor=SYSTEM)
    assert EmailTemplate.objects.count() == 0
    error = refused.value
    return error.code, error.field, error.detail, error.message


def test_an_edited_template_is_used_for_the_next_email(esp, actor, django_capture_on_commit_callbacks):
    saved = email_template_save(
        kind="shipped", subject="  {{ shop_name }}:\n order {{ order_number }} ", body=BODY, actor=actor
    )
    assert (saved.kind, saved.updated_by) == ("shipped", "olga")
    assert template_of("shipped").is_default is False
    order = order_of(("ESP-250", 2))

    with django_capture_on_commit_callbacks(execute=True):
        fulfillment_create(order=order, actor=SYSTEM, carrier="DHL", tracking_number="JJD9")
    queue_parcel_emails()

    message = EmailMessage.objects.get()
    assert message.subject == f"Orderly Demo Roasters B.V.: order {order.number}"
    assert message.body == "Dear ANNA DE VRIES,\n2x ESP-250\n"


def test_reset_brings_the_default_back(db, actor):
    email_template_save(kind="delivered", subject="Delivered", body="Here it is.", actor=actor)

    email_template_reset(kind="delivered", actor=actor)

    text = template_of("delivered")
    assert (text.subject, text.body, text.is_default) == (*DEFAULTS["delivered"], True)


def test_a_syntax_error_is_refused_naming_its_line(db):
    code, field, detail, message = _refusal(body="Hello\n\n{% if carrier %}with {{ carrier }}\n")
    assert (code, field, detail["part"], detail["line"]) == ("template_invalid", "body", "body", 3)
    assert message == f"The body, line 3 cannot be used: {detail['reason']}"
    assert "endif" in detail["reason"]


def test_an_unknown_variable_is_refused_naming_its_line(db):
    code, field, detail, message = _refusal(body="Hello {{ customer_name }},\nyour total is {{ order.total }}")
    assert (code, field, detail["line"]) == ("template_invalid", "body", 2)
    assert detail["reason"].startswith("{{ order.total }} is not a variable here; use order_number, customer_name,")


def test_an_unknown_filter_is_refused(db):
    _, field, detail, _ = _refusal(subject="Order {{ order_number|ljust:'999999999' }}")
    assert (field, detail["line"]) == ("subject", 1)
    assert detail["reason"] == "Invalid filter: 'ljust'"


@pytest.mark.parametrize(
    ("body", "tag"),
    [
        ("{% load static %}", "load"),
        ('{% include "web/base.html" %}', "include"),
        ('{% extends "web/base.html" %}', "extends"),
        ("{% debug %}", "debug"),
        ("{% url 'web:order_list' %}", "url"),
        ("{% lorem 99999999 w %}", "lorem"),
        ("{% csrf_token %}", "csrf_token"),
    ],
)
def test_tags_that_reach_outside_the_context_are_refused(db, body, tag):
    code, _, detail, _ = _refusal(body=f"Hello\n{body}")
    assert (code, detail["line"]) == ("template_invalid", 2)
    assert detail["reason"].startswith(f"Invalid block tag on line 2: '{tag}'")


def test_loops_nested_deeper_than_two_are_refused(db):
    body = (
        "{% for a in items %}{% for b in items %}{% if a %}{% for c in items %}x{% endfor %}{% endif %}{% endfor %}"
        "{% endfor %}"
    )
    _, _, detail, _ = _refusal(body=body)
    assert (detail["line"], detail["reason"]) == (None, "loops are nested more than 2 deep.")
    two_deep = "{% for a in items %}{% for b in items %}{{ a.sku }}{{ b.sku }} {% endfor %}{% endfor %}"
    assert checked_template(subject="S", body=two_deep, shop_name="Shop").body == (
        "ESP-250ESP-250 ESP-250DEC-250 DEC-250ESP-250 DEC-250DEC-250 "
    )


def test_an_empty_subject_and_missing_parts_are_refused(db):
    _, field, detail, _ = _refusal(subject="{% if carrier == 'x' %}x{% endif %}")
    assert (field, detail["reason"]) == ("subject", "it renders to an empty subject.")
    with pytest.raises(ValidationError) as missing:
        email_template_save(kind="shipped", subject="  ", body="Hi", actor=SYSTEM)
    assert (missing.value.code, missing.value.field) == ("required", "subject")


def test_an_unknown_kind_is_not_found(db):
    with pytest.raises(NotFound) as unknown:
        email_template_save(kind="returned", subject="S", body="B", actor=SYSTEM)
    assert unknown.value.detail == {"resource": "email_template", "key": "returned"}


def test_templates_are_plain_text_not_escaped_and_see_only_their_context(db):
    rendered = checked_template(
        subject="{{ customer_name }} & co", body="<b>{{ shop_name }}</b> {{ items|length }}", shop_name="Tom & Jerry"
    )
    assert (rendered.subject, rendered.body) == ("Anna de Vries & co", "<b>Tom & Jerry</b> 2")
    assert set(sample_context()) == {
        "order_number", "customer_name", "carrier", "tracking_number", "tracking_link", "items", "shop_name"
    }  # fmt: skip


def test_the_defaults_pass_their_own_check(db):
    for subject, body in DEFAULTS.values():
        checked_template(subject=subject, body=body, shop_name="Shop")
