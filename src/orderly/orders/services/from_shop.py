"""What a shop does to its orders that Orderly must follow: units it refunded before they shipped, money it paid
back for shipping and fees, and orders it sent that cannot be read at all (kept as error orders, so nothing a shop
sends is ever lost)."""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from orderly.core.actors import Actor
from orderly.core.numbering import next_number
from orderly.core.retry import retry_on_conflict
from orderly.orders import events
from orderly.orders.locks import lock_charges, lock_items, lock_order
from orderly.orders.models import Order, OrderCharge
from orderly.orders.services.item_progress import Canceled, order_items_progress
from orderly.orders.status import OrderStatus, Stage

UNREADABLE = "unreadable"
UNREADABLE_FIX = (
    "Correct the order in the shop (or ask the shop's support); its next sync or webhook takes it again and "
    "clears this error. The shop's data as it arrived is kept with the channel's sync state of this order."
)


@retry_on_conflict
@transaction.atomic
def order_items_cancel_units(*, order: Order, units: dict[int, int], actor: Actor, reason: str) -> dict[int, int]:
    """Cancel units of the order's items that have not shipped (the shop refunded them): {item id: units}.

    Each item cancels at most its units neither canceled nor shipped yet; what cannot be canceled is left out
    (returns of shipped units are the shipping area's). Guarantees an `items_canceled` event naming each item and
    its units, and the order settled (what is owed drops). Returns the units canceled per item; nothing written
    when there are none. Refused (OrderLocked, nothing written) while the order's plan holds more units for an
    item than it would have left to ship (take it out of its plan first). Locks the order, then its items in
    primary-key order.
    """
    order = lock_order(order)
    items = [item for item in lock_items(order_ids=[order.pk]) if item.pk in units]
    done = {}
    for item in items:
        open_units = item.quantity - item.qty_canceled - item.qty_handed_to_carrier
        count = min(max(int(units[item.pk]), 0), max(open_units, 0))
        if count:
            done[item.pk] = count
    if done:
        order_items_progress(
            changes=[Canceled(item=pk, units=count) for pk, count in done.items()],
            actor=actor,
            note=events.items_canceled(reason),
        )
    return done


@retry_on_conflict
@transaction.atomic
def order_record_unreadable(
    *, channel, external_id: str, reason: str, actor: Actor, customer_name: str = "", customer_email: str = ""
) -> Order:
    """Keep an order a shop sent that cannot be read (or stored) as an Error order: a draft without items whose
    error says why and how to fix it, with `imported` and `error_raised` events. Needs an external id not taken
    on the channel (IntegrityError otherwise, nothing written); a customer name or e-mail that is not text is left
    out. The corrected order, when the shop sends it, is applied over it by the sync (items, customer, addresses)
    and the checks clear the error."""
    # What could be read of the customer is kept only when it is text: the rest of the order is unreadable anyway.
    customer_name = customer_name if isinstance(customer_name, str) else ""
    customer_email = customer_email if isinstance(customer_email, str) else ""
    order = Order.objects.create(
        number=next_number("OR"),
        channel=channel,
        external_id=str(external_id)[:100],
        external_ref=str(external_id)[:100],
        status=OrderStatus.DRAFT,
        stage=Stage.NEW,
        customer_name=(customer_name or "Unknown customer")[:200],
        customer_email=customer_email[:254],
        error_code=UNREADABLE,
        error_message=f"The shop's order could not be read: {reason}"[:1000],
        error_fix=UNREADABLE_FIX,
    )
    events.imported(order, actor)
    events.error_raised(order, actor)
    return order


def order_note_unreadable(*, order: Order, reason: str, actor: Actor) -> None:
    """The shop's latest version of an order already here could not be read: the order keeps what it has, and
    its timeline says why the shop's change did not arrive."""
    events.record(
        order,
        actor,
        "sync_failed",
        f"The shop's latest version could not be read, so it was not applied: {reason}"[:500],
        {"reason": reason[:500]},
    )


def _amount(value) -> Decimal:
    try:
        number = Decimal(str(value or "0")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return Decimal("0")
    return number if number.is_finite() and number > 0 else Decimal("0")


def shop_refunds_per_charge(charges: list, refunds: list[dict]) -> dict[int, Decimal]:
    """What the shop paid back for each charge, by charge id, from its refunds [{"position", "kind", "amount"}]: one
    naming a position (the charge's place in the shop's charges, from 1) is that charge's; one without goes to the
    charges of its kind in order, each up to its total. Never more than a charge's total; never below 0."""
    room = {charge.pk: max(charge.total, Decimal("0")) for charge in charges}
    by_position = {charge.position: charge for charge in charges}
    refunded = {charge.pk: Decimal("0") for charge in charges}
    for refund in sorted(refunds, key=lambda refund: refund.get("position") is None):
        amount = _amount(refund.get("amount"))
        named = by_position.get(refund.get("position")) if refund.get("position") is not None else None
        targets = [named] if named else [c for c in charges if c.kind == refund.get("kind", "shipping")]
        for charge in targets:
            taken = min(amount, room[charge.pk] - refunded[charge.pk])
            refunded[charge.pk] += taken
            amount -= taken
    return refunded


@retry_on_conflict
@transaction.atomic
def order_charges_refunded_by_shop(*, order: Order, refunds: list[dict], actor: Actor) -> dict[int, Decimal]:
    """Record what the shop paid back for the order's shipping and fees: `refunds` are all the shop's charge refunds
    of the order so far, [{"position" (1-based, or None), "kind", "amount"}] (ExternalOrder.charge_refunds), shared
    out by shop_refunds_per_charge. A charge's `refunded` only grows (money paid back is not taken back), so the
    same refunds twice change nothing. Writes a `charges_refunded` event naming each charge that changed.

    Does not settle the order: call order_settle, or a billing service that settles, in the same transaction (the
    channel records the shop's money first, so the order moves to its new payment status once). Returns {charge id:
    amount newly refunded}, for billing to credit where the charge is invoiced. Locks the order, then its charges.
    """
    order = lock_order(order)
    charges = lock_charges(order)
    wanted = shop_refunds_per_charge(charges, refunds)
    changed, increases = [], {}
    for charge in charges:
        if wanted[charge.pk] > charge.refunded:
            increases[charge.pk] = wanted[charge.pk] - charge.refunded
            changed.append(
                {"charge": charge.pk, "title": charge.title or charge.kind, "before": str(charge.refunded),
                 "after": str(wanted[charge.pk]), "total": str(charge.total)}
            )  # fmt: skip
            charge.refunded = wanted[charge.pk]
    if changed:
        OrderCharge.objects.bulk_update([c for c in charges if c.pk in increases], ["refunded"])
        events.charges_refunded(order, actor, changed)
    return increases
