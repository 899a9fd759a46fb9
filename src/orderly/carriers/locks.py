"""Locking what carriers own: a fulfillment's parcel right after the fulfillment it ships (orderly.core.locks), and
its settings (carrier accounts, shipping rules, the packaging weight), each locked alone by the service that edits
it."""

from orderly.carriers.models import CarrierAccount, PackagingWeight, Parcel, ShippingRule
from orderly.core.locks import lock_row


def lock_parcel_of(fulfillment_id: int) -> Parcel | None:
    """The fulfillment's parcel locked (its account and method loaded, not locked), or None when it has none."""
    return lock_row(Parcel.objects.filter(fulfillment_id=fulfillment_id).select_related("account", "method"))


def lock_carrier_account(pk: int) -> CarrierAccount:
    found = lock_row(CarrierAccount.objects.filter(pk=pk))
    if found is None:
        raise CarrierAccount.DoesNotExist(f"No carrier account {pk}.")
    return found


def lock_shipping_rule(pk: int) -> ShippingRule:
    """The rule locked, its method and account loaded (not locked)."""
    found = lock_row(ShippingRule.objects.filter(pk=pk).select_related("method__account"))
    if found is None:
        raise ShippingRule.DoesNotExist(f"No shipping rule {pk}.")
    return found


def lock_packaging_weight() -> PackagingWeight:
    """The one packaging weight setting locked, made first when there is none yet."""
    PackagingWeight.objects.get_or_create(pk=1)
    return lock_row(PackagingWeight.objects.filter(pk=1))
