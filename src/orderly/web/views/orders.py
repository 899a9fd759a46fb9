"""Order pages: the overview, one order, its actions, notes and delete."""

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from orderly.channels.selectors import channel_list
from orderly.core.exceptions import DomainError, ValidationError
from orderly.core.logs import log_order
from orderly.core.paging import paginate
from orderly.notifications.selectors import emails_of_order
from orderly.orders.rules import allowed_actions, items_refusal, refusal
from orderly.orders.selectors import SORTS, order_get, order_list_rows, order_timeline
from orderly.orders.services import (
    order_archive,
    order_cancel,
    order_delete,
    order_note_add,
    order_open,
    order_reset,
    order_unarchive,
)
from orderly.orders.status import Action, CustomerType, FulfillmentStatus, OrderStatus, PaymentStatus, Stage
from orderly.plans.selectors import plan_of_order
from orderly.web.decorators import role_required
from orderly.web.forms.fields import FormState
from orderly.web.forms.filters import PAGE_SIZES, SORT_LABELS, parse_overview
from orderly.web.views.common import actor, or_404, order_state, safe_next, with_followed
from orderly.web.views.order_bulk import ORDER_COLUMNS, visible_columns

# Each action: its service and the words of its notification.
ACTIONS = {
    Action.OPEN: (order_open, "opened"),
    Action.CANCEL: (order_cancel, "canceled"),
    Action.ARCHIVE: (order_archive, "archived"),
    Action.UNARCHIVE: (order_unarchive, "unarchived"),
    Action.RESET: (order_reset, "reset"),
}


MENU_ORDER = (Action.OPEN, Action.EDIT, Action.RESET, Action.ARCHIVE, Action.UNARCHIVE, Action.CANCEL, Action.DELETE)


def action_menu(order) -> list[tuple[str, str]]:
    """The actions the order's state allows now, as (action, label), in the order a menu lists them."""
    allowed = set(allowed_actions(order))
    return [(action.value, action.label) for action in MENU_ORDER if action in allowed]


@role_required()
def order_list(request):
    query, error = parse_overview(request.GET)
    page = None
    if error is None:
        try:
            page = paginate(
                order_list_rows(query.filters),
                page=query.page,
                page_size=query.page_size,
                exact_count=query.exact_count,
                keys=SORTS.get(query.filters.sort, ()),
                cursor=query.cursor or None,
            )
        except ValidationError as exc:
            error = exc
    can_operate = request.user.can("operator")
    context = {
        "query": query,
        "values": query.values,
        "error": error,
        "page": page,
        # Only operators see the rows' actions menus; a viewer's rows need no menu worked out.
        "rows": [(order, action_menu(order) if can_operate else []) for order in page.items] if page else [],
        "channel_choices": [(channel.id, channel.name) for channel in channel_list()],
        "status_choices": OrderStatus.choices,
        "stage_choices": Stage.choices,
        "fulfillment_choices": FulfillmentStatus.choices,
        "payment_choices": PaymentStatus.choices,
        "customer_type_choices": CustomerType.choices,
        "sort_labels": SORT_LABELS,
        "page_size_choices": [(size, size) for size in PAGE_SIZES],
        "columns": visible_columns(request.user),
        "column_choices": list(ORDER_COLUMNS.items()),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "web/orders/_results.html" if partial else "web/orders/list.html"
    response = TemplateResponse(request, template, context, status=400 if error else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


def render_order(request, order, *, note: FormState | None = None, status: int = 200):
    if note is None:
        note = FormState()
        note.add("text", "Note")
    charges = list(order.charges.all())
    context = {
        "order": order,
        "items": order.items.all(),
        "charges": charges,
        # Shipping and fees before their discounts and (unless prices include it) their tax: with the items' subtotal,
        # all discounts and all tax, the totals block adds up to the total.
        "charges_amount": sum((charge.amount for charge in charges), Decimal("0.00")),
        "timeline": order_timeline(order),
        "actions": action_menu(order),
        "items_editable": items_refusal(order) is None,
        "note": note.fields["text"],
        "plan": plan_of_order(order),
        "emails": emails_of_order(order),
    }
    return TemplateResponse(request, "web/orders/detail.html", context, status=status)


@role_required()
def order_detail(request, number: str):
    log_order(number)
    return render_order(request, or_404(order_get, number))


@role_required("operator")
@require_POST
def order_note_add_view(request, number: str):
    log_order(number)
    order = or_404(order_get, number)
    note = FormState()
    note.add("text", "Note")
    note.values_from(request.POST)
    try:
        order_note_add(order=order, text=note.value("text"), actor=actor(request))
    except DomainError as exc:
        note.show_error(exc)
        return render_order(request, order, note=note, status=exc.status)
    messages.success(request, f"Note added to order {order.number}.")
    return redirect("web:order_detail", number=order.number)


@role_required("operator")
@require_POST
def order_action(request, number: str, action: str):
    log_order(number)
    order = or_404(order_get, number)
    service, done = ACTIONS[Action(action)]
    before = order_state(order)
    try:
        order = service(order=order, actor=actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if order.has_error:
            messages.warning(request, f"Order {order.number} {done}; it still has an error: {order.error_message}")
        else:
            before["status"] = order.status if action in (Action.OPEN, Action.CANCEL) else before["status"]  # said
            messages.success(request, with_followed(f"Order {order.number} {done}.", before, order))
    return redirect(safe_next(request, reverse("web:order_detail", args=[order.number])))


@role_required("operator")
def order_delete_view(request, number: str):
    log_order(number)
    order = or_404(order_get, number)
    if request.method == "POST":
        try:
            order_delete(order=order, actor=actor(request))
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("web:order_detail", number=order.number)
        messages.success(request, f"Order {order.number} deleted.")
        return redirect(safe_next(request, reverse("web:order_list")))
    refused = refusal(order, Action.DELETE)
    context = {"order": order, "refusal": refused and refused.message, "next": safe_next(request, "")}
    return TemplateResponse(request, "web/orders/delete.html", context)
