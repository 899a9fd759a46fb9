"""The checks an order must pass before it can be processed, and the error state they leave."""

from dataclasses import dataclass
from decimal import Decimal

from orderly.catalog.selectors import mapped_variants, variants_by_sku
from orderly.core.actors import Actor
from orderly.orders import events
from orderly.orders.models import Order, OrderItem
from orderly.orders.services import validation as clean
from orderly.orders.status import OrderStatus


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    fix: str


# What the shipping address lacks, in the words of the order's error (the API's field paths mean nothing there):
# the part of the address and how to say what is wrong with it.
ADDRESS_PARTS = {
    "name": ("name or company", "it has neither a name nor a company"),
    "line1": ("street and number", "it has no street and number"),
    "city": ("city", "it has no city"),
    "country": ("country", "its country {country!r} is not a country code such as NL, DE or US"),
    "postal_code": ("postal code", "it has no postal code, which an address in {country} needs"),
    "region": ("state or province", "it has no state or province, which an address in {country} needs"),
}


def address_shortcoming(shipping: dict) -> tuple[str, str] | None:
    """What a shipping address lacks that its country's rules need, in words: (the part, what is wrong with it), or
    None when it can be used. For the order's error and a batch's refusal alike."""
    refused = clean.address_problem(shipping, field="shipping_address")
    if refused is None:
        return None
    part, reason = ADDRESS_PARTS[refused.field.rsplit(".", 1)[-1]]
    return part, reason.format(country=shipping.get("country", ""))


def _address_problem(order: Order, shipping: dict | None) -> Problem | None:
    if shipping is None and getattr(order, "shipping_address_id", None) is not None:
        shipping = order.shipping_address.as_dict()
    if not shipping:
        return None
    shortcoming = address_shortcoming(shipping)
    if shortcoming is None:
        return None
    part, reason = shortcoming
    return Problem(
        "invalid_address",
        f"The shipping address cannot be used: {reason}.",
        f"Edit the shipping address ({part}), then reset the order.",
    )


def _total_problem(order: Order, items: list[OrderItem]) -> Problem | None:
    """The shop's stated total against what its lines and charges add up to here (every line, canceled or not:
    the stated total is what the customer was charged)."""
    stated = getattr(order, "stated_total", None)
    if stated is None:
        return None
    ours = sum((item.line_total for item in items), Decimal(0)) + order.charges_total
    if ours == stated:
        return None
    return Problem(
        "total_mismatch",
        f"The shop's total is {stated} {order.currency}, but the lines and charges add up to {ours}.",
        "Compare the order with the shop's and edit the items or charges to match, then reset the order.",
    )


def find_problems(
    order: Order, items: list[OrderItem], *, shipping: dict | None = None, process_tests: bool = True
) -> list[Problem]:
    """What blocks processing: a test order (unless its channel processes them), unknown or inactive SKUs of
    items whose stock we keep, no items, no shipping address for shipped items or one its country's rules refuse,
    and lines and charges that do not add up to the shop's own total. `shipping` is the shipping address as data
    when the order's row is not saved yet."""
    problems = []
    if getattr(order, "is_test", False) and not process_tests:
        problems.append(
            Problem(
                "test_order",
                "A test order from the shop: it is kept out of processing.",
                "Nothing to do. To process the channel's test orders, turn on its 'process test orders' setting, "
                "then reset the order.",
            )
        )
    # Items whose stock Orderly does not keep (gift cards, tips, custom lines) need no product here.
    unknown = [item.sku for item in items if item.variant_id is None and item.option_allocate]
    inactive = [item.sku for item in items if item.variant_id and not item.variant.is_orderable]
    if unknown:
        skus = ", ".join(unknown)
        problems.append(
            Problem(
                "unknown_sku",
                f"No product matches SKU {skus}.",
                f"Create a variant with SKU {skus} in the catalog (or map the channel's SKU), then reset the order.",
            )
        )
    if inactive:
        skus = ", ".join(inactive)
        problems.append(
            Problem(
                "inactive_product",
                f"SKU {skus} belongs to an inactive product or variant.",
                f"Activate the product of {skus} in the catalog, or replace the item, then reset the order.",
            )
        )
    if not items and getattr(order, "error_code", "") == "unreadable":
        # The shop's order could not be read: its reason stays the error until the shop sends it readable.
        problems.append(Problem("unreadable", order.error_message, order.error_fix))
    elif not items:
        problems.append(Problem("no_items", "The order has no items.", "Edit the order and add at least one item."))
    to_ship = any(item.delivery_type == "ship" and item.option_fulfil for item in items)
    if order.shipping_address_id is None and to_ship:
        problems.append(
            Problem(
                "no_shipping_address",
                "The order has items to ship but no shipping address.",
                "Edit the order and enter a shipping address, then reset the order.",
            )
        )
    elif to_ship and (problem := _address_problem(order, shipping)):
        problems.append(problem)
    if problem := _total_problem(order, items):
        problems.append(problem)
    return problems


def processes_tests(channel) -> bool:
    """Whether the channel's test orders are processed (its setting; off by default: they are kept out)."""
    return bool((getattr(channel, "settings", None) or {}).get("process_test_orders", False))


def resolve_variants(items: list[OrderItem], channel_id: int | None = None) -> None:
    """Link items whose SKU now matches a catalog variant (e.g. created after the order came in), or, for the
    order's channel, a variant the channel's SKU was mapped to (the mapping wins over a same-named SKU)."""
    unresolved = [item for item in items if item.variant_id is None]
    if not unresolved:
        return
    skus = {item.sku for item in unresolved}
    found = variants_by_sku(skus)
    if channel_id is not None:
        found.update(mapped_variants(channel_id, skus))
    for item in unresolved:
        if variant := found.get(item.sku):
            item.variant = variant
            item.save(update_fields=["variant"])


def apply_checks(order: Order, actor: Actor) -> list[Problem]:
    """Run the checks and set or clear the order's error to match, with timeline events. Inside a transaction."""
    items = list(order.items.select_related("variant__product"))
    resolve_variants(items, order.channel_id)
    if order.status == OrderStatus.CANCELED:
        problems = []  # a canceled order is not processed: nothing blocks it, and no error is left to reset
    else:
        problems = find_problems(order, items, process_tests=processes_tests(order.channel) if order.is_test else True)
    if problems:
        first = problems[0]
        message = " ".join(p.message for p in problems)
        fix = " ".join(p.fix for p in problems)
        if (order.error_code, order.error_message) != (first.code, message[:1000]):
            order.error_code, order.error_message, order.error_fix = first.code, message[:1000], fix[:1000]
            order.save(update_fields=["error_code", "error_message", "error_fix", "updated_at"])
            events.error_raised(order, actor)
    elif order.error_code:
        code, message = order.error_code, order.error_message
        order.error_code = order.error_message = order.error_fix = ""
        order.save(update_fields=["error_code", "error_message", "error_fix", "updated_at"])
        events.error_cleared(order, actor, code, message)
    return problems
