"""The order's error from a refused booking: a later booking of the same fulfillment clears it (with an
`error_cleared` event), a booking refused again replaces it with the new cause, and errors that are not its own
stay."""

import pytest

from orderly.carriers.connectors import base
from orderly.carriers.connectors.own import OwnConnector
from orderly.carriers.services import label_book, packaging_weight_set, rule_create
from orderly.core.exceptions import ValidationError
from orderly.orders.models import Order
from orderly.orders.services import order_error_raise
from tests.carriers.helpers import SYSTEM, own_carrier, shipped

pytestmark = pytest.mark.django_db

REFUSED_FIX = "Correct the postal code, then book the label again."


def _refuse_address(self, parcel):
    raise base.CarrierRefused(
        "The address was refused.", fix=REFUSED_FIX, carrier_text="to_address.postal_code: invalid",
        field="recipient.postal_code",
    )  # fmt: skip


def _error(order) -> tuple[str, str, str]:
    order = Order.objects.get(pk=order.pk)
    return order.error_code, order.error_message, order.error_fix


def _events(order, *kinds) -> list[tuple[str, str, dict]]:
    rows = order.events.filter(kind__in=kinds or ("error_raised", "error_cleared")).order_by("id")
    return [(event.kind, event.message, event.data) for event in rows]


def test_a_booking_after_a_refused_address_clears_the_error_with_an_event(monkeypatch):
    own_carrier()
    order, fulfillment = shipped()
    monkeypatch.setattr(OwnConnector, "book", _refuse_address)
    with pytest.raises(ValidationError):
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    message = f"Label of {fulfillment.number} not booked: Own courier: The address was refused."
    assert _error(order) == ("carrier_refused", message, REFUSED_FIX)
    monkeypatch.undo()

    parcel = label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert parcel.label_status == "booked"
    assert _error(order) == ("", "", "")
    assert _events(order) == [
        ("error_raised", f"Error: {message}", {"code": "carrier_refused", "message": message, "fix": REFUSED_FIX}),
        ("error_cleared", f"Error cleared: {message}", {"code": "carrier_refused"}),
    ]
    kinds = list(order.events.order_by("id").values_list("kind", flat=True))
    assert kinds.index("label_booked") < kinds.index("error_cleared")


def test_a_booking_after_an_overweight_refusal_clears_it():
    own_carrier(max_weight="1")
    packaging_weight_set(grams=250, actor=SYSTEM)
    order, fulfillment = shipped(3, weight="0.300")  # 0.9 kg + 0.25 kg packaging
    with pytest.raises(ValidationError):
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert _error(order)[0] == "parcel_overweight"
    label_book(fulfillment=fulfillment, actor=SYSTEM, carrier="Own courier", method="express")
    assert _error(order) == ("", "", "")
    assert [kind for kind, _, _ in _events(order)] == ["error_raised", "error_cleared"]


def test_a_booking_after_no_rule_resolved_the_method_clears_it():
    account = own_carrier()
    order, fulfillment = shipped(country="BE")
    with pytest.raises(ValidationError):
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert _error(order)[0] == "no_shipping_method"
    rule_create(data={"country": "BE", "carrier": account.name, "method": "standard"}, actor=SYSTEM)
    assert label_book(fulfillment=fulfillment, actor=SYSTEM).method_code == "standard"
    assert _error(order) == ("", "", "")
    assert _events(order, "error_cleared")[0][2] == {"code": "no_shipping_method"}


def test_a_booking_refused_again_replaces_the_error_with_the_new_cause(monkeypatch):
    own_carrier(max_weight="1")
    order, fulfillment = shipped(3, weight="0.300")  # 0.9 kg: within the limit until the packaging is weighed
    monkeypatch.setattr(OwnConnector, "book", _refuse_address)
    with pytest.raises(ValidationError):
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert _error(order)[0] == "carrier_refused"
    monkeypatch.undo()
    packaging_weight_set(grams=250, actor=SYSTEM)
    with pytest.raises(ValidationError) as refused:
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert refused.value.code == "parcel_overweight"
    code, message, fix = _error(order)
    assert code == "parcel_overweight"
    assert message == (
        f"Label of {fulfillment.number} not booked: The parcel weighs 1.150 kg, over the 1.000 kg that Standard "
        "(standard) takes. Split the fulfillment into lighter parcels, or book it with a method that takes more."
    )
    assert fix == "Fix the cause named, then book the label again."
    assert [kind for kind, _, _ in _events(order)] == ["error_raised", "error_raised"]
    # the same refusal once more is the same error: nothing new on the timeline
    with pytest.raises(ValidationError):
        label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert [kind for kind, _, _ in _events(order)] == ["error_raised", "error_raised"]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("invalid_address", "The shipping address has no postal code."),  # the order's own checks
        ("carrier_refused", "Label of FF-999999 not booked: Own courier: The address was refused."),  # another one
    ],
)
def test_a_booking_leaves_an_error_that_is_not_its_own(code, message):
    own_carrier()
    order, fulfillment = shipped()
    order_error_raise(order=order, code=code, message=message, fix="Fix it.", actor=SYSTEM)
    label_book(fulfillment=fulfillment, actor=SYSTEM)
    assert _error(order) == (code, message, "Fix it.")
    assert _events(order, "error_cleared") == []
