"""Receiving, adjusting, moving, producing and consuming stock: lots and their ledger lines."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from orderly.catalog.exceptions import UnknownSku
from orderly.catalog.models import Product, Variant
from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, NotFound, ValidationError
from orderly.core.locks import held_already
from orderly.core.money import quantity_text
from orderly.core.numbering import next_number
from orderly.core.retry import retry_on_conflict
from orderly.inventory.locks import lock_lot_by_number, lock_lots, lock_lots_held, lock_lots_of, lock_raw_lot_by_name
from orderly.inventory.models import Lot, Movement, Position, Warehouse
from orderly.inventory.status import LotKind, MovementKind

MAX_QUANTITY = Decimal("99999999999.999")  # what a lot's column (14 digits, 3 decimals) can hold
LOT_PREFIX = "LOT"


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
        found = lock_lot_by_number(number, related=("variant", "product", "position", "warehouse"))
        if found is None:
            raise Lot.DoesNotExist
        return found
    except Lot.DoesNotExist:
        raise ValidationError(
            f"No lot {number!r}.", code=ErrorCode.UNKNOWN_REFERENCE, field="lot", resource="lot", key=number
        ) from None


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


def new_movement(lot: Lot, kind: str, actor: Actor, *, quantity=Decimal("0"), held_change=Decimal("0"), **extra):
    """An unsaved ledger line of `lot` by `actor`; the services of this package save it with the change it records."""
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


def check_lot_fits(lot: Lot, quantity: Decimal) -> None:
    """Refuse (ValidationError on `quantity`) when adding `quantity` would take the lot past MAX_QUANTITY."""
    if lot.on_hand + quantity > MAX_QUANTITY:
        raise ValidationError(f"Lot {lot.number} cannot hold more than {MAX_QUANTITY}.", field="quantity")


# ---------------------------------------------------------------------------------------------- receipts


@retry_on_conflict
@transaction.atomic
def stock_receive(
    *,
    kind: str,
    quantity,
    actor: Actor,
    sku: str | None = None,
    product: "str | Product | None" = None,
    product_id: int | None = None,
    lot_name: str | None = None,
    lot_date: date | None = None,
    position: str | None = None,
    reason: str = "",
) -> Lot:
    """Receive stock into a new lot (packaged, loose) or into the named raw lot; one "receipt" movement.

    Loose stock names its product by `product` (its name, or the Product) or by `product_id` (as /products/{id}
    does); both may be given when they name the same product. An unknown or mismatched one is refused naming the
    field, nothing written."""
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
        lot = lock_raw_lot_by_name(name)
        if lot is not None:
            check_lot_fits(lot, quantity)
            lot.on_hand += quantity
            lot.save(update_fields=["on_hand"])
            new_movement(lot, MovementKind.RECEIPT, actor, quantity=quantity, reason=reason).save()
            return lot
        return lot_create(
            kind=kind, quantity=quantity, actor=actor, lot_date=lot_date, warehouse=warehouse,
            position=_position(warehouse, position), name=name, reason=reason,
        )  # fmt: skip
    if kind == LotKind.PACKAGED:
        variant = Variant.objects.filter(sku=(sku or "").strip()).first() if sku else None
        if variant is None:
            if not sku:
                raise ValidationError("Packaged stock needs a sku.", code=ErrorCode.REQUIRED, field="sku")
            raise UnknownSku(sku.strip(), field="sku")
        return lot_create(
            kind=kind, quantity=quantity, actor=actor, lot_date=lot_date, warehouse=warehouse,
            position=_position(warehouse, position), variant=variant, reason=reason,
        )  # fmt: skip
    product_obj = _loose_product(product, product_id)
    return lot_create(
        kind=kind, quantity=quantity, actor=actor, lot_date=lot_date, warehouse=warehouse,
        position=_position(warehouse, position), product=product_obj, reason=reason,
    )  # fmt: skip


def _loose_product(product: "str | Product | None", product_id: int | None) -> Product:
    by_id = None
    if product_id is not None:
        by_id = Product.objects.filter(pk=product_id).first()
        if by_id is None:
            raise ValidationError(
                f"No product with id {product_id}.", code=ErrorCode.UNKNOWN_REFERENCE, field="product_id",
                resource="product", key=str(product_id),
            )  # fmt: skip
    by_name = product if isinstance(product, Product) else None
    if by_name is None and product:
        by_name = Product.objects.filter(name=str(product).strip()).first()
        if by_name is None and by_id is None:
            raise ValidationError(
                f"No product {product!r}.", code=ErrorCode.UNKNOWN_REFERENCE, field="product", resource="product",
                key=str(product),
            )  # fmt: skip
    if by_id is not None and product and (by_name is None or by_name.pk != by_id.pk):
        raise ValidationError(
            f"product {str(product)!r} is not product {product_id} ({by_id.name}); send one of them, or both naming "
            "the same product.",
            field="product",
        )
    found = by_id or by_name
    if found is None:
        raise ValidationError("Loose stock needs a product.", code=ErrorCode.REQUIRED, field="product")
    return found


def lot_create(*, kind, quantity, actor, lot_date, warehouse, position, movement=MovementKind.RECEIPT, **fields):
    """A new lot numbered LOT-…, with its first ledger line (`movement`, a receipt unless told) for `quantity`; call
    inside the caller's transaction."""
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
    new_movement(lot, movement, actor, quantity=quantity, reason=reason, reference=reference).save()
    held_already(lot)  # a new lot: locking it again (holding its units) waits for no one
    return lot


@retry_on_conflict
@transaction.atomic
def stock_output(
    *, variant: Variant, quantity, actor: Actor, lot_date: date | None = None, reference: str = "", reason: str = ""
) -> Lot:
    """A packaged lot made here from loose stock (the caller consumes the loose kg in the same transaction)."""
    quantity = to_quantity(quantity, whole=True)
    return lot_create(
        kind=LotKind.PACKAGED, quantity=quantity, actor=actor, lot_date=lot_date or timezone.now().date(),
        warehouse=default_warehouse(), position=None, variant=variant, reason=reason, reference=reference,
        movement=MovementKind.OUTPUT,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------- adjust, move


@retry_on_conflict
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
        floor = "below zero" if lot.held == 0 else f"below the {quantity_text(lot.held)} {lot.unit} held"
        raise Conflict(
            f"Cannot adjust lot {lot.number} by {quantity_text(change)}: it has {quantity_text(lot.on_hand)} "
            f"{lot.unit} on hand, "
            f"and that would take it {floor}.",
            code=ErrorCode.LOT_SHORT,
            field="quantity",
            lot=lot.number,
            requested=quantity_text(-change),
            available=quantity_text(lot.available),
        )
    check_lot_fits(lot, change)
    lot.on_hand += change
    lot.save(update_fields=["on_hand"])
    new_movement(lot, MovementKind.ADJUSTMENT, actor, quantity=change, reason=reason).save()
    return lot


@retry_on_conflict
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
            code=ErrorCode.LOT_SHORT,
            field="quantity",
            lot=source.number,
            requested=quantity_text(quantity),
            available=quantity_text(source.available),
        )
    if quantity == source.on_hand:  # the whole lot, nothing held: it simply stands somewhere else now
        before = source.position.code if source.position_id else "no position"
        source.position = target_position
        source.save(update_fields=["position"])
        reason = f"Moved from {before} to {target_position.code}."
        new_movement(source, MovementKind.MOVE_OUT, actor, reason=reason).save()
        return source
    if source.kind == LotKind.RAW:
        raise ValidationError("A raw lot moves whole: its name is unique.", field="quantity")
    source.on_hand -= quantity
    source.save(update_fields=["on_hand"])
    target = lot_create(
        kind=source.kind, quantity=quantity, actor=actor, lot_date=source.lot_date, warehouse=source.warehouse,
        position=target_position, variant=source.variant, product=source.product, movement=MovementKind.MOVE_IN,
        reference=source.number, reason=f"From lot {source.number}.",
    )  # fmt: skip
    new_movement(
        source, MovementKind.MOVE_OUT, actor, quantity=-quantity, reference=target.number,
        reason=f"To lot {target.number} at {target_position.code}.",
    ).save()  # fmt: skip
    return target


# ---------------------------------------------------------------------------------------------- bulk, for plans


def lots_lock(*, kind: str, variant_ids: Iterable[int] = (), product_ids: Iterable[int] = ()) -> list[Lot]:
    """Lock the lots of these variants (packaged) or products (loose) in primary-key order; call inside a
    transaction. Every writer locks lots the same way, so two allocations wait for each other, never deadlock."""
    return lock_lots_of(kind=kind, variant_ids=variant_ids, product_ids=product_ids)


def lots_lock_held(*, reference: str) -> list[Lot]:
    """Lock every lot `reference` holds units of, in primary-key order, before releasing them in several steps:
    locking them piecemeal could cross another writer's locks and deadlock."""
    return lock_lots_held(reference=reference)


@retry_on_conflict
@transaction.atomic
def lots_consume(*, draws: Sequence[tuple[int, Decimal]], actor: Actor, reference: str = "", reason: str = "") -> None:
    """Take available stock out of lots (e.g. loose kg packed into bags); refused beyond what is available."""
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    for lot_id, quantity in draws:
        wanted[lot_id] += Decimal(quantity)
    lots = lock_lots(wanted)
    if len(lots) != len(wanted):
        missing = sorted(set(wanted) - {lot.pk for lot in lots})
        raise NotFound("A lot to consume from does not exist.", field="lot", resource="lot", key=missing[0])
    movements = []
    for lot in lots:
        quantity = wanted[lot.pk]
        if quantity > lot.available:
            raise Conflict(
                f"Cannot take {quantity} {lot.unit} from lot {lot.number}: only {lot.available} available.",
                code=ErrorCode.LOT_SHORT,
                lot=lot.number,
                requested=quantity_text(quantity),
                available=quantity_text(lot.available),
            )
        lot.on_hand -= quantity
        movements.append(
            new_movement(lot, MovementKind.CONSUMPTION, actor, quantity=-quantity, reference=reference, reason=reason)
        )
    Lot.objects.bulk_update(lots, ["on_hand"])
    Movement.objects.bulk_create(movements)
