"""Taking one channel order in: create it, or apply what changed, idempotently on (channel, external id)."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orderly.channels.connectors.base import ExternalOrder
from orderly.channels.models import SalesChannel, SyncedOrder
from orderly.channels.settings_schema import StatusAction, status_action
from orderly.core.actors import Actor
from orderly.core.exceptions import DomainError, ValidationError
from orderly.orders.models import Order
from orderly.orders.services import order_cancel, order_create, order_open
from orderly.orders.services import validation as clean
from orderly.orders.services.importing import ImportEntry
from orderly.orders.services.syncing import order_sync_update
from orderly.orders.status import OrderStatus

IMPORTED, UPDATED, SKIPPED = "imported", "updated", "skipped"


def _order_date(data: ExternalOrder) -> dt.datetime | None:
    parsed = parse_datetime(data.order_date) if data.order_date else None
    return parsed if parsed and parsed.tzinfo else None


def _usable_address(value, field: str) -> tuple[dict | None, str]:
    """A shop's address if it passes our checks; else None and why (the order is still imported, flagged)."""
    if not value:
        return None, ""
    try:
        return clean.address(value, field=field), ""
    except ValidationError as exc:
        return None, exc.message


def import_entry(channel: SalesChannel, data: ExternalOrder) -> ImportEntry:
    """The order_create arguments for a new channel order: status by the channel's table, addresses that fail our
    checks left out (the order is then flagged for its missing address) with the reason in its notes."""
    action = status_action(channel, data.external_status)
    shipping, shipping_problem = _usable_address(data.shipping_address, "shipping_address")
    billing, _ = _usable_address(data.billing_address, "billing_address")
    notes = data.notes
    if shipping_problem:
        notes = (f"The shop's shipping address was not usable: {shipping_problem}\n" + notes).strip()[:5000]
    return ImportEntry(
        external_id=data.external_id,
        customer=data.customer,
        items=data.items,
        shipping_address=shipping,
        billing_address=billing,
        currency=data.currency,
        status=OrderStatus.DRAFT if action == StatusAction.DRAFT else OrderStatus.OPEN,
        order_date=_order_date(data),
        notes=notes,
        external_ref=data.external_ref,
        external_status=data.external_status,
    )


def _create(channel: SalesChannel, data: ExternalOrder, actor: Actor) -> Order:
    action = status_action(channel, data.external_status)
    entry = import_entry(channel, data)
    order = order_create(
        channel=channel,
        customer=entry.customer,
        items=entry.items,
        shipping_address=entry.shipping_address,
        billing_address=entry.billing_address,
        currency=entry.currency,
        status=entry.status,
        order_date=entry.order_date,
        notes=entry.notes,
        external_id=entry.external_id,
        external_ref=entry.external_ref,
        external_status=entry.external_status,
        actor=actor,
        strict=False,
    )
    if action == StatusAction.CANCEL:
        order = order_cancel(order=order, actor=actor)
    elif action == StatusAction.HOLD:
        order_sync_update(order=order, external_status=data.external_status, changes={}, actor=actor, hold=True)
    return order


def _update(channel: SalesChannel, order: Order, data: ExternalOrder, actor: Actor) -> None:
    action = status_action(channel, data.external_status)
    changes = {"customer": data.customer, "items": data.items}
    for name in ("shipping_address", "billing_address"):
        address, _ = _usable_address(getattr(data, name), name)
        if address is not None:
            changes[name] = address
    order_sync_update(
        order=order,
        external_status=data.external_status,
        changes=changes,
        actor=actor,
        hold=action == StatusAction.HOLD,
    )
    order.refresh_from_db()
    if action == StatusAction.CANCEL and order.status in (OrderStatus.DRAFT, OrderStatus.OPEN):
        order_cancel(order=order, actor=actor)
    elif action in (StatusAction.OPEN, StatusAction.HOLD) and order.status == OrderStatus.DRAFT:
        order_open(order=order, actor=actor)


def channel_orders(channel: SalesChannel):
    """The channel's orders with an external id, deleted ones included, unordered: the form of the query that the
    (channel, external id) unique index answers (it is partial, external_id <> '', and SQLite uses it only when the
    query says so too)."""
    return Order.all_objects.filter(channel=channel).exclude(external_id="").order_by()


def batch_creatable(channel: SalesChannel, data: ExternalOrder) -> bool:
    """New orders the batch path takes: those created open or draft (a cancel or hold at birth goes one by one)."""
    return status_action(channel, data.external_status) in (StatusAction.OPEN, StatusAction.DRAFT)


def _remember(channel: SalesChannel, order: Order, data: ExternalOrder, digest: str) -> None:
    SyncedOrder.objects.update_or_create(
        channel=channel,
        external_id=data.external_id,
        defaults={"order": order, "digest": digest, "remote_updated_at": data.updated_at, "synced_at": timezone.now()},
    )


def order_upsert_from_channel(
    *, channel: SalesChannel, data: ExternalOrder, actor: Actor | None = None, known: SyncedOrder | None = None
) -> str:
    """Take one channel order: create it (imported, flagged with an error when it cannot be processed), or apply
    its changes with a `synced` event, or skip it when unchanged or deleted here. Returns imported/updated/skipped.

    Idempotent on (channel, external id): the same data twice changes nothing the second time. All or nothing per
    order; raises ValidationError (nothing written) when the data cannot be stored at all. A deleted order is never
    imported again. `known` is the SyncedOrder already read for this order (saves a query per order).
    """
    actor = actor or Actor.for_channel(channel)
    digest = data.digest()
    if known is not None and known.digest == digest:
        return SKIPPED
    try:
        with transaction.atomic():
            return _upsert(channel, data, actor, digest)
    except IntegrityError:
        # Another sync created the same order between our look-up and insert: take it as an update.
        with transaction.atomic():
            return _upsert(channel, data, actor, digest)


def _upsert(channel: SalesChannel, data: ExternalOrder, actor: Actor, digest: str) -> str:
    order = channel_orders(channel).select_for_update().filter(external_id=data.external_id).first()
    if order is None:
        order = _create(channel, data, actor)
        _remember(channel, order, data, digest)
        return IMPORTED
    if order.deleted_at is not None:
        return SKIPPED
    state = SyncedOrder.objects.filter(channel=channel, external_id=data.external_id).first()
    if state is not None and state.digest == digest:
        return SKIPPED
    try:
        _update(channel, order, data, actor)
    except ValidationError:
        raise
    except DomainError as exc:  # e.g. a cancel refused because the order is already being fulfilled
        raise ValidationError(f"Order {order.number}: {exc.message}") from exc
    _remember(channel, order, data, digest)
    return UPDATED
