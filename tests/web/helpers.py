"""Shared bits for the web page tests."""

import html as html_lib
import re

from orderly.core.actors import Actor
from orderly.orders.models import Order
from orderly.orders.services import order_set_stage
from tests.factories import make_order


def text(response) -> str:
    """The page's text with tags removed and whitespace collapsed, for reading assertions."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def snapshot(order: Order) -> tuple:
    """What a refused action must leave untouched."""
    fresh = Order.all_objects.get(pk=order.pk)
    return (
        fresh.status,
        fresh.stage,
        fresh.is_archived,
        fresh.deleted_at,
        fresh.error_code,
        fresh.customer_name,
        fresh.total,
        fresh.events.count(),
        fresh.items.count(),
    )


def in_progress_order(**kwargs) -> Order:
    order = make_order(**kwargs)
    return order_set_stage(order=order, stage="in_progress", actor=Actor.system())


def error_order(**kwargs) -> Order:
    """An order flagged with an error, as an import with an unknown SKU leaves it."""
    kwargs.setdefault("items", [{"sku": "GONE-1", "quantity": 1, "unit_price": "12.00"}])
    return make_order(strict=False, **kwargs)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []
