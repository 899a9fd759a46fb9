"""A plan's Roast schedules tab (its batches, Add schedules → Order conversion → Edit → Schedule roasts), Roasts ›
Schedules (the overview) and a roast batch's page (Complete, Cancel, Edit). Anyone signed in reads; operators
schedule, edit, complete and cancel."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from orderly.core.exceptions import DomainError, ValidationError
from orderly.inventory.selectors import lot_list
from orderly.inventory.status import LotKind
from orderly.plans.selectors import plan_get
from orderly.plans.status import PlanStatus
from orderly.production import conversion, selectors
from orderly.production.figures import conversion_rows
from orderly.production.models import ConversionEdit, RoastGreen
from orderly.production.services import batches as roasts
from orderly.production.services.scheduling import conversion_edit, roast_schedule
from orderly.production.status import RoastStatus
from orderly.web.decorators import role_required
from orderly.web.forms.inventory import parse_date
from orderly.web.forms.roasts import (
    ROW_FIELDS,
    batch_edit_form,
    batch_edit_input,
    complete_form,
    field_of,
    row_form,
    row_input,
    schedule_filters,
    schedule_form,
)
from orderly.web.views.common import actor, or_404, overview_page
from orderly.web.views.plans import PLAN_TABS

# What a row's problem words mean, as the page says them next to the exclamation mark.
PROBLEMS = {
    conversion.NO_PROFILE: "No profile: add a profile group and a profile for this product.",
    conversion.PROFILE_NOT_IN_GROUP: "The profile makes another product: choose one of this product's group.",
    conversion.NO_MACHINE: "No machine: the profile names no active machine.",
    conversion.MACHINE_INACTIVE: "The machine is not active.",
    conversion.BATCH_SIZE_OUT_OF_RANGE: "The batch size is outside the machine's minimum and maximum.",
    conversion.NO_GREEN_LOT: "No green lot: the profile names no green coffee.",
    conversion.GREEN_SHORT: "Green coffee short: the green lots lack the kg these batches need.",
}


def _plan_page(request, plan, template: str, context: dict, status: int = 200) -> TemplateResponse:
    editable = plan.status == PlanStatus.OPEN and request.user.can("operator")
    base = {"plan": plan, "tab": "roasts", "plan_tabs": PLAN_TABS, "editable": editable}
    return TemplateResponse(request, template, {**base, **context}, status=status)


def _rows(plan) -> list[dict]:
    return [{"row": r, "problems": [PROBLEMS.get(p, p) for p in r.problems]} for r in conversion_rows(plan)]


def _with_load(batches) -> list[dict]:
    """Each batch with its machine's load that day: over its batches per day is flagged."""
    batches = list(batches)
    load = selectors.machine_day_load(batches)
    return [
        {"batch": b, "load": load.get((b.machine_id, b.date), 0),
         "over": load.get((b.machine_id, b.date), 0) > b.machine.batches_per_day}
        for b in batches
    ]  # fmt: skip


@role_required()
def plan_roasts(request, number: str):
    """The plan's Roast schedules tab: the batches scheduled for it, and Add schedules."""
    plan = or_404(plan_get, number)
    batches = _with_load(selectors.roast_batch_list(plan=plan.number))
    return _plan_page(request, plan, "web/roasts/plan_tab.html", {"batches": batches})


def _conversion_page(request, plan, form=None, status: int = 200, chosen=None) -> TemplateResponse:
    """`chosen`: the product names ticked in a refused request; None shows every row that can be scheduled ticked."""
    rows = _rows(plan)
    for entry in rows:
        row = entry["row"]
        entry["chosen"] = row.schedulable if chosen is None else row.product in chosen
    context = {"rows": rows, "form": form or schedule_form(on=plan.fulfillment_date.isoformat())}
    return _plan_page(request, plan, "web/roasts/conversion.html", context, status)


@role_required(write="operator")
def plan_conversion(request, number: str):
    """Order conversion; *Schedule roasts* on a date schedules the rows ticked (each row that can be scheduled is
    ticked at first; a row with a problem cannot be ticked)."""
    plan = or_404(plan_get, number)
    if request.method != "POST":
        return _conversion_page(request, plan)
    form = schedule_form(request.POST)
    chosen = request.POST.getlist("products")
    try:
        on = parse_date(form.value("date"), "date")
        made = roast_schedule(plan=plan, on=on, products=chosen, actor=actor(request))
    except DomainError as exc:
        form.show_error(exc, place="date" if exc.field == "date" else None)
        return _conversion_page(request, plan, form, status=exc.status, chosen=set(chosen))
    numbers = ", ".join(b.number for b in made)
    messages.success(request, f"Scheduled {len(made)} roast batch{'es' if len(made) != 1 else ''}: {numbers}.")
    return redirect("web:plan_roasts", number=plan.number)


def _row(plan, product_id: int):
    found = next((r for r in conversion_rows(plan) if r.product_id == product_id), None)
    if found is None:
        raise Http404(f"Plan {plan.number} has no roasted product {product_id}.")
    return found


def _kept(plan, product_id: int) -> set[str]:
    """The fields of the row edited before, kept when another is saved."""
    edit = ConversionEdit.objects.filter(plan=plan, product_id=product_id).first()
    if edit is None:
        return set()
    stored = {
        "profile": edit.profile_id, "machine": edit.machine_id, "green_lot": edit.green_lot_id,
        "batch_kg": edit.batch_kg, "end_kg": edit.end_kg, "batches": edit.batches,
    }  # fmt: skip
    return {name for name in ROW_FIELDS if stored.get(name) is not None}


def _row_page(request, plan, row, form, status: int = 200) -> TemplateResponse:
    profiles = selectors.profile_list(product_ids=[row.product_id]).filter(is_active=True)
    context = {
        "row": row,
        "problems": [PROBLEMS.get(p, p) for p in row.problems],
        "form": form,
        "profiles": profiles,
        "machines": selectors.machine_list(active=True),
        "green_lots": lot_list(kind=LotKind.RAW)[:500],
    }
    return _plan_page(request, plan, "web/roasts/row_edit.html", context, status)


@role_required(write="operator")
def plan_conversion_row(request, number: str, product_id: int):
    """Edit one row: profile within its group, green lot, start and end weight, weight loss, machine, batch size,
    number of batches. *Use the profile* drops the row's edits."""
    plan = or_404(plan_get, number)
    row = _row(plan, product_id)
    if request.method != "POST":
        return _row_page(request, plan, row, row_form(row))
    form = row_form(row, request.POST)
    edit = {"product": row.product} if request.POST.get("reset") else row_input(form, row, _kept(plan, product_id))
    try:
        conversion_edit(plan=plan, rows=[edit], actor=actor(request))
    except DomainError as exc:
        place = field_of(exc.field)
        form.show_error(exc, place=place if place in form.fields else None)
        return _row_page(request, plan, row, form, status=exc.status)
    messages.success(request, f"Order conversion row {row.product} saved.")
    return redirect("web:plan_conversion", number=plan.number)


# ---------------------------------------------------------------------------------------------- overview


@role_required()
def schedule_list(request):
    """Roasts › Schedules: batches by date and machine, with status, filters and paging."""
    values, error = schedule_filters(request.GET)
    page, rows = None, []
    if error is None:
        batches = selectors.roast_batch_list(
            date_from=values["date_from_parsed"], date_to=values["date_to_parsed"], machine=values["machine"],
            status=values["status"], plan=values["plan"],
        )  # fmt: skip
        try:
            page = overview_page(request, batches, selectors.ROAST_BATCH_ORDER)
            rows = _with_load(page.items)
        except ValidationError as exc:
            error = exc
    context = {
        "values": values, "error": error, "page": page, "rows": rows, "status_choices": RoastStatus.choices,
        "machines": selectors.machine_list(),
    }  # fmt: skip
    return TemplateResponse(request, "web/roasts/schedules.html", context, status=400 if error else 200)


# ---------------------------------------------------------------------------------------------- a batch


def _batch_page(request, batch, complete=None, status: int = 200) -> TemplateResponse:
    greens = list(RoastGreen.objects.select_related("lot").filter(batch=batch).order_by("id"))
    load = selectors.machine_day_load([batch]).get((batch.machine_id, batch.date), 0)
    context = {
        "batch": batch, "greens": greens, "load": load, "over": load > batch.machine.batches_per_day,
        "complete": complete or complete_form(batch), "open": batch.status == RoastStatus.SCHEDULED,
    }  # fmt: skip
    return TemplateResponse(request, "web/roasts/batch.html", context, status=status)


@role_required()
def batch_detail(request, number: str):
    return _batch_page(request, or_404(selectors.roast_batch_get, number))


@role_required("operator")
@require_POST
def batch_complete(request, number: str):
    batch = or_404(selectors.roast_batch_get, number)
    form = complete_form(batch, request.POST)
    try:
        batch = roasts.roast_batch_complete(
            batch=batch, green_used_kg=form.value("green_used_kg"), roasted_out_kg=form.value("roasted_out_kg"),
            actor=actor(request),
        )  # fmt: skip
    except DomainError as exc:
        form.show_error(exc)
        return _batch_page(request, selectors.roast_batch_get(number), form, status=exc.status)
    note = " It differs from the plan by more than 2 %: marked inconsistent." if batch.inconsistent else ""
    messages.success(request, f"Roast batch {batch.number} completed into loose lot {batch.lot.number}.{note}")
    return redirect("web:roast_batch", number=batch.number)


@role_required("operator")
@require_POST
def batch_cancel(request, number: str):
    batch = or_404(selectors.roast_batch_get, number)
    try:
        roasts.roast_batch_cancel(batch=batch, actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Roast batch {batch.number} canceled; its green coffee is free again.")
    return redirect("web:roast_batch", number=batch.number)


def _edit_page(request, batch, form, status: int = 200) -> TemplateResponse:
    context = {"batch": batch, "form": form, "machines": selectors.machine_list(active=True)}
    return TemplateResponse(request, "web/roasts/batch_edit.html", context, status=status)


@role_required("operator")
def batch_edit(request, number: str):
    """Edit a scheduled batch: date, machine, number of batches, batch size, end weight."""
    batch = or_404(selectors.roast_batch_get, number)
    if request.method != "POST":
        return _edit_page(request, batch, batch_edit_form(batch))
    form = batch_edit_form(batch, request.POST)
    try:
        roasts.roast_batch_update(batch=batch, changes=batch_edit_input(form, batch), actor=actor(request))
    except DomainError as exc:
        form.show_error(exc)
        return _edit_page(request, selectors.roast_batch_get(number), form, status=exc.status)
    messages.success(request, f"Roast batch {batch.number} saved.")
    return redirect("web:roast_batch", number=batch.number)
