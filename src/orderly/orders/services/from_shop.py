"""What a shop does to its orders that Orderly must follow: units it refunded before they shipped, and orders it
sent that cannot be read at all (kept as error orders, so nothing a shop sends is ever lost)."""

from django.db import transaction

from orderly.core.actors import Actor
from orderly.core.numbering import next_number
from orderly.core.retry import retry_on_conflict
from orderly.orders import events
from orderly.orders.locks import lock_items, lock_order
from orderly.orders.models import Order
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
