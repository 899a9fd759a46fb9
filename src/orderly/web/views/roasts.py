"""Roasts › Machines, Profiles (profile groups and their profiles) and Green coffee. Anyone signed in reads;
managers change machines, profile groups and profiles; green coffee is received through inventory."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from orderly.catalog.selectors import product_list
from orderly.core.exceptions import DomainError
from orderly.core.paging import paginate
from orderly.inventory import selectors as stock
from orderly.inventory.status import LotKind
from orderly.orders.models import OrderItem
from orderly.orders.selectors import order_get
from orderly.production import selectors
from orderly.production.models import Machine, Profile, ProfileGroup
from orderly.production.services import masterdata
from orderly.production.trace import item_trace, lot_trace
from orderly.web.decorators import role_required
from orderly.web.forms.inventory import PAGE_SIZE, page_number
from orderly.web.forms.roasts import (
    field_of,
    group_form,
    machine_form,
    machine_input,
    profile_form,
    profile_input,
)
from orderly.web.views.common import or_404
from orderly.web.views.inventory import with_quantity_text


def _get(model, pk: int):
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise Http404(f"No such {model._meta.verbose_name}.")
    return found


# ---------------------------------------------------------------------------------------------- machines


@role_required()
def machine_list(request):
    q = request.GET.get("q", "").strip()[:100]
    page = paginate(
        selectors.machine_list(q=q),
        page=page_number(request.GET.get("page", "")),
        page_size=PAGE_SIZE,
        exact_count=request.GET.get("count") == "exact",
    )
    return TemplateResponse(request, "web/roasts/machines.html", {"page": page, "values": {"q": q}})


def _machine_page(request, form, machine=None, status: int = 200) -> TemplateResponse:
    context = {"form": form, "machine": machine}
    return TemplateResponse(request, "web/roasts/machine_form.html", context, status=status)


@role_required("manager")
def machine_new(request):
    if request.method != "POST":
        return _machine_page(request, machine_form())
    form = machine_form(request.POST)
    try:
        machine = masterdata.machine_create(data=machine_input(form))
    except DomainError as exc:
        form.show_error(exc)
        return _machine_page(request, form, status=exc.status)
    messages.success(request, f"Machine {machine.name} added.")
    return redirect("web:roast_machines")


@role_required("manager")
def machine_edit(request, machine_id: int):
    machine = _get(Machine, machine_id)
    if request.method != "POST":
        return _machine_page(request, machine_form(machine=machine), machine)
    form = machine_form(request.POST, machine)
    try:
        machine = masterdata.machine_update(machine=machine, changes=machine_input(form))
    except DomainError as exc:
        form.show_error(exc)
        return _machine_page(request, form, machine, status=exc.status)
    messages.success(request, f"Machine {machine.name} saved.")
    return redirect("web:roast_machines")


# ---------------------------------------------------------------------------------------------- profiles


@role_required()
def profile_list(request):
    """The profile groups, each with its profiles and their figures in use (weight loss, end weight)."""
    q = request.GET.get("q", "").strip()[:100]
    groups = list(selectors.profile_group_list(q=q))
    views = {v.profile.pk: v for v in selectors.profile_views(selectors.profile_list(q="", product_ids=None))}
    rows = [{"group": g, "profiles": [views[p.pk] for p in g.profiles.all() if p.pk in views]} for g in groups]
    return TemplateResponse(request, "web/roasts/profiles.html", {"groups": rows, "values": {"q": q}})


def _group_page(request, form, group=None, status: int = 200) -> TemplateResponse:
    context = {"form": form, "group": group, "products": product_list()[:500]}
    return TemplateResponse(request, "web/roasts/group_form.html", context, status=status)


@role_required("manager")
def group_new(request):
    if request.method != "POST":
        return _group_page(request, group_form())
    form = group_form(request.POST)
    try:
        group = masterdata.profile_group_create(data={"name": form.value("name"), "product": form.value("product")})
    except DomainError as exc:
        form.show_error(exc)
        return _group_page(request, form, status=exc.status)
    messages.success(request, f"Profile group {group.name} added.")
    return redirect("web:roast_profiles")


@role_required("manager")
def group_edit(request, group_id: int):
    group = _get(ProfileGroup, group_id)
    if request.method != "POST":
        return _group_page(request, group_form(group=group), group)
    form = group_form(request.POST, group)
    try:
        changes = {"name": form.value("name"), "product": form.value("product")}
        group = masterdata.profile_group_update(group=group, changes=changes)
    except DomainError as exc:
        form.show_error(exc)
        return _group_page(request, form, group, status=exc.status)
    messages.success(request, f"Profile group {group.name} saved.")
    return redirect("web:roast_profiles")


def _profile_page(request, form, view=None, status: int = 200) -> TemplateResponse:
    context = {
        "form": form,
        "view": view,
        "groups": selectors.profile_group_list(),
        "machines": selectors.machine_list(),
        "green_lots": stock.lot_list(kind=LotKind.RAW)[:500],
    }
    return TemplateResponse(request, "web/roasts/profile_form.html", context, status=status)


def _show(form, exc: DomainError) -> None:
    form.show_error(exc, place=field_of(exc.field) if field_of(exc.field) in form.fields else None)


@role_required("manager")
def profile_new(request):
    if request.method != "POST":
        form = profile_form()
        form.fields["group"].value = request.GET.get("group", "").strip()[:200]
        return _profile_page(request, form)
    form = profile_form(request.POST)
    try:
        profile = masterdata.profile_create(data=profile_input(form, creating=True))
    except DomainError as exc:
        _show(form, exc)
        return _profile_page(request, form, status=exc.status)
    messages.success(request, f"Profile {profile.name} added to {profile.group.name}.")
    return redirect("web:roast_profiles")


@role_required("manager")
def profile_edit(request, profile_id: int):
    profile = _get(Profile, profile_id)
    view = selectors.profile_views([selectors.profile_get(profile.name)])[0]
    if request.method != "POST":
        return _profile_page(request, profile_form(view=view), view)
    form = profile_form(request.POST, view)
    try:
        profile = masterdata.profile_update(profile=profile, changes=profile_input(form, creating=False))
    except DomainError as exc:
        _show(form, exc)
        return _profile_page(request, form, view, status=exc.status)
    messages.success(request, f"Profile {profile.name} saved.")
    return redirect("web:roast_profiles")


# ---------------------------------------------------------------------------------------------- green coffee


@role_required()
def green_list(request):
    """The raw lots with stock: green coffee, received through inventory."""
    q = request.GET.get("q", "").strip()[:100]
    lots = stock.lot_list(kind=LotKind.RAW, q=q)
    page = paginate(
        lots,
        page=page_number(request.GET.get("page", "")),
        page_size=PAGE_SIZE,
        exact_count=request.GET.get("count") == "exact",
    )
    rows = with_quantity_text(page.items, "on_hand", "held", "available")
    return TemplateResponse(request, "web/roasts/green.html", {"page": page, "rows": rows, "values": {"q": q}})


# ---------------------------------------------------------------------------------------------- traces


def _trace_page(request, trace, context: dict) -> TemplateResponse:
    for batch in trace.roast_batches:  # the green lots each drew, loaded with the trace
        batch.traced_greens = trace.roast_greens.get(batch.pk, [])
    return TemplateResponse(request, "web/roasts/trace.html", {"trace": trace, **context})


@role_required()
def lot_trace_view(request, number: str):
    """A lot's trace: back to its green coffee, forward to what was made of it and the orders it went to."""
    trace = or_404(lot_trace, number)
    return _trace_page(request, trace, {"title": f"Lot {trace.lot.number}"})


@role_required()
def item_trace_view(request, number: str, item_id: int):
    """An order item's trace: the packaged lots it drew and the roasts and green coffee behind them."""
    order = or_404(order_get, number)
    item = OrderItem.objects.filter(order=order, pk=item_id).first()
    if item is None:
        raise Http404(f"Order {order.number} has no item {item_id}.")
    context = {"title": f"{order.number} line {item.line_no} ({item.sku})", "order": order}
    return _trace_page(request, item_trace(item), context)
