"""Taking one channel order in: create it, or apply what changed, idempotently on (channel, external id)."""

import datetime as dt
import hashlib
import json
from decimal import Decimal
from types import SimpleNamespace

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from orderly.billing.services import credit_note_for_return, credit_note_for_shop_refund
from orderly.billing.services.shop_payments import payments_follow_shop
from orderly.channels.connectors.base import ExternalOrder, Malformed
from orderly.channels.connectors.parsing import generated_sku
from orderly.channels.models import SalesChannel, SyncedOrder
from orderly.channels.settings_schema import StatusAction, status_action, switch
from orderly.core.actors import Actor
from orderly.core.exceptions import DomainError, ValidationError
from orderly.core.retry import retry_on_conflict
from orderly.orders.locks import lock_order_of
from orderly.orders.models import Order
from orderly.orders.services import order_cancel, order_create, order_open, order_settle
from orderly.orders.services.from_shop import (
    order_charges_refunded_by_shop,
    order_items_cancel_units,
    order_note_unreadable,
    order_record_unreadable,
)
from orderly.orders.services.importing import ImportEntry
from orderly.orders.services.syncing import order_sync_update
from orderly.orders.status import OrderStatus
from orderly.shipping.services import fulfillment_record_from_shop, return_register

IMPORTED, UPDATED, SKIPPED = "imported", "updated", "skipped"


def _order_date(data: ExternalOrder) -> dt.datetime | None:
    parsed = parse_datetime(data.order_date) if data.order_date else None
    return parsed if parsed and parsed.tzinfo else None


def _customer(data: ExternalOrder) -> dict:
    """The shop's customer; a guest without a name is named from an address, else their e-mail, else "Guest"."""
    customer = dict(data.customer or {})
    if not str(customer.get("name") or "").strip():
        customer["name"] = (
            (data.billing_address or {}).get("name")
            or (data.shipping_address or {}).get("name")
            or customer.get("email")
            or "Guest"
        )
    return customer


def _items(channel: SalesChannel, data: ExternalOrder) -> list:
    """The shop's lines; with the channel's switch on, lines without a SKU in the shop need no product here."""
    if not switch(channel, "sku_less_lines_as_non_stock"):
        return data.items
    return [
        {**item, "options": {**(item.get("options") or {}), "allocate": False}}
        if isinstance(item, dict) and generated_sku(item.get("sku"))
        else item
        for item in data.items
    ]


def shop_of(data: ExternalOrder) -> dict:
    """What the shop said of the order beyond its lines, as orders.services.editing.shop_figures takes it."""
    return {
        "charges": data.charges,
        "prices_include_tax": data.prices_include_tax,
        "is_test": data.is_test,
        "delivery_method": data.delivery_method,
        "discount_codes": data.discount_codes,
        "shop_money": data.shop_money,
        "stated_total": data.stated_total or None,
    }


def received_of(data: ExternalOrder) -> tuple[Decimal, Decimal]:
    """(money the shop received, money it paid back) for the order, 0 where it says nothing or nonsense."""
    money = data.payment or {}
    return _decimal(money.get("paid")), _decimal(money.get("refunded"))


def _decimal(value) -> Decimal:
    try:
        number = Decimal(str(value or "0"))
    except ArithmeticError:
        return Decimal("0")
    return number if number.is_finite() and number > 0 else Decimal("0")


def import_entry(channel: SalesChannel, data: ExternalOrder, *, amount_paid: Decimal = Decimal("0")) -> ImportEntry:
    """The order_create arguments for a new channel order: status by the channel's table, addresses as the shop
    has them (the checks flag what their country's rules refuse), a guest named from an address."""
    action = status_action(channel, data.external_status)
    return ImportEntry(
        external_id=data.external_id,
        customer=_customer(data),
        items=_items(channel, data),
        shipping_address=data.shipping_address or None,
        billing_address=data.billing_address or None,
        currency=data.currency,
        status=OrderStatus.DRAFT if action == StatusAction.DRAFT else OrderStatus.OPEN,
        order_date=_order_date(data),
        notes=data.notes,
        external_ref=data.external_ref,
        external_status=data.external_status,
        shop=shop_of(data),
        amount_paid=amount_paid,
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
        shop=entry.shop,
    )
    if action == StatusAction.CANCEL:
        order = order_cancel(order=order, actor=actor)
    elif action == StatusAction.HOLD:
        order_sync_update(order=order, external_status=data.external_status, changes={}, actor=actor, hold=True)
    return order


def _update(channel: SalesChannel, order: Order, data: ExternalOrder, actor: Actor) -> None:
    action = status_action(channel, data.external_status)
    changes = {"customer": _customer(data), "items": _items(channel, data), "shop": shop_of(data)}
    for name in ("shipping_address", "billing_address"):
        if getattr(data, name):
            changes[name] = getattr(data, name)
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


def _follow_shop(channel: SalesChannel, order: Order, data: ExternalOrder, actor: Actor, applied: list) -> list:
    """Record what the shop did to the order: its fulfillments (never shipped again here), the units it refunded
    (canceled before they shipped, returned after), what it paid back for shipping and fees (no longer owed, and
    credited where invoiced), and its money. Returns the refund ids applied, old and new."""
    use_stock = switch(channel, "shop_fulfillments_use_our_stock")
    for parcel in data.fulfillments:
        fulfillment_record_from_shop(
            order=order, external_id=str(parcel.get("external_id") or "shop"), lines=parcel.get("lines") or [],
            carrier=parcel.get("carrier") or "", tracking_number=parcel.get("tracking_number") or "",
            tracking_url=parcel.get("tracking_url") or "", draw_stock=use_stock, actor=actor,
        )  # fmt: skip
    applied = list(applied)
    for refund in data.refunds:
        key = str(refund.get("external_id") or "")
        if key and key not in applied:
            _apply_refund(order, refund.get("lines") or [], use_stock, actor)
            applied.append(key)
    # The charges' refunds first, without settling: the payments below settle the order once, with both.
    newly_refunded = {}
    if data.charge_refunds:
        newly_refunded = order_charges_refunded_by_shop(order=order, refunds=data.charge_refunds, actor=actor)
    if data.payment is not None:
        received, refunded = received_of(data)
        payments_follow_shop(
            order=order, received=received, refunded=refunded, state=str(data.payment.get("state") or ""), actor=actor
        )
    if newly_refunded:
        credit_note_for_shop_refund(order=order, refunded=newly_refunded, actor=actor)
        order_settle(order=order, actor=actor)
    return applied


def _apply_refund(order: Order, lines: list, restock_allowed: bool, actor: Actor) -> None:
    """Refunded units: those not shipped are canceled here; those shipped come back as a return (restocked when
    the shop restocked them and ships from our stock), which credits what was invoiced. Units the order canceled
    already (the shop's refunded status cancels the order in the same sync, before its refunds are applied) are
    credited where invoiced too."""
    items = {str(item.identifiers.get("line_id", "")): item for item in order.items.all() if item.identifiers}
    to_cancel, to_credit, to_return = {}, {}, []
    for line in lines:
        item = items.get(str(line.get("line_id", "")))
        units = line.get("quantity") if isinstance(line.get("quantity"), int) else 0
        if item is None or units <= 0:
            continue
        unshipped = max(item.quantity - item.qty_canceled - item.qty_handed_to_carrier, 0)
        cancel = min(units, unshipped)
        if cancel:
            to_cancel[item.pk] = to_cancel.get(item.pk, 0) + cancel
        back = min(units - cancel, max(item.qty_handed_to_carrier - item.qty_returned, 0))
        if back:
            to_return.append(({"item": item.pk, "quantity": back}, bool(line.get("restock")) and restock_allowed))
        if canceled_before := min(units - cancel - back, item.qty_canceled):
            to_credit[item.pk] = to_credit.get(item.pk, 0) + canceled_before
    if to_cancel:
        canceled = order_items_cancel_units(order=order, units=to_cancel, actor=actor, reason="refunded in the shop")
        for pk, units in canceled.items():
            to_credit[pk] = to_credit.get(pk, 0) + units
    if to_credit:
        # units already invoiced are taken back on a credit note (the returns below get theirs from the return);
        # it credits no unit twice, nor one never invoiced
        credit_note_for_return(
            order=order, lines=list(to_credit.items()), reason="Refunded in the shop before shipping.", actor=actor
        )
    for restock in (True, False):
        chosen = [line for line, flag in to_return if flag is restock]
        if chosen:
            return_register(order=order, items=chosen, reason="Refunded in the shop", restock=restock, actor=actor)


def channel_orders(channel: SalesChannel):
    """The channel's orders with an external id, deleted ones included, unordered: the form of the query that the
    (channel, external id) unique index answers (it is partial, external_id <> '', and SQLite uses it only when the
    query says so too)."""
    return Order.all_objects.filter(channel=channel).exclude(external_id="").order_by()


def batch_creatable(channel: SalesChannel, data: ExternalOrder) -> bool:
    """New orders the batch path takes: those created open, or draft and unpaid, with nothing the shop did to them
    but take their money (a cancel or hold at birth, a fulfillment, a refund, a paid draft go one by one)."""
    action = status_action(channel, data.external_status)
    received, refunded = received_of(data)
    if data.fulfillments or data.refunds or data.charge_refunds or refunded:
        return False
    return action == StatusAction.OPEN or (action == StatusAction.DRAFT and not received)


def _remember(channel: SalesChannel, order: Order, data, digest: str, applied: list, raw=None) -> None:
    SyncedOrder.objects.update_or_create(
        channel=channel,
        external_id=data.external_id,
        defaults={
            "order": order,
            "digest": digest,
            "remote_updated_at": data.updated_at,
            "synced_at": timezone.now(),
            "applied_refunds": applied,
            "raw": raw,
        },
    )


@retry_on_conflict
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
    order = lock_order_of(channel_orders(channel), external_id=data.external_id)
    if order is None:
        order = _create(channel, data, actor)
        applied = _follow_shop(channel, order, data, actor, [])
        _remember(channel, order, data, digest, applied)
        return IMPORTED
    if order.deleted_at is not None:
        return SKIPPED
    state = SyncedOrder.objects.filter(channel=channel, external_id=data.external_id).first()
    if state is not None and (state.digest == digest or older_than(data, state)):
        return SKIPPED
    try:
        _update(channel, order, data, actor)
        order.refresh_from_db()
        applied = _follow_shop(channel, order, data, actor, state.applied_refunds if state else [])
    except ValidationError:
        raise
    except DomainError as exc:  # e.g. a cancel refused because the order is already being fulfilled
        # kept as this order's failure (the sync goes on with the others), with the refusal's code and data
        raise ValidationError(
            f"Order {order.number}: {exc.message}", code=exc.code, field=exc.field, **exc.detail
        ) from exc
    _remember(channel, order, data, digest, applied)
    return UPDATED


def _plain(value, depth: int = 0):
    """The shop's data as plain JSON a database takes: numbers that are not finite and other odd values as text,
    NUL characters (which PostgreSQL's jsonb refuses) dropped, nesting cut off where no real order goes."""
    if depth > 30:
        return "…"
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {str(key).replace("\x00", ""): _plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item, depth + 1) for item in value]
    if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def older_than(data, state: SyncedOrder | None) -> bool:
    """Whether the shop's state `data` is older than the one already applied here, by the shop's own change time
    (a webhook retried late, or an old body sent again under a new delivery id): never applied over a newer one."""
    return bool(state is not None and data.updated_at and state.remote_updated_at > data.updated_at)


@retry_on_conflict
def order_keep_unusable(*, channel: SalesChannel, entry, reason: str, actor: Actor | None = None) -> str:
    """Keep what a shop sent that could not be taken (a Malformed entry, or an order whose values cannot be
    stored): a new Error order with the reason and the raw data, or, for an order already here, a timeline note
    that the shop's change did not arrive. Nothing a shop sends is silently dropped. Returns imported (a new error
    order), updated (noted on the order) or skipped (the same unusable data again, or a deleted order)."""
    actor = actor or Actor.for_channel(channel)
    raw = entry.raw if isinstance(entry, Malformed) else vars(entry)
    raw = _plain(raw)
    external_id = entry.external_id
    if not external_id or external_id == "?":
        fingerprint = hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()
        external_id = f"unreadable-{fingerprint[:16]}"
    digest = hashlib.sha256(f"unusable:{reason}:{json.dumps(raw, sort_keys=True)}".encode()).hexdigest()
    stand_in = SimpleNamespace(external_id=external_id, updated_at=getattr(entry, "updated_at", "") or "")
    with transaction.atomic():
        order = lock_order_of(channel_orders(channel), external_id=external_id)
        state = SyncedOrder.objects.filter(channel=channel, external_id=external_id).first()
        if state is not None and state.digest == digest or (order is not None and order.deleted_at is not None):
            return SKIPPED
        if order is None:
            customer = (raw or {}).get("customer") if isinstance(raw, dict) else None
            email = (raw or {}).get("email") if isinstance(raw, dict) else ""
            order = order_record_unreadable(
                channel=channel, external_id=external_id, reason=reason, actor=actor,
                customer_email=email if isinstance(email, str) and "@" in email and len(email) < 254 else "",
                customer_name=customer.get("name", "") if isinstance(customer, dict) else "",
            )  # fmt: skip
            _remember(channel, order, stand_in, digest, [], raw)
            return IMPORTED
        order_note_unreadable(order=order, reason=reason, actor=actor)
        _remember(channel, order, stand_in, digest, state.applied_refunds if state else [], raw)
        return UPDATED
