"""A plan's order conversion edits, and scheduling its rows as roast batches that hold their green coffee."""

from collections.abc import Sequence
from datetime import date

from django.db import transaction

from orderly.core.actors import Actor
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, UnknownReference, ValidationError
from orderly.core.numbering import next_numbers
from orderly.core.retry import retry_on_conflict
from orderly.inventory.models import Lot
from orderly.inventory.services import raw_holds, raw_lots_lock
from orderly.plans.models import FulfillmentPlan
from orderly.plans.selectors import plan_get
from orderly.plans.services.common import plan_for_update, refuse_unless_open
from orderly.production import conversion
from orderly.production.figures import conversion_input, plan_product_ids, profile_green_lot_ids
from orderly.production.models import ConversionEdit, Machine, Profile, RoastBatch, RoastGreen
from orderly.production.services.common import kg, weight_loss, whole
from orderly.production.services.masterdata import raw_lot
from orderly.production.status import MAX_WEIGHT_LOSS
from orderly.production.weights import end_from_loss, loss_of

ROAST_PREFIX = "RB"
EDIT_FIELDS = ("profile", "machine", "green_lot", "batch_kg", "end_kg", "weight_loss", "batches")


def _plan(plan) -> FulfillmentPlan:
    return plan if isinstance(plan, FulfillmentPlan) else plan_get(plan)


def _clean_edit(i: int, row: dict, products: dict[str, int], plan: FulfillmentPlan) -> ConversionEdit:
    """One row's edit, checked: the product is one of the plan's, the profile of its group, the batch size within
    the machine's range, the weight loss 0–40 %."""
    at = f"rows[{i}]"
    name = str(row.get("product") or "").strip()
    if name not in products:
        raise ValidationError(f"Plan {plan.number} has no row for product {name!r}.", field=f"{at}.product")
    unknown = set(row) - {"product", *EDIT_FIELDS}
    if unknown:
        raise ValidationError(f"Unknown field {sorted(unknown)[0]!r}.", field=f"{at}.{sorted(unknown)[0]}")
    edit = ConversionEdit(plan=plan, product_id=products[name])
    profile = None
    if row.get("profile") is not None:
        profile = Profile.objects.select_related("group").filter(name=str(row["profile"]).strip()).first()
        if profile is None:
            raise UnknownReference(
                f"No profile {row['profile']!r}.", resource="profile", key=str(row["profile"]), field=f"{at}.profile"
            )
        if profile.group.product_id != edit.product_id:
            raise ValidationError(
                f"Profile {profile.name} belongs to group {profile.group.name}, which makes another product than "
                f"{name}.",
                field=f"{at}.profile",
            )
        edit.profile = profile
    if row.get("machine") is not None:
        edit.machine = Machine.objects.filter(name=str(row["machine"]).strip()).first()
        if edit.machine is None:
            raise UnknownReference(
                f"No machine {row['machine']!r}.", resource="machine", key=str(row["machine"]), field=f"{at}.machine"
            )
    if row.get("green_lot") is not None:
        edit.green_lot = raw_lot(row["green_lot"], field=f"{at}.green_lot")
    if row.get("batch_kg") is not None:
        edit.batch_kg = kg(row["batch_kg"], field=f"{at}.batch_kg")
    if row.get("batches") is not None:
        edit.batches = whole(row["batches"], field=f"{at}.batches", minimum=0, maximum=10_000)
    if profile is None:
        profile = (
            Profile.objects.filter(group__product_id=edit.product_id, is_active=True).order_by("rank", "id").first()
        )
    batch = edit.batch_kg or (profile.batch_kg if profile else None)
    if row.get("weight_loss") is not None:
        loss = weight_loss(row["weight_loss"], field=f"{at}.weight_loss")
        if batch is None:
            raise ValidationError("A weight loss needs a profile or a batch size.", field=f"{at}.weight_loss")
        edit.end_kg = end_from_loss(batch, loss)
    if row.get("end_kg") is not None:
        end = kg(row["end_kg"], field=f"{at}.end_kg")
        if batch is None or end > batch or loss_of(batch, end) > MAX_WEIGHT_LOSS:
            raise ValidationError(
                f"end_kg {end} must leave a weight loss of 0 to {MAX_WEIGHT_LOSS} % of the batch ({batch} kg).",
                field=f"{at}.end_kg",
            )
        edit.end_kg = end
    if edit.batch_kg is not None or edit.machine is not None:
        machine = edit.machine or (profile.machines.order_by("name").first() if profile else None)
        if machine is not None and batch is not None and not machine.min_batch_kg <= batch <= machine.max_batch_kg:
            raise ValidationError(
                f"A batch of {batch} kg is outside machine {machine.name}'s range of {machine.min_batch_kg}–"
                f"{machine.max_batch_kg} kg.",
                field=f"{at}.batch_kg" if edit.batch_kg is not None else f"{at}.machine",
            )
    return edit


def _save_edits(plan: FulfillmentPlan, rows: Sequence[dict]) -> list[int]:
    if not isinstance(rows, (list, tuple)):
        raise ValidationError("rows must be a list.", field="rows")
    inp = conversion_input(plan)
    products = {name: pid for pid, name in inp.products.items()}
    edits, seen = [], set()
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ValidationError("A row is an object with its product.", field=f"rows[{i}]")
        edit = _clean_edit(i, row, products, plan)
        if edit.product_id in seen:
            raise ValidationError(f"Product {row['product']} is given twice.", field=f"rows[{i}].product")
        seen.add(edit.product_id)
        edits.append(edit)
    ConversionEdit.objects.filter(plan=plan, product_id__in=seen).delete()
    ConversionEdit.objects.bulk_create([e for e in edits if _changes_something(e)])
    return [e.product_id for e in edits]


def _changes_something(edit: ConversionEdit) -> bool:
    return any(
        value is not None
        for value in (edit.profile_id, edit.machine_id, edit.green_lot_id, edit.batch_kg, edit.end_kg, edit.batches)
    )


@retry_on_conflict
@transaction.atomic
def conversion_edit(*, plan, rows: Sequence[dict], actor: Actor) -> FulfillmentPlan:
    """Change rows of a plan's order conversion: each row names its `product` and any of profile (of the product's
    group), machine, green_lot, batch_kg, end_kg or weight_loss, batches; a row with only its product goes back
    to what the profile says. Refused, naming the field, writing nothing, for anything out of range."""
    plan = plan_for_update(_plan(plan))
    refuse_unless_open(plan, "edit the order conversion")
    _save_edits(plan, rows)
    return plan


def _refuse(rows: list[conversion.Row]) -> None:
    bad = [r for r in rows if not r.schedulable]
    if bad:
        what = "; ".join(f"{r.product}: {', '.join(r.problems) or 'nothing to roast'}" for r in bad)
        raise Conflict(
            f"Cannot schedule: {what}. Fix the rows first.",
            code=ErrorCode.CONVERSION_PROBLEMS,
            field="rows",
            rows={r.product: r.problems for r in bad},
        )


@retry_on_conflict
@transaction.atomic
def roast_schedule(
    *,
    plan,
    on: date,
    actor: Actor,
    rows: Sequence[dict] | None = None,
    products: Sequence[str] | None = None,
) -> list[RoastBatch]:
    """Schedule roast batches on date `on` for a plan's order conversion: the given rows (each with its product and
    any edits, saved first), or the rows of the roasted `products` named (as they stand, with their saved edits;
    the web page's chosen rows), or every row that can be scheduled as proposed. Each row becomes a roast batch
    `RB-…` holding its green kg on the raw lots.

    Locks, in the global order: the green lots the rows may draw (primary-key order), then the plan; the
    conversion is worked out after the locks, so two schedules never count on the same green coffee or the same
    need. Refused (nothing written) when a chosen row has a problem or nothing to roast, or when no row can be
    scheduled.
    """
    found = _plan(plan)
    if not isinstance(on, date):
        raise ValidationError("date must be a date (YYYY-MM-DD).", field="date")
    raw_lots_lock(lot_ids=profile_green_lot_ids(plan_product_ids(found), found) | _edit_lots(rows))
    plan = plan_for_update(found)
    refuse_unless_open(plan, "schedule roasts")
    chosen = _save_edits(plan, rows) if rows is not None else None
    result = conversion.convert(conversion_input(plan))
    if chosen is not None:
        picked = [r for r in result if r.product_id in set(chosen)]
        _refuse(picked)
    elif products is not None:
        picked = _named(plan, result, products)
        _refuse(picked)
    else:
        picked = [r for r in result if r.schedulable]
        if not picked:
            raise Conflict(
                f"Nothing of plan {plan.number} can be scheduled: "
                + (
                    "; ".join(f"{r.product}: {', '.join(r.problems)}" for r in result if r.problems)
                    or "nothing to roast"
                )
                + ".",
                code=ErrorCode.NOTHING_TO_SCHEDULE,
                field="rows",
                plan=plan.number,
            )
    batches = _create_batches(plan, on, picked, actor)
    ConversionEdit.objects.filter(plan=plan, product_id__in=[r.product_id for r in picked]).delete()
    return batches


def _named(plan: FulfillmentPlan, result: list[conversion.Row], products: Sequence[str]) -> list[conversion.Row]:
    """The conversion's rows of the products named, each once; refused for none, or one that is not a row."""
    names = [str(name).strip() for name in products]
    if not names:
        raise ValidationError("Choose at least one row to schedule.", field="products")
    rows = {r.product: r for r in result}
    for i, name in enumerate(names):
        if name not in rows:
            raise UnknownReference(
                f"Plan {plan.number}'s order conversion has no row for product {name!r}.",
                resource="product",
                key=name,
                field=f"products[{i}]",
            )
    return [rows[name] for name in dict.fromkeys(names)]


def _edit_lots(rows) -> set[int]:
    names = [str(r.get("green_lot")) for r in rows or [] if isinstance(r, dict) and r.get("green_lot") is not None]
    if not names:
        return set()
    return set(Lot.objects.filter(number__in=names).values_list("pk", flat=True)) | set(
        Lot.objects.filter(name__in=names).values_list("pk", flat=True)
    )


def _create_batches(plan: FulfillmentPlan, on: date, rows: list[conversion.Row], actor: Actor) -> list[RoastBatch]:
    """The rows' roast batches, their green lots and the holds on those, in a fixed number of queries per lot."""
    profiles = {p.name: p for p in Profile.objects.filter(name__in=[r.profile for r in rows])}
    machines = {m.name: m for m in Machine.objects.filter(name__in=[r.machine for r in rows])}
    lots = {lot.number: lot for lot in Lot.objects.filter(number__in=[d.lot for r in rows for d in r.green])}
    created = RoastBatch.objects.bulk_create(
        [
            RoastBatch(
                number=number,
                plan=plan,
                product_id=row.product_id,
                profile=profiles[row.profile],
                machine=machines[row.machine],
                date=on,
                batches=row.batches,
                batch_kg=row.batch_kg,
                green_kg=row.green_kg,
                expected_kg=row.expected_kg,
                created_by=actor.name[:150],
            )
            for row, number in zip(rows, next_numbers(ROAST_PREFIX, len(rows)), strict=True)
        ]
    )
    RoastGreen.objects.bulk_create(
        [
            RoastGreen(batch=batch, lot=lots[d.lot], planned_kg=d.kg)
            for batch, row in zip(created, rows, strict=True)
            for d in row.green
        ]
    )
    raw_holds(
        holds=[
            (batch.number, [(lots[d.lot].pk, d.kg) for d in row.green])
            for batch, row in zip(created, rows, strict=True)
        ],
        actor=actor,
    )
    return created
