"""Packaging plans: pack loose kg into units of a variant for what allocation could not cover."""

from collections import defaultdict
from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils import timezone

from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, ValidationError
from orderly.core.money import quantity_text
from orderly.core.numbering import next_numbers
from orderly.core.retry import retry_on_conflict
from orderly.core.transitions import check_transition
from orderly.inventory.selectors import available_lots
from orderly.inventory.services import lots_consume, stock_output
from orderly.inventory.status import LotKind
from orderly.orders import events
from orderly.orders.services import order_items_progress
from orderly.orders.services.item_progress import Expected
from orderly.plans import planning
from orderly.plans.locks import lock_packaging_plans
from orderly.plans.models import FulfillmentPlan, PackagingPlan
from orderly.plans.selectors import AllocationState, allocation_state, loose_needed, packaging_plan_get
from orderly.plans.services.common import plan_lock_tree, refuse_unless_open
from orderly.plans.services.holding import plan_holds_write
from orderly.plans.status import PACKAGING_TRANSITIONS, PackagingStatus

PACKAGING_PREFIX = "PP"
MAX_UNITS = 2_000_000_000


def _move(packaging: PackagingPlan, status: str, action: str) -> None:
    check_transition(
        PACKAGING_TRANSITIONS, resource="packaging_plan", key=packaging.number, current=packaging.status,
        attempted=status, action=action,
    )  # fmt: skip
    packaging.status = status


def packaging_sync(
    *,
    plan: FulfillmentPlan,
    actor: Actor,
    reason: str,
    state: AllocationState | None = None,
    held_per_item: Mapping[int, int] | None = None,
) -> list[PackagingPlan]:
    """Make the plan's planned packaging plans match what is outstanding per variant (call inside the plan's
    transaction, with its orders and their items locked: common.plan_lock_tree): ordered − allocated − units
    already being packed. One planned packaging plan per variant, created or updated; archived when nothing is
    outstanding. The items' *expected in stock* follows, with an `expected` event saying `reason` on each order
    whose count changes. `state`: the plan as allocation_state read it under those locks, with `held_per_item`
    the units held per item since (read now when not given). Returns the planned ones."""
    if state is None or held_per_item is None:
        state = allocation_state(plan)
        held_per_item = planning.held_after(state.held, [])
    lines = state.lines
    existing = lock_packaging_plans(plan.pk)
    in_packing: dict[int, int] = defaultdict(int)
    planned: dict[int, PackagingPlan] = {}
    for packaging in existing:
        if packaging.status == PackagingStatus.IN_PROGRESS:
            in_packing[packaging.variant_id] += packaging.units
        else:
            planned[packaging.variant_id] = packaging
    outstanding = planning.outstanding(lines, held_per_item, in_packing)
    to_update, to_create = [], []
    for variant_id, units in outstanding.items():
        packaging = planned.pop(variant_id, None)
        if units > 0 and packaging is None:
            to_create.append(PackagingPlan(plan=plan, variant_id=variant_id, units=units, updated_by=actor.name[:150]))
        elif units > 0 and packaging.units != units:
            packaging.units = units
            to_update.append(packaging)
        elif units == 0 and packaging is not None:
            _move(packaging, PackagingStatus.ARCHIVED, "archive")
            to_update.append(packaging)
    for packaging in planned.values():  # variants no longer in the plan
        _move(packaging, PackagingStatus.ARCHIVED, "archive")
        to_update.append(packaging)
    now = timezone.now()
    for packaging in to_update:
        packaging.updated_at, packaging.updated_by = now, actor.name[:150]
    if to_update:
        PackagingPlan.objects.bulk_update(to_update, ["units", "status", "updated_at", "updated_by"])
    for packaging, number in zip(to_create, next_numbers(PACKAGING_PREFIX, len(to_create)), strict=True):
        packaging.number = number
    PackagingPlan.objects.bulk_create(to_create)
    waiting = [p for p in existing + to_create if p.status in (PackagingStatus.PLANNED, PackagingStatus.IN_PROGRESS)]
    _expected_sync(plan, state, held_per_item, waiting, actor, reason)
    return [p for p in waiting if p.status == PackagingStatus.PLANNED]


def packaging_plans_archive(*, plan: FulfillmentPlan, actor: Actor) -> list[PackagingPlan]:
    """Archive every packaging plan of `plan` that is planned or in progress (the plan is canceled: nothing of it
    is packed any more). Call inside the plan's transaction, after the plan's lock; each goes along
    PACKAGING_TRANSITIONS. The items' *expected in stock* is the caller's: a canceled plan has released them all.
    Returns the archived ones."""
    archived = lock_packaging_plans(plan.pk)
    for packaging in archived:
        _move(packaging, PackagingStatus.ARCHIVED, "archive")
        packaging.updated_at, packaging.updated_by = timezone.now(), actor.name[:150]
    PackagingPlan.objects.bulk_update(archived, ["status", "updated_at", "updated_by"])
    return archived


def _expected_sync(
    plan: FulfillmentPlan,
    state: AllocationState,
    held_per_item: Mapping[int, int],
    waiting: Sequence[PackagingPlan],
    actor: Actor,
    reason: str,
) -> None:
    """Keep the items' *expected in stock* indicator: the units the waiting packaging plans will make for them (told
    to the orders area for the items whose count changes, with an `expected` event on each order's timeline). The
    items are locked (plan_lock_tree), so what `state` read of their count is what it is now."""
    coming: dict[int, int] = defaultdict(int)
    for packaging in waiting:
        coming[packaging.variant_id] += packaging.units
    expected = planning.expected_per_item(state.lines, held_per_item, coming)
    changed = sorted(item_id for item_id, units in expected.items() if state.items[item_id]["qty_expected"] != units)
    order_items_progress(
        changes=[Expected(item=item_id, units=expected[item_id]) for item_id in changed],
        actor=actor,
        note=events.expected(plan.number, reason),
        locked=True,
    )


def _expected_resync(plan: FulfillmentPlan, actor: Actor, reason: str) -> None:
    state = allocation_state(plan)
    waiting = PackagingPlan.objects.filter(plan=plan, status__in=[PackagingStatus.PLANNED, PackagingStatus.IN_PROGRESS])
    _expected_sync(plan, state, planning.held_after(state.held, []), list(waiting), actor, reason)


def _for_update(packaging, *, stock: bool = False) -> PackagingPlan:
    """Lock, in the global order, the plan's orders and their items (the units expected for them follow the
    packaging plans), with `stock` the lots packing draws from and allocates, then the plan, then its packaging
    plans; returns this one with its plan and variant loaded."""
    found = packaging_plan_get(packaging.number if isinstance(packaging, PackagingPlan) else packaging)
    plan_lock_tree(found.plan, stock=stock, product_ids=[found.variant.product_id])
    lock_packaging_plans(found.plan_id, also=found.pk)
    return PackagingPlan.objects.select_related("plan", "variant__product").get(pk=found.pk)


@retry_on_conflict
@transaction.atomic
def packaging_plan_update(*, packaging, units: int, actor: Actor) -> PackagingPlan:
    """Change the units to pack, while the packaging plan is planned."""
    packaging = _for_update(packaging)
    if isinstance(units, bool) or not isinstance(units, int) or not 0 < units <= MAX_UNITS:
        raise ValidationError(f"units must be a whole number more than zero; got {units!r}.", field="units")
    if packaging.status != PackagingStatus.PLANNED:
        raise Conflict(
            f"Cannot edit packaging plan {packaging.number}: it is {packaging.status}; only planned ones change.",
            code=ErrorCode.PACKAGING_PLAN_NOT_PLANNED,
            packaging_plan=packaging.number,
            status=packaging.status,
        )
    packaging.units, packaging.updated_by = units, actor.name[:150]
    packaging.save(update_fields=["units", "updated_at", "updated_by"])
    _expected_resync(packaging.plan, actor, f"{packaging.number} set to {units} units")
    return packaging


@retry_on_conflict
@transaction.atomic
def packaging_plan_start(*, packaging, actor: Actor) -> PackagingPlan:
    """Planned → in progress: someone is packing it (allocation no longer changes its units)."""
    packaging = _for_update(packaging)
    _move(packaging, PackagingStatus.IN_PROGRESS, "start")
    packaging.updated_by = actor.name[:150]
    packaging.save(update_fields=["status", "updated_at", "updated_by"])
    return packaging


@retry_on_conflict
@transaction.atomic
def packaging_plan_archive(*, packaging, actor: Actor) -> PackagingPlan:
    """Set a packaging plan aside without packing (planned or in progress → archived)."""
    packaging = _for_update(packaging)
    _move(packaging, PackagingStatus.ARCHIVED, "archive")
    packaging.updated_by = actor.name[:150]
    packaging.save(update_fields=["status", "updated_at", "updated_by"])
    _expected_resync(packaging.plan, actor, f"{packaging.number} archived")
    return packaging


@retry_on_conflict
@transaction.atomic
def packaging_plan_execute(*, packaging, actor: Actor) -> PackagingPlan:
    """Pack: consume units × package size of loose kg FIFO, make a packaged lot of the units, and allocate it to
    the plan's lines of that variant that still lack units (the rest stays available).

    Refused, naming the shortfall, when loose stock does not cover it; refused unless the plan is open and the
    packaging plan planned or in progress. Writes nothing when refused.
    """
    packaging = _for_update(packaging, stock=True)
    plan = packaging.plan
    refuse_unless_open(plan, f"execute packaging plan {packaging.number}")
    _move(packaging, PackagingStatus.COMPLETED, "execute")
    needed = loose_needed(packaging)
    # it draws whatever loose stock is free now, oldest lot first (locked by _for_update)
    lots = [
        planning.StockLot(lot.pk, lot.product_id, lot.lot_date, lot.available)
        for lot in available_lots(kind=LotKind.LOOSE, product_ids=[packaging.variant.product_id])
    ]
    draw = planning.fifo_draw(lots, needed)
    if draw.shortfall > 0:
        raise Conflict(
            f"Cannot execute packaging plan {packaging.number}: it needs {needed} kg of "
            f"{packaging.variant.product.name}, and {draw.shortfall} kg are missing.",
            code=ErrorCode.INSUFFICIENT_LOOSE_STOCK,
            packaging_plan=packaging.number,
            product=packaging.variant.product.name,
            needed=quantity_text(needed),
            available=quantity_text(needed - draw.shortfall),
        )
    lots_consume(
        draws=draw.lots, actor=actor, reference=packaging.number, reason=f"Packed into {packaging.variant.sku}"
    )
    lot = stock_output(
        variant=packaging.variant, quantity=packaging.units, actor=actor, reference=packaging.number,
        reason=f"Packed for plan {plan.number}",
    )  # fmt: skip
    packaging.lot, packaging.updated_by = lot, actor.name[:150]
    packaging.completed_at = timezone.now()
    packaging.save(update_fields=["status", "lot", "completed_at", "updated_at", "updated_by"])
    # allocate the new lot to the plan's lines of this variant
    state = allocation_state(plan)
    figures = planning.figures(state.lines, state.lots, state.held)
    own = [planning.StockLot(lot.pk, lot.variant_id, lot.lot_date, lot.on_hand)]
    f = figures.get(packaging.variant_id)
    if f is not None and f.remaining > 0:
        target = {packaging.variant_id: f.allocated + min(f.remaining, packaging.units)}
        deltas = planning.allocate(state.lines, own, state.held, target)
        after = plan_holds_write(plan, state, deltas, actor)
    else:
        after = planning.held_after(state.held, [])
    packaging_sync(plan=plan, actor=actor, reason=f"{packaging.number} packed", state=state, held_per_item=after)
    return packaging
