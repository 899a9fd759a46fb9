"""Allocation: hold packaged stock for a plan's order items, FIFO by lot date, in a fixed number of queries; then
plan the packaging of what stays outstanding (packaging, below it: packaging never calls allocation)."""

from collections.abc import Iterable, Mapping

from django.db import transaction

from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import ValidationError
from orderly.core.memory import gc_paused
from orderly.core.retry import retry_on_conflict
from orderly.plans import planning
from orderly.plans.models import FulfillmentPlan
from orderly.plans.selectors import AllocationState, allocation_state
from orderly.plans.services.common import plan_lock_tree, refuse_unless_open
from orderly.plans.services.holding import plan_holds_write
from orderly.plans.services.packaging import packaging_sync

MAX_UNITS = 2_000_000_000


def _targets_from_lines(lines: Iterable[Mapping], state: AllocationState) -> dict[int, int]:
    by_sku = {variant.sku: variant.pk for variant in state.variants.values()}
    targets: dict[int, int] = {}
    for i, line in enumerate(lines):
        sku = str(line.get("sku") or "").strip()
        quantity = line.get("quantity")
        if sku not in by_sku:
            raise ValidationError(
                f"No order of this plan asks for SKU {sku!r}.", code=ErrorCode.UNKNOWN_REFERENCE,
                field=f"lines[{i}].sku", resource="plan_line", key=sku,
            )  # fmt: skip
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= MAX_UNITS:
            raise ValidationError(
                f"The quantity for {sku} must be a whole number of units, 0 or more; got {quantity!r}.",
                field=f"lines[{i}].quantity",
            )
        if by_sku[sku] in targets:
            raise ValidationError(f"SKU {sku} is given twice.", field=f"lines[{i}].sku")
        targets[by_sku[sku]] = quantity
    return targets


def _refusal_message(refusal: planning.Refusal, sku: str) -> str:
    r = refusal
    if r.reason == "more_than_ordered":
        return f"Cannot allocate {r.requested} of {sku}: the plan's orders ask for {r.ordered}."
    if r.reason == "more_than_available":
        return (
            f"Cannot allocate {r.requested} of {sku}: {r.allocated} allocated and {r.available} more available, "
            f"so at most {r.allocated + r.available}."
        )
    return f"Cannot allocate {r.requested} of {sku}: {r.locked} are on orders completed on the pick list."


@retry_on_conflict
@transaction.atomic
def allocation_save(
    *, plan, actor: Actor, lines: Iterable[Mapping] | None = None, allocate_all: bool = False
) -> FulfillmentPlan:
    """Hold packaged units for an open plan and plan the packaging of what stays outstanding.

    `lines`: [{"sku", "quantity"}], the units to hold per SKU (0 releases; SKUs left out keep what they hold);
    or `allocate_all`: every line as full as stock allows. Units are held lot by lot, oldest lot date first, for
    the plan's orders in the order they joined. Locks, in the global order, the plan's orders, their items, the
    lots of their variants and those it holds, then the plan: concurrent allocations and fulfillments never hold
    or take more than exists, and never deadlock. More than ordered or than available is refused naming the SKU and
    the numbers, writing nothing. Then — even when nothing changed — each variant's outstanding units get a
    planned packaging plan (created, updated, or archived when nothing is outstanding).
    """
    # a plan's thousands of lines, holds and events all stay alive until written: a collection would free nothing
    with gc_paused():
        return _allocation_save(plan, actor, lines, allocate_all)


def _allocation_save(plan, actor: Actor, lines: Iterable[Mapping] | None, allocate_all: bool) -> FulfillmentPlan:
    plan = plan_lock_tree(plan, stock=True)
    refuse_unless_open(plan, "change the allocation")
    state = allocation_state(plan)
    if allocate_all:
        figures = planning.figures(state.lines, state.lots, state.held)
        targets = {variant_id: f.fillable for variant_id, f in figures.items()}
    else:
        targets = _targets_from_lines(list(lines or []), state)
    try:
        deltas = planning.allocate(state.lines, state.lots, state.held, targets)
    except planning.AllocationRefused as refused:
        first = refused.refusals[0]
        sku = state.variants[first.variant_id].sku if first.variant_id in state.variants else "?"
        message = " ".join(_refusal_message(r, state.variants[r.variant_id].sku) for r in refused.refusals)
        raise ValidationError(
            message, code=ErrorCode.ALLOCATION_REFUSED, field="lines", sku=sku, requested=first.requested,
            ordered=first.ordered, allocated=first.allocated, available=first.available,
        ) from None  # fmt: skip
    after = plan_holds_write(plan, state, deltas, actor)
    packaging_sync(plan=plan, actor=actor, reason="allocation saved", state=state, held_per_item=after)
    return plan
