"""A stand-in for the carriers area behind orderly.batches.labels, as its interface promises it: a rule resolves
an order's method (or refuses, naming the fix), booking is idempotent per fulfillment (the same parcel again, never
a second label) and writes the tracking number on the fulfillment, labels are one PDF page or one ZPL block each.

It counts every label bought, so a test can prove one label per parcel whatever happened in between."""

from dataclasses import dataclass, field
from io import BytesIO

from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

from orderly.batches.labels import Booked, Method
from orderly.carriers.connectors.base import LabelFormat
from orderly.core.exceptions import ValidationError
from orderly.shipping.models import Fulfillment


class Killed(BaseException):
    """The worker process dies here (not an error the batch can record)."""


@dataclass
class FakeCarriers:
    booked: dict[int, Booked] = field(default_factory=dict)
    bought: int = 0  # labels paid for
    refuse_countries: set = field(default_factory=set)  # no rule for these countries
    refuse_postal_codes: set = field(default_factory=set)  # the carrier refuses these addresses
    kill_after_booking: bool = False

    def method_resolve(self, *, order) -> Method:
        country = order.shipping_address.country if order.shipping_address_id else ""
        if country in self.refuse_countries:
            raise ValidationError(
                f"No shipping rule gives a method for {country} (delivery method "
                f"{order.delivery_method or 'none'!r}). Add a shipping rule for {country} under Carriers, then "
                "reprocess.",
                field="shipping_method",
            )
        return Method(carrier="Own courier", method="Standard")

    def parcel_reserve(self, *, order, fulfillment, lines, actor):
        return ("reserved", fulfillment.pk)

    def parcel_book(self, *, fulfillment, actor, reserved=None) -> Booked:
        assert reserved in (None, ("reserved", fulfillment.pk))
        if fulfillment.pk in self.booked:
            return self.booked[fulfillment.pk]
        postal_code = (fulfillment.shipping_address or {}).get("postal_code", "")
        if postal_code in self.refuse_postal_codes:
            raise ValidationError(f"The carrier refused the address: postal code {postal_code} does not exist.")
        self.bought += 1
        number = f"PA-{len(self.booked) + 1:06d}"
        booked = Booked(parcel=number, tracking_number=f"3STEST{fulfillment.pk:08d}", tracking_url="")
        Fulfillment.objects.filter(pk=fulfillment.pk).update(tracking_number=booked.tracking_number)
        self.booked[fulfillment.pk] = booked
        if self.kill_after_booking:
            self.kill_after_booking = False
            raise Killed("worker killed between booking the label and recording it")
        return booked

    def label_document(self, *, fulfillment, fmt) -> bytes:
        tracking = self.booked[fulfillment.pk].tracking_number
        if fmt == LabelFormat.ZPL:
            return f"^XA^FO40,40^A0N,30,30^FD{fulfillment.number}^FS^FO40,90^BCN,80^FD{tracking}^FS^XZ\n".encode()
        out = BytesIO()
        page = canvas.Canvas(out, pagesize=(4 * inch, 6 * inch))
        page.drawString(20, 400, f"{fulfillment.number} {tracking}")
        page.showPage()
        page.save()
        return out.getvalue()

    def label_documents(self, *, fulfillments, fmt) -> list[bytes]:
        return [self.label_document(fulfillment=fulfillment, fmt=fmt) for fulfillment in fulfillments]

    def install(self, monkeypatch) -> "FakeCarriers":
        from orderly.batches import labels

        # composing is the carriers area's own (orderly.carriers.labels.compose), used as it is
        for name in ("method_resolve", "parcel_reserve", "parcel_book", "label_document", "label_documents"):
            monkeypatch.setattr(labels, name, getattr(self, name))
        return self
