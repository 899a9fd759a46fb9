"""Template filters for showing orders: shop names, money, and what an edit changed."""

import functools
from decimal import Decimal
from html import escape
from urllib.parse import quote

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString

from orderly.channels.problems import sync_problem
from orderly.orders.events import field_words
from orderly.orders.indicators import item_indicator_groups
from orderly.orders.models import ADDRESS_FIELDS
from orderly.web import locale

register = template.Library()

_NUMBER_MARK = "~number~"


@functools.cache
def _url_around_number(name: str, script_prefix: str, extra: tuple) -> tuple[str, str]:
    """What comes before and after the order number in the URL `name` (with `extra` arguments after it)."""
    head, tail = reverse(name, args=[_NUMBER_MARK, *extra]).split(_NUMBER_MARK)
    return head, tail


def quoted_number(number) -> str:
    """An order number as reverse() quotes it in a path."""
    return quote(str(number), safe=RFC3986_SUBDELIMS + "/~:@")


def order_url_parts(name: str, *extra) -> tuple[str, str]:
    """What comes before and after the (quoted) order number in the URL `name` with `extra` arguments after it."""
    return _url_around_number(name, get_script_prefix(), tuple(str(part) for part in extra))


@register.simple_tag
def order_url(name: str, number: str, *extra) -> str:
    """{% url name number *extra %} for a list of orders: the URL's pattern is resolved once per name (and action),
    then each order's number put into it, quoted as reverse() quotes it. The orders overview links each of its
    rows several times; resolving every link anew was a fifth of the page's time."""
    head, tail = order_url_parts(name, *extra)
    return head + quoted_number(number) + tail


@register.simple_tag
def options(choices, chosen) -> SafeString:
    """{% options choices chosen %}: a select's <option>s, one per (value, text) of `choices`, the one whose value
    reads as `chosen` (the value as typed) selected. One node where a loop drew each option with an `if`."""
    drawn = []
    for value, text in choices:
        selected = " selected" if str(value) == chosen else ""
        drawn.append(f'<option value="{escape(str(value))}"{selected}>{escape(str(text))}</option>')
    return SafeString("".join(drawn))


@register.filter
def shop_name(channel) -> str:
    """The channel's name; the built-in manual channel reads as in the seeds."""
    builtin = channel.kind == "manual" and channel.name == channel.MANUAL_NAME
    return channel.get_kind_display() if builtin else channel.name


@register.filter
def money(value, currency: str = "") -> str:
    if value is None or value == "":
        return "—"
    return f"{locale.number(value, 2)} {currency}".strip()


@register.filter
def day(value) -> str:
    """A date as the person reads dates (their locale)."""
    return locale.day(value) if value else ""


@register.filter
def moment(value) -> str:
    """A date and time as the person reads them (their locale), in the display time zone."""
    return locale.moment(value) if value else ""


@register.filter
def absolute(value):
    """The amount without its sign (a refund due reads as the amount to pay back)."""
    return abs(value) if value is not None else value


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value).normalize():f} %"


@register.filter
def label(value) -> str:
    """A field name (`customer_email`, `shipping_address`, an item's `line_2.expected_on`) as people say it."""
    return field_words(str(value)).capitalize()


def _address_line(data: dict) -> str:
    return ", ".join(str(data.get(name)) for name in ADDRESS_FIELDS if data.get(name))


def _item_line(item: dict) -> str:
    if "sku" not in item and "label" in item:  # an adjustment
        return f"{item.get('label')} {item.get('amount')}"
    return f"{item.get('sku')} × {item.get('quantity')} at {item.get('unit_price')}"


OPTION_WORDS = {"allocate": "allocate", "fulfil": "fulfil", "cover": "payment tracked", "invoice": "invoice"}


def _mapping_line(value: dict) -> str:
    if set(ADDRESS_FIELDS) <= set(value):
        return _address_line(value)
    if value and set(value) <= set(OPTION_WORDS) and all(isinstance(flag, bool) for flag in value.values()):
        return ", ".join(words for name, words in OPTION_WORDS.items() if value.get(name)) or "none"
    return _pairs(value)


def _pairs(value: dict) -> str:
    """Names and values by name: PostgreSQL keeps an object's keys in its own order, SQLite in the order given."""
    return ", ".join(f"{key}: {value[key]}" for key in sorted(value))


@register.filter
def change_value(value) -> str:
    """One side of an edit (before or after) as a short line of text."""
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, dict):
        return _mapping_line(value) or "(empty)"
    if isinstance(value, list):
        return "; ".join(_item_line(item) if isinstance(item, dict) else str(item) for item in value) or "(none)"
    return str(value)


@register.filter
def changes_list(changes) -> list[tuple[str, dict]]:
    """An edit event's changes as (field, {before, after}) pairs by field name, as the event's message lists them.

    A filter rather than `.items` in the template, because one of the fields is called `items`.
    """
    return sorted(changes.items()) if isinstance(changes, dict) else []


@register.filter
def mapping_text(value) -> str:
    """A dict of identifiers or metadata as `key: value` pairs."""
    if not value:
        return "—"
    if isinstance(value, dict):
        return _pairs(value)
    return str(value)


@register.filter
def adjustments_text(value) -> str:
    if not value:
        return "—"
    return ", ".join(f"{entry.get('label')} {entry.get('amount')}" for entry in value if isinstance(entry, dict))


@register.filter
def indicator_groups(item) -> list:
    """The item's indicators grouped by process, each with its tone (orders.indicators)."""
    return item_indicator_groups(item)


@register.filter
def parameters_set(item) -> str:
    """Which of an item's parameters (seed 002) are set beyond their defaults, named for its folded summary."""
    named = [
        words
        for words, is_set in (
            ("position", item.position),
            (
                "collect" if item.delivery_type == "collect" else "delivery method",
                item.delivery_method or item.delivery_type == "collect",
            ),
            ("expected on", item.expected_on),
            ("purchase price", item.purchase_price is not None),
            ("commission", item.commission is not None),
            ("adjustments", item.adjustments),
            ("identifiers", item.identifiers),
            ("metadata", item.metadata),
            ("options", not all(item.options.values())),
        )
        if is_set
    ]
    return ", ".join(named)


@register.filter
def options_text(item) -> str:
    chosen = [OPTION_WORDS[name] for name, flag in item.options.items() if flag]
    return ", ".join(chosen) or "none"


# Date and total read best newest/highest first; a number ascending.
FIRST_DIRECTION = {"date": "-date", "total": "-total", "number": "number"}


@register.inclusion_tag("web/orders/_sort_header.html", takes_context=True)
def sort_header(context, text: str, key: str, css: str = "") -> dict:
    """A column header that sorts the overview by `key`, and says which way it is sorted now."""
    current = context["values"]["sort"]
    if current == key:
        state, target = "ascending", f"-{key}"
    elif current == f"-{key}":
        state, target = "descending", key
    else:
        state, target = "none", FIRST_DIRECTION[key]
    params = context["request"].GET.copy()
    params["sort"] = target
    params.pop("page", None)
    return {"text": text, "url": f"?{params.urlencode()}", "state": state, "css": css}


@register.filter
def problem(error: str):
    """A sync run's error in words, with the fix (channels.problems)."""
    return sync_problem(error)


# Query parameters that choose how a list is shown, not what is in it.
NOT_FILTERS = {"page", "sort", "page_size"}


@register.filter
def is_filtered(query) -> bool:
    """Whether the query string (request.GET) narrows an overview: any filter or search with a value."""
    return any(value.strip() for key in query for value in query.getlist(key) if key not in NOT_FILTERS)
