"""Booking and voiding labels with an own-label carrier: rules, weight, idempotency, item indicators, the e-mail task,
the order's error on a refusal, and canceling a fulfillment through carriers."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from orderly.carriers.connectors import base
from orderly.carriers.connectors.own import OwnConnector
from orderly.carriers.models import Parcel, TrackingEvent
from orderly.carriers.services import (
    fulfillment_cancel,
    label_book,
    label_document,
    label_void,
    packaging_weight_set,
    rule_create,
    shipping_method_resolve,
)
from orderly.core.exceptions import Conflict, NotFound, ValidationError
from orderly.orders.models import Order, OrderItem
from orderly.shipping.models import Fulfillment
from tests.carriers.helpers import SYSTEM, own_carrier, shipped
from tests.worker import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_booking_by_the_default_rule_gives_the_fulfillment_its_tracking(django_capture_on_commit_callbacks):
    own_carrier()
    order, fulfillment = shipped(3)
    item = OrderItem.objects.get(order=order)
    assert item.qty_label_applied == 0
    with django_capture_on_commit_callbacks(execute=True):
        parcel = label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert (parcel.number, parcel.label_status, parcel.tracking_status) == ("PA-000001", "booked", "announced")
    assert (parcel.method_code, parcel.weight_kg, parcel.booking_attempts) == ("standard", Decimal("0.810"), 1)
    fulfillment.refresh_from_db()
    assert (fulfillment.carrier, fulfillment.tracking_number) == ("Own courier", "PA-000001")
    assert fulfillment.tracking_url == "https://track.example/PA-000001"
    item.refresh_from_db()
    assert item.qty_label_applied == 3
    assert parcel.label_applied == {str(item.pk): 3}
    # the customer's shipped e-mail is queued with the tracking, by the worker (the manual channel lets Orderly
    # e-mail its customers)
    queued = DBTaskResult.objects.values_list("task_path", "args_kwargs")
    assert list(queued) == [
        ("orderly.notifications.tasks.queue_shipped_email", {"args": [fulfillment.pk], "kwargs": {}})
    ]
    assert run_queued_tasks() == 2  # the e-mail queued, then sent
    kinds = list(order.events.order_by("id").values_list("kind", flat=True))
    assert kinds[-4:] == ["tracking_changed", "label_booked", "email_queued", "email_sent"]
    assert bytes(parcel.documents.get(format="pdf-a6").content).startswith(b"%PDF")


def test_a_second_booking_returns_the_same_parcel_and_buys_nothing(monkeypatch):
    own_carrier()
    _, fulfillment = shipped()
    calls = []
    original = OwnConnector.book
    monkeypatch.setattr(OwnConnector, "book", lambda self, p: calls.append(p.reference) or original(self, p))
    first = label_book(fulfillment=fulfillment, actor=SYSTEM)
    again = label_book(fulfillment=fulfillment, actor=SYSTEM, carrier="Own courier", method="express")
    assert (again.pk, again.method_code, again.booking_attempts) == (first.pk, "standard", 1)
    assert calls == ["PA-000001"]
    assert Parcel.objects.count() == 1


def test_an_unknown_outcome_is_looked_up_before_booking_again(monkeypatch):
    own_carrier()
    _, fulfillment = shipped()

    def timeout(self, parcel):
        raise base.CarrierUnavailable("Timed out", outcome_unknown=True, retryable=True)

    monkeypatch.setattr(OwnConnector, "book", timeout)
    with pytest.raises(Conflict) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert refused.value.code == "carrier_unavailable"
    parcel = Parcel.objects.get()
    assert (parcel.label_status, parcel.booking_started_at, parcel.last_error) == ("booking", None, "Timed out")
    found = base.BookedParcel(carrier_reference="C-1", tracking_number="TRACK-1")
    looked = []
    monkeypatch.setattr(OwnConnector, "find_booked", lambda self, ref: looked.append(ref) or found)
    parcel = label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert looked == ["PA-000001"]
    assert (parcel.label_status, parcel.tracking_number, parcel.booking_attempts) == ("booked", "TRACK-1", 2)


def test_a_booking_in_flight_refuses_a_second_one():
    own_carrier()
    _, fulfillment = shipped()
    label_book(fulfillment=fulfillment, actor=SYSTEM)
    Parcel.objects.update(label_status="booking", booking_started_at=timezone.now())
    with pytest.raises(Conflict) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert (refused.value.code, refused.value.detail) == ("label_booking", {"fulfillment": fulfillment.number})


def test_rules_most_specific_wins():
    account = own_carrier(rule=False)
    express = account.methods.get(code="express")
    rule_create(data={"country": "NL", "carrier": account.name, "method": "standard"}, actor=SYSTEM)
    order, _ = shipped(delivery_method="Express delivery")
    assert shipping_method_resolve(order=order).method.code == "standard"
    rule_create(data={"country": "NL", "channel": order.channel_id, "carrier": account.pk, "method": "standard"},
                actor=SYSTEM)  # fmt: skip
    rule_create(data={"country": "NL", "delivery_method": "Express delivery", "carrier": account.name,
                      "method": "express"}, actor=SYSTEM)  # fmt: skip
    assert shipping_method_resolve(order=order).method == express  # method > channel
    both = rule_create(data={"country": "NL", "channel": order.channel_id, "delivery_method": "express DELIVERY",
                             "carrier": account.name, "method": "standard"}, actor=SYSTEM)  # fmt: skip
    assert shipping_method_resolve(order=order).rule == both
    other, _ = shipped(country="BE")
    assert shipping_method_resolve(order=other) is None


def test_no_rule_is_refused_and_puts_an_error_on_the_order():
    own_carrier()
    order, fulfillment = shipped(country="BE")
    with pytest.raises(ValidationError) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert refused.value.code == "no_shipping_method"
    assert refused.value.detail == {"order": order.number, "country": "BE", "delivery_method": ""}
    order.refresh_from_db()
    assert order.error_code == "no_shipping_method"
    assert order.error_message.startswith(f"Label of {fulfillment.number} not booked: No shipping rule gives a carrier")
    assert "Add a shipping rule for BE" in order.error_message
    assert Parcel.objects.count() == 0


def test_overweight_names_weight_limit_and_fix():
    own_carrier(max_weight="1")
    packaging_weight_set(grams=250, actor=SYSTEM)
    order, fulfillment = shipped(3, weight="0.300")  # 0.9 + 0.25 packaging
    with pytest.raises(ValidationError) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert refused.value.code == "parcel_overweight"
    assert refused.value.detail == {"method": "standard", "weight_kg": "1.150", "max_weight_kg": "1.000"}
    assert "Split the fulfillment" in refused.value.message
    assert Order.objects.get(pk=order.pk).error_code == "parcel_overweight"
    parcel = label_book(fulfillment=fulfillment, actor=SYSTEM, carrier="Own courier", method="express")
    assert parcel.weight_kg == Decimal("1.150")


def test_a_refused_address_puts_the_carriers_words_on_the_order(monkeypatch):
    own_carrier()
    order, fulfillment = shipped()

    def refuse(self, parcel):
        raise base.CarrierRefused(
            "The address was refused.", fix="Correct the postal code, then reset the order.",
            carrier_text="to_address.postal_code: invalid", field="recipient.postal_code",
        )  # fmt: skip

    monkeypatch.setattr(OwnConnector, "book", refuse)
    with pytest.raises(ValidationError) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert (refused.value.code, refused.value.field) == ("carrier_refused", "recipient.postal_code")
    assert refused.value.detail == {"carrier": "Own courier", "carrier_text": "to_address.postal_code: invalid",
                                    "fix": "Correct the postal code, then reset the order."}  # fmt: skip
    order.refresh_from_db()
    assert (order.error_code, order.error_fix) == ("carrier_refused", "Correct the postal code, then reset the order.")
    assert Parcel.objects.get().label_status == "failed"
    monkeypatch.undo()
    assert label_book(fulfillment=fulfillment, actor=SYSTEM).label_status == "booked"


def test_void_takes_back_label_applied_and_the_tracking_then_books_again():
    own_carrier()
    order, fulfillment = shipped(2)
    label_book(fulfillment=fulfillment, actor=SYSTEM)
    parcel = label_void(fulfillment=fulfillment, actor=SYSTEM)
    assert (parcel.label_status, parcel.tracking_status, parcel.label_applied) == ("voided", "canceled", {})
    assert OrderItem.objects.get(order=order).qty_label_applied == 0
    fulfillment.refresh_from_db()
    assert (fulfillment.carrier, fulfillment.tracking_number, fulfillment.status) == ("", "", "fulfilled")
    with pytest.raises(Conflict) as refused:
        label_void(fulfillment=fulfillment, actor=SYSTEM)
    assert refused.value.detail == {"fulfillment": fulfillment.number, "label_status": "voided"}
    again = label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert (again.pk, again.label_status, again.booking_attempts, again.tracking_status) == (
        parcel.pk, "booked", 2, "announced",
    )  # fmt: skip
    assert OrderItem.objects.get(order=order).qty_label_applied == 2


def test_a_fulfillment_shipped_with_a_carrier_is_not_labelled_twice():
    own_carrier()
    order, fulfillment = shipped(2, carrier="Typed carrier")
    assert OrderItem.objects.get(order=order).qty_label_applied == 2
    parcel = label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert parcel.label_applied == {}
    assert OrderItem.objects.get(order=order).qty_label_applied == 2
    label_void(fulfillment=fulfillment, actor=SYSTEM)
    assert OrderItem.objects.get(order=order).qty_label_applied == 2


def test_cancel_voids_the_label_first():
    own_carrier()
    order, fulfillment = shipped(2)
    label_book(fulfillment=fulfillment, actor=SYSTEM)
    canceled = fulfillment_cancel(fulfillment=fulfillment, actor=SYSTEM)
    assert canceled.status == "canceled"
    assert Parcel.objects.get().label_status == "voided"
    item = OrderItem.objects.get(order=order)
    assert (item.qty_label_applied, item.qty_handed_to_carrier) == (0, 0)


def test_cancel_is_refused_once_the_carrier_has_the_parcel():
    own_carrier()
    _, fulfillment = shipped(2)
    label_book(fulfillment=fulfillment, actor=SYSTEM)
    Parcel.objects.update(tracking_status="in_transit")
    with pytest.raises(Conflict) as refused:
        fulfillment_cancel(fulfillment=fulfillment, actor=SYSTEM)
    assert refused.value.code == "label_void_refused"
    assert Fulfillment.objects.get(pk=fulfillment.pk).status == "fulfilled"
    assert Parcel.objects.get().label_status == "booked"


def test_a_carrier_refusing_the_void_refuses_the_cancel(monkeypatch):
    own_carrier()
    _, fulfillment = shipped(2)
    label_book(fulfillment=fulfillment, actor=SYSTEM)
    monkeypatch.setattr(OwnConnector, "void", lambda self, b: base.VoidResult(voided=False, message="Scanned"))
    with pytest.raises(Conflict) as refused:
        fulfillment_cancel(fulfillment=fulfillment, actor=SYSTEM)
    assert refused.value.detail == {"fulfillment": fulfillment.number, "carrier": "Own courier",
                                    "carrier_text": "Scanned"}  # fmt: skip
    assert (Fulfillment.objects.get(pk=fulfillment.pk).status, Parcel.objects.get().label_status) == (
        "fulfilled", "booked",
    )  # fmt: skip


def test_collected_and_canceled_fulfillments_take_no_label():
    own_carrier()
    _, fulfillment = shipped()
    fulfillment_cancel(fulfillment=fulfillment, actor=SYSTEM)
    with pytest.raises(Conflict) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert refused.value.code == "transition_not_allowed"
    Fulfillment.objects.filter(pk=fulfillment.pk).update(delivery="collect", status="fulfilled")
    with pytest.raises(Conflict) as refused:
        label_book(fulfillment=Fulfillment.objects.get(pk=fulfillment.pk), actor=SYSTEM)
    assert refused.value.code == "no_label_for_collect"


def test_unknown_carrier_or_method_and_disabled_carriers():
    account = own_carrier()
    _, fulfillment = shipped()
    with pytest.raises(NotFound) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM, carrier="Nobody")
    assert (refused.value.field, refused.value.detail) == ("carrier", {"resource": "carrier", "key": "Nobody"})
    with pytest.raises(NotFound) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM, carrier=account.pk, method="overnight")
    assert refused.value.detail == {"resource": "shipping_method", "key": "overnight"}
    account.enabled = False
    account.save()
    with pytest.raises(Conflict) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM, carrier=account.name, method="standard")
    assert (refused.value.code, refused.value.detail) == ("carrier_disabled", {"carrier": "Own courier"})
    assert Parcel.objects.count() == 0


def test_label_documents_in_every_format_are_kept():
    own_carrier()
    _, fulfillment = shipped()
    parcel = label_book(fulfillment=fulfillment, actor=SYSTEM)
    zpl = label_document(parcel=parcel, fmt=base.LabelFormat.ZPL)
    assert zpl.startswith(b"^XA") and zpl.rstrip().endswith(b"^XZ")
    # the parcel number as the Code 128 field, in the labels package's subset switching (>: is code B, >5 code C)
    assert b"^BCN,300,Y,N,N^FH^FD>:PA->5000001^FS" in zpl
    for fmt, size in {"pdf-4x6": (288, 432), "pdf-a4": (595, 842)}.items():
        [page] = PdfReader(io.BytesIO(label_document(parcel=parcel, fmt=base.LabelFormat(fmt)))).pages
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size
    assert sorted(parcel.documents.values_list("format", flat=True)) == ["pdf-4x6", "pdf-a4", "pdf-a6", "zpl"]
    assert TrackingEvent.objects.get(parcel=parcel).event_id == "booked:1"
    assert parcel.booked_at <= timezone.now() < parcel.booked_at + dt.timedelta(minutes=1)


def test_archived_or_canceled_orders_take_no_label_and_the_carrier_is_not_asked(monkeypatch):
    from orderly.orders.services import order_archive

    own_carrier()
    order, fulfillment = shipped()
    monkeypatch.setattr(OwnConnector, "book", lambda self, p: pytest.fail("the carrier must not be asked"))
    order_archive(order=order, actor=SYSTEM)
    with pytest.raises(Conflict) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert (refused.value.code, refused.value.detail) == ("order_archived", {"order": order.number,
                                                                            "action": "book_label"})  # fmt: skip
    assert Parcel.objects.count() == 0
