"""Small helpers the views share."""

from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme

from orderly.core.actors import Actor
from orderly.core.exceptions import NotFound
from orderly.core.paging import Page, paginate
from orderly.orders.headline import REOPEN_WORDS
from orderly.orders.models import Order
from orderly.orders.status import FulfillmentStatus, OrderStatus, PaymentStatus, ReopenReason
from orderly.web.forms.inventory import PAGE_SIZE, page_number

FOLLOWED_FIELDS = ("status", "payment_status", "fulfillment_status", "reopened_because")


def actor(request) -> Actor:
    return Actor.for_user(request.user)


def safe_next(request, default: str) -> str:
    """The `next` the form carried when it points back into this site; `default` otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def or_404(lookup, *args):
    """Call a selector that raises NotFound, answering 404 instead."""
    try:
        return lookup(*args)
    except NotFound as exc:
        raise Http404(exc.message) from None


def overview_page(request, rows, keys: tuple[str, ...]) -> Page:
    """The page of an overview sorted by `keys` that the request's `page`, `cursor` and `count` ask for. The pager
    links deep pages by cursor (as fast as the first, and unmoved by rows added meanwhile); `page` then only numbers
    them. Raises ValidationError naming `cursor` for one this list did not give out."""
    return paginate(
        rows,
        page=page_number(request.GET.get("page", "")),
        page_size=PAGE_SIZE,
        exact_count=request.GET.get("count") == "exact",
        keys=keys,
        cursor=request.GET.get("cursor", "").strip() or None,
    )


def order_state(order) -> dict:
    """What `what_followed` compares: the order's status, payment and fulfillment status, before an action."""
    return {name: getattr(order, name) for name in FOLLOWED_FIELDS}


def _status_sentence(after: dict) -> str:
    if after["status"] == OrderStatus.CLOSED:
        return "The order is closed: every item is done."
    if after["status"] == OrderStatus.OPEN and after["reopened_because"]:
        return f"The order is open again: {REOPEN_WORDS[ReopenReason(after['reopened_because'])]}."
    return f"The order is now {OrderStatus(after['status']).label.lower()}."


def what_followed(before: dict, order) -> str:
    """What an action set off on the order besides itself, in sentences for its notification: the order opened,
    closed or reopened (and why), its payment and fulfillment status moved. "" when nothing did. Reads the order
    again: the services change it in their own copy."""
    after = order_state(Order.all_objects.get(pk=order.pk))
    said = []
    if after["status"] != before["status"]:
        said.append(_status_sentence(after))
    if after["payment_status"] != before["payment_status"]:
        said.append(f"Payment status: {PaymentStatus(after['payment_status']).label}.")
    if after["fulfillment_status"] != before["fulfillment_status"]:
        said.append(f"Fulfillment status: {FulfillmentStatus(after['fulfillment_status']).label}.")
    return " ".join(said)


def with_followed(message: str, before: dict, order) -> str:
    followed = what_followed(before, order)
    return f"{message} {followed}" if followed else message
