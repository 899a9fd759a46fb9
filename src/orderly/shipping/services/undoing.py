"""Undoing a fulfillment (Cancel fulfillment, seed 001) and reporting its parcel lost (seed 002)."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.inventory.services import ShipDraw, stock_unship
from orderly.orders.exceptions import OrderArchived, OrderLocked
from orderly.orders.models import Order
from orderly.orders.services import order_items_progress
from orderly.orders.services.item_progress import Lost, Unshipped
from orderly.orders.status import OrderStatus, Stage
from orderly.shipping import events
from orderly.shipping.models import Fulfillment
from orderly.shipping.services.common import fulfillment_for_update, refuse_undo_past_returns
from orderly.shipping.status import FULFILLMENT_TRANSITIONS, Delivery, FulfillmentStatus

# The `action` an order refusal names, per verb of this module.
ACTIONS = {"cancel": "cancel_fulfillment", "report lost": "report_lost"}


def _refuse_order_state(order: Order, fulfillment: Fulfillment, verb: str) -> None:
    action = ACTIONS[verb]
    if order.is_archived:
        message = (
            f"Cannot {verb} fulfillment {fulfillment.number}: order {order.number} is archived; unarchive it first."
        )
        raise OrderArchived(order, action=action, message=message)
    if order.status == OrderStatus.CANCELED:
        raise OrderLocked(
            f"Cannot {verb} fulfillment {fulfillment.number}: order {order.number} is canceled.",
            order=order,
            action=action,
        )


def _check(fulfillment: Fulfillment, target: str, verb: str) -> None:
    check_transition(
        FULFILLMENT_TRANSITIONS,
        resource="fulfillment",
        key=fulfillment.number,
        current=fulfillment.status,
        attempted=target,
        action=f"{verb} fulfillment {fulfillment.number}",
    )


@retry_on_conflict
@transaction.atomic
def fulfillment_cancel(*, fulfillment: Fulfillment, actor: Actor) -> Fulfillment:
    """Undo a fulfilled fulfillment exactly: every unit back into the lot it came from (held again for the same
    item and reference where it came out of a hold — while the order is still in a plan; otherwise as available
    stock, since that plan no longer holds anything for it), the indicator changes it recorded taken back, status
    canceled, a `fulfillment_canceled` event, and the order settled (its fulfillment status drops; a closed order
    reopens).

    Refused (Conflict, nothing written) unless the fulfillment is fulfilled, when its order is archived or
    canceled, or when units of it were returned.
    """
    order, items, fulfillment = fulfillment_for_update(fulfillment)
    _check(fulfillment, FulfillmentStatus.CANCELED, "cancel")
    _refuse_order_state(order, fulfillment, "cancel")
    lines = list(fulfillment.lines.all())
    refuse_undo_past_returns(fulfillment, items, "cancel")
    draws = [
        ShipDraw(line.order_item_id, draw.lot_id, Decimal(draw.quantity), draw.hold_reference)
        for line in lines
        for draw in line.draws.all()
    ]
    # A reference's holds mean something only while the order is in that plan; out of any plan (stage new), the
    # units come back as available stock rather than held for a plan that no longer counts them.
    restore_holds = order.stage != Stage.NEW
    stock_unship(draws=draws, actor=actor, reference=fulfillment.number, restore_holds=restore_holds)
    fulfillment.status = FulfillmentStatus.CANCELED
    fulfillment.canceled_at = timezone.now()
    fulfillment.save(update_fields=["status", "canceled_at"])
    order_items_progress(
        changes=[
            Unshipped(item=line.order_item_id, recorded=line.indicator_changes, holds_restored=restore_holds)
            for line in lines
        ],
        actor=actor,
        note=events.fulfillment_canceled(fulfillment),
    )
    return fulfillment


@retry_on_conflict
@transaction.atomic
def fulfillment_report_lost(*, fulfillment: Fulfillment, actor: Actor) -> Fulfillment:
    """The parcel of a shipped fulfillment never arrived: its units count as lost and as not fulfilled any more
    (they must ship again), stock stays as it is (the units left the warehouse), status lost, a `parcel_lost`
    event, and the order settled (its fulfillment status drops; a closed order reopens).

    Refused (Conflict, nothing written) unless the fulfillment is fulfilled and was shipped (not collected), when
    its order is archived or canceled, or when units of it were returned.
    """
    order, items, fulfillment = fulfillment_for_update(fulfillment)
    _check(fulfillment, FulfillmentStatus.LOST, "report lost")
    if fulfillment.delivery != Delivery.SHIP:
        raise Conflict(
            f"Fulfillment {fulfillment.number} was collected by the customer; only a shipped parcel can be lost.",
            code=ErrorCode.NOT_SHIPPED,
            fulfillment=fulfillment.number,
        )
    _refuse_order_state(order, fulfillment, "report lost")
    lines = list(fulfillment.lines.all())
    refuse_undo_past_returns(fulfillment, items, "report lost")
    fulfillment.status = FulfillmentStatus.LOST
    fulfillment.lost_at = timezone.now()
    fulfillment.save(update_fields=["status", "lost_at"])
    order_items_progress(
        changes=[Lost(item=line.order_item_id, units=line.quantity) for line in lines],
        actor=actor,
        note=events.parcel_lost(fulfillment),
        reason=f"Reopened: the parcel of {fulfillment.number} was lost.",
    )
    return fulfillment
