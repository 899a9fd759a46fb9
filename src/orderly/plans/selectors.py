"""Reads of fulfillment plans: the overview, a plan's orders, allocation figures, packaging plans, the pick list.

    plan_list(*, status="") -> QuerySet[FulfillmentPlan]      newest first, with `order_count` annotated
    plan_get(number) -> FulfillmentPlan                        NotFound when unknown
    plan_orders(plan) -> list[PlanOrder]                       active memberships with their orders, plan order
    plan_of_order(order) -> FulfillmentPlan | None             the plan an order is in now
    allocation_lines(plan) -> list[AllocationLine]             per variant: ordered, available, allocated, remaining
    packaging_plans(*, plan=None, numbers=None) -> list[PackagingView]   with loose kg, FIFO draws and shortfall
    packaging_plan_get(number) -> PackagingPlan                NotFound when unknown
    pick_list(plan) -> list[PickOrder]                         every order with items, quantities, lots, positions

Each runs a fixed number of queries whatever the size of the plan.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from orderly.catalog.models import Variant
from orderly.core.exceptions import NotFound
from orderly.inventory.models import Hold, Lot
from orderly.inventory.selectors import available_lots
from orderly.inventory.status import LotKind
from orderly.orders.models import Order, OrderItem
from orderly.orders.status import FulfillmentStatus, OrderStatus, Stage
from orderly.plans import planning
from orderly.plans.models import FulfillmentPlan, PackagingPlan, PlanOrder
from orderly.plans.status import PackagingStatus


def plan_list(*, status: str = "", due=None, packaging_waiting: bool = False) -> QuerySet[FulfillmentPlan]:
    """Plans, newest first; with `due` (a date) those to fulfill by that day; with `packaging_waiting` those with a
    packaging plan still to pack (planned)."""
    plans = FulfillmentPlan.objects.annotate(
        order_count=Count("plan_orders", filter=Q(plan_orders__removed_at__isnull=True))
    )
    if status:
        plans = plans.filter(status=status)
    if due is not None:
        plans = plans.filter(fulfillment_date=due)
    if packaging_waiting:
        waiting = PackagingPlan.objects.filter(status=PackagingStatus.PLANNED).values("plan_id")
        plans = plans.filter(pk__in=waiting)
    return plans.order_by("-id")


def plan_get(number: str) -> FulfillmentPlan:
    try:
        return FulfillmentPlan.objects.get(number=str(number or "").strip().upper())
    except FulfillmentPlan.DoesNotExist:
        raise NotFound(f"No fulfillment plan {number!r}.", field="plan", resource="plan", key=number) from None


def plan_orders(plan: FulfillmentPlan) -> list[PlanOrder]:
    return list(PlanOrder.objects.select_related("order").filter(plan=plan, removed_at__isnull=True).order_by("id"))


def plan_of_order(order: Order) -> FulfillmentPlan | None:
    plan_order = PlanOrder.objects.select_related("plan").filter(order=order, removed_at__isnull=True).first()
    return plan_order.plan if plan_order else None


# ---------------------------------------------------------------------------------------------- allocation


@dataclass
class AllocationState:
    """What allocation works from: the plan's lines in plan order, its holds, free packaged stock."""

    lines: list[planning.Line]
    held: list[planning.Held]
    lots: list[planning.StockLot]
    items: dict[int, dict]  # item id → {order_id, sku, quantity, qty_available, qty_expected, line_no}
    variants: dict[int, Variant]


def allocation_state(plan: FulfillmentPlan) -> AllocationState:
    """Five queries, no lock: a service locks the plan's orders, items and lots first (plan_lock_tree)."""
    memberships = list(
        PlanOrder.objects.filter(plan=plan, removed_at__isnull=True)
        .order_by("id")
        .values_list("order_id", "completed_at")
    )
    completed = dict(memberships)
    rank = {order_id: i for i, (order_id, _) in enumerate(memberships)}
    rows = list(
        OrderItem.objects.filter(order_id__in=list(completed), option_allocate=True, variant__isnull=False)
        .exclude(status=OrderStatus.CANCELED)
        .values(
            "id", "order_id", "variant_id", "sku", "quantity", "qty_available", "qty_expected", "line_no",
            "qty_handed_to_carrier", "qty_canceled",
        )
    )  # fmt: skip
    for row in rows:  # units already shipped (fulfilled by hand) or canceled are not allocated again
        row["quantity"] -= row.pop("qty_handed_to_carrier") + row.pop("qty_canceled")
    rows.sort(key=lambda r: (rank[r["order_id"]], r["line_no"], r["id"]))
    items = {r["id"]: r for r in rows}
    lines = [
        planning.Line(r["id"], r["variant_id"], r["quantity"], locked=completed[r["order_id"]] is not None)
        for r in rows
    ]
    held = [
        planning.Held(h["order_item_id"], h["lot_id"], h["lot__lot_date"], h["quantity"])
        for h in Hold.objects.filter(reference=plan.number).values(
            "order_item_id", "lot_id", "lot__lot_date", "quantity"
        )
    ]
    variant_ids = {line.variant_id for line in lines}
    lot_rows = available_lots(kind=LotKind.PACKAGED, variant_ids=variant_ids)
    lots = [planning.StockLot(lot.pk, lot.variant_id, lot.lot_date, lot.available) for lot in lot_rows]
    variants = {v.pk: v for v in Variant.objects.filter(pk__in=variant_ids)}
    return AllocationState(lines=lines, held=held, lots=lots, items=items, variants=variants)


@dataclass(frozen=True)
class AllocationLine:
    variant_id: int
    sku: str
    name: str
    ordered: int
    available: int  # free packaged stock
    allocated: int
    remaining: int  # remaining to be packaged: ordered minus allocated
    fillable: int  # what *Allocate all stock* holds for it (planning's own figure)


def allocation_lines(plan: FulfillmentPlan, state: AllocationState | None = None) -> list[AllocationLine]:
    state = state or allocation_state(plan)
    lines = []
    for variant_id, f in planning.figures(state.lines, state.lots, state.held).items():
        variant = state.variants[variant_id]
        lines.append(
            AllocationLine(
                variant_id, variant.sku, variant.name, f.ordered, f.available, f.allocated, f.remaining, f.fillable
            )
        )
    return sorted(lines, key=lambda line: line.sku)


# ---------------------------------------------------------------------------------------------- packaging


@dataclass(frozen=True)
class LotDraw:
    lot: str
    lot_date: date
    quantity: Decimal


@dataclass
class PackagingView:
    packaging: PackagingPlan
    loose_needed: Decimal
    lots: list[LotDraw] = field(default_factory=list)
    shortfall: Decimal = Decimal("0")


def packaging_plan_get(number: str) -> PackagingPlan:
    try:
        return PackagingPlan.objects.select_related("plan", "variant__product", "lot").get(
            number=str(number or "").strip().upper()
        )
    except PackagingPlan.DoesNotExist:
        raise NotFound(
            f"No packaging plan {number!r}.", field="packaging_plan", resource="packaging_plan", key=number
        ) from None


def loose_needed(packaging: PackagingPlan) -> Decimal:
    return Decimal(packaging.units) * packaging.variant.package_size


def packaging_plans(*, plan: FulfillmentPlan | None = None, numbers=None) -> list[PackagingView]:
    """Packaging plans with the loose lots they draw FIFO and their shortfall.

    Loose stock is shared: plans waiting to be packed draw it in the order they were made (oldest first), across
    every fulfillment plan, so two packaging plans never count on the same kg.
    """
    chosen = PackagingPlan.objects.select_related("plan", "variant__product", "lot")
    if plan is not None:
        chosen = chosen.filter(plan=plan)
    if numbers is not None:
        chosen = chosen.filter(number__in=numbers)
    chosen = list(chosen.order_by("id"))
    product_ids = {p.variant.product_id for p in chosen if p.status in _WAITING}
    waiting = list(
        PackagingPlan.objects.select_related("variant")
        .filter(status__in=_WAITING, variant__product_id__in=product_ids)
        .order_by("id")
    )
    lot_rows = available_lots(kind=LotKind.LOOSE, product_ids=product_ids)
    lot_by_id = {lot.pk: lot for lot in lot_rows}
    lots_by_product: dict[int, list[planning.StockLot]] = defaultdict(list)
    for lot in lot_rows:
        lots_by_product[lot.product_id].append(planning.StockLot(lot.pk, lot.product_id, lot.lot_date, lot.available))
    free: dict[int, Decimal] = {}
    draws: dict[int, planning.Draw] = {}
    for p in waiting:
        draws[p.pk] = planning.fifo_draw(lots_by_product[p.variant.product_id], loose_needed(p), free)
    views = []
    for p in chosen:
        view = PackagingView(packaging=p, loose_needed=loose_needed(p))
        if p.pk in draws:
            view.lots = [
                LotDraw(lot_by_id[lot_id].number, lot_by_id[lot_id].lot_date, quantity)
                for lot_id, quantity in draws[p.pk].lots
            ]
            view.shortfall = draws[p.pk].shortfall
        views.append(view)
    return views


_WAITING = (PackagingStatus.PLANNED, PackagingStatus.IN_PROGRESS)


# ---------------------------------------------------------------------------------------------- pick list


@dataclass
class PickLine:
    item_id: int
    line_no: int
    sku: str
    name: str
    quantity: int
    allocated: int
    position: str  # where to pick: the lots' positions, else the item's own
    lots: list[LotDraw] = field(default_factory=list)


@dataclass
class PickOrder:
    order: Order
    completed: bool
    lines: list[PickLine] = field(default_factory=list)

    @property
    def fully_allocated(self) -> bool:
        return all(line.allocated >= line.quantity for line in self.lines)


def pick_list(plan: FulfillmentPlan) -> list[PickOrder]:
    """Every order of the plan, in plan order, with its items to pick and the lots and positions held for them."""
    memberships = plan_orders(plan)
    orders = {po.order_id: PickOrder(order=po.order, completed=po.completed_at is not None) for po in memberships}
    items = list(
        OrderItem.objects.filter(order_id__in=list(orders), option_allocate=True, variant__isnull=False)
        .exclude(status=OrderStatus.CANCELED)
        .order_by("order_id", "line_no", "id")
    )
    holds: dict[int, list[Hold]] = defaultdict(list)
    for hold in (
        Hold.objects.select_related("lot__position")
        .filter(reference=plan.number, order_item_id__in=[i.pk for i in items])
        .order_by("lot__lot_date", "lot_id")
    ):
        holds[hold.order_item_id].append(hold)
    for item in items:
        item_holds = holds[item.pk]
        positions = sorted({h.lot.position.code for h in item_holds if h.lot.position_id})
        orders[item.order_id].lines.append(
            PickLine(
                item_id=item.pk, line_no=item.line_no, sku=item.sku, name=item.name, quantity=item.quantity,
                allocated=int(sum((h.quantity for h in item_holds), Decimal("0"))),
                position=", ".join(positions) or item.position,
                lots=[LotDraw(h.lot.number, h.lot.lot_date, h.quantity) for h in item_holds],
            )
        )  # fmt: skip
    return [orders[po.order_id] for po in memberships]


def lots_by_number(numbers) -> dict[str, Lot]:
    return {lot.number: lot for lot in Lot.objects.filter(number__in=numbers)}


def plannable_orders() -> QuerySet[Order]:
    """Orders that may join a plan, by number: the queryset form of services.plans.order_refusal (open, new, no
    error, not archived, not fulfilled, in no plan), for the pages' suggestions. A test holds the two equal."""
    in_plans = PlanOrder.objects.filter(removed_at__isnull=True).values("order_id")
    return (
        Order.objects.filter(is_archived=False, status=OrderStatus.OPEN, stage=Stage.NEW, error_code="")
        .exclude(fulfillment_status=FulfillmentStatus.FULFILLED)
        .exclude(pk__in=in_plans)
        .order_by("number")
    )
