"""Every write to stock. Each change is a ledger movement and moves the lot's on-hand or held in the same
transaction; the database refuses a lot below zero or held beyond on-hand.

Public services (keyword-only; `actor` is an orderly.core.actors.Actor; quantities are Decimal, int or str):

    stock_receive(*, kind, quantity, actor, sku=None, product=None, lot_name=None, lot_date=None,
                  position=None, reason="") -> Lot
        kind "packaged" with `sku` (whole units), "loose" with `product` (a product name or Product; kg),
        "raw" with `lot_name` (kg; received into the raw lot of that name, made when new).
    stock_adjust(*, lot, quantity, reason, actor) -> Lot
        `lot` a Lot or its number; `quantity` the signed change; a reason is required; never below what is held.
    stock_move(*, lot, quantity, position, actor) -> Lot
        Moves available stock of a lot to another position of its warehouse: returns the lot at the new position
        (same kind, item and lot date). Moving the whole lot (nothing held) just changes its position.
    stock_output(*, variant, quantity, actor, lot_date=None, reference="", reason="") -> Lot
        A packaged lot made here (packing), with an "output" movement.
    lots_consume(*, draws, actor, reference="", reason="") -> None
        `draws`: [(lot_id, quantity)]; takes available (not held) stock out with "consumption" movements.
    lots_lock(*, kind, variant_ids=(), product_ids=()) -> list[Lot]
        Locks (select_for_update, primary-key order) and returns the lots of those variants/products.
    lots_lock_held(*, reference) -> list[Lot]
        Locks every lot `reference` holds units of, in primary-key order.
    holds_change(*, changes, reference, actor) -> None
        `changes`: [HoldChange(lot_id, order_item_id, quantity)] with signed quantities; holds or releases units
        for order items on behalf of `reference`; refused (Conflict, nothing written) beyond what is available.
    holds_release(*, reference, actor, order_item_ids=None) -> Decimal
        Releases every hold of `reference` (or of those items only); returns the units released.
    holds_consume(*, reference, actor, order_item_ids=None) -> Decimal
        Ships held units: on-hand and held both go down, "shipment" movements (for the shipping area).
    stock_ship(*, requests, actor, reference) -> list[ShipDraw]
        Ships units of order items: the item's own holds first (any reference), then available packaged stock FIFO;
        refused (Conflict naming the SKU, needed and available; nothing written) when there is not enough.
    stock_unship(*, draws, actor, reference, restore_holds=True) -> None
        Puts what stock_ship took back into the very same lots, and the holds back ("ship_reversal" movements).
    stock_return(*, variant_id, quantity, actor, reference="", reason="") -> Lot
        Returned units back into stock: a new packaged lot dated today with a "return" movement.

Selectors are in orderly.inventory.selectors.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orderly.catalog.models import Product, Variant
from orderly.core.actors import Actor
from orderly.core.exceptions import Conflict, NotFound, ValidationError
from orderly.core.numbering import next_number
from orderly.inventory.bulk import bulk_insert
from orderly.inventory.models import Hold, Lot, Movement, Position, Warehouse
from orderly.inventory.status import LotKind, MovementKind

MAX_QUANTITY = Decimal("99999999999.999")  # what a lot's column (14 digits, 3 decimals) can hold
LOT_PREFIX = "LOT"


@dataclass(frozen=True)
class HoldChange:
    lot_id: int
    order_item_id: int
    quantity: Decimal  # more than zero holds, less than zero releases


# ---------------------------------------------------------------------------------------------- input checks


def to_quantity(value, *, field: str = "quantity", whole: bool = False, allow_negative: bool = False) -> Decimal:
    """A quantity as Decimal with at most 3 decimals (whole for units), or a ValidationError naming `field`."""
    if isinstance(value, bool):  # True is not a quantity, even though Python counts it as 1
        value = None
    try:
        quantity = Decimal(str(value).strip()) if value is not None else None
    except (InvalidOperation, ValueError):
        quantity = None
    if quantity is None or not quantity.is_finite():
        raise ValidationError(f"{field} must be a number, got {value!r}.", field=field)
    if quantity == 0 or (quantity < 0 and not allow_negative):
        raise ValidationError(f"{field} must be more than zero, got {quantity}.", field=field)
    # the size first: quantizing a number of more than 28 digits would itself fail
    if abs(quantity) > MAX_QUANTITY:
        raise ValidationError(f"{field} is too large: at most {MAX_QUANTITY}.", field=field)
    if quantity != quantity.quantize(Decimal("1") if whole else Decimal("0.001")):
        what = "a whole number of units" if whole else "at most 3 decimals"
        raise ValidationError(f"{field} must be {what}, got {quantity}.", field=field)
    return quantity.quantize(Decimal("0.001"))


def _lot_for_update(lot) -> Lot:
    number = lot.number if isinstance(lot, Lot) else str(lot or "")
    try:
        return (
            Lot.objects.select_for_update(of=("self",))
            .select_related("variant", "product", "position", "warehouse")
            .get(number=number)
        )
    except Lot.DoesNotExist:
        raise NotFound(f"No lot {number!r}.", field="lot") from None


def default_warehouse() -> Warehouse:
    warehouse = Warehouse.objects.filter(is_default=True).first()
    if warehouse is None:  # every installation has one (data migration); made again if someone removed it
        warehouse, _ = Warehouse.objects.get_or_create(
            code="MAIN", defaults={"name": "Main warehouse", "is_default": True}
        )
    return warehouse


def _position(warehouse: Warehouse, code: str | None) -> Position | None:
    code = (code or "").strip()
    if not code:
        return None
    if len(code) > 32:
        raise ValidationError("position is at most 32 characters.", field="position")
    position, _ = Position.objects.get_or_create(warehouse=warehouse, code=code)
    return position


def _movement(lot: Lot, kind: str, actor: Actor, *, quantity=Decimal("0"), held_change=Decimal("0"), **extra):
    return Movement(
        lot=lot,
        kind=kind,
        quantity=quantity,
        held_change=held_change,
        actor_kind=actor.kind,
        actor_name=actor.name[:150],
        actor_user=actor.user,
        reason=(extra.get("reason") or "")[:500],
        reference=(extra.get("reference") or "")[:64],
    )


def _check_fits(lot: Lot, quantity: Decimal) -> None:
    if lot.on_hand + quantity > MAX_QUANTITY:
        raise ValidationError(f"Lot {lot.number} cannot hold more than {MAX_QUANTITY}.", field="quantity")


# ---------------------------------------------------------------------------------------------- receipts


@transaction.atomic
def stock_receive(
    *,
    kind: str,
    quantity,
    actor: Actor,
    sku: str | None = None,
    product: "str | Product | None" = None,
    lot_name: str | None = None,
    lot_date: date | None = None,
    position: str | None = None,
    reason: str = "",
) -> Lot:
    """Receive stock into a new lot (packaged, loose) or into the named raw lot; one "receipt" movement."""
    if kind not in LotKind.values:
        raise ValidationError(f"kind must be one of {', '.join(LotKind.values)}, got {kind!r}.", field="kind")
    quantity = to_quantity(quantity, whole=kind == LotKind.PACKAGED)
    lot_date = lot_date or timezone.now().date()
    warehouse = default_warehouse()
    if kind == LotKind.RAW:
        name = (lot_name or "").strip()
        if not name:
            raise ValidationError("Raw stock needs the name of its lot.", field="lot")
        if len(name) > 200:
            raise ValidationError("lot is at most 200 characters.", field="lot")
        lot = Lot.objects.select_for_update().filter(kind=LotKind.RAW, name=name).first()
        if lot is not None:
            _check_fits(lot, quantity)
            lot.on_hand += quantity
            lot.save(update_fields=["on_hand"])
            _movement(lot, MovementKind.RECEIPT, actor, quantity=quantity, reason=reason).save()
            return lot
        return _lot_create(
            kind=kind, quantity=quantity, actor=actor, lot_date=lot_date, warehouse=warehouse,
            position=_position(warehouse, position), name=name, reason=reason,
        )  # fmt: skip
    if kind == LotKind.PACKAGED:
        variant = Variant.objects.filter(sku=(sku or "").strip()).first() if sku else None
        if variant is None:
            raise NotFound(
                f"No product variant has SKU {sku!r}." if sku else "Packaged stock needs a sku.", field="sku"
            )
        return _lot_create(
            kind=kind, quantity=quantity, actor=actor, lot_date=lot_date, warehouse=warehouse,
            position=_position(warehouse, position), variant=variant, reason=reason,
        )  # fmt: skip
    product_obj = product if isinstance(product, Product) else None
    if product_obj is None and product:
        product_obj = Product.objects.filter(name=str(product).strip()).first()
    if product_obj is None:
        raise NotFound(f"No product {product!r}." if product else "Loose stock needs a product.", field="product")
    return _lot_create(
        kind=kind, quantity=quantity, actor=actor, lot_date=lot_date, warehouse=warehouse,
        position=_position(warehouse, position), product=product_obj, reason=reason,
    )  # fmt: skip


def _lot_create(*, kind, quantity, actor, lot_date, warehouse, position, movement=MovementKind.RECEIPT, **fields):
    reason = fields.pop("reason", "")
    reference = fields.pop("reference", "")
    lot = Lot.objects.create(
        number=next_number(LOT_PREFIX),
        kind=kind,
        lot_date=lot_date,
        warehouse=warehouse,
        position=position,
        on_hand=quantity,
        **fields,
    )
    _movement(lot, movement, actor, quantity=quantity, reason=reason, reference=reference).save()
    return lot


@transaction.atomic
def stock_output(
    *, variant: Variant, quantity, actor: Actor, lot_date: date | None = None, reference: str = "", reason: str = ""
) -> Lot:
    """A packaged lot made here from loose stock (the caller consumes the loose kg in the same transaction)."""
    quantity = to_quantity(quantity, whole=True)
    return _lot_create(
        kind=LotKind.PACKAGED, quantity=quantity, actor=actor, lot_date=lot_date or timezone.now().date(),
        warehouse=default_warehouse(), position=None, variant=variant, reason=reason, reference=reference,
        movement=MovementKind.OUTPUT,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------- adjust, move


@transaction.atomic
def stock_adjust(*, lot, quantity, reason: str, actor: Actor) -> Lot:
    """Change a lot's on-hand by a signed quantity, with a reason; never below zero nor below what is held."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("An adjustment needs a reason.", field="reason")
    if len(reason) > 500:
        raise ValidationError("reason is at most 500 characters.", field="reason")
    lot = _lot_for_update(lot)
    change = to_quantity(quantity, whole=lot.kind == LotKind.PACKAGED, allow_negative=True)
    if lot.on_hand + change < lot.held:
        floor = "below zero" if lot.held == 0 else f"below the {lot.held} {lot.unit} held"
        raise Conflict(
            f"Cannot adjust lot {lot.number} by {change}: it has {lot.on_hand} {lot.unit} on hand, "
            f"and that would take it {floor}.",
            field="quantity",
            lot=lot.number,
            on_hand=str(lot.on_hand),
            held=str(lot.held),
        )
    _check_fits(lot, change)
    lot.on_hand += change
    lot.save(update_fields=["on_hand"])
    _movement(lot, MovementKind.ADJUSTMENT, actor, quantity=change, reason=reason).save()
    return lot


@transaction.atomic
def stock_move(*, lot, quantity, position: str, actor: Actor) -> Lot:
    """Move available stock of a lot to `position` (same warehouse); returns the lot that now holds it there."""
    source = _lot_for_update(lot)
    quantity = to_quantity(quantity, whole=source.kind == LotKind.PACKAGED)
    target_position = _position(source.warehouse, position)
    if target_position is None:
        raise ValidationError("A move needs the position to move to.", field="position")
    if target_position.pk == source.position_id:
        raise ValidationError(f"Lot {source.number} is already at {target_position.code}.", field="position")
    if quantity > source.available:
        raise Conflict(
            f"Cannot move {quantity} {source.unit} of lot {source.number}: only {source.available} are available.",
            field="quantity",
        )
    if quantity == source.on_hand:  # the whole lot, nothing held: it simply stands somewhere else now
        before = source.position.code if source.position_id else "no position"
        source.position = target_position
        source.save(update_fields=["position"])
        reason = f"Moved from {before} to {target_position.code}."
        _movement(source, MovementKind.MOVE_OUT, actor, reason=reason).save()
        return source
    if source.kind == LotKind.RAW:
        raise ValidationError("A raw lot moves whole: its name is unique.", field="quantity")
    source.on_hand -= quantity
    source.save(update_fields=["on_hand"])
    target = _lot_create(
        kind=source.kind, quantity=quantity, actor=actor, lot_date=source.lot_date, warehouse=source.warehouse,
        position=target_position, variant=source.variant, product=source.product, movement=MovementKind.MOVE_IN,
        reference=source.number, reason=f"From lot {source.number}.",
    )  # fmt: skip
    _movement(
        source, MovementKind.MOVE_OUT, actor, quantity=-quantity, reference=target.number,
        reason=f"To lot {target.number} at {target_position.code}.",
    ).save()  # fmt: skip
    return target


# ---------------------------------------------------------------------------------------------- bulk, for plans


def lots_lock(*, kind: str, variant_ids: Iterable[int] = (), product_ids: Iterable[int] = ()) -> list[Lot]:
    """Lock the lots of these variants (packaged) or products (loose) in primary-key order; call inside a
    transaction. Every writer locks lots the same way, so two allocations wait for each other, never deadlock."""
    lots = Lot.objects.select_for_update().filter(kind=kind)
    if kind == LotKind.PACKAGED:
        lots = lots.filter(variant_id__in=set(variant_ids))
    else:
        lots = lots.filter(product_id__in=set(product_ids))
    return list(lots.order_by("pk"))


def lots_lock_held(*, reference: str) -> list[Lot]:
    """Lock every lot `reference` holds units of, in primary-key order, before releasing them in several steps:
    locking them piecemeal could cross another writer's locks and deadlock."""
    held = Hold.objects.filter(reference=reference).values("lot_id")
    return list(Lot.objects.select_for_update().filter(pk__in=held).order_by("pk"))


@transaction.atomic
def lots_consume(*, draws: Sequence[tuple[int, Decimal]], actor: Actor, reference: str = "", reason: str = "") -> None:
    """Take available stock out of lots (e.g. loose kg packed into bags); refused beyond what is available."""
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    for lot_id, quantity in draws:
        wanted[lot_id] += Decimal(quantity)
    lots = list(Lot.objects.select_for_update().filter(pk__in=wanted).order_by("pk"))
    if len(lots) != len(wanted):
        raise NotFound("A lot to consume from does not exist.", field="lot")
    movements = []
    for lot in lots:
        quantity = wanted[lot.pk]
        if quantity > lot.available:
            raise Conflict(
                f"Cannot take {quantity} {lot.unit} from lot {lot.number}: only {lot.available} available.",
                lot=lot.number,
            )
        lot.on_hand -= quantity
        movements.append(
            _movement(lot, MovementKind.CONSUMPTION, actor, quantity=-quantity, reference=reference, reason=reason)
        )
    Lot.objects.bulk_update(lots, ["on_hand"])
    Movement.objects.bulk_create(movements)


@transaction.atomic
def holds_change(*, changes: Sequence[HoldChange], reference: str, actor: Actor) -> None:
    """Hold (positive) or release (negative) units of lots for order items, in a fixed number of queries.

    Locks the lots in primary-key order; refused with a Conflict, writing nothing, when a lot has not enough
    available units or an item holds fewer units than released.
    """
    merged: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for change in changes:
        merged[(change.lot_id, change.order_item_id)] += Decimal(change.quantity)
    merged = {key: quantity for key, quantity in merged.items() if quantity != 0}
    if not merged:
        return
    lot_ids = {lot_id for lot_id, _ in merged}
    item_ids = {item_id for _, item_id in merged}
    lots = {lot.pk: lot for lot in Lot.objects.select_for_update().filter(pk__in=lot_ids).order_by("pk")}
    holds = {
        (hold.lot_id, hold.order_item_id): hold
        for hold in Hold.objects.filter(lot_id__in=lot_ids, order_item_id__in=item_ids)
    }
    to_create, to_update, to_delete = [], [], []
    # the ledger gets one hold and one release line per lot (what changed for which item is in the holds)
    per_lot: dict[tuple[int, str], list] = defaultdict(lambda: [Decimal("0"), 0])
    for (lot_id, item_id), quantity in sorted(merged.items()):
        lot = lots.get(lot_id)
        if lot is None:
            raise NotFound(f"No lot with id {lot_id}.", field="lot")
        hold = holds.get((lot_id, item_id))
        current = hold.quantity if hold else Decimal("0")
        if hold is not None and hold.reference != reference:
            raise Conflict(f"Lot {lot.number} is held for item {item_id} by {hold.reference}, not {reference}.")
        if quantity > 0 and quantity > lot.available:
            raise Conflict(
                f"Cannot hold {quantity} {lot.unit} of lot {lot.number}: only {lot.available} available.",
                lot=lot.number,
                available=str(lot.available),
            )
        if current + quantity < 0:
            raise Conflict(f"Cannot release {-quantity} of lot {lot.number}: item {item_id} holds {current}.")
        lot.held += quantity
        line = per_lot[(lot_id, MovementKind.HOLD if quantity > 0 else MovementKind.RELEASE)]
        line[0] += quantity
        line[1] += 1
        if hold is None:
            to_create.append(Hold(lot_id=lot_id, order_item_id=item_id, reference=reference, quantity=quantity))
        elif current + quantity == 0:
            to_delete.append(hold.pk)
        else:
            hold.quantity = current + quantity
            to_update.append(hold)
    if to_delete:
        Hold.objects.filter(pk__in=to_delete).delete()
    if to_update:
        Hold.objects.bulk_update(to_update, ["quantity"])
    bulk_insert(Hold, to_create)
    # one UPDATE per distinct change (relative, so it stays right whatever was read): the count follows the lots'
    # sizes, not the number of lines
    by_change: dict[Decimal, list[int]] = defaultdict(list)
    net: dict[int, Decimal] = defaultdict(Decimal)
    for (lot_id, _kind), (quantity, _items) in per_lot.items():
        net[lot_id] += quantity
    for lot_id, change in net.items():
        if change:
            by_change[change].append(lot_id)
    for change, lot_ids in sorted(by_change.items()):
        Lot.objects.filter(pk__in=lot_ids).update(held=F("held") + change)
    bulk_insert(
        Movement,
        [
            _movement(lots[lot_id], kind, actor, held_change=quantity, reference=reference,
                      reason=f"{count} order item{'s' if count != 1 else ''}")
            for (lot_id, kind), (quantity, count) in sorted(per_lot.items())
        ]
    )  # fmt: skip


def _holds_of(reference: str, order_item_ids) -> list[Hold]:
    holds = Hold.objects.filter(reference=reference)
    if order_item_ids is not None:
        holds = holds.filter(order_item_id__in=set(order_item_ids))
    return list(holds.order_by("pk"))


@transaction.atomic
def holds_release(*, reference: str, actor: Actor, order_item_ids: Iterable[int] | None = None) -> Decimal:
    """Give back every unit `reference` holds (or holds for those items); returns how many."""
    holds = _holds_of(reference, order_item_ids)
    holds_change(
        changes=[HoldChange(h.lot_id, h.order_item_id, -h.quantity) for h in holds], reference=reference, actor=actor
    )
    return sum((h.quantity for h in holds), Decimal("0"))


@transaction.atomic
def holds_consume(*, reference: str, actor: Actor, order_item_ids: Iterable[int] | None = None) -> Decimal:
    """Ship the held units: each hold's quantity leaves on-hand and held together ("shipment" movements)."""
    holds = _holds_of(reference, order_item_ids)
    if not holds:
        return Decimal("0")
    lots = {
        lot.pk: lot for lot in Lot.objects.select_for_update().filter(pk__in={h.lot_id for h in holds}).order_by("pk")
    }
    movements = []
    for hold in holds:
        lot = lots[hold.lot_id]
        lot.on_hand -= hold.quantity
        lot.held -= hold.quantity
        movements.append(
            _movement(lot, MovementKind.SHIPMENT, actor, quantity=-hold.quantity, held_change=-hold.quantity,
                      reference=reference)
        )  # fmt: skip
    Lot.objects.bulk_update(list(lots.values()), ["on_hand", "held"])
    Hold.objects.filter(pk__in=[h.pk for h in holds]).delete()
    Movement.objects.bulk_create(movements)
    return sum((h.quantity for h in holds), Decimal("0"))


# ---------------------------------------------------------------------------------------------- shipping


@dataclass(frozen=True)
class ShipRequest:
    order_item_id: int
    variant_id: int
    quantity: Decimal  # whole units


@dataclass(frozen=True)
class ShipDraw:
    """Units a shipment took from one lot for one order item: out of the item's hold under `hold_reference`, or out
    of available stock when that is empty. The shipping area keeps these so that a cancel puts back exactly."""

    order_item_id: int
    lot_id: int
    quantity: Decimal
    hold_reference: str = ""


def _plan_ship(request: ShipRequest, lots: list[Lot], holds: list[Hold], taken: dict) -> list[ShipDraw]:
    """Which units of `lots` (the variant's, FIFO order) one request takes: its holds first, then available stock.
    `taken` carries what earlier requests of the same shipment took from available stock, per lot."""
    needed = Decimal(request.quantity)
    draws = []
    order = {lot.pk: index for index, lot in enumerate(lots)}
    for hold in sorted(holds, key=lambda h: (order[h.lot_id], h.pk)):
        if needed <= 0:
            break
        quantity = min(hold.quantity, needed)
        draws.append(ShipDraw(request.order_item_id, hold.lot_id, quantity, hold.reference))
        needed -= quantity
    for lot in lots:
        if needed <= 0:
            break
        free = lot.available - taken[lot.pk]
        if free > 0:
            quantity = min(free, needed)
            taken[lot.pk] += quantity
            draws.append(ShipDraw(request.order_item_id, lot.pk, quantity))
            needed -= quantity
    if needed > 0:
        held = sum((h.quantity for h in holds), Decimal("0"))
        free = sum((lot.available - taken[lot.pk] for lot in lots), Decimal("0"))
        sku = Variant.objects.filter(pk=request.variant_id).values_list("sku", flat=True).first() or "?"
        available = held + free + sum((d.quantity for d in draws if not d.hold_reference), Decimal("0"))
        needed, available, held = (format(d.normalize(), "f") for d in (Decimal(request.quantity), available, held))
        raise Conflict(
            f"Not enough stock of {sku}: {needed} needed, {available} available ({held} held for the item).",
            code="insufficient_stock",
            sku=sku,
            needed=needed,
            available=available,
        )
    return draws


@transaction.atomic
def stock_ship(*, requests: Sequence[ShipRequest], actor: Actor, reference: str) -> list[ShipDraw]:
    """Take the units of order items out of packaged stock as they leave the warehouse.

    Needs whole-unit quantities of packaged variants. Each item takes the units held for it first (under any
    reference, oldest lot first), then available packaged stock of its variant FIFO by lot date. Locks the
    variants' lots in primary-key order. Guarantees: on-hand and held drop together for held units, one "shipment"
    movement per draw, emptied holds deleted; when any item is short a Conflict names the SKU, what is needed and
    what is available, and nothing is written. Returns the draws, to be kept for stock_unship.
    """
    if not requests:
        return []
    lots = lots_lock(kind=LotKind.PACKAGED, variant_ids={r.variant_id for r in requests})
    fifo = sorted(lots, key=lambda lot: (lot.lot_date, lot.pk))
    by_lot = {lot.pk: lot for lot in lots}
    holds = list(
        Hold.objects.filter(order_item_id__in={r.order_item_id for r in requests}, lot_id__in=by_lot).order_by("pk")
    )
    taken: dict[int, Decimal] = defaultdict(Decimal)
    draws: list[ShipDraw] = []
    for request in requests:
        variant_lots = [lot for lot in fifo if lot.variant_id == request.variant_id]
        item_holds = [
            h
            for h in holds
            if h.order_item_id == request.order_item_id and by_lot[h.lot_id].variant_id == request.variant_id
        ]
        draws += _plan_ship(request, variant_lots, item_holds, taken)
    _apply_ship(draws, by_lot, holds, actor, reference)
    return draws


def _apply_ship(draws: list[ShipDraw], lots: dict[int, Lot], holds: list[Hold], actor: Actor, reference: str):
    hold_of = {(h.lot_id, h.order_item_id): h for h in holds}
    movements, changed_holds = [], set()
    for draw in draws:
        lot = lots[draw.lot_id]
        lot.on_hand -= draw.quantity
        held_change = Decimal("0")
        if draw.hold_reference:
            held_change = -draw.quantity
            lot.held -= draw.quantity
            hold = hold_of[(draw.lot_id, draw.order_item_id)]
            hold.quantity -= draw.quantity
            changed_holds.add(hold.pk)
        movements.append(
            _movement(lot, MovementKind.SHIPMENT, actor, quantity=-draw.quantity, held_change=held_change,
                      reference=reference, reason=draw.hold_reference and f"Held for {draw.hold_reference}")
        )  # fmt: skip
    touched = [lots[lot_id] for lot_id in sorted({d.lot_id for d in draws})]
    Lot.objects.bulk_update(touched, ["on_hand", "held"])
    emptied = [h.pk for h in holds if h.pk in changed_holds and h.quantity == 0]
    kept = [h for h in holds if h.pk in changed_holds and h.quantity > 0]
    if emptied:
        Hold.objects.filter(pk__in=emptied).delete()
    if kept:
        Hold.objects.bulk_update(kept, ["quantity"])
    Movement.objects.bulk_create(movements)


@transaction.atomic
def stock_unship(*, draws: Sequence[ShipDraw], actor: Actor, reference: str, restore_holds: bool = True) -> None:
    """Put shipped units back exactly where stock_ship took them from (a canceled fulfillment).

    Needs the draws stock_ship returned. Each draw's units go back into the same lot ("ship_reversal" movement);
    a draw taken from a hold is held again for the same item under the same reference — unless `restore_holds` is
    False (the caller knows that reference no longer holds anything for the item), when the units come back as
    available stock. Locks the lots in primary-key order. A hold of the item on that lot under another reference
    keeps the units available rather than mixing two references on one hold.
    """
    if not draws:
        return
    lots = {
        lot.pk: lot for lot in Lot.objects.select_for_update().filter(pk__in={d.lot_id for d in draws}).order_by("pk")
    }
    holds = {
        (h.lot_id, h.order_item_id): h
        for h in Hold.objects.filter(lot_id__in=lots, order_item_id__in={d.order_item_id for d in draws})
    }
    movements, new_holds, changed = [], [], {}
    for draw in draws:
        lot = lots[draw.lot_id]
        quantity = Decimal(draw.quantity)
        _check_fits(lot, quantity)
        lot.on_hand += quantity
        key = (draw.lot_id, draw.order_item_id)
        hold = holds.get(key)
        rehold = restore_holds and draw.hold_reference and (hold is None or hold.reference == draw.hold_reference)
        if rehold:
            lot.held += quantity
            if hold is None:
                hold = holds[key] = Hold(lot_id=draw.lot_id, order_item_id=draw.order_item_id,
                                         reference=draw.hold_reference, quantity=quantity)  # fmt: skip
                new_holds.append(hold)
            else:
                hold.quantity += quantity
                if hold.pk:
                    changed[hold.pk] = hold
        movements.append(
            _movement(lot, MovementKind.SHIP_REVERSAL, actor, quantity=quantity,
                      held_change=quantity if rehold else Decimal("0"), reference=reference,
                      reason=f"Held again for {draw.hold_reference}" if rehold else "")
        )  # fmt: skip
    Lot.objects.bulk_update(list(lots.values()), ["on_hand", "held"])
    if changed:
        Hold.objects.bulk_update(list(changed.values()), ["quantity"])
    Hold.objects.bulk_create(new_holds)
    Movement.objects.bulk_create(movements)


@transaction.atomic
def stock_return(*, variant_id: int, quantity, actor: Actor, reference: str = "", reason: str = "") -> Lot:
    """Units a customer returned, back in stock: a new packaged lot of the variant dated today (a returned unit is
    not the same age as the lot it left, and a lot of its own keeps it apart for a check) with a "return" movement."""
    variant = Variant.objects.filter(pk=variant_id).first()
    if variant is None:
        raise NotFound(f"No product variant with id {variant_id}.", field="variant")
    return _lot_create(
        kind=LotKind.PACKAGED, quantity=to_quantity(quantity, whole=True), actor=actor,
        lot_date=timezone.now().date(), warehouse=default_warehouse(), position=None, variant=variant,
        reason=reason, reference=reference, movement=MovementKind.RETURN,
    )  # fmt: skip
