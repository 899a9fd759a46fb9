"""Request and response bodies of the fulfillment plan endpoints: plans, their orders, allocation, packaging plans
and the pick list.

Requests are checked here for shape and type only; which orders may join a plan, how much may be allocated and
when a pick-list order may be completed are the plan services' rules.
"""

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from orderly.api.schemas.common import Amount, InputSchema, OutputSchema, PageMeta, page_meta
from orderly.plans.status import PlanStatus

# ---- requests ------------------------------------------------------------------------------------------------


class PlanCreate(InputSchema):
    orders: list[str] = Field(description="Order numbers; each open, without an error, in no other plan.")
    fulfillment_date: dt.date = Field(description="When the orders must be fulfilled")


class PlanOrdersIn(InputSchema):
    orders: list[str] = Field(description="Order numbers to add to the plan", examples=[["OR-000012"]])


class AllocationLineIn(InputSchema):
    sku: str = Field(examples=["ESP-250"])
    quantity: int = Field(strict=True, description="Packaged units to hold for the plan; 0 releases the line.")


class AllocationIn(InputSchema):
    """Either `lines` (the quantity to hold per SKU) or `allocate_all: true` (hold as much of every line as is
    available). Saving creates packaging plans for whatever stays outstanding, even when nothing was allocated."""

    lines: list[AllocationLineIn] = []
    allocate_all: bool = False


class PackagingPlanPatch(InputSchema):
    units: int = Field(strict=True, description="Units to pack, more than zero", examples=[24])


class PlanQuery(Schema):
    status: Literal["", *PlanStatus.values] = Field("", description="Only plans with this status")
    page: int = 1
    page_size: int = Field(50, description="1 to 200")


# ---- responses -----------------------------------------------------------------------------------------------


class PlanOrderOut(OutputSchema):
    number: str = Field(examples=["OR-000123"])
    customer: str
    stage: str
    item_count: int
    completed: bool = Field(description="Completed on this plan's pick list")


class PlanOut(OutputSchema):
    number: str = Field(examples=["OF-000001"])
    status: str
    fulfillment_date: dt.date
    created_at: dt.datetime
    updated_at: dt.datetime
    order_count: int
    orders: list[PlanOrderOut]


class PlanSummaryOut(OutputSchema):
    number: str
    status: str
    fulfillment_date: dt.date
    created_at: dt.datetime
    order_count: int


class PlanPage(PageMeta):
    items: list[PlanSummaryOut]


class AllocationLineOut(OutputSchema):
    sku: str
    name: str
    ordered: int = Field(description="Units ordered by the plan's orders")
    available: int = Field(description="Packaged units in stock and not held")
    allocated: int = Field(description="Units held for this plan")
    remaining: int = Field(description="Remaining to be packaged: ordered minus allocated")


class AllocationOut(OutputSchema):
    plan: str
    lines: list[AllocationLineOut]


class LotDrawOut(OutputSchema):
    lot: str
    lot_date: dt.date
    quantity: Amount


class PackagingPlanOut(OutputSchema):
    number: str = Field(examples=["PP-000001"])
    plan: str
    status: str
    sku: str
    name: str
    units: int
    package_size: Amount
    loose_needed: Amount = Field(description="kg of loose stock: units × package size")
    lots: list[LotDrawOut] = Field(description="The loose lots it draws, first in first out")
    shortfall: Amount = Field(description="kg the loose stock does not cover (for production)")
    packed_lot: str | None = Field(description="The packaged lot it made, once executed")
    updated_by: str = Field(description="Who last planned, changed, started, executed or archived it")


class PackagingPlanList(OutputSchema):
    items: list[PackagingPlanOut]


class PickLineOut(OutputSchema):
    sku: str
    name: str
    quantity: int
    allocated: int
    lots: list[LotDrawOut]
    position: str


class PickOrderOut(OutputSchema):
    number: str
    customer: str
    completed: bool
    fully_allocated: bool = Field(description="Every item held in full: the order can be completed")
    items: list[PickLineOut]


class PickListOut(OutputSchema):
    plan: str
    orders: list[PickOrderOut]


# ---- building responses ----------------------------------------------------------------------------------------


def _qty(value) -> str:
    return format(value.normalize(), "f")


def _plan_order_dict(member) -> dict:
    order = member.order
    return {
        "number": order.number,
        "customer": order.customer_name,
        "stage": order.stage,
        "item_count": order.item_count,
        "completed": member.completed_at is not None,
    }


def plan_out(plan, members) -> PlanOut:
    """The plan with its active memberships (selectors.plan_orders)."""
    return PlanOut.model_validate(
        {
            "number": plan.number,
            "status": plan.status,
            "fulfillment_date": plan.fulfillment_date,
            "created_at": plan.created_at,
            "updated_at": plan.updated_at,
            "order_count": len(members),
            "orders": [_plan_order_dict(member) for member in members],
        }
    )


def plan_page(page) -> dict:
    """Expects `order_count` annotated (selectors.plan_list)."""
    items = [
        {
            "number": plan.number,
            "status": plan.status,
            "fulfillment_date": plan.fulfillment_date,
            "created_at": plan.created_at,
            "order_count": plan.order_count,
        }
        for plan in page.items
    ]
    return {**page_meta(page), "items": items}


def allocation_out(plan, lines) -> AllocationOut:
    return AllocationOut.model_validate(
        {
            "plan": plan.number,
            "lines": [
                {
                    "sku": line.sku,
                    "name": line.name,
                    "ordered": line.ordered,
                    "available": line.available,
                    "allocated": line.allocated,
                    "remaining": line.remaining,
                }
                for line in lines
            ],
        }
    )


def _draws(draws) -> list[dict]:
    return [{"lot": d.lot, "lot_date": d.lot_date, "quantity": _qty(d.quantity)} for d in draws]


def _packaging_dict(view) -> dict:
    packaging = view.packaging
    return {
        "number": packaging.number,
        "plan": packaging.plan.number,
        "status": packaging.status,
        "sku": packaging.variant.sku,
        "name": packaging.variant.name,
        "units": packaging.units,
        "package_size": _qty(packaging.variant.package_size),
        "loose_needed": _qty(view.loose_needed),
        "lots": _draws(view.lots),
        "shortfall": _qty(view.shortfall),
        "packed_lot": packaging.lot.number if packaging.lot_id else None,
        "updated_by": packaging.updated_by,
    }


def packaging_out(view) -> PackagingPlanOut:
    return PackagingPlanOut.model_validate(_packaging_dict(view))


def packaging_list(views) -> PackagingPlanList:
    return PackagingPlanList.model_validate({"items": [_packaging_dict(view) for view in views]})


def pick_list_out(plan, entries) -> PickListOut:
    orders = [
        {
            "number": entry.order.number,
            "customer": entry.order.customer_name,
            "completed": entry.completed,
            "fully_allocated": entry.fully_allocated,
            "items": [
                {
                    "sku": line.sku,
                    "name": line.name,
                    "quantity": line.quantity,
                    "allocated": line.allocated,
                    "lots": _draws(line.lots),
                    "position": line.position,
                }
                for line in entry.lines
            ],
        }
        for entry in entries
    ]
    return PickListOut.model_validate({"plan": plan.number, "orders": orders})
