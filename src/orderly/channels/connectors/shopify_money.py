"""What a Shopify order charged, read from its own figures: lines, shipping lines, duties and fees, their taxes and
discounts, the stated totals and the money state. FORMATS.md ("Shopify orders: what is taken") says why each
field is the one taken.

Amounts are taken in the customer's (presentment) currency: `<field>_set.presentment_money.amount` where Shopify
gives it, else the bare field (which is in the shop's currency, the same one for single-currency shops).
"""

import functools
import hashlib
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify

from orderly.channels.connectors import parsing
from orderly.channels.connectors.parsing import BadPayload

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
CAPTURED = ("paid", "partially_refunded", "refunded")  # the whole order's total was captured
RESTOCKED = ("return", "cancel", "legacy_restock")  # restock_type values that put the units back on the shelf
NOT_STOCK = {"allocate": False, "fulfil": False}


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _money(value, what) -> Decimal:
    """`what` names the amount in an error: text, or a function giving it (built only when there is an error)."""
    try:
        return Decimal(parsing.decimal("0" if value in (None, "") else value, what=""))
    except BadPayload as exc:
        name = what() if callable(what) else what
        raise BadPayload(f"{name}{exc}") from None


def fmt(value: Decimal, what: str = "an amount") -> str:
    """A money string with 2 decimals."""
    try:
        return str(value.quantize(CENT))
    except InvalidOperation:
        raise BadPayload(f"{what} is too large") from None


def given(obj: dict, key: str) -> bool:
    """Whether the object states `key` at all (bare or as a money set)."""
    return obj.get(key) not in (None, "") or isinstance(obj.get(f"{key}_set"), dict)


def amount(obj: dict, key: str, where: str = "", *, side: str = "presentment_money") -> Decimal:
    """obj[key] in the customer's currency (or the shop's with side="shop_money"); 0 when absent."""
    bag = obj.get(f"{key}_set")
    if isinstance(bag, dict) and isinstance(bag.get(side), dict) and bag[side].get("amount") not in (None, ""):
        return _money(bag[side]["amount"], lambda: f"{_path(where, key)}_set.{side}.amount")
    return _money(obj.get(key), lambda: _path(where, key))


def objects(value, where: str) -> list[dict]:
    """A list of objects (None is an empty list); anything else is a reason to refuse the order."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadPayload(f"{where} is not a list")
    for n, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise BadPayload(f"{where}[{n}] is not an object")
    return value


def _allocated(obj: dict, where: str) -> Decimal | None:
    """The sum of the object's discount_allocations, or None when it has none."""
    allocations = objects(obj.get("discount_allocations"), f"{where}.discount_allocations")
    if not allocations:
        return None
    return sum(
        (amount(a, "amount", f"{where}.discount_allocations[{n}]") for n, a in enumerate(allocations)),
        ZERO,
    )


def percent(rate, what: str) -> Decimal:
    """A Shopify tax rate (a fraction, 0.09975) as a percentage with at most 4 decimals (9.975)."""
    if isinstance(rate, (str, int, float)) and not isinstance(rate, bool):
        try:
            return _percent(rate, type(rate))  # a shop's few rates repeat on every line: read each once
        except BadPayload as exc:
            raise BadPayload(f"{what}{exc}") from None
    return _percent.__wrapped__(rate, type(rate), what)


@functools.lru_cache(maxsize=1024)
def _percent(rate, kind, what: str = "") -> Decimal:
    try:
        return (Decimal(parsing.decimal(rate, what=what, places="0.0000001")) * 100).quantize(Decimal("0.0001"))
    except InvalidOperation:
        raise BadPayload(f"{what} {rate!r} is too large") from None


@functools.lru_cache(maxsize=1024)
def percent_text(value: Decimal) -> str:
    """9.975 → "9.975", 9 → "9.00": as many decimals as the rate has, at least 2."""
    whole, _, fraction = f"{value:f}".partition(".")
    return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"


def tax_lines(value, where: str) -> tuple[list[dict], Decimal, Decimal]:
    """Shopify's tax_lines as ours, with their summed rate (percent) and summed amount."""
    lines, rate, total = [], Decimal(0), ZERO
    for n, tax in enumerate(objects(value, where)):
        here = f"{where}[{n}]"
        tax_rate = percent(tax.get("rate"), f"{here}.rate")
        tax_amount = amount(tax, "price", here)
        lines.append(
            {"title": parsing.text(tax.get("title"), 100), "rate": percent_text(tax_rate), "amount": fmt(tax_amount)}
        )
        rate += tax_rate
        total += tax_amount
    return lines, rate, total


def whole(value, what: str) -> int:
    """A count of units as Shopify sends it (a JSON integer, sometimes a string)."""
    if isinstance(value, bool) or value is None:
        raise BadPayload(f"{what} {value!r} is not a whole number")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise BadPayload(f"{what} {value!r} is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value() or abs(number) > 10**9:
        raise BadPayload(f"{what} {value!r} is not a whole number")
    return int(number)


def ident(value) -> str:
    return "" if value is None or isinstance(value, bool) else parsing.text(value, 40)


def sku_key(line: dict) -> str:
    """The line's SKU, else a key that stays the same on every later order of the same thing (so one mapping on
    the channel serves them all): its variant, else its product, else its title. Never the line id."""
    sku = parsing.text(line.get("sku"), 64)
    if sku:
        return sku
    if variant := ident(line.get("variant_id")):
        return f"shopify-variant-{variant}"
    if product := ident(line.get("product_id")):
        return f"shopify-product-{product}"
    title = parsing.text(line.get("title") or line.get("name"))
    slug = slugify(title, allow_unicode=True)[:48].strip("-")
    return f"shopify-title-{slug or hashlib.sha256(title.encode()).hexdigest()[:12]}"


def line_item(line, n: int) -> dict:
    where = f"line_items[{n}]"
    if not isinstance(line, dict):
        raise BadPayload(f"{where} is not an object")
    quantity = whole(line.get("quantity"), f"{where}.quantity")
    unit_price = amount(line, "price", where)
    discount = _allocated(line, where)
    if discount is None:  # the older shape: the line's discount only in total_discount
        discount = amount(line, "total_discount", where)
    taxes, rate, _ = tax_lines(line.get("tax_lines"), f"{where}.tax_lines")
    sku = sku_key(line)
    item = {
        "sku": sku,
        "name": parsing.text(line.get("name") or line.get("title")) or sku,
        "quantity": quantity,
        "unit_price": fmt(unit_price, f"{where}.price"),
        "discount": fmt(discount, f"{where}.discount"),
        "tax_rate": percent_text(rate),
        "tax_lines": taxes,
        "identifiers": {
            "line_id": ident(line.get("id")),
            "shopify_variant_id": ident(line.get("variant_id")),
            "shopify_product_id": ident(line.get("product_id")),
        },
    }
    no_product = line.get("product_id") in (None, "") and line.get("variant_id") in (None, "")
    if line.get("gift_card") is True or (line.get("requires_shipping") is False and no_product):
        item["options"] = dict(NOT_STOCK)  # gift cards, tips, custom items that ship nothing
    return item


def shipping_charge(line, n: int) -> dict:
    where = f"shipping_lines[{n}]"
    if not isinstance(line, dict):
        raise BadPayload(f"{where} is not an object")
    price = amount(line, "price", where)
    discount = _allocated(line, where)
    if discount is None and given(line, "discounted_price"):
        discount = max(price - amount(line, "discounted_price", where), ZERO)
    taxes, _, _ = tax_lines(line.get("tax_lines"), f"{where}.tax_lines")
    return {
        "kind": "shipping",
        "title": parsing.text(line.get("title")),
        "code": parsing.text(line.get("code"), 100),
        "amount": fmt(price, f"{where}.price"),
        "discount": fmt(discount or ZERO, f"{where}.discount"),
        "tax_lines": taxes,
    }


# Order-level amounts that are in total_price but on no line or shipping line.
FEES = (("original_total_duties", "Duties", "duties"), ("original_total_additional_fees", "Additional fees", "fees"))


def charges(entry: dict) -> list[dict]:
    result = [shipping_charge(line, n) for n, line in enumerate(objects(entry.get("shipping_lines"), "shipping_lines"))]
    for key, title, code in FEES:
        fee = amount(entry, key)
        if fee:
            result.append(
                {"kind": "fee", "title": title, "code": code, "amount": fmt(fee), "discount": "0.00", "tax_lines": []}
            )
    return result


def stated(entry: dict, key: str) -> str:
    """An order total as the shop states it, in the customer's currency; "" when the entry does not state it."""
    return fmt(amount(entry, key), key) if given(entry, key) else ""


def currencies(entry: dict) -> tuple[str, str]:
    """(the customer's currency, the shop's currency)."""
    shop = parsing.text(entry.get("currency"), 3).upper()
    customer = parsing.text(entry.get("presentment_currency"), 3).upper() or shop or "EUR"
    return customer, shop or customer


def shop_money(entry: dict) -> dict:
    """The shop's own figures when the customer paid in another currency; {} otherwise."""
    customer, shop = currencies(entry)
    if customer == shop:
        return {}
    side = "shop_money"
    return {
        "currency": shop,
        "total": fmt(amount(entry, "total_price", side=side), "total_price"),
        "tax": fmt(amount(entry, "total_tax", side=side), "total_tax"),
        "subtotal": fmt(amount(entry, "subtotal_price", side=side), "subtotal_price"),
        "discount": fmt(amount(entry, "total_discounts", side=side), "total_discounts"),
        "shipping": fmt(amount(entry, "total_shipping_price", side=side), "total_shipping_price"),
    }


def refunded(entry: dict) -> Decimal:
    """Money paid back: the successful refund transactions of the order's refunds."""
    total = ZERO
    for n, refund in enumerate(objects(entry.get("refunds"), "refunds")):
        where = f"refunds[{n}].transactions"
        for m, transaction in enumerate(objects(refund.get("transactions"), where)):
            if transaction.get("kind") == "refund" and transaction.get("status") == "success":
                total += amount(transaction, "amount", f"{where}[{m}]")
    return total


def payment(entry: dict, total: str) -> dict | None:
    """{"state", "paid", "refunded"} in the customer's currency, None when the order has no financial_status.

    paid is money captured: the whole total once paid (also when refunded since: refunds are their own figure),
    the total less what is still outstanding when partially paid, nothing while pending, authorized, voided or
    expired."""
    state = parsing.text(entry.get("financial_status"), 64)
    if not state:
        return None
    order_total = Decimal(total) if total else ZERO
    paid = ZERO
    if state in CAPTURED:
        paid = order_total
    elif state == "partially_paid" and given(entry, "total_outstanding"):
        outstanding = amount(entry, "total_outstanding")  # documented in the shop's currency
        customer, shop = currencies(entry)
        shop_total = amount(entry, "total_price", side="shop_money")
        if customer != shop and shop_total > 0:
            outstanding = outstanding * order_total / shop_total
        paid = min(max(order_total - outstanding, ZERO), order_total)
    return {"state": state, "paid": fmt(paid, "paid"), "refunded": fmt(refunded(entry), "refunded")}
