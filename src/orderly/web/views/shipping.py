"""Manual fulfillment (seed 001), Cancel fulfillment, Report lost and Register return pages. Anyone signed in sees
an order's fulfillments on its page; operators fulfill, cancel, report lost parcels and register returns."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_POST

from orderly.carriers.services import fulfillment_cancel  # voids a live label first
from orderly.core.countries import COUNTRY_CODES
from orderly.core.exceptions import DomainError, ValidationError
from orderly.orders.models import ADDRESS_FIELDS
from orderly.orders.selectors import order_get
from orderly.orders.services import validation as clean
from orderly.shipping import selectors
from orderly.shipping.rules import fulfill_refusal
from orderly.shipping.services import (
    fulfillment_create,
    fulfillment_report_lost,
    item_quantity_problem,
    return_register,
)
from orderly.shipping.services.common import text as shipping_text
from orderly.web.decorators import role_required
from orderly.web.forms.fields import FormState, remap_row
from orderly.web.forms.orders import ADDRESS_LABELS
from orderly.web.views.common import actor, or_404, order_state, with_followed

MAX_UNITS = 2_000_000_000


def _units(form: FormState, name: str) -> int:
    """A quantity box: blank is 0; anything but a whole number from 0 up is refused next to the box."""
    value = form.value(name)
    if value == "":
        return 0
    if not value.isdigit() or int(value) > MAX_UNITS:
        raise ValidationError(f"{name} must be a whole number of units, 0 or more; got {value!r}.", field=name)
    return int(value)


def _chosen(form: FormState, rows: list) -> tuple[list[dict], list[int]]:
    """The service's `items` from the quantity boxes (0 leaves a row out), and the form row each came from."""
    entries, sent = [], []
    for index, row in enumerate(rows):
        name = f"items[{index}].quantity"
        if name in form.fields and (units := _units(form, name)):
            entries.append({"item": row.item.pk, "quantity": units})
            sent.append(index)
    return entries, sent


def _show(form: FormState, exc: DomainError, sent: list[int], rows: list) -> None:
    """The service's error next to the box it names (a shortage: the first box of its SKU), and in the summary."""
    place = remap_row(exc.field, sent, "items")
    if place and place.endswith(".item"):
        place = place[: -len(".item")] + ".quantity"
    if place is None and exc.detail.get("sku"):
        place = next((f"items[{i}].quantity" for i in sent if rows[i].item.sku == exc.detail["sku"]), None)
    form.show_error(exc, place=place if place in form.fields else None)


# ---- Manual fulfillment --------------------------------------------------------------------------------------


def _fulfill_form(order, rows) -> FormState:
    form = FormState()
    for index, row in enumerate(rows):
        if row.open:
            form.add(
                f"items[{index}].quantity", f"Quantity of {row.item.sku}", row.open, context=f"Item {row.item.sku}"
            )
    address = order.shipping_address.as_dict() if order.shipping_address else {}
    for name, label in ADDRESS_LABELS.items():
        form.add(f"shipping_address.{name}", label, address.get(name, ""), context="Shipping address")
    form.add("carrier", "Carrier")
    form.add("tracking_number", "Tracking number")
    return form


def _address_input(form: FormState, order) -> dict | None:
    """The edited address, or None when it reads as the order's own (nothing to change)."""
    typed = {name: form.value(f"shipping_address.{name}") for name in ADDRESS_FIELDS}
    current = order.shipping_address.as_dict() if order.shipping_address else None
    return None if current is not None and typed == {k: str(v) for k, v in current.items()} else typed


def _fulfill_page(request, order, rows, form, status=200) -> TemplateResponse:
    context = {
        "order": order,
        "rows": [(row, form.fields.get(f"items[{i}].quantity")) for i, row in enumerate(rows)],
        "form": form,
        "address": {name: form.fields[f"shipping_address.{name}"] for name in ADDRESS_FIELDS},
        "refusal": getattr(fulfill_refusal(order), "message", None),
        "collect": bool(rows) and all(row.item.delivery_type == "collect" for row in rows),
        "countries": sorted(COUNTRY_CODES),
    }
    return TemplateResponse(request, "web/shipping/fulfill.html", context, status=status)


def _fulfill_problems(form: FormState, order, rows) -> list[DomainError]:
    """Everything wrong with the form that can be told before the service runs, all at once: each quantity box
    (a whole number, at most what is open) and each part of an edited address."""
    problems: list[DomainError] = []
    for index, row in enumerate(rows):
        name = f"items[{index}].quantity"
        if name not in form.fields:
            continue
        try:
            units = _units(form, name)
        except ValidationError as refused:
            problems.append(refused)
            continue
        if units and (refused := item_quantity_problem(index, row.item, units)):
            problems.append(refused)
    if (address := _address_input(form, order)) is not None:
        problems += clean.address_problems(address, field="shipping_address")[1]
    for name in ("carrier", "tracking_number"):
        try:
            shipping_text(form.value(name), field=name)
        except ValidationError as refused:
            problems.append(refused)
    return problems


@role_required("operator")
def order_fulfill(request, number: str):
    """*Fulfill order* / *Mark as fulfilled*: review the items, edit the address, choose units, *Fulfill items*."""
    order = or_404(order_get, number)
    rows = selectors.items_to_fulfil(order)
    form = _fulfill_form(order, rows)
    if request.method != "POST":
        return _fulfill_page(request, order, rows, form)
    form.values_from(request.POST)
    sent: list[int] = []
    if problems := _fulfill_problems(form, order, rows):
        form.show_errors(problems)
        return _fulfill_page(request, order, rows, form, status=problems[0].status)
    before = order_state(order)
    try:
        items, sent = _chosen(form, rows)
        if not items:
            raise ValidationError("Choose at least one item: every quantity is 0.", field="items")
        fulfillment = fulfillment_create(
            order=order, items=items, shipping_address=_address_input(form, order),
            carrier=form.value("carrier"), tracking_number=form.value("tracking_number"), actor=actor(request),
        )  # fmt: skip
    except DomainError as exc:
        _show(form, exc, sent, rows)
        return _fulfill_page(request, order_get(order.number), rows, form, status=exc.status)
    units = sum(entry["quantity"] for entry in items)
    fulfilled = fulfillment.order
    fulfilled.refresh_from_db()
    done = (
        f"Order {order.number} fulfilled: {fulfillment.number} with {units} unit(s); "
        f"the order is {fulfilled.get_fulfillment_status_display().lower()}."
    )
    before["fulfillment_status"] = fulfilled.fulfillment_status  # said already
    messages.success(request, with_followed(done, before, order))
    return redirect("web:order_detail", number=order.number)


# ---- Cancel fulfillment, Report lost -------------------------------------------------------------------------


def _fulfillment_action(request, reference: str, service, done: str):
    try:
        fulfillment = selectors.fulfillment_get(reference)
    except DomainError as exc:
        raise Http404(exc.message) from None
    before = order_state(fulfillment.order)
    try:
        service(fulfillment=fulfillment, actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        order = fulfillment.order
        order.refresh_from_db()
        status = order.get_fulfillment_status_display().lower()
        before["fulfillment_status"] = order.fulfillment_status  # said already
        said = done.format(number=fulfillment.number, order=order.number, status=status)
        messages.success(request, with_followed(said, before, order))
    return redirect("web:order_detail", number=fulfillment.order.number)


@role_required("operator")
@require_POST
def fulfillment_cancel_view(request, reference: str):
    done = "Fulfillment {number} canceled: its stock is back and order {order} is {status}."
    return _fulfillment_action(request, reference, fulfillment_cancel, done)


@role_required("operator")
@require_POST
def fulfillment_lost_view(request, reference: str):
    done = "Parcel of {number} reported lost: its items must ship again; order {order} is {status}."
    return _fulfillment_action(request, reference, fulfillment_report_lost, done)


# ---- Register return -----------------------------------------------------------------------------------------


def _return_form(rows) -> FormState:
    form = FormState()
    for index, row in enumerate(rows):
        sku = row.item.sku
        form.add(f"items[{index}].quantity", f"Units of {sku} returned", "", context=f"Item {sku}")
    form.add("reason", "Reason")
    form.add("restock", "What happens to the units", "restock")
    return form


def _return_page(request, order, rows, form, status=200) -> TemplateResponse:
    context = {
        "order": order,
        "rows": [(row, form.fields[f"items[{i}].quantity"]) for i, row in enumerate(rows)],
        "form": form,
    }
    return TemplateResponse(request, "web/shipping/return.html", context, status=status)


@role_required("operator")
def order_return(request, number: str):
    """*Register return*: units per item, a reason, restock or write off."""
    order = or_404(order_get, number)
    rows = selectors.items_to_return(order)
    form = _return_form(rows)
    if request.method != "POST":
        return _return_page(request, order, rows, form)
    form.values_from(request.POST)
    sent: list[int] = []
    before = order_state(order)
    try:
        items, sent = _chosen(form, rows)
        if not items:
            raise ValidationError("Enter how many units of at least one item came back.", field="items")
        record = return_register(
            order=order, items=items, reason=form.value("reason"), restock=form.value("restock") != "write_off",
            actor=actor(request),
        )  # fmt: skip
    except DomainError as exc:
        _show(form, exc, sent, rows)
        return _return_page(request, order, rows, form, status=exc.status)
    fate = "restocked" if record.restock else "written off"
    credit = f"; credit note {record.credit_note} made" if record.credit_note else ""
    done = f"Return {record.number} registered for order {order.number}: {fate}{credit}."
    messages.success(request, with_followed(done, before, order))
    return redirect("web:order_detail", number=order.number)


urlpatterns = [
    path("orders/<str:number>/fulfill/", order_fulfill, name="order_fulfill"),
    path("orders/<str:number>/return/", order_return, name="order_return"),
    path("fulfillments/<str:reference>/cancel/", fulfillment_cancel_view, name="fulfillment_cancel"),
    path("fulfillments/<str:reference>/lost/", fulfillment_lost_view, name="fulfillment_lost"),
]
