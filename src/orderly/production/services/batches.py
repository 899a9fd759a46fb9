"""Roast batches after scheduling: complete (green consumed, a loose roasted lot made), cancel, edit."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, TransitionNotAllowed, UnknownReference, ValidationError
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.inventory.models import Lot
from orderly.inventory.services import loose_output, lots_consume, raw_hold, raw_lots_lock, raw_release
from orderly.production.locks import lock_roast_batch
from orderly.production.models import Machine, ProfileGreen, RoastBatch, RoastGreen
from orderly.production.selectors import roast_batch_get
from orderly.production.services.common import kg, whole
from orderly.production.status import INCONSISTENT_TOLERANCE, ROAST_TRANSITIONS, RoastStatus
from orderly.production.weights import HUNDRED, KG_STEP

ZERO = Decimal("0")


def _move(batch: RoastBatch, status: str, action: str) -> None:
    check_transition(
        ROAST_TRANSITIONS,
        resource="roast_batch",
        key=batch.number,
        current=batch.status,
        attempted=status,
        action=action,
    )
    batch.status = status


def _lock(batch, extra_lot_ids=()) -> tuple[RoastBatch, dict[int, Lot]]:
    """The batch's green lots (and `extra_lot_ids`) locked in primary-key order, then the batch: the global order
    (lots before the roast batches of the area above)."""
    found = batch if isinstance(batch, RoastBatch) else roast_batch_get(batch)
    lot_ids = set(RoastGreen.objects.filter(batch=found).values_list("lot_id", flat=True)) | set(extra_lot_ids)
    lots = {lot.pk: lot for lot in raw_lots_lock(lot_ids=lot_ids)}
    locked = lock_roast_batch(found.pk)
    if locked is None:
        raise RoastBatch.DoesNotExist
    return locked, lots


def _differs(actual: Decimal, planned: Decimal) -> bool:
    return abs(actual - planned) * HUNDRED > planned * INCONSISTENT_TOLERANCE


def _split(total: Decimal, planned: list[RoastGreen]) -> list[tuple[RoastGreen, Decimal]]:
    """A blend's green used, cut by the planned weights; the last lot takes the rounding."""
    whole_plan = sum((g.planned_kg for g in planned), ZERO)
    parts = [(total * g.planned_kg / whole_plan).quantize(KG_STEP, rounding=ROUND_HALF_UP) for g in planned[:-1]]
    parts.append(total - sum(parts, ZERO))
    return list(zip(planned, parts, strict=True))


@retry_on_conflict
@transaction.atomic
def roast_batch_complete(*, batch, green_used_kg, roasted_out_kg, actor: Actor) -> RoastBatch:
    """Record a roast: its held green kg are given back, then `green_used_kg` is consumed from the lots through the
    stock ledger (a blend by its components' weights; otherwise the planned lot first, then the profile's other
    lots, oldest first) and a loose lot of `roasted_out_kg` is made, dated the roast day, recording the batch and
    its green lots. Green consumed = roasted out + loss, to the gram. The batch is marked inconsistent (not
    refused) when the weights differ from the plan by more than 2 % or other lots were used.

    Refused, naming the field and writing nothing: weights that are not kg, more out than in, more green than
    the lots have, a batch that is not scheduled.
    """
    used = kg(green_used_kg, field="green_used_kg")
    out = kg(roasted_out_kg, field="roasted_out_kg")
    if out > used:
        raise ValidationError(
            f"roasted_out_kg ({out}) cannot be more than green_used_kg ({used}).", field="roasted_out_kg"
        )
    found = batch if isinstance(batch, RoastBatch) else roast_batch_get(batch)
    profile_lots = list(ProfileGreen.objects.filter(profile_id=found.profile_id).values_list("lot_id", flat=True))
    batch, lots = _lock(found, profile_lots)
    _move(batch, RoastStatus.COMPLETED, "complete")
    planned = list(RoastGreen.objects.filter(batch=batch).order_by("id"))
    raw_release(reference=batch.number, actor=actor, reason="Roasted: consumed as used")
    for lot in lots.values():
        lot.refresh_from_db(fields=["on_hand", "held"])
    blend = len(planned) > 1
    if blend:
        draws = [(g.lot_id, part) for g, part in _split(used, planned)]
    else:
        order = [g.lot_id for g in planned] + sorted(
            (pk for pk in lots if pk not in {g.lot_id for g in planned}), key=lambda pk: (lots[pk].lot_date, pk)
        )
        draws, left = [], used
        for lot_id in order:
            take = min(left, lots[lot_id].available)
            if take > 0:
                draws.append((lot_id, take))
                left -= take
    if blend:
        short = next(((lot_id, q) for lot_id, q in draws if q > lots[lot_id].available), None)
        have = lots[short[0]].available if short else ZERO
    else:
        have = sum((lot.available for lot in lots.values()), ZERO)
        short = (order[0], used) if used > have else None
    if short is not None:
        lot = lots[short[0]]
        raise Conflict(
            f"Cannot complete {batch.number} with {used} kg green: "
            + (f"{lot.name} has {lot.available} kg for its {short[1]} kg." if blend
               else f"its green lots have {have} kg."),
            code=ErrorCode.GREEN_SHORT, field="green_used_kg", lot=lot.number, requested=str(used),
            available=str(have),
        )  # fmt: skip
    lots_consume(draws=draws, actor=actor, reference=batch.number, reason=f"Roasted in {batch.number}")
    by_lot = {g.lot_id: g for g in planned}
    for lot_id, quantity in draws:
        green = by_lot.get(lot_id) or RoastGreen(batch=batch, lot_id=lot_id)
        green.used_kg = (green.used_kg or ZERO) + quantity
        green.save()
        by_lot[lot_id] = green
    names = ", ".join(f"{lots[lot_id].name} ({lots[lot_id].number})" for lot_id, _ in draws)
    batch.lot = loose_output(
        product=batch.product, quantity=out, actor=actor, lot_date=batch.date, reference=batch.number,
        reason=f"Roasted in {batch.number} from {names}",
    )  # fmt: skip
    batch.green_used_kg, batch.roasted_out_kg = used, out
    batch.inconsistent = (
        _differs(used, batch.green_kg)
        or _differs(out, batch.expected_kg)
        or {lot_id for lot_id, _ in draws} != {g.lot_id for g in planned}
    )
    batch.completed_at = timezone.now()
    batch.save()
    return batch


@retry_on_conflict
@transaction.atomic
def roast_batch_cancel(*, batch, actor: Actor) -> RoastBatch:
    """Scheduled → canceled: the green kg it held are given back."""
    batch, _ = _lock(batch)
    _move(batch, RoastStatus.CANCELED, "cancel")
    raw_release(reference=batch.number, actor=actor, reason=f"{batch.number} canceled")
    batch.canceled_at = timezone.now()
    batch.save()
    return batch


@retry_on_conflict
@transaction.atomic
def roast_batch_update(*, batch, changes: dict, actor: Actor) -> RoastBatch:
    """Edit a scheduled batch: `date`, `machine`, `batches`, `batch_kg`, `end_kg` (roasted kg per batch). The green
    kg held follow the new figures on the same lots; refused (nothing written) beyond what the lots have, for a
    batch size outside the machine's range, or a batch no longer scheduled."""
    batch, lots = _lock(batch)
    if batch.status != RoastStatus.SCHEDULED:
        raise TransitionNotAllowed(
            resource="roast_batch", key=batch.number, current=batch.status, attempted=batch.status, action="edit it"
        )
    end_per_batch = batch.expected_kg / batch.batches
    if changes.get("date") is not None:
        batch.date = changes["date"]
    if changes.get("machine") is not None:
        machine = Machine.objects.filter(name=str(changes["machine"]).strip()).first()
        if machine is None:
            raise UnknownReference(
                f"No machine {changes['machine']!r}.", resource="machine", key=str(changes["machine"]), field="machine"
            )
        batch.machine = machine
    new_batch_kg = kg(changes["batch_kg"], field="batch_kg") if changes.get("batch_kg") is not None else None
    count = whole(changes["batches"], field="batches", maximum=10_000) if changes.get("batches") is not None else None
    if new_batch_kg is not None and changes.get("end_kg") is None:
        end_per_batch = (end_per_batch * new_batch_kg / batch.batch_kg).quantize(KG_STEP, rounding=ROUND_HALF_UP)
    if changes.get("end_kg") is not None:
        end_per_batch = kg(changes["end_kg"], field="end_kg")
    size = new_batch_kg or batch.batch_kg
    if end_per_batch > size or (size - end_per_batch) * HUNDRED > size * 40:
        raise ValidationError(f"end_kg {end_per_batch} must be a loss of 0 to 40 % of {size} kg.", field="end_kg")
    if not batch.machine.min_batch_kg <= size <= batch.machine.max_batch_kg:
        raise ValidationError(
            f"A batch of {size} kg is outside machine {batch.machine.name}'s range of {batch.machine.min_batch_kg}–"
            f"{batch.machine.max_batch_kg} kg.",
            field="batch_kg" if new_batch_kg is not None else "machine",
        )
    count = count or batch.batches
    green_kg = size * count
    if green_kg != batch.green_kg:
        planned = list(RoastGreen.objects.filter(batch=batch).order_by("id"))
        parts = _split(green_kg, planned)
        raw_release(reference=batch.number, actor=actor, reason=f"{batch.number} edited")
        raw_hold(draws=[(g.lot_id, part) for g, part in parts], reference=batch.number, actor=actor)
        for g, part in parts:
            g.planned_kg = part
        RoastGreen.objects.bulk_update(planned, ["planned_kg"])
    batch.batches, batch.batch_kg, batch.green_kg = count, size, green_kg
    batch.expected_kg = end_per_batch * count
    batch.save()
    return batch
