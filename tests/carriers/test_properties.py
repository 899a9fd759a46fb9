"""Property: any sequence of booking, retrying (after a lost answer or a refusal), voiding, scanning and canceling
never leaves two live labels at the carrier for one parcel, a live label on a canceled fulfillment, a voided
label's number on a shipped fulfillment, nor a voided label on a parcel the carrier has; and a voided label never
keeps the parcel from being booked again at a carrier that keeps a voided label's reference (Sendcloud)."""

import contextlib
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderly.carriers.connectors import base
from orderly.carriers.connectors.own import OwnConnector
from orderly.carriers.models import CarrierAccount, Parcel
from orderly.carriers.services import carrier_create, fulfillment_cancel, label_book, label_void
from orderly.core.exceptions import DomainError
from orderly.shipping.models import Fulfillment
from tests.carriers.helpers import SENDER, SYSTEM, shipped

STEPS = ["book", "book", "lost_answer", "refused", "void", "cancel", "scan", "void_refused"]


class LedgerCarrier(OwnConnector):
    """A carrier that keeps its own books: every label bought, and which are live. Like Sendcloud, it keeps the
    reference of a voided label for good and refuses a second shipment under it."""

    live: dict[str, set[str]] = {}  # the labels bought under each reference
    taken: set[str] = set()  # references whose label was voided
    reused: list[str] = []  # bookings refused because their reference was taken
    numbers = itertools.count(1)
    next_call = "ok"  # "ok", "lost_answer" (bought, but the answer never came), "refused", "void_refused"

    def book(self, parcel):
        mode, LedgerCarrier.next_call = LedgerCarrier.next_call, "ok"
        if parcel.reference in self.taken:
            self.reused.append(parcel.reference)
            raise base.CarrierRefused("A cancelled shipment holds this reference.", field="reference")
        if mode == "refused":
            raise base.CarrierRefused("Address refused", carrier_text="postal code", fix="Correct it.")
        reference = f"C-{next(self.numbers)}"
        self.live.setdefault(parcel.reference, set()).add(reference)
        if mode == "lost_answer":
            raise base.CarrierUnavailable("Timed out", outcome_unknown=True)
        return base.BookedParcel(carrier_reference=reference, tracking_number=reference)

    def find_booked(self, reference):
        live = sorted(self.live.get(reference, ()))
        return base.BookedParcel(carrier_reference=live[0], tracking_number=live[0]) if live else None

    def void(self, booked):
        if LedgerCarrier.next_call == "void_refused":
            LedgerCarrier.next_call = "ok"
            return base.VoidResult(voided=False, message="Already scanned")
        for reference, labels in self.live.items():
            if booked.carrier_reference in labels:
                labels.discard(booked.carrier_reference)
                self.taken.add(reference)
        return base.VoidResult(voided=True)


def _apply(step: str, fulfillment: Fulfillment) -> None:
    if step in ("lost_answer", "refused", "void_refused"):
        LedgerCarrier.next_call = step
        step = "void" if step == "void_refused" else "book"
    if step == "book":
        Parcel.objects.filter(fulfillment=fulfillment, label_status="booking").update(booking_started_at=None)
        label_book(fulfillment=fulfillment, actor=SYSTEM, carrier="Ledger", method="standard")
    elif step == "void":
        label_void(fulfillment=fulfillment, actor=SYSTEM)
    elif step == "cancel":
        fulfillment_cancel(fulfillment=Fulfillment.objects.get(pk=fulfillment.pk), actor=SYSTEM)
    elif step == "scan":
        Parcel.objects.filter(fulfillment=fulfillment, label_status="booked").update(tracking_status="in_transit")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(STEPS), max_size=14))
def test_no_sequence_leaves_two_live_labels_or_a_voided_label_on_a_shipped_parcel(db, monkeypatch, steps):
    monkeypatch.setattr("orderly.carriers.services.common.connector_class", lambda kind: LedgerCarrier)
    if not CarrierAccount.objects.filter(name="Ledger").exists():
        # an API kind, so that the parcel is booked under a reference per label as with a carrier that keeps them
        carrier_create(
            name="Ledger", kind="sendcloud", actor=SYSTEM, sender_address=SENDER,
            credentials={"public_key": "ledger-public", "secret_key": "ledger-secret"},
            methods=[{"code": "standard", "name": "Standard", "countries": ["NL"]}],
        )  # fmt: skip
    LedgerCarrier.live, LedgerCarrier.taken, LedgerCarrier.reused, LedgerCarrier.next_call = {}, set(), [], "ok"
    _, fulfillment = shipped()
    for step in steps:
        with contextlib.suppress(DomainError):
            _apply(step, fulfillment)
        LedgerCarrier.next_call = "ok"
        fulfillment.refresh_from_db()
        parcel = Parcel.objects.filter(fulfillment=fulfillment).first()
        live = set().union(*(labels for reference, labels in LedgerCarrier.live.items()
                              if parcel and reference.split("-")[:2] == parcel.number.split("-")))  # fmt: skip
        assert len(live) <= 1, (steps, live)
        assert LedgerCarrier.reused == [], (steps, LedgerCarrier.reused)  # a void never blocks booking again
        if parcel is None:
            continue
        if parcel.label_status == "booked":
            assert live == {parcel.carrier_reference}
            assert fulfillment.status == "fulfilled"
            assert fulfillment.tracking_number == parcel.tracking_number
        if parcel.label_status in ("voided", "failed"):
            assert live == set()
            assert fulfillment.tracking_number == ""
        if fulfillment.status == "canceled":
            assert parcel.label_status != "booked" and live == set()
        if parcel.tracking_status == "in_transit":
            assert parcel.label_status == "booked"
