"""The orders overview's bulk actions and its column choice.

One form carries the selection (the ticked orders, or every order the overview's filter matches) and the action
the person chose; each action goes through the same service a single order's action uses, order by order, so the
rules and the timeline are the same as one at a time."""

import csv
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from orderly.batches import services as batch_services
from orderly.channels.services import order_run_enqueue
from orderly.core.exceptions import DomainError, ValidationError
from orderly.core.services import user_order_columns_set
from orderly.orders.selectors import order_search
from orderly.orders.services import order_archive, order_reset
from orderly.web.decorators import role_required
from orderly.web.forms.filters import parse_overview
from orderly.web.views.common import actor, safe_next
from orderly.web.views.plans import plan_new_page

# The overview's columns a person may show or hide, in the order the table shows them. The number, the status and
# the actions menu are always there: without them a row cannot be recognised or worked on.
ORDER_COLUMNS = {
    "external_ref": "External ref",
    "date": "Date",
    "customer": "Customer",
    "type": "Type",
    "shop": "Shop",
    "shop_status": "Shop status",
    "items": "Items",
    "total": "Total",
    "fulfillment": "Fulfillment",
    "payment": "Payment",
}
# What fits 1280 px with a customer's name and e-mail: the rarely read columns are one click away.
DEFAULT_COLUMNS = ("date", "customer", "shop", "shop_status", "total", "fulfillment", "payment")

# Orders one request archives, resets or synchronizes, each in its own transaction; past this, the person narrows
# the filter (or processes them as a batch, which works in the background).
MAX_BULK_ORDERS = 1000
BULK_LABELS = {"archive": "archived", "reset": "reset", "synchronize": "queued for synchronization"}
REFUSED_LABELS = {"archive": "archived", "reset": "reset", "synchronize": "synchronized"}
CSV_HEADINGS = (
    "Number",
    "External ref",
    "Date",
    "Customer",
    "E-mail",
    "Type",
    "Shop",
    "Shop status",
    "Items",
    "Total",
    "Currency",
    "Fulfillment",
    "Payment",
    "Status",
    "Stage",
    "Error",
)


def visible_columns(user) -> list[str]:
    chosen = [column for column in user.order_columns or () if column in ORDER_COLUMNS]
    return chosen or list(DEFAULT_COLUMNS)


@dataclass
class Selection:
    """What the bulk form chose: every order the filter matches, or the ticked numbers."""

    filter_query: str
    all_matching: bool
    numbers: list[str] = field(default_factory=list)

    def orders(self):
        """The chosen orders, in the overview's order; a ticked number that names no visible order is left out."""
        query, error = parse_overview(QueryDict(self.filter_query))
        if error is not None:
            raise error
        orders = order_search(query.filters)
        if not self.all_matching:
            orders = orders.filter(number__in=self.numbers)
        return orders

    def back(self) -> str:
        return reverse("web:order_list") + (f"?{self.filter_query}" if self.filter_query else "")


def _selection(request) -> Selection:
    numbers = list(dict.fromkeys(number.strip() for number in request.POST.getlist("orders") if number.strip()))
    selection = Selection(
        filter_query=request.POST.get("filter", ""),
        all_matching=request.POST.get("all_matching") == "1",
        numbers=numbers,
    )
    if not selection.all_matching and not numbers:
        raise ValidationError("Tick at least one order, or all orders matching the filter.", field="orders")
    return selection


def _bounded(orders, verb: str) -> list:
    chosen = list(orders[: MAX_BULK_ORDERS + 1])
    if len(chosen) > MAX_BULK_ORDERS:
        raise ValidationError(
            f"More than {MAX_BULK_ORDERS} orders are selected; {verb} takes at most {MAX_BULK_ORDERS} at once. "
            "Narrow the filter, or process them as a batch.",
            field="orders",
        )
    return chosen


def _each(request, orders: list, action: str) -> None:
    """Run one service per order; tell how many it did and, for each refusal, which order and why."""
    services = {
        "archive": lambda order, who: order_archive(order=order, actor=who),
        "reset": lambda order, who: order_reset(order=order, actor=who),
        "synchronize": lambda order, who: order_run_enqueue(order=order, actor=who),
    }
    who = actor(request)
    done, refused = 0, []
    for order in orders:
        try:
            services[action](order, who)
        except DomainError as exc:
            refused.append(f"{order.number}: {exc.message}")
        else:
            done += 1
    if done:
        messages.success(request, f"{done} order{'s' if done != 1 else ''} {BULK_LABELS[action]}.")
    if refused:
        shown = "; ".join(refused[:10]) + (f"; and {len(refused) - 10} more" if len(refused) > 10 else "")
        orders_word = "order" if len(refused) == 1 else "orders"
        messages.error(request, f"{len(refused)} {orders_word} not {REFUSED_LABELS[action]}: {shown}")


def _csv(orders) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="orders.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADINGS)
    for order in orders:
        writer.writerow(
            (
                order.number,
                order.external_ref,
                order.order_date.isoformat(),
                order.customer_name,
                order.customer_email,
                order.get_customer_type_display(),
                order.channel.name if order.channel_id else "",
                order.external_status,
                order.item_count,
                order.total,
                order.currency,
                order.get_fulfillment_status_display(),
                order.get_payment_status_display(),
                order.get_status_display(),
                order.get_stage_display(),
                order.error_message,
            )
        )
    return response


def _process(request, selection: Selection):
    """A batch of the selection, processed in the background (it takes any number of orders)."""
    if selection.all_matching:
        query, error = parse_overview(QueryDict(selection.filter_query))
        if error is not None:
            raise error
        batch = batch_services.batch_create(filters=query.filters, actor=actor(request))
    else:
        batch = batch_services.batch_create(orders=selection.numbers, actor=actor(request))
    messages.success(request, f"Batch {batch.number} created: {batch.order_count} order(s) are being processed.")
    return redirect("web:order_batch_detail", number=batch.number)


@role_required("operator")
@require_POST
def order_bulk(request):
    """The overview's bulk form: Fulfill, Process, Archive, Reset, Synchronize or Export the selection."""
    action = request.POST.get("bulk_action", "")
    back = reverse("web:order_list") + (f"?{request.POST['filter']}" if request.POST.get("filter") else "")
    try:
        selection = _selection(request)
        back = selection.back()
        if action == "process":
            return _process(request, selection)
        if action == "fulfill":
            return plan_new_page(request, [order.number for order in _bounded(selection.orders(), "a plan")])
        if action == "export":
            return _csv(selection.orders().iterator(chunk_size=2000))
        if action in BULK_LABELS:
            _each(request, _bounded(selection.orders(), action.capitalize()), action)
            return redirect(back)
        raise ValidationError(
            f"Choose an action: fulfill, process, archive, reset, synchronize or export, not {action!r}.",
            field="bulk_action",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)


@role_required()
@require_POST
def order_columns(request):
    """Remember the overview columns this person chose (anyone signed in: it changes only their own view)."""
    try:
        user_order_columns_set(user=request.user, columns=request.POST.getlist("columns"), allowed=tuple(ORDER_COLUMNS))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The overview shows the columns you chose.")
    return redirect(safe_next(request, reverse("web:order_list")))
