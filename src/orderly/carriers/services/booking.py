"""Booking a fulfillment's parcel with its carrier, voiding its label, and canceling a fulfillment with a label.

A carrier is called outside every database transaction, in three steps: reserve the parcel (locked, status
*booking*, its attempt counted, committed), call the carrier, record what it answered (locked again, checked
again). So a double click or a retry finds the parcel reserved or booked and never buys a second label; a call
whose outcome is unknown (a timeout after sending) leaves the parcel *booking* with no call in flight, and the next
attempt asks the carrier for the shipment booked under the parcel's number before buying anything.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from orderly.carriers import events
from orderly.carriers.connectors import base
from orderly.carriers.connectors.base import LabelFormat, TrackingStatus
from orderly.carriers.locks import lock_parcel_of
from orderly.carriers.models import CarrierAccount, Parcel, ShippingMethod, TrackingEvent
from orderly.carriers.services import documents
from orderly.carriers.services.common import carrier_failure, close, connector_for
from orderly.carriers.services.rules import (
    carrier_find,
    check_method,
    method_find,
    parcel_weight,
    shipping_method_resolve,
    weight_of,
)
from orderly.carriers.status import FINAL_TRACKING, LABEL_TRANSITIONS, LabelStatus
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, DomainError, TransitionNotAllowed, ValidationError
from orderly.core.numbering import next_number
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.orders import events as order_events
from orderly.orders.exceptions import OrderArchived, OrderLocked
from orderly.orders.models import Order
from orderly.orders.services import order_error_clear, order_error_raise, order_items_progress
from orderly.orders.services.item_progress import Labelled, Unlabelled
from orderly.orders.status import OrderStatus
from orderly.shipping.models import Fulfillment
from orderly.shipping.services import fulfillment_cancel as shipping_cancel
from orderly.shipping.services import fulfillment_tracking_set, fulfillment_tracking_write
from orderly.shipping.services.common import fulfillment_for_update, fulfillment_with_order_for_update
from orderly.shipping.status import Delivery, FulfillmentStatus

logger = logging.getLogger(__name__)

PREFIX = "PA"
BOOK_LABEL = "book_label"
# A booking call still "in flight" after this long was cut off (a killed worker): the next attempt looks it up.
IN_FLIGHT = dt.timedelta(minutes=2)
POLL_AFTER = dt.timedelta(minutes=30)
# What the order gets as its error when a booking fails for a cause on the order itself.
ORDER_CAUSES = {ErrorCode.NO_SHIPPING_METHOD, ErrorCode.PARCEL_OVERWEIGHT, ErrorCode.METHOD_NOT_SERVING,
                ErrorCode.CARRIER_REFUSED}  # fmt: skip


# What recording a booked label reads of the order (it writes its timeline and may clear its error): the rest of
# its 45 columns are left unread.
ORDER_FIELDS = ("number", "status", "error_code", "error_message")


def _error_prefix(fulfillment: Fulfillment) -> str:
    """How the order's error from a refused booking begins: it names the fulfillment, so that booking that
    fulfillment later clears its own error and never another fulfillment's."""
    return f"Label of {fulfillment.number} not booked: "


@dataclass
class _Reserved:
    parcel: Parcel
    done: bool = False  # a live label exists: nothing to book
    look_first: bool = False  # an earlier call's outcome is unknown: ask the carrier before buying


def _label_check(parcel: Parcel, target: str) -> None:
    check_transition(LABEL_TRANSITIONS, resource="parcel", key=parcel.number, current=parcel.label_status,
                     attempted=target, action=f"move the label of parcel {parcel.number} to {target}")  # fmt: skip


def _shippable(fulfillment: Fulfillment, verb: str) -> None:
    if fulfillment.delivery != Delivery.SHIP:
        raise Conflict(
            f"Fulfillment {fulfillment.number} was handed over for collection; it has no parcel to {verb}.",
            code=ErrorCode.NO_LABEL_FOR_COLLECT, fulfillment=fulfillment.number,
        )  # fmt: skip
    if fulfillment.status != FulfillmentStatus.FULFILLED:
        raise TransitionNotAllowed(
            resource="fulfillment", key=fulfillment.number, current=fulfillment.status, attempted="labelled",
            action=f"{verb} a label for fulfillment {fulfillment.number}",
        )  # fmt: skip


def _order_allows(order: Order, fulfillment: Fulfillment) -> None:
    """A canceled or archived order takes no new label (its items take no more work): refused before the carrier
    is asked, so a label is never bought that could not be recorded."""
    if order.is_archived:
        raise OrderArchived(order, action=BOOK_LABEL, message=f"Cannot book a label for {fulfillment.number}: order "
                            f"{order.number} is archived; unarchive it first.")  # fmt: skip
    if order.status == OrderStatus.CANCELED:
        raise OrderLocked(f"Cannot book a label for {fulfillment.number}: order {order.number} is canceled.",
                          order=order, action=BOOK_LABEL)  # fmt: skip


def order_shipping_method(*, order: Order) -> tuple[CarrierAccount, ShippingMethod]:
    """The (account, method) the shipping rules give `order`; ValidationError `no_shipping_method` naming its
    country and delivery method, and the fix, when none does (what booking its label would refuse with)."""
    return _choose(order, None, None)


def _choose(order: Order, carrier, method):
    """(account, method) given, or resolved by the shipping rules."""
    if carrier not in (None, ""):
        account = carrier_find(carrier)
        if method not in (None, ""):
            return account, method_find(account, method)
        resolved = shipping_method_resolve(order=order)
        if resolved and resolved.account.pk == account.pk:
            return account, resolved.method
        methods = list(account.methods.all()[:2])
        if len(methods) == 1:
            return account, methods[0]
        raise ValidationError(f"method: name one of {account.name}'s shipping methods by its code.", field="method")
    if method not in (None, ""):
        raise ValidationError("carrier: name the carrier whose method this is.", field="carrier")
    resolved = shipping_method_resolve(order=order)
    if resolved is None:
        country = order.shipping_address.country if order.shipping_address else ""
        raise ValidationError(
            f"No shipping rule gives a carrier for order {order.number} (to {country or 'no country'}, delivery "
            f"method {order.delivery_method or 'none'!r}). Add a shipping rule for {country or 'its country'} at "
            "Settings › Carriers, or choose the carrier and method when booking.",
            code=ErrorCode.NO_SHIPPING_METHOD, field="carrier", order=order.number, country=country,
            delivery_method=order.delivery_method,
        )  # fmt: skip
    return resolved.account, resolved.method


@retry_on_conflict
@transaction.atomic
def _reserve(fulfillment: Fulfillment, actor: Actor, carrier, method) -> _Reserved:
    # the order and the fulfillment, its lines with their variants (the parcel's weight): a booking changes
    # neither the stock nor, by itself, the items
    order, fulfillment, lines = fulfillment_with_order_for_update(fulfillment, related=("order_item__variant",))
    fulfillment.order = order  # the parcel's request reads the customer's e-mail and the order's total from it
    _shippable(fulfillment, "book")
    _order_allows(order, fulfillment)
    parcel = lock_parcel_of(fulfillment.pk)
    now = timezone.now()
    if parcel is not None and parcel.label_status == LabelStatus.BOOKED:
        return _Reserved(parcel, done=True)
    if parcel is not None and parcel.label_status == LabelStatus.BOOKING:
        if parcel.booking_started_at and now - parcel.booking_started_at < IN_FLIGHT:
            raise Conflict(f"Parcel {parcel.number} of {fulfillment.number} is being booked; try again shortly.",
                           code=ErrorCode.LABEL_BOOKING, fulfillment=fulfillment.number)  # fmt: skip
        parcel.booking_started_at = now
        parcel.booking_attempts += 1
        parcel.save(update_fields=["booking_started_at", "booking_attempts", "updated_at"])
        return _Reserved(parcel, look_first=True)
    weight = parcel_weight(lines)
    return _Reserved(_booking(order, fulfillment, parcel, actor, carrier, method, weight=weight, now=now))


def _booking(order: Order, fulfillment: Fulfillment, parcel: Parcel | None, actor: Actor, carrier, method, *,
             weight, now) -> Parcel:  # fmt: skip
    """The parcel reserved for a booking (made first when there is none): its account and method chosen, its
    weight checked against the method, *booking* with its attempt counted."""
    account, chosen = _choose(order, carrier, method)
    if not account.enabled:
        raise Conflict(f"Carrier {account.name} is disabled; enable it first.", code=ErrorCode.CARRIER_DISABLED,
                       carrier=account.name)  # fmt: skip
    check_method(chosen, weight=weight, country=(fulfillment.shipping_address or {}).get("country", "").upper())
    if parcel is None:
        parcel = Parcel(number=next_number(PREFIX), fulfillment=fulfillment, created_by=actor.name[:150])
    _label_check(parcel, LabelStatus.BOOKING)
    parcel.account, parcel.method, parcel.method_code, parcel.weight_kg = account, chosen, chosen.code, weight
    parcel.label_status, parcel.booking_started_at, parcel.last_error = LabelStatus.BOOKING, now, ""
    parcel.booking_attempts += 1
    parcel.carrier_reference = parcel.tracking_number = parcel.tracking_url = ""
    parcel.save()
    parcel.fulfillment = fulfillment
    return parcel


def label_reserve_held(*, order: Order, fulfillment: Fulfillment, lines, actor: Actor) -> Parcel:
    """The first step of label_book for a caller that has just made `fulfillment` in its transaction
    (shipping.fulfillment_write, `order` locked; so it has no parcel yet): its parcel reserved for booking in that
    transaction, by the account and method the shipping rules give, its weight from `lines` ([(order item, units)]
    shipped) checked against the method. The caller commits, then books it with label_book(parcel=…); a batch so
    fulfills and reserves in one transaction. Refusals (no rule, the carrier disabled, too heavy, a country the
    method does not serve) raise, and the caller's transaction rolls back with the fulfillment."""
    _shippable(fulfillment, "book")
    _order_allows(order, fulfillment)
    fulfillment.order = order  # the parcel's request reads the customer's e-mail and the order's total from it
    weight = weight_of([(item.variant_id, units) for item, units in lines])
    return _booking(order, fulfillment, None, actor, None, None, weight=weight, now=timezone.now())


def _flag_order(fulfillment: Fulfillment, error: DomainError, actor: Actor) -> None:
    """A booking refused for a cause on the order (no rule, the weight, the address): the order's error names it
    and the fix, in its own transaction (the refusal rolled back everything else). A later refusal for another
    cause replaces it; a later booking of the fulfillment clears it (_clear_order_error)."""
    if error.code not in ORDER_CAUSES:
        return
    fix = error.detail.get("fix") or "Fix the cause named, then book the label again."
    order = Order.all_objects.get(pk=fulfillment.order_id)
    order_error_raise(order=order, code=str(error.code), message=f"{_error_prefix(fulfillment)}{error.message}",
                      fix=fix, actor=actor)  # fmt: skip


def _clear_order_error(order: Order, fulfillment: Fulfillment, actor: Actor) -> None:
    """The label is booked: an error an earlier refused booking of this fulfillment left on the order is resolved
    and cleared, with an `error_cleared` event (other errors stay)."""
    order_error_clear(order=order, codes={str(code) for code in ORDER_CAUSES},
                      message_prefix=_error_prefix(fulfillment), actor=actor)  # fmt: skip


@retry_on_conflict
@transaction.atomic
def _record_failure(parcel: Parcel, exc: base.CarrierError, actor: Actor) -> None:
    order, _items, fulfillment = fulfillment_for_update(parcel.fulfillment)
    locked = lock_parcel_of(fulfillment.pk)
    if locked is None or locked.label_status != LabelStatus.BOOKING:
        return
    locked.last_error = f"{exc.message} {exc.carrier_text}".strip()[:1000]
    locked.booking_started_at = None
    if not exc.outcome_unknown:
        _label_check(locked, LabelStatus.FAILED)
        locked.label_status = LabelStatus.FAILED  # nothing was bought: booking again starts afresh
    locked.save()
    order_events.record(order, actor, *events.label_failed(locked, exc.message))


def _labelled(lines) -> list[Labelled]:
    """Units of the fulfillment's `lines` not counted as labelled when it shipped (it had no carrier then)."""
    changes = []
    for line in lines:
        units = line.quantity - int((line.indicator_changes or {}).get("qty_label_applied", 0))
        if units > 0:
            changes.append(Labelled(item=line.order_item_id, units=units))
    return changes


@retry_on_conflict
@transaction.atomic
def _record_booked(parcel: Parcel, booked: base.BookedParcel, actor: Actor, kept: dict) -> Parcel:
    # the items, when their *label applied* moves, are locked by the orders area under the order's lock
    order, fulfillment, lines = fulfillment_with_order_for_update(parcel.fulfillment, order_fields=ORDER_FIELDS)
    locked = lock_parcel_of(fulfillment.pk)
    if locked.label_status == LabelStatus.BOOKED and locked.carrier_reference == booked.carrier_reference:
        return locked  # recorded already (a retry raced this one)
    _label_check(locked, LabelStatus.BOOKED)
    now = timezone.now()
    booked_before = locked.booked_at is not None or locked.voided_labels > 0
    locked.label_status, locked.booking_started_at, locked.booked_at = LabelStatus.BOOKED, None, now
    locked.carrier_reference = booked.carrier_reference[:100]
    locked.tracking_number = (booked.tracking_number or locked.number)[:100]
    locked.tracking_url = (booked.tracking_url or "")[:500]
    locked.tracking_status, locked.carrier_status, locked.status_at = (
        TrackingStatus.ANNOUNCED,
        booked.carrier_status[:200],
        now,
    )
    locked.price, locked.currency, locked.last_error = booked.price, booked.currency[:3], ""
    locked.voided_at = None
    locked.next_poll_at = now + POLL_AFTER if locked.account.kind != "own" else None
    locked.poll_failures = 0
    # one statement, no savepoint: an attempt's event exists already only if this very booking was recorded
    TrackingEvent.objects.bulk_create(
        [TrackingEvent(parcel=locked, event_id=f"booked:{locked.booking_attempts}", status=TrackingStatus.ANNOUNCED,
                       carrier_status=booked.carrier_status[:200], occurred_at=now, source="booking")],
        ignore_conflicts=True,
    )  # fmt: skip
    if booked_before:  # a new label: documents of an earlier one are not it (a first label has none)
        locked.documents.all().delete()
    for fmt, content in kept.items():
        locked.documents.create(format=fmt, content=content)
    with order_events.recorded_together():  # its tracking's event and the label's, in one statement
        _record_on_order(order, fulfillment, lines, locked, actor)
    locked.save()
    return locked


def _record_on_order(order: Order, fulfillment: Fulfillment, lines, locked: Parcel, actor: Actor) -> None:
    """What a booked label changes of the order: the fulfillment's tracking, *label applied*, the timeline, the
    order's error a refused booking of it left."""
    shipped = fulfillment.status == FulfillmentStatus.FULFILLED  # reported lost while the carrier was asked: not
    if shipped:  # its locks are held since fulfillment_with_order_for_update: not taken again
        fulfillment_tracking_write(
            order=order, fulfillment=fulfillment, actor=actor, carrier=locked.account.name,
            tracking_number=locked.tracking_number, tracking_url=locked.tracking_url,
        )  # fmt: skip
    locked.fulfillment = fulfillment
    changes = _labelled(lines) if shipped else []
    note = events.label_booked(locked)
    if changes:
        moved = order_items_progress(changes=changes, actor=actor, note=note)
        locked.label_applied = {
            str(pk): m["qty_label_applied"] for pk, m in moved.items() if m.get("qty_label_applied")
        }
    else:
        note.write(order.pk, actor)
        locked.label_applied = {}
    if order.error_code in ORDER_CAUSES:  # (the order is locked: its error cannot change meanwhile)
        _clear_order_error(order, fulfillment, actor)


def label_book(*, fulfillment: Fulfillment, actor: Actor, carrier=None, method=None,
               fmt: LabelFormat | None = None, parcel: Parcel | None = None) -> Parcel:  # fmt: skip
    """Book the parcel of a fulfilled, shipped fulfillment and fetch its label: the fulfillment gets the carrier's
    name, tracking number and URL (through shipping, which queues the customer's shipped e-mail with it).

    Needs `carrier` (name or id) and `method` (its code), or shipping rules that resolve them for the order; the
    carrier enabled; the parcel (variants' weights × units + packaging) within the method's weight limit and its
    country served. Guarantees: idempotent — a parcel already booked is answered as it is, whatever is asked; a
    booking in flight is refused (LABEL_BOOKING); an earlier call whose outcome is unknown is looked up with
    `find_booked` before anything is bought. The label in `fmt` (default pdf-a6) is fetched and kept; a failure to
    fetch it leaves the booking standing (the download fetches it again). *Label applied* rises by the units not
    labelled yet; a `label_booked` event. A carrier's
    refusal becomes CARRIER_REFUSED (carrier_text, fix, field) and an error on the order, as do no rule, an
    overweight parcel or a country the method does not serve (a refusal for another cause replaces that error); a
    booking that succeeds clears the error a refused booking of this fulfillment left, with an `error_cleared`
    event. An unreachable carrier is CARRIER_UNAVAILABLE, refused keys CARRIER_AUTH_FAILED. Nothing is bought
    twice, and a refusal writes no label. `parcel`: the fulfillment's parcel as label_reserve_held reserved it in
    the caller's transaction, committed since (the reservation is not made again).
    """
    if parcel is not None:  # reserved by the caller (label_reserve_held), committed: book it
        reserved = _Reserved(parcel)
    else:
        try:
            reserved = _reserve(fulfillment, actor, carrier, method)
        except DomainError as exc:
            _flag_order(fulfillment, exc, actor)
            raise
    parcel = reserved.parcel
    if reserved.done:
        return parcel
    try:
        connector = connector_for(parcel.account)
    except DomainError as exc:
        _record_failure(parcel, base.CarrierAuthFailed(exc.message), actor)
        raise
    try:
        booked, kept = _book_at_carrier(connector, parcel, reserved.look_first, fmt, actor)
    finally:
        close(connector)
    return _record_booked(parcel, booked, actor, kept)


def _book_at_carrier(connector, parcel: Parcel, look_first: bool, fmt, actor: Actor):
    """(what the carrier booked, {format: label document}); a carrier error is recorded and raised as a domain
    error. The label document is fetched best effort: a booking stands without it (the download fetches it)."""
    try:
        booked = connector.find_booked(documents.booking_reference(parcel)) if look_first else None
        if booked is None:
            booked = connector.book(documents.parcel_request(parcel))
    except base.CarrierError as exc:
        _record_failure(parcel, exc, actor)
        error = carrier_failure(parcel.account, exc)
        _flag_order(parcel.fulfillment, error, actor)
        raise error from exc
    kept = {}
    fmt = LabelFormat(fmt or (parcel.account.settings or {}).get("label_format") or LabelFormat.PDF_A6)
    parcel.carrier_reference, parcel.tracking_number = booked.carrier_reference, booked.tracking_number
    try:
        kept[fmt] = documents.fetch(parcel, fmt, connector=connector)
    except DomainError as exc:
        logger.warning("Label of %s booked but its %s document not fetched: %s", parcel.number, fmt, exc.message)
    return booked, kept


@retry_on_conflict
@transaction.atomic
def _reserve_void(fulfillment: Fulfillment, *, canceling: bool) -> Parcel | None:
    order, _items, fulfillment = fulfillment_for_update(fulfillment)
    parcel = lock_parcel_of(fulfillment.pk)
    if parcel is None or parcel.label_status in (LabelStatus.NONE, LabelStatus.FAILED, LabelStatus.VOIDED):
        if canceling:
            return None
        raise Conflict(
            f"Fulfillment {fulfillment.number} has no live label to void.", code=ErrorCode.LABEL_NOT_BOOKED,
            fulfillment=fulfillment.number, label_status=parcel.label_status if parcel else LabelStatus.NONE,
        )  # fmt: skip
    if parcel.label_status == LabelStatus.BOOKING:
        raise Conflict(f"Parcel {parcel.number} of {fulfillment.number} is being booked; try again shortly.",
                       code=ErrorCode.LABEL_BOOKING, fulfillment=fulfillment.number)  # fmt: skip
    if parcel.tracking_status not in ("", TrackingStatus.ANNOUNCED):
        raise Conflict(
            f"The parcel of {fulfillment.number} is {parcel.tracking_status.replace('_', ' ')} already: its label "
            "cannot be voided once the carrier has it.",
            code=ErrorCode.LABEL_VOID_REFUSED, fulfillment=fulfillment.number, carrier=parcel.account.name,
            carrier_text=parcel.carrier_status,
        )  # fmt: skip
    parcel.fulfillment = fulfillment
    return parcel


@retry_on_conflict
@transaction.atomic
def _record_void(parcel: Parcel, actor: Actor) -> Parcel:
    order, _items, fulfillment = fulfillment_for_update(parcel.fulfillment)
    locked = lock_parcel_of(fulfillment.pk)
    if locked.label_status == LabelStatus.VOIDED:
        return locked
    _label_check(locked, LabelStatus.VOIDED)
    now = timezone.now()
    locked.label_status, locked.voided_at, locked.next_poll_at = LabelStatus.VOIDED, now, None
    locked.voided_labels += 1  # the next label is booked under a reference of its own
    locked.tracking_status, locked.status_at = TrackingStatus.CANCELED, now
    locked.fulfillment = fulfillment
    changes = [Unlabelled(item=int(pk), units=units) for pk, units in sorted(locked.label_applied.items()) if units]
    note = events.label_voided(locked)
    if changes:
        order_items_progress(changes=changes, actor=actor, note=note)
    else:
        note.write(order.pk, actor)
    locked.label_applied = {}
    locked.save()
    if fulfillment.status == FulfillmentStatus.FULFILLED:
        # the shop and the page must not show the number of a label that will not travel
        fulfillment_tracking_set(fulfillment=fulfillment, actor=actor, carrier="", tracking_number="")
    return locked


def _void_at_carrier(parcel: Parcel) -> None:
    connector = connector_for(parcel.account)
    try:
        result = connector.void(documents.booked_of(parcel))
    except base.CarrierError as exc:
        raise carrier_failure(parcel.account, exc) from exc
    finally:
        close(connector)
    if not result.voided:
        raise Conflict(
            f"{parcel.account.name} would not void the label of {parcel.fulfillment.number}: {result.message}",
            code=ErrorCode.LABEL_VOID_REFUSED, fulfillment=parcel.fulfillment.number, carrier=parcel.account.name,
            carrier_text=result.message[:500],
        )  # fmt: skip


def label_void(*, fulfillment: Fulfillment, actor: Actor) -> Parcel:
    """Void the fulfillment's live label with its carrier, then record it: label voided, tracking canceled, *label
    applied* lowered by what the booking raised, the fulfillment's tracking number removed (so the shop is not told a
    number that will not travel), a `label_voided` event. Refused, nothing written: no live label (LABEL_NOT_BOOKED), a
    booking in flight (LABEL_BOOKING), the parcel already with the carrier or the carrier refusing (LABEL_VOID_REFUSED),
    or the carrier failing. A void already recorded answers the parcel as it is."""
    parcel = _reserve_void(fulfillment, canceling=False)
    _void_at_carrier(parcel)
    return _record_void(parcel, actor)


def fulfillment_cancel(*, fulfillment: Fulfillment, actor: Actor) -> Fulfillment:
    """Cancel a fulfillment, voiding its live label first: the way the API and the pages cancel a fulfillment.

    Shipping sits below carriers and cannot void a label, so canceling goes through here: the label is voided
    with the carrier (a refusal — the parcel already scanned — refuses the cancel, and the fulfillment stays as
    it is, its label live), then shipping.fulfillment_cancel undoes the fulfillment. A label voided but the cancel
    then refused (the order archived meanwhile) leaves a fulfillment without a label, which can be booked again:
    never a live label on a canceled fulfillment, nor a voided one still shown as its tracking."""
    _shippable_or_collect(fulfillment)
    parcel = _reserve_void(fulfillment, canceling=True)
    if parcel is not None:
        _void_at_carrier(parcel)
        _record_void(parcel, actor)
    return shipping_cancel(fulfillment=fulfillment, actor=actor)


def _shippable_or_collect(fulfillment: Fulfillment) -> None:
    """Refuse early what shipping would refuse anyway (not fulfilled), before any carrier is asked."""
    if fulfillment.status != FulfillmentStatus.FULFILLED:
        raise TransitionNotAllowed(
            resource="fulfillment", key=fulfillment.number, current=fulfillment.status,
            attempted=FulfillmentStatus.CANCELED, action=f"cancel fulfillment {fulfillment.number}",
        )  # fmt: skip


def is_final(parcel: Parcel) -> bool:
    return parcel.tracking_status in FINAL_TRACKING
