"""Dates and numbers in each person's locale, with the server's default for those who chose none."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import make_order
from tests.web.helpers import messages_of, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_order(db):
    return make_order(
        items=[{"sku": "BULK-1", "quantity": 1, "unit_price": "1234.50", "tax_rate": "0"}],
        strict=False,
        order_date=timezone.make_aware(dt.datetime(2026, 11, 29, 14, 5)),
    )


def test_the_default_is_the_international_form(op, big_order):
    page = text(op.get("/orders/"))
    assert "2026-11-29 14:05" in page and "1,234.50 EUR" in page


def test_a_dutch_roaster_reads_dutch_dates_and_numbers(op, users, big_order):
    response = op.post("/settings/display/", {"locale": "nl"}, follow=True)
    assert messages_of(response) == ["Dates and numbers now read as you chose."]
    users["operator"].refresh_from_db()
    assert users["operator"].locale == "nl"

    page = text(op.get("/orders/"))
    assert "29-11-2026 14:05" in page and "1.234,50 EUR" in page
    detail = text(op.get(f"/orders/{big_order.number}/"))
    assert "29-11-2026 14:05" in detail and "1.234,50 EUR" in detail


def test_the_server_default_applies_to_those_who_chose_none(op, viewer, users, settings, big_order):
    settings.ORDERLY_LOCALE = "de"
    assert "29.11.2026 14:05" in text(viewer.get("/orders/"))
    op.post("/settings/display/", {"locale": "iso"})
    assert "2026-11-29 14:05" in text(op.get("/orders/"))


def test_an_unknown_locale_is_refused_and_nothing_changes(op, users):
    response = op.post("/settings/display/", {"locale": "xx"})

    assert response.status_code == 422
    assert "Unknown locale 'xx'; choose one of iso, en, nl, de, or the server's default." in text(response)
    users["operator"].refresh_from_db()
    assert users["operator"].locale == ""
