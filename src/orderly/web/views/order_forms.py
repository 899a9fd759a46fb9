"""Creating a manual order and editing an order: one form, validated by the order services."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe

from orderly.catalog.selectors import orderable_variants
from orderly.channels.selectors import manual_channel
from orderly.core.countries import COUNTRY_CODES, CURRENCY_CODES
from orderly.core.exceptions import DomainError
from orderly.orders.rules import items_refusal, refusal
from orderly.orders.selectors import order_get
from orderly.orders.services import order_create, order_update
from orderly.orders.status import Action, CustomerType, DeliveryType, OrderStatus
from orderly.web.decorators import role_required
from orderly.web.forms.orders import TEMPLATE_ROW, ItemRow, OrderForm
from orderly.web.views.common import actor, or_404


def _row_template(order) -> str:
    """The blank item row "Add item row" copies, numbered with the script's placeholders (__i__, __n__)."""
    row = ItemRow(OrderForm(creating=order is None), TEMPLATE_ROW)
    html = render_to_string(
        "web/orders/_item_row.html", {"row": row, "order": order, "delivery_types": DeliveryType.choices}
    )
    return mark_safe(html.replace(str(TEMPLATE_ROW + 1), "__n__").replace(str(TEMPLATE_ROW), "__i__"))


def _render(request, form: OrderForm, *, order=None, items_locked: str = "", status: int = 200):
    context = {
        "form": form,
        "order": order,
        "items_locked": items_locked,
        "skus": orderable_variants(),
        "countries": sorted(COUNTRY_CODES),
        "currencies": sorted(CURRENCY_CODES),
        "customer_types": CustomerType.choices,
        "delivery_types": DeliveryType.choices,
        "row_template": "" if items_locked else _row_template(order),
        "statuses": [(OrderStatus.OPEN, "Open (final, to be processed)"), (OrderStatus.DRAFT, "Draft (not final)")],
    }
    return TemplateResponse(request, "web/orders/form.html", context, status=status)


@role_required("operator")
def order_new(request):
    if request.method != "POST":
        return _render(request, OrderForm.blank())
    form = OrderForm.from_post(request.POST, creating=True)
    try:
        order = order_create(channel=manual_channel(), actor=actor(request), **form.create_input())
    except DomainError as exc:
        form.show_errors(exc)
        return _render(request, form, status=exc.status)
    messages.success(request, f"Order {order.number} created.")
    return redirect("web:order_detail", number=order.number)


def _items_locked(order) -> str:
    """Why the order's items cannot change now (the rule the edit service follows), or ""."""
    refused = items_refusal(order)
    return refused.message if refused is not None else ""


@role_required("operator")
def order_edit(request, number: str):
    order = or_404(order_get, number)
    if (refused := refusal(order, Action.EDIT)) is not None:
        messages.error(request, refused.message)
        return redirect("web:order_detail", number=order.number)
    items_locked = _items_locked(order)
    if request.method != "POST":
        return _render(request, OrderForm.from_order(order), order=order, items_locked=items_locked)
    form = OrderForm.from_post(request.POST, creating=False)
    try:
        changes = form.update_changes(order, items_editable=not items_locked)
        order_update(order=order, changes=changes, actor=actor(request))
    except DomainError as exc:
        form.show_errors(exc)
        return _render(request, form, order=order, items_locked=items_locked, status=exc.status)
    messages.success(request, f"Order {order.number} saved.")
    return redirect("web:order_detail", number=order.number)
