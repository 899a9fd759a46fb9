"""Pages: Settings › Carriers (add a carrier with methods, a rule, the packaging weight), the label printer
setting, and the label actions on the order page (book, download in the person's format, void, tracking)."""

import pytest
from django.test import Client

from orderly.carriers.connectors.base import TrackingStatus, TrackingUpdate
from orderly.carriers.models import CarrierAccount, LabelPrinter, PackagingWeight, Parcel, ShippingRule
from orderly.carriers.services import tracking_record
from orderly.core import crypto
from tests.carriers.helpers import SYSTEM, own_carrier, shipped
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    found = {}
    for role in ("viewer", "operator", "manager"):
        client = Client()
        client.force_login(UserFactory(username=f"{role}-c", role=role))
        found[role] = client
    return found


def test_a_manager_adds_a_carrier_with_methods_and_a_rule(people):
    manager = people["manager"]
    page = manager.get("/settings/carriers/")
    assert page.status_code == 200 and "No carriers yet." in page.content.decode()
    response = manager.post("/settings/carriers/new/", {
        "name": "Bike courier", "kind": "own", "enabled": "on", "settings.tracking_url": "https://b.example/{tracking_number}",
        "credentials.webhook_secret": "bike-secret-123456", "credentials.api_key": "ignored for own",
        "methods": "city | City same day | NL | 5\nregion | Region\n",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    account = CarrierAccount.objects.get()
    assert [(m.code, m.name, m.countries, str(m.max_weight_kg)) for m in account.methods.all()] == [
        ("city", "City same day", ["NL"], "5.000"), ("region", "Region", [], "None"),
    ]  # fmt: skip
    assert crypto.decrypt(account.credentials_encrypted, purpose=crypto.CARRIERS) == {
        "webhook_secret": "bike-secret-123456"}  # fmt: skip
    added = manager.post("/settings/carriers/rules/", {"country": "nl", "carrier_method": f"{account.pk}:city"})
    assert added.status_code == 302
    assert ShippingRule.objects.get().method.code == "city"
    listing = manager.get("/settings/carriers/").content.decode()
    assert "Bike courier" in listing and "City same day" in listing and "bike-secret" not in listing
    assert manager.post("/settings/carriers/packaging/", {"grams": "120"}).status_code == 302
    assert PackagingWeight.objects.get().grams == 120


def test_a_bad_carrier_form_shows_the_error_and_saves_nothing(people):
    response = people["manager"].post("/settings/carriers/new/", {"name": "X", "kind": "own",
                                                                  "methods": "a | A | XX"})  # fmt: skip
    assert response.status_code == 422
    assert "XX" in response.content.decode() and CarrierAccount.objects.count() == 0
    assert people["operator"].post("/settings/carriers/new/", {"name": "Y", "kind": "own"}).status_code == 403


def test_a_rule_whose_method_does_not_ship_to_its_country_shows_the_error_and_saves_nothing(people):
    account = own_carrier(rule=False)  # standard ships to NL and BE
    form = {"country": "de", "carrier_method": f"{account.pk}:standard"}
    response = people["manager"].post("/settings/carriers/rules/", form)
    assert response.status_code == 422
    assert "Standard (standard) of Own courier does not ship to DE" in response.content.decode()
    assert ShippingRule.objects.count() == 0


def test_the_label_printer_setting(people):
    viewer = people["viewer"]
    assert 'value="pdf-a6" selected' in viewer.get("/settings/label-printer/").content.decode()
    assert viewer.post("/settings/label-printer/", {"format": "zpl"}).status_code == 302
    assert LabelPrinter.objects.get().format == "zpl"
    assert viewer.post("/settings/label-printer/", {"format": "png"}).status_code == 422


def test_book_download_in_my_format_track_and_void_from_the_order_page(people):
    own_carrier()
    order, fulfillment = shipped()
    operator = people["operator"]
    page = operator.get(f"/orders/{order.number}/").content.decode()
    assert "Book label" in page
    booked = operator.post(f"/orders/{order.number}/labels/", follow=True)
    assert "Label PA-000001 booked with Own courier (standard): tracking PA-000001." in booked.content.decode()
    LabelPrinter.objects.create(user=booked.wsgi_request.user, format="zpl")
    download = operator.get(f"/fulfillments/{fulfillment.number}/label/download/")
    assert (download["Content-Type"], download.content[:3]) == ("application/x-zpl", b"^XA")
    assert download["Content-Disposition"] == f'attachment; filename="{fulfillment.number}-PA-000001-zpl.zpl"'
    parcel = Parcel.objects.get()
    import datetime as dt

    tracking_record(parcel=parcel, actor=SYSTEM, updates=[TrackingUpdate(
        carrier_reference="PA-000001", tracking_number="PA-000001", status=TrackingStatus.IN_TRANSIT,
        carrier_status="At the depot", occurred_at=parcel.booked_at + dt.timedelta(hours=1))])  # fmt: skip
    page = operator.get(f"/orders/{order.number}/").content.decode()
    assert "In transit — At the depot" in page and "Void label" in page
    refused = operator.post(f"/fulfillments/{fulfillment.number}/label/void/", follow=True).content.decode()
    assert "cannot be voided once the carrier has it" in refused
    assert people["viewer"].post(f"/fulfillments/{fulfillment.number}/label/void/").status_code == 403


def test_void_then_book_again_with_a_chosen_method(people):
    account = own_carrier()
    order, fulfillment = shipped()
    operator = people["operator"]
    operator.post(f"/fulfillments/{fulfillment.number}/label/", {"carrier_method": f"{account.pk}:express"})
    assert Parcel.objects.get().method_code == "express"
    voided = operator.post(f"/fulfillments/{fulfillment.number}/label/void/", follow=True).content.decode()
    assert "Label PA-000001 of" in voided and "voided" in voided
    assert operator.get(f"/fulfillments/{fulfillment.number}/label/download/").status_code == 404
    canceled = operator.post(f"/fulfillments/{fulfillment.number}/cancel/", follow=True)
    assert canceled.status_code == 200
    fulfillment.refresh_from_db()
    assert fulfillment.status == "canceled"
