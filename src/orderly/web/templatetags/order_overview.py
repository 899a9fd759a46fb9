"""The orders overview's table rows and an order's status badge, put together in Python.

The overview draws up to 200 rows of a dozen cells each, and drawn by the template engine (an `if` per column, a
variable, a filter and an escape per cell, an include per badge and per actions menu) the rows were more than half
of the page's time. Here what is the same for every row (which columns, the links' patterns, the page's own
address) is worked out once per page and each row is a few string joins; the markup is the one the templates drew.
"""

import functools
from html import escape
from urllib.parse import quote

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from orderly.orders.models import Order
from orderly.orders.status import Action
from orderly.shipping.rules import fulfill_refusal
from orderly.web import locale
from orderly.web.templatetags.orderly_web import money, order_url_parts, quoted_number, shop_name

register = template.Library()

CANCEL_CONFIRM = ' data-confirm="Cancel order {number}? A canceled order cannot be opened again."'


def _text(value) -> str:
    """A value as the template engine prints it with autoescaping: its text, escaped for HTML."""
    return escape(str(value))


def _customer_cell(order) -> str:
    email = f'<br><span class="muted">{_text(order.customer_email)}</span>' if order.customer_email else ""
    return f'<td data-label="Customer" class="customer">{_text(order.customer_name)}{email}</td>'


@functools.cache
def _words(field: str) -> dict[str, str]:
    """What Order.get_<field>_display() says for each value of the field, looked up once rather than per row."""
    return {value: str(label) for value, label in Order._meta.get_field(field).flatchoices}


def _display(order, field: str) -> str:
    value = getattr(order, field)
    return _text(_words(field).get(value, value))


def _cells(columns) -> list:
    """The cells of the optional columns the person shows (web.views.order_bulk.ORDER_COLUMNS), in the table's
    order, each a function of the order."""
    shops = {}  # a page's orders come from a few shops
    tz = timezone.get_current_timezone()  # looked up once: per row it was half the cost of the date

    def date_cell(order) -> str:
        when = order.order_date
        local = timezone.localtime(when, tz) if when else None
        stamp, shown = (local.isoformat(), locale.moment(local, tz)) if local else ("", "")
        return f'<td data-label="Date"><time datetime="{_text(stamp)}">{_text(shown)}</time></td>'

    def shop_cell(order) -> str:
        if (name := shops.get(order.channel_id)) is None:
            name = shops[order.channel_id] = _text(shop_name(order.channel))
        return f'<td data-label="Shop">{name}</td>'

    cells = {
        "external_ref": lambda order: f'<td data-label="External ref">{_text(order.external_ref or "—")}</td>',
        "date": date_cell,
        "customer": _customer_cell,
        "type": lambda order: f'<td data-label="Type">{_display(order, "customer_type")}</td>',
        "shop": shop_cell,
        "shop_status": lambda order: f'<td data-label="Shop status">{_text(order.external_status or "—")}</td>',
        "items": lambda order: f'<td data-label="Items" class="num">{_text(order.item_count)}</td>',
        "total": lambda order: f'<td data-label="Total" class="num">{_text(money(order.total, order.currency))}</td>',
        "fulfillment": lambda order: f'<td data-label="Fulfillment">{_display(order, "fulfillment_status")}</td>',
        "payment": lambda order: f'<td data-label="Payment">{_display(order, "payment_status")}</td>',
    }
    return [cell for key, cell in cells.items() if key in columns]


def badge_html(order) -> str:
    """The order's headline (Order.badge) as a badge, with its reason beside it when it has one."""
    badge = order.badge
    words = _text(badge.words)
    if not badge.reason:
        return f'<span class="badge badge-{_text(badge.css)}">{words}</span>'
    reason = _text(badge.reason)
    return (
        f'<span class="badge badge-{_text(badge.css)}" title="{words}: {reason}">{words}</span> '
        f'<span class="badge-reason">{reason}</span>'
    )


@register.simple_tag
def order_badge(order) -> SafeString:
    return SafeString(badge_html(order))


class _Links:
    """The links of the overview's rows, each pattern resolved once per page: the part before the order's number and
    the part after it, escaped; a row puts its quoted, escaped number between them."""

    def __init__(self):
        self._parts = {}

    def __call__(self, number: str, name: str, *extra) -> str:
        key = (name, *extra)
        if (parts := self._parts.get(key)) is None:
            parts = self._parts[key] = tuple(_text(part) for part in order_url_parts(name, *extra))
        return parts[0] + number + parts[1]


def _actions_menu(order, actions, number: str, link, quoted: str, next_query: str) -> str:
    """The row's actions menu: View, Fulfill order when it may be fulfilled, then the actions its state allows; the
    actions that change the order post through the page's one `row-action` form."""
    items = [f'<li><a href="{link(quoted, "web:order_detail")}">View</a></li>']
    if fulfill_refusal(order) is None:
        items.append(f'<li><a href="{link(quoted, "web:order_fulfill")}">Fulfill order</a></li>')
    for action, label in actions:
        if action == Action.EDIT:
            items.append(f'<li><a href="{link(quoted, "web:order_edit")}">Edit</a></li>')
        elif action == Action.DELETE:
            delete = link(quoted, "web:order_delete")
            items.append(f'<li><a class="danger" href="{delete}?next={next_query}">Delete…</a></li>')
        else:
            address = link(quoted, "web:order_action", action)
            confirm = CANCEL_CONFIRM.format(number=number) if action == Action.CANCEL else ""
            button = f'<button type="submit" form="row-action" formaction="{address}"{confirm}>{_text(label)}</button>'
            items.append(f"<li>{button}</li>")
    return (
        '<details class="menu">\n'
        f'  <summary>Actions<span class="visually-hidden"> for {number}</span></summary>\n'
        "  <ul>\n    " + "\n    ".join(items) + "\n  </ul>\n</details>"
    )


def rows_html(rows, columns, *, can_operate: bool, page_path: str) -> str:
    """The overview's table rows: `rows` are (order, its allowed actions as (action, label)), `columns` the
    optional columns the person shows, `page_path` the page's own path and query (where a delete comes back to).
    With `can_operate`, each row has its selection box and its actions menu."""
    cells = _cells(columns)
    next_query = _text(quote(page_path, safe="/"))
    link = _Links()
    out = []
    for order, actions in rows:
        number = _text(order.number)
        quoted = _text(quoted_number(order.number))
        parts = ["<tr>"]
        if can_operate:
            parts.append(
                f'<td class="select-cell" data-label="Select"><input type="checkbox" name="orders" value="{number}" '
                f'form="bulk-form" aria-label="Select {number}"></td>'
            )
        detail = link(quoted, "web:order_detail")
        parts.append(f'<td data-label="Number"><a class="order-number" href="{detail}">{number}</a></td>')
        parts.extend(cell(order) for cell in cells)
        parts.append(f'<td data-label="Status">{badge_html(order)}</td>')
        if can_operate:
            menu = _actions_menu(order, actions, number, link, quoted, next_query)
            parts.append(f'<td class="actions-cell">{menu}</td>')
        parts.append("</tr>")
        out.append("\n".join(parts))
    return "\n".join(out)


@register.simple_tag(takes_context=True)
def order_rows(context, rows, columns, can_operate) -> SafeString:
    """{% order_rows rows columns can_operate %}: the overview's table rows (rows_html)."""
    path = context["request"].get_full_path()
    return SafeString(rows_html(rows, columns, can_operate=bool(can_operate), page_path=path))
