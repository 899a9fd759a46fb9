"""Fulfillment plan pages: the overview, a new plan from selected orders, and a plan's tabs — Orders, Allocation,
Packaging plans, Pick list — with their actions. Anyone signed in reads; operators run plans."""

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from orderly.core.exceptions import DomainError, ValidationError
from orderly.core.paging import paginate
from orderly.orders.selectors import OrderFilters, order_search
from orderly.plans import selectors
from orderly.plans.services import (
    allocation_save,
    packaging_plan_archive,
    packaging_plan_execute,
    packaging_plan_update,
    pick_complete,
    pick_complete_and_ship,
    pick_return,
    plan_add_orders,
    plan_cancel,
    plan_create,
    plan_remove_order,
)
from orderly.plans.status import PlanStatus
from orderly.web.decorators import role_required
from orderly.web.forms.inventory import PAGE_SIZE, page_number
from orderly.web.forms.plans import (
    add_orders_form,
    allocation_form,
    allocation_input,
    fulfillment_date,
    new_plan_form,
    packaging_form,
    packaging_units,
    typed_numbers,
)
from orderly.web.views.common import actor, or_404, safe_next
from orderly.web.views.inventory import qty_text

PLAN_TABS = [
    ("orders", "Orders", "web:plan_detail"),
    ("allocation", "Allocation", "web:plan_allocation"),
    ("packaging", "Packaging plans", "web:plan_packaging"),
    ("pick_list", "Pick list", "web:plan_pick_list"),
]
MAX_SUGGESTIONS = 200


def _eligible():
    """Suggestions for "Add order": orders that may join a plan, as the planning service decides."""
    return selectors.plannable_orders()[:MAX_SUGGESTIONS]


@role_required()
def plan_list(request):
    status = request.GET.get("status", "").strip()
    due_raw = request.GET.get("due", "").strip()
    waiting = request.GET.get("packaging", "").strip()
    values = {"status": status, "due": due_raw, "packaging": waiting}
    error, page = None, None
    try:
        if status and status not in PlanStatus.values:
            raise ValidationError(f"status must be one of {', '.join(PlanStatus.values)}, not {status!r}.")
        if waiting not in ("", "waiting"):
            raise ValidationError(f"packaging must be 'waiting' or empty, not {waiting!r}.")
        try:
            due = dt.date.fromisoformat(due_raw) if due_raw else None
        except ValueError:
            raise ValidationError(f"due {due_raw!r} is not a date (YYYY-MM-DD).") from None
        plans = selectors.plan_list(status=status, due=due, packaging_waiting=bool(waiting))
        page = paginate(
            plans,
            page=page_number(request.GET.get("page", "")),
            page_size=PAGE_SIZE,
            exact_count=request.GET.get("count") == "exact",
        )
    except ValidationError as exc:
        error = exc
    context = {"values": values, "status_choices": PlanStatus.choices, "page": page, "error": error}
    return TemplateResponse(request, "web/plans/list.html", context, status=400 if error else 200)


def _found(numbers: list[str]) -> dict:
    found = order_search(OrderFilters(archived=None, sort="number")).filter(number__in=numbers)
    return {order.number: order for order in found}


def _new_page(request, form, numbers: list[str], status: int = 200) -> TemplateResponse:
    orders = _found(numbers)
    context = {
        "form": form,
        "orders": [orders[number] for number in numbers if number in orders],
        "eligible": _eligible(),
    }
    return TemplateResponse(request, "web/plans/new.html", context, status=status)


def plan_new_page(request, numbers: list[str]) -> TemplateResponse:
    """*Fulfill* from the overview's bulk form: the new plan page with those orders chosen."""
    return _new_page(request, new_plan_form(), numbers)


def _selected(values: list[str]) -> list[str]:
    numbers = []
    for value in values:
        for number in typed_numbers(value.upper()):
            if number not in numbers:
                numbers.append(number)
    return numbers


def _take_typed(form, numbers: list[str], typed: list[str]) -> list[str]:
    """Add the typed numbers that name orders to `numbers`; the others stay in the Add box, shown as its error,
    for the person to correct or remove (never carried along out of sight). Returns those not found."""
    orders = _found(typed)
    numbers.extend(number for number in typed if number in orders and number not in numbers)
    unknown = [number for number in typed if number not in orders]
    form.fields["add"].value = " ".join(unknown)
    if unknown:
        listed = ", ".join(unknown)
        form.show_error(
            ValidationError(
                f"No order is numbered {listed}: correct the number, or remove it.",
                field="add",
            )
        )
    return unknown


@role_required("operator")
def plan_new(request):
    """*Fulfill*: the orders chosen in the overview (`orders`), a fulfillment date, more orders by number."""
    if request.method != "POST":
        form = new_plan_form()
        numbers: list[str] = []
        unknown = _take_typed(form, numbers, _selected(request.GET.getlist("orders")))
        return _new_page(request, form, numbers, status=422 if unknown else 200)
    form = new_plan_form(request.POST)
    numbers = _selected(request.POST.getlist("orders"))
    typed = [] if request.POST.get("remove_typed") else _selected([form.value("add")])
    if _take_typed(form, numbers, typed):
        return _new_page(request, form, numbers, status=422)
    if not request.POST.get("create"):
        return _new_page(request, form, numbers)
    try:
        plan = plan_create(orders=numbers, fulfillment_date=fulfillment_date(form), actor=actor(request))
    except DomainError as exc:
        form.show_error(exc, place="add" if exc.field == "orders" else None)
        return _new_page(request, form, numbers, status=exc.status)
    messages.success(request, f"Fulfillment plan {plan.number} created with {len(numbers)} order(s).")
    return redirect("web:plan_detail", number=plan.number)


def _plan_page(request, plan, tab: str, template: str, context: dict, status: int = 200) -> TemplateResponse:
    base = {"plan": plan, "tab": tab, "plan_tabs": PLAN_TABS, "editable": plan.status == PlanStatus.OPEN}
    if not request.user.can("operator"):
        base["editable"] = False
    return TemplateResponse(request, template, {**base, **context}, status=status)


def _orders_tab(request, plan, form=None, status: int = 200) -> TemplateResponse:
    context = {"orders": selectors.plan_orders(plan), "form": form or add_orders_form(), "eligible": _eligible()}
    return _plan_page(request, plan, "orders", "web/plans/detail.html", context, status)


@role_required()
def plan_detail(request, number: str):
    return _orders_tab(request, or_404(selectors.plan_get, number))


@role_required("operator")
@require_POST
def plan_orders_add(request, number: str):
    plan = or_404(selectors.plan_get, number)
    form = add_orders_form(request.POST)
    numbers = typed_numbers(form.value("orders").upper())
    try:
        plan_add_orders(plan=plan, orders=numbers, actor=actor(request))
    except DomainError as exc:
        form.show_error(exc, place="orders")
        return _orders_tab(request, selectors.plan_get(number), form, status=exc.status)
    messages.success(request, f"Added {', '.join(numbers)} to plan {plan.number}.")
    return redirect("web:plan_detail", number=plan.number)


def _act(request, done: str, service, target: str, **kwargs):
    """Run one plan service; tell the person how it went, as a notification on the page they return to."""
    try:
        service(actor=actor(request), **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(safe_next(request, target))


@role_required("operator")
@require_POST
def plan_order_remove(request, number: str, order: str):
    plan = or_404(selectors.plan_get, number)
    target = reverse("web:plan_detail", args=[plan.number])
    done = f"Removed {order} from plan {plan.number}; it is New again."
    return _act(request, done, plan_remove_order, target, plan=plan, order=order)


@role_required("operator")
@require_POST
def plan_cancel_view(request, number: str):
    plan = or_404(selectors.plan_get, number)
    done = f"Plan {plan.number} canceled: its stock is released and its orders are New again."
    return _act(request, done, plan_cancel, reverse("web:plan_detail", args=[plan.number]), plan=plan)


def _allocation_tab(request, plan, lines, form, status: int = 200) -> TemplateResponse:
    rows = [{**line.__dict__, "field": form.fields[f"lines[{index}].quantity"]} for index, line in enumerate(lines)]
    context = {"lines": rows, "form": form}
    return _plan_page(request, plan, "allocation", "web/plans/allocation.html", context, status)


@role_required(write="operator")
def plan_allocation(request, number: str):
    """The stock allocation; *Allocate all stock* fills the boxes, *Save allocation* holds the stock."""
    plan = or_404(selectors.plan_get, number)
    lines = selectors.allocation_lines(plan)
    if request.method != "POST":
        form = allocation_form(lines, fill_all=request.GET.get("fill") == "all")
        return _allocation_tab(request, plan, lines, form)
    form = allocation_form(lines, request.POST)
    try:
        allocation_save(plan=plan, lines=allocation_input(form, lines), actor=actor(request))
    except DomainError as exc:
        place = _line_field(lines, exc)
        form.show_error(exc, place=place)
        return _allocation_tab(request, plan, lines, form, status=exc.status)
    messages.success(request, f"Allocation of plan {plan.number} saved; packaging plans cover what is outstanding.")
    return redirect("web:plan_packaging", number=plan.number)


def _line_field(lines, exc: DomainError) -> str | None:
    """The quantity box of the line a refusal names (by its SKU), if any."""
    sku = exc.detail.get("sku")
    for index, line in enumerate(lines):
        if line.sku == sku:
            return f"lines[{index}].quantity"
    return None


@role_required()
def plan_packaging(request, number: str):
    plan = or_404(selectors.plan_get, number)
    views = [
        {
            "number": view.packaging.number,
            "sku": view.packaging.variant.sku,
            "name": view.packaging.variant.name,
            "units": view.packaging.units,
            "loose_needed": qty_text(view.loose_needed),
            "lots": [{"lot": d.lot, "quantity": qty_text(d.quantity)} for d in view.lots],
            "shortfall": qty_text(view.shortfall),
            "status": view.packaging.status,
            "status_label": view.packaging.get_status_display(),
        }
        for view in selectors.packaging_plans(plan=plan)
    ]
    return _plan_page(request, plan, "packaging", "web/plans/packaging.html", {"packaging_plans": views})


def _packaging_edit_page(request, pp, form, status: int = 200) -> TemplateResponse:
    context = {"pp": pp, "form": form, "package_size": qty_text(pp.variant.package_size)}
    return TemplateResponse(request, "web/plans/packaging_edit.html", context, status=status)


@role_required("operator")
def packaging_edit(request, number: str):
    pp = or_404(selectors.packaging_plan_get, number)
    if request.method != "POST":
        form = packaging_form(units=pp.units)
        return _packaging_edit_page(request, pp, form)
    form = packaging_form(request.POST)
    try:
        packaging_plan_update(packaging=pp, units=packaging_units(form), actor=actor(request))
    except DomainError as exc:
        form.show_error(exc)
        return _packaging_edit_page(request, pp, form, status=exc.status)
    messages.success(request, f"Packaging plan {pp.number} saved.")
    return redirect("web:plan_packaging", number=pp.plan.number)


@role_required("operator")
@require_POST
def packaging_action(request, number: str, action: str):
    pp = or_404(selectors.packaging_plan_get, number)
    service, done = {
        "execute": (
            packaging_plan_execute,
            f"Packaging plan {pp.number} executed: {pp.units} × {pp.variant.sku} packed.",
        ),
        "archive": (packaging_plan_archive, f"Packaging plan {pp.number} archived."),
    }[action]
    return _act(request, done, service, reverse("web:plan_packaging", args=[pp.plan.number]), packaging=pp)


@role_required()
def plan_pick_list(request, number: str):
    plan = or_404(selectors.plan_get, number)
    entries = [
        {
            "number": entry.order.number,
            "customer": entry.order.customer_name,
            "completed": entry.completed,
            "items": [
                {**line.__dict__, "lots": [{"lot": d.lot, "quantity": qty_text(d.quantity)} for d in line.lots]}
                for line in entry.lines
            ],
        }
        for entry in selectors.pick_list(plan)
    ]
    return _plan_page(request, plan, "pick_list", "web/plans/pick_list.html", {"pick_orders": entries})


@role_required("operator")
@require_POST
def pick_action(request, number: str, order: str, action: str):
    plan = or_404(selectors.plan_get, number)
    service, done = {
        "complete": (pick_complete, f"Order {order} completed: picked and packed, ready to ship."),
        "return": (pick_return, f"Order {order} returned to the pick list."),
    }[action]
    if action == "complete" and request.POST.get("ship") == "on":
        service, done = pick_complete_and_ship, f"Order {order} completed, shipped and its label booked."
    return _act(request, done, service, reverse("web:plan_pick_list", args=[plan.number]), plan=plan, order=order)
