"""Request and response bodies of the production endpoints: machines, profile groups, profiles, order
conversion and roast batches. Kg and percents are decimal strings."""

import datetime as dt

from ninja import Schema
from pydantic import Field

from orderly.api.schemas.common import Amount, InputSchema, MoneyIn, OutputSchema, PagedQuery, PageMeta, page_meta
from orderly.inventory.selectors import plain

# ---- machines ------------------------------------------------------------------------------------------------


class MachineIn(InputSchema):
    name: str = Field(examples=["Probat P12"])
    min_batch_kg: MoneyIn = Field(description="Least green kg in one batch", examples=["5"])
    max_batch_kg: MoneyIn = Field(description="Most green kg in one batch", examples=["15"])
    batches_per_day: int = Field(examples=[8])
    is_active: bool | None = None


class MachinePatch(InputSchema):
    name: str | None = None
    min_batch_kg: MoneyIn | None = None
    max_batch_kg: MoneyIn | None = None
    batches_per_day: int | None = None
    is_active: bool | None = None


class MachineOut(OutputSchema):
    id: int
    name: str
    min_batch_kg: Amount
    max_batch_kg: Amount
    batches_per_day: int
    is_active: bool


class MachinePage(PageMeta):
    items: list[MachineOut]


class NameQuery(Schema):
    q: str = Field("", description="Part of the name")
    page: int = 1
    page_size: int = Field(50, description="1 to 200")


def machine_dict(m) -> dict:
    return {
        "id": m.id, "name": m.name, "min_batch_kg": str(plain(m.min_batch_kg)),
        "max_batch_kg": str(plain(m.max_batch_kg)), "batches_per_day": m.batches_per_day, "is_active": m.is_active,
    }  # fmt: skip


def machine_page(page) -> MachinePage:
    return MachinePage.model_validate({**page_meta(page), "items": [machine_dict(m) for m in page.items]})


# ---- profile groups ------------------------------------------------------------------------------------------


class ProfileGroupIn(InputSchema):
    name: str = Field(examples=["Espresso blend"])
    product: str = Field(description="The roasted product's name (kept loose, in kg)", examples=["Espresso blend"])


class ProfileGroupPatch(InputSchema):
    name: str | None = None
    product: str | None = None


class ProfileGroupOut(OutputSchema):
    id: int
    name: str
    product: str
    profiles: list[str] = Field(description="Its profiles' names, the default first")


class ProfileGroupPage(PageMeta):
    items: list[ProfileGroupOut]


def group_dict(g) -> dict:
    return {"id": g.id, "name": g.name, "product": g.product.name, "profiles": [p.name for p in g.profiles.all()]}


def group_page(page) -> ProfileGroupPage:
    return ProfileGroupPage.model_validate({**page_meta(page), "items": [group_dict(g) for g in page.items]})


# ---- profiles ------------------------------------------------------------------------------------------------


class ComponentIn(InputSchema):
    green_lot: str = Field(description="A green (raw) lot's number or name")
    share: MoneyIn = Field(description="Percent of the batch by weight", examples=["60"])


class ProfileIn(InputSchema):
    group: str
    name: str
    machines: list[str] = Field([], description="Names of the machines it may roast on, preferred first")
    green_lots: list[str] = Field([], description="Green lots (number or name), in order of preference")
    components: list[ComponentIn] = Field([], description="For a blend: its green lots and shares (sum 100 %)")
    batch_kg: MoneyIn = Field(description="Start weight: green kg per batch", examples=["12"])
    end_kg: MoneyIn | None = Field(None, description="Expected roasted kg out of one batch")
    weight_loss: MoneyIn | None = Field(None, description="Expected weight loss, percent (0–40)")
    is_active: bool | None = None


class ProfilePatch(InputSchema):
    group: str | None = None
    name: str | None = None
    machines: list[str] | None = None
    green_lots: list[str] | None = None
    components: list[ComponentIn] | None = None
    batch_kg: MoneyIn | None = None
    end_kg: MoneyIn | None = None
    weight_loss: MoneyIn | None = None
    is_active: bool | None = None


class ComponentOut(OutputSchema):
    green_lot: str
    name: str
    share: Amount
    kg_per_batch: Amount


class ProfileOut(OutputSchema):
    id: int
    group: str
    product: str
    name: str
    machines: list[str]
    green_lots: list[str]
    components: list[ComponentOut]
    batch_kg: Amount
    end_kg: Amount = Field(description="Roasted kg per batch at the weight loss in use")
    weight_loss: Amount = Field(description="Percent in use")
    weight_loss_source: str = Field(description="profile (its own), history (last 10 roasts) or default (15 %)")
    is_active: bool


class ProfilePage(PageMeta):
    items: list[ProfileOut]


class ProfileQuery(NameQuery):
    group: str = ""


def profile_dict(view) -> dict:
    p = view.profile
    return {
        "id": p.id, "group": p.group.name, "product": p.group.product.name, "name": p.name,
        "machines": view.machines, "green_lots": view.green_lots,
        "components": [
            {"green_lot": c["green_lot"], "name": c["name"], "share": str(plain(c["share"])),
             "kg_per_batch": str(plain(c["kg_per_batch"]))}
            for c in view.components
        ],
        "batch_kg": str(plain(p.batch_kg)), "end_kg": str(plain(view.end_kg)),
        "weight_loss": str(plain(view.weight_loss)),
        "weight_loss_source": view.loss_source, "is_active": p.is_active,
    }  # fmt: skip


def profile_page(page, views) -> ProfilePage:
    return ProfilePage.model_validate({**page_meta(page), "items": [profile_dict(v) for v in views]})


# ---- order conversion ----------------------------------------------------------------------------------------


class ConversionRowIn(InputSchema):
    product: str = Field(description="The roasted product's name: which row")
    profile: str | None = Field(None, description="A profile of the product's group")
    machine: str | None = None
    green_lot: str | None = Field(None, description="A green lot's number or name")
    batch_kg: MoneyIn | None = None
    end_kg: MoneyIn | None = None
    weight_loss: MoneyIn | None = Field(None, description="Percent, 0–40")
    batches: int | None = None


class ConversionIn(InputSchema):
    rows: list[ConversionRowIn]


class GreenOut(OutputSchema):
    green_lot: str
    kg: Amount


class ConversionRowOut(OutputSchema):
    product: str
    remaining_kg: Amount = Field(description="Ordered minus allocated packaged, in kg")
    available_kg: Amount = Field(description="Loose roasted stock this plan counts on, no other plan does")
    scheduled_kg: Amount = Field(description="Output of scheduled roasts this plan counts on")
    to_roast_kg: Amount = Field(description="What is still needed: never negative")
    batches: int
    carryover_kg: Amount = Field(description="Roasted kg the batches make beyond what is to roast")
    profile: str | None
    machine: str | None
    green_lot: str | None
    green: list[GreenOut]
    batch_kg: Amount | None
    end_kg: Amount | None
    weight_loss: Amount | None
    green_kg: Amount
    expected_kg: Amount
    edited: bool
    problems: list[str] = Field(description="Empty when the row can be scheduled")


class ConversionOut(OutputSchema):
    plan: str
    rows: list[ConversionRowOut]


def _kg(value) -> str | None:
    return None if value is None else str(plain(value))


def conversion_out(plan, rows) -> ConversionOut:
    return ConversionOut.model_validate(
        {
            "plan": plan.number,
            "rows": [
                {
                    "product": r.product, "remaining_kg": _kg(r.remaining_kg), "available_kg": _kg(r.available_kg),
                    "scheduled_kg": _kg(r.scheduled_kg), "to_roast_kg": _kg(r.to_roast_kg), "batches": r.batches,
                    "carryover_kg": _kg(r.carryover_kg), "profile": r.profile, "machine": r.machine,
                    "green_lot": r.green_lot, "green": [{"green_lot": d.lot, "kg": _kg(d.kg)} for d in r.green],
                    "batch_kg": _kg(r.batch_kg), "end_kg": _kg(r.end_kg), "weight_loss": _kg(r.weight_loss),
                    "green_kg": _kg(r.green_kg), "expected_kg": _kg(r.expected_kg), "edited": r.edited,
                    "problems": r.problems,
                }
                for r in rows
            ],
        }
    )  # fmt: skip


# ---- roast batches -------------------------------------------------------------------------------------------


class ScheduleIn(InputSchema):
    date: dt.date
    rows: list[ConversionRowIn] | None = Field(None, description="Rows to schedule; absent: every row as proposed")


class CompleteIn(InputSchema):
    green_used_kg: MoneyIn
    roasted_out_kg: MoneyIn


class RoastBatchPatch(InputSchema):
    date: dt.date | None = None
    machine: str | None = None
    batches: int | None = None
    batch_kg: MoneyIn | None = None
    end_kg: MoneyIn | None = Field(None, description="Roasted kg per batch")


class RoastBatchOut(OutputSchema):
    number: str
    status: str
    date: dt.date
    machine: str
    profile: str
    product: str
    plan: str
    batches: int
    batch_kg: Amount
    green_kg: Amount
    expected_kg: Amount
    green_used_kg: Amount | None
    roasted_out_kg: Amount | None
    inconsistent: bool
    lot: str | None = Field(description="The loose roasted lot it made")
    green: list[GreenOut] = Field(description="Green lots: kg planned (scheduled) or used (completed)")
    over_capacity: bool = Field(description="Its machine has more batches that day than it roasts a day")


class RoastBatchList(PageMeta):
    items: list[RoastBatchOut]


class RoastBatchQuery(PagedQuery):
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    machine: str = ""
    status: str = ""
    plan: str = ""


class ScheduleOut(OutputSchema):
    batches: list[RoastBatchOut]


def batch_dict(b, greens, load) -> dict:
    completed = b.status == "completed"
    return {
        "number": b.number, "status": b.status, "date": b.date, "machine": b.machine.name, "profile": b.profile.name,
        "product": b.product.name, "plan": b.plan.number, "batches": b.batches, "batch_kg": _kg(b.batch_kg),
        "green_kg": _kg(b.green_kg), "expected_kg": _kg(b.expected_kg), "green_used_kg": _kg(b.green_used_kg),
        "roasted_out_kg": _kg(b.roasted_out_kg), "inconsistent": b.inconsistent,
        "lot": b.lot.number if b.lot_id else None,
        "green": [{"green_lot": g.lot.number, "kg": _kg(g.used_kg if completed else g.planned_kg)}
                  for g in greens if (g.used_kg if completed else g.planned_kg)],
        "over_capacity": load.get((b.machine_id, b.date), 0) > b.machine.batches_per_day,
    }  # fmt: skip
