"""Reads of carriers, rules and parcels, shared by the API and the pages."""

from orderly.carriers.connectors.base import LabelFormat
from orderly.carriers.models import CarrierAccount, LabelPrinter, PackagingWeight, Parcel, ShippingRule
from orderly.core.exceptions import NotFound

DEFAULT_FORMAT = LabelFormat.PDF_A6
MAX_ID = 2**63 - 1


def carriers_list():
    return CarrierAccount.objects.prefetch_related("methods").order_by("name", "id")


def carrier_get(carrier_id) -> CarrierAccount:
    found = None
    if isinstance(carrier_id, int) and 0 < carrier_id <= MAX_ID:
        found = carriers_list().filter(pk=carrier_id).first()
    if found is None:
        raise NotFound(f"No carrier {carrier_id}.", resource="carrier", key=str(carrier_id))
    return found


def rules_list():
    return ShippingRule.objects.select_related("method__account").order_by(
        "country", "channel_id", "delivery_method", "id"
    )


def rule_get(rule_id) -> ShippingRule:
    found = rules_list().filter(pk=rule_id).first() if isinstance(rule_id, int) and 0 < rule_id <= MAX_ID else None
    if found is None:
        raise NotFound(f"No shipping rule {rule_id}.", resource="shipping_rule", key=str(rule_id))
    return found


def parcel_of(fulfillment) -> Parcel | None:
    return Parcel.objects.select_related("account", "method").filter(fulfillment_id=fulfillment.pk).first()


def parcels_of(fulfillments) -> dict[int, Parcel]:
    """{fulfillment id: its parcel}, one query (the order page)."""
    ids = [f.pk for f in fulfillments]
    return {p.fulfillment_id: p for p in Parcel.objects.select_related("account").filter(fulfillment_id__in=ids)}


def label_format_of(user) -> LabelFormat:
    """The label format the person prints on (pdf-a6 until they choose)."""
    found = LabelPrinter.objects.filter(user_id=getattr(user, "pk", None)).values_list("format", flat=True).first()
    return LabelFormat(found) if found else DEFAULT_FORMAT


def packaging_weight_grams() -> int:
    """The packaging weight setting in grams (0 when never set): what every parcel weighs besides its goods."""
    return PackagingWeight.objects.filter(pk=1).values_list("grams", flat=True).first() or 0


def method_choices() -> list[tuple[str, str]]:
    """("carrier id:method code", words) of every enabled carrier's methods, for a Book label choice."""
    return [
        (f"{account.pk}:{method.code}", f"{account.name} — {method.name}")
        for account in carriers_list().filter(enabled=True)
        for method in account.methods.all()
    ]
