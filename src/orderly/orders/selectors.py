"""Reads of orders shared by the API and the web pages: search, one order, its timeline."""

import datetime as dt
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from orderly.core.exceptions import ValidationError
from orderly.core.folding import folded
from orderly.orders.exceptions import OrderNotFound
from orderly.orders.models import Order, OrderCharge, OrderEvent, OrderItem
from orderly.orders.status import CustomerType, FulfillmentStatus, OrderStatus, PaymentStatus, Stage

SORTS = {
    "date": ("order_date", "id"),
    "-date": ("-order_date", "-id"),
    "number": ("number",),
    "-number": ("-number",),
    "total": ("total", "id"),
    "-total": ("-total", "-id"),
}
DEFAULT_SORT = "-date"


@dataclass(frozen=True)
class OrderFilters:
    q: str = ""
    status: str = ""
    stage: str = ""
    fulfillment_status: str = ""
    payment_status: str = ""
    channel: int | None = None
    customer_type: str = ""
    has_error: bool | None = None
    error_code: str = ""  # one cause of error (unknown_sku, …): the start page's links
    archived: bool | None = False  # False: hide archived (default); True: only archived; None: both
    test: bool | None = False  # the shops' test orders: False hides them (default); True: only them; None: both
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = DEFAULT_SORT


# A search for one of our own numbers is a prefix match on the number alone, which its unique index answers in a
# few rows; the substring match over four columns reads every order (bench/README.md).
NUMBER_QUERY = re.compile(r"^OR-\d+$", re.IGNORECASE)


def _number_prefix(q: str) -> Q:
    prefix = q.upper()
    # The range lets the b-tree find the prefix; startswith keeps the match exact under any collation.
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(number__gte=prefix, number__lt=after, number__startswith=prefix)


def _check_choice(value: str, choices, field: str) -> None:
    if value and value not in choices.values:
        raise ValidationError(f"{field} must be one of {', '.join(choices.values)}, not {value!r}.", field=field)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def order_search(filters: OrderFilters) -> QuerySet[Order]:
    """Orders matching the filters, in a stable order, with what a list row shows loaded in fixed queries.

    `q` matches the order number, external reference, customer name or e-mail, in part, in any case and with or
    without accents ("cafe" finds "Café"). A `q` shaped like one of our order numbers (OR-0042) matches the
    numbers that begin with it, and nothing else.
    """
    _check_choice(filters.status, OrderStatus, "status")
    _check_choice(filters.stage, Stage, "stage")
    _check_choice(filters.fulfillment_status, FulfillmentStatus, "fulfillment_status")
    _check_choice(filters.payment_status, PaymentStatus, "payment_status")
    _check_choice(filters.customer_type, CustomerType, "customer_type")
    if filters.sort not in SORTS:
        raise ValidationError(f"sort must be one of {', '.join(SORTS)}, not {filters.sort!r}.", field="sort")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationError("date_from is after date_to.", field="date_from")

    orders = Order.objects.all()
    if (q := filters.q.strip()) and NUMBER_QUERY.match(q):
        orders = orders.filter(_number_prefix(q))
    elif q:
        orders = orders.filter(search_text__contains=folded(q))
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.stage:
        orders = orders.filter(stage=filters.stage)
    if filters.fulfillment_status:
        orders = orders.filter(fulfillment_status=filters.fulfillment_status)
    if filters.payment_status:
        orders = orders.filter(payment_status=filters.payment_status)
    if filters.channel:
        orders = orders.filter(channel_id=filters.channel)
    if filters.customer_type:
        orders = orders.filter(customer_type=filters.customer_type)
    if filters.error_code:
        orders = orders.filter(error_code=filters.error_code)
    if filters.has_error is True:
        orders = orders.exclude(error_code="")
    elif filters.has_error is False:
        orders = orders.filter(error_code="")
    if filters.archived is not None:
        orders = orders.filter(is_archived=filters.archived)
    if filters.test is not None:
        orders = orders.filter(is_test=filters.test)
    if filters.date_from:
        orders = orders.filter(order_date__gte=_start_of(filters.date_from))
    if filters.date_to and filters.date_to < dt.date.max:  # the last day there is bounds nothing
        orders = orders.filter(order_date__lt=_start_of(filters.date_to + dt.timedelta(days=1)))
    return orders.select_related("channel", "shipping_address", "billing_address").order_by(*SORTS[filters.sort])


# What a row of the orders overview reads: the columns it may show, what the order's headline (orders.headline), its
# allowed actions (orders.rules) and whether it may be fulfilled (shipping.rules) are decided by, and the sort keys
# its cursors are made of. Its channel is read for the shop's name alone.
LIST_ROW_FIELDS = (
    "id",
    "number",
    "channel__name",
    "channel__kind",
    "external_ref",
    "external_status",
    "order_date",
    "customer_name",
    "customer_email",
    "customer_type",
    "currency",
    "total",
    "item_count",
    "status",
    "stage",
    "fulfillment_status",
    "payment_status",
    "reopened_because",
    "error_code",
    "error_message",
    "is_archived",
    "deleted_at",
)


def order_list_rows(filters: OrderFilters) -> QuerySet[Order]:
    """The orders order_search finds, in its order, with only what an overview's row reads (LIST_ROW_FIELDS) and
    without their addresses: a page of 50 loads in about 60 % of the CPU time whole orders take. Reading any other
    field of them costs a query per order."""
    return order_search(filters).select_related(None).select_related("channel").only(*LIST_ROW_FIELDS)


def order_day_counts() -> dict:
    """What the start page counts, over the overview's default view (archived and shop test orders hidden): the
    orders still to work on (open and draft) by (status, stage), and those in error by cause with an example of its
    message. Two grouped queries, each read from its index (order_stage_count_idx, order_error_count_idx): the
    closed and canceled orders, most of a shop's history, are never read."""
    visible = order_search(OrderFilters()).order_by()
    waiting = visible.filter(status__in=(OrderStatus.OPEN, OrderStatus.DRAFT))
    by_stage = {
        (row["status"], row["stage"]): row["n"]
        for row in waiting.values("status", "stage").annotate(n=Count("id")).order_by()
    }
    errors = list(
        visible.exclude(error_code="")
        .values("error_code")
        .annotate(n=Count("id"), example=Min("error_message"))
        .order_by("-n", "error_code")
    )
    return {"by_stage": by_stage, "errors": errors}


def with_items(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Load each order's items and its charges (shipping, fees) in one more query each."""
    return orders.prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.order_by("line_no", "id")),
        Prefetch("charges", queryset=OrderCharge.objects.order_by("position", "id")),
    )


def order_get(number: str) -> Order:
    """One visible order by its number, with its addresses, channel and items."""
    try:
        return with_items(Order.objects.select_related("channel", "shipping_address", "billing_address")).get(
            number=number
        )
    except Order.DoesNotExist:
        raise OrderNotFound(number) from None


def order_row(number: str, fields: Sequence[str]) -> dict:
    """One visible order by its number as a plain row of `fields` (a related row's columns spelled
    `channel__name`): one query, no model instance. Raises OrderNotFound."""
    try:
        return Order.objects.values(*fields).get(number=number)
    except Order.DoesNotExist:
        raise OrderNotFound(number) from None


def item_rows(order_ids: Collection[int], fields: Sequence[str]) -> dict[int, list[dict]]:
    """The items of the orders as plain rows of `fields`, by order id, in their line order: one query."""
    return _by_order(OrderItem.objects.filter(order_id__in=order_ids).order_by("order_id", "line_no", "id"), fields)


def charge_rows(order_ids: Collection[int], fields: Sequence[str]) -> dict[int, list[dict]]:
    """The charges of the orders as plain rows of `fields`, by order id, in the shop's order: one query."""
    return _by_order(OrderCharge.objects.filter(order_id__in=order_ids).order_by("order_id", "position", "id"), fields)


def _by_order(rows: QuerySet, fields: Sequence[str]) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for row in rows.values("order_id", *fields):
        grouped.setdefault(row["order_id"], []).append(row)
    return grouped


def order_timeline(order: Order) -> QuerySet[OrderEvent]:
    """The order's events, newest first."""
    return order.events.order_by("-created_at", "-id")
